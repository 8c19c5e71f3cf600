"""The enrichment screen: the diff both ways, "nothing to change", and the confirmed atomic write."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from console.config import enriched_write
from console.config.enriched_write import EnrichedWrite
from console.config.enrichment import EnrichmentPreview
from console.sandbox.demo import DemoSandbox
from console.shared.atomic import TargetFacts
from screens.app import LightspeedConsole
from screens.enrichment_screen import EnrichmentScreen
from screens.widgets.confirm import ConfirmDialog
from screens.widgets.diff_view import DiffView, side_by_side_rows
from screens.widgets.path_dialog import PathDialog
from tests.tui.conftest import SIZE, text_of, wait_for
from tests.tui.copies import CANARIES, canary_files

COMMENT = "# Llama Stack run.yaml of the lightspeed-console demo (sandbox)."


@pytest.fixture
def app(sandbox: DemoSandbox, tmp_path: Path) -> LightspeedConsole:
    assert sandbox.info is not None
    return LightspeedConsole(canary_files(sandbox.info, tmp_path))


def rendered(renderable: object, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def open_enrichment(app: LightspeedConsole, pilot: Pilot[None]) -> EnrichmentScreen:
    await pilot.press("3")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, EnrichmentScreen)
            and app.screen.current_preview() is not None
            and not app.running
        ),
    )
    await pilot.pause()
    assert isinstance(app.screen, EnrichmentScreen)
    return app.screen


async def write_to(pilot: Pilot[None], app: LightspeedConsole, target: Path | None) -> str:
    """Press w, accept or type the path; return the confirm dialog's text (left open)."""
    await pilot.press("w")
    await wait_for(
        pilot, lambda: isinstance(app.screen, PathDialog) and bool(app.screen.query(Input))
    )
    if target is not None:
        app.screen.query_one(Input).value = str(target)
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, ConfirmDialog) and bool(app.screen.query("#confirm-message"))
        ),
    )
    return text_of(app.screen.query_one("#confirm-message", Static))


def status(app: LightspeedConsole) -> str:
    return text_of(app.screen.query_one("#enrichment-status", Static))


async def test_diff_is_shown_unified_and_side_by_side(app: LightspeedConsole) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_enrichment(app, pilot)
        diff = screen.query_one("#diff", DiffView)
        unified = rendered(diff.content)
        assert "+        model_validation: false" in unified
        assert "@@" in unified
        summary = text_of(screen.query_one("#enrichment-summary", Static))
        assert "1 remote::azure provider(s) get config.model_validation: false" in summary
        assert "provider azure" in summary
        await pilot.press("s")
        await pilot.pause()
        side = rendered(diff.content)
        assert "run.yaml (enriched)" in side
        assert "+         model_validation: false" in side
        assert "@@" not in side
        svg = app.export_screenshot()
        assert all(canary not in svg for canary in CANARIES)
        assert all(canary not in unified + side for canary in CANARIES)


async def test_nothing_to_change_is_said_with_the_reason(
    sandbox: DemoSandbox, tmp_path: Path
) -> None:
    assert sandbox.info is not None
    launch = canary_files(
        sandbox.info,
        tmp_path,
        edit_run=lambda text: text.replace(
            "        base_url:", "        model_validation: false\n        base_url:"
        ),
    )
    app = LightspeedConsole(launch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_enrichment(app, pilot)
        shown = rendered(screen.query_one("#diff", DiffView).content)
        assert "Nothing to change." in shown
        assert "already enriched" in shown
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, EnrichmentScreen)  # nothing to write: no dialog
        assert not (tmp_path / "run_.yaml").exists()


async def test_write_creates_the_enriched_file_next_to_run_yaml(
    app: LightspeedConsole, tmp_path: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_enrichment(app, pilot)
        message = await write_to(pilot, app, None)
        target = tmp_path / "run_.yaml"
        assert str(target) in message
        assert "A new file, mode 0600" in message
        await pilot.press("y")
        await wait_for(pilot, lambda: "wrote" in status(app))
        text = target.read_text()
        assert "      config:\n        model_validation: false\n        api_key:" in text
        assert COMMENT in text
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert f"wrote {target} (mode 0600)" in status(app)
        assert any(f"wrote {target}" in event.text for event in app.events.events)


async def test_an_existing_file_is_replaced_only_after_a_yes(
    app: LightspeedConsole, tmp_path: Path
) -> None:
    target = tmp_path / "existing.yaml"
    target.write_text("old: contents\n")
    async with app.run_test(size=SIZE) as pilot:
        await open_enrichment(app, pilot)
        message = await write_to(pilot, app, Path("existing.yaml"))  # relative to run.yaml
        assert "exists and will be replaced" in message
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, EnrichmentScreen))
        await pilot.pause()
        assert target.read_text() == "old: contents\n"
        assert any("not written" in event.text for event in app.events.events)

        await write_to(pilot, app, target)
        await pilot.press("y")
        await wait_for(pilot, lambda: "wrote" in status(app))
        assert "model_validation: false" in target.read_text()
        assert not (tmp_path / "existing.yaml.bak").exists()


async def test_rewriting_the_input_keeps_a_backup_and_reloads(
    app: LightspeedConsole, tmp_path: Path
) -> None:
    source = tmp_path / "run.yaml"
    original = source.read_text()
    async with app.run_test(size=SIZE) as pilot:
        await open_enrichment(app, pilot)
        message = await write_to(pilot, app, source)
        assert "rewritten in place" in message
        assert "run.yaml.bak" in message
        await pilot.press("y")
        await wait_for(pilot, lambda: "previous contents in run.yaml.bak" in status(app))
        assert (tmp_path / "run.yaml.bak").read_text() == original
        assert "model_validation: false" in source.read_text()
        await wait_for(
            pilot,
            lambda: (
                (preview := app.screen.current_preview()) is not None  # type: ignore[attr-defined]
                and not preview.changed
            ),
        )
        shown = rendered(app.screen.query_one("#diff", DiffView).content)
        assert "Nothing to change." in shown


async def test_a_refused_write_shows_the_remedy(app: LightspeedConsole, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "run_.yaml"
    async with app.run_test(size=SIZE) as pilot:
        await open_enrichment(app, pilot)
        message = await write_to(pilot, app, target)
        assert "does not exist" in message
        await pilot.press("y")
        await wait_for(pilot, lambda: "could not write" in status(app))
        shown = status(app)
        assert "the folder" in shown
        assert "remedy: Create the folder first." in shown
        assert "Traceback" not in app.export_screenshot()
        assert not target.parent.exists()
        assert any("could not write" in event.text for event in app.events.events)


async def test_the_look_and_the_write_run_in_the_apps_worker(
    app: LightspeedConsole, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screen only asks: the core's inspect and write run in the app's worker."""
    calls: list[tuple[str, object, str | None]] = []
    inspect, write = enriched_write.inspect, enriched_write.write

    async def spied_inspect(path: Path, preview: EnrichmentPreview) -> TargetFacts:
        worker = get_current_worker()
        calls.append(("inspect", worker.node, worker.group))
        return await inspect(path, preview)

    async def spied_write(facts: TargetFacts, preview: EnrichmentPreview) -> EnrichedWrite:
        worker = get_current_worker()
        calls.append(("write", worker.node, worker.group))
        return await write(facts, preview)

    monkeypatch.setattr(enriched_write, "inspect", spied_inspect)
    monkeypatch.setattr(enriched_write, "write", spied_write)
    async with app.run_test(size=SIZE) as pilot:
        await open_enrichment(app, pilot)
        await write_to(pilot, app, None)
        assert calls == [("inspect", app, "enrichment-write")]
        await pilot.press("y")
        await wait_for(pilot, lambda: "wrote" in status(app))
        assert calls[1:] == [("write", app, "enrichment-write")]
        assert (tmp_path / "run_.yaml").exists()


async def test_a_file_that_appeared_after_the_consent_is_left_alone(
    app: LightspeedConsole, tmp_path: Path
) -> None:
    target = tmp_path / "run_.yaml"
    async with app.run_test(size=SIZE) as pilot:
        await open_enrichment(app, pilot)
        message = await write_to(pilot, app, None)
        assert "A new file" in message
        target.write_text("someone else's\n")  # between the look and the yes
        await pilot.press("y")
        await wait_for(pilot, lambda: "could not write" in status(app))
        shown = status(app)
        assert f"could not write {target}: the file already exists" in shown
        assert (
            "remedy: The file appeared after you confirmed; press w again to replace it." in shown
        )
        assert target.read_text() == "someone else's\n"
        logged = [(e.level, e.text) for e in app.events.events]
        assert ("error", f"enrichment: could not write {target}: the file already exists") in logged
        notes = [(n.title, n.message) for n in app._notifications]
        assert (
            "Not written",
            "the file already exists\n"
            "The file appeared after you confirmed; press w again to replace it.",
        ) in notes


async def test_a_write_after_the_files_were_re_read_is_refused(
    app: LightspeedConsole, tmp_path: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_enrichment(app, pilot)
        await write_to(pilot, app, None)
        await app.reload_config().wait()  # re-read while the consent dialog is open
        await pilot.press("y")
        await wait_for(pilot, lambda: "could not write" in status(app))
        shown = status(app)
        assert "the files were re-read after you asked; nothing was written" in shown
        assert "remedy: Check the diff again and press w." in shown
        assert not (tmp_path / "run_.yaml").exists()


async def test_palette_write_command_opens_the_write_dialog(app: LightspeedConsole) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        app._write_enriched()  # what the palette's "enrichment: write…" runs
        # The dialog is pushed first and composed a moment later: wait for its input too.
        await wait_for(
            pilot, lambda: isinstance(app.screen, PathDialog) and bool(app.screen.query(Input))
        )
        assert app.screen.query_one(Input).value.endswith("run_.yaml")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, EnrichmentScreen))


async def test_small_terminal_shows_the_diff(app: LightspeedConsole) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_enrichment(app, pilot)
        assert screen.query_one("#diff", DiffView).size.height >= 3
        assert "model_validation" in app.export_screenshot()


def test_side_by_side_rows_pair_changes_and_separate_hunks() -> None:
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 2\n", "line 2\nadded\n").replace("line 18", "changed 18")
    rows = side_by_side_rows(old, new, context=1)
    assert None in rows  # two hunks
    added = next(r for r in rows if r is not None and r.new_text == "added")
    assert added.old_line is None
    assert added.tag == "insert"
    changed = next(r for r in rows if r is not None and r.tag == "replace")
    assert (changed.old_text, changed.new_text) == ("line 18", "changed 18")
