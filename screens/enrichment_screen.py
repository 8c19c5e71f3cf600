"""3 Enrichment: what Lightspeed's Azure enrichment would change in run.yaml, and writing it.

The preview is the doctor's `EnrichmentPreview`, the same object ``lightspeed-console diff``
prints, shown as a coloured unified diff or side by side (``s``). When nothing would change
the screen says so and why. ``w`` writes the enriched file: it asks where (``run_.yaml``
next to run.yaml, Lightspeed's default name), says what will happen to that path (new file,
replaced, or the input rewritten with a ``.bak``), and only then asks the app to write it.
The app's workers look at the path and write atomically, as the CLI does
(`console.config.enriched_write`), and post the answers back here
(`screens.messages.WriteTargetInspected`, `screens.messages.EnrichedWriteDone`); this
screen shows them. A refusal or an OS error is shown with its remedy; nothing is half-written.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from console.config.enrichment import EnrichmentPreview
from console.doctor.results import CheckStatus
from console.shared.redact import scrub
from screens.base import ConsoleScreen
from screens.enrichment_write import (
    DEFAULT_OUTPUT_NAME,
    consent_text,
    current_preview,
    status_text,
)
from screens.host import ConsoleHost
from screens.messages import EnrichedWriteDone, WriteTargetInspected
from screens.visible import SafeStatic
from screens.widgets.confirm import ConfirmDialog
from screens.widgets.diff_view import DiffView
from screens.widgets.path_dialog import PathDialog


class EnrichmentScreen(ConsoleScreen):
    """The enrichment diff, unified or side by side, and the atomic write."""

    TITLE = "3 Enrichment"
    DEFAULT_CSS = """
    EnrichmentScreen #enrichment-summary { height: auto; max-height: 40%; padding: 0 1; }
    EnrichmentScreen #diff { height: 1fr; border: round $primary-darken-2; }
    EnrichmentScreen #enrichment-status { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "write", "Write…", id="enrichment.write"),
        Binding("s", "toggle_view", "Unified/side by side", id="enrichment.toggle-view"),
        Binding("r", "reload", "Re-read files", id="enrichment.reload"),
    ]

    def __init__(self, console: ConsoleHost) -> None:
        super().__init__(console)
        self.side_by_side = False
        self._shown: tuple[object, ...] | None = None
        self._status: Text | None = None

    def compose_body(self) -> ComposeResult:
        yield SafeStatic(id="enrichment-summary")
        yield DiffView(id="diff")
        yield SafeStatic(id="enrichment-status")

    # ------------------------------------------------------------------ drawing

    def current_preview(self) -> EnrichmentPreview | None:
        """The preview to show and write, or None when there is none that is current."""
        return current_preview(self.console.doctor.state)

    def refresh_view(self) -> None:
        state = self.console.doctor.state
        busy = bool({"config", "enrichment"} & self.console.running)
        self.query_one("#diff", DiffView).loading = busy
        result = state.results.get("enrichment")
        key = (
            self.current_preview(),
            state.config_error,
            result,
            self.side_by_side,
            self._status,
        )
        if self._shown is not None and all(a is b for a, b in zip(key, self._shown, strict=True)):
            return
        self._shown = key
        self._draw()

    def _draw(self) -> None:
        state = self.console.doctor.state
        summary = self.query_one("#enrichment-summary", Static)
        diff = self.query_one("#diff", DiffView)
        status = self.query_one("#enrichment-status", Static)
        status.update(self._status or "")
        status.display = self._status is not None
        preview = self.current_preview()
        if preview is None:
            result = state.results.get("enrichment")
            if state.config_error is not None:
                error = state.config_error
                summary.update(
                    Group(
                        Text(f"{error.location}: {error.message}", style="bold red"),
                        Text.assemble(("remedy: ", "bold green"), error.remedy),
                    )
                )
                diff.show_message(Text("No preview: the configuration could not be read."))
            elif result is not None and result.status is CheckStatus.SKIP:
                summary.update(
                    Group(
                        Text(f"No preview: {result.summary}", style="bold"),
                        Text.assemble(("remedy: ", "bold green"), result.remedy or "-"),
                    )
                )
                diff.show_message(Text(""))
            else:
                summary.update(Text("Previewing the enrichment…", style="dim"))
                diff.show_message(Text(""))
            return
        summary.update(self._summary(preview))
        held = [*preview.secrets, *self.console.doctor.secrets()]
        if not preview.changed:
            diff.show_message(
                Text.assemble(
                    ("Nothing to change. ", "bold green"),
                    preview.reason,
                    "\nWriting the enriched file would reproduce run.yaml as it is.",
                )
            )
        elif self.side_by_side:
            name = preview.source.name
            diff.show_side_by_side(
                scrub(preview.original_text, held),
                scrub(preview.enriched_text, held),
                f"{name} (now)",
                f"{name} (enriched)",
            )
        else:
            diff.show_unified(scrub(preview.unified_diff(), held))

    def _summary(self, preview: EnrichmentPreview) -> Group:
        parts = [Text.assemble(("run.yaml: ", "bold"), str(preview.source))]
        if preview.changed:
            parts.append(Text(preview.reason, style="bold"))
            for change in preview.changes:
                where = f" (line {change.line})" if change.line else ""
                parts.append(
                    Text(
                        f"  • provider {change.provider_id}{where}: {change.action} "
                        "model_validation: false",
                        style="green",
                    )
                )
            parts.append(
                Text(
                    f"edit: {preview.method}, comments and key order kept · view: "
                    + ("side by side" if self.side_by_side else "unified")
                    + " (s toggles) · w writes it",
                    style="dim",
                )
            )
        else:
            parts.append(Text.assemble(("Nothing to change: ", "bold green"), preview.reason))
        for skipped in preview.skipped:
            where = f" (line {skipped.line})" if skipped.line else ""
            parts.append(
                Text(f"  ! provider {skipped.provider_id}{where}: {skipped.reason}", "yellow")
            )
        return Group(*parts)

    # ------------------------------------------------------------------ actions

    def action_toggle_view(self) -> None:
        self.side_by_side = not self.side_by_side
        self.refresh_view()

    def action_reload(self) -> None:
        self.console.reload_config()

    def action_write(self) -> None:
        """Ask where, then what happens there, then write (the palette's "enrichment: write…")."""
        preview = self.current_preview()
        if preview is None:
            self.notify("There is no enrichment preview to write yet.", severity="warning")
            return
        if not preview.changed:
            self.notify(f"Nothing to write: {preview.reason}", title="Enrichment")
            return
        default = preview.source.with_name(DEFAULT_OUTPUT_NAME)

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            path = path.expanduser()
            if not path.is_absolute():
                path = preview.source.parent / path
            self.console.inspect_write_target(path, preview, self)

        self.app.push_screen(
            PathDialog(
                "Write the enriched run.yaml to",
                default,
                hint=(
                    f"Relative paths are taken from {preview.source.parent}. "
                    f"Naming {preview.source.name} itself rewrites it and keeps a .bak."
                ),
            ),
            chosen,
        )

    @on(WriteTargetInspected)
    def _ask_consent(self, message: WriteTargetInspected) -> None:
        """The app looked at the chosen path: say what the write will do there, and ask."""
        facts, preview = message.facts, message.preview

        def answered(yes: bool | None) -> None:
            if yes:
                self.console.write_enriched(facts, preview, self)
            else:
                self.console.events.add(f"enrichment: not written to {facts.path} (cancelled)")

        yes_label = "Rewrite" if facts.is_input else ("Replace" if facts.exists else "Write")
        self.app.push_screen(
            ConfirmDialog(
                "Write the enriched run.yaml?",
                consent_text(facts, preview),
                confirm_label=yes_label,
            ),
            answered,
        )

    @on(EnrichedWriteDone)
    def _show_outcome(self, message: EnrichedWriteDone) -> None:
        """The app wrote the file (and logged it), or says why not: show it under the diff."""
        self._status = status_text(message.outcome)
        self.refresh_view()
