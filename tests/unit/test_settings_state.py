"""The console's state file: the theme picked, read bounded, never blocking, written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

from console.settings.state import MAX_STATE_BYTES, remember_theme, remembered_theme


def test_a_pick_is_remembered_until_the_settings_file_changes_its_theme(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "state.json"
    remember_theme("nord", "dracula", path)
    assert json.loads(path.read_text()) == {"settings_theme": "dracula", "theme": "nord"}
    assert remembered_theme("dracula", path) == "nord"
    assert remembered_theme("gruvbox", path) is None  # edited after the pick: it wins
    assert remembered_theme(None, path) is None


def test_what_is_not_a_small_file_of_known_themes_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    assert remembered_theme(None, path) is None  # no file
    path.write_text("{not json")
    assert remembered_theme(None, path) is None
    path.write_text(json.dumps({"theme": "no-such-theme", "settings_theme": None}))
    assert remembered_theme(None, path) is None
    path.write_text(json.dumps({"theme": "nord", "pad": "x" * MAX_STATE_BYTES}))
    assert remembered_theme(None, path) is None
    path.unlink()
    os.mkfifo(path)  # a FIFO without a writer would block a plain open
    assert remembered_theme(None, path) is None
