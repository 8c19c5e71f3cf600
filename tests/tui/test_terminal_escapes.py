"""No escape sequence from input reaches the terminal from any screen of the console.

The console runs on the hostile sandbox (tests/support/hostile_text.py): the deployment's
name, a provider, a model, a run.yaml key and comment, an environment value, a role in
the token and the inference's answer all carry OSC 0, CSI 2J, OSC 52, CR, BEL, a C1 CSI,
DEL and a bidi override. The walk goes through screens 1-6 (every tab), F1, the palette,
the event log and a notification; at each stop the screenshot, every widget's rendered
lines, every Static's content and every table cell hold no raw control, and the escaped
form is there to be read. Last, the real console on a real terminal (a pty) is read
byte for byte: the canaries' sequences are never written.
"""

from __future__ import annotations

import html
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent

from console.settings.launch import Launch
from console.settings.live import LiveOptions
from console.settings.target import Target
from screens.app import LightspeedConsole
from screens.config_screen import ConfigScreen
from screens.doctor_screen import DoctorScreen
from screens.enrichment_screen import EnrichmentScreen
from screens.help import HelpScreen
from screens.inference_screen import InferenceScreen
from screens.providers_screen import ProvidersScreen
from screens.token_screen import TokenScreen
from tests.support.hostile_text import (
    BIDI,
    HOSTILE,
    SHOWN_START,
    HostileDeployment,
    assert_safe,
    hostile_deployment,
)
from tests.support.terminal import on_terminal
from tests.tui.conftest import all_checks_done, wait_for

WIDE = (200, 50)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[HostileDeployment]:
    with hostile_deployment(tmp_path) as found:
        yield found


def hostile_launch(deployment: HostileDeployment) -> Launch:
    info = deployment.info
    options = LiveOptions(
        authority=info.authority,
        ca_bundle=Path(info.ca_bundle),
        token_timeout=2.0,
        stack_timeout=2.0,
    )
    target = Target(
        deployment.lightspeed_config, deployment.run_config, options, environ=deployment.environ
    )
    return Launch(target, sandbox=True)


def svg_text(svg: str) -> str:
    """The characters an SVG screenshot shows, in order."""
    return html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)))


def rendered_lines(app: LightspeedConsole) -> Iterator[tuple[str, str]]:
    """(widget, text) for every widget of the screen shown: what it draws, what it holds."""
    for widget in app.screen.walk_children(with_self=True):
        name = f"{type(widget).__name__}#{widget.id}"
        if widget.display and widget.size.area:
            strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
            yield name, "\n".join("".join(seg.text for seg in strip) for strip in strips)
        if isinstance(widget, Static):
            yield f"{name} content", str(widget.visual)
        if isinstance(widget, DataTable):
            for row in range(widget.row_count):
                yield f"{name} row {row}", " ".join(str(c) for c in widget.get_row_at(row))


class Walk:
    """Checks every stop of the walk and remembers what was shown."""

    def __init__(self, app: LightspeedConsole) -> None:
        self.app = app
        self.stops: dict[str, str] = {}

    def check(self, where: str) -> str:
        svg = self.app.export_screenshot()
        assert_safe(svg, f"{where}: the screenshot")
        shown = svg_text(svg)
        for name, text in rendered_lines(self.app):
            assert_safe(text, f"{where}: {name}")
            shown += "\n" + text
        for event in self.app.events.events:
            assert_safe(event.text, f"{where}: the event log")
        for notification in self.app._notifications:
            assert_safe(f"{notification.title} {notification.message}", f"{where}: a toast")
        self.stops[where] = shown
        return shown


async def go(pilot: Pilot[None], key: str, screen: type, walk: Walk) -> str:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen))
    await pilot.pause()
    return walk.check(f"screen {key}")


async def tab(pilot: Pilot[None], tabs: str, pane: str, walk: Walk) -> str:
    pilot.app.screen.query_one(tabs, TabbedContent).active = pane
    await pilot.pause()
    return walk.check(f"{tabs} {pane}")


async def test_every_screen_shows_hostile_input_escaped(deployment: HostileDeployment) -> None:
    app = LightspeedConsole(hostile_launch(deployment))
    walk = Walk(app)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app), timeout=20)
        home = walk.check("doctor after the checks")
        assert SHOWN_START in home, "the deployment's name, escaped, on the top bar"
        app.run_inference(None, HOSTILE, False)
        await wait_for(
            pilot,
            lambda: (
                app.doctor.state.inference is not None
                and HOSTILE in app.doctor.state.inference.answer
                and not app.running
            ),
            timeout=15,
        )
        app.notify(f"a notification quoting {HOSTILE}", title=HOSTILE)
        await pilot.pause()
        walk.check("a notification")

        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        walk.check("help")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"token")
        await pilot.pause(0.3)
        walk.check("palette")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))

        await go(pilot, "2", ConfigScreen, walk)
        await tab(pilot, "#config-files", "file-run", walk)
        run_view = walk.stops["#config-files file-run"]
        assert "\\x1b]0;PWNED\\x07" in run_view or "\\e]0;PWNED\\a" in run_view
        assert "\\u202e" in run_view, "the raw bidi control of the comment, shown escaped"
        findings = await tab(pilot, "#config-side", "side-findings", walk)
        assert SHOWN_START in findings, "the base_url finding quotes the value escaped"
        await tab(pilot, "#config-side", "side-env", walk)

        await go(pilot, "3", EnrichmentScreen, walk)
        await pilot.press("s")
        await pilot.pause()
        walk.check("enrichment side by side")

        providers = await go(pilot, "4", ProvidersScreen, walk)
        assert SHOWN_START in providers, "the server's hostile provider, escaped"
        models = await tab(pilot, "#providers-tabs", "models-pane", walk)
        assert SHOWN_START in models

        token = await go(pilot, "5", TokenScreen, walk)
        assert SHOWN_START in token, "the hostile role of the token, escaped"

        answer = await go(pilot, "6", InferenceScreen, walk)
        assert SHOWN_START in answer, "the echoed answer, escaped"

        await pilot.press("ctrl+l")  # the log pane off and on again
        await pilot.press("ctrl+l")
        await go(pilot, "1", DoctorScreen, walk)
        events = "\n".join(event.text for event in app.events.events)
        assert "PWNED" in events, "the log quotes the hostile values, escaped"
    assert len(walk.stops) >= 14


def test_the_console_on_a_terminal_never_writes_the_canaries(
    deployment: HostileDeployment,
) -> None:
    """Byte for byte what the console writes to a real terminal: no OSC 0 or 52 of the
    file's, no bidi control (the clear screen is Textual's own, so it is not looked for)."""
    info = deployment.info
    env = {**os.environ, **deployment.environ}
    env.pop("NO_COLOR", None)
    argv = [
        *(sys.executable, "-m", "console", "tui", "--read-only"),
        *("-c", str(deployment.lightspeed_config), "-i", str(deployment.run_config)),
        *("--authority", info.authority, "--ca-bundle", info.ca_bundle),
    ]
    with on_terminal(argv, env) as terminal:
        assert terminal.wait_for(b"PWNED", 30)
        terminal.type(b"2")  # the config screen: the file view, the findings
        time.sleep(2)
        terminal.type(b"4")  # the providers, from run.yaml (read-only: no live call)
        time.sleep(2)
        terminal.type(b"\x11")
        drawn = terminal.drawn_to_the_end(10)
    assert b"PWNED" in drawn, "the hostile values were drawn (escaped)"
    assert b"\x1b]0;PWNED" not in drawn
    assert b"\x1b]52;c;cHduZWQ=" not in drawn
    assert BIDI.encode() not in drawn
    assert "\x9b".encode() not in drawn


async def test_notifications_are_plain_text_and_ctrl_c_still_says_how_to_quit(
    deployment: HostileDeployment,
) -> None:
    """Markup in a quoted value is shown as written, never obeyed; Textual's own ctrl+c
    notice, which used markup, reads plainly."""
    app = LightspeedConsole(hostile_launch(deployment))
    async with app.run_test(size=WIDE) as pilot:
        app.notify("a value [@click=app.quit]click me[/] [b]bold", title="[red]x")
        await pilot.press("ctrl+c")
        await pilot.pause()
        shown = [(n.title, n.message) for n in app._notifications]
        assert ("[red]x", "a value [@click=app.quit]click me[/] [b]bold") in shown
        assert ("Do you want to quit?", "Press q or ^q to quit the app") in shown
        assert all(n.markup is False for n in app._notifications)
