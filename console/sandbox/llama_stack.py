"""A stand-in for a llama-stack 0.7.3 server: the part of its HTTP API the console uses.

Built from a run.yaml (as a plain dict, ``${env.VAR}`` references resolved with Llama
Stack's rules), it serves ``/v1/health``, ``/v1/version``, ``/v1/providers``,
``/v1/providers/{id}``, ``/v1/models``, ``/v1/chat/completions`` (plain and streamed) and,
when ``responses`` is among the run.yaml's ``apis``, ``/v1/responses``. Inference goes to
each ``remote::azure`` provider's ``config.base_url`` exactly as 0.7.3 sends it, so an Azure
stand-in (or Azure) behind it sees the same requests as behind the real server.

The 0.7.3 behaviours it reproduces (pinned by ``tests/integration/test_stack_contract.py``,
which runs the same probes against this stand-in and the real server):

- provider data comes from the ``X-LlamaStack-Provider-Data`` header (any case) and must be
  a JSON object with both ``azure_api_key`` (string) and ``azure_api_base`` (http(s) URL);
  otherwise it is dropped and the config ``api_key`` is used, or the answer is 400
  ``API key not provided. ...``. A JSON value that is not an object makes a chat a bare 500;
- the request goes to ``{config.base_url}/chat/completions`` with ``Authorization: Bearer
  <key>``, no ``api-key`` header and no ``api-version``, ``model`` set to the provider's
  model id; the header's ``azure_api_base`` is not used for routing;
- model ids are ``<provider_id>/<model>``; the bare name is a 404;
- upstream errors keep their status, with the text ``Error code: <status> - <message>``;
  429, 408, 409 and 5xx are tried 3 times in all (``Retry-After`` honoured up to 60 s);
  a dead upstream or a non-JSON success body is a 500 ``Internal server error: ...``;
- streams are ``data: {...}`` events with no ``data: [DONE]`` at the end; chunks and
  completions carry every OpenAI field (nulls included) plus whatever Azure added;
- ``models.list()`` with valid provider data also lists what Azure's ``GET /models`` returns;
- secrets in the providers listing are ``********``;
- after an error raised inside the server (the 400 for a missing key, upstream errors,
  unknown provider), the server closes the keep-alive connection, as Starlette's
  ``ServerErrorMiddleware`` makes the real one do.

How to tell it from a real server (the console shows which it is talking to): every answer
carries the header ``x-lightspeed-sandbox: llama-stack``, and ``/v1/version`` answers
``{"version": "0.7.3+sandbox"}`` (a PEP 440 local version: it still compares as 0.7.3).

Faults (`StackFaults`): ``down`` (connections dropped; set before `start` nothing listens),
an error ``status`` on every route, ``latency_s``, ``not_json`` (an HTML page with 200) and
``ignore_provider_data`` (the header is dropped, as by a proxy that strips it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from console.sandbox.choice import STAND_IN_VERSION
from console.sandbox.request_log import RequestLog
from console.sandbox.servers import LocalServer, Startable, TlsFiles, drop_connection

SANDBOX_VERSION = STAND_IN_VERSION
SANDBOX_HEADER = "x-lightspeed-sandbox"
SANDBOX_HEADER_VALUE = "llama-stack"
PROVIDER_DATA_HEADER = "x-llamastack-provider-data"
SANDBOX_CREATED = 1767225600
MASK = "********"

MSG_INTERNAL = "Internal server error: An unexpected error occurred."
MSG_NO_KEY = (
    "API key not provided. Please provide a valid API key in the provider data header, e.g. "
    'x-llamastack-provider-data: {"azure_api_key": "<API_KEY>"}.'
)
MSG_MODEL_NOT_FOUND = (
    "Model '{model}' not found. Use 'client.models.list()' to list available Models."
)
NOT_IMPLEMENTED_HEALTH = {
    "status": "Not Implemented",
    "message": "Provider does not implement health check",
}
NOT_JSON_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The proxy could not reach the upstream.</p></body></html>"
)

# Same retry policy as the OpenAI SDK inside the real server (2 retries).
_MAX_RETRIES = 2
_RETRY_STATUSES = frozenset({408, 409, 429})
_MAX_RETRY_AFTER_S = 60.0
_INITIAL_RETRY_DELAY_S = 0.5
_MAX_RETRY_DELAY_S = 8.0
_UPSTREAM_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
_SENSITIVE = ("api_key", "api_token", "password", "secret", "token")
_NOT_SENSITIVE = ("chunk_size_tokens", "max_tokens", "default_chunk_overlap_tokens",
                  "max_document_tokens")  # fmt: skip

# Field order (and defaults) of the OpenAI types the real server serializes.
_COMPLETION_KEYS = ("id", "choices", "created", "model", "object", "metadata", "moderation",
                    "service_tier", "system_fingerprint", "usage")  # fmt: skip
_CHUNK_KEYS = ("id", "choices", "created", "model", "object", "moderation", "obfuscation",
               "service_tier", "system_fingerprint", "usage")  # fmt: skip
_CHOICE_KEYS = ("finish_reason", "index", "logprobs", "message")
_CHUNK_CHOICE_KEYS = ("delta", "index", "finish_reason", "logprobs")
_MESSAGE_KEYS = ("content", "refusal", "role", "annotations", "audio", "function_call",
                 "tool_calls")  # fmt: skip
_DELTA_KEYS = ("audio", "content", "function_call", "refusal", "role", "tool_calls")
_USAGE_KEYS = ("completion_tokens", "prompt_tokens", "total_tokens", "completion_tokens_details",
               "prompt_tokens_details")  # fmt: skip
_COMPLETION_DETAILS_KEYS = ("accepted_prediction_tokens", "audio_tokens", "reasoning_tokens",
                            "rejected_prediction_tokens", "text_tokens")  # fmt: skip
_PROMPT_DETAILS_KEYS = ("audio_tokens", "cache_write_tokens", "cached_tokens", "image_tokens",
                        "text_tokens")  # fmt: skip


# ------------------------------------------------------------------------------- the config


def resolve_run_config(
    run_config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The run.yaml with ``${env.VAR}`` references resolved as Llama Stack resolves them."""
    from console.config.envsubst import substitute

    resolved = substitute(dict(run_config), Path("run.yaml"), environ).value
    if not isinstance(resolved, dict):
        raise TypeError("run.yaml must be a mapping")
    return resolved


def redact_config(data: Mapping[str, Any]) -> dict[str, Any]:
    """Mask secret-looking keys as 0.7.3's ``redact_sensitive_fields`` does; keys sorted."""

    def value(item: Any) -> Any:
        if isinstance(item, Mapping):
            return redact_config(item)
        if isinstance(item, list):
            return [value(i) for i in item]
        return item

    out: dict[str, Any] = {}
    for key in sorted(data):
        lowered = str(key).lower()
        if any(s in lowered for s in _NOT_SENSITIVE):
            out[key] = value(data[key])
        elif any(s in lowered for s in _SENSITIVE):
            out[key] = MASK
        else:
            out[key] = value(data[key])
    return out


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """One enabled provider of the run.yaml."""

    api: str
    provider_id: str
    provider_type: str
    config: dict[str, Any]

    @property
    def base_url(self) -> str:
        return str(self.config.get("base_url") or "").rstrip("/")

    def listing(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "provider_id": self.provider_id,
            "provider_type": self.provider_type,
            "config": redact_config(self.config),
            "health": dict(NOT_IMPLEMENTED_HEALTH),
        }


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One model as the server lists it: ``identifier`` is ``<provider_id>/<model>``."""

    identifier: str
    provider_id: str
    provider_resource_id: str
    model_type: str = "llm"
    metadata: dict[str, Any] = field(default_factory=dict)

    def listing(self) -> dict[str, Any]:
        return {
            "id": self.identifier,
            "object": "model",
            "created": SANDBOX_CREATED,
            "owned_by": "llama_stack",
            "custom_metadata": {
                "model_type": self.model_type,
                "provider_id": self.provider_id,
                "provider_resource_id": self.provider_resource_id,
                **self.metadata,
            },
        }


def _providers_of(config: Mapping[str, Any]) -> list[ProviderEntry]:
    entries: list[ProviderEntry] = []
    for api, providers in (config.get("providers") or {}).items():
        for provider in providers or []:
            provider_id = provider.get("provider_id")
            if not provider_id or provider_id == "__disabled__":
                continue
            entries.append(
                ProviderEntry(
                    api=str(api),
                    provider_id=str(provider_id),
                    provider_type=str(provider.get("provider_type", "")),
                    config=dict(provider.get("config") or {}),
                )
            )
    return entries


def _models_of(config: Mapping[str, Any]) -> list[ModelEntry]:
    entries: list[ModelEntry] = []
    for model in (config.get("registered_resources") or {}).get("models") or []:
        model_id = str(model.get("model_id") or "")
        provider_id = str(model.get("provider_id") or "")
        if not model_id or not provider_id:
            continue
        identifier = (
            model_id if model_id.startswith(f"{provider_id}/") else f"{provider_id}/{model_id}"
        )
        entries.append(
            ModelEntry(
                identifier=identifier,
                provider_id=provider_id,
                provider_resource_id=str(model.get("provider_model_id") or model_id),
                model_type=str(model.get("model_type") or "llm"),
                metadata=dict(model.get("metadata") or {}),
            )
        )
    return entries


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def azure_provider_data(data: Any) -> dict[str, Any] | None:
    """0.7.3's ``AzureProviderDataValidator``: the data, or None when it would be dropped."""
    if not isinstance(data, dict):
        return None
    if not isinstance(data.get("azure_api_key"), str) or not _is_http_url(
        data.get("azure_api_base")
    ):
        return None
    for optional in ("azure_api_version", "azure_api_type"):
        if data.get(optional) is not None and not isinstance(data[optional], str):
            return None
    return data


# ------------------------------------------------------------------------------ faults & log


@dataclass
class StackFaults:
    """Faults read on every request; set attributes (or use `faults.apply`) while it runs."""

    down: bool = False
    status: int | None = None
    latency_s: float = 0.0
    not_json: bool = False
    ignore_provider_data: bool = False


@dataclass(frozen=True, slots=True)
class StackRequest:
    """One request as the stand-in saw it: which provider-data keys came, never their values."""

    method: str
    path: str
    provider_data_keys: tuple[str, ...] | None
    status: int | None
    started_at: float


# ------------------------------------------------------------------------- upstream calls


class _UpstreamError(Exception):
    """An upstream answer or failure, already turned into what the real server answers."""

    def __init__(self, status: int, message: str, *, closes: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.closes = closes


def _status_error(response_status: int, text: str) -> _UpstreamError:
    """What the OpenAI SDK makes of an error answer, as the real server reports it."""
    message = f"Error code: {response_status}"
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    error = body.get("error", body) if isinstance(body, dict) else None
    detail = error.get("message") if isinstance(error, dict) else None
    if isinstance(detail, str) and detail:
        message += f" - {detail}"
    # A 400 maps to openai.BadRequestError, which 0.7.3 handles without dropping the connection.
    return _UpstreamError(response_status, message, closes=response_status != 400)


def _retry_delay(attempt: int, headers: httpx.Headers | None) -> float:
    if headers is not None:
        raw = headers.get("retry-after-ms")
        seconds: float | None = None
        if raw is not None:
            with contextlib.suppress(ValueError):
                seconds = float(raw) / 1000
        elif (raw := headers.get("retry-after")) is not None:
            with contextlib.suppress(ValueError):
                seconds = float(raw)
        if seconds is not None and 0 < seconds <= _MAX_RETRY_AFTER_S:
            return seconds
    backoff = min(_INITIAL_RETRY_DELAY_S * 2.0**attempt, _MAX_RETRY_DELAY_S)
    return backoff * (1 - 0.25 * random.random())  # noqa: S311 - jitter, not crypto


def _should_retry(response: httpx.Response) -> bool:
    hint: str | None = response.headers.get("x-should-retry")
    if hint in ("true", "false"):
        return hint == "true"
    return response.status_code in _RETRY_STATUSES or response.status_code >= 500


class _Upstream:
    """Sends to a provider's base URL with the OpenAI SDK's retries and error mapping.

    One per request: its connections then never outlive the event loop of the server thread.
    """

    def __init__(self, verify: bool | str) -> None:
        self._client = httpx.AsyncClient(timeout=_UPSTREAM_TIMEOUT, verify=verify, trust_env=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self, method: str, url: str, key: str, body: dict[str, Any] | None, *, stream: bool
    ) -> httpx.Response:
        headers = {
            "authorization": f"Bearer {key}",
            "accept": "application/json",
            "user-agent": f"lightspeed-sandbox-llama-stack/{SANDBOX_VERSION}",
        }
        attempt = 0
        while True:
            request = self._client.build_request(method, url, json=body, headers=headers)
            try:
                response = await self._client.send(request, stream=stream)
            except httpx.HTTPError as exc:
                if attempt < _MAX_RETRIES:
                    await asyncio.sleep(_retry_delay(attempt, None))
                    attempt += 1
                    continue
                raise _UpstreamError(500, MSG_INTERNAL) from exc
            if response.status_code < 400:
                return response
            text = (await response.aread()).decode(errors="replace")
            await response.aclose()
            if attempt < _MAX_RETRIES and _should_retry(response):
                await asyncio.sleep(_retry_delay(attempt, response.headers))
                attempt += 1
                continue
            raise _status_error(response.status_code, text)


# ------------------------------------------------------------------------ shaping answers


def _ordered(data: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """``keys`` first (None when missing), then whatever else the upstream sent."""
    out = {key: data.get(key) for key in keys}
    out.update({k: v for k, v in data.items() if k not in out})
    return out


def _usage(usage: Any) -> Any:
    if not isinstance(usage, Mapping):
        return usage
    out = _ordered(usage, _USAGE_KEYS)
    for key, keys in (
        ("completion_tokens_details", _COMPLETION_DETAILS_KEYS),
        ("prompt_tokens_details", _PROMPT_DETAILS_KEYS),
    ):
        if isinstance(out[key], Mapping):
            out[key] = _ordered(out[key], keys)
    return out


def shape_completion(data: Mapping[str, Any], model: str) -> dict[str, Any]:
    """An upstream chat completion as the real server re-serializes it."""
    out = _ordered(data, _COMPLETION_KEYS)
    out["model"] = model
    choices = []
    for choice in out["choices"] or []:
        shaped = _ordered(choice, _CHOICE_KEYS)
        if isinstance(shaped["message"], Mapping):
            shaped["message"] = _ordered(shaped["message"], _MESSAGE_KEYS)
        choices.append(shaped)
    out["choices"] = choices
    out["usage"] = _usage(out["usage"])
    return out


def shape_chunk(data: Mapping[str, Any], model: str) -> dict[str, Any]:
    """An upstream stream chunk as the real server re-serializes it."""
    out = _ordered(data, _CHUNK_KEYS)
    out["model"] = model
    choices = []
    for choice in out["choices"] or []:
        shaped = _ordered(choice, _CHUNK_CHOICE_KEYS)
        if isinstance(shaped["delta"], Mapping):
            shaped["delta"] = _ordered(shaped["delta"], _DELTA_KEYS)
        choices.append(shaped)
    out["choices"] = choices
    out["usage"] = _usage(out["usage"])
    return out


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _validation_error(body: Any) -> str | None:
    """The 400 text for a body 0.7.3 rejects, for the two mistakes a client makes."""
    errors: list[dict[str, Any]] = []
    if not isinstance(body, dict):
        return str({"errors": [{"loc": ["body"], "msg": "Field required", "type": "missing"}]})
    if "model" not in body:
        errors.append({"loc": ["body", "model"], "msg": "Field required", "type": "missing"})
    messages = body.get("messages")
    if messages is None:
        errors.append({"loc": ["body", "messages"], "msg": "Field required", "type": "missing"})
    elif isinstance(messages, list) and not messages:
        errors.append(
            {
                "loc": ["body", "messages"],
                "msg": "List should have at least 1 item after validation, not 0",
                "type": "too_short",
            }
        )
    return str({"errors": errors}) if errors else None


# -------------------------------------------------------------------------------- the service


class LlamaStackStandIn(RequestLog[StackRequest]):
    """State of one fake Llama Stack server: its run.yaml, faults and request log."""

    def __init__(
        self,
        run_config: Mapping[str, Any],
        *,
        environ: Mapping[str, str] | None = None,
        upstream_verify: bool | str = True,
    ) -> None:
        self.run_config = resolve_run_config(run_config, environ)
        self.apis: list[str] = [str(a) for a in self.run_config.get("apis") or []]
        self.providers = _providers_of(self.run_config)
        self.models = _models_of(self.run_config)
        self.upstream_verify = upstream_verify
        self.faults = StackFaults()
        super().__init__()

    def provider(self, provider_id: str) -> ProviderEntry | None:
        return next((p for p in self.providers if p.provider_id == provider_id), None)

    def model(self, identifier: str) -> ModelEntry | None:
        return next((m for m in self.models if m.identifier == identifier), None)


def _close_after(request: Request) -> None:
    """Ask `_ConnectionCloser` to close the connection once this answer is sent."""
    request.state.close_connection = True


class _ConnectionCloser:
    """Closes the keep-alive connection after answers flagged by `_close_after`.

    The real server's generic exception handler runs inside Starlette's
    ``ServerErrorMiddleware``, which re-raises after answering; uvicorn then closes the
    connection. Clients that reuse it may see a reset, so the stand-in does the same.
    """

    def __init__(self, app: Starlette) -> None:
        self._app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            scope.setdefault("state", {})
        await self._app(scope, receive, send)
        state = scope.get("state") or {}
        if state.get("close_connection"):
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if isinstance(transport, asyncio.BaseTransport):
                transport.close()


class _StackApp:
    def __init__(self, stand_in: LlamaStackStandIn) -> None:
        self.stand_in = stand_in

    def upstream(self) -> _Upstream:
        return _Upstream(self.stand_in.upstream_verify)

    # -- plumbing

    def _record(self, request: Request, status: int | None) -> None:
        keys: tuple[str, ...] | None = None
        raw = request.headers.get(PROVIDER_DATA_HEADER)
        if raw:
            with contextlib.suppress(ValueError):
                parsed = json.loads(raw)
                keys = tuple(sorted(parsed)) if isinstance(parsed, dict) else ()
        self.stand_in.record(
            StackRequest(request.method, request.url.path, keys, status, time.time())
        )

    def _json(self, request: Request, body: Any, status: int = 200) -> JSONResponse:
        self._record(request, status)
        return JSONResponse(
            body, status_code=status, headers={SANDBOX_HEADER: SANDBOX_HEADER_VALUE}
        )

    def _error(
        self, request: Request, status: int, message: str, *, closes: bool = True
    ) -> Response:
        if closes:
            _close_after(request)
        return self._json(request, {"error": {"message": message}}, status)

    async def _gate(self, request: Request) -> Response | None:
        faults = self.stand_in.faults
        if faults.latency_s > 0:
            await asyncio.sleep(faults.latency_s)
        if faults.down:
            self._record(request, None)
            await drop_connection(request.scope)
            return Response(status_code=500)  # discarded: the connection is gone
        if faults.not_json:
            self._record(request, 200)
            return Response(
                NOT_JSON_PAGE,
                media_type="text/html",
                headers={SANDBOX_HEADER: SANDBOX_HEADER_VALUE},
            )
        if faults.status is not None:
            message = MSG_INTERNAL if faults.status == 500 else f"Error code: {faults.status}"
            return self._error(request, faults.status, message)
        return None

    def _provider_data(self, request: Request) -> Any:
        """The parsed header (any JSON), or None when absent, not JSON, or ignored."""
        if self.stand_in.faults.ignore_provider_data:
            return None
        raw = request.headers.get(PROVIDER_DATA_HEADER)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    # -- endpoints

    async def health(self, request: Request) -> Response:
        return await self._gate(request) or self._json(request, {"status": "OK"})

    async def version(self, request: Request) -> Response:
        return await self._gate(request) or self._json(request, {"version": SANDBOX_VERSION})

    async def providers(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        return self._json(request, {"data": [p.listing() for p in self.stand_in.providers]})

    async def provider(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        provider_id = request.path_params["provider_id"]
        provider = self.stand_in.provider(provider_id)
        if provider is None:
            return self._error(request, 400, f"Provider {provider_id} not found")
        return self._json(request, provider.listing())

    async def models(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        models = list(self.stand_in.models)
        data = azure_provider_data(self._provider_data(request))
        if data is not None:
            known = {m.identifier for m in models}
            for found in await self._dynamic_models(data["azure_api_key"]):
                if found.identifier not in known:
                    known.add(found.identifier)
                    models.append(found)
        return self._json(request, {"data": [m.listing() for m in models]})

    async def _dynamic_models(self, key: str) -> list[ModelEntry]:
        """What each Azure provider's ``GET /models`` lists with the caller's key; errors skip."""
        found: list[ModelEntry] = []
        for provider in self.stand_in.providers:
            if provider.provider_type != "remote::azure" or not provider.base_url:
                continue
            upstream = self.upstream()
            try:
                response = await upstream.send(
                    "GET", f"{provider.base_url}/models", key, None, stream=False
                )
                listing = response.json()
            except (_UpstreamError, ValueError):
                continue
            finally:
                await upstream.aclose()
            allowed = provider.config.get("allowed_models")
            for item in listing.get("data") or [] if isinstance(listing, dict) else []:
                model_id = str(item.get("id", "")) if isinstance(item, dict) else ""
                if not model_id or (allowed is not None and model_id not in allowed):
                    continue
                found.append(ModelEntry(f"{provider.provider_id}/{model_id}", provider.provider_id,
                                        model_id))  # fmt: skip
        return found

    def _api_key(self, request: Request, provider: ProviderEntry) -> str | None:
        """Header key when the provider data validates, else the config key, else None."""
        data = azure_provider_data(self._provider_data(request))
        if data is not None and data["azure_api_key"]:
            return str(data["azure_api_key"])
        configured = provider.config.get("api_key")
        return str(configured) if configured else None

    async def chat_completions(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        invalid = _validation_error(body)
        if invalid is not None:
            return self._error(request, 400, invalid, closes=False)
        model_id = str(body["model"])
        model = self.stand_in.model(model_id)
        if model is None:
            message = MSG_MODEL_NOT_FOUND.format(model=model_id)
            return self._error(request, 404, message, closes=False)
        provider = self.stand_in.provider(model.provider_id)
        if provider is None or provider.provider_type != "remote::azure":
            return self._error(request, 500, MSG_INTERNAL)
        if self._provider_data(request) is not None and not isinstance(
            self._provider_data(request), dict
        ):
            return self._error(request, 500, MSG_INTERNAL)
        key = self._api_key(request, provider)
        if key is None:
            return self._error(request, 400, MSG_NO_KEY)
        upstream_body = {"model": model.provider_resource_id}
        upstream_body.update({k: v for k, v in body.items() if k != "model"})
        stream = bool(body.get("stream"))
        url = f"{provider.base_url}/chat/completions"
        upstream = self.upstream()
        try:
            response = await upstream.send("POST", url, key, upstream_body, stream=stream)
        except _UpstreamError as exc:
            await upstream.aclose()
            return self._error(request, exc.status, exc.message, closes=exc.closes)
        if stream:
            self._record(request, 200)
            return StreamingResponse(
                self._relay(upstream, response, model_id),
                media_type="text/event-stream",
                headers={SANDBOX_HEADER: SANDBOX_HEADER_VALUE},
            )
        try:
            answer = response.json()
        except ValueError:
            return self._error(request, 500, MSG_INTERNAL)
        finally:
            await upstream.aclose()
        if not isinstance(answer, dict):
            return self._error(request, 500, MSG_INTERNAL)
        return self._json(request, shape_completion(answer, model_id))

    async def _relay(
        self, upstream: _Upstream, response: httpx.Response, model: str
    ) -> AsyncIterator[str]:
        """Upstream SSE events, reshaped; ``[DONE]`` is not passed on (0.7.3 drops it)."""
        try:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[len("data:") :].strip()
                if payload == "[DONE]":
                    break
                try:
                    chunk = json.loads(payload)
                except ValueError:
                    continue
                if isinstance(chunk, dict):
                    yield f"data: {_dumps(shape_chunk(chunk, model))}\n\n"
        finally:
            await response.aclose()
            await upstream.aclose()

    async def responses(self, request: Request) -> Response:
        """A small Responses API: text input in, one message out; Azure errors become 500."""
        refused = await self._gate(request)
        if refused is not None:
            return refused
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict) or "model" not in body or "input" not in body:
            return self._error(
                request, 400, _validation_error(body) or "input required", closes=False
            )
        model_id = str(body["model"])
        model = self.stand_in.model(model_id)
        if model is None:
            return self._error(
                request, 404, MSG_MODEL_NOT_FOUND.format(model=model_id), closes=False
            )
        provider = self.stand_in.provider(model.provider_id)
        key = self._api_key(request, provider) if provider else None
        if provider is None or key is None:
            return self._error(
                request, 400 if provider else 500, MSG_NO_KEY if provider else MSG_INTERNAL
            )
        raw_input = body["input"]
        messages = (
            [{"role": "user", "content": raw_input}]
            if isinstance(raw_input, str)
            else list(raw_input)
        )
        if body.get("instructions"):
            messages.insert(0, {"role": "system", "content": body["instructions"]})
        number = self.stand_in.next_number()
        response_id = f"resp_sandbox{number:06d}"
        upstream = self.upstream()
        try:
            answer = await upstream.send(
                "POST",
                f"{provider.base_url}/chat/completions",
                key,
                {"model": model.provider_resource_id, "messages": messages},
                stream=False,
            )
            completion = answer.json()
            text = str(completion["choices"][0]["message"]["content"] or "")
            usage = completion.get("usage") or {}
        except (_UpstreamError, ValueError, KeyError, IndexError, TypeError) as exc:
            if body.get("stream"):
                failed = _response_object(
                    response_id,
                    model=model_id,
                    status="failed",
                    text=None,
                    usage={},
                    error=str(exc),
                )
                return self._sse(request, [("response.failed", {"response": failed})])
            return self._error(request, 500, MSG_INTERNAL)
        finally:
            await upstream.aclose()
        done = _response_object(
            response_id, model=model_id, status="completed", text=text, usage=usage, error=None
        )
        if not body.get("stream"):
            return self._json(request, done)
        started = _response_object(
            response_id, model=model_id, status="in_progress", text=None, usage={}, error=None
        )
        events: list[tuple[str, dict[str, Any]]] = [
            ("response.created", {"response": started}),
            ("response.output_text.delta", {"delta": text, "item_id": f"msg_sandbox{number:06d}",
                                             "output_index": 0, "content_index": 0}),
            ("response.completed", {"response": done}),
        ]  # fmt: skip
        return self._sse(request, events)

    def _sse(self, request: Request, events: list[tuple[str, dict[str, Any]]]) -> Response:
        self._record(request, 200)

        async def body() -> AsyncIterator[str]:
            for number, (kind, data) in enumerate(events, start=1):
                payload = _dumps({**data, "type": kind, "sequence_number": number})
                yield f"event: {kind}\ndata: {payload}\n\n"

        return StreamingResponse(
            body(), media_type="text/event-stream", headers={SANDBOX_HEADER: SANDBOX_HEADER_VALUE}
        )

    async def not_found(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        detail = exc.detail if isinstance(exc, HTTPException) else "Not Found"
        return self._json(request, {"detail": detail}, status)


def _response_object(
    response_id: str,
    *,
    model: str,
    status: str,
    text: str | None,
    usage: Mapping[str, Any],
    error: str | None,
) -> dict[str, Any]:
    output: list[dict[str, Any]] = []
    if text is not None:
        output.append(
            {
                "content": [{"text": text, "type": "output_text", "annotations": []}],
                "role": "assistant",
                "type": "message",
                "id": response_id.replace("resp_", "msg_"),
                "status": "completed",
            }
        )
    return {
        "created_at": SANDBOX_CREATED,
        "error": None if error is None else {"code": "server_error", "message": error},
        "id": response_id,
        "model": model,
        "object": "response",
        "output": output,
        "parallel_tool_calls": False,
        "previous_response_id": None,
        "status": status,
        "text": {"format": {"type": "text"}},
        "usage": {
            "input_tokens": int(usage.get("prompt_tokens") or 0),
            "output_tokens": int(usage.get("completion_tokens") or 0),
            "total_tokens": int(usage.get("total_tokens") or 0),
        }
        if usage
        else None,
    }


def create_stack_app(stand_in: LlamaStackStandIn) -> _ConnectionCloser:
    """The ASGI app serving ``stand_in``."""
    handlers = _StackApp(stand_in)
    routes = [
        Route("/v1/health", handlers.health, methods=["GET"]),
        Route("/v1/version", handlers.version, methods=["GET"]),
        Route("/v1/providers", handlers.providers, methods=["GET"]),
        Route("/v1/providers/{provider_id}", handlers.provider, methods=["GET"]),
        Route("/v1/models", handlers.models, methods=["GET"]),
        Route("/v1/chat/completions", handlers.chat_completions, methods=["POST"]),
    ]
    if "responses" in stand_in.apis:
        routes.append(Route("/v1/responses", handlers.responses, methods=["POST"]))
    app = Starlette(
        routes=routes,
        exception_handlers={404: handlers.not_found, 405: handlers.not_found},
    )
    return _ConnectionCloser(app)


# ------------------------------------------------------------------------------ the server


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LlamaStackServer(Startable):
    """The Llama Stack stand-in on 127.0.0.1.

    With ``faults.down`` set before `start`, nothing listens: ``url`` points at a free port,
    so clients get "connection refused", as with a server that was never started. With
    ``tls`` it serves HTTPS with that certificate, as OGX 1.x does (it refuses plain HTTP).
    """

    def __init__(
        self,
        run_config: Mapping[str, Any] | None = None,
        *,
        stand_in: LlamaStackStandIn | None = None,
        environ: Mapping[str, str] | None = None,
        upstream_verify: bool | str = True,
        tls: TlsFiles | None = None,
    ) -> None:
        if (run_config is None) == (stand_in is None):
            raise ValueError("pass exactly one of run_config or stand_in")
        self.stand_in = stand_in or LlamaStackStandIn(
            run_config or {}, environ=environ, upstream_verify=upstream_verify
        )
        self.tls = tls
        self._server: LocalServer | None = None
        self._down_port: int | None = None

    @property
    def faults(self) -> StackFaults:
        return self.stand_in.faults

    @property
    def url(self) -> str:
        if self._down_port is not None:
            scheme = "https" if self.tls is not None else "http"
            return f"{scheme}://127.0.0.1:{self._down_port}"
        if self._server is None:
            raise RuntimeError("Llama Stack stand-in is not started")
        return self._server.url

    @property
    def port(self) -> int:
        if self._down_port is not None:
            return self._down_port
        if self._server is None:
            raise RuntimeError("Llama Stack stand-in is not started")
        return self._server.port

    def start(self) -> Self:
        if self.stand_in.faults.down:
            self._down_port = _unused_port()
            return self
        app = create_stack_app(self.stand_in)
        server = LocalServer(app, tls=self.tls, name="llama-stack")
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._down_port = None
