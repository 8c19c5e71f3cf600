"""`Target`: one deployment to check, declared once.

Whatever names the deployment (the command line, a ``[deployments.NAME]`` table, the demo's
bring-up), the doctor, the fleet and the console are given the same thing: its files, how
the live calls reach it, the environment its ``${env.*}`` and Entra credentials resolve
against, and the secrets its env file gave.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from console.settings.deployments import Deployment
from console.settings.live import LiveOptions


def process_environment() -> Mapping[str, str]:
    """The process's own variables: the environment when no env file is laid under them."""
    return os.environ


@dataclass(frozen=True)
class Target:
    """A deployment to check, and how to reach it."""

    lightspeed_config: Path | None
    run_config: Path | None = None
    options: LiveOptions = field(default_factory=LiveOptions)
    environ: Mapping[str, str] = field(default_factory=process_environment)
    """What ``${env.*}`` and the Entra credentials resolve against: an env file laid under
    the exported variables, else the process's own."""
    baseline: Path | None = None
    """Lightspeed's default synthesis baseline (``--baseline``), for unified mode."""
    env_secrets: tuple[str, ...] = ()
    """The secrets its env file gave: masked wherever text is shown."""
    deployment: str | None = None
    """Its name in the settings file (None: an unnamed one)."""
    tag: str | None = None
    env_notice: str | None = None
    """Which exported variables won over its env file (names only)."""
    read_only: bool | None = None
    deployments: Mapping[str, Deployment] = field(default_factory=dict)
    """Deployments the bring-up registered (the demo's), for the deployments screen."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Where a file came from when a deployment's entry gave it (``run_config``:
    ``settings.toml:5: deployments.NAME.run_config``); absent: the command line."""
    settings_file: Path | None = None
    """The settings file that names ``deployment`` (for a command line that selects it)."""
    env_file: Path | None = None
    """The env file laid under the exported variables, if one was."""
    env_sources: Mapping[str, str] = field(default_factory=dict)
    """For each variable its env file gave: ``pod.env:3`` (`console.settings.envfile`);
    a variable absent here comes from the process's environment."""
