"""`StackSession`, discovery and the ``providers`` command against a stand-in AND a real server.

Everything a diagnosis names is produced for real: a port nothing listens on, a server
answering 500/401/403, a server slower than the timeout, an HTML page instead of JSON.
Faults of the server itself exist only on the stand-in; what depends on the server's own
behaviour (version, providers, discovery, header choice) runs on both.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from console.cli import main
from console.config.loader import load
from console.sandbox.llama_stack.server import LlamaStackServer
from console.sandbox.real_stack import minimal_run_config
from console.sandbox.tokens import TokenIssuer
from console.shared.diagnosis import DiagnosedError
from console.stack.kind import (
    LLAMA_STACK_HEADER,
    OGX_HEADER,
    HeaderNameError,
    choose_header,
    stack_kind,
)
from console.stack.providers import ModelView, ProviderView, static_providers
from console.stack.session import NoServer, StackSession, open_session, survey
from tests.conftest import CANARY_SECRET, EXAMPLES
from tests.integration.live_backends import Backend

pytestmark = pytest.mark.real_stack


def run_yaml(tmp_path: Path, base_url: str) -> Path:
    """A run.yaml like the server's, with ``base_url`` for its Azure provider."""
    config = minimal_run_config(base_url, storage_dir="/tmp/unused")
    path = tmp_path / "run.yaml"
    path.write_text(json.dumps(config, indent=2))
    return path


# ------------------------------------------------------------------------ who answers


async def test_version_kind_and_header(backend: Backend) -> None:
    async with backend.session() as session:
        info = await session.info()
        again = await session.info()
    assert again is info, "the version is asked once per session"
    assert info.url == backend.url
    expected = ("0.7.3", "llama-stack") if backend.name == "real" else ("0.7.3+sandbox", "sandbox")
    assert (info.version, info.kind) == expected
    assert info.header_name == info.server_reads == LLAMA_STACK_HEADER
    assert not info.header_forced_differs
    assert info.latency_s > 0  # measured (how long it took belongs in bench/)


async def test_forced_header_is_sent_and_flagged(backend: Backend) -> None:
    async with backend.session(provider_data_header=OGX_HEADER) as session:
        info = await session.info()
    assert info.header_name == OGX_HEADER
    assert info.server_reads == LLAMA_STACK_HEADER
    assert info.header_forced_differs
    assert "forced" in info.header_reason


@pytest.mark.parametrize(
    ("version", "marker", "kind", "header"),
    [
        ("0.7.3", False, "llama-stack", LLAMA_STACK_HEADER),
        ("0.7.3+sandbox", False, "sandbox", LLAMA_STACK_HEADER),
        ("0.7.3", True, "sandbox", LLAMA_STACK_HEADER),
        ("0.9.0rc1", False, "llama-stack", LLAMA_STACK_HEADER),
        ("1.0.0", False, "ogx", OGX_HEADER),
        ("v1.2", False, "ogx", OGX_HEADER),
        ("dev", False, "llama-stack", LLAMA_STACK_HEADER),
    ],
)
def test_header_follows_the_version(version: str, marker: bool, kind: str, header: str) -> None:
    found = stack_kind(version, sandbox_marker=marker)
    assert found == kind
    assert choose_header(version, found)[0] == header


def test_forced_header_must_be_a_header_name() -> None:
    with pytest.raises(HeaderNameError):
        StackSession("http://127.0.0.1:1", provider_data_header="X-Bad Header: 1")


# ----------------------------------------------------------------- providers & discovery


async def test_providers_and_models_are_server_rows(backend: Backend, tmp_path: Path) -> None:
    async with backend.session() as session:
        providers = await session.providers()
        models = await session.models()
    assert providers == [
        ProviderView(
            source="server",
            api="inference",
            provider_id="azure",
            provider_type="remote::azure",
            base_url=backend.base_url,
            api_version=None,
            model_validation=None,
            api_key="-",
        )
    ]
    assert models == [ModelView("server", "azure/gpt-4o-mini", "azure", "gpt-4o-mini", "llm")]
    # The same type as the static view of the same run.yaml: rows compare field by field.
    static = static_providers(load(None, run_yaml(tmp_path, backend.base_url)))
    assert [p.base_url for p in static] == [p.base_url for p in providers]
    assert type(static[0]) is type(providers[0])
    assert backend.azure.stand_in.requests == [], "listing never reaches Azure"


async def test_discovery_without_run_yaml(backend: Backend) -> None:
    async with backend.session() as session:
        discovery = await session.discover()
    assert discovery.azure_base_url == backend.base_url
    assert discovery.provider_id == "azure"
    assert (discovery.static_base_url, discovery.mismatch, discovery.findings) == (None, False, ())


async def test_discovery_agrees_with_the_same_run_yaml(backend: Backend, tmp_path: Path) -> None:
    loaded = load(None, run_yaml(tmp_path, backend.base_url + "/"))
    async with backend.session() as session:
        discovery = await session.discover(loaded)
    assert discovery.static_base_url == backend.base_url + "/"
    assert not discovery.mismatch, "a trailing slash is not a mismatch"
    assert discovery.findings == ()


async def test_mismatch_with_another_run_yaml(backend: Backend, tmp_path: Path) -> None:
    other = "https://other-resource.openai.azure.com/openai/v1"
    path = run_yaml(tmp_path, other)
    loaded = load(None, path)
    async with backend.session() as session:
        discovery = await session.discover(loaded)
    assert discovery.mismatch
    assert (discovery.azure_base_url, discovery.static_base_url) == (backend.base_url, other)
    [finding] = discovery.findings
    assert finding.code == "base-url-mismatch"
    assert finding.file == path
    assert finding.line == loaded.azure_providers[0].line
    assert backend.base_url in finding.message
    assert other in finding.message


async def test_base_url_without_openai_v1_is_flagged(faulty: Backend) -> None:
    bare = faulty.azure.url  # the resource root: 0.7.3 would post to <root>/chat/completions
    with LlamaStackServer(minimal_run_config(bare)) as server:
        async with StackSession(server.url) as session:
            discovery = await session.discover()
    assert discovery.azure_base_url == bare
    assert [f.code for f in discovery.findings] == ["live-base-url-not-v1"]


async def test_survey_gathers_everything(backend: Backend) -> None:
    async with backend.session() as session:
        found = await survey(session)
    assert found.ok
    assert found.info is not None
    assert found.discovery is not None
    assert found.discovery.azure_base_url == backend.base_url
    assert [m.model_id for m in found.models] == ["azure/gpt-4o-mini"]
    assert json.loads(json.dumps(found.to_dict()))["info"]["kind"] == found.info.kind


# -------------------------------------------------------------------- real failures


async def test_connection_refused(issuer: TokenIssuer) -> None:
    stopped = LlamaStackServer(minimal_run_config("http://127.0.0.1:9/openai/v1"))
    stopped.faults.down = True
    with stopped:
        url = stopped.url
    async with StackSession(url, timeout=2) as session:
        with pytest.raises(DiagnosedError) as caught:
            await session.info()
    diagnosis = caught.value.diagnosis
    assert diagnosis.code == "CONNECTION_REFUSED"
    assert diagnosis.endpoint == f"GET {url}/v1/version"
    assert f"curl {url}/v1/health" in diagnosis.remedy


@pytest.mark.parametrize(
    ("status", "code", "remedy"),
    [
        (500, "HTTP_500", "server's log"),
        (503, "HTTP_503", "server's log"),
        (401, "STACK_UNAUTHORIZED", "llama_stack.api_key"),
        (403, "STACK_FORBIDDEN", "route_policy"),
    ],
)
async def test_server_error_status(faulty: Backend, status: int, code: str, remedy: str) -> None:
    assert faulty.stack is not None
    faulty.stack.faults.status = status
    async with faulty.session(api_key=SecretStr(CANARY_SECRET)) as session:
        found = await survey(session)
    assert found.diagnosis is not None
    assert found.info is None
    assert found.diagnosis.code == code
    assert found.diagnosis.endpoint == f"GET {faulty.url}/v1/version"
    assert remedy in found.diagnosis.remedy
    assert CANARY_SECRET not in json.dumps(found.to_dict())


async def test_slow_server_and_short_timeout(faulty: Backend) -> None:
    assert faulty.stack is not None
    faulty.stack.faults.latency_s = 1.0
    async with faulty.session(timeout=0.3) as session:
        with pytest.raises(DiagnosedError) as caught:
            await session.providers()
    diagnosis = caught.value.diagnosis
    assert diagnosis.code == "TIMEOUT"
    assert diagnosis.endpoint == f"GET {faulty.url}/v1/providers"
    assert "--timeout" in diagnosis.remedy


async def test_html_instead_of_json(faulty: Backend) -> None:
    assert faulty.stack is not None
    faulty.stack.faults.not_json = True
    async with faulty.session() as session:
        for call in (session.info, session.providers, session.models):
            with pytest.raises(DiagnosedError) as caught:
                await call()
            assert caught.value.diagnosis.code == "NOT_JSON"
            assert "text/html" in caught.value.diagnosis.meaning
            assert "Bad Gateway" in caught.value.diagnosis.detail


async def _error_of(call: Callable[[], Awaitable[object]]) -> Exception:
    try:
        await call()
    except Exception as error:
        return error
    raise AssertionError("the call was expected to fail")


async def test_session_recovers_after_an_error_answer(backend: Backend) -> None:
    """After an error answer the server closes the kept-alive connection; calls go on."""
    async with backend.session() as session:
        await session.info()
        for _ in range(3):
            # The session replaces its client after a reset, so take the current one; its
            # first call may still meet the connection the server closed after an error.
            shared = session._shared()
            error = await _error_of(lambda: shared.providers.retrieve("nope"))  # noqa: B023
            if "Connection error" in str(error):
                error = await _error_of(lambda: shared.providers.retrieve("nope"))  # noqa: B023
            assert "Provider nope not found" in str(error)
            assert [p.provider_id for p in await session.providers()] == ["azure"]
            assert (await session.models())[0].model_id == "azure/gpt-4o-mini"


# ------------------------------------------------------------------------ open_session


def test_library_mode_is_a_result_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    loaded = load(EXAMPLES / "lightspeed-stack-library.yaml")
    found = open_session(loaded)
    assert isinstance(found, NoServer)
    assert found.reason == "library-mode"
    assert found.run_config == EXAMPLES / "azure-run.yaml"
    assert "--url" in found.remedy
    assert "llama stack run" in found.remedy
    session = open_session(loaded, url="http://127.0.0.1:8321/")
    assert isinstance(session, StackSession)
    assert session.url == "http://127.0.0.1:8321"


def test_service_mode_session_settings(entra_env: dict[str, str]) -> None:
    loaded = load(EXAMPLES / "lightspeed-stack-service.yaml")
    session = open_session(loaded)
    assert isinstance(session, StackSession)
    assert (session.url, session.timeout) == ("http://localhost:8321", 180)
    assert session.api_key is None, "an empty api_key is no api_key"
    assert isinstance(open_session(None), NoServer)


# ---------------------------------------------------------------------- the command


def _lightspeed(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "lightspeed-stack.yaml"
    path.write_text(
        f"name: t\nllama_stack:\n  use_as_library_client: false\n  url: {url}\n"
        "  api_key: ${env.LSC_TEST_STACK_KEY}\n"
    )
    return path


def test_providers_command_live_and_static(
    backend: Backend,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LSC_TEST_STACK_KEY", CANARY_SECRET)
    config = _lightspeed(tmp_path, backend.url)
    same = run_yaml(tmp_path, backend.base_url)
    assert main(["providers", "-c", str(config), "-i", str(same)]) == 0
    out, err = capsys.readouterr()
    assert "SERVER_BASE_URL" in out
    assert "RUN_YAML_BASE_URL" in out
    assert " same" in out
    assert f"azure base URL (as Lightspeed discovers it): {backend.base_url}" in out
    assert LLAMA_STACK_HEADER in err

    other = tmp_path / "other"
    other.mkdir()
    mismatched = run_yaml(other, "https://elsewhere.openai.azure.com/openai/v1")
    assert main(["providers", "-c", str(config), "-i", str(mismatched), "--json"]) == 1
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["mode"] == "live"
    assert data["discovery"]["mismatch"] is True
    assert [p["source"] for p in data["providers"]] == ["server"]
    assert [p["source"] for p in data["static"]["providers"]] == ["run.yaml"]
    assert f"error [base-url-mismatch]: {mismatched}:" in err
    assert CANARY_SECRET not in out + err


def test_providers_command_on_a_stopped_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stopped = LlamaStackServer(minimal_run_config("http://127.0.0.1:9/openai/v1"))
    stopped.faults.down = True
    with stopped:
        url = stopped.url
    assert main(["providers", "--url", url, "--timeout", "2", "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["diagnosis"]["code"] == "CONNECTION_REFUSED"
    assert "[CONNECTION_REFUSED]" in err
    assert "remedy:" in err
    assert f"endpoint: GET {url}/v1/version" in err


def test_providers_command_in_library_mode(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example's run.yaml booted in llama-stack 0.7.3's library, as Lightspeed boots it."""
    monkeypatch.chdir(EXAMPLES.parent)
    config = str(EXAMPLES / "lightspeed-stack-library.yaml")
    assert main(["providers", "-c", config]) == 0
    out, err = capsys.readouterr()
    assert "in the llama-stack 0.7.3 library client, as Lightspeed's library mode does" in err
    assert "remote::azure" in out
    # this machine's llama-stack 0.7.3 has not sentence-transformers' packages: said, not failed
    assert "not booted here: inference/sentence-transformers" in err
    assert main(["providers", "-c", config, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "library"
    assert data["boot"]["release"] == "llama-stack 0.7.3"
    assert (
        data["discovery"]["azure_base_url"] == "https://lightspeed-prod.openai.azure.com/openai/v1"
    )


def test_providers_command_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    run = str(EXAMPLES / "azure-run.yaml")
    assert main(["providers", "-i", run]) == 2
    assert "llama_stack.url" in capsys.readouterr().err
    bad = ["providers", "--url", "http://127.0.0.1:1", "--provider-data-header", "a b"]
    assert main(bad) == 2
    assert "not a valid HTTP header name" in capsys.readouterr().err
