"""``serve``: the same console in a browser, for a colleague without a terminal at hand.

``lightspeed-console serve [--port 8000] [-c lightspeed-stack.yaml] [...]`` takes the
options of ``tui`` and serves the console with textual-serve: every browser tab that opens
http://127.0.0.1:PORT/ starts its own ``lightspeed-console tui`` with those options.
It listens on 127.0.0.1 only: the console can show a deployment's configuration and asks
Entra ID for tokens with its credentials, so it is never exposed to the network; reach it
from elsewhere through an SSH tunnel. SIGINT or SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from console.commands.live import live_options
from console.commands.tui import add_tui_options
from console.shared.exitcodes import ExitCode
from console.shared.output import narrate

HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the CLI."""
    parser = commands.add_parser(
        "serve",
        help="serve the console in a browser on 127.0.0.1",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port on {HOST} (default: {DEFAULT_PORT})",
    )
    add_tui_options(parser)
    parser.set_defaults(handler=run)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 1-65535: {value}")
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
        if isinstance(value, Path):
            value = value.expanduser().resolve()
        words.extend([option, str(value)])
    return words


def serve_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join([sys.executable, "-m", "console", "tui", *tui_arguments(args)])


def run(args: argparse.Namespace) -> ExitCode:
    """Serve until SIGINT or SIGTERM (textual-serve handles both and shuts down cleanly)."""
    live_options(args)  # an unusable --stack-ca-bundle stops here (exit 2), not in each tab
    from textual_serve.server import Server

    command = serve_command(args)
    narrate(f"serving the console on http://{HOST}:{args.port}/ (Ctrl+C stops it)")
    Server(command, host=HOST, port=args.port, title="lightspeed-console").serve()
    return ExitCode.OK
