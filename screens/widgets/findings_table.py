"""The config review's findings as a table: severity, file:line, message; one row each.

The config screen shows it beside the files; selecting a row moves the file view to the
finding's line, so the table keeps the findings it shows and answers "which one is on
this row" and "how to say it in full" (location, message, remedy).

The columns fit the table's width: a long location keeps its line number and shortens the
file's name, a long message ends with ``…`` (never inside a number: `screens.cells`); the
screen shows the whole finding below the table, and ``t`` all of them as text.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import events

from console.shared.findings import Finding, Severity
from screens.cells import fit
from screens.safe_table import SafeTable

SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
SEVERITY_WIDTH = 8
WHERE_MAX = 28
CELL_PADDING = 2
"""A DataTable cell's padding, one cell each side."""


def _where(finding: Finding) -> str:
    """``lightspeed-stack.yaml:20``: the file's name and the line, or ``-``."""
    if finding.file is None:
        return "-"
    return finding.file.name + (f":{finding.line}" if finding.line else "")


class FindingsTable(SafeTable):
    """One row per finding, in the order the review gave them (cells shown visibly)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.findings: list[Finding] = []

    def on_mount(self) -> None:
        self._fill()

    def on_resize(self, _event: events.Resize) -> None:
        if self.findings:
            self._fill()

    def show(self, findings: Iterable[Finding]) -> str:
        """Replace the rows; return the tab label (how many, and how many errors)."""
        self.findings = list(findings)
        if self.is_mounted:
            self._fill()
        errors = sum(f.severity is Severity.ERROR for f in self.findings)
        if errors:
            return f"Findings ({len(self.findings)}, {errors} error(s))"
        return f"Findings ({len(self.findings)})"

    def _fill(self) -> None:
        """Columns as wide as the table allows, and the rows cut to them."""
        row = self.cursor_row
        self.clear(columns=True)
        wheres = [_where(finding) for finding in self.findings]
        room = self.scrollable_content_region.width or 80
        where_width = min(max([len("where"), *(len(w) for w in wheres)]), WHERE_MAX)
        message_width = max(room - SEVERITY_WIDTH - where_width - 3 * CELL_PADDING, 12)
        self.add_column("severity", key="severity", width=SEVERITY_WIDTH)
        self.add_column("where", key="where", width=where_width)
        self.add_column("message", key="message", width=message_width)
        for index, (finding, where) in enumerate(zip(self.findings, wheres, strict=True)):
            self.add_row(
                Text(finding.severity.value, style=SEVERITY_STYLES[finding.severity]),
                fit(where, where_width),
                fit(finding.message, message_width),
                key=str(index),
            )
        if self.findings:
            self.move_cursor(row=min(max(row, 0), len(self.findings) - 1))

    def finding_at(self, row: int) -> Finding | None:
        """The finding on ``row`` (None outside the table)."""
        return self.findings[row] if 0 <= row < len(self.findings) else None


def finding_text(finding: Finding) -> Text:
    """``severity: message``, coloured by severity."""
    return Text.assemble(
        (f"{finding.severity.value}: ", SEVERITY_STYLES[finding.severity]), finding.message
    )


def describe_finding(finding: Finding) -> tuple[Text, ...]:
    """A finding in full: where, what, and the remedy."""
    return (
        Text(finding.location, style="bold"),
        finding_text(finding),
        Text.assemble(("remedy: ", "bold green"), finding.remedy),
    )
