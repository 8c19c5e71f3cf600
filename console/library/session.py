"""`LibrarySession`: library mode's counterpart of `StackSession`, the run.yaml booted locally.

Lightspeed in library mode has no server: it builds its release's library client
(``AsyncOGXAsLibraryClient`` in 0.7.x, ``AsyncLlamaStackAsLibraryClient`` in May 2026) from
the run.yaml it enriched or synthesized, initializes it, lists its providers to discover the
Azure base URL, and at every token refresh builds and initializes a new client with
``provider_data={"azure_api_key": <token>, "azure_api_base": <base url>}``. This session does
the same, in the release's own environment (`console.releases`), through a runner process
(`console.library.process`): `boot` without provider data first, as Lightspeed starts, then
`chat` rebuilds the client with the token before it asks, so Azure receives the token as
Bearer from the release's own provider code.

The booted file is the deployment's with its stores moved to a temporary folder
(`console.library.isolation`), removed by `aclose`. Every call is bounded; every failure is a
`DiagnosedError` whose diagnosis names the operator's file and line, or a `NotVerified` when
the boot cannot be done on this machine at all.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from console.config.loaded import Loaded
from console.inference.errors import SentRequest, status_failure
from console.inference.request import (
    DEFAULT_PROMPT,
    InferenceResult,
    Usage,
    chat_text,
    pick_model,
    provider_data,
)
from console.inference.tail import AnswerTail
from console.library.errors import NotVerified, Placer, boot_diagnosis
from console.library.isolation import Isolated, StorageConcern, isolate, storage_concerns
from console.library.process import (
    RunnerFailure,
    RunnerGone,
    RunnerProcess,
    RunnerTimeout,
    runner_environment,
)
from console.releases.catalog import ServerRelease
from console.releases.environments import ProvisionError, ServerEnvironment, provision
from console.shared.blocking import run_blocking
from console.shared.diagnosis import DiagnosedError, Diagnosis
from console.shared.redact import scrub
from console.stack.bounds import Redirect
from console.stack.discovery import Discovery, discover
from console.stack.kind import StackKind
from console.stack.providers import ModelView, ProviderView
from console.stack.session import StackInfo, data_list, model_view, provider_view

DEFAULT_BOOT_TIMEOUT_S = 180.0
"""Importing a release takes 5-15 s on a loaded 2-core machine, initializing it about 1 s."""
DEFAULT_CALL_TIMEOUT_S = 60.0
MAX_STREAM_BYTES = 8 * 1024 * 1024
"""A streamed answer larger than this is cut off with a diagnosis."""


@dataclass(frozen=True)
class DroppedProvider:
    """A provider left out of the boot: this environment lacks its packages."""

    api: str
    provider_id: str
    provider_type: str
    missing: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"{self.api}/{self.provider_id} ({self.provider_type}) needs {', '.join(self.missing)}"
        )

    def sentence(self, release: str) -> str:
        """What was left out and why, for a warning: a fact of this machine, not the deployment."""
        return (
            f"not booted here: {self.describe()}, which this machine's {release} environment "
            "lacks (where Lightspeed runs, its image must carry them)"
        )


@dataclass(frozen=True)
class BootReport:
    """One boot of the library client: how long, with what, and what it left out."""

    release: str
    version: str
    seconds: float
    """Building and initializing the client: what each token refresh costs Lightspeed."""
    import_s: float | None
    """Importing the release, when this boot started its runner (once per session)."""
    with_token: bool
    run_label: str
    dropped: tuple[DroppedProvider, ...] = ()
    moved: int = 0
    notes: tuple[str, ...] = ()
    concerns: tuple[StorageConcern, ...] = ()
    environment: str = ""
    built_now: bool = False

    def warnings(self) -> list[str]:
        """What this boot could not check here, one sentence each."""
        return [
            *(dropped.sentence(self.release) for dropped in self.dropped),
            *(concern.sentence() for concern in self.concerns),
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "release": self.release,
            "version": self.version,
            "seconds": round(self.seconds, 4),
            "import_s": None if self.import_s is None else round(self.import_s, 4),
            "with_token": self.with_token,
            "run_yaml": self.run_label,
            "not_booted": [d.describe() for d in self.dropped],
            "stores_moved": self.moved,
            "notes": list(self.notes),
            "storage_concerns": [
                {"key": c.dotted, "path": c.value, "problem": c.problem} for c in self.concerns
            ],
            "environment": self.environment,
        }


@dataclass
class _Booted:
    report: BootReport
    fingerprint: tuple[str, str] | None
    """(token, base URL) the client was built with; None: without provider data."""
    providers: list[ProviderView] | None = None
    models: list[ModelView] | None = None


@dataclass
class LibrarySession:
    """The deployment's run.yaml in its release's library client, booted on demand.

    ``run_text`` is the file Lightspeed boots (the enriched run.yaml in legacy library mode,
    the synthesized one in unified mode); ``environ`` is the deployment's environment (None:
    this process's).
    """

    loaded: Loaded
    release: ServerRelease
    run_text: str
    environ: Mapping[str, str] | None = None
    timeout: float = DEFAULT_CALL_TIMEOUT_S
    boot_timeout: float = DEFAULT_BOOT_TIMEOUT_S
    secrets: tuple[SecretStr | str | None, ...] = ()
    progress: Callable[[str], object] | None = None
    max_stream_bytes: int = MAX_STREAM_BYTES
    _environment: ServerEnvironment[ServerRelease] | None = field(default=None, init=False)
    _workdir: Path | None = field(default=None, init=False)
    _isolated: Isolated | None = field(default=None, init=False)
    _runner: RunnerProcess | None = field(default=None, init=False)
    _booted: _Booted | None = field(default=None, init=False)
    _last_report: BootReport | None = field(default=None, init=False)

    mode = "library"

    @property
    def run_label(self) -> str:
        """The run.yaml it boots, as the operator knows it."""
        run = self.loaded.run
        return str(run.path) if run is not None else "run.yaml"

    @property
    def timeout_key(self) -> str:
        """The setting of the call timeout as the deployment's file writes it."""
        settings = self.loaded.llama_stack
        return f"{settings.section if settings is not None else 'llama_stack'}.timeout"

    @property
    def url(self) -> str:
        """What stands for a server URL in messages: the release's in-process client."""
        return f"in-process {self.release.label} library client"

    @property
    def redirects(self) -> tuple[Redirect, ...]:
        """None: the library is called in-process, no HTTP request is redirected."""
        return ()

    @property
    def last_boot(self) -> BootReport | None:
        """The latest boot, if any (kept after `aclose`, for the report)."""
        return self._last_report

    @property
    def runner_pid(self) -> int | None:
        """The runner's process id while it runs (for tests that watch for orphans)."""
        return self._runner.pid if self._runner is not None else None

    # ------------------------------------------------------------------------ boot

    async def boot(self, data: Mapping[str, str] | None = None) -> BootReport:
        """A new library client with ``data`` as its provider data, initialized.

        Raises `NotVerified` when the boot cannot be done here, `DiagnosedError` when the
        release refuses the file (or hangs past ``boot_timeout``).
        """
        environment = await self._environment_ready()
        runner, started = await self._runner_ready(environment)
        isolated = self._isolated
        workdir = self._workdir
        assert isolated is not None
        assert workdir is not None
        self._booted = None
        try:
            answer = await runner.request(
                "boot",
                {
                    "config": str(workdir / "run.yaml"),
                    "provider_data": dict(data) if data else None,
                    "drop_missing": True,
                },
                timeout=self.boot_timeout,
            )
        except RunnerFailure as failure:
            raise DiagnosedError(self._scrubbed(self._boot_failure(failure))) from None
        except RunnerTimeout:
            raise DiagnosedError(self._timeout_diagnosis("boot")) from None
        except RunnerGone as gone:
            raise DiagnosedError(self._gone_diagnosis(gone, "booting")) from None
        result = answer if isinstance(answer, dict) else {}
        dropped = tuple(
            DroppedProvider(
                str(item.get("api")),
                str(item.get("provider_id")),
                str(item.get("provider_type")),
                tuple(str(name) for name in item.get("missing") or ()),
            )
            for item in result.get("dropped") or ()
            if isinstance(item, dict)
        )
        resolved = self.loaded.run.sub.value if self.loaded.run is not None else None
        ready = runner.ready
        report = BootReport(
            release=self.release.label,
            version=ready.version if ready is not None else "?",
            seconds=float(result.get("seconds") or 0.0),
            import_s=started,
            with_token=bool(data),
            run_label=self.run_label,
            dropped=dropped,
            moved=len(isolated.moved),
            notes=isolated.notes,
            concerns=tuple(storage_concerns(resolved)),
            environment=str(environment.root),
            built_now=environment.built,
        )
        fingerprint = (data["azure_api_key"], data["azure_api_base"]) if data else None
        self._booted = _Booted(report, fingerprint)
        self._last_report = report
        return report

    async def _environment_ready(self) -> ServerEnvironment[ServerRelease]:
        if self._environment is not None:
            return self._environment
        cancel = threading.Event()

        def build() -> ServerEnvironment[ServerRelease]:
            said = False

            def report(progress: Any) -> None:
                nonlocal said
                if progress.phase == "installing" and not said and self.progress is not None:
                    said = True
                    self.progress(
                        f"building the {self.release.label} environment (first use) in "
                        f"{Path(progress.detail).parent if '/' in progress.detail else 'the cache'}"
                    )

            return provision(self.release, progress=report, cancel=cancel)

        try:
            self._environment = await run_blocking(build)
        except ProvisionError as error:
            raise NotVerified(
                f"the {self.release.label} environment cannot be built here: {error.reason}",
                error.remedy.replace(
                    "or run the demo with --stand-in", "or check it where Lightspeed runs"
                ),
            ) from None
        except BaseException:
            cancel.set()  # uv stops; its half-built folder is removed
            raise
        return self._environment

    async def _runner_ready(
        self, environment: ServerEnvironment[ServerRelease]
    ) -> tuple[RunnerProcess, float | None]:
        """The running runner (started now when needed), and its import time if started now."""
        if self._runner is not None and self._runner.running and self._runner.ready:
            return self._runner, None
        workdir = self._workdir or self._make_workdir()
        runner = RunnerProcess(
            self.release,
            environment.python,
            workdir,
            runner_environment(self.release, workdir, self.environ),
        )
        self._runner = runner
        try:
            ready = await runner.start(self.boot_timeout)
        except RunnerTimeout:
            raise DiagnosedError(self._timeout_diagnosis("import")) from None
        except (RunnerFailure, RunnerGone) as error:
            log = error.log if isinstance(error, RunnerGone) else str(error)
            raise NotVerified(
                f"the {self.release.label} library client cannot be imported here: "
                f"{self._scrub(log.strip().splitlines()[-1] if log.strip() else str(error))}",
                f"Rebuild its environment: remove {environment.root} and run again.",
            ) from None
        return runner, ready.import_s

    def _make_workdir(self) -> Path:
        workdir = Path(tempfile.mkdtemp(prefix="lightspeed-library-"))
        for folder in ("state", "config", "tmp"):
            (workdir / folder).mkdir(mode=0o700)
        self._isolated = isolate(self.run_text, workdir / "state")
        target = workdir / "run.yaml"
        target.touch(mode=0o600)
        target.write_text(self._isolated.text, encoding="utf-8")
        self._workdir = workdir
        return workdir

    # ------------------------------------------------------------------------ calls

    async def info(self) -> StackInfo:
        """Who answers: the release's library client, booted now if it was not."""
        booted = self._booted.report if self._booted is not None else await self._boot_default()
        header = self.release.provider_data_header
        kind: StackKind = "ogx" if self.release.kind == "ogx" else "llama-stack"
        return StackInfo(
            url=self.url,
            version=booted.version,
            kind=kind,
            header_name=header,
            header_reason=f"the {self.release.label} library client puts provider data in "
            f"{header} itself",
            server_reads=header,
            latency_s=booted.seconds,
            mode="library",
        )

    async def _boot_default(self) -> BootReport:
        await self.boot(None)
        assert self._booted is not None
        return self._booted.report

    async def providers(self, *, cached: bool = False) -> list[ProviderView]:
        """``providers.list()`` of the booted client, as `ProviderView` rows."""
        if self._booted is None:
            await self._boot_default()
        booted = self._booted
        assert booted is not None
        if cached and booted.providers is not None:
            return list(booted.providers)
        items = data_list(await self._call("providers", "providers.list()"))
        if items is None:
            raise DiagnosedError(self._odd_answer("providers.list()", "a provider list"))
        booted.providers = [provider_view(item) for item in items if isinstance(item, dict)]
        return list(booted.providers)

    async def models(self, *, cached: bool = False) -> list[ModelView]:
        """``models.list()`` of the booted client, as `ModelView` rows."""
        if self._booted is None:
            await self._boot_default()
        booted = self._booted
        assert booted is not None
        if cached and booted.models is not None:
            return list(booted.models)
        items = data_list(await self._call("models", "models.list()"))
        if items is None:
            raise DiagnosedError(self._odd_answer("models.list()", "a model list"))
        booted.models = [model_view(item) for item in items if isinstance(item, dict)]
        return list(booted.models)

    async def discover(self, loaded: Loaded | None = None) -> Discovery:
        """The base URL Lightspeed would discover from this client's providers."""
        return discover(await self.providers(), loaded)

    async def _call(self, op: str, what: str) -> Any:
        runner = self._runner
        if runner is None or not runner.running:
            raise DiagnosedError(self._gone_diagnosis(RunnerGone("not running", ""), what))
        try:
            return await runner.request(op, timeout=self.timeout)
        except RunnerFailure as failure:
            raise DiagnosedError(self._call_failure(failure, what)) from None
        except RunnerTimeout:
            raise DiagnosedError(self._timeout_diagnosis(what)) from None
        except RunnerGone as gone:
            raise DiagnosedError(self._gone_diagnosis(gone, what)) from None

    # -------------------------------------------------------------------- inference

    async def chat(
        self,
        token: SecretStr | None,
        base_url: str | None,
        *,
        model: str | None = None,
        prompt: str = DEFAULT_PROMPT,
        stream: bool = False,
        on_delta: Callable[[str], object] | None = None,
        exact_model: bool = False,
    ) -> InferenceResult:
        """A chat completion through a client built with the token, as Lightspeed sends one.

        Lightspeed builds provider data only with both a token and a base URL; with them it
        builds a new library client first (the time it took is in the result).
        """
        endpoint = f"chat.completions.create() in the {self.url}"
        common: dict[str, Any] = {"requested": model, "stream": stream}
        data = (
            provider_data(token, base_url)
            if token is not None and token.get_secret_value() and base_url is not None
            else None
        )
        try:
            # Listed as Lightspeed lists them at start: by the client without provider data
            # (with it, a provider also asks Azure for its deployments).
            models = await self.models(cached=True)
            providers = await self.providers(cached=True)
            rebuilt = await self._client_for(data)
        except DiagnosedError as error:
            return self._result(None, common, endpoint, diagnosis=error.diagnosis)
        chosen = pick_model(model, models, providers, exact=exact_model)
        if isinstance(chosen, Diagnosis):
            return self._result(None, common, endpoint, diagnosis=chosen)
        booted = self._booted
        assert booted is not None
        where = f"POST {base_url.rstrip('/')}/chat/completions" if base_url else endpoint
        sent = SentRequest(
            endpoint=f"{where} (through the {self.url})",
            model=chosen,
            header_name=self.release.provider_data_header if data else None,
            server_reads=self.release.provider_data_header,
            server_kind=f"the {self.release.kind} library client",
            server_version=booted.report.version,
            base_url=base_url,
            token=token,
            known_models=tuple(m.model_id for m in models),
            provider_model_id=next(
                (m.provider_model_id for m in models if m.model_id == chosen), None
            ),
        )
        collected = _Collector(on_delta)
        runner = self._runner
        assert runner is not None
        fields = {
            "model": chosen,
            "messages": [{"role": "user", "content": prompt}],
            "stream": stream,
            "max_bytes": self.max_stream_bytes,
        }
        try:
            answer = await runner.request(
                "chat", fields, timeout=self.timeout, on_chunk=collected.chunk if stream else None
            )
        except RunnerFailure as failure:
            found = self._inference_failure(failure, sent)
            return self._result(
                sent,
                common,
                sent.endpoint,
                diagnosis=found,
                answer=collected.text,
                latency_s=collected.elapsed(),
                rebuilt=rebuilt,
            )
        except (RunnerTimeout, RunnerGone) as error:
            found = (
                self._timeout_diagnosis("the test inference")
                if isinstance(error, RunnerTimeout)
                else self._gone_diagnosis(error, "the test inference")
            )
            if isinstance(error, RunnerTimeout):
                from console.inference.throttle import explain_timeout

                found = await explain_timeout(
                    found,
                    sent,
                    waited_s=self.timeout,
                    via=f"the {self.url}",
                    timeout_key=self.timeout_key,
                )
            return self._result(sent, common, sent.endpoint, diagnosis=found, rebuilt=rebuilt)
        elapsed = collected.elapsed()
        if stream:
            text: str | None = collected.text or None
            found_usage = collected.usage
            deltas = collected.deltas
        else:
            body = answer.get("answer") if isinstance(answer, dict) else None
            text = chat_text(body)
            found_usage = Usage.of(body.get("usage")) if isinstance(body, dict) else None
            deltas = 1
        if text is None:
            odd = self._odd_answer("chat.completions.create()", "an answer with text")
            return self._result(sent, common, sent.endpoint, diagnosis=odd, rebuilt=rebuilt)
        return self._result(
            sent,
            common,
            sent.endpoint,
            answer=text,
            latency_s=elapsed,
            usage=found_usage,
            ttft_s=collected.first if stream else None,
            deltas=deltas,
            rebuilt=rebuilt,
        )

    async def _client_for(self, data: Mapping[str, str] | None) -> float | None:
        """A client built with ``data``; the seconds a new one took, None when it was there."""
        fingerprint = (data["azure_api_key"], data["azure_api_base"]) if data else None
        booted = self._booted
        if booted is not None and booted.fingerprint == fingerprint:
            return None
        # The listings of the client before still hold: same file, same providers.
        models = booted.models if booted is not None else None
        providers = booted.providers if booted is not None else None
        report = await self.boot(data)
        assert self._booted is not None
        self._booted.models, self._booted.providers = models, providers
        return report.seconds

    def _result(
        self,
        sent: SentRequest | None,
        common: Mapping[str, Any],
        endpoint: str,
        *,
        diagnosis: Diagnosis | None = None,
        answer: str = "",
        latency_s: float = 0.0,
        ttft_s: float | None = None,
        usage: Usage | None = None,
        deltas: int = 0,
        rebuilt: float | None = None,
    ) -> InferenceResult:
        return InferenceResult(
            api="chat.completions",
            model=sent.model if sent else (common.get("requested") or ""),
            requested_model=common.get("requested"),
            stream=bool(common.get("stream")),
            answer=answer,
            latency_s=latency_s,
            ttft_s=ttft_s,
            usage=usage,
            header_name=sent.header_name if sent else None,
            server_kind=f"{self.release.kind} library" if sent else None,
            endpoint=endpoint,
            curl="",
            diagnosis=self._scrubbed(diagnosis, sent.token if sent else None)
            if diagnosis
            else None,
            deltas=deltas,
            client_rebuilt_s=rebuilt,
        )

    # --------------------------------------------------------------------- failures

    def _boot_failure(self, failure: RunnerFailure) -> Diagnosis:
        placer = Placer(self.loaded)
        return boot_diagnosis(failure.error, self.release, placer, self.run_label)

    def _call_failure(self, failure: RunnerFailure, what: str) -> Diagnosis:
        error = failure.error
        return self._scrubbed(
            Diagnosis(
                "LIBRARY_CALL_FAILED",
                f"{what} failed in the {self.release.label} library client",
                f"The library client raised {str(error.get('type')).rpartition('.')[2]}: "
                f"{error.get('message')}",
                f"`{self.release.cli} run {self.run_label}` serves the same file; its log "
                "shows the whole traceback.",
                f"{what} in the {self.url}",
                str(error.get("detail") or error.get("message") or ""),
            )
        )

    def _inference_failure(self, failure: RunnerFailure, sent: SentRequest) -> Diagnosis:
        error = failure.error
        if error.get("type") == "limit":
            return Diagnosis(
                "ANSWER_TOO_LARGE",
                "The streamed answer exceeded the console's bound",
                f"The answer grew past {error.get('limit')} bytes and was cut off.",
                "Ask for a shorter answer (--prompt), or check the model's max_tokens.",
                sent.endpoint,
            )
        status = error.get("status")
        message = str(error.get("detail") or error.get("message") or "")
        if isinstance(status, int):
            return status_failure(status, message, sent.endpoint, sent)
        return Diagnosis(
            "LIBRARY_CALL_FAILED",
            "The library client failed during the test inference",
            f"{str(error.get('type')).rpartition('.')[2]}: {error.get('message')}",
            "Run again; if it repeats, the release's log has the traceback.",
            sent.endpoint,
            message,
        )

    def _timeout_diagnosis(self, what: str) -> Diagnosis:
        bound = self.boot_timeout if what in ("boot", "import") else self.timeout
        flag = "--boot-timeout" if what in ("boot", "import") else "--timeout"
        return Diagnosis(
            "LIBRARY_TIMEOUT",
            f"The {self.release.label} library client did not finish {what} in time",
            f"No answer within {bound:g} s; the console stopped it. A provider that waits on "
            "something unreachable at start (a database, a model download) hangs Lightspeed's "
            "start the same way.",
            f"Raise the bound with {flag} if the machine is just slow; otherwise "
            f"`{self.release.cli} run {self.run_label}` shows where it waits.",
            f"{what} in the {self.url}",
        )

    def _gone_diagnosis(self, gone: RunnerGone, what: str) -> Diagnosis:
        return self._scrubbed(
            Diagnosis(
                "LIBRARY_RUNNER_DIED",
                f"The {self.release.label} library client ended while {what}",
                f"{gone}; its last output is below.",
                "Run again; if it repeats, run the release on the same file "
                f"(`{self.release.cli} run {self.run_label}`) to see its traceback.",
                f"{what} in the {self.url}",
                "\n".join(gone.log.strip().splitlines()[-15:]),
            )
        )

    def _odd_answer(self, what: str, expected: str) -> Diagnosis:
        return Diagnosis(
            "LIBRARY_UNEXPECTED_ANSWER",
            f"{what} answered something unexpected",
            f"Expected {expected} from the {self.url}.",
            "Report it with the release and the run.yaml.",
            f"{what} in the {self.url}",
        )

    def _scrubbed(self, diagnosis: Diagnosis, *more: SecretStr | None) -> Diagnosis:
        return diagnosis.scrubbed([*self.secrets, *more, *self._token_secrets()])

    def _scrub(self, text: str) -> str:
        return scrub(text, [*self.secrets, *self._token_secrets()])

    def _token_secrets(self) -> Iterable[str]:
        booted = self._booted
        return (booted.fingerprint[0],) if booted is not None and booted.fingerprint else ()

    # ---------------------------------------------------------------------- closing

    async def aclose(self) -> None:
        """Stop the runner and remove the boot's temporary folder (also when cancelled)."""
        runner, self._runner = self._runner, None
        self._booted = None
        try:
            if runner is not None:
                await runner.stop()
        finally:
            workdir, self._workdir = self._workdir, None
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)

    def close_now(self) -> None:
        """Kill the runner and remove the folder without awaiting (an exit that cannot wait)."""
        if self._runner is not None:
            self._runner.kill_now()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)


class _Collector:
    """What a streamed answer brought so far: its end (`AnswerTail`), usage, first-token time."""

    def __init__(self, on_delta: Callable[[str], object] | None) -> None:
        self.on_delta = on_delta
        self.tail = AnswerTail()
        self.usage: Usage | None = None
        self.first: float | None = None
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def text(self) -> str:
        return self.tail.text()

    @property
    def deltas(self) -> int:
        return self.tail.pieces

    def chunk(self, item: Any) -> None:
        """One chunk as the runner passed it on (a plain dict)."""
        if not isinstance(item, dict):
            return
        if item.get("usage") is not None:
            self.usage = Usage.of(item.get("usage"))
        for choice in item.get("choices") or ():
            delta = choice.get("delta") if isinstance(choice, dict) else None
            text = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(text, str) and text:
                if self.first is None:
                    self.first = self.elapsed()
                self.tail.add(text)
                if self.on_delta is not None:
                    self.on_delta(text)


__all__ = ["BootReport", "DroppedProvider", "LibrarySession", "NotVerified"]
