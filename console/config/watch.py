"""Noticing that a configuration file changed on disk, cheaply enough to poll every second.

A signature is each file's (mtime in ns, size), or None when it cannot be read; comparing
two signatures says which files changed without reading them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

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
