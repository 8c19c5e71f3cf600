"""1 Doctor, the home screen: the checks of ``lightspeed-console check``, live.

One row per step with its status, duration and summary; the panel below explains the
selected step: the diagnosis (what it means, the endpoint), the remedy and the details.
``r`` re-runs everything, ``enter`` re-runs the selected step.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from console.doctor import STEPS, CheckResult
from screens.base import ConsoleScreen
from screens.widgets.status_badge import badge


class DoctorScreen(ConsoleScreen):
    """The checks, each with status, duration and remedy."""

    TITLE = "1 Doctor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run_all", "Run all", id="doctor.run-all"),
        Binding("enter", "run_selected", "Re-run step", id="doctor.run-step"),
    ]

    def compose_body(self) -> ComposeResult:
        table: DataTable[Text | str] = DataTable(id="checks", cursor_type="row", zebra_stripes=True)
        yield table
        with VerticalScroll(id="check-detail-scroll"):
            yield Static(id="check-detail")

    def on_mount(self) -> None:
        table = self.query_one("#checks", DataTable)
        table.add_column("status", key="status", width=10)
        table.add_column("check", key="check", width=30)
        table.add_column("time", key="time", width=8)
        table.add_column("summary", key="summary")
        for step in STEPS:
            table.add_row(badge(None), step.title, "", "", key=step.id)
        # ConsoleScreen.on_mount runs after this one (Textual calls each class's handler).

    def refresh_view(self) -> None:
        table = self.query_one("#checks", DataTable)
        results = self.console.doctor.state.results
        for step in STEPS:
            result = results.get(step.id)
            running = step.id in self.console.running
            table.update_cell(
                step.id, "status", badge(result.status if result else None, running=running)
            )
            table.update_cell(step.id, "time", _duration(result))
            table.update_cell(
                step.id, "summary", result.summary if result else "", update_width=True
            )
        self._show_detail()

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _selected(self) -> str:
        table = self.query_one("#checks", DataTable)
        return STEPS[min(table.cursor_row, len(STEPS) - 1)].id

    def _show_detail(self) -> None:
        step = self._selected()
        result = self.console.doctor.state.results.get(step)
        detail = self.query_one("#check-detail", Static)
        if result is None:
            title = next(s.title for s in STEPS if s.id == step)
            detail.update(Text(f"{title}: not run yet (r runs every check)", style="dim"))
            return
        parts: list[Text] = [Text.assemble((result.title, "bold"), "  ", badge(result.status))]
        diagnosis = result.diagnosis
        if diagnosis is None or result.summary != f"{diagnosis.code}: {diagnosis.title}":
            parts.append(Text(result.summary))
        if diagnosis is not None:
            parts.append(Text.assemble((f"{diagnosis.code}: ", "bold red"), diagnosis.title))
            parts.append(Text(diagnosis.meaning))
            if diagnosis.endpoint:
                parts.append(Text(f"endpoint: {diagnosis.endpoint}", style="cyan"))
        if result.remedy:
            parts.append(Text.assemble(("remedy: ", "bold green"), result.remedy))
        for line in result.details[:8]:
            parts.append(Text(f"  {line}", style="dim"))
        detail.update(Group(*parts))

    def action_run_all(self) -> None:
        self.console.run_checks(None)

    def action_run_selected(self) -> None:
        self.console.run_checks([self._selected()])


def _duration(result: CheckResult | None) -> str:
    if result is None or result.duration_s == 0:
        return ""
    return f"{result.duration_s * 1000:.0f} ms"
