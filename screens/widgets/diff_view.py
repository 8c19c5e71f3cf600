"""A coloured diff, unified or side by side, of two (already masked) texts.

The unified form is the core's own ``EnrichmentPreview.unified_diff()`` text, coloured, so
the screen shows exactly what ``lightspeed-console diff`` prints. The side-by-side form is
built here from the same two texts with the same context, because it is only a layout.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from console.shared.sanitize import visible
from screens.visible import SafeStatic

_UNIFIED_STYLES = (
    ("+++", "bold"),
    ("---", "bold"),
    ("@@", "cyan"),
    ("+", "green"),
    ("-", "red"),
)


@dataclass(frozen=True)
class SideRow:
    """One row of the side-by-side view; a None line number means nothing on that side."""

    old_line: int | None
    old_text: str
    new_line: int | None
    new_text: str
    tag: str  # "equal", "replace", "delete", "insert"


def side_by_side_rows(original: str, enriched: str, context: int = 3) -> list[SideRow | None]:
    """Rows of the changed hunks with ``context`` lines around; None separates hunks."""
    old = original.splitlines()
    new = enriched.splitlines()
    rows: list[SideRow | None] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(None)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(
                    SideRow(i + 1, old[i], j + 1, new[j], tag)
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            for k in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + k, j1 + k
                rows.append(
                    SideRow(
                        i + 1 if i < i2 else None,
                        old[i] if i < i2 else "",
                        j + 1 if j < j2 else None,
                        new[j] if j < j2 else "",
                        tag,
                    )
                )
    return rows


def unified_renderable(diff: str) -> Text:
    """The unified diff text, each line coloured by its kind."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for line in diff.splitlines():
        style = next((s for prefix, s in _UNIFIED_STYLES if line.startswith(prefix)), "")
        text.append(visible(line) + "\n", style=style)
    text.rstrip()
    return text


def side_by_side_renderable(original: str, enriched: str, old_name: str, new_name: str) -> Table:
    """Two columns, the file before and after, changed lines coloured."""
    table = Table(expand=True, show_edge=False, pad_edge=False, box=None, padding=(0, 1))
    table.add_column("", style="dim", justify="right", no_wrap=True, width=5)
    table.add_column(Text(visible(old_name)), ratio=1, overflow="fold")
    table.add_column("", style="dim", justify="right", no_wrap=True, width=5)
    table.add_column(Text(visible(new_name)), ratio=1, overflow="fold")
    for row in side_by_side_rows(original, enriched):
        if row is None:
            table.add_row("", Text("⋯", style="cyan"), "", Text("⋯", style="cyan"))
            continue
        old_style = "" if row.tag == "equal" else "red"
        new_style = "" if row.tag == "equal" else "green"
        old_mark = "" if row.tag == "equal" or row.old_line is None else "- "
        new_mark = "" if row.tag == "equal" or row.new_line is None else "+ "
        table.add_row(
            str(row.old_line or ""),
            Text(old_mark + visible(row.old_text), style=old_style),
            str(row.new_line or ""),
            Text(new_mark + visible(row.new_text), style=new_style),
        )
    return table


class DiffView(VerticalScroll, can_focus=True):
    """A scrolling diff; `show_unified` / `show_side_by_side` / `show_message` replace it."""

    DEFAULT_CSS = """
    DiffView { background: $surface; height: 1fr; }
    DiffView > #diff-content { width: auto; min-width: 100%; }
    """

    def compose(self) -> ComposeResult:
        yield SafeStatic(id="diff-content")

    def _show(self, renderable: RenderableType) -> None:
        self.query_one("#diff-content", SafeStatic).update(renderable)

    def show_unified(self, diff: str) -> None:
        """Show a unified diff text, coloured."""
        self._show(unified_renderable(diff))

    def show_side_by_side(self, original: str, enriched: str, old: str, new: str) -> None:
        """Show the two texts side by side (changed hunks with context)."""
        self._show(side_by_side_renderable(original, enriched, old, new))

    def show_message(self, message: Text | str) -> None:
        """Show a sentence instead of a diff (nothing to change, no run.yaml...)."""
        self._show(message)

    @property
    def content(self) -> RenderableType:
        """What is shown now (for tests and exports)."""
        return self.query_one("#diff-content", SafeStatic).content  # type: ignore[return-value]
