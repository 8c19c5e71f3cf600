"""A doctor status as a short coloured badge: the same marks as ``lightspeed-console check``.

A failure or a warning is a chip (its own background), not coloured text: on a highlighted
row (the table's cursor, a bright background) red or yellow text is unreadable, a chip
stays readable on any row. A result that no longer holds is marked ``stale`` the same way.
"""

from __future__ import annotations

from rich.text import Text

from console.doctor.results import CheckStatus

FAIL_STYLE = f"bold white on {CheckStatus.FAIL.style}"
WARN_STYLE = f"bold black on {CheckStatus.WARN.style}"
STALE_STYLE = "bold black on dark_orange"


def status_style(status: CheckStatus) -> str:
    """A failure or a warning as a chip, the others in their status's colour."""
    if status is CheckStatus.FAIL:
        return FAIL_STYLE
    if status is CheckStatus.WARN:
        return WARN_STYLE
    return status.style if status is CheckStatus.SKIP else f"bold {status.style}"


def badge(status: CheckStatus | None, *, running: bool = False, stale: bool = False) -> Text:
    """The badge text for a status (a spinner-like mark while a step runs, ``stale`` when
    the result no longer holds)."""
    if running:
        return Text("⟳ running", style="bold cyan")
    if stale:
        return Text("↻ stale", style=STALE_STYLE)
    if status is None:
        return Text("… ", style="dim")
    return Text(f"{status.mark} {status.value}", style=status_style(status))
