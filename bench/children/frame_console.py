"""The console's TUI through its CLI (``tui --read-only``), headless, exiting after its first
refresh; prints when its first frame was painted, when that refresh was, and which heavy
modules were imported by then.

argv: the CLI words after ``tui`` (files and ``--read-only``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the child times imports: nothing more at run time
    from console.settings.launch import Launch
from console.shared.exitcodes import ExitCode

HEAVY = ("azure.identity", "msal", "llama_stack_client", "llama_stack", "openai")
WATCHED = (
    "httpx",
    "click",
    "console.stack.session",
    "ruamel.yaml",
    "pydantic",
    "textual.widgets._data_table",
)
"""Not forbidden, but worth knowing whether they were paid for before the first frame."""
SIZE = (120, 40)
seen: dict[str, Any] = {}


def launch_headless_after_first_refresh(
    seen: dict[str, Any], note: Callable[[Any], None] | None = None
) -> Callable[[Launch, Callable[[], object] | None], ExitCode]:
    """A `console.commands.tui.launch_tui` that runs headless and exits after the first refresh.

    ``seen["first_refresh"]`` gets the time of that refresh; ``note(app)`` runs just
    before the exit, to record what was imported by then.
    """

    def launch(launch: Launch, cleanup: Callable[[], object] | None = None) -> ExitCode:
        from screens.app import LightspeedConsole

        original = LightspeedConsole.on_mount

        def on_mount(self: LightspeedConsole) -> None:
            # Queued before the app's own after-refresh work (the checks, the SDK preload), so
            # the time is that of the first frame, as for the bare app, not of what follows it.
            self.call_after_refresh(lambda: first(self))
            original(self)

        def first(app: LightspeedConsole) -> None:
            seen["first_refresh"] = time.monotonic()
            if note is not None:
                note(app)
            app.exit()

        LightspeedConsole.on_mount = on_mount  # type: ignore[method-assign]
        LightspeedConsole(launch).run(headless=True, size=SIZE)
        if cleanup is not None:
            cleanup()
        return ExitCode.OK

    return launch


def _note(app: Any) -> None:
    seen["heavy"] = sorted(name for name in HEAVY if name in sys.modules)
    seen["watched"] = sorted(name for name in WATCHED if name in sys.modules)
    seen["modules"] = len(sys.modules)


def main() -> None:
    import console.cli
    from console.shared.gcpause import pause_while_starting

    pause_while_starting()  # as `console.cli.run`, the console script, does first
    import console.commands.tui
    from bench.children.paint import record_first_paint

    record_first_paint(seen)

    console.commands.tui.launch_tui = launch_headless_after_first_refresh(seen, _note)  # type: ignore[assignment]
    code = console.cli.main(["tui", *sys.argv[1:]])
    seen["exit_code"] = code
    seen["heavy_at_exit"] = sorted(name for name in HEAVY if name in sys.modules)
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
