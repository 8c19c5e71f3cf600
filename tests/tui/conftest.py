"""Fixtures for driving the console with Pilot against the sandbox.

`sandbox` starts the stand-ins (Entra ID, Azure OpenAI, the Llama Stack stand-in) once per
test; `launch_for` builds the app's inputs for it; `wait_for` polls a condition while the
app runs, so tests wait for workers without sleeping blindly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from console.doctor.graph import STEP_IDS
from console.sandbox.demo import DemoInfo, DemoSandbox
from console.settings.launch import Launch
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.settings.user import load_user_settings
from screens.app import LightspeedConsole

SIZE = (120, 40)


@pytest.fixture
def sandbox() -> Iterator[DemoSandbox]:
    """The demo sandbox with the Llama Stack stand-in (fast, and it takes stack faults)."""
    with DemoSandbox(server="stand-in") as running:
        yield running


def launch_for(info: DemoInfo, *, read_only: bool = False, **options: object) -> Launch:
    """The app's inputs for the sandbox, as `lightspeed-console demo` builds them."""
    given: dict[str, object] = {
        "authority": info.authority,
        "ca_bundle": Path(info.ca_bundle),
        "token_timeout": 2.0,
        "stack_timeout": 2.0,
        **options,
    }
    live = LiveOptions(**given)  # type: ignore[arg-type]
    target = Target(Path(info.lightspeed_config), Path(info.run_config), live, environ=info.environ)
    return Launch(target, read_only=read_only, sandbox=True)


def with_target(launch: Launch, **changes: Any) -> Launch:
    """``launch`` with its deployment's fields changed (the files, the environment...)."""
    return replace(launch, target=replace(launch.target, **changes))


def demo_app(sandbox: DemoSandbox) -> LightspeedConsole:
    """The console on ``sandbox`` with the demo's deployments, as ``demo`` opens it."""
    info = sandbox.info
    assert info is not None
    assert info.settings_file is not None
    settings, problems = load_user_settings(Path(info.settings_file))
    assert problems == []
    launch = replace(launch_for(info), settings=settings)
    return LightspeedConsole(with_target(launch, deployment="sandbox", tag="sandbox"))


@pytest.fixture
def make_app(sandbox: DemoSandbox) -> Callable[..., LightspeedConsole]:
    """An app on the sandbox (call with read_only=True to start without live calls)."""

    def make(**kwargs: object) -> LightspeedConsole:
        assert sandbox.info is not None
        return LightspeedConsole(launch_for(sandbox.info, **kwargs))  # type: ignore[arg-type]

    return make


def all_checks_done(app: LightspeedConsole) -> bool:
    """Every doctor step has a result and nothing runs: the app has settled."""
    return len(app.doctor.state.results) == len(STEP_IDS) and not app.running


async def wait_for(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 10.0
) -> None:
    """Let the app run until ``condition()`` holds; fail with a clear message after ``timeout``."""
    steps = int(timeout / 0.05)
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"condition not met within {timeout} s")


def text_of(widget: Static) -> str:
    """The plain text a Static shows (its Rich content rendered without styles)."""
    console = Console(width=200, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()
