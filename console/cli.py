"""Entry point ``lightspeed-console``: headless subcommands.

Every failure a user can cause ends in one message naming the file (and line) or endpoint
with a remedy, and a documented exit code; a traceback is only ever a bug (exit 70).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from console import __version__
from console.exitcodes import ExitCode
from console.launch import Launch


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from console.commands import (
        check,
        demo,
        enrich,
        infer,
        locate,
        providers,
        review,
        serve,
        token,
        tui,
    )

    parser = argparse.ArgumentParser(
        prog="lightspeed-console",
        description=(
            "Console for Lightspeed Core Stack deployments on Azure OpenAI with Entra ID. "
            "Exit codes: 0 ok, 1 found (a finding, a change, a failed check), 2 error, 70 bug."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    review.register(commands)
    enrich.register(commands)
    providers.register(commands)
    token.register(commands)
    infer.register(commands)
    check.register(commands)
    demo.register(commands)
    tui.register(commands)
    locate.register(commands)
    serve.register(commands)
    return parser


def command_names() -> set[str]:
    """The subcommands this build offers (the demo's tour runs the ones that exist)."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (``sys.exit`` is the caller's business)."""
    from console.atomic import WriteRefused
    from console.commands.common import UnusableConfig
    from console.config.errors import ConfigFileError
    from console.output import narrate
    from console.redact import scrub

    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or (words[0].startswith("-") and words[0] not in ("-h", "--help", "--version")):
        words.insert(0, "tui")  # the console itself is the default command
    args = parser.parse_args(words)
    try:
        return int(args.handler(args))
    except ConfigFileError as error:
        narrate(f"error: {error}", "red")
        narrate(f"  remedy: {error.remedy}")
        return ExitCode.ERROR
    except UnusableConfig as error:
        for finding in error.findings:
            narrate(f"error: {finding.location}: {finding.message}", "red")
            narrate(f"  remedy: {finding.remedy}")
        return ExitCode.ERROR
    except WriteRefused as error:
        narrate(f"error: {error}", "red")
        narrate(f"  remedy: {error.remedy}")
        return ExitCode.ERROR
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        narrate(f"error: {where}{error.strerror or error}", "red")
        return ExitCode.ERROR
    except KeyboardInterrupt:
        narrate("interrupted")
        return 130
    except Exception as error:  # a bug: say so plainly, without a traceback or a secret
        narrate(f"internal error ({type(error).__name__}): {scrub(str(error))}", "red")
        narrate("  this is a bug in lightspeed-console; please report it with the command line")
        return ExitCode.INTERNAL


def launch_tui(launch: Launch) -> None:
    """Run the Textual app; Textual is imported only here, after the CLI has parsed."""
    from screens.app import LightspeedConsole

    LightspeedConsole(launch).run()


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
