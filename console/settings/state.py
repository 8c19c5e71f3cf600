"""What the console remembers between runs by itself: the theme last picked in the TUI.

Kept in a small file of its own, ``state.json`` in the console's settings folder (beside
the default ``config.toml``, `console.settings.user.config_dir`), never in the settings
file: that one is the operator's, written by hand with comments, possibly kept in a
repository with the deployments or handed over with ``--settings`` (the demo's lives in a
temp folder), and rewriting it from a palette pick would change a file the operator owns.

The settings file's ``theme`` stays the operator's default. A pick in the console wins over
it until the settings file says something else than it did at the pick: an edit there is
newer than the pick, so it wins again. The file is written atomically
(`console.shared.atomic`) and read bounded; one that cannot be read or holds no known theme
is ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.settings.user import THEMES, config_dir

STATE_NAME = "state.json"
MAX_STATE_BYTES = 64 * 1024
"""The file holds a few names; anything larger is not ours, and is ignored unread."""


def state_path() -> Path:
    """Where the console keeps what it remembers (it need not exist)."""
    return config_dir() / STATE_NAME


def remembered_theme(settings_theme: str | None, path: Path | None = None) -> str | None:
    """The theme last picked in the console, unless the settings file's changed since."""
    state = _read(path or state_path())
    theme = state.get("theme")
    if not isinstance(theme, str) or theme not in THEMES:
        return None
    if state.get("settings_theme") != settings_theme:
        return None  # the settings file was edited after the pick: it is newer
    return theme


def remember_theme(theme: str, settings_theme: str | None, path: Path | None = None) -> Path:
    """Keep ``theme`` as the one picked (atomically).

    Raises `OSError` (the folder cannot be made) or `console.shared.atomic.WriteRefused`.
    """
    import json

    from console.shared.atomic import write_atomic  # only to write: the read is on the first frame

    target = path or state_path()
    state = _read(target)
    state.update(theme=theme, settings_theme=settings_theme)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, json.dumps(state, indent=2, sort_keys=True) + "\n", overwrite=True)
    return target


def _read(path: Path) -> dict[str, Any]:
    try:
        if not path.is_file():  # nothing there, or a FIFO or device that would block
            return {}
        with path.open("rb") as file:
            data = file.read(MAX_STATE_BYTES + 1)
    except OSError:
        return {}
    if len(data) > MAX_STATE_BYTES:
        return {}
    import json  # only when there is a state file: the read is on the first frame

    try:
        loaded = json.loads(data)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
