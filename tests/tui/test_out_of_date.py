"""Results that no longer hold say so: an expired token, files changed on disk; after a run the
doctor opens its first failure, and a failed row stays readable when selected."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from console.doctor.graph import STEP_IDS
from console.doctor.results import CheckStatus
from console.sandbox.demo import DemoSandbox
from screens.app import LightspeedConsole
from screens.deployments_screen import DeploymentsScreen
from screens.safe_table import SafeTable
from screens.token_screen import TokenScreen
from screens.widgets.status_badge import FAIL_STYLE, badge
from tests.tui.conftest import (
    SIZE,
    all_checks_done,
    demo_app,
    launch_for,
    text_of,
    wait_for,
    with_target,
)
from tests.tui.pinned import WRONG_SECRET


def row_of(app: LightspeedConsole, step: str) -> str:
    checks = app.screen.query_one("#checks", OptionList)
    return str(checks.get_option(step).prompt)


def touch(path: Path) -> None:
    """A change on disk: one more byte, a later mtime."""
    path.write_text(path.read_text() + "\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def test_an_expired_token_is_out_of_date_in_the_doctor_and_on_the_token_screen(
    sandbox: DemoSandbox,
) -> None:
    assert sandbox.info is not None
    now = [time.time()]
    launch = dataclasses.replace(launch_for(sandbox.info), clock=lambda: now[0])
    app = LightspeedConsole(launch)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        assert row_of(app, "token").startswith("✓ pass")
        token = app.doctor.state.token
        assert token is not None
        now[0] = token.expires_on + 5  # no redraw asked: the screen follows the clock
        await wait_for(pilot, lambda: row_of(app, "token").startswith("↻ stale"))
        assert "the token expired 5s ago (at " in row_of(app, "token")
        verdict = text_of(app.screen.query_one("#verdict", Static))
        assert "out of date" in verdict
        assert "Entra ID token: the token expired 5s ago" in verdict
        await pilot.press("5")
        await wait_for(pilot, lambda: isinstance(app.screen, TokenScreen))
        await pilot.pause()
        status = text_of(app.screen.query_one("#token-status", Static))
        assert "✗ EXPIRED" in status
        checks = text_of(app.screen.query_one("#token-checks", Static))
        assert "↻ out of date" in checks
        assert "✓ lifetime" not in checks  # it no longer says "lifetime 3599 s left"
        assert "✗ lifetime expired 5s ago" in checks
        await pilot.press("R")  # a new token: current again
        await wait_for(pilot, lambda: app.doctor.state.token is not token and not app.running)
        now[0] = time.time()
        await wait_for(
            pilot, lambda: "EXPIRED" not in text_of(app.screen.query_one("#token-status", Static))
        )


async def test_a_file_changed_on_disk_makes_the_doctor_out_of_date_until_r(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        # The first look takes the files as they are: the change comes after it.
        await wait_for(pilot, lambda: app._file_watcher.baseline is not None)
        assert app.launch.target.lightspeed_config is not None
        before = app.doctor.state.loaded
        touch(app.launch.target.lightspeed_config)
        await wait_for(pilot, lambda: bool(app.files_changed))
        await pilot.pause()
        assert app.doctor.state.loaded is before  # noted, not reloaded under the operator
        for step in STEP_IDS:
            assert row_of(app, step).startswith("↻ stale"), step
        assert "lightspeed-stack.yaml changed on disk" in row_of(app, "config")
        assert "out of date" in text_of(app.screen.query_one("#verdict", Static))
        await pilot.press("r")
        await wait_for(pilot, lambda: all_checks_done(app) and not app.files_changed)
        await pilot.pause()
        assert row_of(app, "config").startswith("✓ pass")


async def test_after_a_run_the_first_failure_is_selected_and_explained(
    sandbox: DemoSandbox,
) -> None:
    assert sandbox.info is not None
    environ = {**sandbox.info.environ, "CLIENT_SECRET": WRONG_SECRET}
    app = LightspeedConsole(with_target(launch_for(sandbox.info), environ=environ))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        assert app.doctor.state.results["token"].status is CheckStatus.FAIL
        checks = app.screen.query_one("#checks", OptionList)
        await wait_for(pilot, lambda: checks.highlighted == STEP_IDS.index("token"))
        assert checks.has_focus
        detail = text_of(app.screen.query_one("#check-detail", Static))
        assert "AADSTS7000215" in detail
        assert "remedy:" in detail


def test_a_failed_badge_has_its_own_background() -> None:
    """On the highlighted row (the cursor's bright background) red text was unreadable."""
    failed = badge(CheckStatus.FAIL)
    assert failed.style == FAIL_STYLE
    assert " on " in FAIL_STYLE


@pytest.fixture
def deployments_sandbox() -> Iterator[DemoSandbox]:
    with DemoSandbox(server="stand-in") as running:
        yield running


async def test_a_deployment_whose_file_changed_since_its_check_is_out_of_date(
    deployments_sandbox: DemoSandbox,
) -> None:
    app = demo_app(deployments_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        await wait_for(
            pilot, lambda: "legacy" in app.deployment_checks and not app.deployments_running, 30
        )
        table = app.screen.query_one("#deployments", SafeTable)
        assert not str(table.get_row("legacy")[7]).startswith("↻")
        touch(app.deployments["legacy"].config)
        await wait_for(pilot, lambda: "legacy" in app.deployments_changed)
        await pilot.pause()
        table = app.screen.query_one("#deployments", SafeTable)
        assert str(table.get_row("legacy")[7]).startswith("↻ ")
        assert "sandbox" not in app.deployments_changed


async def test_after_a_switch_the_inference_screen_offers_none_of_the_last_ones_models(
    deployments_sandbox: DemoSandbox,
) -> None:
    from textual.widgets import Select

    from screens.inference_screen import InferenceScreen

    app = demo_app(deployments_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        await pilot.press("6")
        await wait_for(pilot, lambda: isinstance(app.screen, InferenceScreen))
        select = app.screen.query_one("#inference-model", Select)
        await wait_for(pilot, lambda: isinstance(select.value, str))
        # From now on read-only: the deployment switched to is not asked for its models.
        app.console_read_only = True
        app.launch = replace(app.launch, read_only=True)
        app.switch_deployment("legacy")
        await wait_for(pilot, lambda: app.deployment_name == "legacy" and not app.running)
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results)
        await pilot.pause()
        assert app.doctor.state.survey is None
        assert not isinstance(select.value, str)  # not the sandbox's model, nor any
