"""A bare Textual app, headless, that exits after its first refresh (the first-frame floor)."""

from __future__ import annotations

import json
import sys
import time

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from bench.children.paint import record_first_paint

SIZE = (120, 40)


class Bare(App[None]):
    """Header, one line of text, footer: the smallest app that paints a screen."""

    def __init__(self) -> None:
        super().__init__()
        self.first_refresh: float | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("hello")
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._first)

    def _first(self) -> None:
        self.first_refresh = time.monotonic()
        self.exit()


def main() -> None:
    seen: dict[str, float] = {}
    record_first_paint(seen)
    app = Bare()
    app.run(headless=True, size=SIZE)
    heavy = sorted(m for m in ("azure.identity", "llama_stack_client") if m in sys.modules)
    print(json.dumps({"first_refresh": app.first_refresh, "heavy": heavy} | seen))


if __name__ == "__main__":
    main()
