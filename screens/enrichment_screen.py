"""3 Enrichment: what Lightspeed's Azure enrichment would change in run.yaml, and writing it.

The preview is the doctor's `EnrichmentPreview`, the same object ``lightspeed-console diff``
prints, shown as a coloured unified diff or side by side (``s``). When nothing would change
the screen says so and why. ``w`` writes the enriched file: it asks where (``run_.yaml``
next to run.yaml, Lightspeed's default name), says what will happen to that path (new file,
replaced, or the input rewritten with a ``.bak``), and only then writes it atomically with
`console.shared.atomic.write_atomic`, as the CLI does. A refusal or an OS error is shown with its
remedy; nothing is half-written.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from console.config.enrichment import EnrichmentPreview
from console.doctor.results import CheckStatus
from console.shared.atomic import (
    NEW_FILE_MODE,
    TargetFacts,
    WriteRefused,
    WriteResult,
    inspect_target,
    write_atomic,
)
from console.shared.redact import scrub
from screens.base import ConsoleScreen
from screens.widgets.confirm import ConfirmDialog
from screens.widgets.diff_view import DiffView
from screens.widgets.path_dialog import PathDialog

DEFAULT_OUTPUT_NAME = "run_.yaml"
"""Lightspeed's enrichment CLI writes ``-o run_.yaml`` by default; so does this screen."""


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

    def __init__(self) -> None:
        super().__init__()
        self.side_by_side = False
        self._shown: tuple[object, ...] | None = None
        self._status: Text | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="enrichment-summary")
        yield DiffView(id="diff")
        yield Static(id="enrichment-status")

    # ------------------------------------------------------------------ drawing

    def current_preview(self) -> EnrichmentPreview | None:
        """The preview to show and write, or None when there is none that is current."""
        state = self.console.doctor.state
        result = state.results.get("enrichment")
        if state.loaded is None or state.loaded.run is None or result is None:
            return None
        if result.status is CheckStatus.SKIP:
            return None
        preview = state.enrichment
        if preview is None or preview.source != state.loaded.run.path:
            return None
        return preview

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
            self._inspect(path, preview)

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

    @work(exclusive=True, group="enrichment-write")
    async def _inspect(self, path: Path, preview: EnrichmentPreview) -> None:
        """Look at the target off the event loop, then ask for consent."""
        facts = await asyncio.to_thread(inspect_target, path, preview.source)

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(facts, preview)
            else:
                self.console.events.add(f"enrichment: not written to {facts.path} (cancelled)")

        yes_label = "Rewrite" if facts.is_input else ("Replace" if facts.exists else "Write")
        self.app.push_screen(
            ConfirmDialog(
                "Write the enriched run.yaml?",
                _consent_text(facts, preview),
                confirm_label=f"{yes_label} (y)",
                cancel_label="Cancel (n)",
            ),
            answered,
        )

    @work(exclusive=True, group="enrichment-write")
    async def _write(self, facts: TargetFacts, preview: EnrichmentPreview) -> None:
        """The same atomic write as ``lightspeed-console enrich``, in a thread."""
        if self.current_preview() is not preview:
            self._failed(
                facts.path,
                "the files were re-read after you asked; nothing was written",
                "Check the diff again and press w.",
            )
            return
        try:
            written = await asyncio.to_thread(
                write_atomic,
                facts.path,
                preview.enriched_text,
                overwrite=facts.exists,
                backup=facts.is_input,
            )
        except WriteRefused as error:
            remedy = error.remedy
            now = await asyncio.to_thread(inspect_target, facts.path, preview.source)
            if not facts.exists and now.exists:
                remedy = "The file appeared after you confirmed; press w again to replace it."
            self._failed(facts.path, error.message, remedy)
            return
        except OSError as error:
            self._failed(
                facts.path,
                error.strerror or str(error),
                "Check the folder's permissions and free space, or choose another path.",
            )
            return
        self._written(written)
        if facts.is_input:
            self.console.reload_config()

    def _written(self, written: WriteResult) -> None:
        line = f"wrote {written.path} (mode {written.mode:04o})"
        if written.backup is not None:
            line += f", previous contents in {written.backup.name}"
        self._status = Text.assemble(("✓ ", "bold green"), line)
        self.console.events.add(f"enrichment: {line}", "success")
        self.notify(line, title="Enriched run.yaml written")
        self.refresh_view()

    def _failed(self, path: Path, message: str, remedy: str) -> None:
        self._status = Text.assemble(
            ("✗ ", "bold red"),
            (f"could not write {path}: {message}", "red"),
            "\n",
            ("remedy: ", "bold green"),
            remedy,
        )
        self.console.events.add(f"enrichment: could not write {path}: {message}", "error")
        self.notify(f"{message}\n{remedy}", title="Not written", severity="error", timeout=8)
        self.refresh_view()


def _consent_text(facts: TargetFacts, preview: EnrichmentPreview) -> Text:
    text = Text.assemble(
        f"{len(preview.changes)} change(s) to ",
        (preview.source.name, "bold"),
        ", written to\n  ",
        (str(facts.path), "bold cyan"),
        "\n\n",
    )
    if facts.is_input:
        text.append(
            "This is the run.yaml being previewed: it is rewritten in place, and its current "
            f"contents are kept in {facts.path.name}.bak.",
            style="yellow",
        )
    elif facts.exists:
        text.append(
            "The file exists and will be replaced (its mode is kept; no backup).", style="yellow"
        )
    elif not facts.folder_exists:
        text.append(
            f"The folder {facts.path.parent} does not exist: the write will be refused.",
            style="red",
        )
    else:
        text.append(f"A new file, mode {NEW_FILE_MODE:04o} (owner read and write only).")
    text.append("\n\nThe write is atomic: a temp file in the same folder, then a rename.")
    return text
