"""The garbage collector is paused only while a command starts, never for its run.

`console.cli.run` pauses it; a command that is not the TUI gets it back before it runs,
and the TUI once its first frame is up (`tests/tui/test_read_only.py` keeps that one).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.commands.dispatch import main
from console.shared import collector

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_resume_collects_again_and_leaves_the_start_out_of_later_walks() -> None:
    gc.unfreeze()
    collector.pause()
    assert not gc.isenabled()
    collector.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_a_command_runs_with_the_collector_on(capsys: pytest.CaptureFixture[str]) -> None:
    import console.commands.review as review

    seen: list[bool] = []

    def handler(*args: object) -> int:
        seen.append(gc.isenabled())
        return 0

    collector.pause()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(review, "run", handler)
        assert main(["review", "-c", str(EXAMPLES / "lightspeed-stack-service.yaml")]) == 0
    assert seen == [True]
    capsys.readouterr()
