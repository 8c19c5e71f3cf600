"""The doctor for many deployments at once: ``check --all`` and the deployments screen.

One `Doctor` per deployment, run concurrently, at most ``jobs`` at a time. Each run is
isolated twice over, so one deployment can never hold up or hide the others:

- a time bound derived from that deployment's own timeouts (`time_bound`: its server
  timeout for each of the server's calls, its token timeouts with their retries), tightened
  once its lightspeed-stack.yaml is read; a run past it is cancelled and reported as that
  deployment's ``TIMEOUT`` at the step it was on;
- an exception out of a run (a bug) is that deployment's ``INTERNAL`` error, its message
  scrubbed of the deployment's secrets; the others carry on.

Each run ends as one `DeploymentCheck`: the summary row the CLI prints and the screen shows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from console.doctor.graph import STEP_IDS, title_of
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.runner import Doctor
from console.doctor.verdict import Outcome, verdict_of
from console.settings.deployments import Deployment
from console.settings.envfile import EnvFileError
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.settings.targets import DeploymentUnusable, deployment_target
from console.shared.diagnosis import Diagnosis
from console.shared.redact import scrub

DEFAULT_JOBS = 8
"""Deployments checked at once: enough for a fleet to take about as long as one, few enough
that the machine and the servers they share are not swamped."""
READING_BOUND_S = 30.0
"""Reading and reviewing the files (bounded by the reading limits: seconds at worst)."""
SERVER_CALLS = 5
"""The server's calls in one check: version, health or providers, models, the inference,
and the connection's own probe."""
TOKEN_CALLS = 2
"""The token flow's requests: the authority's discovery document, then the token."""
MARGIN_S = 5.0
DEFAULT_STACK_TIMEOUT_S = 30.0
BUG_REMEDY = (
    "This is a bug in lightspeed-console; please report it with the deployment's check "
    "(lightspeed-console check -d NAME)."
)
DEFAULT_BOOT_TIMEOUT_S = 180.0
"""Library mode's bound on importing and booting the release (`console.library.session`)."""
DEFAULT_TOKEN_TIMEOUT_S = 15.0
"""A token request's connect and read timeouts by default (5 s + 10 s)."""


class Verdict(StrEnum):
    """How one deployment's check ended."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    INCOMPLETE = "incomplete"
    """Nothing failed, but the test inference was not verified (`console.doctor.verdict`)."""
    FAIL = "fail"
    TIMEOUT = "timeout"
    ERROR = "error"
    """A bug: the run raised; reported as this deployment's internal error."""

    @property
    def failed(self) -> bool:
        """Whether this verdict makes ``check`` exit 1."""
        return self not in (Verdict.PASS, Verdict.WARN, Verdict.INCOMPLETE)


@dataclass(frozen=True)
class FleetEntry:
    """One deployment to check: its `Target`, or why there is none (a settings problem)."""

    name: str
    tag: str | None = None
    target: Target | None = None
    unusable: Diagnosis | None = None


@dataclass(frozen=True)
class DeploymentCheck:
    """One deployment's check, as one row of the summary."""

    name: str
    tag: str | None
    verdict: Verdict
    generation: str | None = None
    server: str | None = None
    version: str | None = None
    token: str = "-"  # noqa: S105 - the token step's status, not a token
    inference: str = "-"
    failed_step: str | None = None
    code: str | None = None
    summary: str = ""
    remedy: str = ""
    duration_s: float = 0.0
    checked_at: float = 0.0
    bound_s: float | None = None
    steps: tuple[CheckResult, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` (every step included)."""
        return {
            "deployment": self.name,
            "tag": self.tag,
            "verdict": self.verdict.value,
            "ok": not self.verdict.failed,
            "generation": self.generation,
            "server": self.server,
            "version": self.version,
            "token": self.token,
            "inference": self.inference,
            "failed_step": self.failed_step,
            "code": self.code,
            "summary": self.summary,
            "remedy": self.remedy,
            "duration_s": round(self.duration_s, 4),
            "bound_s": self.bound_s,
            "steps": [step.to_dict() for step in self.steps],
        }


def entry_for(
    deployment: Deployment, exported: Mapping[str, str], base: LiveOptions | None = None
) -> FleetEntry:
    """A named deployment made checkable, or the reason it is not (shown as its failed row).

    Reads its env file: call it off the event loop.
    """
    try:
        target = deployment_target(deployment, exported, base)
    except DeploymentUnusable as error:
        first = error.problems[0]
        more = f" (+{len(error.problems) - 1} more)" if len(error.problems) > 1 else ""
        unusable = Diagnosis("SETTINGS", "unusable", f"{first}{more}", first.remedy)
        return FleetEntry(deployment.name, deployment.tag, unusable=unusable)
    except EnvFileError as error:
        unusable = Diagnosis("ENV_FILE", "env file unusable", str(error), error.remedy)
        return FleetEntry(deployment.name, deployment.tag, unusable=unusable)
    return FleetEntry(deployment.name, deployment.tag, replace(target, read_only=None))


def time_bound(doctor: Doctor) -> float:
    """How long this deployment's check may take, from its own timeouts.

    Before the files are read, the server's timeout is the flag's or the default; after,
    the one its lightspeed-stack.yaml sets (``llama_stack.timeout`` / ``ogx.timeout``).
    """
    options = doctor.options
    stack_s = options.stack_timeout
    loaded = doctor.state.loaded
    if stack_s is None and loaded is not None and loaded.llama_stack is not None:
        configured = loaded.llama_stack.timeout
        stack_s = float(configured) if isinstance(configured, int | float) else None
    stack_s = stack_s or DEFAULT_STACK_TIMEOUT_S
    token_s = 2 * options.token_timeout if options.token_timeout else DEFAULT_TOKEN_TIMEOUT_S
    token_total = TOKEN_CALLS * token_s * (options.retries + 1)
    library_s = 0.0
    if (
        loaded is not None
        and loaded.llama_stack is not None
        and loaded.llama_stack.mode == "library"
    ):
        # Two boots (as Lightspeed starts, then with the token), each within its bound.
        library_s = 2 * (options.boot_timeout or DEFAULT_BOOT_TIMEOUT_S)
    return READING_BOUND_S + SERVER_CALLS * stack_s + token_total + library_s + MARGIN_S


async def check_fleet(
    entries: Sequence[FleetEntry],
    *,
    jobs: int = DEFAULT_JOBS,
    on_done: Callable[[DeploymentCheck], object] | None = None,
    on_start: Callable[[str], object] | None = None,
    clock: Callable[[], float] = time.time,
    make_doctor: Callable[[Target], Doctor] | None = None,
) -> list[DeploymentCheck]:
    """Check every entry, at most ``jobs`` at once; rows in the entries' order.

    ``on_start`` hears of each deployment's name as its check starts (past the ``jobs``
    gate); ``on_done`` of each row as soon as it is known (in the order they finish);
    ``make_doctor`` makes each deployment's `Doctor` (default: `Doctor`).
    """
    gate = asyncio.Semaphore(max(1, jobs))

    async def one(entry: FleetEntry) -> DeploymentCheck:
        async with gate:
            if on_start is not None:
                on_start(entry.name)
            row = await check_deployment(entry, clock=clock, make_doctor=make_doctor)
        if on_done is not None:
            on_done(row)
        return row

    return list(await asyncio.gather(*(one(entry) for entry in entries)))


async def check_deployment(
    entry: FleetEntry,
    *,
    clock: Callable[[], float] = time.time,
    make_doctor: Callable[[Target], Doctor] | None = None,
) -> DeploymentCheck:
    """One deployment's check, bounded and isolated (see the module); never raises."""
    started = time.perf_counter()
    if entry.target is None:
        diagnosis = entry.unusable or Diagnosis("SETTINGS", "unusable", "", "")
        return DeploymentCheck(
            entry.name,
            entry.tag,
            Verdict.FAIL,
            failed_step="settings",
            code=diagnosis.code,
            summary=diagnosis.meaning or diagnosis.title,
            remedy=diagnosis.remedy,
            checked_at=clock(),
        )
    doctor = (make_doctor or Doctor)(entry.target)
    results: list[CheckResult] = []
    verdict: Verdict | None = None
    bound_s = time_bound(doctor)
    problem: tuple[str, str, str, str] | None = None
    try:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(bound_s) as deadline:
            async for result in _steps(doctor):
                results.append(result)
                if result.step == "config":
                    bound_s = time_bound(doctor)
                    deadline.reschedule(loop.time() + bound_s - (time.perf_counter() - started))
    except TimeoutError:
        verdict = Verdict.TIMEOUT
        step = STEP_IDS[len(results)] if len(results) < len(STEP_IDS) else "inference"
        problem = (
            step,
            "TIMEOUT",
            f"no answer within {bound_s:.0f} s (this deployment's bound, from its timeouts); "
            f"stopped at the {title_of(step)} step",
            "Check that step alone (lightspeed-console check -d NAME), or lower the "
            "deployment's timeouts (--timeout, --token-timeout).",
        )
    except Exception as error:  # a bug in one deployment's run: said as its own, never raised
        verdict = Verdict.ERROR
        step = STEP_IDS[len(results)] if len(results) < len(STEP_IDS) else "inference"
        problem = (
            step,
            "INTERNAL",
            scrub(f"internal error ({type(error).__name__}): {error}", doctor.secrets()),
            BUG_REMEDY,
        )
    except BaseException:  # cancelled from outside: close, and let the cancel through
        await _close(doctor)
        raise
    try:  # before closing: closing forgets what the server said
        return _row(entry, doctor, results, verdict, problem, started, bound_s, clock())
    except Exception as error:  # a bug in making the row: still this deployment's own row
        return DeploymentCheck(
            entry.name,
            entry.tag,
            Verdict.ERROR,
            failed_step="summary",
            code="INTERNAL",
            summary=scrub(f"internal error ({type(error).__name__}): {error}", doctor.secrets()),
            remedy=BUG_REMEDY,
            checked_at=clock(),
        )
    finally:
        await _close(doctor)


async def _steps(doctor: Doctor) -> AsyncIterator[CheckResult]:
    """The doctor's results as they come (a seam the tests use to make a run hang)."""
    async for result in doctor.run():
        yield result


async def _close(doctor: Doctor) -> None:
    """Close the doctor's session; a hung or failing close is not the row's business."""
    try:
        async with asyncio.timeout(MARGIN_S):
            await doctor.aclose()
    except Exception:  # noqa: S110 - the row already says what went wrong, if anything
        pass


def _row(  # noqa: PLR0917 - one call site, every part of the row
    entry: FleetEntry,
    doctor: Doctor,
    results: list[CheckResult],
    verdict: Verdict | None,
    problem: tuple[str, str, str, str] | None,
    started: float,
    bound_s: float,
    checked_at: float,
) -> DeploymentCheck:
    by_step = {result.step: result for result in results}
    secrets = doctor.secrets()
    loaded, info = doctor.state.loaded, doctor.state.stack_info
    generation = loaded.generation.generation.short if loaded and loaded.generation else None
    first_fail = next((r for r in results if r.status is CheckStatus.FAIL), None)
    run = verdict_of(results)
    if verdict is None:
        verdict = {
            Outcome.FAILED: Verdict.FAIL,
            Outcome.INCOMPLETE: Verdict.INCOMPLETE,
            Outcome.PASSED: Verdict.WARN if run.warnings else Verdict.PASS,
        }[run.outcome]
    failed_step = code = None
    summary = remedy = ""
    if problem is not None:
        failed_step, code, summary, remedy = problem
    elif first_fail is not None:
        failed_step = first_fail.step
        code = first_fail.diagnosis.code if first_fail.diagnosis else first_fail.step.upper()
        summary, remedy = first_fail.summary, first_fail.remedy
    elif verdict is Verdict.INCOMPLETE and run.not_verified:
        first_gap = by_step.get(run.not_verified[0].step)
        failed_step, code = run.not_verified[0].step, "NOT_VERIFIED"
        summary = f"not verified: {run.not_verified[0].why}"
        remedy = first_gap.remedy if first_gap is not None else ""
    return DeploymentCheck(
        entry.name,
        entry.tag,
        verdict,
        generation=generation,
        server=info.kind if info else None,
        version=info.version if info else None,
        token=_status(by_step.get("token")),
        inference=_status(by_step.get("inference")),
        failed_step=failed_step,
        code=code,
        summary=scrub(summary, secrets),
        remedy=scrub(remedy, secrets),
        duration_s=time.perf_counter() - started,
        checked_at=checked_at,
        bound_s=round(bound_s, 1),
        steps=tuple(results),
    )


def _status(result: CheckResult | None) -> str:
    return result.status.value if result is not None else "-"
