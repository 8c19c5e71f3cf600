"""``review``: the findings for a deployment's configuration.

Exit 0 when no finding is an error, 1 when one is, 2 when a file cannot be read at all or
holds values of the wrong type where Lightspeed or Llama Stack read them (they would refuse it).
"""

from __future__ import annotations

import argparse

from console.commands.common import add_config_options, load_for, print_findings
from console.commands.context import CommandContext
from console.commands.parser import command_help
from console.shared.exitcodes import ExitCode
from console.shared.findings import Severity, unusable
from console.shared.output import emit_json

REVIEW_EXAMPLES = (
    (
        "review -c lightspeed-stack.yaml -i run.yaml",
        "findings of both files, each with file:line and a remedy",
    ),
    ("review -d prod-eu --json", "a named deployment's findings, as JSON for a script"),
    ("review -c - < lightspeed-stack.yaml", "a file read from stdin"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``review`` to the CLI."""
    parser = commands.add_parser(
        "review",
        help="review lightspeed-stack.yaml and run.yaml: findings with file:line",
        **command_help("review", __doc__, REVIEW_EXAMPLES),
    )
    add_config_options(parser)
    parser.add_argument("--json", action="store_true", help="print findings as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Load, review, print; the exit code says whether an error was found."""
    loaded = load_for(args, context, allow_unusable=True)
    if args.json:
        emit_json(
            {
                "lightspeed_config": str(loaded.lightspeed.path) if loaded.lightspeed else None,
                "run_config": str(loaded.run.path) if loaded.run else None,
                "run_config_reason": loaded.run_choice.reason,
                "generation": (
                    {
                        "generation": loaded.generation.generation.value,
                        "label": loaded.generation.generation.label,
                        "section": loaded.generation.section,
                        "unified": loaded.generation.unified,
                        "reason": loaded.generation.reason,
                    }
                    if loaded.generation
                    else None
                ),
                "findings": [finding.to_dict() for finding in loaded.findings],
            }
        )
    else:
        print_findings(loaded.findings)
    if unusable(loaded.findings):
        return ExitCode.ERROR
    has_error = any(finding.severity is Severity.ERROR for finding in loaded.findings)
    return ExitCode.FOUND if has_error else ExitCode.OK
