"""The console on a real terminal (a pty), as an operator runs it, for tests and benchmarks.

`on_terminal` starts the command with a pty as its stdin, stdout and stderr, in a session of
its own, and reads everything it draws in a background thread (a program that draws more
than the pty buffers would otherwise stop). ``subprocess`` starts it, not ``pty.fork``: the
test process runs servers in threads, and a bare fork of a threaded process may deadlock.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress


class Terminal:
    """A running program on a pty: what it drew so far, keys to type, signals to send."""

    def __init__(self, process: subprocess.Popen[bytes], fd: int) -> None:
        self.process = process
        self.fd = fd
        self._drawn = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._drawn += chunk

    @property
    def drawn(self) -> bytes:
        """Everything the program wrote to the terminal so far."""
        with self._lock:
            return bytes(self._drawn)

    def drawn_to_the_end(self, timeout: float = 5.0) -> bytes:
        """Everything the program wrote, once it has exited and its pty is read to the end."""
        self.process.wait(timeout=timeout)
        self._reader.join(timeout)
        return self.drawn

    def wait_for(self, marker: bytes, timeout: float) -> bool:
        """Whether ``marker`` was drawn within ``timeout`` seconds (from now)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in self.drawn:
                return True
            if self.process.poll() is not None:
                return marker in self.drawn
            time.sleep(0.05)
        return False

    def type(self, keys: bytes) -> None:
        """Type ``keys`` (``b"\\x11"`` is ctrl+q)."""
        os.write(self.fd, keys)

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the program (as the terminal's ctrl+c sends SIGINT)."""
        self.process.send_signal(sig)

    def exited_within(self, timeout: float) -> float | None:
        """Seconds until the program exited, or None if it still runs after ``timeout``."""
        started = time.monotonic()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return time.monotonic() - started


@contextmanager
def on_terminal(
    argv: Sequence[str], env: Mapping[str, str], size: tuple[int, int] = (120, 40)
) -> Iterator[Terminal]:
    """Run ``argv`` on a fresh pty of ``size`` (columns, rows); killed if it outlives the block."""
    master, slave = pty.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        list(argv),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={"TERM": "xterm-256color", **env},
        start_new_session=True,
    )
    os.close(slave)
    terminal = Terminal(process, master)
    try:
        yield terminal
    finally:
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        with suppress(OSError):
            os.close(master)
