"""SVG snapshots of every screen at 120x40 and at 80x24, on the pinned sandbox (`tests.tui.pinned`).

Each snapshot comes from the real core run against the sandbox: the doctor's checks, a
token from the Entra stand-in, an inference through the Llama Stack stand-in to the Azure
OpenAI stand-in. Ports, paths, ids, secrets, clocks and durations are pinned, so the SVGs
are byte-stable across runs and machines. Update them with ``--snapshot-update`` and look
at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from console.doctor.graph import STEP_IDS
from console.doctor.results import CheckStatus
from console.settings.user import load_user_settings
from screens.app import LightspeedConsole
from screens.config_screen import ConfigScreen
from screens.deployments_screen import DeploymentsScreen
from screens.enrichment_screen import EnrichmentScreen
from screens.help import HelpScreen
from screens.inference_screen import InferenceScreen
from screens.providers_screen import ProvidersScreen
from screens.token_screen import TokenScreen
from screens.widgets.confirm import ConfirmLine
from screens.widgets.text_panel import TextPanel
from tests.tui.conftest import SIZE, all_checks_done, wait_for, with_target
from tests.tui.pinned import FROZEN_NOW, WORKDIR, WRONG_SECRET, Pinned, pin_app, pinned_sandbox

SnapCompare = Callable[..., bool]


@pytest.fixture
def pinned() -> Iterator[Pinned]:
    with pinned_sandbox() as running:
        yield running


async def settle(pilot: Pilot[None]) -> None:
    """Let the screen draw what the last step produced; no blinking cursor in the picture."""
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def after_checks(*keys: str, screen: type | None = None) -> Callable[[Pilot[None]], object]:
    """Wait for every check, press ``keys``, wait for ``screen`` to be up."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, LightspeedConsole)
        await wait_for(pilot, lambda: all_checks_done(app))
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        if screen is not None:
            await wait_for(pilot, lambda: isinstance(app.screen, screen))
        await settle(pilot)

    return run_before


def test_doctor_after_all_checks(pinned: Pinned, snap_compare: SnapCompare) -> None:
    app = pinned.app()
    assert snap_compare(app, terminal_size=SIZE, run_before=after_checks())
    assert all(r.status is CheckStatus.PASS for r in app.doctor.state.results.values())


def test_config(pinned: Pinned, snap_compare: SnapCompare) -> None:
    app = pinned.app()
    assert snap_compare(app, terminal_size=SIZE, run_before=after_checks("2", screen=ConfigScreen))


def test_enrichment_unified(pinned: Pinned, snap_compare: SnapCompare) -> None:
    app = pinned.app()
    run_before = after_checks("3", screen=EnrichmentScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_enrichment_side_by_side(pinned: Pinned, snap_compare: SnapCompare) -> None:
    app = pinned.app()
    run_before = after_checks("3", "s", screen=EnrichmentScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_providers(pinned: Pinned, snap_compare: SnapCompare) -> None:
    app = pinned.app()
    run_before = after_checks("4", screen=ProvidersScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_token(pinned: Pinned, snap_compare: SnapCompare) -> None:
    app = pinned.app()
    assert snap_compare(app, terminal_size=SIZE, run_before=after_checks("5", screen=TokenScreen))


def test_inference_after_a_run(pinned: Pinned, snap_compare: SnapCompare) -> None:
    app = pinned.app()

    async def run_before(pilot: Pilot[None]) -> None:
        await after_checks("6", screen=InferenceScreen)(pilot)  # type: ignore[misc]
        screen = app.screen
        assert isinstance(screen, InferenceScreen)
        previous = app.doctor.state.results.get("inference")
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.doctor.state.results.get("inference") is not previous and not screen.running
            ),
        )
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    assert app.doctor.state.results["inference"].status is CheckStatus.PASS


def test_help(pinned: Pinned, snap_compare: SnapCompare) -> None:
    app = pinned.app()
    assert snap_compare(app, terminal_size=SIZE, run_before=after_checks("f1", screen=HelpScreen))


def test_doctor_with_a_wrong_client_secret(pinned: Pinned, snap_compare: SnapCompare) -> None:
    launch = pinned.app().launch
    environ = {**launch.target.environ, "CLIENT_SECRET": WRONG_SECRET}
    app = pin_app(LightspeedConsole(with_target(launch, environ=environ)))

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: all_checks_done(app))
        app.screen.query_one("#checks", OptionList).highlighted = STEP_IDS.index("token")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    assert app.doctor.state.results["token"].status is CheckStatus.FAIL


def test_deployments(pinned: Pinned, snap_compare: SnapCompare) -> None:
    """The demo's four deployments, checked together: prod-eu fails at the token step, the
    library one boots its run.yaml in OGX 1.2.5's library client."""
    settings, problems = load_user_settings(WORKDIR / "deployments.toml")
    assert problems == []
    launch = with_target(pinned.app().launch, deployment="sandbox", tag="sandbox")
    launch = replace(launch, settings=settings)
    app = pin_app(LightspeedConsole(launch))

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: all_checks_done(app))
        await pilot.press("0")
        # At first sight: all but prod-eu (tagged prod: checked when asked, after a yes).
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, DeploymentsScreen)
                and len(app.deployment_checks) == 3
                and not app.deployments_running
            ),
            timeout=90,
        )
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLine))
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, DeploymentsScreen)
                and len(app.deployment_checks) == 4
                and not app.deployments_running
            ),
            timeout=90,
        )
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    assert app.deployment_checks["prod-eu"].code == "AADSTS7000215"


# ---------------------------------------------------------------------------- 80x24

SMALL = (80, 24)


async def run_inference(pilot: Pilot[None]) -> None:
    """r on the inference screen, then wait for its result."""
    app = pilot.app
    assert isinstance(app, LightspeedConsole)
    screen = app.screen
    assert isinstance(screen, InferenceScreen)
    previous = app.doctor.state.results.get("inference")
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: app.doctor.state.results.get("inference") is not previous and not screen.running,
    )


@pytest.mark.parametrize(
    ("keys", "screen"),
    [
        ((), None),
        (("2",), ConfigScreen),
        (("3",), EnrichmentScreen),
        (("4",), ProvidersScreen),
        (("5",), TokenScreen),
        (("6",), InferenceScreen),
        (("f1",), HelpScreen),
        (("l",), TextPanel),
    ],
    ids=["doctor", "config", "enrichment", "providers", "token", "inference", "help", "log"],
)
def test_80x24(
    pinned: Pinned, snap_compare: SnapCompare, keys: tuple[str, ...], screen: type | None
) -> None:
    """Every screen at the size of the terminal an on-call engineer has."""
    app = pinned.app()
    run_before = after_checks(*keys, screen=screen)
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_80x24_inference_as_text(pinned: Pinned, snap_compare: SnapCompare) -> None:
    """The last inference as curl, request and response, in a text area to select."""
    app = pinned.app()

    async def run_before(pilot: Pilot[None]) -> None:
        await after_checks("6", screen=InferenceScreen)(pilot)  # type: ignore[misc]
        await run_inference(pilot)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPanel))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_80x24_doctor_opens_the_first_failure(pinned: Pinned, snap_compare: SnapCompare) -> None:
    """A wrong client secret: after the run the token step is selected and explained."""
    launch = pinned.app().launch
    environ = {**launch.target.environ, "CLIENT_SECRET": WRONG_SECRET}
    app = pin_app(LightspeedConsole(with_target(launch, environ=environ)))

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: all_checks_done(app))
        checks = app.screen.query_one("#checks", OptionList)
        await wait_for(pilot, lambda: checks.highlighted == STEP_IDS.index("token"))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_80x24_doctor_with_an_expired_token(pinned: Pinned, snap_compare: SnapCompare) -> None:
    """Two hours on: the token the checks got has expired, and the doctor says so."""
    launch = pinned.app().launch
    later = replace(launch, clock=lambda: FROZEN_NOW + 7200)
    app = pin_app(LightspeedConsole(later))

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: all_checks_done(app))
        checks = app.screen.query_one("#checks", OptionList)
        await wait_for(pilot, lambda: str(checks.get_option("token").prompt).startswith("↻ stale"))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def deployments_app(pinned: Pinned, **launch_options: object) -> LightspeedConsole:
    settings, problems = load_user_settings(WORKDIR / "deployments.toml")
    assert problems == []
    launch = with_target(
        replace(pinned.app(**launch_options).launch, settings=settings),
        deployment="sandbox",
        tag="sandbox",
    )
    return pin_app(LightspeedConsole(launch))


def test_80x24_deployments_read_only(pinned: Pinned, snap_compare: SnapCompare) -> None:
    """Read-only: nothing checked, every row says so."""
    app = deployments_app(pinned, read_only=True)

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results)
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
    assert app.deployment_checks == {}


def test_80x24_a_prod_deployment_asks_on_one_line(
    pinned: Pinned, snap_compare: SnapCompare
) -> None:
    """r on the inference screen of a prod-tagged deployment: the question, nothing sent."""
    settings, _ = load_user_settings(WORKDIR / "deployments.toml")
    launch = with_target(
        replace(pinned.app(read_only=True).launch, settings=settings),
        deployment="prod-eu",
        tag="prod",
    )
    app = pin_app(LightspeedConsole(launch))

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results)
        await pilot.press("6")
        await wait_for(pilot, lambda: isinstance(app.screen, InferenceScreen))
        app.screen.set_focus(None)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLine))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
    assert "inference" not in app.doctor.state.results
