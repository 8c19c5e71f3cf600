"""Noticing that a configuration file changed on disk, cheaply enough to poll every second.

A signature is each file's (mtime in ns, size), or None when it cannot be read; comparing
two signatures says which files changed without reading them. `FileWatcher` keeps the
signature last seen, so its owner only asks "what changed since?"; the stat calls run in a
thread, so a slow or network file system never holds up an event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from console.shared.blocking import run_blocking

Signature = dict[Path, tuple[int, int] | None]


def file_signature(paths: Iterable[Path]) -> Signature:
    """The current signature of ``paths`` (stat only: no file is opened)."""
    signature: Signature = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            signature[path] = None
            continue
        signature[path] = (info.st_mtime_ns, info.st_size)
    return signature


def changed(before: Signature, after: Signature) -> list[Path]:
    """Files present in both signatures whose signature differs (a new file is not a change)."""
    return [path for path, seen in after.items() if path in before and before[path] != seen]


def _never() -> bool:
    return False


class FileWatcher:
    """The files' signature as last seen (the baseline), and which of them changed since."""

    def __init__(self) -> None:
        self.baseline: Signature | None = None
        """None until the first poll: there is nothing to compare with before it."""

    async def poll(self, paths: Iterable[Path], *, busy: Callable[[], bool] = _never) -> list[Path]:
        """The files of ``paths`` that changed since the last poll, in the order given.

        The first poll only takes the baseline, whatever else is going on. ``busy`` is asked
        once the files were looked at: while it says so (the files are being re-read), nothing
        is decided and the baseline stays, so the next poll compares against it again. A path
        new to the list is not a change: it joins the baseline.
        """
        current = await run_blocking(file_signature, list(paths))
        if self.baseline is None:
            self.baseline = current
            return []
        if busy():
            return []
        before, self.baseline = self.baseline, current
        return changed(before, current)

    async def rebase(self, paths: Iterable[Path]) -> None:
        """Take the files as they are now as the baseline (they were just re-read)."""
        self.baseline = await run_blocking(file_signature, list(paths))
