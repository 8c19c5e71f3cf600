"""A named deployment made into what the doctor checks: a `Target`.

One mapping from a ``[deployments.NAME]`` table to the inputs of a check, shared by the
command line (``-d NAME``, where each value is the default of its flag), ``check --all``
and the TUI's deployments screen, so a deployment is checked the same way from all three.
Its env file is read here and laid under the exported variables (`console.settings.envfile`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from console.settings.deployments import Deployment, SettingsProblem
from console.settings.envfile import layered, read_env_file
from console.settings.live import LiveOptions
from console.settings.target import Target

OPTION_KEYS = ("url", "provider_data_header", "authority", "ca_bundle", "stack_ca_bundle")
"""The deployment's keys that are `LiveOptions` fields of the same name."""


class DeploymentUnusable(Exception):
    """A deployment that cannot be checked as written; ``problems`` say where and why."""

    def __init__(self, deployment: Deployment, problems: list[SettingsProblem]) -> None:
        self.deployment = deployment
        self.problems = problems
        super().__init__(str(problems[0]))


def defaults_of(deployment: Deployment) -> dict[str, Any]:
    """Its values by the name of the flag they are the default of (unset ones left out)."""
    keys = (
        "config",
        "run_config",
        "baseline",
        *OPTION_KEYS,
        "read_only",
        "env_file",
    )
    return {key: value for key in keys if (value := getattr(deployment, key)) is not None}


def usable(deployment: Deployment, overridden: Collection[str] = ()) -> list[SettingsProblem]:
    """Why ``deployment`` cannot be checked now (bad values, missing files); empty if it can.

    ``overridden``: keys a flag gave instead, whose files are then not needed.
    """
    return [*deployment.problems, *deployment.missing_files(overridden)]


def deployment_target(
    deployment: Deployment,
    exported: Mapping[str, str],
    given: LiveOptions | None = None,
) -> Target:
    """What to check for ``deployment``; ``given`` options (flags) win over its values.

    Raises `DeploymentUnusable` for bad values or missing files, and
    `console.settings.envfile.EnvFileError` for an env file that cannot be read.
    """
    problems = usable(deployment)
    if problems:
        raise DeploymentUnusable(deployment, problems)
    assert deployment.config is not None  # a deployment without one has a problem
    env = read_env_file(deployment.env_file) if deployment.env_file is not None else None
    layer = layered(env, exported)
    base = given or LiveOptions()
    taken = [
        key
        for key in OPTION_KEYS
        if getattr(base, key) is None and getattr(deployment, key) is not None
    ]
    options = replace(
        base,
        **{key: getattr(deployment, key) for key in taken},
        sources={**base.sources, **{key: deployment.source_of(key) for key in taken}},
    )
    files = ("config", "run_config", "baseline", "env_file")
    return Target(
        lightspeed_config=deployment.config,
        run_config=deployment.run_config,
        options=options,
        environ=layer.environ,
        baseline=deployment.baseline,
        deployment=deployment.name,
        tag=deployment.tag,
        env_secrets=layer.secrets,
        env_notice=layer.notice(),
        read_only=deployment.read_only,
        sources={key: deployment.source_of(key) for key in files if getattr(deployment, key)},
        env_sources=layer.sources,
        settings_file=deployment.source,
        env_file=deployment.env_file,
    )
