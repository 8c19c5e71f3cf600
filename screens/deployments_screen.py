"""0 Deployments: every named deployment, its live status and age; enter switches to one.

One row per deployment of the settings file (or the demo's): its tag (a production-like
one in the warning colour), which Lightspeed its file is written for, the server and
version that answered, the token and the inference, the verdict, how long ago it was
checked, and the first failure's code. The panel below explains the highlighted row.
``r`` checks them all again (the app's workers do it, as ``check --all`` does), after a
one-line yes when one is tagged production-like (no: the others only); ``enter`` switches
the whole console to the highlighted deployment. Shown for the first time, it checks what
may be checked unasked (nothing in a read-only console, never a read-only or
production-like deployment: `screens.deployments_work`), and every row says what is known
of it: its last check and its age, or that there is none yet and why.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import DataTable

from console.doctor.fleet import Verdict
from console.doctor.results import CheckStatus
from console.settings.deployments import Deployment
from screens.base import ConsoleScreen, elapsed_text
from screens.cells import fit
from screens.host import ConsoleHost
from screens.safe_table import SafeTable
from screens.visible import SafeStatic
from screens.widgets.confirm import ConfirmLine
from screens.widgets.deployment_bar import PROD_STYLE
from screens.widgets.status_badge import FAIL_STYLE, STALE_STYLE, WARN_STYLE

COLUMNS = (
    ("deployment", "name"),
    ("tag", "tag"),
    ("lightspeed", "generation"),
    ("server", "server"),
    ("token", "token"),
    ("inference", "inference"),
    ("verdict", "verdict"),
    ("checked", "age"),
    ("first failure", "failure"),
)
"""Header and key of each column; the one the console shows is marked ▶ before its name."""
NARROW_COLUMNS = (
    ("deployment", "name"),
    ("tag", "tag"),
    ("token/inf", "steps"),
    ("verdict", "verdict"),
    ("checked", "age"),
    ("first failure", "failure"),
)
"""Under `WIDE_AT` columns (80x24): the generation and the server move to the panel below,
the token and the inference share a column, the first failure is cut to what is left."""
WIDE_AT = 110
_VERDICT_STYLE = {
    Verdict.PASS: "bold green",
    Verdict.WARN: WARN_STYLE,
    Verdict.INCOMPLETE: WARN_STYLE,
    Verdict.FAIL: FAIL_STYLE,
    Verdict.TIMEOUT: FAIL_STYLE,
    Verdict.ERROR: FAIL_STYLE,
}
"""Chips (their own background) for what went wrong: readable on the highlighted row too."""


class DeploymentsScreen(ConsoleScreen):
    """The deployments, checked together; the one the console shows is marked."""

    TITLE = "0 Deployments"
    DEFAULT_CSS = """
    DeploymentsScreen #deployments { height: auto; max-height: 70%; }
    DeploymentsScreen #deployment-detail { height: auto; padding: 1 1; }
    DeploymentsScreen #deployments-intro { padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "check_all", "Check all", id="deployments.check-all"),
        Binding("enter", "switch", "Switch to", id="deployments.switch"),
    ]

    def __init__(self, console: ConsoleHost) -> None:
        super().__init__(console)
        self._ticker: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield SafeStatic(id="deployments-intro")
        yield SafeTable(id="deployments", cursor_type="row", zebra_stripes=True)
        yield SafeStatic(id="deployment-detail")

    @property
    def narrow(self) -> bool:
        return 0 < self.size.width < WIDE_AT

    def on_resize(self, _event: events.Resize) -> None:
        self.refresh_view()

    def on_screen_resume(self) -> None:
        """Shown: check at first sight (and on the settings' timer), and keep the ages moving."""
        self.console.watch_deployments(True)
        if self._ticker is None:
            self._ticker = self.set_interval(1.0, self.refresh_view)
        else:
            self._ticker.resume()

    def on_screen_suspend(self) -> None:
        self.console.watch_deployments(False)
        if self._ticker is not None:
            self._ticker.pause()

    # ------------------------------------------------------------------ drawing

    def refresh_view(self) -> None:
        table = self.query_one("#deployments", SafeTable)
        deployments = list(self.console.deployments.values())
        cursor = table.cursor_row
        columns = NARROW_COLUMNS if self.narrow else COLUMNS
        rows = [self._cells(deployment) for deployment in deployments]

        def width(label: str, key: str) -> int:
            return max([len(label), *(row[key].cell_len for row in rows)])

        # The first failure takes what the other columns leave, cut with an ellipsis.
        used = sum(width(label, key) + 2 for label, key in columns if key != "failure")
        room = max(table.scrollable_content_region.width - used - 2, 8)
        for row in rows:
            row["failure"] = Text(fit(row["failure"].plain, room), style=row["failure"].style)
        # Columns made again each time, as wide as what they show now (not as the widest
        # cell they ever held, "checking 12.3 s"), and said: the table draws them at once.
        table.clear(columns=True)
        for label, key in columns:
            table.add_column(label, width=width(label, key), key=key)
        for deployment, row in zip(deployments, rows, strict=True):
            table.add_row(*(row[key] for _, key in columns), key=deployment.name)
        if deployments:
            table.move_cursor(row=min(max(cursor, 0), len(deployments) - 1))
        running = len(self.console.deployments_running)
        intro = Text.assemble(
            (f"{len(deployments)} deployment(s)", "bold"),
            f"{f', {running} being checked for {self._elapsed()}' if running else ''}; "
            "r checks them all, enter switches the console to the highlighted one",
        )
        if self.console.launch.read_only:
            intro = Text.assemble(
                (" READ-ONLY ", "bold black on yellow"),
                " nothing is checked until you press r; each row is its last known check. ",
                intro,
            )
        self.query_one("#deployments-intro", SafeStatic).update(intro)
        self._show_detail()

    def _cells(self, deployment: Deployment) -> dict[str, Text]:
        """Every column's cell, by key (the columns shown pick theirs)."""
        cells = dict(zip((key for _, key in COLUMNS), self._row(deployment), strict=True))
        token, inference = cells["token"], cells["inference"]
        steps = Text.assemble(token, "/", inference) if token.plain != "-" else Text("-")
        return cells | {"steps": steps}

    def _row(self, deployment: Deployment) -> list[Text]:
        check = self.console.deployment_checks.get(deployment.name)
        running = deployment.name in self.console.deployments_running
        current = deployment.name == self.console.deployment_name
        tag = Text(deployment.tag or "-", style=PROD_STYLE if deployment.is_prod else "")
        name = Text(f"▶ {deployment.name}" if current else f"  {deployment.name}")
        if current:
            name.stylize("bold")
        if check is None:
            if running:
                state = Text(f"checking {self._elapsed()}", style="cyan")
                why = Text("")
            else:
                state = Text("not yet", style="yellow")
                held = self.console.held_back(deployment.name)
                why = Text(held or "r checks it", style="dim")
            return [name, tag, *(Text("-", style="dim") for _ in range(5)), state, why]
        server = f"{check.server} {check.version}" if check.server else "-"
        age = Text(_age(self.console.clock() - check.checked_at))
        if running:
            age = Text(f"checking {self._elapsed()}", style="cyan")
        elif deployment.name in self.console.deployments_changed:
            age = Text(f"↻ {age.plain}", style=STALE_STYLE)
        failure = f"{check.code} ({check.failed_step})" if check.code else ""
        return [
            name,
            tag,
            Text(_compact(check.generation)),
            Text(server),
            Text(check.token, style=_step_style(check.token)),
            Text(check.inference, style=_step_style(check.inference)),
            Text(f" {check.verdict.value} ", style=_VERDICT_STYLE[check.verdict]),
            age,
            Text(failure),
        ]

    def _highlighted(self) -> Deployment | None:
        names = list(self.console.deployments)
        row = self.query_one("#deployments", SafeTable).cursor_row
        return self.console.deployments.get(names[row]) if 0 <= row < len(names) else None

    def _show_detail(self) -> None:
        detail = self.query_one("#deployment-detail", SafeStatic)
        deployment = self._highlighted()
        if deployment is None:
            detail.update(Text("no deployments", style="dim"))
            return
        parts = [Text.assemble((deployment.name, "bold"), f"  {deployment.where()}")]
        parts.append(Text(f"config: {deployment.config}", style="dim"))
        check = self.console.deployment_checks.get(deployment.name)
        if check is not None:
            server = f"{check.server} {check.version}" if check.server else "not reached"
            parts.append(
                Text(
                    f"server: {server}; Lightspeed: {_compact(check.generation)}; "
                    f"token: {check.token}; inference: {check.inference}",
                    style="dim",
                )
            )
        changed = self.console.deployments_changed.get(deployment.name)
        if check is not None and changed:
            parts.append(
                Text.assemble(
                    (" ↻ out of date ", STALE_STYLE),
                    f" {', '.join(changed)} changed on disk since this check: r checks again",
                )
            )
        if check is not None and check.code:
            style = "bold yellow" if check.verdict is Verdict.INCOMPLETE else "bold red"
            parts.append(Text.assemble((f"{check.code}: ", style), check.summary))
            if check.remedy:
                parts.append(Text.assemble(("remedy: ", "bold green"), check.remedy))
        elif check is not None:
            parts.append(Text(f"{check.verdict.value}: every step that ran passed"))
        elif deployment.name not in self.console.deployments_running:
            held = self.console.held_back(deployment.name)
            why = f" ({held}: checked only when you ask)" if held else ""
            parts.append(Text(f"no check yet{why}: r checks it", style="yellow"))
        detail.update(Group(*parts))

    # ------------------------------------------------------------------ acts

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, _: DataTable.RowSelected) -> None:
        self.action_switch()

    def waiting(self) -> bool:
        return False  # its own ticker redraws every second while shown

    def action_check_all(self) -> None:
        """Check every deployment; production-like ones only after a yes on one line."""
        deployments = self.console.deployments
        prod = [d.name for d in deployments.values() if d.is_prod]
        if not prod:
            self.console.check_deployments(None)
            return
        others = [name for name in deployments if name not in prod]
        names = ", ".join(prod)
        tags = ", ".join(sorted({str(deployments[name].tag) for name in prod}))
        question = f"Check {names} (tagged {tags}) too, a test inference included?"

        def answered(yes: bool | None) -> None:
            if yes:
                self.console.events.add(f"deployments: checking {names} too, as confirmed")
                self.console.check_deployments(None)
            elif others:
                self.console.events.add(f"deployments: {names} not checked (not confirmed)")
                self.console.check_deployments(others)
            else:
                self.notify("Nothing checked.")

        self.app.push_screen(
            ConfirmLine(question, confirm_label="All", cancel_label="The others"), answered
        )

    def _elapsed(self) -> str:
        since = self.console.deployments_since
        return elapsed_text(time.monotonic() - since) if since is not None else ""

    def action_switch(self) -> None:
        deployment = self._highlighted()
        if deployment is None:
            return
        self.console.switch_deployment(deployment.name)
        self.app.switch_mode("doctor")


def _compact(generation: str | None) -> str:
    """``May 2026`` or ``0.7.x``: the generation in the few letters a column has."""
    if generation is None:
        return "-"
    return generation.removeprefix("Lightspeed of ").removeprefix("lightspeed-stack ")


def _age(seconds: float) -> str:
    """``just now``, ``12 s ago``, ``3 min ago``, ``2 h ago``."""
    if seconds < 2:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return f"{int(seconds // 3600)} h ago"


def _step_style(status: str) -> str:
    """A step's status column (``-`` when it did not run) in its status's colour."""
    known = {member.value: member for member in CheckStatus}
    return known[status].style if status in known else "dim"
