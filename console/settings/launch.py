"""Everything the TUI is started with: files, live options, the sandbox, user settings.

Built by the CLI (``lightspeed-console``, ``demo``) and by the tests; the app reads it and
never reaches back into argv or the environment. With a ``bringup`` (the demo), the files
and options are not known yet: the app paints, brings the services up behind its first
frame, and checks the `console.settings.target.Target` they produce.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from console.settings.target import Target
from console.settings.user import UserSettings

if TYPE_CHECKING:
    from console.settings.bringup import Bringup
    from console.settings.deployments import SettingsProblem


def _no_target() -> Target:
    return Target(None)


@dataclass(frozen=True)
class Launch:
    """The TUI's inputs: the deployment (a `Target`) and how the console shows it."""

    target: Target = field(default_factory=_no_target)
    """What to check; with a ``bringup`` (the demo), nothing yet: the bring-up makes it."""
    read_only: bool = False
    sandbox: bool = False
    """The deployment is the demo's sandbox (the top bar says SANDBOX)."""
    bringup: Bringup | None = None
    """Services to bring up before there is anything to check (the demo's sandbox)."""
    settings: UserSettings = field(default_factory=UserSettings)
    env_values: tuple[str, ...] = ()
    """Every value the env file gave: a crash report masks them all."""
    settings_problems: tuple[SettingsProblem, ...] = ()
    clock: Callable[[], float] | None = None
    """Wall clock for countdowns (tests freeze it); None means `time.time`."""
