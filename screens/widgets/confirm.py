"""Yes/no questions before the acts that cannot be taken back, all labelled alike.

`ConfirmDialog` asks before what puts a secret in the clipboard or on screen or changes a
user's file; `ConfirmLine` asks in one line before a live call to a production-like
deployment. In both, ``y`` confirms and ``n`` or ``escape`` cancel, and each button says
its key the same way (``Write (y)``, ``Cancel (n, esc)``). The safe answer is the focused
one, so an Enter pressed out of habit does nothing harmful, and the mouse works on both
buttons. Both dismiss with True only on an explicit yes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, HorizontalGroup, Vertical
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
                yield Button(cancel_text(self.cancel_label), id="confirm-cancel", variant="primary")
                yield Button(confirm_text(self.confirm_label), id="confirm-ok", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-ok")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


YES_KEYS = "y"
NO_KEYS = "n, esc"


def confirm_text(label: str) -> str:
    """The confirming button's label with its key: ``Write (y)``."""
    return f"{label} ({YES_KEYS})"


def cancel_text(label: str) -> str:
    """The cancelling button's label with its keys: ``Cancel (n, esc)``."""
    return f"{label} ({NO_KEYS})"


class ConfirmLine(ModalScreen[bool]):
    """One line at the bottom of the screen: the question and its two answers.

    For a question asked often (a test inference to a production-like deployment): it
    covers nothing of the screen, and answers the same way as `ConfirmDialog`.
    """

    DEFAULT_CSS = """
    ConfirmLine {
        align: center bottom;
        background: $background 30%;
    }
    ConfirmLine > #confirm-line {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $warning 40%;
        margin-bottom: 2;
    }
    ConfirmLine #confirm-question {
        width: 1fr;
        height: 1;
        padding: 0 1;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    ConfirmLine Button {
        margin-left: 1;
        min-width: 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(
        self, question: str | Text, *, confirm_label: str = "Yes", cancel_label: str = "Cancel"
    ) -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with HorizontalGroup(id="confirm-line"):
            yield SafeStatic(self.question, id="confirm-question")
            yield Button(
                cancel_text(self.cancel_label), id="confirm-cancel", variant="primary", compact=True
            )
            yield Button(
                confirm_text(self.confirm_label), id="confirm-ok", variant="warning", compact=True
            )

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-ok")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
