"""Library mode, live: the run.yaml booted in its real release, and the test inference through it.

Both generations (OGX 1.2.5 for lightspeed-stack 0.7.x, llama-stack 0.7.3 for May 2026),
legacy and unified, on the sandbox's Entra ID and Azure OpenAI stand-ins with no server
running. Every deployment keeps its stores in a ``prod-state`` folder that must never
appear: the boot keeps its own in a temporary folder, removed afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from console.cli import main
from console.doctor.live import LIBRARY_TITLE
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.runner import Doctor
from console.sandbox import faults
from console.sandbox.demo import DemoInfo, DemoSandbox
from console.settings.live import LiveOptions
from console.settings.target import Target
from tests.integration.library_deployments import (
    KINDS,
    Kind,
    prod_state,
    run_config,
    write_deployment,
)

pytestmark = pytest.mark.real_stack

RELEASE = {"legacy-0.7": "OGX 1.2.5", "unified-0.7": "OGX 1.2.5", "may-2026": "llama-stack 0.7.3"}
HEADER = {
    "legacy-0.7": "X-OGX-Provider-Data",
    "unified-0.7": "X-OGX-Provider-Data",
    "may-2026": "X-LlamaStack-Provider-Data",
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[DemoSandbox]:
    with DemoSandbox(server="stand-in") as box:
        yield box


@pytest.fixture
def info(
    sandbox: DemoSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[DemoInfo]:
    """The sandbox's identity exported, no fault on, and a temp folder of the test's own."""
    assert sandbox.info is not None
    for name, value in sandbox.info.environ.items():
        monkeypatch.setenv(name, value)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    _reset(sandbox)
    yield sandbox.info
    _reset(sandbox)
    assert not list(temp.glob("lightspeed-library-*")), "a boot's temp folder was left"


def _reset(sandbox: DemoSandbox) -> None:
    assert sandbox.azure is not None
    faults.reset(sandbox.entra.faults)
    faults.reset(sandbox.azure.faults)


def _fault(sandbox: DemoSandbox, name: str) -> None:
    assert sandbox.azure is not None
    faults.apply([name], {"entra": sandbox.entra.faults, "azure": sandbox.azure.faults})


def options(info: DemoInfo) -> LiveOptions:
    return LiveOptions(authority=info.authority, ca_bundle=Path(info.ca_bundle), token_timeout=10.0)


async def run_doctor(info: DemoInfo, config: Path) -> tuple[dict[str, CheckResult], str | None]:
    """Every step's result, and the token the doctor acquired (None when it got none)."""
    doctor = Doctor(Target(config, None, options(info), environ=info.environ))
    try:
        results = {result.step: result async for result in doctor.run()}
        token = doctor.state.token.token.get_secret_value() if doctor.state.token else None
        return results, token
    finally:
        await doctor.aclose()


@pytest.mark.parametrize("kind", KINDS)
async def test_the_test_inference_goes_through_the_library_with_the_acquired_token(
    kind: Kind, info: DemoInfo, sandbox: DemoSandbox, tmp_path: Path
) -> None:
    config = write_deployment(info, tmp_path / kind, kind)
    results, token = await run_doctor(info, config)
    assert {step: r.status for step, r in results.items()} == {
        step: CheckStatus.PASS for step in results
    }, {step: r.summary for step, r in results.items()}
    stack = results["stack"]
    assert stack.title == LIBRARY_TITLE
    assert f"library (booted locally): {RELEASE[kind]} booted" in stack.summary
    assert HEADER[kind] in stack.summary
    assert "a new library client with the token first" in results["inference"].summary
    assert token is not None
    assert sandbox.azure is not None
    answered = [r for r in sandbox.azure.stand_in.chat_requests if r.status == 200]
    assert answered, "Azure saw no chat completion"
    assert answered[-1].carried(token)  # the acquired token, as Bearer, from the release
    assert not prod_state(tmp_path / kind).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_check_exits_0_with_the_inference_passed(
    kind: Kind, info: DemoInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_deployment(info, tmp_path / kind, kind)
    code = main(["check", "-c", str(config), "--authority", info.authority,
                 "--ca-bundle", info.ca_bundle, "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is True
    assert report["outcome"] == "passed"
    assert [s["status"] for s in report["steps"] if s["step"] == "inference"] == ["pass"]
    assert "all checks passed" in err
    assert info.client_secret not in out + err
    assert not prod_state(tmp_path / kind).exists()


def test_infer_streams_through_the_library_and_shows_no_secret(
    info: DemoInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_deployment(info, tmp_path / "infer", "legacy-0.7")
    env_file = tmp_path / "pod.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in info.environ.items()))
    code = main(["infer", "-c", str(config), "--authority", info.authority, "--ca-bundle",
                 info.ca_bundle, "--stream", "--json", "--env-file", str(env_file)])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert result["ok"] is True
    assert result["answer"] == "Echo: Reply with the single word: pong"
    assert result["deltas"] > 1
    assert result["header_name"] == "X-OGX-Provider-Data"
    assert result["client_rebuilt_s"] is not None
    assert "a new library client with the token took" in err
    assert info.client_secret not in out + err  # the tenant and client IDs may be shown


# --------------------------------------------------------------------- token and Azure


FAULTS = {
    "entra-expired-secret": ("token", "AADSTS7000222"),
    "azure-401": ("inference", "AZURE_TOKEN_REJECTED"),
    "azure-no-role": ("inference", "AZURE_NO_ROLE"),
}


FAULT_CASES = [
    (fault, kind)
    for fault, (step, _) in FAULTS.items()
    # The token is the console's own (azure-identity), whichever release boots: one kind.
    # Azure's refusals come back through each release's SDK: both generations.
    for kind in (["may-2026"] if step == "token" else ["legacy-0.7", "may-2026"])
]


@pytest.mark.parametrize(("fault", "kind"), FAULT_CASES)
async def test_token_and_azure_faults_through_the_library(
    fault: str, kind: Kind, info: DemoInfo, sandbox: DemoSandbox, tmp_path: Path
) -> None:
    step, code = FAULTS[fault]
    config = write_deployment(info, tmp_path / kind, kind)
    _fault(sandbox, fault)
    results, _ = await run_doctor(info, config)
    failed = [r.step for r in results.values() if r.status is CheckStatus.FAIL]
    assert failed == [step], {s: r.summary for s, r in results.items()}
    diagnosis = results[step].diagnosis
    assert diagnosis is not None
    assert diagnosis.code == code
    if step == "inference":  # Azure's endpoint that refused, reached through the library
        assert diagnosis.endpoint is not None
        assert diagnosis.endpoint.startswith(f"POST {info.azure_base_url}/chat/completions")
        assert RELEASE[kind] in diagnosis.endpoint
    assert results["stack"].status is CheckStatus.PASS


@pytest.mark.parametrize("kind", ["legacy-0.7", "may-2026"])
async def test_azure_throttling_longer_than_the_wait_is_said_as_throttling(
    kind: Kind, info: DemoInfo, sandbox: DemoSandbox, tmp_path: Path
) -> None:
    """The release's SDK waits Azure's Retry-After (30 s) before each retry, so the library
    has no answer when the console's 8 s are up: Azure itself says it is throttling."""
    config = write_deployment(info, tmp_path / kind, kind)
    _fault(sandbox, "azure-429=30")
    doctor = Doctor(
        Target(config, None, replace(options(info), stack_timeout=8.0), environ=info.environ)
    )
    try:
        results = {result.step: result async for result in doctor.run()}
    finally:
        await doctor.aclose()
    diagnosis = results["inference"].diagnosis
    assert diagnosis is not None, results["inference"]
    assert diagnosis.code == "AZURE_RATE_LIMITED"
    assert "Retry-After 30 s" in diagnosis.title
    assert diagnosis.endpoint == f"POST {info.azure_base_url}/chat/completions"
    assert "Did not answer in time" not in diagnosis.title
    assert f"{'ogx' if kind == 'legacy-0.7' else 'llama_stack'}.timeout" in diagnosis.remedy


# ------------------------------------------------------------------------ boot failures


def _azure_provider(run: dict[str, object]) -> dict[str, object]:
    providers = run["providers"]
    assert isinstance(providers, dict)
    first: dict[str, object] = providers["inference"][0]
    return first


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize("kind", ["legacy-0.7", "may-2026"])
def test_an_unknown_provider_type_fails_the_boot_naming_it(
    kind: Kind, info: DemoInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / kind
    run = run_config(info, folder)
    _azure_provider(run)["provider_type"] = "remote::azur"
    config = write_deployment(info, folder, kind, run)
    code = main(["check", "-c", str(config), "--authority", info.authority,
                 "--ca-bundle", info.ca_bundle])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1
    line = _line_of(folder / "run.yaml", "remote::azur")
    assert "LIBRARY_UNKNOWN_PROVIDER" in out
    assert "Provider `remote::azur` is not available" in out  # the release's own words
    assert f"{folder / 'run.yaml'}:{line}" in out
    cli = "ogx list-providers" if kind == "legacy-0.7" else "llama stack list-providers"
    assert cli in out
    assert "all checks passed" not in err
    assert not prod_state(folder).exists()


def test_an_unset_variable_fails_the_boot_at_its_line(
    info: DemoInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "env"
    run = run_config(info, folder)
    config_of = _azure_provider(run)["config"]
    assert isinstance(config_of, dict)
    config_of["api_version"] = "${env.LSC_TEST_NEVER_SET}"
    config = write_deployment(info, folder, "legacy-0.7", run)
    code = main(["boot", "-c", str(config)])
    _, err = capsys.readouterr()
    assert code == 1
    line = _line_of(folder / "run.yaml", "LSC_TEST_NEVER_SET")
    assert "[LIBRARY_ENV_UNSET]" in err
    assert f"{folder / 'run.yaml'}:{line}" in err
    assert "Environment variable 'LSC_TEST_NEVER_SET' not set or empty" in err  # OGX's words
    assert "--env-file" in err


def test_an_invalid_provider_config_fails_the_boot_with_the_release_s_message(
    info: DemoInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "invalid"
    run = run_config(info, folder)
    config_of = _azure_provider(run)["config"]
    assert isinstance(config_of, dict)
    config_of["refresh_models"] = "maybe"
    config = write_deployment(info, folder, "legacy-0.7", run)
    code = main(["boot", "-c", str(config), "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    diagnosis = json.loads(out)["diagnosis"]
    assert diagnosis["code"] == "LIBRARY_INVALID_CONFIG"
    assert "AzureConfig" in diagnosis["meaning"]  # the release's own model
    assert "providers.inference[0].config.refresh_models" in diagnosis["meaning"]
    assert f"{folder / 'run.yaml'}:{_line_of(folder / 'run.yaml', 'refresh_models')}" in err


def test_a_provider_this_environment_lacks_is_left_out_and_said(
    info: DemoInfo, sandbox: DemoSandbox, tmp_path: Path
) -> None:
    folder = tmp_path / "faiss"
    run = run_config(info, folder)
    providers = run["providers"]
    assert isinstance(providers, dict)
    providers["vector_io"] = [
        {"provider_id": "faiss", "provider_type": "inline::faiss",
         "config": {"persistence": {"namespace": "v", "backend": "kv_default"}}}
    ]  # fmt: skip
    apis = run["apis"]
    assert isinstance(apis, list)
    apis.append("vector_io")
    config = write_deployment(info, folder, "legacy-0.7", run)
    import asyncio

    results, _ = asyncio.run(run_doctor(info, config))
    stack = results["stack"]
    assert stack.status is CheckStatus.WARN
    assert "not booted here: vector_io/faiss (inline::faiss) needs faiss-cpu" in stack.summary
    assert "environment lacks" in stack.summary
    assert results["inference"].status is CheckStatus.PASS  # the Azure path is still checked


def test_a_store_this_machine_cannot_write_is_said_and_nothing_is_written(
    info: DemoInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "store"
    blocker = folder / "a-file"
    folder.mkdir()
    blocker.write_text("not a folder\n")
    run = run_config(info, folder)
    storage = run["storage"]
    assert isinstance(storage, dict)
    storage["backends"]["kv_default"]["db_path"] = str(blocker / "kv.db")
    config = write_deployment(info, folder, "legacy-0.7", run)
    code = main(["boot", "-c", str(config)])
    _, err = capsys.readouterr()
    assert code == 0  # booted with its stores moved; the path is this machine's concern
    assert "storage.backends.kv_default.db_path" in err
    assert f"[Errno 20] Not a directory: '{blocker}'" in err
    assert blocker.read_text() == "not a folder\n"
    assert not prod_state(folder).exists()


# ---------------------------------------------------------------------------- signals


def _runners(marker: str) -> list[int]:
    """Processes running the library runner whose temp folder is under ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "library/runner.py" in command and marker in command:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_no_runner_outlives_a_signalled_check(
    signum: signal.Signals, info: DemoInfo, sandbox: DemoSandbox, tmp_path: Path
) -> None:
    config = write_deployment(info, tmp_path / "dep", "legacy-0.7")
    temp = tmp_path / "signal-tmp"
    temp.mkdir()
    _fault(sandbox, "entra-slow=30")  # the token step waits: the runner lives meanwhile
    env = {**os.environ, "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "console", "check", "-c", str(config), "--authority",
               info.authority, "--ca-bundle", info.ca_bundle, "--token-timeout", "60"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        runners: list[int] = []
        while not runners and time.monotonic() < deadline and process.poll() is None:
            runners = _runners(str(temp))
            time.sleep(0.05)
        assert runners, "the runner never started"
        time.sleep(0.5)
        process.send_signal(signum)
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in runners) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in runners), "a runner outlived the console"
        while list(temp.glob("lightspeed-library-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not list(temp.glob("lightspeed-library-*"))
        assert b"Traceback" not in (process.stderr.read() if process.stderr else b"")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        _reset(sandbox)
    assert not prod_state(tmp_path / "dep").exists()
