"""Options every command takes, in a module light enough for the TUI's start path.

Parsing ``lightspeed-console`` (which opens the TUI) must not import the config loader:
its parser dependencies (ruamel, pydantic) would delay the first frame.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_LIGHTSPEED_CONFIG = Path("lightspeed-stack.yaml")
DEFAULT_RUN_CONFIG = Path("run.yaml")


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """``-c`` and ``-i/--run-config``, named as Lightspeed's own enrichment CLI names them."""
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        metavar="LIGHTSPEED_YAML",
        help="lightspeed-stack.yaml (default: ./lightspeed-stack.yaml)",
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
        "else ogx/llama_stack.library_client_config_path)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="DEFAULT_RUN_YAML",
        help="Lightspeed's default synthesis baseline, for unified mode (default: "
        "data/default_run.yaml of the lightspeed-stack installed beside the console)",
    )


def lightspeed_config_path(args: argparse.Namespace, *, optional: bool = False) -> Path | None:
    """The lightspeed-stack.yaml given with ``-c``, else ./lightspeed-stack.yaml.

    ``optional``: a missing default file means "none" rather than an error.
    """
    if args.config is not None:
        return Path(args.config)
    if optional and not DEFAULT_LIGHTSPEED_CONFIG.exists():
        return None
    return DEFAULT_LIGHTSPEED_CONFIG
