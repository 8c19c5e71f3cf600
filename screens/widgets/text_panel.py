"""Text the operator can paste: a read-only `TextArea` over the screen, selectable and copyable.

Copying through the terminal (OSC 52) is not enough at 3 a.m.: tmux without
``set-clipboard``, a terminal that ignores OSC 52, a jump host. This panel shows the text
itself (the whole log, the last inference as curl, its request and response), where it can
be selected with the mouse or shift and the arrows and copied with ctrl+c, or read and
typed. ``c`` still copies all of it through the terminal; ``escape`` (or ``q``) closes it.

The text is given whole and is already masked by whoever made it (the log, the curl);
control characters are shown escaped here too.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import TextArea

from console.shared.sanitize import visible_lines
from screens.visible import SafeStatic


class TextPanel(ModalScreen[None]):
    """A title, a hint, and the text in a read-only `TextArea`."""

    DEFAULT_CSS = """
    TextPanel { align: center middle; background: $background 60%; }
    TextPanel > Vertical {
        width: 100%; max-width: 140; height: 100%; max-height: 48;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    TextPanel #panel-title { text-style: bold; height: auto; }
    TextPanel #panel-hint { color: $text-muted; height: auto; }
    TextPanel TextArea, TextPanel TextArea:focus { height: 1fr; border: none; padding: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="panel.close"),
        Binding("c", "copy_all", "Copy all", id="panel.copy"),
    ]

    def __init__(
        self, title: str, text: str, *, copied: str = "the text", at_end: bool = False
    ) -> None:
        super().__init__()
        self.at_end = at_end
        """Open on the last line (a log: the newest), not the first."""
        self.panel_title = title
        self.text = visible_lines(text)
        self.copied = copied
        """What ``c`` says it copied (``the curl``, ``the log``)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeStatic(self.panel_title, id="panel-title")
            yield SafeStatic(
                "select with the mouse or shift+arrows, ctrl+c copies the selection; "
                "c copies all (OSC 52); esc closes",
                id="panel-hint",
            )
            yield TextArea(
                self.text,
                read_only=True,
                soft_wrap=True,
                id="panel-text",
            )

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        if self.at_end:
            area.move_cursor(area.document.end)
            # Once laid out (the wrapped lines are known), the end is in view.
            self.call_after_refresh(area.scroll_cursor_visible)

    def action_copy_all(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify(f"Copied {self.copied} (through the terminal, OSC 52).")
