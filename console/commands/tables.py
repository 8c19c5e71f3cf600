"""A text table whose cells may carry a colour, for the commands that print one per deployment.

`console.shared.output.table` lays out plain cells; a deployment's row must also show a
production tag in a warning colour and a verdict in its own, so the colour is added here,
per cell, after the widths are measured on the plain (visible) text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from console.shared.output import Piece, paint
from console.shared.sanitize import visible

Style = Callable[[int, int], str | None]
"""The style of the cell at (row, column) of the body (None: plain)."""


def styled_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], style: Style | None = None
) -> list[Piece]:
    """The table as pieces for `console.shared.output.emit` (the last column not padded)."""
    cells = [[visible(cell) for cell in line] for line in [list(headers), *rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers) - 1)]
    pieces: list[Piece] = []
    for index, line in enumerate(cells):
        for column, cell in enumerate(line):
            if column:
                pieces.append("  ")
            text = cell if column == len(line) - 1 else cell.ljust(widths[column])
            chosen = style(index - 1, column) if style is not None and index else None
            pieces.append(paint(text, chosen) if chosen else text)
        pieces.append("\n")
    return pieces
