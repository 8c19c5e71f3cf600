"""How headless commands print: stdout is data (tables, diffs, JSON), stderr is narration.

Everything printed here has already passed through `console.shared.redact`; this module only lays
text out. Colour is used only when the stream is a terminal and NO_COLOR is unset.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

_STYLES = {"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1", "cyan": "36"}


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
    """Data to stdout."""
    sys.stdout.write(text)
    sys.stdout.flush()


def emit_json(data: Any) -> None:
    """Data to stdout as one JSON document."""
    import json  # only the --json paths need it; the TUI's start path does not

    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


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
