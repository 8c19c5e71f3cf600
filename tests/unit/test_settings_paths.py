"""The settings folder is the one platformdirs names for this OS, whichever way it is computed."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from console.settings.user import APP_NAME, config_dir, settings_path


@pytest.mark.parametrize("xdg", [None, "", "   ", "/srv/operator-config"])
def test_config_dir_is_what_platformdirs_says(
    xdg: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    expected = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    assert config_dir() == expected
    assert settings_path() == expected / "config.toml"
