"""`FileWatcher`: the first poll takes the baseline, later ones say what changed since."""

from __future__ import annotations

import os
from pathlib import Path

from console.config.watch import FileWatcher


def touch_later(path: Path, text: str | None = None) -> None:
    """Change ``path`` so its signature differs even on a coarse-mtime file system."""
    if text is not None:
        path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def test_first_poll_is_the_baseline_then_changes_are_named(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("a: 1\n")
    b.write_text("b: 1\n")
    watcher = FileWatcher()
    assert watcher.baseline is None
    touch_later(a)
    assert await watcher.poll([a, b]) == []  # nothing to compare with yet
    assert await watcher.poll([a, b]) == []
    touch_later(b, "b: 2\n")
    assert await watcher.poll([a, b]) == [b]
    assert await watcher.poll([a, b]) == []  # reported once


async def test_a_busy_poll_keeps_the_baseline_for_the_next(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("a: 1\n")
    watcher = FileWatcher()
    await watcher.poll([a])
    touch_later(a)
    assert await watcher.poll([a], busy=lambda: True) == []
    assert await watcher.poll([a]) == [a]  # decided once nothing was running


async def test_a_busy_first_poll_still_takes_the_baseline(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("a: 1\n")
    watcher = FileWatcher()
    assert await watcher.poll([a], busy=lambda: True) == []
    assert watcher.baseline is not None
    touch_later(a)
    assert await watcher.poll([a]) == [a]


async def test_a_newly_watched_file_is_not_a_change(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("a: 1\n")
    b.write_text("b: 1\n")
    watcher = FileWatcher()
    await watcher.poll([a])
    assert await watcher.poll([a, b]) == []
    touch_later(b)
    assert await watcher.poll([a, b]) == [b]


async def test_a_file_that_disappears_or_appears_is_a_change(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("a: 1\n")
    watcher = FileWatcher()
    await watcher.poll([a])
    a.unlink()
    assert await watcher.poll([a]) == [a]
    a.write_text("a: 2\n")
    assert await watcher.poll([a]) == [a]


async def test_rebase_takes_the_files_as_they_are(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("a: 1\n")
    watcher = FileWatcher()
    await watcher.poll([a])
    touch_later(a)
    await watcher.rebase([a])  # the console re-read it: not a change any more
    assert await watcher.poll([a]) == []
