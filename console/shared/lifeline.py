"""The TUI's lifeline: it ends, and cleans up after itself, once it has no one to answer.

A console whose terminal was closed (``tmux kill-session``, a dropped ssh session), which
was sent SIGTERM or SIGHUP, or whose ``serve`` went away (a browser tab's console), must
end: it holds credentials, and the demo holds servers and temp files. `Lifeline` says how
each of these is noticed without relying on a signal arriving, or on the app's shutdown
finishing.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Callable
from types import TracebackType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""The signals that end the console (SIGINT is Ctrl+C's, which the console reads as a key)."""
GRACE_S = 10.0
"""How long the app has to end once asked, before the process is ended for it."""
POLL_S = 1.0
"""How often the terminal and the parent process are looked at."""

_CLOSE = b"\0"


class Lifeline:
    """While in a ``with``: a stop signal, a gone terminal or a gone parent ends the program.

    ``ask_to_stop`` is called from the lifeline's thread and must not block (the app posts
    its own exit). ``cleanup`` runs only if the program has not ended within ``grace_s``,
    from that thread, just before the process ends.

    Each of these was seen to fail before:

    - SIGTERM and SIGHUP were turned into SIGINT, so Python raised ``KeyboardInterrupt``
      wherever the main thread was. Inside a ``queue.Queue`` operation of Textual's output
      thread, that can lose a wake-up: the output thread sleeps forever, the queue fills,
      and the app blocks writing its last frame, leaving the demo's servers and temp files
      behind. Here a signal only writes a byte to a pipe (nothing else is safe in a
      handler), and a thread reads it.
    - A closed terminal does not always come with a signal (a process that is not the
      terminal's session leader gets none): the thread also looks at the terminal each
      `POLL_S`, and one that answers EIO is gone.
    - Asking the app to quit is not enough if its shutdown hangs (its writes to a gone
      terminal): after `GRACE_S` the thread runs the cleanup itself (the demo's sandbox)
      and ends the process with ``128 + signal``.

    A ``serve`` tab's console has no terminal; it watches its parent, ``serve``, instead
    (`console.serving.tabs`): a ``serve`` ended by SIGKILL leaves no console behind either.
    """

    def __init__(
        self,
        ask_to_stop: Callable[[], object],
        *,
        cleanup: Callable[[], object] | None = None,
        terminal_fd: int | None = None,
        parent_pid: int | None = None,
        grace_s: float = GRACE_S,
        poll_s: float = POLL_S,
    ) -> None:
        self._ask_to_stop = ask_to_stop
        self._cleanup = cleanup
        self._terminal_fd = terminal_fd
        self._parent_pid = parent_pid
        self._grace_s = grace_s
        self._poll_s = poll_s
        self._pipe: tuple[int, int] | None = None
        self._thread: threading.Thread | None = None
        self._previous: dict[int, object] = {}
        self.reason: int | None = None
        """The signal the program is ending on (SIGHUP for a gone terminal or parent)."""

    def __enter__(self) -> Lifeline:
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)  # a handler must never wait
        self._pipe = (read_end, write_end)
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._on_signal)
        self._thread = threading.Thread(target=self._watch, name="lifeline", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._previous.clear()
        if self._pipe is None:
            return
        read_end, write_end = self._pipe
        with contextlib.suppress(OSError):
            os.write(write_end, _CLOSE)
        if self._thread is not None:
            self._thread.join(timeout=5)
        os.close(write_end)
        os.close(read_end)
        self._pipe = None

    def _on_signal(self, signum: int, frame: object) -> None:
        """The handler: one byte into the pipe (a write is all a handler may safely do)."""
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                os.write(self._pipe[1], bytes([signum]))

    def _watch(self) -> None:
        assert self._pipe is not None
        read_end = self._pipe[0]
        while self.reason is None:
            ready, _, _ = select.select([read_end], [], [], self._poll_s)
            if ready:
                byte = os.read(read_end, 1)
                if byte in (b"", _CLOSE):
                    return  # the program ended on its own
                self.reason = byte[0]
            elif self._terminal_gone() or self._parent_gone():
                self.reason = signal.SIGHUP
        with contextlib.suppress(Exception):  # the app may be gone already
            self._ask_to_stop()
        if self._ended_within(read_end, self._grace_s):
            return
        if self._cleanup is not None:
            with contextlib.suppress(Exception):
                self._cleanup()
        os._exit(128 + self.reason)

    @staticmethod
    def _ended_within(read_end: int, seconds: float) -> bool:
        """Whether the program ends (closes the lifeline) within ``seconds``; later stop
        signals meanwhile are ignored."""
        import time

        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([read_end], [], [], left)
            if ready and os.read(read_end, 1) in (b"", _CLOSE):
                return True
        return False

    def _terminal_gone(self) -> bool:
        """Whether the terminal was hung up (it then answers every request with EIO)."""
        if self._terminal_fd is None:
            return False
        import termios

        try:
            termios.tcgetattr(self._terminal_fd)
        except termios.error as error:
            return bool(error.args) and error.args[0] == 5  # EIO
        except (OSError, ValueError):
            return True
        return False

    def _parent_gone(self) -> bool:
        """Whether the parent given has ended (the process was handed to another)."""
        return self._parent_pid is not None and os.getppid() != self._parent_pid


def terminal_of(stream: object) -> int | None:
    """The descriptor of ``stream`` if it is a terminal (the TUI's input), else None."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None
    return fd if isinstance(fd, int) and os.isatty(fd) else None
