"""A doctor status as a short coloured badge: the same marks as ``lightspeed-console check``."""

from __future__ import annotations

from rich.text import Text

from console.doctor.results import CheckStatus

_BADGES: dict[CheckStatus | None, tuple[str, str]] = {
    CheckStatus.PASS: ("✓ pass", "bold green"),
    CheckStatus.WARN: ("! warn", "bold yellow"),
    CheckStatus.FAIL: ("✗ fail", "bold red"),
    CheckStatus.SKIP: ("- skip", "dim"),
    None: ("… ", "dim"),
}


def badge(status: CheckStatus | None, *, running: bool = False) -> Text:
    """The badge text for a status (or a spinner-like mark while a step runs)."""
    if running:
        return Text("⟳ running", style="bold cyan")
    label, style = _BADGES[status]
    return Text(label, style=style)
