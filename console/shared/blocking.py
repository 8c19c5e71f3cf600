"""`run_blocking`: a blocking call awaited from the event loop, which an exit never waits for.

Why not ``asyncio.to_thread``: it runs the call in the loop's default executor, and both
``asyncio.run`` (``shutdown_default_executor``, up to 300 s) and the interpreter's exit
(``concurrent.futures`` joins its workers at exit) wait for every call in it to return. A
token request to an authority that does not answer, or the open of a FIFO that nobody
writes, then keeps the process alive long after the operator quit (ctrl+q, Ctrl+C). A call
run here has a daemon thread of its own: the awaiting task can be cancelled at once, and
the process exits without waiting for the call, which is dropped with the process.

Use it for calls that read or ask (they can be repeated, and dropping one loses nothing):
the token request, reading the configuration files, stat calls, the SDK imports. Never for
a write that must finish or be undone (`console.shared.atomic`): that one stays joinable.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["run_blocking"]


async def run_blocking[**P, T](fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a daemon thread; its result or exception, awaited.

    Cancelling the awaiting task returns at once; the call goes on in its thread and its
    outcome is dropped. The context variables of the caller are seen by the call, as with
    ``asyncio.to_thread``.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(ok: bool, value: Any) -> None:
        if future.done():  # cancelled meanwhile: nobody wants the outcome any more
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def call() -> None:
        try:
            outcome: tuple[bool, Any] = (True, context.run(fn, *args, **kwargs))
        except BaseException as error:  # handed to the awaiting task, whatever it is
            outcome = (False, error)
        with contextlib.suppress(RuntimeError):  # a closed loop: the process is leaving
            loop.call_soon_threadsafe(settle, *outcome)

    name = f"blocking:{getattr(fn, '__qualname__', 'call')}"
    threading.Thread(target=call, name=name, daemon=True).start()
    return await future
