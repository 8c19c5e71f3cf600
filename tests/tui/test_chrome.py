"""The key bar and the log pane every screen shares.

The key bar rebuilds only when the keys it shows change, yet shows what Textual's own
`Footer` would; the log pane follows its newest line and keeps it clear of the key bar.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from screens.app import LightspeedConsole
from screens.widgets.event_pane import MAX_LINES, EventPane
from screens.widgets.footer import KeyFooter
from tests.tui.conftest import SIZE, wait_for


def keys_of(footer: Footer) -> list[tuple[str, str, bool]]:
    return [(key.key, key.description, key._disabled) for key in footer.query(FooterKey)]


def shown_keys(app: LightspeedConsole) -> list[tuple[str, str, bool]]:
    return keys_of(app.screen.query_one(KeyFooter))


def expected_keys(app: LightspeedConsole) -> set[str]:
    """The keys the stock footer shows: the screen's active bindings that are shown."""
    active = app.screen.active_bindings
    return {key for key, item in active.items() if item.binding.show} | {
        app.COMMAND_PALETTE_BINDING
    }


async def test_key_bar_is_built_once_at_start_and_again_only_on_change(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    builds: list[int] = []
    original = KeyFooter.compose

    def counting(self: KeyFooter):  # type: ignore[no-untyped-def]
        builds.append(1)
        yield from original(self)

    KeyFooter.compose = counting  # type: ignore[method-assign]
    try:
        app = make_app(read_only=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: bool(shown_keys(app)))
            await pilot.pause(0.3)
            assert ("r", "Run all", False) in shown_keys(app)
            # The empty compose at mount, then one with the keys: the stock footer rebuilds
            # once per bindings signal (three at start).
            assert len(builds) == 2
            assert {key for key, _, _ in shown_keys(app)} == expected_keys(app)
            await pilot.press("3")
            await wait_for(pilot, lambda: app.current_mode == "enrichment")
            await pilot.pause(0.3)
            assert {key for key, _, _ in shown_keys(app)} == expected_keys(app)
            assert ("r", "Run all", False) not in shown_keys(app)
            await pilot.press("1")
            await pilot.pause(0.3)
            assert ("r", "Run all", False) in shown_keys(app)
    finally:
        KeyFooter.compose = original  # type: ignore[method-assign]


async def test_log_pane_shows_its_newest_line_above_the_key_bar(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results)
        await pilot.pause(0.2)
        pane = app.screen.query_one(EventPane)
        for number in range(MAX_LINES + 20):
            app.events.add(f"event number {number}")
        await pilot.pause(0.3)
        assert len(pane.lines) == MAX_LINES
        assert pane.lines[-1].endswith(f"event number {MAX_LINES + 19}")
        assert pane.scroll_y == pane.max_scroll_y > 0
        footer = app.screen.query_one(KeyFooter)
        assert pane.region.bottom <= footer.region.y


async def test_an_error_in_a_redraw_reaches_the_app(
    make_app: Callable[..., LightspeedConsole], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a screen's refresh_view is the app's error (reported, exit 70 from the CLI),
    never a line in Textual's log behind a screen that silently stops changing."""
    from screens.doctor_screen import DoctorScreen

    app = make_app(read_only=True)
    calls: list[int] = []

    def broken(self: DoctorScreen) -> None:
        calls.append(1)
        raise RuntimeError("redraw bug canary")

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: bool(app.doctor.state.results))
            monkeypatch.setattr(DoctorScreen, "refresh_view", broken)
            app.revision += 1
            await wait_for(pilot, lambda: app.crash is not None or not app.is_running)

    with pytest.raises(RuntimeError, match="redraw bug canary"):  # run_test re-raises it
        await run()
    assert calls
    assert isinstance(app.crash, RuntimeError)
    assert str(app.crash) == "redraw bug canary"


async def test_only_the_shown_screen_redraws_the_others_on_return(
    make_app: Callable[..., LightspeedConsole], monkeypatch: pytest.MonkeyPatch
) -> None:
    from screens.doctor_screen import DoctorScreen

    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.doctor.state.results))
        await pilot.press("2")
        await wait_for(pilot, lambda: app.current_mode == "config")
        redraws: list[int] = []
        original = DoctorScreen.refresh_view

        def counted(self: DoctorScreen) -> None:
            redraws.append(1)
            original(self)

        monkeypatch.setattr(DoctorScreen, "refresh_view", counted)
        for _ in range(5):
            app.revision += 1
        await pilot.pause(0.2)
        assert redraws == []  # the doctor is not shown: nothing drawn for nobody
        await pilot.press("1")
        await wait_for(pilot, lambda: bool(redraws))
