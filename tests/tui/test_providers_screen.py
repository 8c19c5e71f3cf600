"""The providers screen: server and run.yaml side by side, mismatches in red, library mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable, Static

from console.doctor.results import CheckStatus
from console.sandbox.demo import DemoSandbox
from screens.app import LightspeedConsole
from screens.providers_screen import ProvidersScreen
from tests.tui.conftest import SIZE, all_checks_done, launch_for, text_of, wait_for, with_target

OTHER_BASE_URL = "https://other-resource.openai.azure.com/openai/v1"


def rows(table: DataTable[object]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_server_and_run_yaml_rows_side_by_side(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProvidersScreen)
        providers = rows(screen.query_one("#providers-table", DataTable))
        azure = next(row for row in providers if row[2] == "azure")
        assert azure[0] == "same"
        assert azure[4] == azure[5]  # server base URL == run.yaml base URL
        assert azure[6] != "-"  # the run.yaml line
        models = rows(screen.query_one("#models-table", DataTable))
        assert models
        assert {row[0] for row in models} == {"both"}
        assert any(row[1] == "azure/gpt-4o-mini" for row in models)
        summary = text_of(screen.query_one("#providers-summary", Static))
        assert "SANDBOX" in summary
        assert "as Lightspeed discovers it" in summary
        assert "X-LlamaStack-Provider-Data" in summary
        assert "✓ same" in summary
        await pilot.press("m")
        await pilot.pause()
        assert screen.query_one("TabbedContent").active == "models-pane"  # type: ignore[attr-defined]


async def test_base_url_mismatch_is_flagged_in_red_with_the_run_yaml_line(
    sandbox: DemoSandbox, tmp_path: Path
) -> None:
    assert sandbox.info is not None
    original = Path(sandbox.info.run_config).read_text()
    assert sandbox.info.azure_base_url in original
    other = tmp_path / "run.yaml"
    other.write_text(original.replace(sandbox.info.azure_base_url, OTHER_BASE_URL))
    launch = with_target(launch_for(sandbox.info), run_config=other)
    app = LightspeedConsole(launch)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        summary = text_of(screen.query_one("#providers-summary", Static))
        assert "MISMATCH" in summary
        assert f"{other}:" in summary  # path:line of the base_url to fix
        assert OTHER_BASE_URL in summary
        table = screen.query_one("#providers-table", DataTable)
        azure = next(i for i in range(table.row_count) if str(table.get_row_at(i)[2]) == "azure")
        state = table.get_row_at(azure)[0].__rich__()
        assert isinstance(state, Text)
        assert state.plain == "MISMATCH"
        assert "red" in str(state.style)
        assert str(table.get_row_at(azure)[5]) == OTHER_BASE_URL
        assert "MISMATCH" in app.export_screenshot()


async def test_refresh_after_a_stack_fault_clears(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    assert sandbox.stack_stand_in is not None
    sandbox.stack_stand_in.faults.status = 500
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        summary = text_of(screen.query_one("#providers-summary", Static))
        assert "HTTP_500" in summary
        assert "remedy:" in summary
        # run.yaml's rows stay visible, marked as not compared.
        providers = rows(screen.query_one("#providers-table", DataTable))
        assert providers
        assert providers[0][0] == "- not compared"
        sandbox.stack_stand_in.faults.status = None
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                not app.running and app.doctor.state.results["providers"].status is CheckStatus.PASS
            ),
        )
        await pilot.pause()
        summary = text_of(screen.query_one("#providers-summary", Static))
        assert "HTTP_500" not in summary
        assert "✓ same" in summary
        assert rows(screen.query_one("#providers-table", DataTable))[0][0] == "same"


async def test_library_mode_shows_the_booted_library(sandbox: DemoSandbox, tmp_path: Path) -> None:
    """No server: the run.yaml booted in llama-stack 0.7.3's library client (May 2026's file),
    its providers and models beside run.yaml's, the top bar and the token screen saying so."""
    assert sandbox.info is not None
    library = tmp_path / "lightspeed-stack.yaml"
    library.write_text(
        "name: library deployment\n"
        "llama_stack:\n"
        "  use_as_library_client: true\n"
        f"  library_client_config_path: {sandbox.info.run_config}\n"
        "azure_entra_id:\n"
        "  tenant_id: ${env.TENANT_ID}\n"
        "  client_id: ${env.CLIENT_ID}\n"
        "  client_secret: ${env.CLIENT_SECRET}\n"
    )
    launch = with_target(launch_for(sandbox.info), lightspeed_config=library, run_config=None)
    app = LightspeedConsole(launch)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app), timeout=60)
        assert app.doctor.state.results["inference"].status is CheckStatus.PASS
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        summary = text_of(screen.query_one("#providers-summary", Static))
        assert "LIBRARY" in summary
        assert "in-process llama-stack 0.7.3 library client" in summary
        assert "X-LlamaStack-Provider-Data" in summary
        assert sandbox.info.azure_base_url in summary
        bar = text_of(screen.query_one("#deployment-bar", Static))
        assert "library (booted locally)" in bar
        assert "llama-stack 0.7.3 library" in bar
        providers = rows(screen.query_one("#providers-table", DataTable))
        assert any(row[0] == "same" and row[2] == "azure" for row in providers)
        await pilot.press("5")
        await pilot.pause()
        status = text_of(app.screen.query_one("#token-status", Static))
        assert "at each refresh Lightspeed builds and boots a new llama-stack 0.7.3" in status


def big_run_yaml(path: Path, providers: int, models: int) -> None:
    lines = ["version: 2", "image_name: big", "apis: [inference]", "providers:", "  inference:"]
    for i in range(providers):
        lines += [
            f"  - provider_id: p{i}",
            "    provider_type: remote::openai",
            "    config:",
            f"      base_url: https://h{i}.example.com/v1",
        ]
    lines += ["registered_resources:", "  models:"]
    for i in range(models):
        lines += [
            f"  - model_id: m{i}",
            f"    provider_id: p{i % providers}",
            f"    provider_model_id: '[model]-{i}-deployment'",
            "    model_type: llm",
        ]
    path.write_text("\n".join(lines) + "\n")


async def test_a_thousand_providers_and_ten_thousand_models_fill_in_bulk(
    sandbox: DemoSandbox, tmp_path: Path
) -> None:
    assert sandbox.info is not None
    big = tmp_path / "run.yaml"
    big_run_yaml(big, 1000, 10_000)
    launch = with_target(launch_for(sandbox.info, read_only=True), run_config=big)
    app = LightspeedConsole(launch)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        await pilot.press("4", "m")
        await pilot.pause()
        models = app.screen.query_one("#models-table", DataTable)
        assert models.row_count == 10_000
        assert app.screen.query_one("#providers-table", DataTable).row_count == 1000
        # Brackets in ids are text, not markup; widths come from the longest cell.
        last = [str(cell) for cell in models.get_row_at(9_999)]
        assert last[1] == "p999/m9999"
        assert last[3] == "[model]-9999-deployment"
        assert models.columns[models.ordered_columns[3].key].content_width == len(
            "[model]-9999-deployment"
        )
        models.focus()
        await pilot.press("pagedown", "ctrl+end")
        await pilot.pause()
        assert models.cursor_row == 9_999
        assert models.scroll_y > 0
        assert "p999/m9999" in app.export_screenshot()


async def test_after_the_server_step_reruns_the_screen_says_its_rows_are_out_of_date(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "inference" in app.doctor.state.results and not app.running)
        await app.run_checks(["stack"]).wait()
        await pilot.press("4")
        await wait_for(pilot, lambda: app.current_mode == "providers")
        await pilot.pause(0.2)
        summary = text_of(app.screen.query_one("#providers-summary", Static))
        assert "out of date" in summary
        assert "r for every check" in summary or "re-run" in summary
        await pilot.press("r")
        await wait_for(pilot, lambda: app.doctor.state.survey is not None and not app.running)
        await pilot.pause(0.2)
        assert "out of date" not in text_of(app.screen.query_one("#providers-summary", Static))
