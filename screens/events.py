"""The event log: what the console did and what came back, for the log pane (no secrets).

Every line passes through `console.shared.redact.scrub` with the secrets the console knows of, so
an SDK message that echoes a token never reaches the screen, then through
`console.shared.sanitize.visible`, so a line quoting a file or a server is one line with its
control characters shown escaped (the log pane and anything else that shows it get it so).
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Event:
    """One line of the log."""

    at: datetime
    level: Level
    text: str


class EventLog:
    """A bounded list of events; subscribers (the log panes) are told about each new one."""

    def __init__(self, clock: Callable[[], datetime] = datetime.now) -> None:
        self.clock = clock
        self.events: list[Event] = []
        self._listeners: list[Callable[[Event], None]] = []
        self.secrets: Callable[[], Iterable[SecretStr | str | None]] = list

    def add(self, text: str, level: Level = "info") -> Event:
        """Record an event, scrubbed of every secret the console holds, made visible."""
        event = Event(self.clock(), level, visible(scrub(text, self.secrets())))
        self.events.append(event)
        del self.events[:-MAX_EVENTS]
        for listener in list(self._listeners):
            listener(event)
        return event

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``listener`` with every new event until the returned function is called."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe
