"""`Finding`: one thing a review noticed about a configuration, with where and what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Severity(StrEnum):
    """How much a finding matters: an error means the deployment will not work as written."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """A problem or a notice about a configuration file, tied to a line where there is one.

    ``message`` and ``remedy`` never contain a secret's value: findings are printed, written
    to JSON and shown on screens as they are.
    """

    code: str
    severity: Severity
    file: Path | None
    line: int | None
    message: str
    remedy: str

    @property
    def location(self) -> str:
        """``file:line`` for the operator's editor, or ``-`` when there is no file."""
        if self.file is None:
            return "-"
        return f"{self.file}:{self.line}" if self.line is not None else str(self.file)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        data = asdict(self)
        data["severity"] = self.severity.value
        data["file"] = str(self.file) if self.file is not None else None
        return data


WRONG_TYPE = "wrong-type"
"""The code of a finding that makes the file unusable: its consumer would reject it at load."""


def unusable(findings: list[Finding]) -> list[Finding]:
    """Findings that mean a file cannot be used as written (the command exits 2)."""
    return [finding for finding in findings if finding.code == WRONG_TYPE]


def worst(findings: list[Finding]) -> Severity | None:
    """The most serious severity among ``findings``."""
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        if any(finding.severity is severity for finding in findings):
            return severity
    return None
