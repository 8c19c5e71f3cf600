"""The fault matrix: every fault the sandbox can inject, through ``check`` and through the TUI.

For each case the sandbox starts with the fault (a catalogue fault, a wrong value in the
environment, a broken copy of lightspeed-stack.yaml, a stopped server or an untrusted CA):

- ``check --json`` (in process) must fail at exactly one step, with the pinned diagnosis code;
- the TUI on the same sandbox must show that step with ✗ and the code in the detail
  panel; during the slow cases a key press (screen 2 and back) is handled within ~1 s;
- the fault is then cleared while the app runs and ``r`` on the doctor screen (``r`` on the
  inference screen for the streamed case) must pass every step, without a restart. A bad
  token stays cached across ``r``, so for a fault baked into the token, ``f`` on the token
  screen gets a new one first.

A case that cannot be cleared at runtime says why in ``Case.restart``; the test then checks
that the TUI still reports the failure after ``r`` and that a fresh ``check`` (a restart)
passes. ``Case.gap`` marks a case that should clear at runtime but does not because of a
product gap: the outcome is shown in the table, not pinned. The outcomes are printed as a table at the end of the run (see tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

import screens.config_screen  # noqa: F401 - the probe's screen 2, imported before it runs
from console.cli import main
from console.doctor.graph import STEP_IDS
from console.doctor.results import CheckResult, CheckStatus
from console.sandbox import faults as catalogue
from console.sandbox.ca import issue_local_tls
from console.sandbox.demo import DemoInfo, DemoSandbox
from console.sandbox.entra.app import create_entra_app
from console.sandbox.llama_stack.app import create_stack_app
from console.sandbox.servers import LocalServer, TlsFiles
from console.settings.launch import Launch
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.azure import DEFAULT_SCOPE
from screens.app import LightspeedConsole
from screens.config_screen import ConfigScreen  # imported here, not by the probe's first switch
from tests.tui.conftest import SIZE, all_checks_done, text_of, wait_for

TIMEOUT_S = 1.5
"""Token and Llama Stack timeouts: short, so the slow cases fail fast."""
SLOW_WINDOW_S = 3.0
"""The timeout while a step hangs and the screens are switched (and back): two redraws of
whole screens, which on a busy machine take longer than `TIMEOUT_S`."""
WRONG_SECRET = "Wr0ng8Q~not-the-secret-of-this-app-0000"
ENV_NAMES = ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET", "AZURE_AUTHORITY_HOST")


# --------------------------------------------------------------------------- the rig


@dataclass
class Rig:
    """A running sandbox and what the console is pointed at (changed by a case's setup)."""

    sandbox: DemoSandbox
    info: DemoInfo
    config: Path
    environ: dict[str, str]
    ca_bundle: Path | None
    servers: list[LocalServer] = field(default_factory=list)
    """Servers a case (re)started itself; stopped before the sandbox."""
    down_port: int = 0
    stack_ca_bundle: Path | None = None
    """The server's CA bundle (``--stack-ca-bundle``), for the TLS cases."""
    stack_timeout_s: float = TIMEOUT_S
    """How long the console waits for Llama Stack (cases that retry upstream need longer)."""
    token_timeout_s: float = TIMEOUT_S
    """How long the console waits for Entra ID."""

    @property
    def workdir(self) -> Path:
        assert self.sandbox.workdir is not None
        return self.sandbox.workdir


Action = Callable[[Rig], None]


def reset_faults(rig: Rig) -> None:
    """Switch every catalogue fault off, on every stand-in."""
    catalogue.reset(rig.sandbox.entra.faults)
    assert rig.sandbox.azure is not None
    catalogue.reset(rig.sandbox.azure.faults)
    assert rig.sandbox.stack_stand_in is not None
    catalogue.reset(rig.sandbox.stack_stand_in.faults)


def wrong_secret(rig: Rig) -> None:
    rig.environ["CLIENT_SECRET"] = WRONG_SECRET


def register_wrong_secret(rig: Rig) -> None:
    """Entra-side fix: the value the deployment sends becomes a valid secret of the app."""
    tenant = rig.sandbox.entra.stand_in.find_tenant(rig.info.tenant_id)
    assert tenant is not None
    tenant.apps[rig.info.client_id.lower()].secrets.append(WRONG_SECRET)


def _broken_copy(rig: Rig, old: str, new: str) -> None:
    text = rig.config.read_text()
    assert old in text
    copy = rig.workdir / "lightspeed-stack.broken.yaml"
    copy.write_text(text.replace(old, new))
    rig.config = copy


def unknown_app(rig: Rig) -> None:
    _broken_copy(rig, "${env.CLIENT_ID}", str(uuid.uuid4()))


def bad_scope(rig: Rig) -> None:
    _broken_copy(rig, DEFAULT_SCOPE, "https://unknown-resource.example.com/.default")


def restore_config(rig: Rig) -> None:
    """Fix the broken copy in place (what an operator's editor does)."""
    rig.config.write_text(Path(rig.info.lightspeed_config).read_text())


def no_ca_bundle(rig: Rig) -> None:
    rig.ca_bundle = None


def restart_with_ca_bundle(rig: Rig) -> None:
    rig.ca_bundle = Path(rig.info.ca_bundle)


def wrong_ca_bundle(rig: Rig) -> None:
    other = issue_local_tls(rig.workdir / "other-ca")
    bundle = rig.workdir / "ca-bundle.pem"
    bundle.write_text(other.ca_pem.read_text())
    rig.ca_bundle = bundle


def right_ca_bundle(rig: Rig) -> None:
    """Fix the bundle file in place (a mounted CA bundle updated)."""
    assert rig.ca_bundle is not None
    rig.ca_bundle.write_text(Path(rig.info.ca_bundle).read_text())


def stop_entra(rig: Rig) -> None:
    rig.down_port = rig.sandbox.entra.server.port
    rig.sandbox.entra.server.stop()


def start_entra(rig: Rig) -> None:
    """Start Entra ID again on the port the console uses, same CA, same directory."""
    entra = rig.sandbox.entra
    server = LocalServer(
        create_entra_app(entra.stand_in), tls=entra.tls, port=rig.down_port, name="entra"
    )
    rig.servers.append(server.start())


def _serve_stack(rig: Rig, tls: TlsFiles | None) -> None:
    """Serve the stand-in again on its port, over HTTPS with ``tls`` (None: plain HTTP)."""
    stack = rig.sandbox.stack_stand_in
    assert stack is not None
    port = stack.port
    for server in [*rig.servers]:
        server.stop()
        rig.servers.remove(server)
    stack.stop()
    server = LocalServer(create_stack_app(stack.stand_in), tls=tls, port=port, name="llama-stack")
    rig.servers.append(server.start())


def _stack_url(rig: Rig, scheme: str) -> None:
    """The config names the server with ``scheme`` (an edited copy of the demo's file)."""
    text = Path(rig.info.lightspeed_config).read_text()
    copy = rig.workdir / "lightspeed-stack.tls.yaml"
    copy.write_text(text.replace("http://127.0.0.1:", f"{scheme}://127.0.0.1:"))
    rig.config = copy


def _tls(rig: Rig, name: str, **options: object) -> TlsFiles:
    return issue_local_tls(rig.workdir / name, **options)  # type: ignore[arg-type]


def stack_tls_untrusted(rig: Rig) -> None:
    _serve_stack(rig, _tls(rig, "stack-tls"))
    _stack_url(rig, "https")


def trust_stack_ca(rig: Rig) -> None:
    rig.stack_ca_bundle = rig.workdir / "stack-tls" / "ca.pem"


def stack_tls_wrong_ca(rig: Rig) -> None:
    stack_tls_untrusted(rig)
    bundle = rig.workdir / "stack-ca-bundle.pem"
    bundle.write_text(_tls(rig, "stranger").ca_pem.read_text())
    rig.stack_ca_bundle = bundle


def fix_stack_bundle(rig: Rig) -> None:
    """The mounted bundle updated in place with the server's CA."""
    assert rig.stack_ca_bundle is not None
    rig.stack_ca_bundle.write_text((rig.workdir / "stack-tls" / "ca.pem").read_text())


def _stack_tls_broken(rig: Rig, **options: object) -> None:
    tls = _tls(rig, "stack-tls", **options)
    _serve_stack(rig, tls)
    _stack_url(rig, "https")
    bundle = rig.workdir / "stack-ca-bundle.pem"
    bundle.write_text(tls.ca_pem.read_text())
    rig.stack_ca_bundle = bundle


def stack_tls_expired(rig: Rig) -> None:
    _stack_tls_broken(rig, expired=True)


def stack_tls_wrong_host(rig: Rig) -> None:
    _stack_tls_broken(rig, hostnames=("ogx.elsewhere.example",), addresses=())


def renew_stack_certificate(rig: Rig) -> None:
    """A certificate for this host, valid now, from a CA the mounted bundle is updated to."""
    tls = _tls(rig, "stack-tls-renewed")
    _serve_stack(rig, tls)
    assert rig.stack_ca_bundle is not None
    rig.stack_ca_bundle.write_text(tls.ca_pem.read_text())


def http_to_https(rig: Rig) -> None:
    _stack_tls_broken(rig)
    _stack_url(rig, "http")


def https_to_http(rig: Rig) -> None:
    _stack_url(rig, "https")


def config_says_https(rig: Rig) -> None:
    rig.config.write_text(rig.config.read_text().replace("http://127.0.0.1:", "https://127.0.0.1:"))


def config_says_http(rig: Rig) -> None:
    rig.config.write_text(rig.config.read_text().replace("https://127.0.0.1:", "http://127.0.0.1:"))


def start_stack(rig: Rig) -> None:
    """Clear stack-down: switch the fault off and start the server where the config points."""
    reset_faults(rig)
    stack = rig.sandbox.stack_stand_in
    assert stack is not None
    server = LocalServer(create_stack_app(stack.stand_in), port=stack.port, name="llama-stack")
    rig.servers.append(server.start())


@contextmanager
def rigged(case: Case) -> Iterator[Rig]:
    with DemoSandbox(server="stand-in", faults=case.faults) as sandbox:
        info = sandbox.info
        assert info is not None
        rig = Rig(
            sandbox=sandbox,
            info=info,
            config=Path(info.lightspeed_config),
            environ=dict(info.environ),
            ca_bundle=Path(info.ca_bundle),
            stack_timeout_s=case.stack_timeout_s,
            token_timeout_s=case.token_timeout_s,
        )
        try:
            if case.setup is not None:
                case.setup(rig)
            yield rig
        finally:
            for server in rig.servers:
                server.stop()


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One fault: how it is injected, where it must fail, how it is cleared."""

    id: str
    label: str
    step: str
    code: str
    faults: tuple[str, ...] = ()
    setup: Action | None = None
    clear: Action = reset_faults
    how_cleared: str = "faults reset"
    slow: str | None = None
    """The step that hangs: a key press is timed while it runs."""
    streamed: bool = False
    """Fails only in a streamed inference (the inference screen), not in ``check``."""
    refresh_token: bool = False
    """The cached (bad) token must be force-refreshed (token screen ``f``) before ``r``."""
    restart: str | None = None
    """Why this case cannot be cleared without a restart (None: it can)."""
    gap: str | None = None
    """A product gap that keeps ``r`` from clearing this case: observed and shown, not pinned."""
    stack_timeout_s: float = TIMEOUT_S
    """The server retries Azure 429s with backoff (~1.5 s in all): give it time to answer."""
    token_timeout_s: float = TIMEOUT_S
    restart_fix: Action | None = None
    """What the restart changes, for the fresh ``check`` that proves the fix."""


CASES: tuple[Case, ...] = (
    # Entra ID
    Case(
        "entra-401-wrong-secret",
        "Entra 401 wrong secret (env)",
        "token",
        "AADSTS7000215",
        setup=wrong_secret,
        clear=register_wrong_secret,
        how_cleared="value registered on the app in Entra",
    ),
    Case(
        "entra-401-expired-secret",
        "Entra 401 expired secret",
        "token",
        "AADSTS7000222",
        faults=("entra-expired-secret",),
    ),
    Case(
        "entra-400-unknown-app",
        "Entra 400 unknown app (config)",
        "token",
        "AADSTS700016",
        setup=unknown_app,
        clear=restore_config,
        how_cleared="config file fixed",
        gap="TokenManager kept across config reloads (old client_id)",
    ),
    Case(
        "entra-400-bad-scope",
        "Entra 400 bad scope (config)",
        "token",
        "AADSTS500011",
        setup=bad_scope,
        clear=restore_config,
        how_cleared="config file fixed",
        gap="TokenManager kept across config reloads (old scope)",
    ),
    Case("entra-429", "Entra 429 throttled", "token", "AADSTS50196", faults=("entra-429",)),
    Case("entra-503", "Entra 503", "token", "HTTP_503", faults=("entra-503",)),
    Case(
        "entra-discovery-down",
        "Entra discovery 503",
        "token",
        "HTTP_503",
        faults=("entra-discovery-down",),
    ),
    Case(
        "entra-slow",
        "Entra timeout (entra-slow=5)",
        "token",
        "TIMEOUT",
        faults=("entra-slow=5",),
        slow="token",
        token_timeout_s=SLOW_WINDOW_S,
    ),
    Case("entra-drop", "Entra drops connection", "token", "CONNECTION_DROPPED", ("entra-drop",)),
    Case(
        "entra-down",
        "Entra down (server stopped)",
        "token",
        "CONNECTION_REFUSED",
        setup=stop_entra,
        clear=start_entra,
        how_cleared="server started again",
    ),
    Case(
        "entra-tls-no-ca",
        "Entra TLS untrusted (no ca_bundle)",
        "token",
        "TLS",
        setup=no_ca_bundle,
        clear=lambda rig: None,
        restart="the CA bundle is a launch option (--ca-bundle)",
        restart_fix=restart_with_ca_bundle,
    ),
    Case(
        "entra-tls-wrong-ca",
        "Entra TLS untrusted (wrong ca_bundle)",
        "token",
        "TLS",
        setup=wrong_ca_bundle,
        clear=right_ca_bundle,
        how_cleared="bundle file fixed",
    ),
    Case(
        "entra-forged",
        "Entra forged signature",
        "inference",
        "AZURE_TOKEN_REJECTED",
        faults=("entra-forged",),
        refresh_token=True,
    ),
    Case(
        "entra-wrong-audience",
        "Entra wrong audience",
        "token",
        "TOKEN_AUD",
        faults=("entra-wrong-audience",),
        refresh_token=True,
    ),
    # Llama Stack over TLS (OGX 1.x serves only HTTPS)
    Case(
        "stack-tls-untrusted",
        "Stack TLS untrusted (no stack_ca_bundle)",
        "stack",
        "TLS_UNTRUSTED",
        setup=stack_tls_untrusted,
        clear=lambda rig: None,
        restart="the server's CA bundle is a launch option (--stack-ca-bundle)",
        restart_fix=trust_stack_ca,
    ),
    Case(
        "stack-tls-wrong-ca",
        "Stack TLS untrusted (wrong stack_ca_bundle)",
        "stack",
        "TLS_UNTRUSTED",
        setup=stack_tls_wrong_ca,
        clear=fix_stack_bundle,
        how_cleared="bundle file fixed",
    ),
    Case(
        "stack-tls-expired",
        "Stack TLS certificate expired",
        "stack",
        "TLS_EXPIRED",
        setup=stack_tls_expired,
        clear=renew_stack_certificate,
        how_cleared="certificate renewed, bundle updated",
    ),
    Case(
        "stack-tls-wrong-host",
        "Stack TLS certificate for another host",
        "stack",
        "TLS_HOSTNAME_MISMATCH",
        setup=stack_tls_wrong_host,
        clear=renew_stack_certificate,
        how_cleared="certificate renewed, bundle updated",
    ),
    Case(
        "stack-http-on-https",
        "Stack: http:// to an HTTPS port",
        "stack",
        "TLS_HTTP_TO_HTTPS",
        setup=http_to_https,
        clear=config_says_https,
        how_cleared="config file fixed (https://)",
    ),
    Case(
        "stack-https-on-http",
        "Stack: https:// to a plain HTTP port",
        "stack",
        "TLS_HTTPS_TO_HTTP",
        setup=https_to_http,
        clear=config_says_http,
        how_cleared="config file fixed (http://)",
    ),
    # Llama Stack
    Case(
        "stack-down",
        "Stack down (refused)",
        "stack",
        "CONNECTION_REFUSED",
        faults=("stack-down",),
        clear=start_stack,
        how_cleared="server started",
    ),
    Case("stack-500", "Stack 500", "stack", "HTTP_500", faults=("stack-500",)),
    Case("stack-503", "Stack 503", "stack", "HTTP_503", faults=("stack-500=503",)),
    Case(
        "stack-slow",
        "Stack slow (stack-slow=5)",
        "stack",
        "TIMEOUT",
        faults=("stack-slow=5",),
        slow="stack",
        stack_timeout_s=SLOW_WINDOW_S,
    ),
    Case("stack-not-json", "Stack not JSON", "stack", "NOT_JSON", faults=("stack-not-json",)),
    Case(
        "stack-header-dropped",
        "Stack drops the header",
        "inference",
        "PROVIDER_DATA_STRIPPED",
        faults=("stack-header-dropped",),
    ),
    # Azure OpenAI
    Case("azure-401", "Azure 401", "inference", "AZURE_TOKEN_REJECTED", faults=("azure-401",)),
    Case("azure-no-role", "Azure no role", "inference", "AZURE_NO_ROLE", ("azure-no-role",)),
    Case(
        "azure-429",
        "Azure 429",
        "inference",
        "AZURE_RATE_LIMITED",
        faults=("azure-429=0",),
        stack_timeout_s=8.0,
    ),
    Case(
        "azure-429-long",
        "Azure 429, Retry-After 30 s (longer than the wait)",
        "inference",
        "AZURE_RATE_LIMITED",
        faults=("azure-429=30",),
        stack_timeout_s=3.0,
    ),
    Case(
        "azure-500",
        "Azure 500",
        "inference",
        "AZURE_SERVER_ERROR",
        faults=("azure-500",),
        stack_timeout_s=8.0,
    ),
    Case(
        "azure-503",
        "Azure 503",
        "inference",
        "AZURE_SERVER_ERROR",
        faults=("azure-503",),
        stack_timeout_s=8.0,
    ),
    Case(
        "azure-drop",
        "Azure drops",
        "inference",
        "STACK_INTERNAL_ERROR",
        ("azure-drop",),
        stack_timeout_s=8.0,
    ),
    Case(
        "azure-slow-stream",
        "Azure slow stream (=5, streamed)",
        "inference",
        "TIMEOUT",
        faults=("azure-slow-stream=5",),
        slow="inference",
        streamed=True,
        stack_timeout_s=SLOW_WINDOW_S,
    ),
)
BY_ID = {case.id: case for case in CASES}

# Faults that do not fail any step (covered in test_doctor.py as harmless).
HARMLESS = {"entra-latency", "entra-short-token", "azure-latency"}


# --------------------------------------------------------------------------- the table

COLUMNS = ("fault", "check: step + code", "TUI: step + code", "responsive", "cleared -> pass")
ROWS: dict[str, dict[str, str]] = {}


def record(case: Case, column: str, value: str) -> None:
    ROWS.setdefault(case.id, {"fault": case.label})[column] = value


def table_lines() -> list[str]:
    """The outcomes as an aligned text table, in case order (printed at the end of the run)."""
    rows = [
        [ROWS[case.id].get(column, "-") for column in COLUMNS] for case in CASES if case.id in ROWS
    ]
    if not rows:
        return []
    widths = [max(len(row[i]) for row in [list(COLUMNS), *rows]) for i in range(len(COLUMNS))]

    def line(cells: list[str]) -> str:
        return " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()

    return [line(list(COLUMNS)), "-+-".join("-" * w for w in widths), *map(line, rows)]


def test_every_catalogue_fault_is_in_the_matrix() -> None:
    injected = {name.split("=")[0] for case in CASES for name in case.faults}
    assert injected | HARMLESS | {"azure-slow-stream"} == set(catalogue.FAULTS)


# --------------------------------------------------------------------------- check


def run_check(
    rig: Rig, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, dict[str, object]]]:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in rig.environ.items():
        monkeypatch.setenv(name, value)
    argv = [
        "check",
        "--json",
        "-c",
        str(rig.config),
        "-i",
        rig.info.run_config,
        "--authority",
        rig.info.authority,
        "--timeout",
        str(rig.stack_timeout_s),
        "--token-timeout",
        str(rig.token_timeout_s),
    ]
    if rig.ca_bundle is not None:
        argv += ["--ca-bundle", str(rig.ca_bundle)]
    if rig.stack_ca_bundle is not None:
        argv += ["--stack-ca-bundle", str(rig.stack_ca_bundle)]
    code = main(argv)
    out, _ = capsys.readouterr()
    return code, {step["step"]: step for step in json.loads(out)["steps"]}


def failures(steps: dict[str, dict[str, object]]) -> list[tuple[str, str]]:
    found = []
    for name, step in steps.items():
        if step["status"] == "fail":
            diagnosis = step["diagnosis"]
            code = diagnosis["code"] if isinstance(diagnosis, dict) else "(no diagnosis)"
            found.append((name, str(code)))
    return found


# --------------------------------------------------------------------------- the TUI


def launch(rig: Rig) -> Launch:
    options = LiveOptions(
        authority=rig.info.authority,
        ca_bundle=rig.ca_bundle,
        stack_ca_bundle=rig.stack_ca_bundle,
        token_timeout=rig.token_timeout_s,
        stack_timeout=rig.stack_timeout_s,
    )
    target = Target(rig.config, Path(rig.info.run_config), options, environ=rig.environ)
    return Launch(target, sandbox=True)


def result(app: LightspeedConsole, step: str) -> CheckResult | None:
    return app.doctor.state.results.get(step)


async def rerun_all(app: LightspeedConsole, pilot: Pilot[None], key: str = "r") -> None:
    """Press ``key`` and wait until the last step has a new result and nothing runs."""
    before = result(app, "inference")
    await pilot.press(key)
    await wait_for(
        pilot, lambda: result(app, "inference") is not before and not app.running, timeout=15
    )


def shown_failures(app: LightspeedConsole) -> list[str]:
    checks = app.screen.query_one("#checks", OptionList)
    return [step for step in STEP_IDS if str(checks.get_option(step).prompt).startswith("✗")]


def drawn_running(app: LightspeedConsole) -> list[str]:
    """The doctor's rows drawn as still running."""
    checks = app.screen.query_one("#checks", OptionList)
    return [step for step in STEP_IDS if str(checks.get_option(step).prompt).startswith("⟳")]


def rows_as_shown(app: LightspeedConsole) -> list[str]:
    """Each doctor row as drawn (its start), and the result behind it (status, code, summary):
    what a failed comparison shows."""
    checks = app.screen.query_one("#checks", OptionList)
    rows = []
    for step in STEP_IDS:
        found = result(app, step)
        drawn = str(checks.get_option(step).prompt)[:40]
        if found is None:
            rows.append(f"{drawn} <- no result")
            continue
        code = found.diagnosis.code if found.diagnosis else "-"
        rows.append(f"{drawn} <- {found.status.value} {code}: {found.summary[:160]}")
    return rows


async def detail_of(app: LightspeedConsole, pilot: Pilot[None], step: str) -> str:
    app.screen.query_one("#checks", OptionList).highlighted = STEP_IDS.index(step)
    await pilot.pause()
    return text_of(app.screen.query_one("#check-detail", Static))


async def go(app: LightspeedConsole, pilot: Pilot[None], key: str, mode: str) -> float:
    """Press a screen key; seconds until that screen is the current one."""
    started = time.perf_counter()
    await pilot.press(key)
    await wait_for(pilot, lambda: app.current_mode == mode and app.screen.is_current, 5)
    return time.perf_counter() - started


async def probe(
    app: LightspeedConsole, pilot: Pilot[None], step: str, home: tuple[str, str]
) -> str:
    """Switch to screen 2 and back while ``step`` hangs: both switches complete before it ends.

    That is the proof the event loop is free (a blocked loop would handle the keys only after
    the step). How long they took is reported in the table, not asserted: timing belongs in
    bench/, and a loaded 2-core machine stretches it.
    """
    await wait_for(pilot, lambda: step in app.running, 10)
    away = await go(app, pilot, "2", "config")
    assert isinstance(app.screen, ConfigScreen)
    back = await go(app, pilot, *home)
    assert step in app.running, f"the screens switched only after {step} ended"
    return f"yes ({max(away, back) * 1000:.0f} ms)"


def all_pass(app: LightspeedConsole) -> bool:
    return all(r.status is CheckStatus.PASS for r in app.doctor.state.results.values())


def check_column(case: Case, code: int, steps: dict[str, dict[str, object]]) -> None:
    """``check`` must fail at exactly the case's step with its code (or pass if streamed)."""
    failed = failures(steps)
    if case.streamed:
        record(case, COLUMNS[1], "pass (check is not streamed)")
        assert (code, failed) == (0, []), steps
        return
    record(case, COLUMNS[1], " ".join(failed[0]) if len(failed) == 1 else repr(failed))
    assert code == 1
    assert failed == [(case.step, case.code)], steps


async def tui_column(case: Case, rig: Rig) -> None:
    """The TUI shows the failure, stays responsive, and passes after the fault clears."""
    app = LightspeedConsole(launch(rig))
    async with app.run_test(size=SIZE) as pilot:
        responsive = "-"
        if case.slow is not None and not case.streamed:
            responsive = await probe(app, pilot, case.slow, ("1", "doctor"))
        await wait_for(pilot, lambda: all_checks_done(app))
        # The screen redraws from the last result on its next turn: on a busy machine the
        # rows can still say "running" for a moment after the doctor is done.
        await wait_for(pilot, lambda: not drawn_running(app))
        if case.streamed:
            assert all_pass(app), "the doctor's inference is not streamed"
            await go(app, pilot, "6", "inference")
            before = result(app, "inference")
            await pilot.press("r")
            responsive = await probe(app, pilot, "inference", ("6", "inference"))
            await wait_for(pilot, lambda: result(app, "inference") is not before, 15)
            await go(app, pilot, "1", "doctor")

        shown = shown_failures(app)
        detail = await detail_of(app, pilot, case.step) if case.step in shown else ""
        code = case.code if f"{case.code}: " in detail else "(code not in detail)"
        record(case, COLUMNS[2], " ".join([*shown, code]) if shown else "no ✗ shown")
        record(case, COLUMNS[3], responsive)
        assert shown == [case.step], "\n".join(rows_as_shown(app))
        assert f"{case.code}: " in detail, detail
        assert "remedy:" in detail, detail

        case.clear(rig)
        if case.streamed:
            await go(app, pilot, "6", "inference")
            await rerun_all(app, pilot)
            await go(app, pilot, "1", "doctor")
        else:
            if case.refresh_token:
                # r re-uses the cached token, which carries the fault: force a new one first.
                await go(app, pilot, "5", "token")
                old = app.doctor.state.token
                await pilot.press("R")
                await wait_for(pilot, lambda: app.doctor.state.token is not old, 10)
                await go(app, pilot, "1", "doctor")
            await rerun_all(app, pilot)
        if case.restart is not None:
            still = result(app, case.step)
            assert still is not None
            assert still.status is CheckStatus.FAIL
            assert still.diagnosis is not None
            assert still.diagnosis.code == case.code
            return
        if case.gap is not None and not all_pass(app):
            failing = [
                f"{r.step} {r.diagnosis.code if r.diagnosis else r.status.value}"
                for r in app.doctor.results
                if r.status is CheckStatus.FAIL
            ]
            record(case, COLUMNS[4], f"NO (gap): {case.gap}; r still fails {', '.join(failing)}")
            return
        assert all_pass(app), {s: r.summary for s, r in app.doctor.state.results.items()}
        assert shown_failures(app) == []
        via = "R on 5, then r" if case.refresh_token else ("r on 6" if case.streamed else "r")
        record(case, COLUMNS[4], f"yes: {case.how_cleared}, {via}")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_fault(
    case: Case, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with rigged(case) as rig:
        code, steps = await asyncio.to_thread(run_check, rig, capsys, monkeypatch)
        check_column(case, code, steps)
        await tui_column(case, rig)
        if case.restart is not None or case.gap is not None:
            # Not cleared inside the running TUI: a fresh check (a restart) must pass.
            if case.restart_fix is not None:
                case.restart_fix(rig)
            code, steps = await asyncio.to_thread(run_check, rig, capsys, monkeypatch)
            assert (code, failures(steps)) == (0, []), steps
            if case.restart is not None:
                record(case, COLUMNS[4], f"NO: {case.restart}; restarted check passes")
            elif COLUMNS[4] in ROWS[case.id]:
                ROWS[case.id][COLUMNS[4]] += "; restarted check passes"
