"""The doctor: runs the ordered checks behind ``check`` and the TUI's home screen.

Each step says pass / warn / fail / skip with a summary and, when something is wrong, the
remedy and the `Diagnosis`. A step runs only when the steps it needs did not fail;
otherwise it is skipped, naming the first failure upstream (`CheckResult.blocked_by`).

`Doctor` keeps what each step produced (`DoctorState`: the loaded files, the token, the
session, the survey), so the TUI can re-run one step without repeating the others, and the
screens render the same objects the doctor checked. What one run was asked to do (force a
new token, the operator's model and prompt) travels with that run as `RunParameters`.
The steps themselves are in `console.doctor.offline` and `console.doctor.live`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.doctor.graph import (
    BY_ID,
    DROPS,
    STEP_IDS,
    STEPS,
    Step,
    StepId,
    prerequisites,
    title_of,
)
from console.doctor.live import check_inference, check_providers, check_stack, check_token
from console.doctor.offline import adopt_loaded, check_config, check_enrichment, check_findings
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.state import (
    DoctorState,
    InferenceRequest,
    RunParameters,
)
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.azure import DEFAULT_SCOPE

if TYPE_CHECKING:
    from pydantic import SecretStr

    from console.config.loaded import Loaded
    from console.inference.request import Api

StepRunner = Callable[[Target, DoctorState, RunParameters], Awaitable[CheckResult]]
Around = Callable[[StepId, Awaitable[CheckResult]], Awaitable[CheckResult]]
"""What wraps one step's run (`Doctor.ensure_current`)."""
RUNNERS: dict[StepId, StepRunner] = {
    "config": check_config,
    "findings": check_findings,
    "enrichment": check_enrichment,
    "stack": check_stack,
    "providers": check_providers,
    "token": check_token,
    "inference": check_inference,
}


class Doctor:
    """Runs the checks for one deployment; keeps their results and products."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.state = DoctorState()
        self._runs = itertools.count(1)

    @property
    def lightspeed_config(self) -> Path | None:
        """The lightspeed-stack.yaml being checked."""
        return self.target.lightspeed_config

    @property
    def run_config(self) -> Path | None:
        """The run.yaml given on the command line, if any."""
        return self.target.run_config

    @property
    def options(self) -> LiveOptions:
        """How the live calls are made."""
        return self.target.options

    @property
    def results(self) -> list[CheckResult]:
        """Results so far, in step order."""
        return [self.state.results[s] for s in STEP_IDS if s in self.state.results]

    @property
    def failed(self) -> bool:
        """Whether any step failed."""
        return any(r.status is CheckStatus.FAIL for r in self.state.results.values())

    async def run(self) -> AsyncIterator[CheckResult]:
        """Run every step in order from a clean state, yielding each result as it is known."""
        await self.reset()
        for step in STEPS:
            yield await self.run_step(step.id)

    async def reset(self) -> None:
        """Forget everything: the next steps read the files again and ask for a new token.

        "Run all" means "check it now", as a fresh ``check`` would: a cached token from
        before a role assignment or a fixed secret would hide the fix.
        """
        await self.state.drop_session()
        self.state = DoctorState()

    async def run_step(self, step_id: StepId, params: RunParameters | None = None) -> CheckResult:
        """Run (or re-run) one step; its prerequisites must have run, or it is skipped."""
        step = BY_ID[step_id]
        blocked = self._blocked(step)
        if blocked is not None:
            result = blocked
        else:
            started = time.perf_counter()
            result = await RUNNERS[step.id](self.target, self.state, params or RunParameters())
            result = result.timed(time.perf_counter() - started)
        result = replace(result, run=next(self._runs))
        self.state.results[step.id] = result
        self._mark_out_of_date(step)
        return result

    async def ensure_current(
        self, step_id: StepId, *, around: Around | None = None
    ) -> list[CheckResult]:
        """Run, in order, what ``step_id`` needs (the graph says what) that is not current.

        ``around`` wraps each run (the console marks the step running and logs its end).
        Returns the results of the steps it ran; ``step_id`` itself is the caller's to run.
        """
        ran: list[CheckResult] = []
        for need in prerequisites(step_id):
            if not self.is_current(need):
                run = self.run_step(need)
                ran.append(await (around(need, run) if around is not None else run))
        return ran

    def adopt(self, loaded: Loaded) -> CheckResult:
        """Take files a command already read (and reported on) as the config step's run."""
        result = replace(adopt_loaded(loaded, self.state), run=next(self._runs))
        self.state.results["config"] = result
        return result

    def use_token(self, token: SecretStr) -> CheckResult:
        """Take a token the operator gave (``--token-file``) instead of requesting one."""
        from console.entra.manager import given_token_status

        scope = (
            self.state.loaded.entra.scope
            if self.state.loaded and self.state.loaded.entra
            else DEFAULT_SCOPE
        )
        self.state.token_manager = None
        self.state.token = given_token_status(token, scope=scope)
        result = CheckResult(
            "token",
            title_of("token"),
            CheckStatus.PASS,
            "given with --token-file; not requested from Entra ID",
            run=next(self._runs),
        )
        self.state.results["token"] = result
        return result

    def is_current(self, step_id: StepId) -> bool:
        """Whether the step has a result that still holds: run, not failed, not out of date."""
        result = self.state.results.get(step_id)
        return (
            result is not None and result.status is not CheckStatus.FAIL and not result.out_of_date
        )

    async def refresh_token(self, *, force: bool = False) -> CheckResult:
        """Re-run the token step; ``force`` asks Entra ID for a new token even if cached."""
        return await self.run_step("token", RunParameters(force_token=force))

    async def infer(
        self,
        *,
        model: str | None = None,
        prompt: str | None = None,
        stream: bool = False,
        on_delta: Callable[[str], object] | None = None,
        api: Api = "chat.completions",
        exact_model: bool = False,
        reveal: bool = False,
    ) -> CheckResult:
        """Re-run the inference step with a chosen model and prompt, streamed if asked."""
        request = InferenceRequest(model, prompt, stream, on_delta, api, exact_model, reveal)
        return await self.run_step("inference", RunParameters(inference=request))

    def secrets(self) -> list[Any]:
        """Every secret the doctor holds, for scrubbing text shown or logged elsewhere."""
        found: list[Any] = list(self.target.env_secrets)
        loaded = self.state.loaded
        if loaded is not None:
            environ = self.target.environ
            found.extend(environ.get(ref.name) for ref in loaded.secret_references)
            if loaded.entra is not None:
                found.append(loaded.entra.client_secret)
            if loaded.llama_stack is not None:
                found.append(loaded.llama_stack.api_key)
            for provider in loaded.providers:
                key = provider.config.get("api_key")
                if isinstance(key, str) and key:
                    found.append(key)
        if self.state.token is not None:
            found.append(self.state.token.token)
        return found

    async def aclose(self) -> None:
        """Close the Llama Stack session, if one was opened."""
        await self.state.drop_session()

    def _mark_out_of_date(self, step: Step) -> None:
        """Results whose products this step's re-run dropped no longer describe anything."""
        for later in DROPS.get(step.id, ()):
            previous = self.state.results.get(later)
            if previous is None or previous.out_of_date:
                continue
            self.state.results[later] = CheckResult(
                later,
                BY_ID[later].title,
                CheckStatus.SKIP,
                f"out of date: the {step.title} step ran again; re-run this step "
                "(enter on it, or r for every check)",
                out_of_date=True,
            )

    def _blocked(self, step: Step) -> CheckResult | None:
        """The skip result when ``step`` cannot run now, naming the first failure upstream."""
        for need in step.needs:
            previous = self.state.results.get(need)
            title = previous.title if previous is not None else BY_ID[need].title
            if previous is None:
                return _skip(step, f"needs the {title} step to run first")
            if previous.status is CheckStatus.FAIL:
                return _skip(step, f"skipped: {title} failed", blocked_by=need)
            if previous.status is CheckStatus.SKIP:
                root = previous.blocked_by
                if root is not None:  # the first failure upstream, not the step between
                    return _skip(step, previous.summary, blocked_by=root)
                return _skip(step, f"skipped: {title} was skipped", blocked_by=need)
        return None


def _skip(step: Step, summary: str, *, blocked_by: StepId | None = None) -> CheckResult:
    return CheckResult(step.id, step.title, CheckStatus.SKIP, summary, blocked_by=blocked_by)
