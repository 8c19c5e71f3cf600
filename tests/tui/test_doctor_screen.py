"""The doctor screen: every step shown live, re-run one or all, failures explained."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import OptionList, Static

from console.doctor.graph import STEP_IDS, STEPS
from console.doctor.results import CheckStatus
from console.sandbox.demo import DemoSandbox
from screens.app import LightspeedConsole
from screens.doctor_screen import DoctorScreen
from tests.tui.conftest import SIZE, all_checks_done, text_of, wait_for


async def test_every_check_passes_on_the_sandbox(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        assert isinstance(app.screen, DoctorScreen)
        checks = app.screen.query_one("#checks", OptionList)
        rows = [str(checks.get_option(step).prompt) for step in STEP_IDS]
        assert [row[:10] for row in rows] == ["✓ pass    "] * len(STEP_IDS)
        assert all(step.title in row for step, row in zip(STEPS, rows, strict=True))


async def test_failure_is_explained_and_rerun_succeeds_after_the_fault_clears(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    assert sandbox.stack_stand_in is not None
    sandbox.stack_stand_in.faults.status = 500
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        assert app.doctor.state.results["stack"].status is CheckStatus.FAIL
        checks = app.screen.query_one("#checks", OptionList)
        checks.highlighted = STEP_IDS.index("stack")
        await pilot.pause()
        detail = text_of(app.screen.query_one("#check-detail", Static))
        assert "HTTP_500" in detail
        assert "remedy:" in detail
        sandbox.stack_stand_in.faults.status = None
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                all_checks_done(app)
                and app.doctor.state.results["inference"].status is CheckStatus.PASS
            ),
        )


async def test_read_only_makes_no_live_call_until_asked(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        await pilot.pause(0.3)
        assert set(app.doctor.state.results) == {"config", "findings", "enrichment"}
        assert sandbox.entra.stand_in.token_requests == []
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: all_checks_done(app))
        assert len(sandbox.entra.stand_in.token_requests) == 1


async def test_enter_on_the_server_step_also_asks_for_its_providers_again(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        before = app.doctor.state.results["providers"]
        checks = app.screen.query_one("#checks", OptionList)
        checks.focus()
        checks.highlighted = STEP_IDS.index("stack")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: app.doctor.state.results["providers"] is not before and not app.running
        )
        assert app.doctor.state.results["providers"].status is CheckStatus.PASS
        assert app.doctor.state.survey is not None


async def test_inference_after_a_reload_refreshes_the_server_steps_first(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        await app.reload_config().wait()
        assert not app.doctor.is_current("providers")
        await app.run_inference(None, None, False).wait()
        assert app.doctor.state.results["providers"].status is CheckStatus.PASS
        assert app.doctor.state.results["inference"].status is CheckStatus.PASS
