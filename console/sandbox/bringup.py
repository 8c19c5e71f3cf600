"""The demo's sandbox as the console's `console.settings.bringup.Bringup`, light to import.

``demo`` hands this to the console before its first frame: it validates the choice and
lists the services at once, and imports the sandbox itself (a web framework, the stand-ins,
the server launcher) only in `start`, which the console calls from a worker thread after it
has painted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from console.sandbox.choice import choose_stack
from console.settings.bringup import BringupCancelled, Report, ServiceUpdate
from console.settings.target import Target

if TYPE_CHECKING:
    from console.sandbox.demo import DemoSandbox


class DemoBringup:
    """Brings the demo's sandbox up when asked; `stop` tears down whatever it started."""

    def __init__(self, server: str | None = None, faults: Iterable[str] = ()) -> None:
        """Raises at once for a bad ``--server`` / ``--fault`` choice, before any start."""
        self.fault_names = list(faults)
        self.server = server
        self.choice = choose_stack(server, self.fault_names)
        self.sandbox: DemoSandbox | None = None
        self._lock = threading.Lock()
        self._cancelled = False

    @property
    def services(self) -> tuple[ServiceUpdate, ...]:
        """The three services, waiting (the same rows the sandbox reports on)."""
        return self.choice.services

    def start(self, report: Report) -> Target:
        """Import and start the sandbox (blocking: the console calls it from a thread)."""
        from console.sandbox.demo import DemoSandbox

        with self._lock:
            if self._cancelled:
                raise BringupCancelled
            self.sandbox = DemoSandbox(server=self.server, faults=self.fault_names)
        return self.sandbox.start(report).target()

    def cancel(self) -> None:
        """Make a start in progress give up soon; never blocks."""
        with self._lock:
            self._cancelled = True
            if self.sandbox is not None:
                self.sandbox.cancel()

    def stop(self) -> None:
        """Cancel a start in progress and stop everything started (waits for the start)."""
        self.cancel()
        if self.sandbox is not None:
            self.sandbox.stop()
