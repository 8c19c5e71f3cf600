"""A FIFO without a writer as the baseline or a profile never holds the console's first frame.

They are read as ``-c`` reads a pipe: in the doctor's worker, so the console paints and
quits at once while the read waits. A CA bundle that is a FIFO is refused before the
console starts (`tests/unit/test_small_files.py`). The bounds are hang guards.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.support.terminal import on_terminal

BOUND_S = 10.0


@pytest.mark.parametrize("given_as", ["--baseline", "profile"])
def test_a_fifo_as_baseline_or_profile_never_holds_the_first_frame(
    tmp_path: Path, given_as: str
) -> None:
    fifo = tmp_path / "baseline.yaml"
    os.mkfifo(fifo)
    text = (EXAMPLES / "lightspeed-stack-unified.yaml").read_text()
    if given_as == "profile":
        text = text.replace("baseline: byo-llm", f"profile: {fifo}")
    config = tmp_path / "lightspeed-stack.yaml"
    config.write_text(text)
    argv = [sys.executable, "-m", "console", "tui", "-c", str(config), "--read-only"]
    if given_as == "--baseline":
        argv += ["--baseline", str(fifo)]
    with on_terminal(argv, dict(os.environ)) as terminal:
        assert terminal.wait_for(b"Doctor", 30), "no first frame"
        time.sleep(1)  # the read of the FIFO has started, and waits for a writer
        terminal.type(b"\x11")  # ctrl+q
        assert terminal.exited_within(BOUND_S) is not None, "the console waited for the FIFO"
        assert terminal.process.returncode == 0
