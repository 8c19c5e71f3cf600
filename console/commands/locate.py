"""``locate``: where every file the console reads or would write is, and why.

Like k9s' info view: the settings file (whether it exists, and whether ``--settings`` or
``LIGHTSPEED_CONSOLE_SETTINGS`` chose it), the deployment ``-d`` names, the lightspeed-stack.yaml
and run.yaml that commands would read from here (and why that run.yaml), the environment
variables that change where things are looked for, and the environments the demo's and the
tests' real servers run from.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from console.commands.common import add_config_options, lightspeed_config_path
from console.commands.context import CommandContext
from console.commands.parser import command_help
from console.config.errors import ConfigFileError
from console.config.loader import choose_run_config
from console.config.views import TypedReader, read_llama_stack
from console.settings.state import state_path
from console.settings.user import SETTINGS_ENV, config_dir, settings_choice
from console.shared.exitcodes import ExitCode
from console.shared.output import emit, emit_json, table

LOCATE_EXAMPLES = (
    ("locate", "where the settings file, the configs and the server environments are"),
    ("locate -d prod-eu --json", "for a named deployment, as JSON"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``locate`` to the CLI."""
    parser = commands.add_parser(
        "locate",
        help="print where every file the console uses is",
        **command_help("locate", __doc__, LOCATE_EXAMPLES),
    )
    add_config_options(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Print the locations; reading the config only to say which run.yaml it names."""
    from console.config.envsubst import substitute
    from console.config.yamlio import read_yaml_file

    rows: list[tuple[str, str, str]] = []
    settings, source = settings_choice(args.settings)
    problems = context.settings_problems
    state = "exists" if settings.exists() else "not created (defaults in use)"
    if problems:
        state = "; ".join(map(str, problems))
    chosen_by = {
        "--settings": "named by --settings",
        SETTINGS_ENV: f"named by {SETTINGS_ENV}",
        "default": f"the default ({SETTINGS_ENV} or --settings name another)",
    }[source]
    rows.append(("settings file", str(settings), f"{state}; {chosen_by}"))
    deployment = context.deployment
    if deployment is not None:
        tag = f", tag {deployment.tag}" if deployment.tag else ""
        rows.append(("deployment", deployment.name, f"{deployment.where()}{tag}"))
    if args.env_file is not None:
        source = context.source_of("env_file", "--env-file")
        rows.append(
            (
                "env file",
                str(Path(args.env_file).expanduser()),
                f"values under the exported ones; {source}",
            )
        )
    rows.append(
        (
            "settings folder",
            str(config_dir()),
            "the OS's user config folder (Linux: XDG_CONFIG_HOME, else ~/.config)",
        )
    )
    remembered = state_path()
    rows.append(
        (
            "state file",
            str(remembered),
            ("exists" if remembered.is_file() else "not created yet")
            + "; what the console remembers (the theme last picked); safe to delete",
        )
    )
    lightspeed = lightspeed_config_path(args)
    stack = None
    if lightspeed is not None:
        try:
            yaml_file = read_yaml_file(lightspeed)
            stack = read_llama_stack(
                TypedReader(substitute(yaml_file.document, lightspeed), lightspeed)
            )
            given = "-c" if args.config is not None else "the default (./lightspeed-stack.yaml)"
            source = context.source_of("config", given)
            rows.append(("lightspeed-stack.yaml", str(lightspeed.resolve()), f"readable; {source}"))
        except ConfigFileError as error:
            rows.append(("lightspeed-stack.yaml", str(lightspeed), error.message))
    choice = choose_run_config(args.run_config, stack, given_by=context.sources.get("run_config"))
    run_path = str(choice.path.resolve()) if choice.path else "-"
    run_state = choice.reason
    if choice.path is not None and not choice.path.exists():
        run_state += " (missing)"
    rows.append(("run.yaml", run_path, run_state))
    rows.append(_authority_row(context))
    rows.extend(_server_rows())
    if args.json:
        emit_json([{"what": w, "where": p, "note": n} for w, p, n in rows])
    else:
        emit(table(["WHAT", "WHERE", "NOTE"], [list(row) for row in rows]))
    return ExitCode.OK


def _authority_row(context: CommandContext) -> tuple[str, str, str]:
    """The authority token requests would go to, and where that choice comes from: the
    deployment's entry, ``AZURE_AUTHORITY_HOST`` (an env file's line, or the environment),
    else the public cloud."""
    from console.entra.authority import ENV_VAR, resolve_authority
    from console.entra.errors import TokenError

    deployment = context.deployment
    value = deployment.authority if deployment is not None else None
    source = deployment.source_of("authority") if value is not None and deployment else None
    env_source = context.env_sources.get(ENV_VAR)
    try:
        authority = resolve_authority(value, context.environ, source=source, env_source=env_source)
    except TokenError as error:
        return ("authority", value or context.environ.get(ENV_VAR, ""), error.diagnosis.title)
    note = {
        "default": f"the public cloud (no authority in the deployment, no {ENV_VAR})",
        ENV_VAR: f"{ENV_VAR} in the environment",
    }.get(authority.source, authority.source)
    return ("authority", authority.url, f"{note}; --authority wins")


def _server_rows() -> list[tuple[str, str, str]]:
    """The server-environment cache, and each release built there (or not yet)."""
    from console.releases.catalog import RELEASES
    from console.releases.environments import CACHE_ENV, cache_root, cached_environment

    root = cache_root()
    rows = [("server environments", str(root), f"built by uv on first use; {CACHE_ENV} moves it")]
    for release in RELEASES.values():
        built = cached_environment(release, root)
        where = str(built.root) if built else "-"
        rows.append((f"  {release.label}", where, "built" if built else "not built yet"))
    return rows
