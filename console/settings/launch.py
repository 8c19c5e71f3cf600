"""Everything the TUI is started with: files, live options, the sandbox, user settings.

Built by the CLI (``lightspeed-console``, ``demo``) and by the tests; the app reads it and
never reaches back into argv or the environment. With a ``bringup`` (the demo), the files
and options are not known yet: the app paints, brings the services up behind its first
frame, and checks the `console.settings.bringup.Target` they produce.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from console.settings.live import LiveOptions
from console.settings.user import UserSettings

if TYPE_CHECKING:
    from console.settings.bringup import Bringup


@dataclass(frozen=True)
class Launch:
    """The TUI's inputs."""

    lightspeed_config: Path | None
    run_config: Path | None = None
    options: LiveOptions = field(default_factory=LiveOptions)
    read_only: bool = False
    sandbox: bool = False
    """The deployment is the demo's sandbox (the top bar says SANDBOX)."""
    bringup: Bringup | None = None
    """Services to bring up before there is anything to check (the demo's sandbox)."""
    environ: Mapping[str, str] | None = None
    settings: UserSettings = field(default_factory=UserSettings)
    deployment: str | None = None
    """The settings file's name for the deployment opened (``-d NAME``), if any."""
    tag: str | None = None
    env_secrets: tuple[str, ...] = ()
    """The env file's secrets (`console.settings.envfile.Layered.secrets`): the doctor
    masks them everywhere."""
    env_values: tuple[str, ...] = ()
    """Every value the env file gave: a crash report masks them all."""
    env_notice: str | None = None
    """Which exported variables won over the env file (names only), for the event log."""
    baseline: Path | None = None
    settings_problems: tuple[str, ...] = ()
    clock: Callable[[], float] | None = None
    """Wall clock for countdowns (tests freeze it); None means `time.time`."""
