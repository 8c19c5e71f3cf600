"""`StackSession`: the console's connection to a Llama Stack server in service mode.

It connects the way Lightspeed does (the real `llama_stack_client.AsyncLlamaStackClient`,
``llama_stack.url`` and ``llama_stack.api_key`` from lightspeed-stack.yaml, or ``--url``),
reads the server's version, lists its providers and models, and discovers the Azure base
URL exactly as Lightspeed does (`console.stack.discovery`). Every failure comes back as a
`DiagnosedError` carrying a `Diagnosis` that names the endpoint; never an SDK traceback.

Which provider-data header the server reads is decided from ``GET /v1/version``, by
`console.stack.kind` (llama-stack 0.x: ``X-LlamaStack-Provider-Data``; OGX >= 1.0:
``X-OGX-Provider-Data``), unless ``--provider-data-header`` forces one.

Library mode has no server to talk to: `open_session` then returns a `NoServer` result
that says so, and the caller shows the static view instead.

`llama_stack_client` is slow to import, so it is imported inside the functions that need
it: this module stays off the TUI's first frame and the config commands' import path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self

import httpx
from pydantic import SecretStr

from console.shared.blocking import run_blocking
from console.shared.diagnosis import DiagnosedError, Diagnosis
from console.stack.bounds import (
    DEFAULT_ANSWER_LIMIT,
    LISTING_LIMIT,
    AnswerBounds,
    Redirect,
    UnreadableJson,
    bound_diagnosis,
    parse_json,
    preview,
    scalar_text,
    section_setting,
    whole_answer_timeout,
)
from console.stack.discovery import Discovery, discover
from console.stack.errors import (
    diagnose_call,
    error_chain,
    not_json_diagnosis,
    unexpected_diagnosis,
)
from console.stack.kind import (
    LLAMA_STACK_HEADER,
    OGX_HEADER,
    SANDBOX_MARKER,
    HeaderNameError,
    StackKind,
    check_header_name,
    choose_header,
    stack_kind,
)
from console.stack.providers import ModelView, ProviderView, api_key_status
from console.stack.tls_errors import http_to_https_diagnosis, speaks_tls

if TYPE_CHECKING:
    from llama_stack_client import AsyncLlamaStackClient

    from console.config.loaded import Loaded

DEFAULT_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 5.0
MAX_VERSION_CHARS = 100
"""A version answer is a release string (``0.7.3``, ``1.2.5+build``); a longer one is not."""


@dataclass(frozen=True)
class StackInfo:
    """Who answers at ``url``, and which provider-data header it reads.

    ``header_name`` is what the console sends; ``server_reads`` what the detected server
    reads (they differ only when forced). ``latency_s`` is the version call's round trip.
    """

    url: str
    version: str
    kind: StackKind
    header_name: str
    header_reason: str
    server_reads: str
    latency_s: float
    mode: Literal["service", "library"] = "service"
    """``library``: the release's library client booted locally; ``latency_s`` is its boot."""

    @property
    def header_forced_differs(self) -> bool:
        """A forced header the detected server would not read."""
        return self.header_name.lower() != self.server_reads.lower()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return asdict(self)


@dataclass(frozen=True)
class NoServer:
    """There is no server to contact: library mode, or no URL configured.

    Not an error in library mode: Lightspeed runs Llama Stack in its own process, so
    the console can only show run.yaml (``remedy`` says how to get a live view anyway).
    """

    reason: Literal["library-mode", "no-url"]
    message: str
    remedy: str
    run_config: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        data = asdict(self)
        data["run_config"] = str(self.run_config) if self.run_config else None
        return data


async def sdk_ready() -> None:
    """Import llama-stack-client in a thread the first time: it is slow, never on the loop."""
    from console.stack.sdk import load_llama_stack_client, sdk_loaded

    if not sdk_loaded():  # not "in sys.modules": that holds as soon as an import starts
        await run_blocking(load_llama_stack_client)


class StackSession:
    """One connection to a Llama Stack server; use as ``async with`` or call `aclose`.

    The listing calls share one client. Inference builds its own client per request
    (`client(headers=...)`), because the provider-data header carries a token.
    """

    def __init__(
        self,
        url: str,
        *,
        api_key: SecretStr | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        provider_data_header: str | None = None,
        ca_bundle: Path | None = None,
        max_answer: int = DEFAULT_ANSWER_LIMIT,
        section: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        # An empty key (``${env.LLAMA_STACK_API_KEY:=}`` unset) means none, not "Bearer ".
        self.api_key = api_key if api_key is not None and api_key.get_secret_value() else None
        self.timeout = timeout
        self.forced_header = (
            check_header_name(provider_data_header) if provider_data_header else None
        )
        self.ca_bundle = ca_bundle
        """CA certificates trusted for an https:// server (None: the system's)."""
        self.max_answer = max_answer
        """The most bytes of a completion read (``--max-answer``); listings have their own."""
        self.section = section
        """The configuration's server section (``ogx``, ``llama_stack``), for remedies."""
        self.redirects: list[Redirect] = []
        """Redirects followed (only ever within the server's origin), in order."""
        if ca_bundle is not None:
            from console.stack.sdk import tls_context

            # Checked now, so a bad bundle is a usage error before any request is made.
            tls_context(ca_bundle)
        self._client: AsyncLlamaStackClient | None = None
        self._info: StackInfo | None = None
        self._providers: list[ProviderView] | None = None
        self._models: list[ModelView] | None = None

    # ---------------------------------------------------------------- construction

    def client(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        limit: int | None = None,
    ) -> AsyncLlamaStackClient:
        """A new SDK client for this server, with ``headers`` on every request.

        No SDK retries: each retry of a chat completion would make the server try Azure
        three more times, and a diagnosis must describe one request. Every answer is held
        to ``limit`` bytes (default: the completion bound, ``max_answer``) and to the
        timeout as a whole (`console.stack.bounds`); a redirect is followed only within
        the server's origin.
        """
        from console.stack.sdk import load_llama_stack_client, tls_context

        load_llama_stack_client()
        from llama_stack_client import AsyncLlamaStackClient

        seconds = self.timeout if timeout is None else timeout
        limits = httpx.Timeout(seconds, connect=min(CONNECT_TIMEOUT_S, seconds))
        most = self.max_answer if limit is None else limit
        bounds = AnswerBounds(limit=most, seconds=seconds, raisable=limit is None)
        bounds.redirects = self.redirects
        return AsyncLlamaStackClient(
            base_url=self.url,
            api_key=self.api_key.get_secret_value() if self.api_key is not None else None,
            timeout=limits,
            max_retries=0,
            default_headers=dict(headers or {}),
            http_client=httpx.AsyncClient(
                verify=tls_context(self.ca_bundle),
                timeout=limits,
                follow_redirects=True,
                event_hooks=bounds.hooks(),
                # A compressed body is decoded within the bound; asking for none avoids it.
                headers={"Accept-Encoding": "identity"},
            ),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the shared client's connections."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _shared(self) -> AsyncLlamaStackClient:
        if self._client is None:
            self._client = self.client(limit=LISTING_LIMIT)
        return self._client

    def setting(self, key: str) -> str:
        """A key of the server section as the deployment writes it (``ogx.timeout``)."""
        return section_setting(self.section)(key)

    @property
    def secrets(self) -> list[SecretStr | None]:
        """What must never appear in a diagnosis from this session."""
        return [self.api_key]

    # ---------------------------------------------------------------------- calls

    async def _diagnose(self, error: BaseException, endpoint: str) -> Diagnosis:
        """The diagnosis of a failed call; a dropped http:// request to a TLS port says so.

        A server that speaks only TLS (OGX 1.x) closes a plain-HTTP connection without a
        word, which looks like a crash; one TLS handshake with the port tells them apart.
        """
        found = diagnose_call(error, endpoint, self.secrets, self.ca_bundle, self.section)
        if found.code != "CONNECTION_DROPPED" or not self.url.startswith("http://"):
            return found
        from console.stack.sdk import tls_context

        probe = min(CONNECT_TIMEOUT_S, self.timeout)
        if await speaks_tls(self.url, tls_context(self.ca_bundle), probe):
            return http_to_https_diagnosis(found.endpoint or endpoint, found.detail, self.section)
        return found

    async def _get_json(
        self, path: str, call: Callable[[AsyncLlamaStackClient], Awaitable[Any]]
    ) -> tuple[Any, httpx.Response, float]:
        """Run one listing call; return its JSON body, raw answer and round trip.

        A keep-alive connection the server closed after an earlier error answer may be
        reset when reused: that one case is retried once, on a fresh connection.
        """
        await sdk_ready()
        endpoint = f"GET {self.url}{path}"
        for attempt in (1, 2):
            try:
                # The whole answer, headers and body, within the timeout (each read has it too).
                async with asyncio.timeout(self.timeout):
                    raw = await call(self._shared())
            except TimeoutError:
                found = bound_diagnosis(whole_answer_timeout(endpoint, self.timeout), self.setting)
                raise DiagnosedError(found.scrubbed(self.secrets)) from None
            except Exception as error:
                if attempt == 1 and _reused_connection_reset(error):
                    await self.aclose()
                    continue
                raise DiagnosedError(await self._diagnose(error, endpoint)) from None
            answer: httpx.Response = raw.http_response
            # The wire round trip, without the SDK's one-off work before the first request.
            elapsed = answer.elapsed.total_seconds()
            content_type = answer.headers.get("content-type", "")
            if "json" not in content_type.lower():
                raise DiagnosedError(
                    not_json_diagnosis(endpoint, content_type, answer.text, self.section).scrubbed(
                        self.secrets
                    )
                )
            try:
                return parse_json(answer.text), answer, elapsed
            except UnreadableJson as problem:
                raise DiagnosedError(
                    unexpected_diagnosis(endpoint, "JSON Python can read", str(problem)).scrubbed(
                        self.secrets
                    )
                ) from None
            except ValueError:
                raise DiagnosedError(
                    not_json_diagnosis(endpoint, content_type, answer.text, self.section).scrubbed(
                        self.secrets
                    )
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def info(self) -> StackInfo:
        """The server's version, its kind and the header to send (cached per session)."""
        if self._info is not None:
            return self._info
        body, answer, elapsed = await self._get_json(
            "/v1/version", lambda c: c.inspect.with_raw_response.version()
        )
        version = body.get("version") if isinstance(body, dict) else None
        if not isinstance(version, str) or not version or len(version) > MAX_VERSION_CHARS:
            shown = preview(body)
            if isinstance(version, str) and len(version) > MAX_VERSION_CHARS:
                shown = f"a version of {len(version)} characters: {version[:40]}..."
            raise DiagnosedError(
                unexpected_diagnosis(
                    f"GET {self.url}/v1/version",
                    f'{{"version": "<release>"}}, at most {MAX_VERSION_CHARS} characters',
                    shown,
                )
            )
        marker = answer.headers.get(SANDBOX_MARKER[0], "") == SANDBOX_MARKER[1]
        kind = stack_kind(version, sandbox_marker=marker)
        header, why, reads = choose_header(version, kind, self.forced_header)
        self._info = StackInfo(self.url, version, kind, header, why, reads, elapsed)
        return self._info

    async def providers(self, *, cached: bool = False) -> list[ProviderView]:
        """``providers.list()`` as `ProviderView` rows (``source="server"``), server order.

        ``cached`` reuses the last listing of this session (a test inference right after the
        survey need not ask again); by default the server is asked.
        """
        if cached and self._providers is not None:
            return list(self._providers)
        body, _, _ = await self._get_json(
            "/v1/providers", lambda c: c.providers.with_raw_response.list()
        )
        items = data_list(body)
        if items is None:
            raise DiagnosedError(
                unexpected_diagnosis(f"GET {self.url}/v1/providers", "a provider list", body)
            )
        self._providers = [provider_view(item) for item in items if isinstance(item, dict)]
        return list(self._providers)

    async def models(self, *, cached: bool = False) -> list[ModelView]:
        """``models.list()`` as `ModelView` rows (``source="server"``).

        Sent without provider data, so the server lists what it has registered and does
        not call Azure; with the header (inference does that) it would also list the
        deployments Azure reports. ``cached`` as for `providers`.
        """
        if cached and self._models is not None:
            return list(self._models)
        body, _, _ = await self._get_json("/v1/models", lambda c: c.models.with_raw_response.list())
        items = data_list(body)
        if items is None:
            raise DiagnosedError(
                unexpected_diagnosis(f"GET {self.url}/v1/models", "a model list", body)
            )
        self._models = [model_view(item) for item in items if isinstance(item, dict)]
        return list(self._models)

    async def discover(self, loaded: Loaded | None = None) -> Discovery:
        """The base URL Lightspeed would discover, compared with ``loaded``'s run.yaml."""
        return discover(await self.providers(), loaded)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class StackSurvey:
    """Everything the providers view shows, gathered in one go, or where it stopped.

    ``diagnosis`` is set when a call failed; the fields gathered before it are kept.
    """

    url: str
    info: StackInfo | None = None
    providers: tuple[ProviderView, ...] = ()
    models: tuple[ModelView, ...] = ()
    discovery: Discovery | None = None
    diagnosis: Diagnosis | None = None
    redirects: tuple[Redirect, ...] = ()
    """Redirects the server answered with and the console followed (same origin only)."""

    @property
    def ok(self) -> bool:
        """No call failed."""
        return self.diagnosis is None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "url": self.url,
            "info": self.info.to_dict() if self.info else None,
            "providers": [row.to_dict() for row in self.providers],
            "models": [row.to_dict() for row in self.models],
            "discovery": self.discovery.to_dict() if self.discovery else None,
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
            "redirects": [redirect.to_dict() for redirect in self.redirects],
        }


class Surveyed(Protocol):
    """What a survey asks: a server session, or library mode's booted client."""

    @property
    def url(self) -> str: ...

    async def info(self) -> StackInfo: ...

    async def providers(self, *, cached: bool = False) -> list[ProviderView]: ...

    async def models(self, *, cached: bool = False) -> list[ModelView]: ...

    @property
    def redirects(self) -> Sequence[Redirect]: ...


async def survey(session: Surveyed, loaded: Loaded | None = None) -> StackSurvey:
    """Version, providers, models and discovery, stopping at the first failure."""
    found: dict[str, Any] = {}
    try:
        found["info"] = await session.info()
        providers = await session.providers()
        found["providers"] = tuple(providers)
        found["discovery"] = discover(providers, loaded)
        found["models"] = tuple(await session.models())
    except DiagnosedError as error:
        found["redirects"] = tuple(session.redirects)
        return StackSurvey(session.url, diagnosis=error.diagnosis, **found)
    return StackSurvey(session.url, redirects=tuple(session.redirects), **found)


def open_session(
    loaded: Loaded | None,
    *,
    url: str | None = None,
    provider_data_header: str | None = None,
    timeout: float | None = None,
    ca_bundle: Path | None = None,
    max_answer: int | None = None,
) -> StackSession | NoServer:
    """A session for the configured server, ``url`` winning; `NoServer` when there is none.

    In library mode without ``url`` there is no server: Lightspeed runs Llama Stack in its
    own process from run.yaml. Raises `HeaderNameError` for an invalid forced header and
    `console.shared.ca_bundle.CaBundleError` for a ``ca_bundle`` that cannot be used.
    ``max_answer`` bounds a completion's answer (default: `DEFAULT_ANSWER_LIMIT`).
    """
    settings = loaded.llama_stack if loaded is not None else None
    run_config = loaded.run.path if loaded is not None and loaded.run is not None else None
    seconds = timeout or (settings.timeout if settings and settings.timeout else None)
    if url is None and settings is not None and settings.use_as_library_client:
        shown = run_config or settings.library_client_config_path or "run.yaml"
        # The release's own command: OGX for a 0.7.x file (ogx:), llama-stack for May 2026's.
        reading = loaded.generation if loaded is not None else None
        may_2026 = reading is not None and reading.generation.value == "may-2026"
        command = "llama stack run" if may_2026 else "ogx run"
        return NoServer(
            reason="library-mode",
            message=(
                "library mode: Lightspeed runs the stack inside its own process, so there "
                "is no server to ask; the console boots the run.yaml as Lightspeed does"
            ),
            remedy=(
                f"For a server instead, start one from the same file (`{command} {shown} "
                "--port 8321`) and pass --url"
            ),
            run_config=run_config,
        )
    target = url or (settings.url if settings is not None else None)
    if not target:
        key = f"{settings.section}.url" if settings is not None else section_setting(None)("url")
        example = "https://host:8321" if key.startswith("ogx") else "http://host:8321"
        return NoServer(
            reason="no-url",
            message=f"no Llama Stack URL: lightspeed-stack.yaml sets no {key}",
            remedy=f"Set {key} in lightspeed-stack.yaml, or pass --url {example}",
            run_config=run_config,
        )
    return StackSession(
        target,
        api_key=settings.api_key if settings is not None else None,
        timeout=seconds or DEFAULT_TIMEOUT_S,
        provider_data_header=provider_data_header,
        ca_bundle=ca_bundle,
        max_answer=max_answer or DEFAULT_ANSWER_LIMIT,
        section=settings.section if settings is not None else None,
    )


# ----------------------------------------------------------------------- conversions


def provider_view(item: Mapping[str, Any]) -> ProviderView:
    """One ``providers.list()`` entry as a row; the server already masks secrets."""
    config = item.get("config")
    config = config if isinstance(config, dict) else {}
    flag = config.get("model_validation")
    return ProviderView(
        source="server",
        api=scalar_text(item.get("api")) or "",
        provider_id=scalar_text(item.get("provider_id")) or "",
        provider_type=scalar_text(item.get("provider_type")) or "",
        base_url=scalar_text(config.get("base_url")),
        api_version=scalar_text(config.get("api_version")),
        model_validation=flag if isinstance(flag, bool) else None,
        api_key=api_key_status(config.get("api_key"), None),
    )


def model_view(item: Mapping[str, Any]) -> ModelView:
    """One ``models.list()`` entry as a row (0.7 OpenAI shape, or the older flat one)."""
    meta = item.get("custom_metadata")
    meta = meta if isinstance(meta, dict) else {}
    return ModelView(
        source="server",
        model_id=scalar_text(item.get("id") or item.get("identifier")) or "",
        provider_id=scalar_text(meta.get("provider_id") or item.get("provider_id")) or "",
        provider_model_id=scalar_text(
            meta.get("provider_resource_id") or item.get("provider_resource_id")
        ),
        model_type=scalar_text(meta.get("model_type") or item.get("model_type")),
    )


def data_list(body: Any) -> list[Any] | None:
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return list(body["data"])
    if isinstance(body, list):
        return body
    return None


def _reused_connection_reset(error: BaseException) -> bool:
    """A request that died because a kept-alive connection was closed under it."""
    return any(
        isinstance(item, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError)
        for item in error_chain(error)
    ) and not any(isinstance(item, httpx.TimeoutException) for item in error_chain(error))


__all__ = [
    "DEFAULT_TIMEOUT_S",
    "LLAMA_STACK_HEADER",
    "OGX_HEADER",
    "HeaderNameError",
    "NoServer",
    "StackInfo",
    "StackKind",
    "StackSession",
    "StackSurvey",
    "open_session",
    "survey",
]
