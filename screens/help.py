"""F1: what each screen is for, and every key binding with the id to remap it by."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.settings.user import settings_path
from screens.visible import SafeStatic

SCREEN_HELP = (
    ("0 Deployments", "the settings file's deployments, checked together; enter switches to one"),
    ("1 Doctor", "every check in order, live; r re-runs all, enter re-runs the selected one"),
    ("2 Config", "both files with secrets masked, the env variables, findings by line"),
    ("3 Enrichment", "what Lightspeed's Azure enrichment changes in run.yaml; w writes it"),
    ("4 Providers", "providers and models from run.yaml and from the server, side by side"),
    ("5 Token", "get (r) or force (R) the Entra ID token, claims, checks, history"),
    ("6 Inference", "a test inference with the provider-data header, streamed; x cancels it"),
)
GRAMMAR = (
    ("r", "run or re-read what the screen shows (never writes anything)"),
    ("R", "the same, forced: a new token even when one is cached"),
    ("enter", "act on the highlighted row: re-run a step, switch deployment, go to a line"),
    ("esc", "leave an input (its letters become keys again), close a dialog"),
    ("c / C", "copy, masked / in clear after a confirm (a capital is a key's stronger form)"),
    ("t / l", "the last inference / the whole log as text to select and copy"),
    ("v / h", "reveal a secret after a confirm / hide it again"),
    ("x", "cancel the test inference under way"),
    ("q", "quit (ctrl+q from anywhere, a dialog or an input included)"),
)
"""The keys that mean the same on every screen that has them."""


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
            yield Static(self._grammar_table(), id="help-grammar")
            yield Static(self._bindings_table(), id="help-bindings")
            # A path and "[keymap]" in it: plain text, never read as markup.
            yield SafeStatic(
                f"Remap a key in {settings_path()} under [keymap]: "
                '"binding id" = "keys". `lightspeed-console locate` lists every file.',
                id="help-keymap",
            )

    def _screens_table(self) -> Table:
        table = Table(title="Screens", expand=True, show_edge=False)
        table.add_column("screen", style="bold", no_wrap=True)
        table.add_column("what it is for")
        for name, text in SCREEN_HELP:
            table.add_row(Text(name), Text(text))
        return table

    def _grammar_table(self) -> Table:
        table = Table(title="Keys that mean the same everywhere", expand=True, show_edge=False)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("what it does")
        for key, text in GRAMMAR:
            table.add_row(Text(key), Text(text))
        return table

    def _bindings_table(self) -> Table:
        table = Table(title="Keys here", expand=True, show_edge=False)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("action")
        table.add_column("binding id", style="dim")
        stack = self.app.screen_stack
        screen = stack[-2] if len(stack) > 1 else stack[-1]
        for _key, active in sorted(screen.active_bindings.items()):
            binding = active.binding
            if binding.description:
                shown = self.app.get_key_display(binding)
                table.add_row(Text(shown), Text(binding.description), Text(binding.id or ""))
        return table
