"""The token screen (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import ConsoleScreen


class TokenScreen(ConsoleScreen):
    """Placeholder until the screen lands."""

    TITLE = "token"

    def compose_body(self) -> ComposeResult:
        yield Static("token")
