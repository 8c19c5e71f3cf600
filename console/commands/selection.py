"""Which deployment a command works on: ``-d NAME``, ``--env-file FILE``, ``--settings FILE``.

Registered once with the config options (`console.commands.options.add_config_options`),
so every command that reads a deployment's files takes them. `prepare` runs before the
command and returns its `CommandContext`: it reads the settings file once, and with
``-d NAME`` fills every option the command line left unset from that deployment (explicit
flags win), then reads the env file (the flag's, else the deployment's) and lays it under
the exported variables.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands.context import CommandContext
from console.shared.output import narrate

if TYPE_CHECKING:
    from console.settings.deployments import Deployment
    from console.settings.user import UserSettings

PATH_FLAGS = ("config", "run_config", "baseline", "ca_bundle", "stack_ca_bundle", "env_file")
"""The deployment's files, by the name of the flag that gives another one."""


def add_selection_options(parser: argparse._ActionsContainer) -> None:
    """``-d/--deployment``, ``--env-file`` and ``--settings``."""
    parser.add_argument(
        "-d",
        "--deployment",
        dest="deployments",
        action="append",
        default=None,
        metavar="NAME",
        help="a deployment named in the settings file ([deployments.NAME]); its values are "
        "the defaults of these options, which still win (`lightspeed-console deployments` "
        "lists them)",
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="the pod's environment as a dotenv file (KEY=value): its values serve ${env.*} "
        "and the Entra credentials as exported variables would; exported ones win, and no "
        "secret among them is ever shown (default: the deployment's env_file)",
    )
    add_settings_option(parser)


def add_settings_option(parser: argparse._ActionsContainer) -> None:
    """``--settings FILE``: another settings file than the default one."""
    parser.add_argument(
        "--settings",
        type=Path,
        default=None,
        metavar="FILE",
        help="the settings file to read (default: $LIGHTSPEED_CONSOLE_SETTINGS, else the one "
        "`lightspeed-console locate` shows)",
    )


def prepare(
    args: argparse.Namespace, *, deployment: bool, refusing: bool, several: bool = False
) -> CommandContext:
    """The command's context: the settings read once, ``-d NAME`` applied, the env file read.

    ``deployment``: the command works on a deployment's files (takes ``-d`` and
    ``--env-file``); each value of the chosen deployment becomes the default of its flag in
    ``args`` (a flag given still wins). ``refusing``: the command stops at a settings value
    it cannot start with (`UserSettings.refused`), said as an error instead of a warning.
    ``several``: the command checks several deployments at once (``check --all``, ``-d`` more
    than once), each prepared on its own.
    `ConfigFileError` (exit 2) for an unknown or unusable deployment or env file, naming the
    settings file and line.
    """
    from console.settings.user import load_user_settings, settings_choice

    path, source = settings_choice(getattr(args, "settings", None))
    settings, problems = load_user_settings(path, named=source != "default")
    said_as_errors = set(settings.refused) if refusing else set()
    for problem in problems:
        if problem not in said_as_errors:
            narrate(f"warning: {problem}", "yellow")
    context = CommandContext(settings, path, tuple(problems))
    if not deployment:
        return context
    names: list[str] = args.deployments or []
    if several and (args.all or len(names) > 1):
        return context  # check --all / several -d: each deployment is prepared on its own
    if len(names) > 1:
        raise _error(
            path,
            "-d names one deployment here (check takes several)",
            "Give one -d NAME, or run `lightspeed-console check -d A -d B`.",
            None,
        )
    sources: dict[str, str] = {}
    chosen = None
    if names:
        overridden = [  # given by a flag, or not used by this command
            key for key in PATH_FLAGS if not hasattr(args, key) or getattr(args, key) is not None
        ]
        chosen = find_deployment(settings, names[0], path, overridden)
        sources = _apply(args, chosen)
    context = replace(context, deployment=chosen, sources=sources)
    env_file: Path | None = getattr(args, "env_file", None)
    return _read_environment(context, env_file) if env_file is not None else context


def find_deployment(
    settings: UserSettings, name: str, settings_file: Path, overridden: list[str] | None = None
) -> Deployment:
    """The deployment called ``name``, usable as written; else `ConfigFileError` saying why.

    ``overridden``: keys given by flags, whose files the deployment need not have.
    """
    from console.settings.deployments import did_you_mean

    deployment = settings.deployments.get(name)
    if deployment is None:
        known = ", ".join(settings.deployments) or "none"
        state = "" if settings_file.exists() else " (the file does not exist)"
        raise _error(
            settings_file,
            f"no deployment named {name!r}{did_you_mean(name, settings.deployments)}; "
            f"known: {known}{state}",
            "Add it as [deployments.NAME] with config = ..., or run "
            "`lightspeed-console deployments` to list them.",
            None,
        )
    from console.settings.targets import usable

    problems = usable(deployment, overridden or ())
    if problems:
        for extra in problems[1:]:
            narrate(f"error: {extra}", "red")
            narrate(f"  remedy: {extra.remedy}")
        first = problems[0]
        raise _error(first.file, first.message, first.remedy, first.line)
    return deployment


def _apply(args: argparse.Namespace, deployment: Deployment) -> dict[str, str]:
    """Each value of the deployment becomes the default of its flag (set flags win).

    Returns where each value it gave came from.
    """
    from console.settings.targets import defaults_of

    sources: dict[str, str] = {}
    for key, value in defaults_of(deployment).items():
        if hasattr(args, key) and getattr(args, key) is None:
            if key == "authority":
                _check_authority(deployment, value)
            setattr(args, key, value)
            sources[key] = deployment.source_of(key)
    tag = f", tag {deployment.tag}" if deployment.tag else ""
    # A production-like tag in the warning colour, as on every screen that names it.
    style = "yellow" if deployment.is_prod else "dim"
    narrate(f"deployment: {deployment.name}{tag} ({deployment.where()})", style)
    return sources


def _check_authority(deployment: Deployment, value: str) -> None:
    from console.entra.authority import ACCEPTED_FORMS, authority_problem

    problem = authority_problem(value)
    if problem is not None:
        raise _error(
            deployment.source,
            f"deployment {deployment.name!r}: authority {value!r} cannot name an authority "
            f"({problem})",
            f"Write authority as {ACCEPTED_FORMS}.",
            deployment.key_lines.get("authority", deployment.line),
        )


def _read_environment(context: CommandContext, path: Path) -> CommandContext:
    """The context with the env file laid under the exported variables."""
    from console.settings.envfile import EnvFileError, layered, read_env_file

    try:
        env = read_env_file(path)
    except EnvFileError as error:
        raise _error(error.path, error.message, error.remedy, error.line) from None
    layer = layered(env, os.environ)
    narrate(f"env file: {env.path} ({len(env.values)} variables, values never shown)", "dim")
    notice = layer.notice()
    if notice:
        narrate(f"note: {notice}", "yellow")
    return replace(
        context,
        environ=dict(layer.environ),
        env_file=env.path,
        env_secrets=layer.secrets,
        env_values=layer.values,
        notice=notice,
        env_sources=layer.sources,
    )


def _error(file: Path, message: str, remedy: str, line: int | None) -> Exception:
    from console.config.errors import ConfigFileError

    return ConfigFileError(file, message, remedy, line)
