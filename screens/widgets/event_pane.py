"""The log pane: the console's events, newest last, toggled with ctrl+l.

It is given the event log it shows, reads what is already there when it is mounted, and
follows it while mounted; it knows nothing of the app. One `Static` in a scroll container
rather than a `RichLog`: the pane holds a few hundred short lines at most, and `RichLog`
brings ``rich.pretty`` (and with it ``attrs``) into the import path of the first frame,
about a twentieth of the time to it.
"""

from __future__ import annotations

from collections import deque
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
    EventPane > Static {
        width: 1fr;
    }
    """

    def __init__(self, events: EventLog, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._events = events
        self._lines: deque[Text] = deque(maxlen=MAX_LINES)
        self._text = SafeStatic()
        self._unsubscribe: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield self._text

    def on_mount(self) -> None:
        self._lines.extend(_line(event) for event in self._events.events[-MAX_LINES:])
        self._show()
        self._unsubscribe = self._events.subscribe(self.show_event)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @property
    def lines(self) -> list[str]:
        """The lines shown, as plain text (oldest first)."""
        return [line.plain for line in self._lines]

    def show_event(self, event: Event) -> None:
        """Append one event and follow it."""
        self._lines.append(_line(event))
        self._show()

    def _show(self) -> None:
        self._text.update(Text("\n").join(self._lines))
        self.call_after_refresh(self.scroll_end, animate=False)


def _line(event: Event) -> Text:
    line = Text(event.at.strftime("%H:%M:%S "), style="dim")
    line.append(event.text, style=_STYLES[event.level])
    return line
