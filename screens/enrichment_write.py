"""Writing the enriched run.yaml as the console says it: which preview, the consent, the outcome.

The enrichment screen asks and renders; the app's worker does the write with the core
(`console.config.enriched_write`) and records it. Both word it from here, so the status
line, the event-log line and the notification always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from console.config.enriched_write import EnrichedWrite
from console.doctor.results import CheckStatus
from console.shared.atomic import NEW_FILE_MODE

if TYPE_CHECKING:
    from pathlib import Path

    from console.config.enrichment import EnrichmentPreview
    from console.doctor.state import DoctorState
    from console.shared.atomic import TargetFacts

DEFAULT_OUTPUT_NAME = "run_.yaml"
"""Lightspeed's enrichment CLI writes ``-o run_.yaml`` by default; so does the console."""
APPEARED_REMEDY = "The file appeared after you confirmed; press w again to replace it."


def current_preview(state: DoctorState) -> EnrichmentPreview | None:
    """The preview to show and write, or None when there is none that is current."""
    result = state.results.get("enrichment")
    if state.loaded is None or state.loaded.run is None or result is None:
        return None
    if result.status is CheckStatus.SKIP:
        return None
    preview = state.enrichment
    if preview is None or preview.source != state.loaded.run.path:
        return None
    return preview


def stale(path: Path) -> EnrichedWrite:
    """The outcome when the files were re-read between the consent and the write."""
    return EnrichedWrite(
        path,
        problem="the files were re-read after you asked; nothing was written",
        remedy="Check the diff again and press w.",
    )


def outcome_line(outcome: EnrichedWrite) -> str:
    """One line for the log and the notification: what was written, or what was not."""
    written = outcome.written
    if written is None:
        return f"could not write {outcome.path}: {outcome.problem}"
    line = f"wrote {written.path} (mode {written.mode:04o})"
    if written.backup is not None:
        line += f", previous contents in {written.backup.name}"
    return line


def remedy(outcome: EnrichedWrite) -> str:
    """What to do after a write that did not happen."""
    return APPEARED_REMEDY if outcome.appeared else outcome.remedy or ""


def status_text(outcome: EnrichedWrite) -> Text:
    """The screen's status line for an outcome (the remedy on its own line)."""
    if outcome.ok:
        return Text.assemble(("✓ ", "bold green"), outcome_line(outcome))
    return Text.assemble(
        ("✗ ", "bold red"),
        (outcome_line(outcome), "red"),
        "\n",
        ("remedy: ", "bold green"),
        remedy(outcome),
    )


def consent_text(facts: TargetFacts, preview: EnrichmentPreview) -> Text:
    """What the write will do to the chosen path, for the confirm dialog."""
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
