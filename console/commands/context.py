"""`CommandContext`: what a command runs in, decided once before it starts.

The settings file (read once), the deployment ``-d NAME`` chose, and the environment its
``${env.*}`` and Entra credentials resolve against: an env file laid under the exported
variables, or the process's own. Every handler takes it beside its arguments, so no
command decides any of that again, and the type checker sees all of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from console.settings.target import process_environment

if TYPE_CHECKING:
    from console.settings.deployments import Deployment, SettingsProblem
    from console.settings.user import UserSettings


@dataclass(frozen=True)
class CommandContext:
    """The settings, the deployment and the environment of one command."""

    settings: UserSettings
    settings_file: Path
    settings_problems: tuple[SettingsProblem, ...] = ()
    deployment: Deployment | None = None
    """The ``[deployments.NAME]`` that ``-d`` chose; its values are the flags' defaults."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """For each flag the deployment gave, where: ``settings.toml:12: deployments.X.url``."""
    environ: Mapping[str, str] = field(default_factory=process_environment)
    """An env file under the exported variables, else the process's own."""
    env_file: Path | None = None
    env_secrets: tuple[str, ...] = ()
    """The env file's secrets: masked in every output."""
    env_values: tuple[str, ...] = ()
    """Every value the env file gave: a crash report masks them all."""
    notice: str | None = None
    """Which exported variables won over the env file (names only)."""
    env_sources: Mapping[str, str] = field(default_factory=dict)
    """For each variable the env file gave: ``pod.env:3``."""

    @property
    def layered(self) -> bool:
        """An env file was read: its secrets must be scrubbed from the output."""
        return self.env_file is not None

    def source_of(self, key: str, flag: str) -> str:
        """Where the value of ``key`` came from: the deployment's entry, else the flag."""
        return self.sources.get(key, flag)
