"""Writing a user's file so that it is always either the old file or the complete new one.

A temp file in the same folder (so the rename cannot cross file systems), written, flushed
and fsynced, given the final mode (and owner), then put in place, and the folder fsynced so
that survives a crash too. A symlink as the target is refused: replacing it would either
write somewhere the operator did not name or silently turn the link into a file.

Each promise holds when several writers race, not only when one runs alone:

- "never replace without consent": a new file is created exclusively, the complete temp file
  hard-linked to the target name (which fails if anything is there by then), so of ten
  concurrent writers exactly one creates it and nine are refused;
- "``.bak`` holds the original": a rewrite with a backup holds an exclusive lock on the
  target and checks, under it, that the file still holds the text the new one was made from;
  a writer that read it before another one rewrote it is refused instead of backing up (and
  enriching) the already-rewritten file;
- a replaced file keeps its owner and group (a root ``enrich`` of another user's file must
  not hand it to root) and its permission bits, never setuid, setgid or sticky.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NEW_FILE_MODE = 0o600
"""A new run.yaml may hold inline secrets: owner read/write only, as Lightspeed writes it."""

PERMISSION_BITS = 0o777
"""What a replacement keeps of the old mode: read, write, execute; never setuid, setgid or
sticky (a root write would otherwise leave a setuid file it wrote itself)."""

_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS, errno.EXDEV}
)
"""link(2) errors of file systems without hard links (FAT, some network and FUSE ones)."""


@dataclass
class WriteRefused(Exception):
    """The write was not attempted; nothing on disk changed."""

    path: Path
    message: str
    remedy: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class WriteFailed(WriteRefused):
    """Writing failed (a full disk, a quota, an I/O error); nothing on disk changed: the
    target and any ``.bak`` are as they were, and no temp file is left."""

    errno: int | None = None


def _failed(target: Path, error: OSError) -> WriteFailed:
    folder = _folder(target)
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        remedy = (
            f"Free space on the file system of {folder} (or choose another folder), "
            "then run the command again."
        )
    else:
        remedy = (
            f"Check {folder} (permissions, free space, a read-only file system), then run again."
        )
    return WriteFailed(target, f"{reason} (nothing was changed)", remedy, error.errno)


@dataclass
class TargetChanged(WriteRefused):
    """The target no longer holds the text the new one was made from (another writer)."""

    holds_new: bool = False
    """It holds exactly the new text already: another run did the same write."""


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


@dataclass(frozen=True)
class _Kept:
    """What a replacement keeps of the file it replaces."""

    mode: int
    uid: int
    gid: int

    @classmethod
    def of(cls, info: os.stat_result) -> _Kept:
        return cls(stat.S_IMODE(info.st_mode) & PERMISSION_BITS, info.st_uid, info.st_gid)


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
    target: Path,
    text: str,
    *,
    overwrite: bool = False,
    backup: bool = False,
    expected: str | None = None,
) -> WriteResult:
    """Atomically create ``target`` with ``text``, or replace it when ``overwrite`` says so.

    Without ``overwrite`` the file is created exclusively: `WriteRefused` if anything is at
    the path, even one that appeared a moment ago. ``backup`` keeps the old contents as
    ``<name>.bak`` (written atomically too), under a lock on the target; ``expected`` is the
    text ``text`` was made from (as the loader decoded it), and the target must still hold
    it, else `TargetChanged`. An error while writing (a full disk) is `WriteFailed`, with
    nothing changed: the new file and the backup are both complete before either is put in
    place.
    """
    _check_target(target, overwrite=overwrite)
    data = text.encode("utf-8")
    try:
        if not overwrite:
            return _create(target, data)
        if backup:
            return _rewrite_with_backup(target, data, expected)
        kept = _kept(target)
        _replace(target, data, kept)
    except OSError as error:
        raise _failed(target, error) from None
    return WriteResult(target, kept.mode if kept else NEW_FILE_MODE, None, created=kept is None)


def _check_target(target: Path, *, overwrite: bool) -> None:
    parent = _folder(target)
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
        raise _already_exists(target)  # a first look: the exclusive create decides
    if not os.access(parent, os.W_OK):
        raise WriteRefused(
            target,
            f"no permission to create files in {parent}",
            "Choose a folder you can write to.",
        )


def _kept(target: Path) -> _Kept | None:
    try:
        return _Kept.of(target.lstat())
    except FileNotFoundError:
        return None


def _create(target: Path, data: bytes) -> WriteResult:
    """Create ``target`` exclusively: the complete temp file linked to its name, or refused."""
    temp = _temp_file(target, data, None)
    try:
        os.link(temp, target, follow_symlinks=False)
    except FileExistsError:
        raise _already_exists(target) from None
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        _create_in_place(target, data)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    _fsync_folder(_folder(target))
    return WriteResult(target, NEW_FILE_MODE, None, created=True)


def _create_in_place(target: Path, data: bytes) -> None:
    """Without hard links: O_EXCL on the target itself. Still never replaces a file; a
    reader may see it before it is complete, and a failure removes it."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, NEW_FILE_MODE)
    except FileExistsError:
        raise _already_exists(target) from None
    try:
        try:
            _write_all(fd, data)
            os.fchmod(fd, NEW_FILE_MODE)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        raise


def _already_exists(target: Path) -> WriteRefused:
    return WriteRefused(
        target,
        "the file already exists",
        "Pass --force to replace it, or --in-place to rewrite the input and keep a .bak.",
    )


def _rewrite_with_backup(target: Path, data: bytes, expected: str | None) -> WriteResult:
    """Replace ``target`` and keep what it held as ``<name>.bak``, under the target's lock."""
    backup_path = target.with_name(target.name + ".bak")
    with _locked(target) as locked:
        if locked is None:  # nothing there: there is nothing to back up either
            if expected is not None:
                raise TargetChanged(target, "the file was removed after it was read", _RUN_AGAIN)
            kept = None
        else:
            fd, info = locked
            current = _read_all(fd)
            if expected is not None and _decoded(current) != expected:
                holds_new = current == data
                raise TargetChanged(
                    target,
                    "another run wrote it meanwhile: it already holds the new text"
                    if holds_new
                    else "the file changed after it was read (another writer?)",
                    _RUN_AGAIN,
                    holds_new=holds_new,
                )
            kept = _Kept.of(info)
            _check_target(backup_path, overwrite=True)
            _replace_both(target, data, backup_path, current, kept)
        if kept is None:
            _replace(target, data, kept)
    if kept is None:
        return WriteResult(target, NEW_FILE_MODE, None, created=True)
    return WriteResult(target, kept.mode, backup_path, created=False)


_RUN_AGAIN = "Nothing was written. Run the command again: it reads the file as it is now."


def _replace_both(target: Path, data: bytes, backup: Path, current: bytes, kept: _Kept) -> None:
    """Put ``data`` at ``target`` and ``current`` at ``backup``, both complete first.

    The new file is written first, then the backup: a disk that fills on either leaves
    neither in place (a ``.bak`` beside an unchanged file, as a full disk used to leave,
    says a rewrite happened that did not). Only then are both renamed, the backup first.
    """
    new_temp = _temp_file(target, data, kept)
    try:
        backup_temp = _temp_file(backup, current, kept)
    except BaseException:
        new_temp.unlink(missing_ok=True)
        raise
    try:
        os.replace(backup_temp, backup)
        os.replace(new_temp, target)
    except BaseException:
        backup_temp.unlink(missing_ok=True)
        new_temp.unlink(missing_ok=True)
        raise
    _fsync_folder(_folder(target))


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[tuple[int, os.stat_result] | None]:
    """An exclusive flock on the file now at ``target`` (None if there is none).

    A writer that was waiting while another replaced the file holds a lock on the old
    one, so the lock is taken again until it is on the file the path names.
    """
    while True:
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            yield None
            return
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise WriteRefused(
                    target, "the target is a symbolic link", "Remove the link."
                ) from None
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            info = os.fstat(fd)
            try:
                now = target.lstat()
            except FileNotFoundError:
                now = None
            if now is not None and (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino):
                yield fd, info
                return
        finally:
            os.close(fd)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _decoded(data: bytes) -> str | None:
    """``data`` as the loader decodes a file (UTF-8, a BOM dropped), or None if it is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _temp_file(target: Path, data: bytes, kept: _Kept | None) -> Path:
    """A complete, fsynced temp file beside ``target`` with its final owner and mode."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=_folder(target))
    temp = Path(temp_name)
    try:
        try:
            _write_all(fd, data)
            if kept is not None:
                _keep_owner(fd, kept)
            os.fchmod(fd, kept.mode if kept else NEW_FILE_MODE)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    return temp


def _write_all(fd: int, data: bytes) -> None:
    """``data`` to ``fd`` with os.write until all of it is written (or an error, such as a
    full disk, is raised). os.write is the one place bytes reach a file here: the tests
    make the disk fill by replacing it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _keep_owner(fd: int, kept: _Kept) -> None:
    """Give the new file the old one's owner and group, as far as this process may.

    Root may give any; another user keeps the group if it is one of theirs, and otherwise
    the file is theirs, as any file they write is. Before the mode: a chown clears setuid.
    """
    try:
        os.fchown(fd, kept.uid, kept.gid)
    except PermissionError:
        with contextlib.suppress(PermissionError):
            os.fchown(fd, -1, kept.gid)


def _replace(target: Path, data: bytes, kept: _Kept | None) -> None:
    """Put a complete temp file in place of ``target`` with one rename."""
    temp = _temp_file(target, data, kept)
    try:
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    _fsync_folder(_folder(target))


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
