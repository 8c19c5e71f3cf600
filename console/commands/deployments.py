"""``deployments``: the named deployments of the settings file, and whether each can be used.

No server is asked (``check --all`` does that). ``--help`` says what is listed, with an
example table, in `DEPLOYMENTS_DESCRIPTION`.
"""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.context import CommandContext
from console.commands.parser import command_help
from console.commands.selection import add_settings_option
from console.commands.tables import styled_table
from console.settings.deployments import Deployment
from console.settings.targets import usable
from console.shared.exitcodes import ExitCode
from console.shared.output import Piece, emit, emit_json, narrate

DEPLOYMENTS_DESCRIPTION = """\
The named deployments of the settings file, and whether each can be used.

One row each: name, tag, the lightspeed-stack.yaml, the server URL (the table's ``url``,
else the one its file names), which Lightspeed the file is written for (read from it when
it can be read) and what is wrong with the entry, if anything. ``--json`` for scripts.
No server is asked: ``check --all`` does that. A deployment is written in the settings file
(``lightspeed-console locate`` shows where) as::

    [deployments.prod-eu]
    config = "prod-eu/lightspeed-stack.yaml"     # required; relative to the settings file
    run_config = "prod-eu/run.yaml"
    url = "https://ogx.prod-eu.example:8321"
    authority = "public"
    ca_bundle = "certs/proxy-ca.pem"
    stack_ca_bundle = "certs/ogx-ca.pem"
    provider_data_header = "X-OGX-Provider-Data"
    baseline = "default_run.yaml"
    read_only = true
    tag = "prod"                                 # a prod-like tag shows in a warning colour
    env_file = "prod-eu/pod.env"                 # the pod's variables (dotenv)

Exit codes: 0 every deployment is usable, 1 one or more is not, 2 no deployments.
"""
"""What ``--help`` says above the options (`command_help` takes out the markup)."""

DEPLOYMENTS_EXAMPLES = (
    ("deployments", "the deployments of the settings file and whether each can be used"),
    ("deployments --settings team.toml --json", "another settings file, as JSON"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``deployments`` to the CLI."""
    parser = commands.add_parser(
        "deployments",
        help="list the deployments named in the settings file",
        **command_help("deployments", DEPLOYMENTS_DESCRIPTION, DEPLOYMENTS_EXAMPLES),
    )
    add_settings_option(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """List them; reading each one's lightspeed-stack.yaml only to say its generation."""
    settings = context.settings
    if not settings.deployments:
        narrate(f"no deployments in {context.settings_file}", "yellow")
        narrate("  add one as [deployments.NAME] with config = ... (see --help)")
        if args.json:
            emit_json([])
        return ExitCode.ERROR
    rows = [describe(deployment) for deployment in settings.deployments.values()]
    if args.json:
        emit_json(rows)
    else:
        emit(*_table(rows))
    broken = [row["name"] for row in rows if row["problems"]]
    if broken:
        narrate(f"not usable as written: {', '.join(broken)}", "red")
        return ExitCode.FOUND
    return ExitCode.OK


def describe(deployment: Deployment) -> dict[str, Any]:
    """One deployment as plain data: what it names, its generation, its problems."""
    generation, url = _read(deployment)
    return {
        "name": deployment.name,
        "tag": deployment.tag,
        "prod": deployment.is_prod,
        "config": str(deployment.config) if deployment.config else None,
        "run_config": str(deployment.run_config) if deployment.run_config else None,
        "url": deployment.url or url,
        "generation": generation,
        "env_file": str(deployment.env_file) if deployment.env_file else None,
        "read_only": deployment.read_only,
        "where": deployment.where(),
        "problems": [
            {"where": problem.location, "message": problem.message, "remedy": problem.remedy}
            for problem in usable(deployment)
        ],
    }


def _read(deployment: Deployment) -> tuple[str | None, str | None]:
    """(generation, server URL) from its lightspeed-stack.yaml, when it can be read.

    Read raw, without ``${env.*}``: the URL shown is as written, never a value from an env
    file (which would be a secret here).
    """
    if deployment.config is None or not deployment.config.is_file():
        return None, None
    from console.config.errors import ConfigFileError
    from console.config.lightspeed import read_generation, section_of
    from console.config.yamlio import read_yaml_file, to_plain

    try:
        data = to_plain(read_yaml_file(deployment.config).document)
    except ConfigFileError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    _, section = section_of(data)
    url = section.get("url")
    return read_generation(data).generation.short, str(url) if url else None


def _table(rows: list[dict[str, Any]]) -> list[Piece]:
    body = []
    for row in rows:
        problems = row["problems"]
        state = f"{problems[0]['where']}: {problems[0]['message']}" if problems else "ok"
        if len(problems) > 1:
            state += f" (+{len(problems) - 1} more)"
        body.append(
            [
                row["name"],
                row["tag"] or "-",
                row["generation"] or "-",
                row["url"] or "-",
                row["config"] or "-",
                state,
            ]
        )

    def style(index: int, column: int) -> str | None:
        if column == 1 and rows[index]["prod"]:
            return "yellow"
        if column == 5 and rows[index]["problems"]:
            return "red"
        return None

    return styled_table(["NAME", "TAG", "LIGHTSPEED", "URL", "CONFIG", "STATE"], body, style)
