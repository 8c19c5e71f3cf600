"""What every screen of the console shares: the bars, the log pane, and redrawing on change.

A screen is handed the console (`screens.host.ConsoleHost`) when it is made and shows the
doctor's state; whenever the console publishes ``revised`` (a step finished, a file was
reloaded, a token arrived), `refresh_view` redraws from that state. Screens never do I/O:
they ask the console, which runs the core in its workers.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer

from screens.host import ConsoleHost
from screens.widgets.deployment_bar import DeploymentBar
from screens.widgets.event_pane import EventPane
from screens.widgets.footer import KeyFooter


class ConsoleScreen(Screen[None]):
    """Base of the six job screens."""

    TITLE: ClassVar[str] = ""
    """Shown in the top bar."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave_input", "Leave input", id="screen.leave-input"),
    ]

    WAIT_TICK_S: ClassVar[float] = 0.5
    """How often the time a live call has waited is redrawn while one runs."""

    def __init__(self, console: ConsoleHost) -> None:
        super().__init__()
        self.console = console
        """The console this screen shows and asks (never the App class itself)."""
        self._wait_ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield DeploymentBar(id="deployment-bar")
        with Vertical(id="body"):
            yield from self.compose_body()
        yield EventPane(self.console.events, id="event-pane")
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets."""
        yield from ()

    def on_mount(self) -> None:
        # Not immediate: the redraw runs as this screen's own callback, so an error in it
        # reaches the app like any other (Signal.publish would only log it and go on).
        self.console.revised.subscribe(self, self._revised)
        self._redraw()

    def on_screen_resume(self) -> None:
        self._redraw()

    def _revised(self, _revision: int | None = None) -> None:
        """The state moved: redraw now if this screen is shown, else when it is resumed."""
        if self.is_current:
            self._redraw()

    def _redraw(self) -> None:
        self.console.fill_deployment_bar(self.query_one(DeploymentBar), self.TITLE)
        pane = self.query_one(EventPane)
        pane.display = self.console.show_events
        pane.catch_up()  # the one log, as it is now: lines added while away included
        self.refresh_view()
        self._follow_waits()

    def _follow_waits(self) -> None:
        """Tick while a live call runs (its elapsed time moves), not otherwise."""
        waiting = self.waiting()
        if self._wait_ticker is None:
            if not waiting:
                return
            self._wait_ticker = self.set_interval(self.WAIT_TICK_S, self._tick_waits)
        elif waiting:
            self._wait_ticker.resume()
        else:
            self._wait_ticker.pause()

    def _tick_waits(self) -> None:
        if not self.is_current or not self.waiting():
            if self._wait_ticker is not None:
                self._wait_ticker.pause()
            return
        self.refresh_waiting()

    def waiting(self) -> bool:
        """A live call this screen shows is under way (override: what the screen shows)."""
        return bool(self.console.running)

    def refresh_waiting(self) -> None:
        """Redraw how long the live calls have waited (override to redraw less than all)."""
        self.refresh_view()

    def waited(self, step: str) -> str:
        """How long ``step`` has been running, as the status lines say it (``3.1 s``)."""
        since = self.console.running_since.get(step)
        return elapsed_text(time.monotonic() - since) if since is not None else ""

    def refresh_view(self) -> None:
        """Redraw from the doctor's state (override)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``escape`` is offered (and shown) only while an input has the keys."""
        if action == "leave_input":
            # An input is what takes the letters and digits as text (Input, TextArea...).
            focused = self.focused
            return focused is not None and focused.check_consume_key("x", "x")
        return super().check_action(action, parameters)

    def action_leave_input(self) -> None:
        """Give the keys back to the screen: its letters and digits work again."""
        self.set_focus(None)


def elapsed_text(seconds: float) -> str:
    """How long a live call has waited: ``0.4 s``, ``3.1 s``, ``12 s``, ``2 min 5 s``."""
    seconds = max(seconds, 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"
