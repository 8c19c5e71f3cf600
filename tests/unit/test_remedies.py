"""Remedies name what the operator's own files and release call things.

An ``ogx:`` file's keys are ``ogx.url`` and ``ogx.api_key`` and its server is started with
``ogx run``; a May 2026 file's are ``llama_stack.*`` and ``llama stack run``. An answer that
is not JSON is said with what it is (an HTML page's title, or its first bytes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.config.loader import load
from console.stack.errors import not_json_diagnosis, status_diagnosis
from console.stack.session import NoServer, open_session
from console.stack.tls_errors import http_to_https_diagnosis, https_to_http_diagnosis
from tests.conftest import EXAMPLES

ENDPOINT = "GET https://ogx:8321/v1/models"
OTHER = {"ogx": "llama_stack", "llama_stack": "ogx"}


@pytest.mark.parametrize("section", ["ogx", "llama_stack"])
def test_the_servers_own_refusals_name_the_files_keys(section: str) -> None:
    other = OTHER[section]
    for found in (
        status_diagnosis(401, "Unauthorized", ENDPOINT, section),
        status_diagnosis(404, "Not Found", ENDPOINT, section),
        status_diagnosis(400, "The plain HTTP request was sent to HTTPS port", ENDPOINT, section),
        not_json_diagnosis(ENDPOINT, "text/html", "<html></html>", section),
        https_to_http_diagnosis(ENDPOINT, "", section),
        http_to_https_diagnosis(ENDPOINT, "", section),
    ):
        text = found.meaning + found.remedy
        assert f"{section}." in text, found
        assert f"{other}." not in text, found


def test_an_html_answer_is_named_by_its_title_and_other_text_by_its_first_bytes() -> None:
    page = "<html><head><title>\n  Sign in to your account </title></head><body>...</body></html>"
    found = not_json_diagnosis(ENDPOINT, "text/html; charset=utf-8", page, "ogx")
    assert 'an HTML page titled "Sign in to your account"' in found.meaning
    plain = not_json_diagnosis(ENDPOINT, "text/plain", "upstream connect error " * 10, "ogx")
    assert "starting 'upstream connect error upstream connect error" in plain.meaning
    assert "..." in plain.meaning


@pytest.mark.parametrize(
    ("config", "key", "command"),
    [("lightspeed-stack-ogx.yaml", "ogx", "ogx run"), ("lightspeed-stack-service.yaml",
     "llama_stack", "llama stack run")],
)  # fmt: skip
def test_no_url_and_library_mode_name_the_generations_key_and_cli(
    tmp_path: Path, config: str, key: str, command: str, entra_env: dict[str, str]
) -> None:
    text = (EXAMPLES / config).read_text()
    without_url = tmp_path / "no-url.yaml"
    without_url.write_text("\n".join(ln for ln in text.splitlines() if "  url:" not in ln))
    session = open_session(load(without_url))
    assert isinstance(session, NoServer)
    assert f"sets no {key}.url" in session.message
    assert f"Set {key}.url" in session.remedy
    library = tmp_path / "library.yaml"
    library.write_text(
        text.replace("use_as_library_client: false", "use_as_library_client: true").replace(
            f"{key}:\n", f"{key}:\n  library_client_config_path: {EXAMPLES / 'azure-run.yaml'}\n", 1
        )
    )
    session = open_session(load(library))
    assert isinstance(session, NoServer)
    assert f"`{command} " in session.remedy


def test_an_api_key_written_inline_in_an_ogx_file_is_found(
    tmp_path: Path, entra_env: dict[str, str]
) -> None:
    config = tmp_path / "ogx.yaml"
    text = (EXAMPLES / "lightspeed-stack-ogx.yaml").read_text()
    config.write_text(text.replace("  timeout: 180\n", "  timeout: 180\n  api_key: inline-k3y\n"))
    found = [f for f in load(config).findings if f.code == "secret-inline"]
    assert [f.message for f in found] == ["ogx.api_key is written inline in the file (ogx.api_key)"]
