"""Entry point ``lightspeed-console``: headless subcommands.

Every failure a user can cause ends in one message naming the file (and line) or endpoint
with a remedy, and a documented exit code; a traceback is only ever a bug (exit 70).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from console import __version__
from console.settings.launch import Launch
from console.shared.exitcodes import ExitCode
from console.shared.interrupts import (
    INTERRUPTED,
    ignore_interrupts,
    leave_on_next_interrupt,
    say_interrupted,
)

if TYPE_CHECKING:
    from pydantic import SecretStr

    from screens.app import LightspeedConsole

COMMANDS = (
    "review",
    "diff",
    "enrich",
    "synth",
    "providers",
    "token",
    "infer",
    "check",
    "boot",
    "deployments",
    "demo",
    "tui",
    "serve",
    "locate",
)
"""Every subcommand, in the order ``--help`` lists them."""

_MODULE_OF = {"diff": "enrich"}
"""Commands registered by another command's module (``enrich`` registers ``diff`` too)."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that command is imported and registered.

    Importing every command module would load the config loader and its parsers before the
    TUI could paint; a run needs only the module of the command it runs.
    """
    parser = argparse.ArgumentParser(
        prog="lightspeed-console",
        description=(
            "Console for Lightspeed Core Stack deployments on Azure OpenAI with Entra ID. "
            "Without a command it opens the console (tui). "
            "Exit codes: 0 ok, 1 found (a finding, a change, a failed check), 2 error, 70 bug, "
            "141 the reader of stdout went away (| head)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: list[str] = []
    for name in COMMANDS if only is None else (only,):
        module = _MODULE_OF.get(name, name)
        if module not in modules:
            modules.append(module)
    for module in modules:
        importlib.import_module(f"console.commands.{module}").register(commands)
    return parser


def command_names() -> set[str]:
    """The subcommands this build offers (the demo's tour runs the ones that exist)."""
    return set(COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (``sys.exit`` is the caller's business)."""
    from console.shared.output import open_standard_streams

    open_standard_streams()
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or (words[0].startswith("-") and words[0] not in ("-h", "--help", "--version")):
        words.insert(0, "tui")  # the console itself is the default command
    parser = build_parser(words[0] if words[0] in COMMANDS else None)
    try:
        args = parser.parse_args(words)  # --help may meet a closed pipe too
        from console.commands.selection import run_command  # -d, --env-file, --settings

        return run_command(args)
    except KeyboardInterrupt:
        leave_on_next_interrupt()  # a second Ctrl+C ends the process at once, no traceback
        say_interrupted()
        return INTERRUPTED
    except Exception as error:
        return report(error)


def _reader_gone(error: Exception) -> bool:
    """Whether ``error`` is stdout's reader leaving (``| head``), which is no error at all."""
    from console.shared.output import StdoutGone, discard_stdout, stdout_reader_gone

    if isinstance(error, StdoutGone):
        return True
    if isinstance(error, BrokenPipeError) and stdout_reader_gone():
        discard_stdout()  # a direct print() met the closed pipe
        return True
    return False


def report(error: Exception) -> ExitCode:
    """Say what went wrong on stderr, with the remedy; the exit code says what kind it was.

    The error classes are imported here, not at start, to keep the TUI's start path light.
    """
    from console.commands.common import UnusableConfig
    from console.config.errors import ConfigFileError
    from console.shared.atomic import WriteRefused
    from console.shared.ca_bundle import CaBundleError
    from console.shared.output import narrate

    if _reader_gone(error):
        return ExitCode.BROKEN_PIPE
    if isinstance(error, ConfigFileError | WriteRefused | CaBundleError):
        narrate(f"error: {error}", "red")
        narrate(f"  remedy: {error.remedy}")
        return ExitCode.ERROR
    if isinstance(error, UnusableConfig):
        for finding in error.findings:
            narrate(f"error: {finding.location}: {finding.message}", "red")
            narrate(f"  remedy: {finding.remedy}")
        return ExitCode.ERROR
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        narrate(f"error: {where}{error.strerror or error}", "red")
        return ExitCode.ERROR
    return report_bug(error)


MAX_BUG_MESSAGE = 300
"""How much of a bug's message is shown (one line; a hostile input can make it endless)."""


def report_bug(error: BaseException, secrets: Iterable[SecretStr | str | None] = ()) -> ExitCode:
    """A bug: say so in one line, without a traceback, a local variable or a secret.

    ``secrets`` are masked in the message (in every form `console.shared.redact` knows),
    as are JWT-shaped texts; the message is cut to one line of `MAX_BUG_MESSAGE`.
    """
    from console.shared.output import narrate
    from console.shared.redact import scrub
    from console.shared.sanitize import visible

    try:
        message = str(error)[: MAX_BUG_MESSAGE * 64]
    except Exception:  # an exception whose text cannot be made
        message = "(its message cannot be shown)"
    message = visible(scrub(message, secrets))
    if len(message) > MAX_BUG_MESSAGE:
        message = message[:MAX_BUG_MESSAGE] + "…"
    narrate(f"internal error ({type(error).__name__}): {message}", "red")
    narrate("  this is a bug in lightspeed-console; please report it with the command line")
    return ExitCode.INTERNAL


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
    secrets: list[SecretStr | str | None] = [*launch.env_values, *launch.env_secrets]
    with contextlib.suppress(Exception):  # the report must not fail on the doctor's state
        secrets.extend(apps[0].doctor.secrets())
    return report_bug(crash, secrets)


def run() -> None:
    """Console-script entry point."""
    try:
        code = main()
    except KeyboardInterrupt:  # Ctrl+C before a command started (while importing it)
        code = INTERRUPTED
    if code == INTERRUPTED:
        ignore_interrupts()  # the code is chosen: a last Ctrl+C must not change it
    sys.exit(code)
