"""Writers for the race tests of `console.shared.atomic`: each runs in its own process.

They wait at a barrier so that all of them reach the write at the same moment, then say
what happened to them ("wrote", "exists", "changed", "holds-new") on a queue.
"""

from __future__ import annotations

from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from console.shared.atomic import TargetChanged, WriteRefused, write_atomic


def create(barrier: Barrier, target: str, text: str, results: Any) -> None:
    """Create ``target`` without consent to replace it."""
    barrier.wait()
    try:
        write_atomic(Path(target), text)
    except WriteRefused as refused:
        results.put(("exists" if "already exists" in refused.message else refused.message, text))
        return
    results.put(("wrote", text))


def rewrite(barrier: Barrier, target: str, original: str, text: str, results: Any) -> None:
    """Rewrite ``target`` from ``original`` (what this writer read) with a .bak."""
    barrier.wait()
    try:
        write_atomic(Path(target), text, overwrite=True, backup=True, expected=original)
    except TargetChanged as changed:
        results.put(("holds-new" if changed.holds_new else "changed", text))
        return
    results.put(("wrote", text))
