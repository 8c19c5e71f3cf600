"""A full disk never leaves a half-written file, a stray ``.bak`` or a temp file behind.

The disk is simulated in-process: every write into the test's folder (``os.write`` and
files from ``os.fdopen``) draws on a budget of free bytes, and a write beyond it fails
with ENOSPC after writing what fitted, as a real file system does.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from console.cli import main
from tests.conftest import EXAMPLES


class Disk:
    """The free bytes of the folder under test."""

    def __init__(self, folder: Path, free: int) -> None:
        self.folder = str(folder.resolve())
        self.free = free

    def ours(self, fd: int) -> bool:
        try:
            return os.readlink(f"/proc/self/fd/{fd}").startswith(self.folder)
        except OSError:
            return False

    def take(self, size: int) -> int:
        """How much of a ``size``-byte write fits; ENOSPC when nothing does."""
        if self.free <= 0 and size > 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fits = min(size, self.free)
        self.free -= fits
        return fits


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[int], Disk]:
    def make(free: int) -> Disk:
        found = Disk(tmp_path, free)
        real_write, real_fdopen = os.write, os.fdopen

        def write(fd: int, data: Any) -> int:
            if not found.ours(fd):
                return real_write(fd, data)
            return real_write(fd, bytes(data)[: found.take(len(data))])

        class Budgeted:
            def __init__(self, handle: Any, fd: int) -> None:
                self.handle, self.fd = handle, fd

            def write(self, data: bytes) -> int:
                written = 0
                while written < len(data):
                    written += write(self.fd, data[written:])
                return written

            def __enter__(self) -> Budgeted:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            handle = real_fdopen(fd, *args, **kwargs)
            return Budgeted(handle, fd) if found.ours(fd) else handle

        monkeypatch.setattr(os, "write", write)
        monkeypatch.setattr(os, "fdopen", fdopen)
        return found

    return make


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "lightspeed-stack.yaml"
    config.write_text((EXAMPLES / "lightspeed-stack-library.yaml").read_text())
    run = tmp_path / "run.yaml"
    run.write_text((EXAMPLES / "azure-run.yaml").read_text())
    return config, run


def enrich_in_place(config: Path, run: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["enrich", "-c", str(config), "-i", str(run), "--in-place"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "room",
    ["backup-only", "new-file-only", "nothing"],
)
def test_enrich_in_place_on_a_full_disk_changes_nothing(
    tmp_path: Path,
    files: tuple[Path, Path],
    disk: Callable[[int], Disk],
    capsys: pytest.CaptureFixture[str],
    room: str,
) -> None:
    """``backup-only``: room for the backup (the original's size) but not for the larger
    enriched file, which used to leave ``run.yaml.bak`` beside an unchanged run.yaml."""
    config, run = files
    original = run.read_bytes()
    free = {"backup-only": len(original) + 4, "new-file-only": len(original) + 40, "nothing": 0}
    disk(free[room])
    code, err = enrich_in_place(config, run, capsys)
    assert code == 2, err
    assert run.read_bytes() == original
    assert sorted(path.name for path in tmp_path.iterdir()) == ["lightspeed-stack.yaml", "run.yaml"]
    assert f"error: {run}: No space left on device (nothing was changed)" in err
    assert f"remedy: Free space on the file system of {tmp_path}" in err
    assert "Traceback" not in err


def test_an_earlier_backup_survives_a_full_disk(
    tmp_path: Path,
    files: tuple[Path, Path],
    disk: Callable[[int], Disk],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, run = files
    earlier = tmp_path / "run.yaml.bak"
    earlier.write_text("the backup of an earlier run\n")
    original = run.read_bytes()
    disk(len(original) + 4)
    code, _ = enrich_in_place(config, run, capsys)
    assert code == 2
    assert run.read_bytes() == original
    assert earlier.read_text() == "the backup of an earlier run\n"


def test_with_room_enough_the_rewrite_and_its_backup_happen(
    tmp_path: Path,
    files: tuple[Path, Path],
    disk: Callable[[int], Disk],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, run = files
    original = run.read_bytes()
    disk(3 * len(original))
    code, err = enrich_in_place(config, run, capsys)
    assert code == 0, err
    assert (tmp_path / "run.yaml.bak").read_bytes() == original
    assert b"model_validation: false" in run.read_bytes()
