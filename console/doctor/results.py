"""What one doctor step says: pass / warn / fail / skip, the summary, the remedy, the diagnosis.

The state a later step or a screen must act on is typed here, never read back from the
summary a person reads: `CheckResult.out_of_date` (a later re-run threw away what this step
found) and `CheckResult.blocked_by` (the step whose failure kept this one from running).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Literal

from console.doctor.graph import StepId
from console.shared.diagnosis import Diagnosis
from console.shared.sanitize import visible


class CheckStatus(StrEnum):
    """The outcome of one step."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"

    @property
    def mark(self) -> str:
        """One character, the same in ``check``'s lines and on the doctor screen."""
        return _LOOKS[self][0]

    @property
    def style(self) -> str:
        """Its colour (a Rich style), the same in the CLI and the console."""
        return _LOOKS[self][1]

    @property
    def level(self) -> Literal["success", "warning", "error", "info"]:
        """Its level in the console's event log."""
        return _LOOKS[self][2]


_LOOKS: dict[CheckStatus, tuple[str, str, Literal["success", "warning", "error", "info"]]] = {
    CheckStatus.PASS: ("✓", "green", "success"),
    CheckStatus.WARN: ("!", "yellow", "warning"),
    CheckStatus.FAIL: ("✗", "red", "error"),
    CheckStatus.SKIP: ("-", "dim", "info"),
}
"""How each status looks: one table for every place that shows one."""


@dataclass(frozen=True)
class CheckResult:
    """One step's outcome, as the CLI prints it and the doctor screen shows it.

    ``summary``, ``remedy`` and each of ``details`` quote what a file or a server said, so
    they are made visible, one line each, when the result is made (`console.shared.sanitize`).
    """

    step: StepId
    title: str
    status: CheckStatus
    summary: str
    duration_s: float = 0.0
    remedy: str = ""
    diagnosis: Diagnosis | None = None
    details: tuple[str, ...] = ()
    out_of_date: bool = False
    """A later re-run of a step this one depends on threw away what it found."""
    blocked_by: StepId | None = None
    """Skipped because this step (the first failure upstream) failed or was skipped."""
    run: int = 0
    """Which run of a step this is, counted by its doctor (0: not yet recorded by one), so a
    caller can tell a new result from the one it saw, whatever their contents."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", visible(self.summary))
        object.__setattr__(self, "remedy", visible(self.remedy))
        object.__setattr__(self, "details", tuple(visible(line) for line in self.details))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "step": self.step,
            "title": self.title,
            "status": self.status.value,
            "summary": self.summary,
            "duration_s": round(self.duration_s, 4),
            "remedy": self.remedy,
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
            "details": list(self.details),
            "out_of_date": self.out_of_date,
            "blocked_by": self.blocked_by,
            "run": self.run,
        }

    def timed(self, seconds: float) -> CheckResult:
        """The same result with how long the step took."""
        return replace(self, duration_s=seconds)


def failed(step: StepId, title: str, diagnosis: Diagnosis) -> CheckResult:
    """A failed step explained by a live call's `Diagnosis`."""
    return CheckResult(
        step,
        title,
        CheckStatus.FAIL,
        f"{diagnosis.code}: {diagnosis.title}",
        remedy=diagnosis.remedy,
        diagnosis=diagnosis,
    )
