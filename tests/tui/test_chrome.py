"""The key bar and the log pane every screen shares.

The key bar rebuilds only when the keys it shows change, yet shows what Textual's own
`Footer` would; the log pane follows its newest line and keeps it clear of the key bar.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets._footer import FooterKey

from console.sandbox.demo import DemoSandbox
from screens.app import LightspeedConsole
from screens.widgets.event_pane import MAX_LINES, EventPane
from screens.widgets.footer import KeyFooter
from tests.tui.conftest import SIZE, wait_for, with_target


def shown_keys(app: LightspeedConsole) -> list[tuple[str, str, bool]]:
    """The keys the footer shows (see `footer_built`: the screen is composed after start)."""
    row = app.screen.query_one(KeyFooter).query_one("#screen-keys")
    return [(key.key, key.description, key._disabled) for key in row.query(FooterKey)]


def footer_built(app: LightspeedConsole) -> bool:
    """The footer's row of keys exists (the doctor is composed once the app has started)."""
    return bool(app.screen.query("#screen-keys"))


def expected_keys(app: LightspeedConsole) -> set[str]:
    """The screen's own keys: its active bindings that are shown, the app's left out."""
    active = app.screen.active_bindings
    return {key for key, item in active.items() if item.binding.show and item.node is not app}


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
            await wait_for(pilot, lambda: footer_built(app) and bool(shown_keys(app)))
            await pilot.pause(0.3)
            assert ("r", "Run all", False) in shown_keys(app)
            # The empty compose at mount, then one with the keys: a stock footer rebuilds
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


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_second_line_always_has_the_screens_help_palette_log_and_quit(
    make_app: Callable[..., LightspeedConsole], size: tuple[int, int]
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=size) as pilot:
        # No deployments: key 0 is off, so the screens are 1 to 6.
        expected = "1-6 screens  f1 help  ^p palette  l log  q quit"
        for screen in "123456":
            await pilot.press(screen)
            app.screen.set_focus(None)  # an input would take the digits and letters
            await wait_for(
                pilot, lambda: app.screen.query(KeyFooter).first().common_line == expected
            )
            await pilot.pause()
            footer = app.screen.query_one(KeyFooter)
            common = footer.query_one("#common-keys")
            assert common.region.right <= size[0]
            assert common.region.y == size[1] - 1
            row = footer.query_one("#screen-keys")
            for key in row.query(FooterKey):  # every key of the screen fits on its line
                assert key.region.right <= size[0], (screen, key.key, key.region)
                assert key.region.width > 0


async def test_the_keymap_is_what_the_second_line_says(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        footer = app.screen.query_one(KeyFooter)
        await wait_for(pilot, lambda: footer.common_line != "")
        app.update_keymap({"app.quit": "x", "screen.token": "t", "app.log": "ctrl+o"})
        expected = "1 2 3 4 t 6 screens  f1 help  ^p palette  ^o log  x quit"
        await wait_for(pilot, lambda: footer.common_line == expected)


async def test_escape_leaves_an_input_and_q_then_quits(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    from textual.widgets import Input

    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await wait_for(pilot, lambda: app.current_mode == "inference")
        prompt = app.screen.query_one("#inference-prompt", Input)
        prompt.focus()
        await wait_for(pilot, lambda: ("escape", "Leave input", False) in shown_keys(app))
        await pilot.press("q", "1")  # typed into the prompt: no quit, no screen switch
        await pilot.pause()
        assert prompt.value.endswith("q1")
        assert app.current_mode == "inference"
        await pilot.press("escape")
        await wait_for(pilot, lambda: ("escape", "Leave input", False) not in shown_keys(app))
        assert app.screen.focused is None
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


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


async def test_a_key_means_the_same_on_every_screen_that_has_it(
    sandbox: DemoSandbox,
) -> None:
    """f, m, c and r once meant different things from screen to screen (f: findings or a
    forced token, m: mask or models, c: a masked curl or the token in clear)."""
    from dataclasses import replace
    from pathlib import Path

    from console.settings.user import load_user_settings
    from tests.tui.conftest import launch_for

    info = sandbox.info
    assert info is not None
    assert info.settings_file is not None
    settings, _ = load_user_settings(Path(info.settings_file))
    app = LightspeedConsole(
        with_target(
            replace(launch_for(info, read_only=True), settings=settings), deployment="sandbox"
        )
    )
    meanings: dict[str, set[str]] = {}
    async with app.run_test(size=SIZE) as pilot:
        for screen in "0123456":
            await pilot.press(screen)
            await wait_for(pilot, lambda: app.screen.query(KeyFooter).first().own_keys != [])
            app.screen.set_focus(None)  # no input has the keys: every screen key shows
            await wait_for(
                pilot, lambda: any(k == "r" for k, _ in app.screen.query_one(KeyFooter).own_keys)
            )
            for key, description in app.screen.query_one(KeyFooter).own_keys:
                meanings.setdefault(key, set()).add(description)
    assert meanings["f"] == {"Findings"}
    assert meanings["m"] == {"Models"}
    assert meanings["c"] == {"Copy as curl"}  # masked; in clear is C, after a confirm
    assert meanings["C"] == {"Copy token in clear…"}
    assert meanings["t"] == {"As text", "Findings as text"}
    assert len(meanings["r"]) == 7  # every screen: its own run, check or re-read
    assert "a" not in meanings


async def test_every_confirmation_labels_its_keys_alike(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    from textual.widgets import Button

    from screens.widgets.confirm import ConfirmDialog, ConfirmLine

    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        labels: list[tuple[str, str]] = []
        for dialog in (
            ConfirmDialog("Write?", "text", confirm_label="Write"),
            ConfirmLine("Send it?", confirm_label="Send", cancel_label="Not now"),
        ):
            app.push_screen(dialog)
            await pilot.pause()
            ok = str(dialog.query_one("#confirm-ok", Button).label)
            cancel = str(dialog.query_one("#confirm-cancel", Button).label)
            labels.append((ok, cancel))
            await pilot.press("escape")
            await pilot.pause()
        assert labels == [("Write (y)", "Cancel (n, esc)"), ("Send (y)", "Not now (n, esc)")]
