"""``tui`` (the default): open the console on a deployment's files.

``lightspeed-console [-c lightspeed-stack.yaml] [--run-config run.yaml] [--url URL]``
takes the same options as the headless commands. ``--read-only`` makes no live call until
asked (ctrl+r or r on the doctor screen).
"""

from __future__ import annotations

import argparse
import os

from console.commands.live import add_live_options, live_options
from console.commands.options import add_config_options, lightspeed_config_path
from console.commands.selection import user_settings
from console.settings.launch import Launch
from console.shared.exitcodes import ExitCode
from console.shared.output import narrate


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``tui`` to the CLI (also what runs when no command is given)."""
    parser = commands.add_parser(
        "tui",
        help="open the console (the default)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_tui_options(parser)
    parser.set_defaults(handler=run)


def add_tui_options(parser: argparse.ArgumentParser) -> None:
    """The options of the TUI: the files, how live calls are made, read-only."""
    add_config_options(parser)
    add_live_options(parser)
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="make no live call until asked (also `read_only = true` in the settings file)",
    )


def run(args: argparse.Namespace) -> ExitCode:
    """Build the launch description and run the app until the user quits (70: it crashed)."""
    from console.cli import launch_tui

    settings = user_settings(args)  # its problems are said on stderr and shown on screen
    if settings.refused:  # values the screens cannot start with: said, as usage errors
        for problem in settings.refused:
            narrate(f"error: {problem}", "red")
            narrate(f"  remedy: {problem.remedy}")
        return ExitCode.ERROR
    deployment = args.deployment
    layered = args.environ is not None
    launch = Launch(
        lightspeed_config=lightspeed_config_path(args),
        run_config=args.run_config,
        options=live_options(args, settings),
        read_only=settings.read_only if args.read_only is None else args.read_only,
        environ=args.environ if layered else dict(os.environ),
        settings=settings,
        settings_problems=args.settings_problems,
        deployment=deployment.name if deployment else None,
        tag=deployment.tag if deployment else None,
        env_secrets=args.env_secrets,
        env_values=args.env_values,
        env_notice=args.env_notice,
        baseline=args.baseline,
    )
    return launch_tui(launch)
