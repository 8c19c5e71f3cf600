"""A real terminal for the first-frame bench: a pseudo-terminal whose output is read.

What a user waits for is the time from pressing Enter to the screen showing the app. The
command runs on its own pseudo-terminal (so Textual starts its real Linux driver, as in a
terminal window), and what it writes there is read as it comes, until the app's marker
text shows. The time runs from just before the process is spawned. Reading the stream,
rather than polling a terminal emulator's screen, costs the machine nothing while the app
starts, so the floor and the console are timed alike even on a busy machine.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence

SIZE = (120, 40)
_ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
"""Control sequences (CSI, OSC, two-byte): what is left is the text put on the screen."""


def seconds_to_show(
    argv: Sequence[str], marker: str, env: Mapping[str, str], *, timeout: float = 20.0
) -> float:
    """Seconds from spawning ``argv`` on a fresh terminal until ``marker`` is on its screen."""
    leader, follower = os.openpty()
    columns, rows = SIZE
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    wanted = marker.encode()
    written = b""
    started = time.monotonic()
    process = subprocess.Popen(
        list(argv),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)},
        start_new_session=True,
    )
    os.close(follower)
    try:
        while time.monotonic() - started < timeout:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # the app ended: its terminal is gone
                break
            written += chunk
            if wanted in _ESCAPES.sub(b"", written):
                return time.monotonic() - started
        text = _ESCAPES.sub(b"", written).decode(errors="replace")
        raise RuntimeError(f"{marker!r} never showed; {argv[0]} wrote:\n{text[-1500:]}")
    finally:
        _stop(process)
        os.close(leader)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the app and whatever it started (its own session), at once."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue
