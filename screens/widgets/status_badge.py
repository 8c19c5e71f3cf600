"""A doctor status as a short coloured badge: the same marks as ``lightspeed-console check``.

A failure or a warning is a chip (its own background), not coloured text: on a highlighted
row (the table's cursor, a bright background) red or yellow text is unreadable, a chip
stays readable on any row. A result that no longer holds is marked ``stale`` the same way.
"""

from __future__ import annotations

from rich.text import Text

from console.doctor.results import CheckStatus

FAIL_STYLE = "bold white on red"
WARN_STYLE = "bold black on yellow"
STALE_STYLE = "bold black on dark_orange"

_BADGES: dict[CheckStatus | None, tuple[str, str]] = {
    CheckStatus.PASS: ("✓ pass", "bold green"),
    CheckStatus.WARN: ("! warn", WARN_STYLE),
    CheckStatus.FAIL: ("✗ fail", FAIL_STYLE),
    CheckStatus.SKIP: ("- skip", "dim"),
    None: ("… ", "dim"),
}


def badge(status: CheckStatus | None, *, running: bool = False, stale: bool = False) -> Text:
    """The badge text for a status (a spinner-like mark while a step runs, ``stale`` when
    the result no longer holds)."""
    if running:
        return Text("⟳ running", style="bold cyan")
    if stale:
        return Text("↻ stale", style=STALE_STYLE)
    label, style = _BADGES[status]
    return Text(label, style=style)
