"""``serve``: the same console in a browser, for a colleague without a terminal at hand.

``lightspeed-console serve [--port 8000] [-c lightspeed-stack.yaml] [...]`` takes the
options of ``tui`` and serves the console with textual-serve: every browser tab that opens
the printed URL starts its own ``lightspeed-console tui`` with those options.
The console can show a deployment's configuration and asks Entra ID for tokens with its
credentials, so it listens on 127.0.0.1 only (reach it from elsewhere through an SSH
tunnel), and even there only the holder of the URL gets in: it carries a random token made
for this run (``http://127.0.0.1:PORT/?token=...``, printed once, on stderr), and requests
from other sites' pages or for other host names are refused. At most ``--max-tabs`` tabs
(8 by default) are served at once: each is a console process with the deployment's
credentials loaded. SIGINT, SIGTERM, SIGHUP or SIGQUIT stops it, closing the browser
sessions and ending their consoles; a console whose ``serve`` was killed outright ends
by itself.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from console.commands.context import CommandContext
from console.commands.live import live_options
from console.commands.parser import command_help
from console.commands.tui import add_tui_options
from console.serving.access import HOST, Access
from console.serving.tabs import MAX_TABS, TABS_LIMIT
from console.shared.exitcodes import ExitCode
from console.shared.output import narrate

DEFAULT_PORT = 8000


SERVE_EXAMPLES = (
    ("serve -d prod-eu", "the console in a browser; open the URL printed on stderr"),
    ("serve --port 0 --max-tabs 2", "any free port, at most two tabs at once"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the CLI."""
    parser = commands.add_parser(
        "serve",
        help="serve the console in a browser on 127.0.0.1",
        **command_help("serve", __doc__, SERVE_EXAMPLES),
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port on {HOST} (default: {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--max-tabs",
        type=_tabs,
        default=MAX_TABS,
        metavar="N",
        help=f"browser tabs served at once, each its own console process (default: {MAX_TABS}, "
        f"at most {TABS_LIMIT}); one more is refused until one is closed",
    )
    add_tui_options(parser)
    parser.set_defaults(handler=run)


def _tabs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of tabs: {text!r}") from None
    if not 1 <= value <= TABS_LIMIT:
        raise argparse.ArgumentTypeError(f"tabs out of range 1-{TABS_LIMIT}: {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0-65535: {value}")
    return value


def tui_arguments(args: argparse.Namespace) -> list[str]:
    """The ``tui`` options given to ``serve``, as words of a ``tui`` command line.

    Read back from the ``tui`` parser itself, so an option added there is passed on
    without a change here. Paths are made absolute: the served process may not share
    the reader's idea of the current folder.
    """
    reference = argparse.ArgumentParser(add_help=False)
    add_tui_options(reference)
    words: list[str] = []
    for action in reference._actions:
        if not action.option_strings or not hasattr(args, action.dest):
            continue
        value = getattr(args, action.dest)
        if value is None or value == action.default:
            continue
        option = max(action.option_strings, key=len)
        if action.nargs == 0:
            if value is True:
                words.append(option)
            continue
        for item in value if isinstance(value, list) else [value]:  # -d is repeatable
            shown = item.expanduser().resolve() if isinstance(item, Path) else item
            words.extend([option, str(shown)])
    return words


def serve_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser session.

    ``exec``: the shell becomes the console, so the process textual-serve holds is the
    console itself, which stopping ``serve`` can end.
    """
    return "exec " + shlex.join([sys.executable, "-m", "console", "tui", *tui_arguments(args)])


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Bind, print the URL once, serve until a stop signal (exit 0 whichever)."""
    live_options(args, context)  # an unusable --stack-ca-bundle: exit 2 here, not in each tab
    from console.serving.server import GuardedServer, PortUnavailable, bind

    try:
        listener = bind(args.port)
    except PortUnavailable as error:
        narrate(f"error: {error.message}", "red")
        narrate(f"  remedy: {error.remedy}")
        return ExitCode.ERROR
    access = Access(port=listener.getsockname()[1])
    narrate(f"serving the console on {access.url}")
    narrate("  open that URL (its token is new each run and lets the browser in); Ctrl+C stops")
    GuardedServer(serve_command(args), access, listener, args.max_tabs).run()
    return ExitCode.OK
