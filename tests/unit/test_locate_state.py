"""``locate`` names the console's state file (the theme last picked), and whether it exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import main
from console.settings.state import remember_theme


def state_row(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert main(["locate", "--json"]) == 0
    rows = {row["what"]: row for row in json.loads(capsys.readouterr().out)}
    row: dict[str, str] = rows["state file"]
    return row


def test_locate_names_the_state_file_before_and_after_a_theme_is_picked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    before = state_row(capsys)
    assert before["note"].startswith("not created yet")
    written = remember_theme("nord", None)
    after = state_row(capsys)
    assert after["where"] == before["where"] == str(written)
    assert after["note"].startswith("exists")
    assert "theme" in after["note"]
