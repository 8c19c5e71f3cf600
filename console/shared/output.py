"""How headless commands print: stdout is data (tables, diffs, JSON), stderr is narration.

Everything printed here has already passed through `console.shared.redact`; this module only lays
text out. Colour is used only when the stream is a terminal and NO_COLOR is unset.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

_STYLES = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1", "cyan": "36"}


class StdoutGone(Exception):
    """The reader of stdout went away (``| head`` read enough): the user's choice, not a fault.

    The command ends quietly with `ExitCode.BROKEN_PIPE`; nothing is said about it.
    """


def open_standard_streams() -> None:
    """Give a standard stream that was closed at start (``>&-``, ``2>&-``) /dev/null.

    A closed stdout is the user's way of discarding the data: the command runs as with
    ``>/dev/null`` and exits with its own code. Left closed, its descriptor would be the next
    one a file is opened on, and whatever is printed would be written into that file.
    """
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        devnull = os.open(os.devnull, os.O_RDWR)
        if devnull != fd:
            os.dup2(devnull, fd)
            os.close(devnull)
        if getattr(sys, name) is None:  # Python found it closed and gave up on it
            mode = "r" if fd == 0 else "w"
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115


def stdout_reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has closed it (poll says POLLERR)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def discard_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone, so the interpreter's last flush
    of the buffered text meets no broken pipe (and prints no "Exception ignored")."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream.isatty() and "NO_COLOR" not in os.environ


def paint(text: str, style: str, stream: TextIO) -> str:
    """``text`` in an ANSI style when ``stream`` takes colour."""
    if not use_colour(stream):
        return text
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table (the last column is not padded)."""
    widths = [len(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row[:-1]):
            widths[index] = max(widths[index], len(cell))
    lines = []
    for row in [list(headers), *[list(r) for r in rows]]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def emit(text: str) -> None:
    """Data to stdout; `StdoutGone` when its reader has left."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()
        raise StdoutGone from None


def emit_json(data: Any) -> None:
    """Data to stdout as one JSON document."""
    import json  # only the --json paths need it; the TUI's start path does not

    emit(json.dumps(data, indent=2, default=str) + "\n")


def narrate(text: str, style: str | None = None) -> None:
    """Narration (what the console is doing, which file it picked) to stderr.

    A terminal that has gone away (SIGHUP, a closed ssh session) makes the write fail;
    narration is then lost on purpose, so the teardown it describes still runs to the end.
    """
    try:
        line = paint(text, style, sys.stderr) if style else text
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # EIO on a hung-up terminal; ValueError: stderr closed
        pass
