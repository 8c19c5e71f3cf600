"""What every screen of the console shares: the bars, the log pane, and redrawing on change.

A screen shows the doctor's state; whenever the app's ``revision`` moves (a step finished,
a file was reloaded, a token arrived), `refresh_view` redraws from that state. Screens never
do I/O: they ask the app, which runs the core in workers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen

from screens.widgets.deployment_bar import DeploymentBar
from screens.widgets.event_pane import EventPane
from screens.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from screens.app import LightspeedConsole


class ConsoleScreen(Screen[None]):
    """Base of the six job screens."""

    TITLE: ClassVar[str] = ""
    """Shown in the top bar."""

    def compose(self) -> ComposeResult:
        yield DeploymentBar(id="deployment-bar")
        with Vertical(id="body"):
            yield from self.compose_body()
        yield EventPane(id="event-pane")
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets."""
        yield from ()

    @property
    def console(self) -> LightspeedConsole:
        """The app, typed."""
        return cast("LightspeedConsole", self.app)

    def on_mount(self) -> None:
        self.watch(self.console, "revision", self._revised, init=True)

    def on_screen_resume(self) -> None:
        self._revised()

    def _revised(self) -> None:
        self.console.fill_deployment_bar(self.query_one(DeploymentBar), self.TITLE)
        self.query_one(EventPane).display = self.console.show_events
        self.refresh_view()

    def refresh_view(self) -> None:
        """Redraw from the doctor's state (override)."""
