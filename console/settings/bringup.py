"""Services that must come up before there is a deployment to check (the demo's sandbox).

The console paints its first frame at once and brings the services up behind it, showing
each one live: starting, installing (the first run downloads a server), ready in N ms, or
failed with the reason. What it gets at the end is a `Target`: the files and live options
of the deployment to check, exactly what the command line gives for a real one.

The core defines only the shape (`Bringup`, `ServiceUpdate`; the `Target` it yields is
`console.settings.target`'s); the sandbox
implements it, and the TUI renders the updates. So the core never imports the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from console.settings.target import Target


class Phase(StrEnum):
    """Where one service is."""

    WAITING = "waiting"
    STARTING = "starting"
    INSTALLING = "installing"
    READY = "ready"
    FAILED = "failed"
    REPLACED = "replaced"
    """It could not be had, and a stand-in runs in its place (the detail says why)."""


@dataclass(frozen=True)
class ServiceUpdate:
    """One service's state, as the bring-up reports it (from its own thread)."""

    service: str
    """A stable id: ``entra``, ``azure``, ``stack``."""
    label: str
    """What runs: ``Entra ID stand-in (HTTPS)``, ``OGX 1.2.5 (TLS)``..."""
    phase: Phase
    detail: str = ""
    """The URL when ready, the reason when failed, the installer's latest line meanwhile."""
    elapsed_s: float | None = None
    """Seconds from this service's start to ready (or to failure)."""


class BringupError(RuntimeError):
    """The services could not be brought up; ``remedy`` says what to do."""

    def __init__(self, message: str, remedy: str) -> None:
        super().__init__(message)
        self.remedy = remedy


class BringupCancelled(BringupError):
    """`Bringup.cancel` was called while the services were starting (a quit, a signal)."""

    def __init__(self) -> None:
        super().__init__("the start was cancelled", "")


Report = Callable[[ServiceUpdate], object]
"""Told of every change; what it returns is ignored."""


class Bringup(Protocol):
    """Something that brings services up, reports each one, and can be torn down."""

    @property
    def services(self) -> tuple[ServiceUpdate, ...]:
        """Every service, in its first state (so the screen can list them before they start)."""
        ...

    def start(self, report: Report) -> Target:
        """Bring everything up (blocking: call it from a thread); `BringupError` on failure."""
        ...

    def cancel(self) -> None:
        """Ask a `start` in progress to give up soon (never blocks)."""
        ...
