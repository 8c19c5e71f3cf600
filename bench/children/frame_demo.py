"""``lightspeed-console demo`` through its CLI, headless, exiting after its first refresh;
prints when its first frame was painted and which heavy modules were imported by then.

The demo opens the console only on a terminal (elsewhere it runs the tour), so stdout is
presented as one while the CLI decides; the JSON result goes to the real stdout after. The
sandbox comes up behind the first frame, so what is timed is what a user waits for before
they see the console; quitting then cancels the start and stops what it had started.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

from bench.children.frame_console import HEAVY, WATCHED, launch_headless_after_first_refresh

SANDBOX = ("starlette", "uvicorn", "cryptography", "jwt", "console.sandbox.demo")
"""The sandbox's own weight: imported in the bring-up worker, never before the first frame."""


class _TerminalLike(io.StringIO):
    """Stdout as the CLI sees it on a terminal (the demo checks before opening the console)."""

    def isatty(self) -> bool:
        return True


def main() -> None:
    import console.cli
    from console.shared.gcpause import pause_while_starting

    pause_while_starting()  # as `console.cli.run`, the console script, does first
    import console.commands.tui
    from bench.children.paint import record_first_paint

    seen: dict[str, Any] = {}
    record_first_paint(seen)

    def first(app: Any) -> None:
        seen["heavy"] = sorted(name for name in HEAVY if name in sys.modules)
        seen["watched"] = sorted(name for name in WATCHED if name in sys.modules)
        seen["sandbox"] = sorted(name for name in SANDBOX if name in sys.modules)

    console.commands.tui.launch_tui = launch_headless_after_first_refresh(seen, first)  # type: ignore[assignment]
    real_stdout, sys.stdout = sys.stdout, _TerminalLike()
    try:
        seen["exit_code"] = console.cli.main(["demo", *sys.argv[1:]])
    finally:
        sys.stdout = real_stdout
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
