"""Entry point ``lightspeed-console``: the command line (`console.commands.dispatch`)."""

from __future__ import annotations

import gc
import sys

from console.commands.dispatch import build_parser, command_names, main
from console.shared.gcpause import pause_while_starting
from console.shared.interrupts import INTERRUPTED, ignore_interrupts

__all__ = ["build_parser", "command_names", "main", "run"]


def run() -> None:
    """Console-script entry point."""
    pause_while_starting()  # until the command has started (`console.shared.gcpause`)
    try:
        code = main()
    except KeyboardInterrupt:  # Ctrl+C before a command started (while importing it)
        code = INTERRUPTED
    if code == INTERRUPTED:
        ignore_interrupts()  # the code is chosen: a last Ctrl+C must not change it
    # What is left is freed with the process: the interpreter's last collections would walk
    # every object the SDKs made only to free them.
    gc.freeze()
    sys.exit(code)
