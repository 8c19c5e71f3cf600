"""The key bar: the screen's own keys on one line, the console's keys compact on a second.

Textual's `Footer` puts every key on one line, the screen's and the app's together, and at
80 columns cuts what does not fit: the keys of the later screens, F1 and the log went, and
the palette's key was drawn against its label. Here the first line holds only the keys of
the screen shown (and of the widget with focus), as `Footer` draws them (clickable); the
second line always says, compactly, how to reach the other screens, the help, the palette,
the log and how to quit, in the keys the keymap gives them.

It is rebuilt only when what it shows changes. A screen sends several bindings signals
while it starts (mounted, focus given, focus moved into a table), and rebuilding eleven keys
for each was half the time to the first frame: the signals of one refresh are coalesced
into one check, which rebuilds only when a key, a label or an enabled state differs.

One private name is used: ``textual.widgets._footer.FooterKey``, the key widget `Footer`
itself is made of (so a key looks and clicks exactly as in `Footer`). pyproject.toml pins
Textual to the release it was read from (``textual==8.2.8``); `tests/tui/test_chrome.py`
checks the keys shown against the screen's active bindings.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from screens.visible import SafeStatic

if TYPE_CHECKING:
    from textual.screen import Screen

SCREEN_PREFIX = "screen."
"""The ids of the bindings that switch screens (``screen.doctor``...)."""
COMMON = (("app.help", "help"), (None, "palette"), ("app.log", "log"), ("app.quit", "quit"))
"""The console's keys on the second line, by binding id (None: the command palette's)."""

OwnKey = tuple[str, str, str, str, bool, str]
"""key, how it is shown, description, action, enabled, tooltip."""


class KeyFooter(Widget, can_focus=False):
    """Two lines: this screen's keys, then the console's (screens, help, palette, log, quit)."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 2;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyFooter > #screen-keys {
        height: 1;
        width: 1fr;
        padding: 0 1;
    }
    KeyFooter FooterKey {
        margin-right: 2;
    }
    KeyFooter > #common-keys {
        height: 1;
        width: 1fr;
        padding: 0 1;
        color: $footer-description-foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: Hashable = None
        self._ready = False
        self._check_pending = False

    def compose(self) -> ComposeResult:
        shown = self._shown = self._keys_to_show()
        if shown is None:
            return
        own, common = shown
        with HorizontalGroup(id="screen-keys"):
            for key, display, description, action, enabled, tooltip in own:
                yield FooterKey(
                    key, display, description, action, disabled=not enabled, tooltip=tooltip
                )
        yield SafeStatic(_common_line(common), id="common-keys")

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        """One check per refresh, however many signals came."""
        self._ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._check_pending = False
        if self.is_attached and self._keys_to_show() != self._shown:
            await self.recompose()

    @property
    def own_keys(self) -> list[tuple[str, str]]:
        """The first line: (key, description) of each key shown (for tests and help)."""
        shown = self._shown
        if not isinstance(shown, tuple):
            return []
        return [(key, description) for key, _, description, _, _, _ in shown[0]]

    @property
    def common_line(self) -> str:
        """The second line as plain text."""
        shown = self._shown
        return _common_line(shown[1]).plain if isinstance(shown, tuple) else ""

    def _keys_to_show(self) -> tuple[tuple[OwnKey, ...], tuple[tuple[str, str], ...]] | None:
        """Everything the two lines show, as one comparable value (None: not ready yet)."""
        if not self._ready:
            return None
        app = self.app
        own: list[OwnKey] = []
        screens: list[tuple[str, str]] = []
        common: dict[str, str] = {}
        palette = app.COMMAND_PALETTE_BINDING
        for key, (node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if isinstance(node, App):
                if binding.id and binding.id.startswith(SCREEN_PREFIX) and enabled:
                    screens.append((binding.id, app.get_key_display(binding)))
                elif key == palette:
                    common.setdefault("palette", app.get_key_display(binding))
                elif binding.id:
                    common.setdefault(binding.id, app.get_key_display(binding))
                continue
            if binding.show:
                display = app.get_key_display(binding)
                own.append((key, display, binding.description, binding.action, enabled, tooltip))
        line: list[tuple[str, str]] = []
        if screens:
            order = [b.id for b in type(app).BINDINGS if isinstance(b, Binding)]
            screens.sort(key=lambda item: order.index(item[0]) if item[0] in order else 99)
            line.append((_key_range(display for _, display in screens), "screens"))
        for binding_id, label in COMMON:
            shown = common.get(binding_id or "palette")
            if shown is not None:
                line.append((shown, label))
        return tuple(own), tuple(line)


def _key_range(keys: Iterable[str]) -> str:
    """``0-6`` for consecutive digits (the default keys), else the keys one by one."""
    keys = list(dict.fromkeys(keys))
    digits = [int(key) for key in keys if len(key) == 1 and key.isdigit()]
    if len(digits) == len(keys) > 2 and digits == list(range(digits[0], digits[0] + len(keys))):
        return f"{digits[0]}-{digits[-1]}"
    return " ".join(keys)


def _common_line(items: Iterable[tuple[str, str]]) -> Text:
    """``0-6 screens  f1 help  ^p palette  l log  q quit``: each key bold, a gap between."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    for index, (key, label) in enumerate(items):
        if index:
            text.append("  ")
        text.append(key, style="bold")
        text.append(f" {label}")
    return text
