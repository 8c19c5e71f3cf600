"""A run's verdict never says passed when a step did not run, and names what was not verified."""

from __future__ import annotations

from console.doctor.graph import STEP_IDS, title_of
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.verdict import Outcome, verdict_of


def results(**statuses: CheckStatus) -> list[CheckResult]:
    """Every step passing, but those given."""
    found = []
    for step in STEP_IDS:
        status = statuses.get(step, CheckStatus.PASS)
        summary = "skipped: because" if status is CheckStatus.SKIP else "fine"
        found.append(CheckResult(step, title_of(step), status, summary))
    return found


def test_everything_passed() -> None:
    verdict = verdict_of(results())
    assert verdict.outcome is Outcome.PASSED
    assert verdict.ok
    assert verdict.line() == "all checks passed"


def test_warnings_are_counted_but_pass() -> None:
    verdict = verdict_of(results(token=CheckStatus.WARN))
    assert verdict.outcome is Outcome.PASSED
    assert verdict.line() == "all checks passed (1 warning)"


def test_a_skipped_inference_with_nothing_failed_is_incomplete() -> None:
    verdict = verdict_of(results(stack=CheckStatus.SKIP, providers=CheckStatus.SKIP,
                                 inference=CheckStatus.SKIP))  # fmt: skip
    assert verdict.outcome is Outcome.INCOMPLETE
    assert not verdict.ok
    assert [item.step for item in verdict.not_verified] == ["stack", "providers", "inference"]
    assert verdict.line().startswith("incomplete: nothing failed, but not verified: ")
    assert "all checks passed" not in verdict.line()


def test_a_step_that_never_ran_is_not_counted_as_passed() -> None:
    verdict = verdict_of(results()[:-1])  # the inference has no result
    assert verdict.outcome is Outcome.INCOMPLETE
    assert verdict.not_verified[0].why == "did not run"


def test_another_step_skipped_beside_a_passed_inference_is_said() -> None:
    verdict = verdict_of(results(enrichment=CheckStatus.SKIP))
    assert verdict.outcome is Outcome.PASSED
    assert verdict.line() == "passed, but not checked: Azure enrichment (skipped: because)"
    assert verdict.to_dict()["not_verified"] == [
        {"step": "enrichment", "title": "Azure enrichment", "why": "skipped: because"}
    ]


def test_a_failure_wins() -> None:
    verdict = verdict_of(results(token=CheckStatus.FAIL, inference=CheckStatus.SKIP))
    assert verdict.outcome is Outcome.FAILED
    assert verdict.line() == "failed: Entra ID token"
