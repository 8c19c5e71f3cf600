"""What a run of the doctor verified, said honestly: passed, failed, or incomplete.

A step that did not run is never counted as passed. The test inference is the point of the
whole check (would this deployment answer?), so a run in which it did not pass or warn and
nothing failed is *incomplete*: not a failure of the deployment, not a pass either. Other
steps that did not run are named too, beside whatever the run did verify.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from console.doctor.graph import STEP_IDS, StepId, title_of
from console.doctor.results import CheckResult, CheckStatus

VERIFYING_STEP: StepId = "inference"
"""Without it, nothing says the deployment would answer."""


class Outcome(StrEnum):
    """How a whole run ended."""

    PASSED = "passed"
    FAILED = "failed"
    INCOMPLETE = "incomplete"
    """Nothing failed, but the test inference did not run (or never passed)."""


@dataclass(frozen=True)
class NotVerified:
    """A step that did not run, and why."""

    step: StepId
    title: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return {"step": self.step, "title": self.title, "why": self.why}


@dataclass(frozen=True)
class RunVerdict:
    """The run's outcome, its failures, what it did not verify, and its warnings."""

    outcome: Outcome
    failed: tuple[str, ...]
    """Titles of the failed steps."""
    not_verified: tuple[NotVerified, ...]
    warnings: int

    @property
    def ok(self) -> bool:
        """Everything verified and nothing failed."""
        return self.outcome is Outcome.PASSED

    def line(self) -> str:
        """One line for the end of ``check`` and the doctor's header."""
        if self.outcome is Outcome.FAILED:
            return f"failed: {', '.join(self.failed)}"
        skipped = "; ".join(f"{item.title} ({item.why})" for item in self.not_verified)
        if self.outcome is Outcome.INCOMPLETE:
            return f"incomplete: nothing failed, but not verified: {skipped}"
        warned = f" ({self.warnings} warning{'s' * (self.warnings != 1)})" if self.warnings else ""
        if self.not_verified:
            return f"passed{warned}, but not checked: {skipped}"
        return f"all checks passed{warned}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "outcome": self.outcome.value,
            "failed": list(self.failed),
            "not_verified": [item.to_dict() for item in self.not_verified],
            "warnings": self.warnings,
        }


def verdict_of(results: Sequence[CheckResult]) -> RunVerdict:
    """The verdict of the results of one run (a step with no result did not run)."""
    by_step = {result.step: result for result in results}
    failed = tuple(r.title for r in results if r.status is CheckStatus.FAIL)
    not_verified: list[NotVerified] = []
    for step in STEP_IDS:
        result = by_step.get(step)
        if result is None:
            not_verified.append(NotVerified(step, title_of(step), "did not run"))
        elif result.status is CheckStatus.SKIP:
            not_verified.append(NotVerified(step, result.title, result.summary))
    warnings = sum(1 for r in results if r.status is CheckStatus.WARN)
    inference = by_step.get(VERIFYING_STEP)
    if failed:
        outcome = Outcome.FAILED
    elif inference is None or inference.status not in (CheckStatus.PASS, CheckStatus.WARN):
        outcome = Outcome.INCOMPLETE
    else:
        outcome = Outcome.PASSED
    return RunVerdict(outcome, failed, tuple(not_verified), warnings)
