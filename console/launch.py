"""Everything the TUI is started with: files, live options, the sandbox, user settings.

Built by the CLI (``lightspeed-console``, ``demo``) and by the tests; the app reads it and
never reaches back into argv or the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from console.live_options import LiveOptions
from console.user_settings import UserSettings

if TYPE_CHECKING:
    from console.sandbox.demo import DemoInfo


@dataclass(frozen=True)
class Launch:
    """The TUI's inputs."""

    lightspeed_config: Path | None
    run_config: Path | None = None
    options: LiveOptions = field(default_factory=LiveOptions)
    read_only: bool = False
    sandbox: DemoInfo | None = None
    environ: Mapping[str, str] | None = None
    settings: UserSettings = field(default_factory=UserSettings)
    settings_problems: tuple[str, ...] = ()
    clock: Callable[[], float] | None = None
    """Wall clock for countdowns (tests freeze it); None means `time.time`."""
