"""The event log: what the console did and what came back, for the log pane (no secrets).

There is one log for the whole console. Every screen's log pane shows it as it is now
(`screens.widgets.event_pane`), and each line names the deployment it is about, so a
failure of another deployment (a fleet check, a run that was still finishing when the
operator switched) can never pass for one of the deployment shown.

Every line passes through `console.shared.redact.scrub` with the secrets the console knows of, so
an SDK message that echoes a token never reaches the screen, then through
`console.shared.sanitize.visible`, so a line quoting a file or a server is one line with its
control characters shown escaped (the log pane and anything else that shows it get it so).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from console.shared.redact import scrub
from console.shared.sanitize import visible

if TYPE_CHECKING:
    from pydantic import SecretStr

Level = Literal["info", "success", "warning", "error"]
MAX_EVENTS = 500


class _Current(enum.Enum):
    """The default of `EventLog.add`'s ``deployment``: the one the console shows now."""

    SHOWN = enum.auto()


SHOWN = _Current.SHOWN


@dataclass(frozen=True)
class Event:
    """One line of the log."""

    at: datetime
    level: Level
    text: str
    deployment: str | None = None
    """The deployment the line is about (None: the console itself, e.g. its settings)."""
    number: int = 0
    """Counts from 1 across the log's life: which lines a pane has already shown."""


class EventLog:
    """A bounded list of events; subscribers (the log panes) are told about each new one."""

    def __init__(self, clock: Callable[[], datetime] = datetime.now) -> None:
        self.clock = clock
        self.events: list[Event] = []
        self._listeners: list[Callable[[Event], None]] = []
        self._count = 0
        self.secrets: Callable[[], Iterable[SecretStr | str | None]] = list
        self.shown: Callable[[], str | None] = lambda: None
        """The deployment the console shows now: what a line is about unless it says."""

    def add(
        self, text: str, level: Level = "info", *, deployment: str | _Current | None = SHOWN
    ) -> Event:
        """Record an event, scrubbed of every secret the console holds, made visible.

        ``deployment`` is the one the line is about: by default the one shown now; a
        worker that ran for another one (a fleet row, a run the operator switched away
        from) names it; None for the console's own lines.
        """
        about = self.shown() if deployment is SHOWN else deployment
        self._count += 1
        event = Event(
            self.clock(),
            level,
            visible(scrub(text, self.secrets())),
            visible(about) if about else None,
            self._count,
        )
        self.events.append(event)
        del self.events[:-MAX_EVENTS]
        for listener in list(self._listeners):
            listener(event)
        return event

    @property
    def count(self) -> int:
        """How many lines were ever added (the newest line's number)."""
        return self._count

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``listener`` with every new event until the returned function is called."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe


def event_line(event: Event) -> str:
    """An event as one plain line: time, deployment, text (the full log, a copy)."""
    about = f"[{event.deployment}] " if event.deployment else ""
    return f"{event.at:%H:%M:%S} {about}{event.text}"
