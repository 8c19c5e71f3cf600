"""A live countdown to a token's expiry and to the point where it will be refreshed.

Lightspeed refreshes the Entra token once the clock passes ``expires_on - 30 s``; an
operator watching a failing deployment wants to see, second by second, how long the
current token has and when the next request to Entra ID will happen. The widget ticks
once a second with `set_interval` and reads the time from the clock it is given (the
app's, which tests freeze), so what it shows is reproducible.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from console.shared.timefmt import countdown, local_time

WARN_BELOW_S = 300
"""Less than this left before the refresh point is shown in yellow."""


class Countdown(Static):
    """Two lines: time to expiry and time to the refresh point, coloured by urgency."""

    DEFAULT_CSS = """
    Countdown {
        height: auto;
    }
    """

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.expires_on: float | None = None
        self.refresh_at: float | None = None
        self.issued_at: float | None = None
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self._timer = self.set_interval(1.0, self.tick)
        self.tick()

    def set_target(
        self, expires_on: float | None, refresh_at: float | None, issued_at: float | None = None
    ) -> None:
        """Count towards these epochs (None: no token, nothing to count)."""
        self.expires_on = expires_on
        self.refresh_at = refresh_at
        self.issued_at = issued_at
        self.tick()

    def tick(self) -> None:
        """Redraw for the clock's current time."""
        self.update(self.render_at(self.clock()))

    def render_at(self, now: float) -> Text:
        """The countdown as of ``now`` (pure: the tests and the tick share it)."""
        if self.expires_on is None:
            return Text("no token yet: r gets one", style="dim")
        left = self.expires_on - now
        text = Text()
        text.append("expires  ", style="bold")
        text.append(countdown(left), style=_urgency(left, 0))
        text.append(f"  at {local_time(self.expires_on)}", style="dim")
        if self.refresh_at is not None:
            to_refresh = self.refresh_at - now
            text.append("\nrefresh  ", style="bold")
            if to_refresh >= 0:
                text.append(countdown(to_refresh), style=_urgency(to_refresh, WARN_BELOW_S))
            else:
                text.append(
                    f"due ({countdown(to_refresh)}): the next use asks Entra ID", style="bold red"
                )
            text.append(
                f"  at {local_time(self.refresh_at)} (expiry - "
                f"{self.expires_on - self.refresh_at:g} s leeway)",
                style="dim",
            )
        if self.issued_at is not None and self.expires_on > self.issued_at:
            lifetime = self.expires_on - self.issued_at
            used = min(max((now - self.issued_at) / lifetime, 0.0), 1.0)
            width = 30
            filled = round(used * width)
            text.append("\nlifetime ", style="bold")
            text.append("█" * filled, style=_urgency(left, 0))
            text.append("░" * (width - filled), style="dim")
            text.append(f" {used:.0%} used", style="dim")
        return text


def _urgency(seconds: float, warn_below: float) -> str:
    if seconds < 0:
        return "bold red"
    if seconds < max(warn_below, 60):
        return "bold yellow"
    return "bold green"
