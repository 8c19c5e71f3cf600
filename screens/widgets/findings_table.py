"""The config review's findings as a table: severity, file:line, message; one row each.

The config screen shows it beside the files; selecting a row moves the file view to the
finding's line, so the table keeps the findings it shows and answers "which one is on
this row" and "how to say it in full" (location, message, remedy).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from console.shared.findings import Finding, Severity
from screens.safe_table import SafeTable

SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class FindingsTable(SafeTable):
    """One row per finding, in the order the review gave them (cells shown visibly)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.findings: list[Finding] = []

    def on_mount(self) -> None:
        self.add_column("severity", key="severity", width=8)
        self.add_column("where", key="where")
        self.add_column("message", key="message")

    def show(self, findings: Iterable[Finding]) -> str:
        """Replace the rows; return the tab label (how many, and how many errors)."""
        self.clear()
        self.findings = list(findings)
        for index, finding in enumerate(self.findings):
            where = "-"
            if finding.file is not None:
                where = finding.file.name + (f":{finding.line}" if finding.line else "")
            self.add_row(
                Text(finding.severity.value, style=SEVERITY_STYLES[finding.severity]),
                where,
                finding.message,
                key=str(index),
            )
        errors = sum(f.severity is Severity.ERROR for f in self.findings)
        if errors:
            return f"Findings ({len(self.findings)}, {errors} error(s))"
        return f"Findings ({len(self.findings)})"

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
