"""The TUI starts with the garbage collector paused and resumes it once it has painted."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.settings.launch import Launch
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.gcpause import pause_while_starting
from screens.app import LightspeedConsole
from tests.tui.conftest import SIZE, wait_for

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture
def paused() -> Iterator[None]:
    pause_while_starting()  # as `console.cli.run` does before the command is imported
    yield
    gc.unfreeze()
    gc.enable()


@pytest.mark.usefixtures("paused")
async def test_the_collector_is_back_once_the_first_frame_is_up() -> None:
    target = Target(
        EXAMPLES / "lightspeed-stack-service.yaml", EXAMPLES / "azure-run.yaml", LiveOptions()
    )
    app = LightspeedConsole(Launch(target, read_only=True))
    assert not gc.isenabled()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, gc.isenabled)
        await wait_for(pilot, lambda: bool(app.doctor.state.results))  # and the checks run
