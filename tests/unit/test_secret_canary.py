"""A recognisable secret, placed everywhere a secret can be, never reaches stdout or stderr.

CLIENT_SECRET holds the canary from the environment; copies sit inline in run.yaml (an
api_key, and the default of an ``${env.…:=…}``) and in lightspeed-stack.yaml. Every headless
command runs on them, as text and as JSON, on good files and on broken ones. The file that
``enrich`` writes may hold the inline secrets the input held, and no more copies than that.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from tests.conftest import CANARY_SECRET, EXAMPLES

INLINE_KEY = "canary-Inl1ne-Ap1-K3y-5d0c"
DEFAULT_KEY = "canary-D3fault-Ap1-K3y-88e2"
CANARIES = (CANARY_SECRET, INLINE_KEY, DEFAULT_KEY)

SERVICE = EXAMPLES / "lightspeed-stack-service.yaml"
RUN = EXAMPLES / "azure-run.yaml"
KEY_LINE = "        api_key: ${env.AZURE_API_KEY:=}   # unused with Entra ID: the token comes in the header\n"

COMMANDS = [
    ["review"],
    ["review", "--json"],
    ["diff"],
    ["diff", "--json"],
    ["providers", "--static"],
    ["providers", "--static", "--json"],
    ["enrich"],
    ["enrich", "--json"],
]


def run_yaml(api_key_line: str) -> str:
    text = RUN.read_text()
    assert KEY_LINE in text
    return text.replace(KEY_LINE, api_key_line)


RUN_FILES = {
    "inline api_key": run_yaml(f"        api_key: {INLINE_KEY}\n"),
    "quoted inline api_key": run_yaml(f'        api_key: "{INLINE_KEY}"  # rotate me\n'),
    "api_key default": run_yaml(f"        api_key: ${{env.HOSTILE_UNSET_KEY:={DEFAULT_KEY}}}\n"),
    "api_key from CLIENT_SECRET": run_yaml("        api_key: ${env.CLIENT_SECRET}\n"),
}

SERVICE_TEXT = SERVICE.read_text()
LIGHTSPEED_FILES = {
    "client_secret from the environment": SERVICE_TEXT,
    "client_secret inline": SERVICE_TEXT.replace("${env.CLIENT_SECRET}", CANARY_SECRET),
    "llama_stack.api_key inline": SERVICE_TEXT.replace("${env.LLAMA_STACK_API_KEY:=}", INLINE_KEY),
    "client_secret of the wrong type": SERVICE_TEXT.replace(
        "${env.CLIENT_SECRET}", f"{{value: {CANARY_SECRET}}}"
    ),
    "client_secret under an unknown tag": SERVICE_TEXT.replace(
        "${env.CLIENT_SECRET}", f"!vault {CANARY_SECRET}"
    ),
    "client_secret in an unclosed quote": SERVICE_TEXT.replace(
        "${env.CLIENT_SECRET}", f'"{CANARY_SECRET}'
    ),
    "client_secret after a tab": SERVICE_TEXT.replace(
        "  client_secret: ${env.CLIENT_SECRET}", f"\tclient_secret: {CANARY_SECRET}"
    ),
    "client_secret twice": SERVICE_TEXT.replace(
        "  client_secret: ${env.CLIENT_SECRET}",
        f"  client_secret: {CANARY_SECRET}\n  client_secret: {CANARY_SECRET}",
    ),
}


def assert_no_canary(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text


@pytest.mark.parametrize("run_name", list(RUN_FILES))
@pytest.mark.parametrize("lightspeed_name", list(LIGHTSPEED_FILES))
def test_no_command_prints_a_secret(
    lightspeed_name: str,
    run_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    entra_env: dict[str, str],
) -> None:
    assert entra_env["CLIENT_SECRET"] == CANARY_SECRET
    monkeypatch.chdir(tmp_path)
    lightspeed, run = tmp_path / "lightspeed-stack.yaml", tmp_path / "run.yaml"
    lightspeed.write_text(LIGHTSPEED_FILES[lightspeed_name])
    run.write_text(RUN_FILES[run_name])
    codes = []
    for index, command in enumerate(COMMANDS):
        target = tmp_path / f"enriched-{index}.yaml"
        argv = [*command, "-c", str(lightspeed), "-i", str(run)]
        if command[0] == "enrich":
            argv += ["-o", str(target)]
        codes.append(main(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        assert_no_canary(out)
        assert_no_canary(err)
        if target.exists():  # enrich may keep what the input held, and add no copies
            written = target.read_text()
            for canary in CANARIES:
                assert written.count(canary) == run.read_text().count(canary)
    assert all(code in (0, 1, 2) for code in codes)


def test_the_diff_masks_the_inline_key_it_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    """The inline key sits next to the inserted line, so the diff context would show it."""
    run = tmp_path / "run.yaml"
    run.write_text(RUN_FILES["inline api_key"])
    assert main(["diff", "-c", str(SERVICE), "-i", str(run)]) == 1
    out, _ = capsys.readouterr()
    assert "         api_key: ********\n" in out
    assert "+        model_validation: false\n" in out
    assert_no_canary(out)


def test_providers_say_a_key_is_set_without_showing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    run = tmp_path / "run.yaml"
    run.write_text(RUN_FILES["inline api_key"])
    assert main(["providers", "--static", "-c", str(SERVICE), "-i", str(run)]) == 0
    out, _ = capsys.readouterr()
    assert "******** (inline)" in out
    assert_no_canary(out)


def test_no_secret_in_a_real_terminal(tmp_path: Path, entra_env: dict[str, str]) -> None:
    lightspeed, run = tmp_path / "lightspeed-stack.yaml", tmp_path / "run.yaml"
    lightspeed.write_text(LIGHTSPEED_FILES["client_secret inline"])
    run.write_text(RUN_FILES["inline api_key"])
    files = ["-c", str(lightspeed), "-i", str(run)]
    for command in (["review"], ["diff"], ["providers", "--static", "--json"]):
        result = subprocess.run(
            [sys.executable, "-c", "from console.cli import run; run()", *command, *files],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        assert result.returncode in (0, 1)
        assert "Traceback" not in result.stderr
        assert_no_canary(result.stdout + result.stderr)
