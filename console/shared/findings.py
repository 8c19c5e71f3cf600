"""`Finding`: one thing a review noticed about a configuration, with where and what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from console.shared.sanitize import visible


class Severity(StrEnum):
    """How much a finding matters: an error means the deployment will not work as written."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """A problem or a notice about a configuration file, tied to a line where there is one.

    ``message`` and ``remedy`` never contain a secret's value: findings are printed, written
    to JSON and shown on screens as they are. For the same reason they are made visible
    here, once (`console.shared.sanitize.visible`): a value quoted from a hostile file can
    carry escape sequences, and every consumer gets the escaped form.
    """

    code: str
    severity: Severity
    file: Path | None
    line: int | None
    message: str
    remedy: str
    key: tuple[str | int, ...] | None = None
    """Where in the file's tree the value it is about sits (``("azure_entra_id", "scope")``),
    when it is about one value: what a caller decides on, never the message's words."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", visible(self.message))
        object.__setattr__(self, "remedy", visible(self.remedy))

    @property
    def location(self) -> str:
        """``file:line`` for the operator's editor, or ``-`` when there is no file.

        The path may come from a file (``library_client_config_path``): shown visibly.
        """
        if self.file is None:
            return "-"
        path = visible(str(self.file))
        return f"{path}:{self.line}" if self.line is not None else path

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        data = asdict(self)
        data["severity"] = self.severity.value
        data["file"] = str(self.file) if self.file is not None else None
        data["key"] = list(self.key) if self.key is not None else None
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
