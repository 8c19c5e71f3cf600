"""The key bar, rebuilt only when the keys it shows change.

Textual's `Footer` rebuilds every key widget on each bindings signal of its screen. A
screen sends several while it starts (mounted, focus given, focus moved into a table),
and each rebuild of the console's eleven keys restyles them all: three rebuilds were half
the time to the first frame. This footer coalesces the signals of one refresh into one
check, and rebuilds only when the keys, their labels or their enabled state differ.

It is Textual's `Footer` (so it looks exactly like it) with one hook replaced,
``Footer.bindings_changed``, which `Footer` subscribes to its screen's
``bindings_updated_signal``. One private name is used: ``Footer._bindings_ready``, the
reactive `Footer.compose` reads to know whether the bindings can be shown yet; it is set
here where the stock hook sets it, and read to describe the keys the next compose would
show. pyproject.toml pins Textual to the release line it was read from
(``textual==8.2.8``); `tests/tui/test_chrome.py` checks the bar still shows what the
stock footer would.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """`Footer`, without the rebuilds that would show the same keys again."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: Hashable = None
        self._check_pending = False

    def compose(self) -> ComposeResult:
        self._shown = self._keys_to_show()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        """One check per refresh, however many signals came (the stock footer: one rebuild each)."""
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._check_pending = False
        if self.is_attached and self._keys_to_show() != self._shown:
            await self.recompose()

    def _keys_to_show(self) -> Hashable:
        """Everything `Footer.compose` reads from the bindings, as one comparable value."""
        if not self._bindings_ready:
            return None
        app = self.app
        return (
            self.show_command_palette,
            tuple(
                (
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    binding.group,
                    enabled,
                    tooltip,
                    binding.tooltip,
                )
                for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
                if binding.show or key == app.COMMAND_PALETTE_BINDING
            ),
        )
