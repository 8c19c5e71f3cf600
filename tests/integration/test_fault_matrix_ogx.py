"""The fault matrix on the server today's Lightspeed runs: a real OGX 1.2.5 over TLS.

The stand-in matrix (`test_fault_matrix`) pins where each fault fails and with which
diagnosis, against the Llama Stack stand-in, which mirrors llama-stack 0.7.3. Here the same
Entra ID and Azure OpenAI faults are switched on behind a real OGX 1.2.5 (the demo's default
deployment: ``ogx:`` config, HTTPS with its own CA, ``X-OGX-Provider-Data``), and ``check``
must reach the very same verdict: same step, same diagnosis code. A difference would be a
verdict the real deployment does not share, so the expected outcomes are read from the stand-in
matrix's cases, not written again here.

Then the faults only a real OGX can show: TLS without the server's CA, ``http://`` to its HTTPS
port, and the previous generation's provider-data header, which OGX ignores, so the token never
reaches Azure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.cli import main
from console.sandbox import faults as catalogue
from console.sandbox.demo import DemoInfo, DemoSandbox
from console.stack.kind import LLAMA_STACK_HEADER
from tests.integration.test_fault_matrix import BY_ID, ENV_NAMES, TIMEOUT_S, failures

pytestmark = pytest.mark.real_stack

UPSTREAM_CASES = (
    "entra-401-expired-secret",
    "entra-429",
    "entra-503",
    "entra-drop",
    "entra-forged",
    "entra-wrong-audience",
    "azure-401",
    "azure-no-role",
    "azure-429",
    "azure-429-long",
    "azure-500",
    "azure-503",
    "azure-drop",
)
"""Stand-in matrix cases whose fault lives upstream of the server (Entra ID, Azure)."""


@pytest.fixture(scope="module")
def ogx() -> Iterator[DemoSandbox]:
    """The demo's default sandbox: a real OGX 1.2.5 over TLS between the two stand-ins."""
    with DemoSandbox(server="ogx-1.2.5") as sandbox:
        assert sandbox.info is not None
        assert sandbox.info.stack_kind == "ogx"
        assert sandbox.info.stack_ca_bundle is not None
        yield sandbox


@pytest.fixture
def faults_reset(ogx: DemoSandbox) -> Iterator[DemoSandbox]:
    """The sandbox with no fault on, before and after the test."""
    reset(ogx)
    yield ogx
    reset(ogx)


def reset(sandbox: DemoSandbox) -> None:
    catalogue.reset(sandbox.entra.faults)
    assert sandbox.azure is not None
    catalogue.reset(sandbox.azure.faults)


def switch_on(sandbox: DemoSandbox, names: tuple[str, ...]) -> None:
    assert sandbox.azure is not None
    catalogue.apply(names, {"entra": sandbox.entra.faults, "azure": sandbox.azure.faults})


def check(
    info: DemoInfo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *options: str,
    stack_timeout_s: float = TIMEOUT_S,
    trust_the_server: bool = True,
) -> tuple[int, dict[str, dict[str, object]]]:
    """``check --json`` in process, as an operator runs it against this deployment."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in info.environ.items():
        monkeypatch.setenv(name, value)
    argv = [
        "check", "--json", "-c", info.lightspeed_config, "-i", info.run_config,
        "--authority", info.authority, "--ca-bundle", info.ca_bundle,
        "--timeout", str(stack_timeout_s), "--token-timeout", str(TIMEOUT_S), *options,
    ]  # fmt: skip
    if trust_the_server:
        assert info.stack_ca_bundle is not None
        argv += ["--stack-ca-bundle", info.stack_ca_bundle]
    code = main(argv)
    out, _ = capsys.readouterr()
    return code, {step["step"]: step for step in json.loads(out)["steps"]}


def info_of(sandbox: DemoSandbox) -> DemoInfo:
    assert sandbox.info is not None
    return sandbox.info


def test_the_healthy_deployment_passes(
    faults_reset: DemoSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, steps = check(info_of(faults_reset), capsys, monkeypatch)
    assert (code, failures(steps)) == (0, []), steps


@pytest.mark.parametrize("case_id", UPSTREAM_CASES)
def test_an_upstream_fault_gets_the_stand_in_matrix_verdict(
    case_id: str,
    faults_reset: DemoSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = BY_ID[case_id]
    assert case.faults, "only catalogue faults can be switched on here"
    assert case.setup is None
    switch_on(faults_reset, case.faults)
    code, steps = check(
        info_of(faults_reset), capsys, monkeypatch, stack_timeout_s=case.stack_timeout_s
    )
    assert code == 1
    assert failures(steps) == [(case.step, case.code)], steps
    reset(faults_reset)
    code, steps = check(info_of(faults_reset), capsys, monkeypatch)
    assert (code, failures(steps)) == (0, []), steps


def test_without_the_servers_ca_the_stack_step_says_tls_untrusted(
    faults_reset: DemoSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, steps = check(info_of(faults_reset), capsys, monkeypatch, trust_the_server=False)
    assert code == 1
    assert failures(steps) == [("stack", "TLS_UNTRUSTED")], steps
    diagnosis = steps["stack"]["diagnosis"]
    assert isinstance(diagnosis, dict)
    assert "--stack-ca-bundle" in str(diagnosis["remedy"])


def test_plain_http_to_the_https_port_is_named(
    faults_reset: DemoSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = info_of(faults_reset)
    assert info.stack_url.startswith("https://")
    plain = "http://" + info.stack_url.removeprefix("https://")
    code, steps = check(info, capsys, monkeypatch, "--url", plain)
    assert code == 1
    assert failures(steps) == [("stack", "TLS_HTTP_TO_HTTPS")], steps


def test_the_previous_generations_header_never_brings_the_token_to_azure(
    faults_reset: DemoSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    azure = faults_reset.azure
    assert azure is not None
    azure.stand_in.clear_requests()
    code, steps = check(
        info_of(faults_reset),
        capsys,
        monkeypatch,
        "--provider-data-header",
        LLAMA_STACK_HEADER,
    )
    assert code == 1
    [(step, diagnosis_code)] = failures(steps)
    assert step == "inference"
    assert diagnosis_code.startswith("PROVIDER_DATA"), steps
    assert not [r for r in azure.stand_in.requests if r.path.endswith("/chat/completions")]


def test_the_config_is_read_as_todays_lightspeed(
    faults_reset: DemoSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = info_of(faults_reset)
    assert "\nogx:\n" in Path(info.lightspeed_config).read_text()
    _, steps = check(info, capsys, monkeypatch)
    assert "lightspeed-stack 0.7.x" in str(steps["config"]["summary"])
