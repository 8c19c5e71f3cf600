"""How headless commands print: stdout is data (tables, diffs, JSON), stderr is narration.

Everything printed here has already passed through `console.shared.redact`; this module lays
text out, and it is where the CLI's text meets the terminal, so every piece of it passes
`console.shared.sanitize` here: `emit` and `narrate` show any control character or escape
sequence in the text they are given as its escape (lines kept), `table` each cell on one line.
Colour is the console's own: `paint` marks a piece to colour, and its ANSI codes are added
after the piece's text was made visible, so they are the only ones written. Colour is used
only when the stream is a terminal and NO_COLOR is unset.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from console.shared.sanitize import visible, visible_lines

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


@dataclass(frozen=True, slots=True)
class Painted:
    """A piece of text to show in a colour (`paint`); `emit` colours it when stdout takes it."""

    text: str
    style: str

    def __str__(self) -> str:
        return self.text


Piece = str | Painted
"""What `emit` writes: plain text, or a piece to colour."""


def paint(text: str, style: str) -> Painted:
    """``text`` to be shown in an ANSI style (one of ``red yellow green dim bold cyan``)."""
    return Painted(text, style)


def plain(*pieces: Piece) -> str:
    """The pieces as plain text, without colour (for a caller that wants a string)."""
    return "".join(str(piece) for piece in pieces)


def render(pieces: Sequence[Piece], stream: TextIO) -> str:
    """The pieces for ``stream``: each made visible, then coloured when the stream takes it."""
    colour = use_colour(stream)
    out = []
    for piece in pieces:
        if isinstance(piece, Painted):
            text = visible_lines(piece.text)
            out.append(f"\x1b[{_STYLES[piece.style]}m{text}\x1b[0m" if colour else text)
        else:
            out.append(visible_lines(piece))
    return "".join(out)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table (the last column is not padded), each cell on one line."""
    headers = [visible(header) for header in headers]
    rows = [[visible(cell) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row[:-1]):
            widths[index] = max(widths[index], len(cell))
    lines = []
    for row in [list(headers), *rows]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def emit(*pieces: Piece) -> None:
    """Data to stdout, made visible and coloured (`render`); `StdoutGone` when its reader left."""
    try:
        sys.stdout.write(render(pieces, sys.stdout))
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()
        raise StdoutGone from None


def emit_json(data: Any) -> None:
    """Data to stdout as one JSON document.

    On a stdout that masks secrets (`console.shared.secret_streams`), they are masked in
    the document's strings before it is written, never in its text: a secret such as
    ``true`` cannot turn ``"ok": true`` into something that is not JSON.
    """
    import json  # only the --json paths need it; the TUI's start path does not

    mask_strings = getattr(sys.stdout, "mask_strings", None)
    write_verbatim = getattr(sys.stdout, "write_verbatim", None)
    if mask_strings is None or write_verbatim is None:
        emit(json.dumps(data, indent=2, default=str) + "\n")
        return
    plain = json.loads(json.dumps(data, default=str))  # what the document will hold
    text = json.dumps(mask_strings(plain), indent=2) + "\n"
    try:
        write_verbatim(text)
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()
        raise StdoutGone from None


_QUIET: list[bool] = [False]
"""``-q``: the narration of what is being done is not said (a list: set without ``global``)."""
QUIET_STYLE = "dim"
"""The style of narration ``-q`` silences: what the console is doing, which file it read.
Errors, warnings, remedies and results are said in other styles, or none."""


def set_quiet(quiet: bool) -> None:
    """Silence (or not) the narration of what is being done (``-q``)."""
    _QUIET[0] = quiet


def narrate(text: str, style: str | None = None) -> None:
    """Narration (what the console is doing, which file it picked) to stderr.

    With ``-q`` (`set_quiet`), narration in the `QUIET_STYLE` is not said.

    A terminal that has gone away (SIGHUP, a closed ssh session) makes the write fail;
    narration is then lost on purpose, so the teardown it describes still runs to the end.
    Control characters in ``text`` are shown escaped (lines kept), as everything written here.
    """
    if _QUIET[0] and style == QUIET_STYLE:
        return
    try:
        line = render([paint(text, style) if style else text], sys.stderr)
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # EIO on a hung-up terminal; ValueError: stderr closed
        pass
