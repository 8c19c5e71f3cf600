"""The log pane: the console's events, newest last, toggled with ctrl+l."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import RichLog

if TYPE_CHECKING:
    from screens.events import Event

_STYLES = {"info": "", "success": "green", "warning": "yellow", "error": "red"}


class EventPane(RichLog):
    """A short scrolling log docked at the bottom."""

    DEFAULT_CSS = """
    EventPane {
        dock: bottom;
        height: 6;
        border-top: solid $primary;
        background: $surface;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=True, markup=False, highlight=False, max_lines=500)

    def on_mount(self) -> None:
        from screens.app import LightspeedConsole

        app = self.app
        if isinstance(app, LightspeedConsole):
            for event in app.events.events[-50:]:
                self.show_event(event)
            app.events.listeners.append(self.show_event)

    def on_unmount(self) -> None:
        from screens.app import LightspeedConsole

        app = self.app
        if isinstance(app, LightspeedConsole) and self.show_event in app.events.listeners:
            app.events.listeners.remove(self.show_event)

    def show_event(self, event: Event) -> None:
        """Append one event."""
        line = Text(event.at.strftime("%H:%M:%S "), style="dim")
        line.append(event.text, style=_STYLES[event.level])
        self.write(line)
