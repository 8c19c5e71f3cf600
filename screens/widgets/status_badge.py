"""A doctor status as a short coloured badge: the same marks as ``lightspeed-console check``."""

from __future__ import annotations

from rich.text import Text

from console.doctor.results import CheckStatus


def badge(status: CheckStatus | None, *, running: bool = False) -> Text:
    """The badge text for a status (or a spinner-like mark while a step runs)."""
    if running:
        return Text("⟳ running", style="bold cyan")
    if status is None:
        return Text("… ", style="dim")
    bold = "" if status is CheckStatus.SKIP else "bold "
    return Text(f"{status.mark} {status.value}", style=f"{bold}{status.style}")
