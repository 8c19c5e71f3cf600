"""The lifeline: a stop signal, a gone terminal or a gone parent ends the program.

Each case runs a small program in its own process (the lifeline may end it with
``os._exit``); the bounds are hang guards, not what the test measures.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROGRAM = """
import os, sys, time
from pathlib import Path
from console.shared.lifeline import Lifeline

marks = Path(sys.argv[1])
stop = []
def ask():
    (marks / "asked").write_text("1")
    if sys.argv[2] == "obeys":
        stop.append(1)
def cleanup():
    (marks / "cleaned").write_text("1")
terminal = 0 if sys.argv[3] == "terminal" else None
with Lifeline(ask, cleanup=cleanup, terminal_fd=terminal, grace_s=0.5, poll_s=0.1):
    (marks / "ready").write_text("1")
    deadline = time.monotonic() + 60
    while not stop and time.monotonic() < deadline:
        time.sleep(0.05)
(marks / "ended").write_text("1")
"""


def start(
    tmp_path: Path, behaviour: str, watch: str = "signals", **options: object
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", PROGRAM, str(tmp_path), behaviour, watch],
        **options,  # type: ignore[call-overload]
    )
    deadline = time.monotonic() + 30
    while not (tmp_path / "ready").exists():
        assert time.monotonic() < deadline, "the program never started"
        assert process.poll() is None, "the program ended before it was ready"
        time.sleep(0.05)
    return process


def marks(tmp_path: Path) -> set[str]:
    return {path.name for path in tmp_path.iterdir()}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda sig: sig.name)
def test_a_stop_signal_asks_the_program_to_end(tmp_path: Path, sig: signal.Signals) -> None:
    process = start(tmp_path, "obeys")
    process.send_signal(sig)
    assert process.wait(timeout=30) == 0
    assert marks(tmp_path) == {"ready", "asked", "ended"}  # no cleanup: it ended itself


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda sig: sig.name)
def test_a_program_that_cannot_end_is_cleaned_up_and_ended(
    tmp_path: Path, sig: signal.Signals
) -> None:
    process = start(tmp_path, "hangs")
    process.send_signal(sig)
    assert process.wait(timeout=30) == 128 + sig
    assert marks(tmp_path) == {"ready", "asked", "cleaned"}


def test_a_terminal_closed_without_a_signal_ends_the_program(tmp_path: Path) -> None:
    """Not the terminal's session leader: closing it sends no SIGHUP, reads just fail."""
    master, slave = pty.openpty()
    try:
        process = start(
            tmp_path, "obeys", "terminal", stdin=slave, stdout=slave, start_new_session=True
        )
    finally:
        os.close(slave)
    os.close(master)
    assert process.wait(timeout=30) == 0
    assert marks(tmp_path) == {"ready", "asked", "ended"}


def test_leaving_the_lifeline_restores_the_signal_handlers() -> None:
    from console.shared.lifeline import STOP_SIGNALS, Lifeline

    before = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    with Lifeline(lambda: None):
        assert all(signal.getsignal(sig) is not before[sig] for sig in STOP_SIGNALS)
    assert {sig: signal.getsignal(sig) for sig in STOP_SIGNALS} == before
