"""The doctor: the ordered checks behind ``check`` and the TUI's home screen.

config -> findings -> enrichment -> stack -> providers -> token -> inference. Each step
says pass / warn / fail / skip with a summary and, when something is wrong, the remedy and
the `Diagnosis`. A step runs only when the steps it needs did not fail; otherwise it is
skipped with the reason. The token does not need the Llama Stack server, so a dead server
still lets the operator see whether Entra ID answers.

`Doctor` keeps what each step produced (the loaded files, the token, the session, the
survey), so the TUI can re-run one step without repeating the others, and the screens can
render the same objects the doctor checked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.settings.live import LiveOptions
from console.shared.diagnosis import DiagnosedError, Diagnosis

if TYPE_CHECKING:
    from console.config.enrichment import EnrichmentPreview
    from console.config.errors import ConfigFileError
    from console.config.loaded import Loaded
    from console.entra.manager import TokenManager, TokenStatus
    from console.inference.request import InferenceResult
    from console.stack.session import NoServer, StackInfo, StackSession, StackSurvey


class CheckStatus(StrEnum):
    """The outcome of one step."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class CheckResult:
    """One step's outcome, as the CLI prints it and the doctor screen shows it."""

    step: str
    title: str
    status: CheckStatus
    summary: str
    duration_s: float = 0.0
    remedy: str = ""
    diagnosis: Diagnosis | None = None
    details: tuple[str, ...] = ()

    @property
    def out_of_date(self) -> bool:
        """Whether a later re-run of a step it depends on threw away what it found."""
        return self.status is CheckStatus.SKIP and self.summary.startswith(OUT_OF_DATE)

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
        }


@dataclass(frozen=True)
class Step:
    """A step of the doctor: its id, its title and the steps it needs."""

    id: str
    title: str
    needs: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("config", "Configuration files"),
    Step("findings", "Review findings", ("config",)),
    Step("enrichment", "Azure enrichment", ("config",)),
    Step("stack", "Llama Stack server", ("config",)),
    Step("providers", "Providers and Azure base URL", ("stack",)),
    Step("token", "Entra ID token", ("config",)),
    Step("inference", "Test inference", ("providers", "token")),
)
STEP_IDS = tuple(step.id for step in STEPS)
_BY_ID = {step.id: step for step in STEPS}

OFFLINE_STEPS = ("config", "findings", "enrichment")
"""The steps that only read the files: no network."""

RERUN_TOGETHER: dict[str, tuple[str, ...]] = {
    "config": OFFLINE_STEPS,
    "stack": ("stack", "providers"),
}
"""What re-running one step re-runs with it: what reads the same files, or the same server."""

_DROPS: dict[str, tuple[str, ...]] = {"config": ("stack", "providers"), "stack": ("providers",)}
"""Steps whose products a re-run throws away (the Llama Stack session and its survey)."""

OUT_OF_DATE = "out of date"


@dataclass
class DoctorState:
    """What the steps produced; the screens render these same objects."""

    loaded: Loaded | None = None
    config_error: ConfigFileError | None = None
    enrichment: EnrichmentPreview | None = None
    session: StackSession | NoServer | None = None
    stack_info: StackInfo | None = None
    survey: StackSurvey | None = None
    token_manager: TokenManager | None = None
    token: TokenStatus | None = None
    inference: InferenceResult | None = None
    results: dict[str, CheckResult] = field(default_factory=dict)


class Doctor:
    """Runs the checks for one deployment; keeps their results and products."""

    def __init__(
        self,
        lightspeed_config: Path | None,
        run_config: Path | None = None,
        options: LiveOptions | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.lightspeed_config = lightspeed_config
        self.run_config = run_config
        self.options = options or LiveOptions()
        self.environ = environ
        self.state = DoctorState()
        self._force_token = False
        self._inference_request: (
            tuple[str | None, str | None, bool, Callable[[str], object] | None] | None
        ) = None
        self._runners: dict[str, Callable[[], Awaitable[CheckResult]]] = {
            "config": self._config,
            "findings": self._findings,
            "enrichment": self._enrichment,
            "stack": self._stack,
            "providers": self._providers,
            "token": self._token,
            "inference": self._inference,
        }

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
        await self._reset_live()
        self.state = DoctorState()

    async def run_step(self, step_id: str) -> CheckResult:
        """Run (or re-run) one step; its prerequisites must have run, or it is skipped."""
        step = _BY_ID[step_id]
        blocker = self._blocker(step)
        if blocker is not None:
            result = CheckResult(step.id, step.title, CheckStatus.SKIP, blocker)
        else:
            started = time.perf_counter()
            result = await self._runners[step.id]()
            result = _with_duration(result, time.perf_counter() - started)
        self.state.results[step.id] = result
        self._mark_out_of_date(step)
        return result

    def is_current(self, step_id: str) -> bool:
        """Whether the step has a result that still holds: run, not failed, not out of date."""
        result = self.state.results.get(step_id)
        return (
            result is not None and result.status is not CheckStatus.FAIL and not result.out_of_date
        )

    async def refresh_token(self, *, force: bool = False) -> CheckResult:
        """Re-run the token step; ``force`` asks Entra ID for a new token even if cached."""
        self._force_token = force
        try:
            return await self.run_step("token")
        finally:
            self._force_token = False

    async def infer(
        self,
        *,
        model: str | None = None,
        prompt: str | None = None,
        stream: bool = False,
        on_delta: Callable[[str], object] | None = None,
    ) -> CheckResult:
        """Re-run the inference step with a chosen model and prompt, streamed if asked."""
        self._inference_request = (model, prompt, stream, on_delta)
        try:
            return await self.run_step("inference")
        finally:
            self._inference_request = None

    def secrets(self) -> list[Any]:
        """Every secret the doctor holds, for scrubbing text shown or logged elsewhere."""
        found: list[Any] = []
        loaded = self.state.loaded
        if loaded is not None:
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
        await self._reset_live()

    # ---------------------------------------------------------------- steps

    def _mark_out_of_date(self, step: Step) -> None:
        """Results whose products this step's re-run dropped no longer describe anything."""
        for later in _DROPS.get(step.id, ()):
            previous = self.state.results.get(later)
            if previous is None or previous.out_of_date:
                continue
            self.state.results[later] = CheckResult(
                later,
                _BY_ID[later].title,
                CheckStatus.SKIP,
                f"{OUT_OF_DATE}: the {step.title} step ran again; re-run this step "
                "(enter on it, or r for every check)",
            )

    def _blocker(self, step: Step) -> str | None:
        """Why ``step`` cannot run now, naming the first failure upstream, or None."""
        for need in step.needs:
            previous = self.state.results.get(need)
            title = _BY_ID[need].title
            if previous is None:
                return f"needs the {title} step to run first"
            if previous.status is CheckStatus.FAIL:
                return f"skipped: {title} failed"
            if previous.status is CheckStatus.SKIP:
                if previous.summary.startswith("skipped:"):
                    return previous.summary
                return f"skipped: {title} was skipped"
        return None

    async def _config(self) -> CheckResult:
        from console.config.errors import ConfigFileError
        from console.shared.findings import unusable

        await self._reset_live()
        self.state.loaded = None
        self.state.config_error = None
        title = _BY_ID["config"].title
        try:
            # Parsing is CPU work (seconds for a huge run.yaml): keep the event loop free.
            loaded = await asyncio.to_thread(
                _load, self.lightspeed_config, self.run_config, self.environ
            )
        except ConfigFileError as error:
            self.state.config_error = error
            return CheckResult(
                "config",
                title,
                CheckStatus.FAIL,
                f"{error.location}: {error.message}",
                remedy=error.remedy,
            )
        previous = self.state.token_manager
        if previous is not None and previous.settings != loaded.entra:
            # azure_entra_id changed on disk: the next token must use the new settings.
            self.state.token_manager = None
            self.state.token = None
        self.state.loaded = loaded
        bad = unusable(loaded.findings)
        if bad:
            return CheckResult(
                "config",
                title,
                CheckStatus.FAIL,
                f"{len(bad)} value(s) of the wrong type; the services would refuse the file",
                remedy=bad[0].remedy,
                details=tuple(f"{f.location}: {f.message}" for f in bad),
            )
        mode = loaded.llama_stack.mode if loaded.llama_stack else "unknown"
        files = [f"{loaded.lightspeed.path} ({mode} mode)"] if loaded.lightspeed else []
        if loaded.run is not None:
            files.append(f"{loaded.run.path} ({loaded.run_choice.reason})")
        else:
            files.append(f"no run.yaml: {loaded.run_choice.reason}")
        return CheckResult("config", title, CheckStatus.PASS, "; ".join(files))

    async def _findings(self) -> CheckResult:
        from console.shared.findings import Severity

        loaded = self._loaded()
        title = _BY_ID["findings"].title
        errors = [f for f in loaded.findings if f.severity is Severity.ERROR]
        warnings = [f for f in loaded.findings if f.severity is Severity.WARNING]
        details = tuple(f"{f.severity.value}: {f.location}: {f.message}" for f in loaded.findings)
        if errors:
            return CheckResult(
                "findings",
                title,
                CheckStatus.FAIL,
                f"{len(errors)} error(s), {len(warnings)} warning(s): {errors[0].message}",
                remedy=errors[0].remedy,
                details=details,
            )
        if warnings:
            return CheckResult(
                "findings",
                title,
                CheckStatus.WARN,
                f"{len(warnings)} warning(s): {warnings[0].message}",
                remedy=warnings[0].remedy,
                details=details,
            )
        notices = f" ({len(loaded.findings)} notice(s))" if loaded.findings else ""
        return CheckResult(
            "findings", title, CheckStatus.PASS, "no problems found" + notices, details=details
        )

    async def _enrichment(self) -> CheckResult:
        from console.config.enrichment import preview

        loaded = self._loaded()
        title = _BY_ID["enrichment"].title
        if loaded.run is None:
            return CheckResult(
                "enrichment",
                title,
                CheckStatus.SKIP,
                "no run.yaml to enrich",
                remedy="Pass --run-config with the run.yaml the server runs.",
            )
        result = await asyncio.to_thread(preview, loaded)
        self.state.enrichment = result
        if result.skipped:
            return CheckResult(
                "enrichment",
                title,
                CheckStatus.WARN,
                f"{len(result.skipped)} remote::azure provider(s) cannot be enriched: "
                f"{result.skipped[0].reason}",
                remedy="Make each remote::azure provider's config a mapping.",
            )
        summary = result.reason
        if result.changed:
            summary += " (preview: lightspeed-console diff; Lightspeed applies it at start)"
        return CheckResult("enrichment", title, CheckStatus.PASS, summary)

    async def _stack(self) -> CheckResult:
        from console.shared.ca_bundle import CaBundleError
        from console.stack.kind import HeaderNameError
        from console.stack.session import NoServer, open_session

        loaded = self._loaded()
        title = _BY_ID["stack"].title
        await self._reset_live()
        try:
            session = open_session(
                loaded,
                url=self.options.url,
                provider_data_header=self.options.provider_data_header,
                timeout=self.options.stack_timeout,
                ca_bundle=self.options.stack_ca_bundle,
            )
        except CaBundleError as error:
            return _failed("stack", title, error.diagnosis())
        except HeaderNameError as error:
            return CheckResult(
                "stack",
                title,
                CheckStatus.FAIL,
                str(error),
                remedy="Give a valid HTTP header name to --provider-data-header.",
            )
        self.state.session = session
        if isinstance(session, NoServer):
            status = CheckStatus.SKIP if session.reason == "library-mode" else CheckStatus.FAIL
            return CheckResult("stack", title, status, session.message, remedy=session.remedy)
        try:
            info = await session.info()
        except DiagnosedError as error:
            return _failed("stack", title, error.diagnosis)
        self.state.stack_info = info
        marker = " (sandbox stand-in)" if info.kind == "sandbox" else ""
        return CheckResult(
            "stack",
            title,
            CheckStatus.PASS,
            f"{info.kind} {info.version}{marker} at {info.url}; "
            f"provider data in {info.header_name}",
        )

    async def _providers(self) -> CheckResult:
        from console.shared.findings import Severity
        from console.stack.session import StackSession, survey

        title = _BY_ID["providers"].title
        session = self.state.session
        assert isinstance(session, StackSession)
        result = await survey(session, self.state.loaded)
        self.state.survey = result
        if result.diagnosis is not None:
            return _failed("providers", title, result.diagnosis)
        discovery = result.discovery
        assert discovery is not None
        details = tuple(f"{f.severity.value}: {f.message}" for f in discovery.findings)
        if discovery.azure_base_url is None:
            finding = discovery.findings[0] if discovery.findings else None
            return CheckResult(
                "providers",
                title,
                CheckStatus.FAIL,
                finding.message if finding else "the server has no remote::azure provider",
                remedy=finding.remedy if finding else "Add a remote::azure provider to run.yaml.",
                details=details,
            )
        summary = (
            f"{len(result.providers)} provider(s), {len(result.models)} model(s); "
            f"Azure base URL {discovery.azure_base_url} (provider {discovery.provider_id})"
        )
        problems = [f for f in discovery.findings if f.severity is not Severity.INFO]
        if problems:
            return CheckResult(
                "providers",
                title,
                CheckStatus.WARN,
                f"{summary}; {problems[0].message}",
                remedy=problems[0].remedy,
                details=details,
            )
        return CheckResult("providers", title, CheckStatus.PASS, summary, details=details)

    async def _token(self) -> CheckResult:
        from console.entra.manager import (
            DEFAULT_CONNECT_TIMEOUT_S,
            DEFAULT_READ_TIMEOUT_S,
            TokenError,
            TokenManager,
        )
        from console.entra.settings import entra_problems, wrong_types

        loaded = self._loaded()
        title = _BY_ID["token"].title
        self.state.token = None
        bad = wrong_types(loaded)
        problems = entra_problems(loaded)
        if bad or problems:
            first = bad[0].message if bad else problems[0].message
            remedy = bad[0].remedy if bad else problems[0].remedy
            details = tuple(f.message for f in bad) + tuple(p.message for p in problems)
            return CheckResult(
                "token", title, CheckStatus.FAIL, first, remedy=remedy, details=details
            )
        assert loaded.entra is not None
        options = self.options
        try:
            if self.state.token_manager is None:
                self.state.token_manager = TokenManager(
                    loaded.entra,
                    authority=options.authority,
                    ca_bundle=options.ca_bundle,
                    retries=options.retries,
                    environ=self.environ,
                    connect_timeout=options.token_timeout or DEFAULT_CONNECT_TIMEOUT_S,
                    read_timeout=options.token_timeout or DEFAULT_READ_TIMEOUT_S,
                )
            manager = self.state.token_manager
            status = await (manager.force_refresh() if self._force_token else manager.get_token())
        except TokenError as error:
            return _failed("token", title, error.diagnosis)
        self.state.token = status
        checks = "; ".join(
            f"{check.name} {'ok' if check.ok else ('?' if check.ok is None else 'FAILED')}"
            for check in status.checks
        )
        summary = f"acquired, expires in {int(status.seconds_left // 60)} min; {checks}"
        if status.failed_checks:
            return CheckResult(
                "token",
                title,
                CheckStatus.WARN,
                summary,
                remedy=status.failed_checks[0].remedy,
                details=tuple(
                    f"{c.name}: expected {c.expected}, got {c.actual}" for c in status.failed_checks
                ),
            )
        return CheckResult("token", title, CheckStatus.PASS, summary)

    async def _inference(self) -> CheckResult:
        from console.inference.request import DEFAULT_PROMPT
        from console.inference.run import run_chat
        from console.stack.session import StackSession

        title = _BY_ID["inference"].title
        session = self.state.session
        assert isinstance(session, StackSession)
        assert self.state.token is not None
        assert self.state.survey is not None
        discovery = self.state.survey.discovery
        model, prompt, stream, on_delta = self._inference_request or (None, None, False, None)
        result = await run_chat(
            session,
            self.state.token.token,
            discovery.azure_base_url if discovery else None,
            model=model or self.options.model,
            prompt=prompt or self.options.prompt or DEFAULT_PROMPT,
            stream=stream,
            on_delta=on_delta,
        )
        self.state.inference = result
        if result.diagnosis is not None:
            return _failed("inference", title, result.diagnosis)
        return CheckResult(
            "inference",
            title,
            CheckStatus.PASS,
            f"{result.model} answered in {result.latency_s * 1000:.0f} ms "
            f"via {result.header_name}: {result.answer.strip()[:60]!r}",
        )

    # ---------------------------------------------------------------- helpers

    def _loaded(self) -> Loaded:
        assert self.state.loaded is not None, "the config step runs first"
        return self.state.loaded

    async def _reset_live(self) -> None:
        session = self.state.session
        if session is not None and hasattr(session, "aclose"):
            await session.aclose()
        self.state.session = None
        self.state.stack_info = None
        self.state.survey = None


def _failed(step: str, title: str, diagnosis: Diagnosis) -> CheckResult:
    return CheckResult(
        step,
        title,
        CheckStatus.FAIL,
        f"{diagnosis.code}: {diagnosis.title}",
        remedy=diagnosis.remedy,
        diagnosis=diagnosis,
    )


def _with_duration(result: CheckResult, seconds: float) -> CheckResult:
    return CheckResult(
        result.step,
        result.title,
        result.status,
        result.summary,
        seconds,
        result.remedy,
        result.diagnosis,
        result.details,
    )


def _load(
    lightspeed_config: Path | None, run_config: Path | None, environ: Mapping[str, str] | None
) -> Loaded:
    """`console.config.loader.load`, imported in the worker thread that runs it.

    The loader brings ruamel, libyaml and pydantic: about 80 ms of imports that would
    otherwise hold the event loop just after the first frame.
    """
    from console.config.loader import load

    return load(lightspeed_config, run_config, environ)
