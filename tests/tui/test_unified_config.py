"""A unified lightspeed-stack.yaml in the console: the synthesized run.yaml beside the file,
each provider with where it came from, and the generation in the top bar."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static, TabbedContent

from console.settings.launch import Launch as LaunchInput
from console.settings.target import Target
from screens.app import LightspeedConsole
from screens.config_screen import ConfigScreen
from screens.widgets.origins_table import OriginsTable
from screens.widgets.yaml_view import YamlView
from tests.tui.conftest import SIZE, text_of, wait_for

UNIFIED = """\
name: unified
service: {host: 127.0.0.1, port: 8080}
user_data_collection: {}
ogx:
  use_as_library_client: true
  config:
    profile: profile.yaml
inference:
  providers:
  - type: azure
    extra: {base_url: https://hl.openai.azure.com/openai/v1}
azure_entra_id:
  tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
  client_id: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
  client_secret: ${env.CLIENT_SECRET}
"""
PROFILE = """\
version: 2
providers:
  inference:
  - provider_id: sentence-transformers
    provider_type: inline::sentence-transformers
"""


def app_for(folder: Path) -> LightspeedConsole:
    (folder / "lightspeed-stack.yaml").write_text(UNIFIED)
    (folder / "profile.yaml").write_text(PROFILE)
    return LightspeedConsole(
        LaunchInput(
            Target(
                folder / "lightspeed-stack.yaml",
                environ={"CLIENT_SECRET": "unified-secret-value"},
            ),
            read_only=True,
        )
    )


async def test_the_synthesized_run_yaml_and_its_origins(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
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
        files = screen.query_one("#config-files", TabbedContent)
        assert str(files.get_tab("file-run").label) == "run.yaml (synthesized)"
        side = screen.query_one("#config-side", TabbedContent)
        assert str(side.get_tab("side-origins").label) == "Origins (3)"
        table = screen.query_one(OriginsTable)
        rows = [(o.provider_id, o.origin) for o in table.origins]
        assert rows == [
            ("sentence-transformers", "profile profile.yaml:4"),
            ("azure", "lightspeed-stack.yaml:10 (inference.providers[0])"),
            ("model-context-protocol", "Lightspeed's MCP tool runtime default"),
        ]
        await pilot.press("o")  # the run.yaml tab
        await pilot.pause()
        view = screen.query_one("#view-run", YamlView)
        assert "model_validation: false" in view.text
        line = next(
            n for n in range(1, view.line_count + 1) if "provider_id: azure" in view.line_text(n)
        )
        view.cursor_line = line
        await pilot.pause()
        detail = text_of(screen.query_one("#config-detail", Static))
        assert "from lightspeed-stack.yaml:10 (inference.providers[0])" in detail
        assert "enriched (model_validation: false)" in detail
        bar = text_of(screen.query_one("#deployment-bar", Static))
        assert "library (booted locally), unified" in bar
        assert "lightspeed-stack 0.7.x" in bar


async def test_a_legacy_file_has_no_origins_tab(tmp_path: Path) -> None:
    (tmp_path / "lightspeed-stack.yaml").write_text("name: t\nllama_stack:\n  url: http://x:1\n")
    app = LightspeedConsole(LaunchInput(Target(tmp_path / "lightspeed-stack.yaml"), read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: app.doctor.state.loaded is not None and not app.running)
        await pilot.pause()
        side = app.screen.query_one("#config-side", TabbedContent)
        assert side.get_tab("side-origins").display is False
