"""Parse the command line, prepare the command's context, run it, and map failures to codes.

Every failure a user can cause ends in one message naming the file (and line) or endpoint
with a remedy, and a documented exit code; a traceback is only ever a bug (exit 70).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from console import __version__
from console.commands.table import BY_NAME, COMMANDS, Command, Handler
from console.shared.exitcodes import ExitCode
from console.shared.gcpause import started
from console.shared.interrupts import INTERRUPTED, leave_on_next_interrupt, say_interrupted

if TYPE_CHECKING:
    from pydantic import SecretStr


def build_parser(only: str | None = None, *, commands: bool = True) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that command is imported and registered,
    and with ``commands=False`` none (``--version`` needs no command).

    Importing every command module would load the config loader and its parsers before the
    TUI could paint; a run needs only the module of the command it runs.
    """
    from console.commands.parser import CommandParser, add_quiet_option

    parser = CommandParser(
        prog="lightspeed-console",
        description=(
            "Console for Lightspeed Core Stack deployments on Azure OpenAI with Entra ID. "
            "Without a command it opens the console (tui). "
            "Exit codes: 0 ok, 1 found (a finding, a change, a failed check), 2 error, "
            "3 not verified (the test inference did not run), 70 bug, "
            "141 the reader of stdout went away (| head)."
        ),
        epilog=TOP_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=CommandParser
    )
    registered: set[int] = set()
    for command in (COMMANDS if only is None else (BY_NAME[only],)) if commands else ():
        module = command.load()
        if id(module) not in registered:  # one module may register two commands
            registered.add(id(module))
            module.register(subparsers)
    for subparser in subparsers.choices.values():
        add_quiet_option(subparser)
    return parser


TOP_EXAMPLES = """\
EXAMPLES
  lightspeed-console demo
      the console on local stand-ins: every screen working, nothing leaves the machine
  lightspeed-console check -d prod-eu
      the doctor for a deployment named in the settings file (lightspeed-console deployments)
  lightspeed-console -c lightspeed-stack.yaml --env-file pod.env
      the console on a deployment's files and its pod's variables
  lightspeed-console COMMAND --help
      a command's options and examples"""


def command_names() -> set[str]:
    """The subcommands this build offers (the demo's tour runs the ones that exist)."""
    return set(BY_NAME)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (``sys.exit`` is the caller's business)."""
    from console.shared.output import open_standard_streams

    open_standard_streams()
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or (words[0].startswith("-") and words[0] not in ("-h", "--help", "--version")):
        words.insert(0, "tui")  # the console itself is the default command
    first = words[0]
    parser = build_parser(first if first in BY_NAME else None, commands=first != "--version")
    try:
        args = parser.parse_args(words)  # --help may meet a closed pipe too
        return run_command(args, BY_NAME[args.command])
    except KeyboardInterrupt:
        leave_on_next_interrupt()  # a second Ctrl+C ends the process at once, no traceback
        say_interrupted()
        return INTERRUPTED
    except Exception as error:
        return report(error)


def run_command(args: argparse.Namespace, command: Command) -> int:
    """Prepare the command's context, then run it, its output scrubbed when it must be."""
    from console.commands.selection import prepare
    from console.shared.output import set_quiet

    set_quiet(bool(getattr(args, "quiet", False)))
    context = prepare(
        args, deployment=command.deployment, refusing=command.refusing, several=command.several
    )
    handler: Handler = args.handler
    if not command.starts_itself:
        started()
    scrubbing = context.layered and command.scrubbed
    with _scrubbed(context.env_secrets) if scrubbing else nullcontext():
        return int(handler(args, context))


def _scrubbed(secrets: tuple[str, ...]) -> AbstractContextManager[None]:
    """Standard streams that mask the env file's secrets (`console.shared.secret_streams`)."""
    from console.shared.secret_streams import scrubbed_output

    return scrubbed_output(secrets)


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
