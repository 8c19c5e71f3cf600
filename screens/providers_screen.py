"""The providers screen (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import ConsoleScreen


class ProvidersScreen(ConsoleScreen):
    """Placeholder until the screen lands."""

    TITLE = "providers"

    def compose_body(self) -> ComposeResult:
        yield Static("providers")
