"""The console's one sanitising step (`console.shared.sanitize`) for Rich and Textual.

Rich and Textual draw a control character as it is: an ESC in a `Text` reaches the terminal
and is obeyed there, and a ``str`` given to a `Static` or a table cell is read as markup. So
every widget that shows text the console did not write goes through here:

- `SafeStatic`: a `Static` whose content (a ``str``, a `Text`, or a `Group` of them) is
  shown with its controls escaped and never read as markup. The screens' panels, the top
  bar, the services panel, the event pane, the diff view and the dialogs are `SafeStatic`;
- `SafeTable` (`screens.safe_table`, apart so that the first frame does not import
  `DataTable`): a `DataTable` whose cells are made visible the same way, one line each;
- `visible_text` / `visible_cell` for what builds its own lines (the YAML view, the
  providers tables' `LazyText`, the token claims table).

A `Text` keeps its styles: its spans are moved to where their characters went.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Span, Text
from textual.visual import VisualType
from textual.widgets import Static

from console.shared.sanitize import has_controls, visible, visible_lines

__all__ = ["SafeStatic", "visible_cell", "visible_renderable", "visible_text"]


def visible_text(text: Text, *, lines: bool = True) -> Text:
    """``text`` with its controls escaped (its lines kept unless ``lines`` is False).

    The same `Text` when there is nothing to escape; otherwise a copy whose spans cover the
    same characters as before.
    """
    plain = text.plain
    if not has_controls(plain, lines=lines):
        return text
    show = visible_lines if lines else visible
    # Escape each character on its own, so every old offset maps to a new one.
    starts: list[int] = []
    pieces: list[str] = []
    position = 0
    for index, char in enumerate(plain):
        if char == "\r" and lines and plain[index + 1 : index + 2] == "\n":
            shown = char  # a CRLF line end stays one
        else:
            shown = show(char)
        starts.append(position)
        pieces.append(shown)
        position += len(shown)
    starts.append(position)

    def moved(offset: int) -> int:
        return starts[min(max(offset, 0), len(plain))]

    copy = text.blank_copy("".join(pieces))
    copy.spans = [Span(moved(s.start), moved(s.end), s.style) for s in text.spans]
    return copy


def visible_renderable(content: Any) -> Any:
    """``content`` for a Static: a ``str`` as plain text (never markup), a `Text` and a
    `Group`'s `Text` parts made visible; anything else is left as it is (tables are built
    from visible cells by their makers)."""
    if isinstance(content, str):
        return Text(visible_lines(content))
    if isinstance(content, Text):
        return visible_text(content)
    if isinstance(content, Group):
        return Group(*(visible_renderable(part) for part in content.renderables))
    return content


def visible_cell(content: Any) -> Any:
    """A table cell on one line: a ``str`` as plain text (never markup), a `Text` made visible."""
    if isinstance(content, str):
        return Text(visible(content))
    if isinstance(content, Text):
        return visible_text(content, lines=False)
    return content


class SafeStatic(Static):
    """A `Static` that shows untrusted text: controls escaped, a ``str`` never read as markup."""

    def __init__(
        self,
        content: VisualType = "",
        *,
        expand: bool = False,
        shrink: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            visible_renderable(content),
            expand=expand,
            shrink=shrink,
            markup=False,
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
        )

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(visible_renderable(content), layout=layout)
