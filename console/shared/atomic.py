"""Writing a user's file so that it is always either the old file or the complete new one.

A temp file in the same folder (so the rename cannot cross file systems), written, flushed
and fsynced, given the final mode, then renamed over the target, and the folder fsynced so
the rename itself survives a crash. A symlink as the target is refused: replacing it would
either write somewhere the operator did not name or silently turn the link into a file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

NEW_FILE_MODE = 0o600
"""A new run.yaml may hold inline secrets: owner read/write only, as Lightspeed writes it."""


@dataclass
class WriteRefused(Exception):
    """The write was not attempted; nothing on disk changed."""

    path: Path
    message: str
    remedy: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class WriteResult:
    """What was written, with which mode, and where the backup is (if one was kept)."""

    path: Path
    mode: int
    backup: Path | None
    created: bool


@dataclass(frozen=True)
class TargetFacts:
    """What is at a chosen path now, so a confirmation can say what a write will do."""

    path: Path
    exists: bool
    is_input: bool
    folder_exists: bool


def inspect_target(path: Path, source: Path) -> TargetFacts:
    """Look at ``path``: does it exist, is it the input file itself, is its folder there."""
    try:
        is_input = path.exists() and path.resolve() == source.resolve()
    except OSError:
        is_input = False
    return TargetFacts(
        path=path,
        exists=path.exists() or path.is_symlink(),
        is_input=is_input,
        folder_exists=path.parent.is_dir(),
    )


def write_atomic(
    target: Path, text: str, *, overwrite: bool = False, backup: bool = False
) -> WriteResult:
    """Atomically replace (or create) ``target`` with ``text``.

    ``overwrite`` must be true to replace an existing file; ``backup`` keeps the old
    contents as ``<name>.bak`` (written atomically too) before the replace.
    """
    _check_target(target, overwrite=overwrite)
    existing = _existing_mode(target)
    mode = existing if existing is not None else NEW_FILE_MODE
    backup_path: Path | None = None
    if backup and existing is not None:
        backup_path = target.with_name(target.name + ".bak")
        _check_target(backup_path, overwrite=True)
        _write_replace(backup_path, target.read_bytes(), existing)
    _write_replace(target, text.encode("utf-8"), mode)
    return WriteResult(target, mode, backup_path, created=existing is None)


def _check_target(target: Path, *, overwrite: bool) -> None:
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_symlink():
        raise WriteRefused(
            target,
            "the target is a symbolic link",
            f"Write to the file it points to ({os.path.realpath(target)}) explicitly, "
            "or remove the link.",
        )
    if not parent.is_dir():
        if parent.exists():
            raise WriteRefused(target, f"{parent} is a file, not a folder", "Choose a folder.")
        raise WriteRefused(
            target, f"the folder {parent} does not exist", "Create the folder first."
        )
    if target.exists() and not target.is_file():
        raise WriteRefused(
            target, "the target exists and is not a regular file", "Choose a file path."
        )
    if target.exists() and not overwrite:
        raise WriteRefused(
            target,
            "the file already exists",
            "Pass --force to replace it, or --in-place to rewrite the input and keep a .bak.",
        )
    if not os.access(parent, os.W_OK):
        raise WriteRefused(
            target,
            f"no permission to create files in {parent}",
            "Choose a folder you can write to.",
        )


def _existing_mode(target: Path) -> int | None:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return None


def _write_replace(target: Path, data: bytes, mode: int) -> None:
    parent = target.parent if str(target.parent) else Path(".")
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    _fsync_folder(parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
