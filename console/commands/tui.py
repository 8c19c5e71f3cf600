"""``tui`` (the default): open the console on a deployment's files.

``lightspeed-console [-c lightspeed-stack.yaml] [--run-config run.yaml] [--url URL]``
takes the same options as the headless commands. ``--read-only`` makes no live call until
asked (ctrl+r or r on the doctor screen).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.commands.context import CommandContext
from console.commands.live import add_live_options, target_for
from console.commands.options import add_config_options
from console.commands.parser import command_help
from console.settings.launch import Launch
from console.shared.exitcodes import ExitCode
from console.shared.output import narrate

if TYPE_CHECKING:
    from pydantic import SecretStr

    from screens.app import LightspeedConsole


TUI_EXAMPLES = (
    ("", "the console on ./lightspeed-stack.yaml"),
    ("-d prod-eu --read-only", "a named deployment, without live calls until asked"),
    (
        "tui -c lightspeed-stack.yaml --url https://ogx:8321 --stack-ca-bundle ogx-ca.pem",
        "a server over TLS with a private CA",
    ),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``tui`` to the CLI (also what runs when no command is given)."""
    parser = commands.add_parser(
        "tui",
        help="open the console (the default)",
        **command_help("tui", __doc__, TUI_EXAMPLES),
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


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Build the launch description and run the app until the user quits (70: it crashed)."""
    settings = context.settings  # its problems were said on stderr and are shown on screen
    if settings.refused:  # values the screens cannot start with: said, as usage errors
        for problem in settings.refused:
            narrate(f"error: {problem}", "red")
            narrate(f"  remedy: {problem.remedy}")
        return ExitCode.ERROR
    launch = Launch(
        target=target_for(args, context),
        read_only=settings.read_only if args.read_only is None else args.read_only,
        settings=settings,
        settings_problems=context.settings_problems,
        env_values=context.env_values,
    )
    return launch_tui(launch)


def launch_tui(launch: Launch, cleanup: Callable[[], object] | None = None) -> ExitCode:
    """Run the Textual app until the user quits; Textual is imported only here.

    SIGTERM, SIGHUP, a closed terminal or (for a ``serve`` tab) the end of ``serve`` end
    the app too, and the process if the app cannot end, after ``cleanup`` (the demo's
    teardown; `console.shared.lifeline`).

    A crash of the app (`screens.app.LightspeedConsole.crash`: Textual prints no report
    of it) or an exception out of Textual itself is a bug: reported in one line, every
    secret the console knows masked (the env file's values, the doctor's), exit 70.
    """
    from console.serving.tabs import serving_parent
    from console.shared.lifeline import Lifeline, terminal_of

    apps: list[LightspeedConsole] = []

    def ask_to_stop() -> None:
        for app in apps:
            app.request_stop()

    lifeline = Lifeline(
        ask_to_stop,
        cleanup=cleanup,
        terminal_fd=terminal_of(sys.__stdin__),
        parent_pid=serving_parent(),
    )
    crash: BaseException | None = None
    try:
        with lifeline:
            from screens.app import LightspeedConsole

            apps.append(LightspeedConsole(launch))
            if lifeline.reason is not None:  # a signal while Textual was being imported
                apps[0].request_stop()
            apps[0].run()
            crash = apps[0].crash
    except Exception as error:  # from Textual itself: its driver, its start
        crash = error
    if crash is None:
        return ExitCode.OK
    secrets: list[SecretStr | str | None] = [*launch.env_values, *launch.target.env_secrets]
    with contextlib.suppress(Exception):  # the report must not fail on the doctor's state
        secrets.extend(apps[0].doctor.secrets())
    from console.commands.dispatch import report_bug

    return report_bug(crash, secrets)
