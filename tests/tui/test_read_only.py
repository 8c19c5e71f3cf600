"""Read-only means no live call, everywhere; a production-like deployment asks before an inference.

Every request is counted where it lands: the stand-ins' own request logs (Entra ID, Azure
OpenAI, the Llama Stack stand-in that the demo's ``sandbox``, ``legacy`` and ``prod-eu``
deployments share). The demo's ``prod-eu`` is tagged ``prod``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.doctor.results import CheckStatus
from console.sandbox.demo import DemoSandbox
from console.settings.user import load_user_settings
from screens.app import LightspeedConsole
from screens.deployments_screen import DeploymentsScreen
from screens.doctor_screen import DoctorScreen
from screens.inference_screen import InferenceScreen
from screens.safe_table import SafeTable
from screens.widgets.confirm import ConfirmLine
from tests.tui.conftest import SIZE, all_checks_done, launch_for, text_of, wait_for, with_target


@pytest.fixture
def sandbox() -> Iterator[DemoSandbox]:
    with DemoSandbox(server="stand-in") as running:
        yield running


def demo_app(
    sandbox: DemoSandbox, *, read_only: bool = False, deployment: str = "sandbox"
) -> LightspeedConsole:
    """The console with the demo's four deployments, opened on ``deployment``."""
    info = sandbox.info
    assert info is not None
    assert info.settings_file is not None
    settings, problems = load_user_settings(Path(info.settings_file))
    assert problems == []
    tag = settings.deployments[deployment].tag
    launch = with_target(
        replace(launch_for(info, read_only=read_only), settings=settings),
        deployment=deployment,
        tag=tag,
    )
    return LightspeedConsole(launch)


def requests_seen(sandbox: DemoSandbox) -> dict[str, int]:
    assert sandbox.azure is not None
    assert sandbox.stack_stand_in is not None
    return {
        "entra": len(sandbox.entra.stand_in.requests),
        "azure": len(sandbox.azure.stand_in.requests),
        "stack": len(sandbox.stack_stand_in.stand_in.requests),
    }


def inferences_sent(sandbox: DemoSandbox) -> int:
    """Chat completions (or responses) the Llama Stack stand-in was asked for."""
    assert sandbox.stack_stand_in is not None
    paths = [request.path for request in sandbox.stack_stand_in.stand_in.requests]
    return sum(path.endswith(("/chat/completions", "/responses")) for path in paths)


async def idle(pilot: Pilot[None], app: LightspeedConsole) -> None:
    """Nothing runs and nothing is being checked."""
    await wait_for(pilot, lambda: not app.running and not app.deployments_running)
    await pilot.pause(0.3)


async def test_read_only_the_deployments_screen_sends_nothing_until_asked(
    sandbox: DemoSandbox,
) -> None:
    app = demo_app(sandbox, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results)
        await idle(pilot, app)
        assert requests_seen(sandbox) == {"entra": 0, "azure": 0, "stack": 0}
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        await idle(pilot, app)
        assert requests_seen(sandbox) == {"entra": 0, "azure": 0, "stack": 0}
        assert app.deployment_checks == {}
        table = app.screen.query_one("#deployments", SafeTable)
        assert str(table.get_row("prod-eu")[7]) == "not yet"
        assert str(table.get_row("legacy")[8]) == "read-only console"
        intro = text_of(app.screen.query_one("#deployments-intro"))
        assert "nothing is checked until you press r" in intro
        # Leaving and coming back does not check either.
        await pilot.press("1")
        await pilot.press("0")
        await idle(pilot, app)
        assert requests_seen(sandbox) == {"entra": 0, "azure": 0, "stack": 0}
        # Asked: a one-line question for prod-eu; "no" checks the others only.
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLine))
        question = text_of(app.screen.query_one("#confirm-question"))
        assert question == "Check prod-eu (tagged prod) too, a test inference included?\n"
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(app.deployment_checks))
        await idle(pilot, app)
        assert "prod-eu" not in app.deployment_checks
        assert {"sandbox", "legacy"} <= set(app.deployment_checks)
        assert requests_seen(sandbox)["azure"] > 0


async def test_read_only_is_kept_when_switching_to_a_deployment_that_is_not(
    sandbox: DemoSandbox,
) -> None:
    app = demo_app(sandbox, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results)
        await idle(pilot, app)
        app.switch_deployment("legacy")
        await wait_for(pilot, lambda: app.deployment_name == "legacy")
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results)
        await idle(pilot, app)
        assert app.launch.read_only
        assert requests_seen(sandbox) == {"entra": 0, "azure": 0, "stack": 0}


async def test_a_prod_deployment_opened_gets_no_inference_without_a_yes(
    sandbox: DemoSandbox,
) -> None:
    app = demo_app(sandbox, deployment="prod-eu")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        inference = app.doctor.state.results["inference"]
        assert inference.status is CheckStatus.SKIP
        assert (
            inference.summary == "not sent: prod-eu is tagged prod; r asks, and sends it on a yes"
        )
        assert inferences_sent(sandbox) == 0
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLine))
        question = text_of(app.screen.query_one("#confirm-question"))
        assert question == "Send prod-eu (tagged prod) a test inference?\n"
        await pilot.press("escape")  # "Run the rest"
        await wait_for(pilot, lambda: isinstance(app.screen, DoctorScreen))
        await wait_for(pilot, lambda: all_checks_done(app))
        assert app.doctor.state.results["inference"].status is CheckStatus.SKIP
        assert inferences_sent(sandbox) == 0
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLine))
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: (
                all_checks_done(app)
                and app.doctor.state.results["inference"].status is CheckStatus.PASS
            ),
        )
        assert inferences_sent(sandbox) == 1


async def test_the_inference_screen_asks_before_sending_to_a_prod_deployment(
    sandbox: DemoSandbox,
) -> None:
    app = demo_app(sandbox, read_only=True, deployment="prod-eu")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results)
        await pilot.press("6")
        await wait_for(pilot, lambda: isinstance(app.screen, InferenceScreen))
        await pilot.press("escape")  # out of the prompt, should it have the focus
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLine))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, InferenceScreen))
        await idle(pilot, app)
        assert requests_seen(sandbox) == {"entra": 0, "azure": 0, "stack": 0}
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLine))
        await pilot.press("y")
        await wait_for(pilot, lambda: "inference" in app.doctor.state.results)
        await idle(pilot, app)
        assert requests_seen(sandbox)["entra"] > 0  # it was sent (and refused: wrong secret)
