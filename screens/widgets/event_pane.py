"""The log pane: the console's one event log, newest last, toggled with ctrl+l.

Every screen has a pane, and every pane shows the same log as it is now: a pane draws
from the log itself, never from a copy it kept, so a screen the operator comes back to
shows what happened while it was away (the pane of a screen that is not shown only notes
that it is behind, and catches up when the screen is shown again). Each line is one row,
cut with an ellipsis where it does not fit (``l`` opens the whole log), and names the
deployment it is about.

It is given the event log it shows and knows nothing of the app. One `Static` in a scroll
container rather than a `RichLog`: the pane holds a few hundred short lines at most, and
`RichLog` brings ``rich.pretty`` (and with it ``attrs``) into the import path of the first
frame, about a twentieth of the time to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from screens.visible import SafeStatic

if TYPE_CHECKING:
    from screens.events import Event, EventLog

_STYLES = {"info": "", "success": "green", "warning": "yellow", "error": "red"}
MAX_LINES = 500
TAG_STYLE = "bold cyan"
"""The deployment a line is about."""


class EventPane(VerticalScroll, can_focus=False):
    """A short log below the screen's body, following its newest line.

    Laid out, not docked: docked at the bottom it would share the footer's row and lose
    its newest line under it.
    """

    DEFAULT_CSS = """
    EventPane {
        height: 6;
        border-top: solid $primary;
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    EventPane > SafeStatic {
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, events: EventLog, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._events = events
        self._text = SafeStatic()
        self._unsubscribe: Callable[[], None] | None = None
        self._shown_up_to = -1
        """The number of the newest line drawn (-1: nothing drawn yet)."""
        self._plain: list[str] = []

    def compose(self) -> ComposeResult:
        yield self._text

    def on_mount(self) -> None:
        self.anchor()
        self.catch_up()
        self._unsubscribe = self._events.subscribe(self._event_added)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @property
    def lines(self) -> list[str]:
        """The lines the pane shows now, as plain text (oldest first)."""
        return list(self._plain)

    @property
    def behind(self) -> bool:
        """The log has lines this pane has not drawn yet (its screen is not shown)."""
        return self._shown_up_to != self._events.count

    def catch_up(self) -> None:
        """Draw the log as it is now, following its newest line."""
        if not self.behind:
            return
        self._shown_up_to = self._events.count
        lines = [_line(event) for event in self._events.events[-MAX_LINES:]]
        self._plain = [line.plain for line in lines]
        self._text.update(Text("\n").join(lines))
        self.scroll_end(animate=False, immediate=False)

    def _event_added(self, _event: Event) -> None:
        """Drawn at once on the screen shown; the others catch up when they are shown."""
        if self.is_attached and self.screen.is_current:
            self.catch_up()


def _line(event: Event) -> Text:
    line = Text(event.at.strftime("%H:%M:%S "), style="dim", no_wrap=True, overflow="ellipsis")
    if event.deployment:
        line.append(event.deployment, style=TAG_STYLE)
        line.append(" ")
    line.append(event.text, style=_STYLES[event.level])
    return line
