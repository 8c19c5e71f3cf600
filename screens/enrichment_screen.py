"""The enrichment screen (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import ConsoleScreen


class EnrichmentScreen(ConsoleScreen):
    """Placeholder until the screen lands."""

    TITLE = "enrichment"

    def compose_body(self) -> ComposeResult:
        yield Static("enrichment")
