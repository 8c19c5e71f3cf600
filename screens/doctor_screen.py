"""1 Doctor, the home screen: the checks of ``lightspeed-console check``, live.

One row per step with its status, duration and summary; the panel below explains the
selected step: the diagnosis (what it means, the endpoint), the remedy and the details.
``r`` re-runs everything, ``enter`` re-runs the selected step. When the console brought
services up itself (the demo's sandbox), they are listed above the steps as they come up.

The steps are an `OptionList` of one-line rows under a header line, not a `DataTable`:
seven fixed rows need no sorting or column resizing, and on the screen that opens first
the table's styles and layout cost about a tenth of the time to the first frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from console.doctor.graph import RERUN_TOGETHER, STEPS, StepId
from console.doctor.results import CheckResult, CheckStatus
from screens.base import ConsoleScreen
from screens.cells import fit
from screens.host import ConsoleHost
from screens.staleness import stale_reasons
from screens.visible import SafeStatic
from screens.widgets.services_panel import ServicesPanel
from screens.widgets.status_badge import STALE_STYLE, badge

COLUMNS = (("status", 10), ("check", 30), ("time", 8))
"""The fixed columns of a row; the summary takes the rest of the line."""
ROW_FIXED = sum(width for _, width in COLUMNS)


class DoctorScreen(ConsoleScreen):
    """The checks, each with status, duration and remedy."""

    TITLE = "1 Doctor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run_all", "Run all", id="doctor.run-all"),
        Binding("enter", "run_selected", "Re-run step", id="doctor.run-step"),
    ]

    def compose_body(self) -> ComposeResult:
        if self.console.services:  # only when the console brings services up (the demo)
            yield ServicesPanel(id="services")
        header = _row(*(Text(name) for name, _ in COLUMNS), Text("summary"))
        header.stylize("bold")
        yield Static(header, id="checks-header")
        rows = [Option(_step_row(step.title, None), id=step.id) for step in STEPS]
        yield OptionList(*rows, id="checks", compact=True)
        yield SafeStatic(id="verdict")
        with VerticalScroll(id="check-detail-scroll"):
            yield SafeStatic(id="check-detail")

    def __init__(self, console: ConsoleHost) -> None:
        super().__init__(console)
        self._stale: dict[str, str] = {}
        self._was_running = False
        self._clock_ticker: Timer | None = None

    def on_screen_resume(self) -> None:
        """Shown: notice files changed on disk, and a token expiring, while shown."""
        self.console.watch_for_changes(True)
        if self._clock_ticker is None:
            self._clock_ticker = self.set_interval(1.0, self._tick_clock)
        else:
            self._clock_ticker.resume()

    def on_screen_suspend(self) -> None:
        self.console.watch_for_changes(False)
        if self._clock_ticker is not None:
            self._clock_ticker.pause()

    def _tick_clock(self) -> None:
        """Redraw when a result stops holding as time passes (the token expires)."""
        if self._stale_now() != self._stale:
            self.refresh_view()

    def _stale_now(self) -> dict[str, str]:
        console = self.console
        return stale_reasons(console.doctor.state, console.clock(), console.files_changed)

    def on_resize(self, _event: events.Resize) -> None:
        self.refresh_view()  # the summaries are cut to the width the rows have

    def refresh_view(self) -> None:
        if self.console.services:
            self.query_one(ServicesPanel).show_services(self.console.services.values())
        checks = self.query_one("#checks", OptionList)
        results = self.console.doctor.state.results
        running = self.console.running
        self._stale = stale = self._stale_now()
        room = checks.scrollable_content_region.width - ROW_FIXED
        for step in STEPS:
            result = results.get(step.id)
            title = result.title if result is not None else step.title
            waited = self.waited(step.id) if step.id in running else None
            row = _step_row(
                title,
                result,
                running=step.id in running,
                waited=waited,
                stale=stale.get(step.id),
                room=room,
            )
            if checks.get_option(step.id).prompt != row:  # most revisions touch one step
                checks.replace_option_prompt(step.id, row)
        verdict = _verdict(results, running=bool(running), stale=stale)
        self.query_one("#verdict", Static).update(verdict)
        if self._was_running and not running:
            self._open_first_failure()
        self._was_running = bool(running)
        self._show_detail()

    def _open_first_failure(self) -> None:
        """A run just ended: its first failure is selected and explained below."""
        results = self.console.doctor.state.results
        failed = [
            index
            for index, step in enumerate(STEPS)
            if step.id in results and results[step.id].status is CheckStatus.FAIL
        ]
        if failed:
            checks = self.query_one("#checks", OptionList)
            checks.highlighted = failed[0]
            checks.focus()

    def on_option_list_option_highlighted(self, _: OptionList.OptionHighlighted) -> None:
        self._show_detail()

    def on_option_list_option_selected(self, _: OptionList.OptionSelected) -> None:
        self.action_run_selected()

    def _selected(self) -> StepId:
        highlighted = self.query_one("#checks", OptionList).highlighted or 0
        return STEPS[min(highlighted, len(STEPS) - 1)].id

    def _show_detail(self) -> None:
        step = self._selected()
        result = self.console.doctor.state.results.get(step)
        detail = self.query_one("#check-detail", Static)
        if result is None:
            title = next(s.title for s in STEPS if s.id == step)
            why = "not run yet (r runs every check)"
            if self.console.bringup_error is not None:
                why = f"not run: the sandbox did not come up ({self.console.bringup_error})"
            elif self.console.awaiting_target:
                why = "waiting for the sandbox to come up"
            detail.update(Text(f"{title}: {why}", style="dim"))
            return
        parts: list[Text] = [Text.assemble((result.title, "bold"), "  ", badge(result.status))]
        stale = self._stale.get(step)
        if stale is not None:
            parts.insert(0, Text.assemble(("↻ out of date: ", STALE_STYLE), " ", stale))
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
        """Every check from scratch; a production-like deployment's inference on a yes."""
        self.console.ask_before_inference(
            lambda: self.console.run_checks(None),
            declined=lambda: self.console.run_checks(None, without_inference=True),
            cancel_label="Run the rest",
        )

    def action_run_selected(self) -> None:
        step = self._selected()
        steps = RERUN_TOGETHER.get(step, (step,))
        if "inference" in steps:
            self.console.ask_before_inference(lambda: self.console.run_checks(steps))
        else:
            self.console.run_checks(steps)


def _verdict(
    results: Mapping[StepId, CheckResult], *, running: bool, stale: Mapping[str, str]
) -> Text:
    """What the checks so far verified: never "passed" when a step did not run, and never
    without saying that some of it no longer holds."""
    if running or not results:
        return Text("")
    from console.doctor.verdict import Outcome, verdict_of  # once there are results to judge

    verdict = verdict_of([results[step.id] for step in STEPS if step.id in results])
    style = {
        Outcome.PASSED: "bold green",
        Outcome.FAILED: "bold red",
        Outcome.INCOMPLETE: "bold yellow",
    }[verdict.outcome]
    line = Text(verdict.line(), style=style)
    if stale:
        first = next(step for step in STEPS if step.id in stale)
        line.append("  ")
        line.append(" ↻ out of date ", style=STALE_STYLE)
        line.append(f" {first.title}: {stale[first.id]}", style="yellow")
    return line


def _step_row(
    title: str,
    result: CheckResult | None,
    *,
    running: bool = False,
    waited: str | None = None,
    stale: str | None = None,
    room: int = 0,
) -> Text:
    status: CheckStatus | None = result.status if result else None
    summary = result.summary if result else ""
    if stale is not None and not running:
        summary = f"{stale}; was: {summary}"
    return _row(
        badge(status, running=running, stale=stale is not None and not running),
        Text(title),
        Text(waited, style="cyan") if waited is not None else Text(_duration(result)),
        Text(fit(summary, room) if room > 0 else summary),
    )


def _row(*cells: Text) -> Text:
    """One line: the fixed columns padded or cut to width, the last cell after them."""
    row = Text(no_wrap=True, overflow="ellipsis", end="")
    for cell, (_, width) in zip(cells, COLUMNS, strict=False):
        fitted = cell.copy()
        fitted.truncate(width - 1, overflow="ellipsis", pad=True)
        row.append_text(fitted)
        row.append(" ")
    row.append_text(cells[-1])
    return row


def _duration(result: CheckResult | None) -> str:
    if result is None or result.duration_s == 0:
        return ""
    return f"{result.duration_s * 1000:.0f} ms"
