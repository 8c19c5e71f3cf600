"""What a second Ctrl+C does once the first has stopped a command: end the process at once.

The first Ctrl+C raises ``KeyboardInterrupt``; the command unwinds (asyncio cancels its
tasks, sessions are closed) and says "interrupted", exit 130. An impatient operator presses
Ctrl+C again meanwhile, and Python would raise a second ``KeyboardInterrupt`` wherever the
process then is (the cleanup, the message, the interpreter's exit), with a traceback. So
after the first, every further SIGINT ends the process on the spot with the same 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Coroutine
from types import FrameType
from typing import Any

from console.shared.exitcodes import ExitCode

INTERRUPTED = ExitCode.INTERRUPTED
"""The exit code of a command stopped by Ctrl+C (128 + SIGINT), as a shell reports it."""


_said = threading.Event()
"""Set once "interrupted" has been written, so that the last resort does not repeat it."""


def say_interrupted() -> None:
    """Tell the operator the command was stopped (once, on stderr)."""
    from console.shared.output import narrate

    narrate("interrupted")
    _said.set()


def _leave(_signum: int, _frame: FrameType | None) -> None:
    for stream in (sys.stderr, sys.stdout):
        with contextlib.suppress(Exception):  # a stream mid-write, closed, or gone
            stream.flush()
    if not _said.is_set():  # the second Ctrl+C came before the first was answered
        with contextlib.suppress(Exception):  # os.write: no buffer a signal could land in
            os.write(sys.stderr.fileno(), b"\ninterrupted\n")
    os._exit(INTERRUPTED)


def leave_on_next_interrupt() -> None:
    """From now on, SIGINT ends the process at once with `INTERRUPTED` (no traceback).

    ``os._exit``: nothing more is waited for; what the command writes is data already
    flushed or lost to the interrupt anyway. The CLI's blocking calls run in daemon threads
    (`console.shared.blocking`), so the first Ctrl+C is already prompt; this is the last
    resort for the second. Only the main thread may set a signal handler; elsewhere (an
    embedding host's worker thread) this does nothing.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _leave)


def ignore_interrupts() -> None:
    """From now on SIGINT is ignored: the process is exiting with its code already chosen.

    The interpreter's finalization puts back the default action of every signal it
    handled, so a Ctrl+C landing then would kill the process by the signal (a status of
    -2, not 130); an ignored one is left ignored. Finalization is short: no blocking call
    is waited for.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_coroutine[T](main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, where Ctrl+C cancels ``main`` and raises ``KeyboardInterrupt``.

    asyncio's own handler cancels the main task on the first Ctrl+C and raises
    ``KeyboardInterrupt`` on the second from wherever the loop then is, which can break the
    loop mid-cancellation ("Event loop stopped before Future completed", an internal error
    instead of 130). Here the first one cancels the task the same way.

    From the first Ctrl+C on, another one ends the process at once (`leave_on_next_interrupt`),
    with no window in which it could land inside the loop's own unwinding. Off the main
    thread (no signal handler can be set there) this is plain ``asyncio.run``.
    """
    import asyncio

    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(main)
    with asyncio.Runner() as runner:
        loop = runner.get_loop()
        task = loop.create_task(main)
        interrupted = threading.Event()

        def first_interrupt(_signum: int, _frame: FrameType | None) -> None:
            leave_on_next_interrupt()
            interrupted.set()
            task.cancel()
            loop.call_soon_threadsafe(lambda: None)  # wake a loop asleep in select()

        previous = signal.signal(signal.SIGINT, first_interrupt)
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if interrupted.is_set():
                raise KeyboardInterrupt from None
            raise
        finally:
            if signal.getsignal(signal.SIGINT) is first_interrupt:
                signal.signal(signal.SIGINT, previous)
