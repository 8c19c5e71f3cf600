"""The garbage collector is paused only while a command starts, never for its run.

`console.cli.run` pauses it; a command that is not the TUI gets it back before it runs,
and the TUI once its first frame is up (`tests/tui/test_start.py`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.commands.dispatch import main
from console.shared.gcpause import gc_paused, pause_while_starting, started

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_started_collects_again_and_leaves_the_start_out_of_later_walks() -> None:
    gc.unfreeze()
    pause_while_starting()
    assert not gc.isenabled()
    started()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    started()  # once only: a second call changes nothing
    assert gc.isenabled()


def test_a_block_still_paused_keeps_the_collector_off_past_the_start() -> None:
    pause_while_starting()
    with gc_paused():
        started()
        assert not gc.isenabled()  # the loader's tree is still being built
    assert gc.isenabled()


def test_a_command_runs_with_the_collector_on(capsys: pytest.CaptureFixture[str]) -> None:
    import console.commands.review as review

    seen: list[bool] = []

    def handler(*args: object) -> int:
        seen.append(gc.isenabled())
        return 0

    pause_while_starting()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(review, "run", handler)
        assert main(["review", "-c", str(EXAMPLES / "lightspeed-stack-service.yaml")]) == 0
    assert seen == [True]
    capsys.readouterr()
