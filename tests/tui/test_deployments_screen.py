"""0 Deployments: the demo's three deployments checked together, switching, the prod tag.

The sandbox (stand-ins) writes its settings file with ``sandbox``, ``legacy`` and
``prod-eu`` (a wrong client secret in its env file); the console opens on ``sandbox`` as
the demo opens it. Every env-file value is looked for in what the screens show.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from rich.text import Text
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static

from console.doctor.fleet import Verdict
from console.doctor.results import CheckStatus
from console.library.process import RUNNER
from console.sandbox.demo import DemoSandbox
from console.sandbox.demo_files import WRONG_SECRET
from console.settings.envfile import read_env_file
from console.settings.target import Target
from screens.app import LightspeedConsole
from screens.config_screen import ConfigScreen
from screens.deployments_screen import DeploymentsScreen
from screens.doctor_screen import DoctorScreen
from screens.safe_table import SafeTable
from screens.widgets.confirm import ConfirmLine
from screens.widgets.deployment_bar import PROD_STYLE
from tests.tui.conftest import SIZE, all_checks_done, demo_app, launch_for, text_of, wait_for


@pytest.fixture
def sandbox() -> Iterator[DemoSandbox]:
    with DemoSandbox(server="stand-in") as running:
        yield running


def env_values(sandbox: DemoSandbox) -> set[str]:
    assert sandbox.info is not None
    folder = Path(sandbox.info.lightspeed_config).parent
    values = set(read_env_file(folder / "sandbox.env").values.values())
    return values | set(read_env_file(folder / "wrong-secret.env").values.values())


def shown(app: LightspeedConsole) -> str:
    """What the screen shows, as text without whitespace."""
    svg = app.export_screenshot()
    text = html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)))
    return re.sub(r"\s+", "", text.replace("\xa0", " "))


def tag_style(bar: Static, label: str) -> str:
    """The style the bar draws ``label`` in."""
    content = bar.render()
    assert isinstance(content, Content)
    return next(str(s.style) for s in content.spans if content.plain[s.start : s.end] == label)


def tag_style_of(style: str) -> str:
    text = Text()
    text.append("x", style=style)
    return str(Content.from_rich_text(text).spans[0].style)


def checked(app: LightspeedConsole) -> bool:
    return len(app.deployment_checks) == len(app.deployments) and not app.deployments_running


def looked(app: LightspeedConsole) -> bool:
    """The check at first sight is done: every deployment but the production-like one."""
    return set(app.deployment_checks) == set(app.unasked()) and not app.deployments_running


async def check_all_confirmed(pilot: Pilot[None], app: LightspeedConsole) -> None:
    """r, then yes to the one-line question about prod-eu: every deployment is checked."""
    await wait_for(pilot, lambda: looked(app), timeout=20)
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmLine))
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
    await wait_for(pilot, lambda: checked(app), timeout=20)


async def test_the_screen_checks_every_deployment_marks_the_prod_tag_and_enter_switches(
    sandbox: DemoSandbox,
) -> None:
    app = demo_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        first = app.doctor
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        await wait_for(pilot, lambda: looked(app), timeout=20)
        assert app.unasked() == ["sandbox", "legacy", "library"]  # prod-eu: tagged prod
        assert "prod-eu" not in app.deployment_checks
        await check_all_confirmed(pilot, app)
        rows = app.deployment_checks
        verdicts = {name: (row.verdict, row.failed_step, row.code) for name, row in rows.items()}
        assert verdicts == {
            "sandbox": (Verdict.PASS, None, None),
            "legacy": (Verdict.PASS, None, None),
            "prod-eu": (Verdict.FAIL, "token", "AADSTS7000215"),
            "library": (Verdict.PASS, None, None),
        }, {name: row.summary for name, row in rows.items()}
        await pilot.pause()
        table = app.screen.query_one("#deployments", SafeTable)
        tags = {str(table.get_row(name)[1]): table.get_row(name)[1] for name in rows}
        assert tags["prod"].style == PROD_STYLE
        assert tags["sandbox"].style != PROD_STYLE
        assert str(table.get_row("sandbox")[0]) == "▶ sandbox"  # the one the console shows
        assert str(table.get_row("prod-eu")[0]) == "  prod-eu"
        assert str(table.get_row("prod-eu")[8]) == "AADSTS7000215 (token)"
        assert "justnow" in shown(app)
        assert " sandbox " in text_of(app.screen.query_one("#deployment-bar", Static))
        for value in env_values(sandbox):
            assert value not in shown(app)
        # Enter on prod-eu: the whole console switches to it, its secrets still masked.
        table.move_cursor(row=list(app.deployments).index("prod-eu"))
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doctor is not first and all_checks_done(app))
        assert isinstance(app.screen, DoctorScreen)
        assert app.deployment_name == "prod-eu"
        assert app.doctor.state.results["token"].status is CheckStatus.FAIL
        assert app.doctor.state.results["inference"].status is CheckStatus.SKIP
        bar = app.screen.query_one("#deployment-bar", Static)
        assert " prod-eu " in text_of(bar)
        assert tag_style(bar, " prod ") == tag_style_of(PROD_STYLE)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigScreen))
        await pilot.pause()
        screen_text = shown(app)
        assert WRONG_SECRET not in screen_text
        for value in env_values(sandbox):
            assert value not in screen_text
            assert all(value not in event.text for event in app.events.events)


async def test_without_deployments_key_0_does_nothing(sandbox: DemoSandbox) -> None:
    assert sandbox.info is not None
    app = LightspeedConsole(launch_for(sandbox.info))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0")
        await pilot.pause()
        assert isinstance(app.screen, DoctorScreen)
        assert app.deployments == {}


async def test_the_demo_registers_its_deployments_through_the_bring_up() -> None:
    from console.sandbox.bringup import DemoBringup
    from console.settings.launch import Launch

    bringup = DemoBringup("stand-in")
    app = LightspeedConsole(Launch(bringup=bringup, sandbox=True))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: all_checks_done(app), timeout=20)
            assert list(app.deployments) == ["sandbox", "legacy", "prod-eu", "library"]
            assert app.deployment_name == "sandbox"
            await pilot.press("0")
            await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
    finally:
        bringup.stop()


async def test_an_env_file_value_cannot_be_revealed_on_the_config_screen(
    sandbox: DemoSandbox,
) -> None:
    app = demo_app(sandbox)
    target = replace(sandbox_target(sandbox), env_secrets=tuple(env_values(sandbox)))
    app.launch = replace(app.launch, target=target)
    app.doctor = type(app.doctor)(target)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfigScreen))
        await pilot.press("e")
        await pilot.pause()
        table = app.screen.query_one("#env", SafeTable)
        names = sorted(getattr(table, "references", {}))
        table.move_cursor(row=names.index("CLIENT_SECRET"))
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ConfigScreen)  # no confirm dialog came up
        notes = [n.message for n in app._notifications]
        assert any("comes from the env file" in note for note in notes)
        for value in env_values(sandbox):
            assert value not in shown(app)


@pytest.mark.parametrize(("seconds", "timed"), [(None, False), (30.0, True)])
async def test_the_refresh_setting_puts_the_checks_on_a_timer(
    sandbox: DemoSandbox, seconds: float | None, timed: bool
) -> None:
    app = demo_app(sandbox)
    settings = replace(app.launch.settings, deployments_refresh_s=seconds)
    app.launch = replace(app.launch, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        assert (app._refresh_timer is not None) is timed


def runner_groups() -> dict[int, int]:
    """Every live process's group, by pid (a library runner leads its own group)."""
    groups = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if fields[0] != "Z":  # a zombie has ended; only its exit status is left
            groups[int(entry.name)] = int(fields[2])
    return groups


def runners_of_this_process() -> list[int]:
    """Pids of the library runners this process started (`console.library.runner`)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # not a process, or gone meanwhile
        if parent == os.getpid() and RUNNER.name.encode() in command:
            found.append(int(entry.name))
    return found


async def test_quitting_while_a_library_deployment_is_checked_stops_its_runner(
    sandbox: DemoSandbox,
) -> None:
    """Run as the console runs (`App.run`'s path: Textual cancels the workers before the
    screens unmount, unlike `run_test`), quit while the library deployment boots."""
    app = demo_app(sandbox)
    runners: list[int] = []

    async def operator(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: all_checks_done(app))
        await pilot.press("0")  # checked at first sight: the library one boots its release
        await wait_for(pilot, lambda: bool(runners_of_this_process()), timeout=20)
        assert "library" in app.deployments_running
        runners.extend(runners_of_this_process())
        app.exit()

    await app.run_async(headless=True, size=SIZE, auto_pilot=operator)
    assert runners
    left = [pid for pid, group in runner_groups().items() if group in runners]
    assert left == [], "the runner, or a process it started, outlived the app"


def sandbox_target(sandbox: DemoSandbox) -> Target:
    assert sandbox.info is not None
    return sandbox.info.target()
