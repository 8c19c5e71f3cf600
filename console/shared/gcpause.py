"""Holding off Python's cyclic garbage collector while a large tree of objects is built,
and while the console starts.

Each full collection walks every object made so far, so building a tree of a million
objects with the collector on takes time that grows faster than the tree: reading a
run.yaml ten times larger took twelve times longer. The trees built here hold no
reference cycles, so nothing is lost by collecting later, which Python does on its own
once the collector is back on. A start is the same: imports and objects that live as long
as the process (`pause_while_starting`, `started`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    """Counts the holders; the collector is off while any holds, as it was after the last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    def hold(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1

    def release(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._was_enabled:
                gc.enable()


class _Start:
    """The start's hold on the pause: taken once, given back once."""

    def __init__(self) -> None:
        self.holding = False

    def hold(self) -> None:
        if not self.holding:
            self.holding = True
            _PAUSE.hold()

    def release(self) -> None:
        if self.holding:
            self.holding = False
            gc.freeze()  # what the start made stays out of every later collection's walk
            _PAUSE.release()


_PAUSE = _Pause()
_START = _Start()


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off for the block; nested and concurrent blocks share one pause."""
    _PAUSE.hold()
    try:
        yield
    finally:
        _PAUSE.release()


def pause_while_starting() -> None:
    """The collector off until `started` (`console.cli.run`, before a command is imported)."""
    _START.hold()


def started() -> None:
    """The start is over (a command about to run; the TUI's first frame up): collect again."""
    _START.release()
