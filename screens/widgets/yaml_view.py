"""A read-only YAML file view: highlighted, line numbers, a line cursor, jump to a line.

Rich's Syntax highlights the (already masked) text once per change; the view then draws
only the visible lines (Textual's line API), so a long run.yaml scrolls without re-rendering.
The cursor line is what "reveal" acts on and what a finding jumps to.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.shared.sanitize import visible_lines

SYNTAX_THEME = "ansi_dark"
"""ANSI colours follow the terminal's and the app theme's palette."""


class YamlView(ScrollView, can_focus=True):
    """Shows one file's text with a movable line cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"yaml-view--cursor", "yaml-view--gutter"}
    DEFAULT_CSS = """
    YamlView {
        background: $surface;
        overflow: auto auto;
    }
    YamlView > .yaml-view--cursor { background: $primary 30%; }
    YamlView:focus > .yaml-view--cursor { background: $primary 60%; }
    YamlView > .yaml-view--gutter { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "cursor_to(1)", "First line", show=False),
        Binding("end,G", "cursor_to(-1)", "Last line", show=False),
    ]

    cursor_line: reactive[int] = reactive(1)
    """1-based line under the cursor."""

    class CursorMoved(Message):
        """The cursor moved to another line (the screen describes that line)."""

        def __init__(self, view: YamlView, line: int) -> None:
            super().__init__()
            self.view = view
            self.line = line

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = ""
        self._lines: list[Text] = []
        self._gutter = 4

    def show_text(self, text: str) -> None:
        """Display ``text`` highlighted as YAML, keeping the cursor where it was.

        Control characters in it (a lone CR, bidi controls; YAML allows them raw) are shown
        escaped, never drawn as they are (`console.shared.sanitize`).
        """
        text = visible_lines(text)
        self.text = text
        highlighted = Syntax(text, "yaml", theme=SYNTAX_THEME).highlight(text)
        highlighted.rstrip()
        self._lines = list(highlighted.split("\n", allow_blank=True)) if text else []
        if text.endswith("\n") and self._lines and not self._lines[-1].plain:
            self._lines.pop()
        self._layout()

    def show_message(self, message: str, style: str = "dim") -> None:
        """Display a plain message instead of a file (no file, or it could not be read)."""
        self.text = ""
        self._lines = [Text(line, style=style) for line in visible_lines(message).splitlines()]
        self._layout()

    def _layout(self) -> None:
        self._gutter = max(len(str(len(self._lines))), 3) + 1
        width = max((line.cell_len for line in self._lines), default=0) + self._gutter + 1
        self.virtual_size = Size(width, len(self._lines))
        self.cursor_line = min(max(self.cursor_line, 1), max(len(self._lines), 1))
        self.refresh()

    @property
    def line_count(self) -> int:
        """How many lines are shown."""
        return len(self._lines)

    def line_text(self, line: int) -> str:
        """The plain text of a 1-based line ('' outside the file)."""
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1].plain
        return ""

    def go_to_line(self, line: int) -> None:
        """Move the cursor to ``line`` and scroll it to the middle of the view."""
        self.cursor_line = min(max(line, 1), max(len(self._lines), 1))
        top = max(self.cursor_line - 1 - self.scrollable_content_region.height // 2, 0)
        self.scroll_to(y=top, animate=False, immediate=True)

    def watch_cursor_line(self, old: int, new: int) -> None:
        self.refresh()
        self.post_message(self.CursorMoved(self, new))

    def _scroll_to_cursor(self) -> None:
        self.scroll_to_region(
            Region(0, self.cursor_line - 1, 1, 1), animate=False, immediate=True, force=True
        )

    def action_cursor(self, delta: int) -> None:
        self.cursor_line = min(max(self.cursor_line + delta, 1), max(len(self._lines), 1))
        self._scroll_to_cursor()

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(self.scrollable_content_region.height - 1, 1))

    def action_cursor_to(self, line: int) -> None:
        self.cursor_line = len(self._lines) if line < 0 else line
        self._scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        line = event.y + self.scroll_offset.y + 1
        if 1 <= line <= len(self._lines):
            self.cursor_line = line

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        gutter_style = self.get_component_rich_style("yaml-view--gutter")
        gutter = Strip([Segment(f"{index + 1:>{self._gutter - 1}} ", base + gutter_style)])
        body_width = max(width - self._gutter, 0)
        segments = list(self._lines[index].render(self.app.console))
        body = Strip(Segment.apply_style(segments, base)).crop_extend(
            scroll_x, scroll_x + body_width, base
        )
        strip = Strip.join([gutter, body])
        if index + 1 == self.cursor_line:
            cursor = self.get_component_rich_style("yaml-view--cursor")
            strip = Strip(Segment.apply_style(strip, post_style=Style(bgcolor=cursor.bgcolor)))
        return strip
