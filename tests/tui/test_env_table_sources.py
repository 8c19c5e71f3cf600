"""The env table says where each variable's value comes from, and shows the Entra IDs.

A small app holding only the table: the env file and line of a variable an env file gave,
``environment`` for an exported one, ``default`` for the file's own ``${env.X:=…}``, and
``unset``. The tenant and client IDs are identifiers (``az`` shows them): shown as they are;
the client secret stays masked.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from console.config.loader import load
from console.settings.envfile import layered, read_env_file
from console.shared.redact import MASK
from screens.widgets.env_table import EnvTable

TENANT = "6b1f0c2e-0000-4000-8000-00000000aaaa"
CLIENT = "c1e7d00d-0000-4000-8000-00000000bbbb"
SECRET = "canary-Env-Table-S3cret"
LIGHTSPEED = """\
llama_stack:
  url: ${env.STACK_URL:=http://127.0.0.1:8321}
azure_entra_id:
  tenant_id: ${env.TENANT_ID}
  client_id: ${env.CLIENT_ID}
  client_secret: ${env.CLIENT_SECRET}
  scope: ${env.SCOPE}
"""


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield EnvTable(id="env")


async def test_each_variable_says_its_source_and_the_ids_are_shown(tmp_path: Path) -> None:
    config = tmp_path / "lightspeed-stack.yaml"
    config.write_text(LIGHTSPEED)
    pod = tmp_path / "pod.env"
    pod.write_text(f"# the pod's Secret\nTENANT_ID={TENANT}\nCLIENT_SECRET={SECRET}\n")
    layer = layered(read_env_file(pod), {"CLIENT_ID": CLIENT})
    loaded = load(config, environ=layer.environ)
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(EnvTable)
        table.show(loaded.env_references, layer.environ, sources=layer.sources)
        await pilot.pause()
        rows = {
            str(table.get_cell(key, "name")): [str(cell) for cell in table.get_row(key)]
            for key in table.rows
        }
        source = {name: row[4] for name, row in rows.items()}
        value = {name: row[2] for name, row in rows.items()}
    assert source == {
        "TENANT_ID": "pod.env:2",
        "CLIENT_SECRET": "pod.env:3",
        "CLIENT_ID": "environment",
        "STACK_URL": "default",
        "SCOPE": "unset",
    }
    assert value["TENANT_ID"] == TENANT
    assert value["CLIENT_ID"] == CLIENT
    assert value["CLIENT_SECRET"] == MASK
    assert SECRET not in str(rows)
    detail = " ".join(str(part) for part in table.describe("TENANT_ID", layer.environ))
    assert f"its value from {pod}:2" in detail
