"""`SafeTable`: a `DataTable` whose cells pass through the console's sanitising step.

Apart from `screens.visible` so that the first frame, which shows no table, does not import
`DataTable` (see bench/first_frame.py).
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from screens.visible import visible_cell


class SafeTable(DataTable[RenderableType]):
    """A `DataTable` whose cells are shown on one line each, controls escaped, never markup."""

    def add_row(
        self,
        *cells: Any,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        return super().add_row(
            *(visible_cell(cell) for cell in cells), height=height, key=key, label=label
        )
