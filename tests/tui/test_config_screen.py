"""The config screen: secrets masked in place until one is revealed, env table, jumps, reload."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent

from console.config.watch import FileWatcher
from console.sandbox.demo import DemoSandbox
from screens.app import LightspeedConsole
from screens.config_screen import ConfigScreen
from screens.enrichment_screen import EnrichmentScreen
from screens.widgets.confirm import ConfirmDialog
from screens.widgets.findings_table import FindingsTable
from screens.widgets.masked_yaml import mask_text, secret_fields
from screens.widgets.yaml_view import YamlView
from tests.tui.conftest import SIZE, text_of, wait_for
from tests.tui.copies import CANARIES, DEFAULT_CANARY, ENV_CANARY, INLINE_CANARY, canary_files


@pytest.fixture
def app(sandbox: DemoSandbox, tmp_path: Path) -> LightspeedConsole:
    """The console on copies of the sandbox files carrying the canaries, read-only."""
    assert sandbox.info is not None
    return LightspeedConsole(canary_files(sandbox.info, tmp_path))


async def open_config(app: LightspeedConsole, pilot: Pilot[None]) -> ConfigScreen:
    await pilot.press("2")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, ConfigScreen)
            and app.doctor.state.loaded is not None
            and not app.running
        ),
    )
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ConfigScreen)
    return screen


def shown(app: LightspeedConsole) -> str:
    """Everything the screen shows or holds as text: the screenshot, both views, the tables."""
    screen = app.screen if isinstance(app.screen, ConfigScreen) else app.screen_stack[-2]
    parts = [app.export_screenshot()]
    parts.extend(view.text for view in screen.query(YamlView))
    for table in screen.query(DataTable):
        for row in range(table.row_count):
            parts.extend(str(cell) for cell in table.get_row_at(row))
    return "\n".join(parts)


def line_of(view: YamlView, needle: str) -> int:
    return next(n for n in range(1, view.line_count + 1) if needle in view.line_text(n))


async def reveal(pilot: Pilot[None], app: LightspeedConsole, answer: str = "y") -> None:
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
    await pilot.press(answer)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfigScreen))
    await pilot.pause()


async def test_secrets_are_masked_until_one_is_revealed(app: LightspeedConsole) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_config(app, pilot)
        for canary in CANARIES:
            assert canary not in shown(app)
        await pilot.press("o")  # the run.yaml tab too
        await pilot.pause()
        assert all(canary not in shown(app) for canary in CANARIES)
        assert "${env.AZURE_API_KEY:=********}" in screen.query_one("#view-run", YamlView).text

        await pilot.press("o")
        view = screen.query_one("#view-lightspeed", YamlView)
        view.focus()
        view.go_to_line(line_of(view, "client_secret"))
        await pilot.pause()
        await reveal(pilot, app, "n")  # declined: still masked
        assert INLINE_CANARY not in shown(app)

        await reveal(pilot, app)
        assert INLINE_CANARY in view.text
        assert INLINE_CANARY in app.export_screenshot()
        assert DEFAULT_CANARY not in shown(app)
        assert ENV_CANARY not in shown(app)

        await pilot.press("h")
        await pilot.pause()
        assert all(canary not in shown(app) for canary in CANARIES)


async def test_a_line_without_a_secret_reveals_nothing(app: LightspeedConsole) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_config(app, pilot)
        view = screen.query_one("#view-lightspeed", YamlView)
        view.focus()
        view.go_to_line(line_of(view, "name:"))
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ConfigScreen)
        assert all(canary not in shown(app) for canary in CANARIES)


async def test_env_table_lists_every_variable_and_reveals_one_value(
    app: LightspeedConsole,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_config(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        table = screen.query_one("#env", DataTable)
        rows = {
            str(table.get_cell(key, "name")): [str(c) for c in table.get_row(key)]
            for key in table.rows
        }
        assert set(rows) == {
            "TENANT_ID",
            "CLIENT_ID",
            "STACK_API_KEY",
            "AZURE_API_KEY",
            "AZURE_API_VERSION",
            "SQLITE_STORE_DIR",
        }
        assert rows["TENANT_ID"][1] == "set"
        assert rows["AZURE_API_VERSION"][1] == "UNSET"
        assert rows["AZURE_API_VERSION"][2] == "(unset)"
        assert rows["SQLITE_STORE_DIR"][1] == "default"
        assert rows["STACK_API_KEY"][2] == "********"
        assert rows["STACK_API_KEY"][3] == "lightspeed-stack.yaml:12"
        assert rows["AZURE_API_VERSION"][3].startswith("run.yaml:")

        # reveal the inline secret first, then the variable: only one shows at a time
        view = screen.query_one("#view-lightspeed", YamlView)
        view.focus()
        view.go_to_line(line_of(view, "client_secret"))
        await reveal(pilot, app)
        assert INLINE_CANARY in view.text

        await pilot.press("e")
        table.move_cursor(row=sorted(rows).index("STACK_API_KEY"))
        await pilot.pause()
        assert ENV_CANARY not in shown(app)
        await reveal(pilot, app)
        assert str(table.get_cell("STACK_API_KEY", "value")) == ENV_CANARY
        assert ENV_CANARY in app.export_screenshot()
        assert INLINE_CANARY not in shown(app)

        await pilot.press("h")
        await pilot.pause()
        assert all(canary not in shown(app) for canary in CANARIES)


async def test_selecting_a_finding_moves_the_view_to_its_line(app: LightspeedConsole) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_config(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        loaded = app.doctor.state.loaded
        assert loaded is not None
        index, finding = next(
            (i, f) for i, f in enumerate(loaded.findings) if f.code == "env-unset"
        )
        assert finding.line is not None
        table = screen.query_one("#findings", DataTable)
        table.move_cursor(row=index)
        await pilot.pause()
        assert "remedy:" in text_of(screen.query_one("#config-detail"))  # type: ignore[arg-type]
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("#config-files", TabbedContent).active == "file-run"
        view = screen.query_one("#view-run", YamlView)
        assert view.has_focus
        assert view.cursor_line == finding.line
        assert "AZURE_API_VERSION" in view.line_text(finding.line)
        assert "AZURE_API_VERSION" in text_of(screen.query_one("#config-detail"))  # type: ignore[arg-type]


def change_on_disk(path: Path) -> None:
    """Give lightspeed-stack.yaml an unset variable, with an mtime that surely moved."""
    text = path.read_text().replace("  timeout: 60\n", "  timeout: ${env.NEW_TIMEOUT}\n")
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def test_reload_after_the_file_changes_on_disk(app: LightspeedConsole) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_config(app, pilot)
        assert app.launch.target.lightspeed_config is not None
        path: Path = app.launch.target.lightspeed_config
        before = app.doctor.state.loaded
        change_on_disk(path)
        await wait_for(
            pilot,
            lambda: (
                app.doctor.state.loaded is not before
                and app.doctor.state.loaded is not None
                and not app.running
            ),
            timeout=5,
        )
        loaded = app.doctor.state.loaded
        assert any("NEW_TIMEOUT" in f.message for f in loaded.findings)
        await wait_for(
            pilot, lambda: any("reloaded after change on disk" in e.text for e in app.events.events)
        )
        table = app.screen.query_one("#findings", FindingsTable)
        messages = [finding.message for finding in table.findings]
        assert any("NEW_TIMEOUT" in message for message in messages)
        cells = [str(table.get_cell_at((row, 2))) for row in range(table.row_count)]
        assert all(  # each row shows its message, or its beginning and an ellipsis
            cell == message or message.startswith(cell.removesuffix("…").rstrip())
            for cell, message in zip(cells, messages, strict=True)
        )
        assert all(canary not in shown(app) for canary in CANARIES)


def watching(app: LightspeedConsole) -> bool:
    """Whether a look at the files is under way (the app's worker)."""
    return any(w.group == "config-watch" and not w.is_finished for w in app.workers)


async def test_the_files_are_watched_only_while_the_config_screen_or_the_doctor_is_shown(
    app: LightspeedConsole, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app polls the files while the config screen (it reloads them) or the doctor (it
    says its results are out of date) is shown, and only then.

    Polls are counted (a spy on the core's `FileWatcher.poll`) at a fast interval, so
    "not polled while hidden" is an observed count of zero over ten intervals.
    """
    polls: list[list[Path]] = []
    poll = FileWatcher.poll

    async def counted(self: FileWatcher, paths: Iterable[Path], **kwargs: object) -> list[Path]:
        paths = list(paths)
        polls.append(paths)
        return await poll(self, paths, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(FileWatcher, "poll", counted)
    monkeypatch.setattr("screens.workers.POLL_SECONDS", 0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        await wait_for(pilot, lambda: len(polls) >= 3)  # the doctor: on the interval
        await open_config(app, pilot)
        seen = len(polls)
        await wait_for(pilot, lambda: len(polls) >= seen + 3)  # the config screen too
        assert app.launch.target.lightspeed_config in polls[-1]

        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, EnrichmentScreen))
        await pilot.pause(0.1)
        await wait_for(pilot, lambda: not watching(app))
        seen = len(polls)
        before = app.doctor.state.loaded
        assert app.launch.target.lightspeed_config is not None
        change_on_disk(app.launch.target.lightspeed_config)
        await pilot.pause(0.5)  # ten intervals
        assert len(polls) == seen  # neither shown: not one look
        assert app.doctor.state.loaded is before
        assert not any("changed on disk" in e.text for e in app.events.events)

        await pilot.press("2")  # shown again: it catches up at once
        await wait_for(
            pilot,
            lambda: any(
                "reloaded after change on disk (lightspeed-stack.yaml)" in e.text
                for e in app.events.events
            ),
        )
        assert app.doctor.state.loaded is not before
        notes = [n.message for n in app._notifications]
        assert "lightspeed-stack.yaml changed on disk: reloaded." in notes
        loaded = app.doctor.state.loaded
        assert loaded is not None
        assert any("NEW_TIMEOUT" in f.message for f in loaded.findings)


async def test_reload_on_request(app: LightspeedConsole) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_config(app, pilot)
        before = app.doctor.state.loaded
        await pilot.press("r")
        await wait_for(
            pilot, lambda: any("reloaded on request" in e.text for e in app.events.events)
        )
        assert app.doctor.state.loaded is not before


async def test_small_terminal_still_shows_the_file(app: LightspeedConsole) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_config(app, pilot)
        assert screen.has_class("-narrow")
        assert screen.query_one("#view-lightspeed", YamlView).size.height >= 3
        assert all(canary not in shown(app) for canary in CANARIES)


def test_masking_covers_inline_values_defaults_and_multiline_blocks() -> None:
    from ruamel.yaml import YAML

    text = (
        "a:\n"
        "  password: 'x'  # short, still masked\n"
        "  token: ${env.T:=fallbackvalue}\n"
        "  api_key: ${env.K}\n"
        "  client_secret: |\n"
        "    line-one-secret\n"
        "    line-two-secret\n"
        "  other: plain\n"
    )
    document = YAML().load(text)
    fields = secret_fields(document)
    assert [f.path for f in fields] == ["a.password", "a.token", "a.client_secret"]
    masked = mask_text(text, fields)
    assert "'x'" not in masked
    assert "# short, still masked" in masked
    assert "${env.T:=********}" in masked
    assert "${env.K}" in masked
    assert "secret\n" not in masked.split("client_secret")[1].split("other")[0]
    assert "other: plain" in masked
    shown_token = mask_text(text, fields, revealed=fields[1].key)
    assert "fallbackvalue" in shown_token
    assert "'x'" not in shown_token


async def test_a_broken_file_is_explained_and_its_fix_picked_up(app: LightspeedConsole) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_config(app, pilot)
        assert app.launch.target.run_config is not None
        path: Path = app.launch.target.run_config
        good = path.read_text()
        path.write_text(good + "providers: [unclosed\n")
        await wait_for(pilot, lambda: app.doctor.state.config_error is not None and not app.running)
        await pilot.pause()
        error = app.doctor.state.config_error
        assert error is not None
        view = screen.query_one("#view-run", YamlView)
        lines = [view.line_text(n) for n in range(1, view.line_count + 1)]
        assert lines[0] == f"{error.location}: {error.message}"
        assert f"remedy: {error.remedy}" in lines
        assert "Traceback" not in app.export_screenshot()
        path.write_text(good)
        await wait_for(pilot, lambda: app.doctor.state.loaded is not None and not app.running)
        await pilot.pause()
        assert "model_validation" not in screen.query_one("#view-run", YamlView).text
        assert "base_url" in screen.query_one("#view-run", YamlView).text


async def test_at_80_columns_a_finding_shows_whole_with_its_did_you_mean(
    sandbox: DemoSandbox, tmp_path: Path
) -> None:
    """A mistyped key: the table cuts the message with an ellipsis and keeps the line number;
    the panel below it and ``t`` give the whole finding, the did-you-mean included."""
    from textual.widgets import TextArea

    from screens.widgets.text_panel import TextPanel

    assert sandbox.info is not None
    padding = "".join(f"# a comment to push the key down ({n})\n" for n in range(14))

    def typo(text: str) -> str:
        return text.replace("  timeout: 60\n", f"{padding}  timout: 60\n")

    app = LightspeedConsole(canary_files(sandbox.info, tmp_path, edit_lightspeed=typo))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_config(app, pilot)
        table = screen.query_one("#findings", FindingsTable)
        index, finding = next((i, f) for i, f in enumerate(table.findings) if "timout" in f.message)
        assert finding.line is not None
        assert finding.line >= 20  # two digits: the case that was cut to one
        assert "did you mean" in finding.remedy
        await pilot.press("f")
        table.move_cursor(row=index)
        await pilot.pause()
        where = str(table.get_row_at(index)[1])
        assert where.endswith(f":{finding.line}")  # the whole line number, never part of it
        message = str(table.get_row_at(index)[2])
        assert message.endswith("…")  # cut, and saying so
        assert table.region.right <= 80
        detail = text_of(screen.query_one("#config-detail"))
        assert finding.message in " ".join(detail.split())
        assert "did you mean" in detail
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPanel))
        text = app.screen.query_one(TextArea).text
        assert finding.message in text
        assert f"remedy: {finding.remedy}" in text
