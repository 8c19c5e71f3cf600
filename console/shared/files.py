"""What a path given as a file is, when it is not a regular file one can read at once.

A named pipe (FIFO) blocks whoever opens it until a writer comes, a device such as
/dev/zero never ends, a socket cannot be read, and a loop of symbolic links is not a
missing file: ``Path.exists()`` says False for it, which made the console report
"no such file" for a path that is there. Each gets its own words here.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path


def not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` is not a regular file (as the rest of a message: "is a folder..."),
    or None when it is one. Symbolic links are followed."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "is a broken symbolic link" if path.is_symlink() else "does not exist"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "is a loop of symbolic links (ELOOP: too many levels of symbolic links)"
        return f"cannot be read ({error.strerror or error})"
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file: reading it waits for a writer"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file: reading it would never end"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"


def is_missing(path: Path) -> bool:
    """Whether nothing is at ``path`` (a loop of symbolic links is something)."""
    try:
        path.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False
