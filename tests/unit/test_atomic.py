"""Atomic writes: the target is either the old file or the new one, mode kept, links refused."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from console.shared.atomic import NEW_FILE_MODE, WriteFailed, WriteRefused, write_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_0600(tmp_path: Path) -> None:
    target = tmp_path / "run_.yaml"
    result = write_atomic(target, "a: 1\n")
    assert target.read_text() == "a: 1\n"
    assert mode(target) == NEW_FILE_MODE == 0o600
    assert result.created


def test_existing_file_needs_overwrite_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "run.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    with pytest.raises(WriteRefused, match="already exists"):
        write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    write_atomic(target, "new\n", overwrite=True)
    assert target.read_text() == "new\n"
    assert mode(target) == 0o640


def test_backup_keeps_previous_contents(tmp_path: Path) -> None:
    target = tmp_path / "run.yaml"
    target.write_text("old\n")
    result = write_atomic(target, "new\n", overwrite=True, backup=True)
    assert result.backup == tmp_path / "run.yaml.bak"
    assert result.backup.read_text() == "old\n"


def test_symlink_target_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "precious.yaml"
    secret.write_text("keep\n")
    folder = tmp_path / "chosen"
    folder.mkdir()
    (folder / "run_.yaml").symlink_to(secret)
    with pytest.raises(WriteRefused, match="symbolic link"):
        write_atomic(folder / "run_.yaml", "evil\n", overwrite=True)
    assert secret.read_text() == "keep\n"


def test_no_temp_files_left_behind(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.yaml", "x\n")
    write_atomic(tmp_path / "a.yaml", "y\n", overwrite=True, backup=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "a.yaml.bak"]


def test_missing_folder_and_directory_target(tmp_path: Path) -> None:
    with pytest.raises(WriteRefused, match="does not exist"):
        write_atomic(tmp_path / "nope" / "a.yaml", "x\n")
    (tmp_path / "dir").mkdir()
    with pytest.raises(WriteRefused, match="not a regular file"):
        write_atomic(tmp_path / "dir", "x\n", overwrite=True)


def test_failed_write_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "run.yaml"
    target.write_text("old\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(WriteFailed, match="No space") as failed:
        write_atomic(target, "new\n", overwrite=True)
    assert "Free space on the file system" in failed.value.remedy
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run.yaml"]
