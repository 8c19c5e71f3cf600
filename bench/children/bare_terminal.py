"""The first-frame floor in a real terminal: the bare app of `bench.children.frame_bare`
(header, one line, footer), run as a user runs an app, until the bench stops it.
Nothing else is imported, so the floor is Textual's own start."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class Bare(App[None]):
    """Header, one line of text, footer: the smallest app that paints a screen."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("hello")
        yield Footer()


if __name__ == "__main__":
    Bare().run()
