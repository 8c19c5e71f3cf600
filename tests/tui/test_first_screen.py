"""The doctor is Textual's default screen: no frame rendered and dropped at start-up, the
settings' theme applied, its styles where that path reads them, one screen for key 1."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from rich.style import Style
from textual.app import App
from textual.widget import Widget

from screens.app import LightspeedConsole
from screens.doctor_screen import DoctorScreen
from tests.tui.conftest import SIZE, wait_for


def painted_styles(app: LightspeedConsole) -> dict[str, Style]:
    """Each named widget's text style (colour on background) on the current screen."""
    return {
        widget.id: widget.rich_style
        for widget in app.screen.query(Widget)
        if widget.id is not None and widget.display
    }


async def test_no_frame_is_rendered_inside_the_start_up_batch(
    make_app: Callable[..., LightspeedConsole], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mode's first screen is mounted inside Textual's start-up batch, and the frame it
    renders there is dropped (`App._display` returns while `_batch_count` is set)."""
    batched: list[int] = []
    display = App._display

    def recording(app: App[None], screen: object, renderable: object) -> None:
        if renderable is not None:
            batched.append(app._batch_count)
        display(app, screen, renderable)  # type: ignore[arg-type]

    monkeypatch.setattr(App, "_display", recording)
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(batched))
    assert batched[0] == 0, "the first frame was rendered inside a batch, and dropped"


def test_the_doctor_screen_keeps_its_styles_in_default_css() -> None:
    """Textual's default-screen path does not load a screen's CSS or CSS_PATH."""
    assert not DoctorScreen.CSS
    assert not DoctorScreen.CSS_PATH


async def test_a_theme_from_the_settings_paints_as_one_switched_to_at_run_time(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    plain = make_app(read_only=True)
    settings = replace(plain.launch.settings, theme="nord")
    started_themed = LightspeedConsole(replace(plain.launch, settings=settings))
    async with started_themed.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(started_themed.screen.query("#checks")))
        await pilot.pause(0.2)
        from_the_start = painted_styles(started_themed)
    async with plain.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(plain.screen.query("#checks")))
        plain.theme = "nord"  # what the palette's "Change theme" does
        await pilot.pause(0.2)
        switched = painted_styles(plain)
    assert from_the_start, "no named widget on the doctor screen"
    assert from_the_start == switched
    checks = from_the_start["checks"]
    assert checks.color is not None
    assert checks.color != checks.bgcolor


async def test_key_1_returns_to_the_same_doctor_screen(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        first = app.screen
        assert isinstance(first, DoctorScreen)
        await pilot.press("3")
        await wait_for(pilot, lambda: app.current_mode == "enrichment")
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current_mode == "doctor")
        assert app.screen is first
