"""`write_atomic` under concurrency and as root: both promises hold with ten real writers.

"Never replace without consent": ten processes released together at one new path leave one
file, by one writer, and nine refusals. "``.bak`` holds the original": ten processes that all
read the original rewrite it with a backup; the .bak is the original every round. And a
replaced file keeps its owner and group but never its setuid, setgid or sticky bits.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from console.shared.atomic import NEW_FILE_MODE, TargetChanged, WriteRefused, write_atomic
from tests.support import atomic_workers

WORKERS = 10
ROUNDS = 4
IS_ROOT = os.geteuid() == 0
OTHER_UID, OTHER_GID = 54321, 54322
"""An owner that is not the test's (any number will do for root to chown to)."""


def race(worker: Any, args: Any) -> list[tuple[str, str]]:
    """Run ``WORKERS`` copies of ``worker`` (``args(i)``: the i-th one's) in their own
    processes, released together."""
    context = multiprocessing.get_context("forkserver")  # clean processes, started cheaply
    context.set_forkserver_preload(["tests.support.atomic_workers"])
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    processes = [
        context.Process(target=worker, args=(barrier, *args(index), results))
        for index in range(WORKERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return outcomes


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_racing_creates_make_one_file_and_nine_refusals(tmp_path: Path, round_: int) -> None:
    target = tmp_path / "run_.yaml"
    outcomes = race(atomic_workers.create, lambda i: (str(target), f"writer: {i}\n"))
    wrote = [text for outcome, text in outcomes if outcome == "wrote"]
    assert len(wrote) == 1, outcomes
    assert sorted(outcome for outcome, _ in outcomes) == ["exists"] * 9 + ["wrote"]
    assert target.read_text() == wrote[0]
    assert stat.S_IMODE(target.stat().st_mode) == NEW_FILE_MODE
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_racing_rewrites_keep_the_original_in_the_backup(tmp_path: Path, round_: int) -> None:
    target = tmp_path / "run.yaml"
    original = "providers: {}  # the original\n"
    enriched = "providers: {}  # enriched\n"
    target.write_text(original)
    outcomes = race(atomic_workers.rewrite, lambda i: (str(target), original, enriched))
    assert sorted(outcome for outcome, _ in outcomes) == ["holds-new"] * 9 + ["wrote"]
    assert (tmp_path / "run.yaml.bak").read_text() == original
    assert target.read_text() == enriched
    assert leftovers(tmp_path) == []


def test_a_rewrite_from_a_stale_read_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "run.yaml"
    target.write_text("edited by someone after the read\n")
    with pytest.raises(TargetChanged) as changed:
        write_atomic(target, "new\n", overwrite=True, backup=True, expected="as read\n")
    assert not changed.value.holds_new
    assert "Run the command again" in changed.value.remedy
    assert target.read_text() == "edited by someone after the read\n"
    assert not (tmp_path / "run.yaml.bak").exists()


def test_a_rewrite_of_a_file_removed_since_the_read_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "run.yaml"
    with pytest.raises(TargetChanged, match="removed"):
        write_atomic(target, "new\n", overwrite=True, backup=True, expected="as read\n")
    assert list(tmp_path.iterdir()) == []


def test_the_backup_is_compared_as_the_loader_decodes(tmp_path: Path) -> None:
    """A BOM the loader dropped is no change: the .bak keeps the bytes, BOM included."""
    target = tmp_path / "run.yaml"
    target.write_bytes(b"\xef\xbb\xbfa: 1\n")
    write_atomic(target, "a: 2\n", overwrite=True, backup=True, expected="a: 1\n")
    assert (tmp_path / "run.yaml.bak").read_bytes() == b"\xef\xbb\xbfa: 1\n"


def owned_elsewhere(path: Path, mode: int) -> None:
    """Give ``path`` another owner (as root) and ``mode``; as another user, only the mode."""
    if IS_ROOT:
        os.chown(path, OTHER_UID, OTHER_GID)
    path.chmod(mode)


def owner(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_uid, info.st_gid


@pytest.mark.parametrize("backup", [False, True], ids=["replace", "in-place"])
def test_a_replaced_file_keeps_its_owner_and_drops_special_bits(
    tmp_path: Path, backup: bool
) -> None:
    target = tmp_path / "run.yaml"
    target.write_text("old\n")
    owned_elsewhere(target, 0o6755 | stat.S_ISVTX)
    before = owner(target)
    result = write_atomic(target, "new\n", overwrite=True, backup=backup, expected="old\n")
    assert target.read_text() == "new\n"
    written = [target, *([result.backup] if result.backup else [])]
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o755, path
        if IS_ROOT:
            assert owner(path) == before == (OTHER_UID, OTHER_GID), path
        else:  # another user's write makes the file theirs, as any file they write is
            assert owner(path)[0] == os.geteuid(), path
    assert result.mode == 0o755


def test_a_new_file_is_the_writers_own(tmp_path: Path) -> None:
    result = write_atomic(tmp_path / "run_.yaml", "new\n")
    assert owner(result.path)[0] == os.geteuid()
    assert result.created


def test_without_hard_links_a_new_file_is_still_created_exclusively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without link(2) (FAT, some network ones): O_EXCL on the target instead."""

    def no_links(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "run_.yaml"
    write_atomic(target, "first\n")
    assert target.read_text() == "first\n"
    assert stat.S_IMODE(target.stat().st_mode) == NEW_FILE_MODE
    with pytest.raises(WriteRefused, match="already exists"):
        write_atomic(target, "second\n")
    assert target.read_text() == "first\n"
    assert leftovers(tmp_path) == []
