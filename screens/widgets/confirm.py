"""A yes/no dialog for the acts that cannot be taken back (copy a token, write a file).

The console is read-only by default; anything that puts a secret in the clipboard or
changes a user's file goes through this dialog first. The safe answer is the focused one,
so an Enter pressed out of habit does nothing harmful; ``y`` confirms, ``n``/``escape``
cancel, and the mouse works on both buttons. Dismisses with True only on an explicit yes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from screens.visible import SafeStatic


class ConfirmDialog(ModalScreen[bool]):
    """Ask one question; dismiss with True (confirmed) or False (cancelled)."""

    DEFAULT_CSS = """
    ConfirmDialog {
        align: center middle;
        background: $background 60%;
    }
    ConfirmDialog > #confirm-box {
        width: 72;
        max-width: 95%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ConfirmDialog #confirm-title {
        text-style: bold;
        margin-bottom: 1;
    }
    ConfirmDialog #confirm-buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    ConfirmDialog Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(
        self,
        title: str,
        message: str | Text,
        *,
        confirm_label: str = "Yes",
        cancel_label: str = "Cancel",
    ) -> None:
        super().__init__()
        self.question_title = title
        self.message = message
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield SafeStatic(self.question_title, id="confirm-title")
            yield SafeStatic(self.message, id="confirm-message")
            with Horizontal(id="confirm-buttons"):
                yield Button(self.cancel_label, id="confirm-cancel", variant="primary")
                yield Button(self.confirm_label, id="confirm-ok", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-ok")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
