"""One event log: every screen's pane shows it as it is now, each line naming its deployment."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widgets import TextArea

from console.doctor.results import CheckResult, CheckStatus
from screens.app import LightspeedConsole
from screens.widgets.event_pane import EventPane
from screens.widgets.text_panel import TextPanel
from tests.tui.conftest import SIZE, wait_for


def pane_lines(app: LightspeedConsole) -> list[str]:
    return app.screen.query_one(EventPane).lines


async def test_a_screen_shows_the_lines_added_while_it_was_away(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        await pilot.press("2")
        await wait_for(pilot, lambda: app.current_mode == "config")
        app.events.add("added while the doctor was not shown", "error")
        await pilot.pause()
        assert pane_lines(app)[-1].endswith("added while the doctor was not shown")
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current_mode == "doctor")
        await pilot.pause()
        doctor_lines = pane_lines(app)
        assert doctor_lines[-1].endswith("added while the doctor was not shown")
        await pilot.press("2")
        await wait_for(pilot, lambda: app.current_mode == "config")
        await pilot.pause()
        assert pane_lines(app) == doctor_lines  # one log, the same on every screen
        pane = app.screen.query_one(EventPane)
        assert pane.scroll_y == pane.max_scroll_y  # following its newest line


async def test_each_line_names_its_deployment_and_the_whole_log_opens_as_text(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        step_lines = [e for e in app.events.events if e.text.startswith("Configuration files")]
        assert step_lines
        assert {e.deployment for e in step_lines} == {"lightspeed-stack.yaml"}
        app.events.add("about another one", "error", deployment="prod-eu")
        await pilot.pause()
        assert " prod-eu about another one" in pane_lines(app)[-1]
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPanel))
        text = app.screen.query_one(TextArea).text
        assert "[prod-eu] about another one" in text
        assert "[lightspeed-stack.yaml] Configuration files: pass" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TextPanel))


async def test_a_step_that_ends_after_a_switch_is_logged_for_the_deployment_it_ran_for(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        release = asyncio.Event()

        async def slow() -> CheckResult:
            await release.wait()
            return CheckResult("token", "Entra ID token", CheckStatus.FAIL, "refused")

        app.deployment_name = "staging"
        step = asyncio.ensure_future(app._step("token", slow()))
        await pilot.pause()
        app.deployment_name = "prod-eu"  # the console switched meanwhile
        release.set()
        await asyncio.wait_for(step, 10)
        last = next(e for e in reversed(app.events.events) if "refused" in e.text)
        assert last.deployment == "staging"
        assert app.events.add("now").deployment == "prod-eu"
