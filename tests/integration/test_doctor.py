"""The doctor and ``check``: every sandbox fault fails at the right step with the right diagnosis."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from console.cli import main
from console.doctor.graph import STEP_IDS
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.runner import Doctor
from console.sandbox import faults
from console.sandbox.demo import DemoInfo, DemoSandbox
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.azure import DEFAULT_SCOPE

# fault -> (step that fails, diagnosis code or a word of the summary, steps skipped after it)
MATRIX: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "entra-429": ("token", "AADSTS50196", ("inference",)),
    "entra-503": ("token", "HTTP_503", ("inference",)),
    "entra-discovery-down": ("token", "HTTP_503", ("inference",)),
    "entra-drop": ("token", "CONNECTION_DROPPED", ("inference",)),
    "entra-expired-secret": ("token", "AADSTS7000222", ("inference",)),
    "entra-slow=3": ("token", "TIMEOUT", ("inference",)),
    "entra-forged": ("inference", "AZURE_TOKEN_REJECTED", ()),
    "entra-wrong-audience": ("token", "TOKEN_AUD", ("inference",)),
    "azure-401": ("inference", "AZURE_TOKEN_REJECTED", ()),
    "azure-no-role": ("inference", "AZURE_NO_ROLE", ()),
    "azure-429=0": ("inference", "AZURE_RATE_LIMITED", ()),
    # The server is still retrying when the console's 1.5 s are up: Azure itself is asked.
    "azure-429=30": ("inference", "AZURE_RATE_LIMITED", ()),
    "azure-500": ("inference", "AZURE_SERVER_ERROR", ()),
    "azure-503": ("inference", "AZURE_SERVER_ERROR", ()),
    "azure-drop": ("inference", "STACK_INTERNAL_ERROR", ()),
    "stack-500": ("stack", "HTTP_500", ("providers", "inference")),
    "stack-down": ("stack", "CONNECTION_REFUSED", ("providers", "inference")),
    "stack-not-json": ("stack", "NOT_JSON", ("providers", "inference")),
    "stack-header-dropped": ("inference", "PROVIDER_DATA_STRIPPED", ()),
    "stack-slow=3": ("stack", "TIMEOUT", ("providers", "inference")),
}
HARMLESS = {"entra-latency=0.2", "entra-short-token", "azure-latency=0.2", "azure-slow-stream=0.05"}


def options(info: DemoInfo, **extra: object) -> LiveOptions:
    settings: dict[str, object] = {"token_timeout": 1.5, "stack_timeout": 1.5, **extra}
    return LiveOptions(
        authority=info.authority,
        ca_bundle=Path(info.ca_bundle),
        stack_ca_bundle=Path(info.stack_ca_bundle) if info.stack_ca_bundle else None,
        **settings,  # type: ignore[arg-type]
    )


async def run_doctor(info: DemoInfo, **extra: object) -> dict[str, CheckResult]:
    doctor = Doctor(
        Target(
            Path(info.lightspeed_config),
            Path(info.run_config),
            options(info, **extra),
            environ=info.environ,
        )
    )
    try:
        return {result.step: result async for result in doctor.run()}
    finally:
        await doctor.aclose()


@pytest.fixture
def sandbox_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET", "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_matrix_covers_every_fault() -> None:
    names = {name.split("=")[0] for name in [*MATRIX, *HARMLESS]}
    assert names == set(faults.FAULTS)


RETRIED_UPSTREAM = {"azure-429=0", "azure-500", "azure-503", "azure-drop"}
"""The server retries Azure 3 times with backoff (~1.5 s in all): wait long enough for it."""


@pytest.mark.parametrize("fault", sorted(MATRIX))
async def test_fault_fails_at_the_right_step(fault: str) -> None:
    step, code, skipped = MATRIX[fault]
    with DemoSandbox(server="stand-in", faults=[fault]) as sandbox:
        assert sandbox.info is not None
        extra = {"stack_timeout": 8.0} if fault in RETRIED_UPSTREAM else {}
        results = await run_doctor(sandbox.info, **extra)
    failed = [r.step for r in results.values() if r.status is CheckStatus.FAIL]
    assert failed == [step], {k: (r.status, r.summary) for k, r in results.items()}
    failing = results[step]
    assert code in (failing.diagnosis.code if failing.diagnosis else failing.summary)
    assert failing.remedy
    assert [r.step for r in results.values() if r.status is CheckStatus.SKIP] == list(skipped)
    for later in skipped:
        assert results[later].summary.startswith("skipped:")
        assert results[later].blocked_by == step  # the first failure, not the step between
        assert not results[later].out_of_date


@pytest.mark.parametrize("fault", sorted(HARMLESS))
async def test_harmless_faults_still_pass(fault: str) -> None:
    with DemoSandbox(server="stand-in", faults=[fault]) as sandbox:
        assert sandbox.info is not None
        results = await run_doctor(sandbox.info)
    assert all(r.status is CheckStatus.PASS for r in results.values()), results


async def test_wrong_audience_fails_at_token_without_repeating_the_scope() -> None:
    with DemoSandbox(server="stand-in", faults=["entra-wrong-audience"]) as sandbox:
        assert sandbox.info is not None
        results = await run_doctor(sandbox.info)
    token = results["token"]
    assert token.status is CheckStatus.FAIL
    assert token.diagnosis is not None
    assert token.diagnosis.code == "TOKEN_AUD"
    assert token.diagnosis.endpoint is not None
    assert token.diagnosis.endpoint.endswith("/oauth2/v2.0/token")
    assert "aud FAILED" in token.details[0]
    # The demo's scope already is the default one: the remedy says so and looks elsewhere.
    assert sandbox.info.scope == DEFAULT_SCOPE
    assert f"scope to {DEFAULT_SCOPE}" not in token.remedy
    assert f"already {DEFAULT_SCOPE}" in token.remedy
    assert sandbox.info.authority in token.remedy
    assert results["inference"].blocked_by == "token"


async def test_a_token_lightspeed_refreshes_on_every_use_warns_at_token() -> None:
    with DemoSandbox(server="stand-in", faults=["entra-short-token=20"]) as sandbox:
        assert sandbox.info is not None
        results = await run_doctor(sandbox.info)
    token = results["token"]
    assert token.status is CheckStatus.WARN, token
    assert "lifetime WARN" in token.summary
    assert "every request" in token.remedy
    assert results["inference"].status is CheckStatus.PASS


async def test_rerun_one_step_after_the_fault_clears() -> None:
    with DemoSandbox(server="stand-in", faults=["stack-500"]) as sandbox:
        assert sandbox.info is not None
        doctor = Doctor(
            Target(
                Path(sandbox.info.lightspeed_config),
                Path(sandbox.info.run_config),
                options(sandbox.info),
                environ=sandbox.info.environ,
            )
        )
        results = [r async for r in doctor.run()]
        assert results[STEP_IDS.index("stack")].status is CheckStatus.FAIL
        assert sandbox.stack_stand_in is not None
        faults.reset(sandbox.stack_stand_in.faults)
        for step in ("stack", "providers", "inference"):
            assert (await doctor.run_step(step)).status is CheckStatus.PASS
        await doctor.aclose()


async def test_a_rerun_marks_what_it_dropped_out_of_date() -> None:
    """Re-running the stack (or config) step drops the survey: providers stops claiming a pass."""
    with DemoSandbox(server="stand-in") as sandbox:
        assert sandbox.info is not None
        doctor = Doctor(
            Target(
                Path(sandbox.info.lightspeed_config),
                Path(sandbox.info.run_config),
                options(sandbox.info),
                environ=sandbox.info.environ,
            )
        )
        try:
            results = [r async for r in doctor.run()]
            assert all(r.status is CheckStatus.PASS for r in results)
            assert doctor.is_current("providers")
            await doctor.run_step("stack")
            assert doctor.state.survey is None
            providers = doctor.state.results["providers"]
            assert providers.status is CheckStatus.SKIP
            assert providers.summary.startswith("out of date: the Llama Stack server step")
            assert not doctor.is_current("providers")
            assert doctor.is_current("inference")  # what it found still happened
            assert (await doctor.run_step("providers")).status is CheckStatus.PASS
            assert doctor.state.survey is not None
            await doctor.run_step("config")
            assert not doctor.is_current("stack")
            assert not doctor.is_current("providers")
        finally:
            await doctor.aclose()


async def test_library_mode_boots_the_run_yaml_and_checks_the_inference(tmp_path: Path) -> None:
    with DemoSandbox(server="stand-in") as sandbox:
        info = sandbox.info
        assert info is not None
        library = tmp_path / "lightspeed-stack.yaml"
        text = Path(info.lightspeed_config).read_text()
        library.write_text(
            text.replace(
                "use_as_library_client: false",
                f"use_as_library_client: true\n  library_client_config_path: {info.run_config}",
            )
        )
        doctor = Doctor(Target(library, None, options(info), environ=info.environ))
        results = {r.step: r async for r in doctor.run()}
        await doctor.aclose()
    # May 2026's file (the stand-in's generation): booted in llama-stack 0.7.3's library
    assert results["stack"].status is CheckStatus.PASS, results["stack"].summary
    assert results["stack"].summary.startswith("library (booted locally): llama-stack 0.7.3")
    assert results["token"].status is CheckStatus.PASS
    assert results["inference"].status is CheckStatus.PASS
    assert "X-LlamaStack-Provider-Data" in results["inference"].summary


# ------------------------------------------------------------------ the command


def check(
    capsys: pytest.CaptureFixture[str], info: DemoInfo, *extra: str, stack_ca: bool = True
) -> tuple[int, str, str]:
    if stack_ca and info.stack_ca_bundle:
        extra = ("--stack-ca-bundle", info.stack_ca_bundle, *extra)
    code = main(
        [
            "check",
            "-c",
            info.lightspeed_config,
            "-i",
            info.run_config,
            "--authority",
            info.authority,
            "--ca-bundle",
            info.ca_bundle,
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_on_the_demo_with_the_real_server(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sandbox_env: None
) -> None:
    with DemoSandbox() as sandbox:
        info = sandbox.info
        assert info is not None
        assert info.stack_kind == "ogx", "the demo's default server is OGX over TLS"
        assert info.stack_ca_bundle is not None
        for name, value in info.environ.items():
            monkeypatch.setenv(name, value)
        code, out, err = check(capsys, info)
        assert code == 0, out + err
        assert out.count("✓") == len(STEP_IDS)
        assert "all checks passed" in err
        assert info.client_secret not in out + err
        code, out, _ = check(capsys, info, "--json")
        data = json.loads(out)
        assert code == 0
        assert data["ok"] is True
        assert [s["step"] for s in data["steps"]] == list(STEP_IDS)
        # The authority's --ca-bundle alone does not make OGX's certificate trusted.
        code, out, _ = check(capsys, info, "--json", stack_ca=False)
        steps = {s["step"]: s for s in json.loads(out)["steps"]}
        assert code == 1
        assert steps["stack"]["diagnosis"]["code"] == "TLS_UNTRUSTED"
        assert "--stack-ca-bundle" in steps["stack"]["remedy"]
        assert steps["token"]["status"] == "pass"
        monkeypatch.setenv("CLIENT_SECRET", "not-the-secret")
        code, out, err = check(capsys, info)
        assert code == 1
        assert "AADSTS7000215" in out
        assert "remedy:" in out
        assert "failed: Entra ID token" in err
        assert "not-the-secret" not in out + err


def test_check_with_the_stack_down_fails_at_the_stack_step(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sandbox_env: None
) -> None:
    with DemoSandbox(server="stand-in", faults=["stack-down"]) as sandbox:
        info = sandbox.info
        assert info is not None
        for name, value in info.environ.items():
            monkeypatch.setenv(name, value)
        code, out, _ = check(capsys, info, "--json")
    data = {s["step"]: s for s in json.loads(out)["steps"]}
    assert code == 1
    assert data["stack"]["status"] == "fail"
    assert data["stack"]["diagnosis"]["code"] == "CONNECTION_REFUSED"
    assert data["token"]["status"] == "pass"


def test_check_on_an_unreadable_config_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "lightspeed-stack.yaml"
    broken.write_text("llama_stack: [\n")
    code = main(["check", "-c", str(broken)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"{broken}:" in out
    assert "Traceback" not in out + err
    assert os.path.exists(broken)


async def test_each_run_keeps_its_own_parameters_when_runs_overlap() -> None:
    """An interactive prompt asked for by one worker never reaches a run another started."""
    with DemoSandbox(server="stand-in", faults=["azure-latency=0.3"]) as sandbox:
        info = sandbox.info
        assert info is not None
        assert sandbox.azure is not None
        doctor = Doctor(
            Target(
                Path(info.lightspeed_config),
                Path(info.run_config),
                options(info),
                environ=info.environ,
            )
        )
        for step in STEP_IDS[:-1]:
            assert (await doctor.run_step(step)).status is CheckStatus.PASS
        azure = sandbox.azure.stand_in
        azure.clear_requests()
        asked, plain = await asyncio.gather(
            doctor.infer(prompt="say the operator's words"), doctor.run_step("inference")
        )
        await doctor.aclose()
    assert asked.status is CheckStatus.PASS
    assert plain.status is CheckStatus.PASS
    prompts = sorted(
        str(request.body["messages"][-1]["content"])
        for request in azure.requests
        if request.body and "messages" in request.body
    )
    assert len(prompts) == 2
    assert prompts.count("say the operator's words") == 1  # the plain run used the default


async def test_out_of_date_is_state_not_wording() -> None:
    with DemoSandbox(server="stand-in") as sandbox:
        info = sandbox.info
        assert info is not None
        doctor = Doctor(
            Target(
                Path(info.lightspeed_config),
                Path(info.run_config),
                options(info),
                environ=info.environ,
            )
        )
        results = [r async for r in doctor.run()]
        assert not any(r.out_of_date for r in results)
        await doctor.run_step("stack")
        stale = doctor.state.results["providers"]
        await doctor.aclose()
    assert stale.out_of_date
    assert stale.to_dict()["out_of_date"] is True
    assert stale.blocked_by is None


async def test_the_stack_step_says_where_the_url_came_from() -> None:
    with DemoSandbox(server="stand-in") as sandbox:
        assert sandbox.info is not None
        from_file = await run_doctor(sandbox.info)
        from_flag = await run_doctor(sandbox.info, url=sandbox.info.stack_url)
    assert (
        from_file["stack"].details[0].startswith("URL from llama_stack.url (lightspeed-stack.yaml:")
    )
    assert from_flag["stack"].details[0] == "URL from --url"
