"""What a second Ctrl+C does once the first has stopped a command: end the process at once.

Why: the first Ctrl+C raises ``KeyboardInterrupt``; the command unwinds (asyncio cancels its
tasks, sessions are closed) and says "interrupted", exit 130. An impatient operator presses
Ctrl+C again meanwhile, and Python raises a second ``KeyboardInterrupt`` wherever the
process is then: in the cleanup, in the message, or in the interpreter's own exit, which
prints a traceback. After the first, every further SIGINT ends the process on the spot
with the same 130 (``os._exit``: nothing more is waited for; what the command writes is
data already flushed or lost to the interrupt anyway). The CLI's blocking calls run in
daemon threads (`console.shared.blocking`), so the first Ctrl+C is already prompt; this is
the last resort for the second.

The very end is different: the interpreter's finalization puts back the default action of
every signal it handled, and a Ctrl+C that lands then kills the process by the signal
(a status of -2, not 130). From the moment the command returned, further Ctrl+Cs are
ignored (`ignore_interrupts`): finalization is short, since no blocking call is waited for.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from types import FrameType

from console.shared.exitcodes import ExitCode

INTERRUPTED = ExitCode.INTERRUPTED
"""The exit code of a command stopped by Ctrl+C (128 + SIGINT), as a shell reports it."""


def _leave(_signum: int, _frame: FrameType | None) -> None:
    for stream in (sys.stderr, sys.stdout):
        with contextlib.suppress(Exception):  # a stream mid-write, closed, or gone
            stream.flush()
    os._exit(INTERRUPTED)


def leave_on_next_interrupt() -> None:
    """From now on, SIGINT ends the process at once with `INTERRUPTED` (no traceback).

    Only the main thread may set a signal handler; elsewhere (an embedding host's worker
    thread) this does nothing.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _leave)


def ignore_interrupts() -> None:
    """From now on SIGINT is ignored: the process is exiting with its code already chosen.

    An ignored signal is left ignored by the interpreter's finalization (a handled one is
    put back to the default action, which would end the process by the signal instead).
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
