"""F1: what each screen is for, and every key binding with the id to remap it by."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.settings.user import settings_path

SCREEN_HELP = (
    ("0 Deployments", "the settings file's deployments, checked together; enter switches to one"),
    ("1 Doctor", "every check in order, live; r re-runs all, enter re-runs the selected one"),
    ("2 Config", "both files with secrets masked, the env variables, findings by line"),
    ("3 Enrichment", "what Lightspeed's Azure enrichment changes in run.yaml; w writes it"),
    ("4 Providers", "providers and models from run.yaml and from the server, side by side"),
    ("5 Token", "acquire / force-refresh the Entra ID token, claims, checks, history"),
    ("6 Inference", "a test inference with the provider-data header, streamed"),
)


class HelpScreen(ModalScreen[None]):
    """The help overlay; escape or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 85%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._screens_table(), id="help-screens")
            yield Static(self._bindings_table(), id="help-bindings")
            yield Static(
                f"Remap a key in {settings_path()} under [keymap]: "
                '"binding id" = "keys". `lightspeed-console locate` lists every file.',
                id="help-keymap",
            )

    def _screens_table(self) -> Table:
        table = Table(title="Screens", expand=True, show_edge=False)
        table.add_column("screen", style="bold", no_wrap=True)
        table.add_column("what it is for")
        for name, text in SCREEN_HELP:
            table.add_row(name, text)
        return table

    def _bindings_table(self) -> Table:
        table = Table(title="Keys here", expand=True, show_edge=False)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("action")
        table.add_column("binding id", style="dim")
        stack = self.app.screen_stack
        screen = stack[-2] if len(stack) > 1 else stack[-1]
        for key, active in sorted(screen.active_bindings.items()):
            binding = active.binding
            if binding.description:
                table.add_row(key, binding.description, binding.id or "")
        return table
