"""When the first frame is painted: the first screen update an app hands to its driver.

Textual has no public "painted" event, so this wraps ``App._display`` (private, stable
since Textual 0.x), which every driver, the headless one included, receives each screen
update through. Both first-frame children use it, so ours and the floor are timed alike.
"""

from __future__ import annotations

import time
from typing import Any

from textual.app import App


def record_first_paint(seen: dict[str, Any]) -> None:
    """Store ``seen["first_paint"]`` (monotonic) at the first non-empty screen update.

    An update made inside a batch (``App._batch_count``) is dropped by Textual, never shown:
    it does not count.
    """
    display = App._display

    def timed_display(app: App[Any], screen: Any, renderable: Any) -> None:
        if renderable is not None and not app._batch_count and "first_paint" not in seen:
            seen["first_paint"] = time.monotonic()
        display(app, screen, renderable)

    App._display = timed_display  # type: ignore[method-assign,assignment]
