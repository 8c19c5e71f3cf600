"""The demo's console: painted at once, the sandbox coming up live behind it, then the doctor.

Real parts throughout: `DemoBringup` starts a real `DemoSandbox` (the stand-ins, and a real
OGX server where the test says so). A server that cannot be had is made so by pointing the
server cache at a path that cannot be created, which fails exactly as a read-only cache
would.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import Static

from console.doctor.results import CheckStatus
from console.releases.environments import CACHE_ENV
from console.sandbox.bringup import DemoBringup
from console.settings.bringup import Phase
from console.settings.launch import Launch
from screens.app import LightspeedConsole
from screens.widgets.services_panel import ServicesPanel
from tests.tui.conftest import SIZE, all_checks_done, text_of, wait_for


def app_for(bringup: DemoBringup) -> LightspeedConsole:
    """The app as ``demo`` opens it: no files yet, a bring-up, the sandbox mark."""
    return LightspeedConsole(Launch(bringup=bringup, sandbox=True))


@pytest.fixture
def unobtainable_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No server environment can be built: its cache folder cannot be created."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "servers"))


async def test_paints_first_then_brings_the_sandbox_up_then_runs_the_doctor() -> None:
    bringup = DemoBringup("stand-in")
    app = app_for(bringup)
    try:
        async with app.run_test(size=SIZE) as pilot:
            panel = app.screen.query_one(ServicesPanel)
            first = text_of(panel)
            assert panel.display
            assert "Entra ID stand-in (HTTPS)" in first
            assert "Llama Stack stand-in" in first
            await wait_for(pilot, lambda: all_checks_done(app))
            assert [s.phase for s in app.services.values()] == [Phase.READY] * 3
            shown = text_of(panel)
            assert shown.count("ready in") == 3
            sandbox = bringup.sandbox
            assert sandbox is not None
            assert sandbox.info is not None
            assert sandbox.info.stack_url in shown
            assert {r.status for r in app.doctor.state.results.values()} == {CheckStatus.PASS}
            assert app.doctor.lightspeed_config == Path(sandbox.info.lightspeed_config)
            bar = text_of(app.screen.query_one("#deployment-bar", Static))
            assert "SANDBOX" in bar
    finally:
        bringup.stop()


async def test_checks_wait_for_the_sandbox(unobtainable_server: None) -> None:
    bringup = DemoBringup("ogx-1.2.5")  # named: no fallback, the bring-up fails
    app = app_for(bringup)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.bringup_error is not None)
            assert "OGX 1.2.5 could not be started" in str(app.bringup_error)
            assert app.services["stack"].phase is Phase.FAILED
            assert app.doctor.state.results == {}  # nothing was checked
            await pilot.press("r")
            await pilot.pause()
            assert app.doctor.state.results == {}
            notes = [n.message for n in app._notifications]
            assert any("did not come up" in note for note in notes)
            detail = text_of(app.screen.query_one("#check-detail", Static))
            assert "the sandbox did not come up" in detail
            assert CACHE_ENV in text_of(app.screen.query_one(ServicesPanel))  # the remedy
    finally:
        bringup.stop()


async def test_default_server_unobtainable_falls_back_to_the_stand_in(
    unobtainable_server: None,
) -> None:
    bringup = DemoBringup()  # the default: OGX, the stand-in when it cannot be had
    app = app_for(bringup)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: all_checks_done(app))
            assert app.services["stack"].phase is Phase.READY
            assert "stand-in" in app.services["stack"].label
            sandbox = bringup.sandbox
            assert sandbox is not None
            assert sandbox.info is not None
            assert sandbox.info.stack_kind == "sandbox"
            note, legacy = sandbox.info.notes  # the legacy deployment's server too
            assert "OGX 1.2.5 unavailable" in note
            assert legacy.startswith("legacy deployment: llama-stack 0.7.3")
            logged = [event.text for event in app.events.events]
            assert any("replaced" in line and "OGX 1.2.5 unavailable" in line for line in logged)
            assert {r.status for r in app.doctor.state.results.values()} == {CheckStatus.PASS}
    finally:
        bringup.stop()


async def test_quitting_while_the_real_server_starts_is_prompt() -> None:
    bringup = DemoBringup("ogx-1.2.5")
    app = app_for(bringup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.services["stack"].phase is Phase.STARTING, timeout=60)
        quit_at = time.monotonic()
        await pilot.press("ctrl+q")
    bringup.stop()
    # A liveness budget, not a speed test: quitting took 0.8-1.0 s over three runs here, so
    # 30 s leaves a 30x margin and is still a third of the 90 s a start run to its end takes.
    assert time.monotonic() - quit_at < 30
    assert bringup.sandbox is not None
    assert bringup.sandbox.real_stack is None
    assert bringup.sandbox.workdir is None
