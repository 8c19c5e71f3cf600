"""Every binding id of the console, the names ``[keymap]`` in the settings file remaps.

Named here so the settings are checked without importing the screens (they come after the
first frame); `tests/tui/test_binding_ids.py` holds this list to the screens' own bindings.
"""

from __future__ import annotations

SCREEN_MODES = ("deployments", "doctor", "config", "enrichment", "providers", "token", "inference")

BINDING_IDS = frozenset(
    {
        *(f"screen.{mode}" for mode in SCREEN_MODES),
        "app.events", "app.help", "app.log", "app.quit", "app.quit-now", "app.run-checks",
        "screen.leave-input",
        "config.as-text", "config.env", "config.findings", "config.hide", "config.other-file",
        "config.reload", "config.reveal",
        "confirm.no", "confirm.yes",
        "deployments.check-all", "deployments.switch",
        "doctor.run-all", "doctor.run-step",
        "enrichment.reload", "enrichment.toggle-view", "enrichment.write",
        "help.close",
        "inference.as-text", "inference.cancel", "inference.copy-curl", "inference.run",
        "panel.close", "panel.copy",
        "path.cancel",
        "providers.refresh", "providers.show-models", "providers.show-providers",
        "token.acquire", "token.copy", "token.refresh",
    }
)  # fmt: skip
