"""F1 says [keymap] as written, the theme picked is the next run's, a screenshot finds a folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import platformdirs
import pytest

from console.settings.state import state_path
from screens.app import LightspeedConsole
from screens.help import HelpScreen
from tests.tui.conftest import SIZE, text_of, wait_for


async def test_f1_shows_keymap_literally_and_the_keys_that_mean_the_same_everywhere(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        keymap = text_of(app.screen.query_one("#help-keymap"))
        assert "under [keymap]:" in keymap
        grammar = text_of(app.screen.query_one("#help-grammar"))
        for key in ("esc", "c / C", "t / l", "x"):
            assert key in grammar
        bindings = text_of(app.screen.query_one("#help-bindings"))
        assert "app.quit" in bindings
        assert "doctor.run-all" in bindings


@pytest.fixture
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The console's settings folder in a temp folder (where the state file goes)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return state_path()


async def test_a_theme_picked_is_the_next_runs(
    make_app: Callable[..., LightspeedConsole], own_config: Path
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme != "nord"
        app.theme = "nord"  # what the palette's "Change theme" does
        await wait_for(pilot, own_config.is_file)
        await wait_for(pilot, lambda: any("remembered" in e.text for e in app.events.events))
    assert json.loads(own_config.read_text())["theme"] == "nord"
    again = make_app(read_only=True)
    assert again.theme == "nord"
    # The settings file says something else than at the pick: it was edited since, it wins.
    settings = replace(again.launch.settings, theme="dracula")
    assert LightspeedConsole(replace(again.launch, settings=settings)).theme == "dracula"


async def test_a_state_file_that_is_not_ours_is_ignored(
    make_app: Callable[..., LightspeedConsole], own_config: Path
) -> None:
    own_config.parent.mkdir(parents=True)
    own_config.write_text('{"theme": "[red]no-such-theme"}')
    app = make_app(read_only=True)
    assert app.theme == "textual-dark"


async def test_a_screenshot_falls_back_to_a_folder_that_exists_and_names_it(
    make_app: Callable[..., LightspeedConsole],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = tmp_path / "Downloads"  # as on a server: no Downloads folder
    monkeypatch.setattr(platformdirs, "user_downloads_dir", lambda: str(missing))
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_screenshot()
        await wait_for(pilot, lambda: any("Screenshot" in e.text for e in app.events.events))
        saved = list(here.glob("*.svg"))
        assert len(saved) == 1
        assert saved[0].read_text().startswith("<svg")
        shown = [n.message for n in app._notifications if n.title == "Screenshot"]
        assert shown == [f"Screenshot saved to {saved[0]}; not in {missing}: not a writable folder"]
        assert all("[" not in message for message in shown)


async def test_in_a_browser_the_screenshot_note_is_plain_text(
    make_app: Callable[..., LightspeedConsole], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from textual import events

    from screens.app import WEB_SCREENSHOT

    handed: list[dict[str, object]] = []
    monkeypatch.setattr(LightspeedConsole, "is_web", property(lambda _self: True))
    app = make_app(read_only=True)
    monkeypatch.setattr(app, "deliver_text", lambda *_a, **kw: handed.append(kw) or "key")
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_screenshot()
        assert handed[0]["name"] == WEB_SCREENSHOT
        assert str(handed[0]["save_filename"]).endswith(".svg")
        app.post_message(
            events.DeliveryComplete(key="key", path=Path("/downloads/x.svg"), name=WEB_SCREENSHOT)
        )
        await pilot.pause()
        shown = [n.message for n in app._notifications if n.title == "Screenshot"]
        assert shown == ["Screenshot handed to the browser as /downloads/x.svg"]
