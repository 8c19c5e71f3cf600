"""Options every command takes, in a module light enough for the TUI's start path.

Parsing ``lightspeed-console`` (which opens the TUI) must not import the config loader:
its parser dependencies (ruamel, pydantic) would delay the first frame.

``-`` as ``-c`` or ``-i`` is stdin (``kubectl get configmap ... | lightspeed-console review
-c -``); ``<(command)`` works too. Either is read once, within the same limits as a file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands.selection import add_selection_options

if TYPE_CHECKING:
    from console.commands.context import CommandContext

DEFAULT_LIGHTSPEED_CONFIG = Path("lightspeed-stack.yaml")
DEFAULT_RUN_CONFIG = Path("run.yaml")
STDIN = Path("-")
"""``-c -`` / ``-i -``: the file comes on stdin (a file named '-' is ``./-``)."""


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """``-c`` and ``-i/--run-config``, named as Lightspeed's own enrichment CLI names them,
    and which deployment they belong to (``-d``, ``--env-file``, ``--settings``)."""
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        metavar="LIGHTSPEED_YAML",
        help="lightspeed-stack.yaml (default: ./lightspeed-stack.yaml; - reads it from stdin)",
    )
    parser.add_argument(
        "-i",
        "--input",
        "--run-config",
        dest="run_config",
        type=Path,
        default=None,
        metavar="RUN_YAML",
        help="Llama Stack run.yaml (default: the one Lightspeed synthesizes in unified mode, "
        "else ogx/llama_stack.library_client_config_path; - reads it from stdin)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="DEFAULT_RUN_YAML",
        help="Lightspeed's default synthesis baseline, for unified mode (default: "
        "data/default_run.yaml of the lightspeed-stack installed beside the console)",
    )
    add_selection_options(parser)


def refuse_stdin_conflicts(args: argparse.Namespace) -> None:
    """Raise `ConfigFileError` when the options ask stdin for what it cannot give.

    stdin is read once, so it can be only one of the two files; and a run.yaml that came
    on stdin has no place on disk to be rewritten in place.
    """
    config, run_config = getattr(args, "config", None), getattr(args, "run_config", None)
    problem: tuple[str, str] | None = None
    if config == STDIN and run_config == STDIN:
        problem = (
            "stdin is given for both -c and -i, and it can be read only once",
            "Pipe one of the two files in with '-' and give the other by path (or as <(command)).",
        )
    elif run_config == STDIN and getattr(args, "in_place", False):
        problem = (
            "a run.yaml read from stdin cannot be rewritten in place",
            "Write the enriched file with -o FILE instead of --in-place.",
        )
    if problem is not None:
        from console.config.errors import ConfigFileError  # only on this error path

        raise ConfigFileError(STDIN, *problem)


def lightspeed_config_path(args: argparse.Namespace, *, optional: bool = False) -> Path | None:
    """The lightspeed-stack.yaml given with ``-c``, else ./lightspeed-stack.yaml.

    ``optional``: a missing default file means "none" rather than an error. Options that
    ask stdin for both files (or to rewrite it in place) are refused here, where every
    command that reads the files starts.
    """
    refuse_stdin_conflicts(args)
    if args.config is not None:
        return Path(args.config)
    if optional and not DEFAULT_LIGHTSPEED_CONFIG.exists():
        return None
    return DEFAULT_LIGHTSPEED_CONFIG


def require_default_config(args: argparse.Namespace, context: CommandContext) -> None:
    """Without ``-c`` or ``-d``, ./lightspeed-stack.yaml must exist: else `ConfigFileError`
    (exit 2) saying how to name a deployment instead (``-d NAME``, the ones the settings
    file knows, ``lightspeed-console deployments``)."""
    if args.config is not None or DEFAULT_LIGHTSPEED_CONFIG.exists():
        return
    from console.config.errors import ConfigFileError

    known = sorted(context.settings.deployments)
    if known:
        named = f"one of the settings file's deployments ({', '.join(known)})"
    else:
        named = f"a deployment named in the settings file ({context.settings_file} names none)"
    raise ConfigFileError(
        Path.cwd() / DEFAULT_LIGHTSPEED_CONFIG,
        "no lightspeed-stack.yaml here, and no -c FILE or -d NAME given",
        f"Pass -d NAME for {named}; `lightspeed-console deployments` lists them (check --all "
        "checks them all). Or pass -c PATH/lightspeed-stack.yaml, or run `lightspeed-console "
        "demo` to see the console on a sandbox.",
    )
