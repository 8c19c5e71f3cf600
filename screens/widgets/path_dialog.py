"""Asks where to write a file: a path prefilled with the usual name, editable.

The answer is only a path; what happens to it (new file, replaced, rewritten with a .bak)
is said by the confirm dialog that follows, once the screen has looked at the target.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from screens.visible import SafeStatic


class PathDialog(ModalScreen[Path | None]):
    """Asks for a file path, prefilled; enter accepts, escape cancels."""

    DEFAULT_CSS = """
    PathDialog { align: center middle; background: $background 60%; }
    PathDialog > Vertical {
        width: 90; max-width: 95%; height: auto;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    PathDialog .dialog-title { text-style: bold; width: 100%; margin-bottom: 1; }
    PathDialog .dialog-body { width: 100%; height: auto; margin-top: 1; color: $text-muted; }
    PathDialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    PathDialog Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="path.cancel"),
    ]

    def __init__(self, title: str, default: Path, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.default = default
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title")
            yield Input(str(self.default), id="path-input")
            if self.hint:
                yield SafeStatic(self.hint, classes="dialog-body")
            with Horizontal():
                yield Button("Cancel (esc)", id="path-cancel")
                yield Button("Next (enter)", id="path-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#path-input", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._accept(event.value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "path-ok":
            self._accept(self.query_one("#path-input", Input).value)
        else:
            self.dismiss(None)

    def _accept(self, value: str) -> None:
        value = value.strip()
        self.dismiss(Path(value) if value else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
