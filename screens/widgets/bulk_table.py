"""A DataTable that takes ten thousand rows in one go.

`DataTable.add_rows` adds rows one at a time: each re-validates the cursor (a reactive
write) and every cell is later measured through Rich's console options, so ten thousand
models take seconds before the screen can paint. Rows here are single-line cells
(`LazyText`, made into a `Text` only when drawn), so `BulkTable.replace_rows` fills the
table's stores and sets the column widths in one pass; the rest is DataTable's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import Row, RowKey

from console.shared.sanitize import visible


class LazyText:
    """One line of plain text and its style, drawn as a `Text` only when it is shown.

    Never read as markup, so brackets in ids and URLs stay as written; control characters
    (an ESC from a hostile provider config) are shown escaped, on one line
    (`console.shared.sanitize.visible`), so the width measured is the width drawn.
    """

    __slots__ = ("plain", "style")

    def __init__(self, plain: str, style: str = "") -> None:
        self.plain = visible(plain)
        self.style = style

    def __rich__(self) -> Text:
        return Text(self.plain, style=self.style, no_wrap=True, end="")

    def __str__(self) -> str:
        return self.plain

    def __repr__(self) -> str:
        return f"LazyText({self.plain!r}, {self.style!r})"


class BulkTable(DataTable[LazyText]):
    """A DataTable whose rows are replaced wholesale.

    Textual has no public way to load a table in bulk, so this reaches into DataTable's
    private stores, and pyproject.toml pins Textual to the release they were read from
    (``textual==8.2.8``):

    - ``DataTable._data`` (row key -> column key -> cell): the cells, filled in one pass;
    - ``DataTable._row_locations`` (a ``textual._two_way_dict.TwoWayDict`` of row key <->
      row index): where each row is, which `add_row` would keep one row at a time;
    - ``DataTable._require_update_dimensions`` and ``DataTable._update_count``: the flag and
      the counter `add_row` sets so the next refresh measures the table and drops cached
      lines.

    The public ``rows``, ``ordered_columns``, ``Column.content_width`` and
    ``cursor_coordinate`` do the rest. When the private stores are not what this expects
    (a later Textual), it falls back to `add_rows`: slower, the same result.
    """

    def replace_rows(self, rows: Iterable[Sequence[LazyText]]) -> int:
        """Clear the table and add ``rows`` (one-line cells); return how many."""
        self.clear()
        rows = list(rows)
        columns = self.ordered_columns
        try:
            # Private to Textual: imported here, so a release without it takes the fallback.
            from textual._two_way_dict import TwoWayDict

            store = self._data
            metadata = self.rows
            locations: dict[RowKey, int] = {}
            widths = [cell_len(column.label.plain) for column in columns]
            keys = [column.key for column in columns]
            for index, cells in enumerate(rows):
                key = RowKey(None)
                locations[key] = index
                store[key] = dict(zip(keys, cells, strict=False))
                metadata[key] = Row(key, 1)
                for position, cell in enumerate(cells):
                    widths[position] = max(widths[position], cell_len(cell.plain))
            self._row_locations = TwoWayDict(locations)
            for column, width in zip(columns, widths, strict=True):
                if column.auto_width:
                    column.content_width = width
            self._require_update_dimensions = True
            self._update_count += 1
        except (ImportError, AttributeError, TypeError):  # another Textual's internals
            self.clear()
            self.add_rows(rows)
            return len(rows)
        self.cursor_coordinate = self.cursor_coordinate  # validated against the new rows
        self.refresh()
        self.check_idle()
        return len(rows)
