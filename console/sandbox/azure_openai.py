"""A stand-in for an Azure OpenAI resource's v1 data plane, served on loopback.

It is what a Llama Stack `remote::azure` provider talks to in the demo and the tests:
``POST /openai/v1/chat/completions`` (plain, and streamed as SSE ``data: {...}`` chunks ending
with ``data: [DONE]``) and ``GET /openai/v1/models``. Like the real service it trusts only
Entra ID access tokens: ``Authorization: Bearer <jwt>`` signed by the sandbox's
`TokenIssuer`, unexpired, for the audience ``https://cognitiveservices.azure.com``; anything
else gets a 401 in Azure's own ``{"error": {"code": ..., "message": ...}}`` shape and wording.
Static API keys are refused unless configured (``api_keys``), as on a resource with key
auth disabled.

Answers are deterministic (``"Echo: <last user message>"``, ids and usage derived from a
request counter, a fixed ``created``), so screen snapshots are stable. Azure's own extras
are kept (``prompt_filter_results``, ``content_filter_results``, the leading stream chunk
with empty ``choices``), because the clients in between must cope with them.

Faults (`AzureFaults`) switch at runtime: latency, an error status (500, 503, 429 with
``Retry-After``), 401 for every token, a delay between stream chunks, a dropped connection,
and a missing RBAC role. Every request is recorded (`AzureRequest`) with the bearer masked;
the token itself is kept only as a SHA-256 fingerprint plus its ``uti`` claim, so a test can
check that the token the console acquired is the one that reached Azure.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from console.sandbox.request_log import RequestLog
from console.sandbox.servers import LocalServer, Startable, TlsFiles, drop_connection
from console.sandbox.tokens import InvalidTokenError, TokenIssuer

AZURE_AUDIENCE = "https://cognitiveservices.azure.com"
API_PREFIX = "/openai/v1"
DEFAULT_DEPLOYMENTS: tuple[str, ...] = ("gpt-4o-mini",)
SANDBOX_CREATED = 1767225600  # 2026-01-01T00:00:00Z: a fixed `created` keeps snapshots stable
SYSTEM_FINGERPRINT = "fp_sandbox01"
REGION = "Sweden Central"
MASK = "********"

# Azure's wording, as its gateway sends it.
MSG_INVALID_KEY = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide "
    "a valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)
MSG_INVALID_TOKEN = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    f"({AZURE_AUDIENCE}), or have expired."
)
MSG_NO_ROLE = (
    "The principal `{principal}` lacks the required data action "
    "`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to "
    "perform `POST /openai/deployments/{{deployment-id}}/chat/completions` operation."
)
MSG_DEPLOYMENT_NOT_FOUND = (
    "The API deployment for this resource does not exist. If you created the deployment within "
    "the last 5 minutes, please wait a moment and try again."
)
MSG_RATE_LIMIT = (
    "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version v1 have "
    "exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after "
    "{seconds} second{plural}. Please go here: https://aka.ms/oai/quotaincrease if you would "
    "like to further increase the default rate limit."
)
MSG_SERVER_ERROR = (
    "The server had an error while processing your request. Sorry about that! You can retry "
    "your request, or contact us through an Azure support request at: "
    "https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing this error."
)
MSG_UNAVAILABLE = (
    "The service is temporarily unable to process your request. Please try again later."
)

_NO_FILTER = {"filtered": False, "severity": "safe"}
_CONTENT_FILTER_RESULTS: dict[str, Any] = {
    "hate": _NO_FILTER,
    "self_harm": _NO_FILTER,
    "sexual": _NO_FILTER,
    "violence": _NO_FILTER,
}
_PROMPT_FILTER_RESULTS: list[dict[str, Any]] = [
    {"prompt_index": 0, "content_filter_results": {**_CONTENT_FILTER_RESULTS, "jailbreak": {
        "filtered": False, "detected": False}}}
]  # fmt: skip


def token_fingerprint(token: str) -> str:
    """The SHA-256 hex digest by which recorded requests identify the bearer they carried."""
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------------------ faults & log


@dataclass
class AzureFaults:
    """Faults read on every request; set attributes (or use `faults.apply`) while it runs.

    ``status`` is answered after authentication, like a backend failure behind Azure's
    gateway; ``fail_count`` limits it to the next N requests (None: every request).
    """

    latency_s: float = 0.0
    status: int | None = None
    retry_after_s: int = 1
    fail_count: int | None = None
    always_401: bool = False
    stream_delay_s: float = 0.0
    drop: bool = False
    no_role: bool = False

    def take_failure(self, lock: threading.Lock) -> bool:
        """Whether this request should get the fault status (``fail_count`` counts down)."""
        with lock:
            if self.fail_count is None:
                return True
            if self.fail_count <= 0:
                return False
            self.fail_count -= 1
            return True


@dataclass(frozen=True, slots=True)
class AzureRequest:
    """One request as the stand-in saw it. The bearer is never stored, only its fingerprint."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    bearer_sha256: str | None
    token_uti: str | None
    auth_error: str | None
    body: dict[str, Any] | None
    status: int | None
    started_at: float

    @property
    def dropped(self) -> bool:
        return self.status is None

    def carried(self, token: str) -> bool:
        """True when this request's bearer was exactly ``token``."""
        return self.bearer_sha256 == token_fingerprint(token)


def _mask_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    masked: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key == "authorization":
            scheme, _, rest = value.partition(" ")
            masked[key] = f"{scheme} {MASK}" if rest else MASK
        elif key == "api-key":
            masked[key] = MASK
        else:
            masked[key] = value
    return masked


def azure_error(code: str, message: str) -> dict[str, Any]:
    """Azure's error body."""
    return {"error": {"code": code, "message": message}}


def _fault_body(status: int, retry_after_s: int) -> dict[str, Any]:
    if status == 429:
        plural = "" if retry_after_s == 1 else "s"
        return azure_error("429", MSG_RATE_LIMIT.format(seconds=retry_after_s, plural=plural))
    if status == 500:
        # The 500 from the model backend comes in OpenAI's shape, without a code.
        return {
            "error": {"message": MSG_SERVER_ERROR, "type": "server_error", "param": None,
                      "code": None}
        }  # fmt: skip
    if status == 503:
        return azure_error("ServiceUnavailable", MSG_UNAVAILABLE)
    return azure_error(str(status), f"Request failed with status {status}.")


# ------------------------------------------------------------------------- deterministic text


def _text_of(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict)
        ).strip()
    return ""


def echo_reply(messages: Sequence[Any]) -> str:
    """``Echo: <last user message>``: the reply the stand-in gives to every chat."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return f"Echo: {_text_of(message.get('content'))}"
    return "Echo: "


def _count_words(text: str) -> int:
    return len(text.split())


def usage_for(messages: Sequence[Any], reply: str) -> dict[str, Any]:
    """Deterministic usage: one token per whitespace-separated word."""
    prompt = sum(_count_words(_text_of(m.get("content"))) for m in messages if isinstance(m, dict))
    completion = _count_words(reply)
    return {
        "completion_tokens": completion,
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
        "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
        "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
    }


def stream_pieces(reply: str) -> list[str]:
    """How a reply is cut into stream deltas: word by word, keeping the spaces."""
    return re.findall(r"\S+\s*|\s+", reply) or [""]


# -------------------------------------------------------------------------------- the service


class AzureOpenAIStandIn(RequestLog[AzureRequest]):
    """State of one fake Azure OpenAI resource: trust, deployments, faults and request log."""

    def __init__(
        self,
        issuer: TokenIssuer | None = None,
        *,
        deployments: Sequence[str] = DEFAULT_DEPLOYMENTS,
        api_keys: Iterable[str] = (),
        audience: str = AZURE_AUDIENCE,
    ) -> None:
        self.issuer = issuer or TokenIssuer()
        self.deployments: list[str] = list(deployments)
        self.api_keys: set[str] = set(api_keys)
        self.audience = audience
        super().__init__()
        self.faults = AzureFaults()
        self._lock = threading.Lock()

    @property
    def fault_lock(self) -> threading.Lock:
        return self._lock

    @property
    def chat_requests(self) -> list[AzureRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def completion_id(self, number: int) -> str:
        digest = hashlib.sha256(f"chatcmpl:{number}".encode()).hexdigest()
        return f"chatcmpl-SBX{digest[:26]}"

    def request_id(self, number: int) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-azure-openai/{number}"))

    def authenticate(self, authorization: str | None, api_key: str | None) -> _AuthResult:
        """Decide like Azure's gateway: a key, a valid Entra token, or a 401 with its reason."""
        if authorization is None and api_key is None:
            return _AuthResult(azure_error("401", MSG_INVALID_KEY), "no credentials")
        if authorization is None:
            if api_key in self.api_keys:
                return _AuthResult(None, None)
            return _AuthResult(azure_error("401", MSG_INVALID_KEY), "invalid api-key")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return _AuthResult(azure_error("401", MSG_INVALID_KEY), "not a bearer credential")
        fingerprint = token_fingerprint(token)
        if token in self.api_keys:
            return _AuthResult(None, None, fingerprint)
        if self.faults.always_401:
            return _AuthResult(azure_error("401", MSG_INVALID_TOKEN), "fault: always 401",
                               fingerprint)  # fmt: skip
        try:
            claims = self.issuer.verify(token, self.audience)
        except InvalidTokenError as exc:
            return _AuthResult(
                azure_error("401", MSG_INVALID_TOKEN), f"{exc.reason}: {exc}", fingerprint
            )
        uti = claims.get("uti")
        if self.faults.no_role:
            principal = str(claims.get("oid") or claims.get("sub") or "unknown")
            return _AuthResult(
                azure_error("PermissionDenied", MSG_NO_ROLE.format(principal=principal)),
                "fault: missing role",
                fingerprint,
                uti if isinstance(uti, str) else None,
            )
        return _AuthResult(None, None, fingerprint, uti if isinstance(uti, str) else None)


@dataclass(frozen=True, slots=True)
class _AuthResult:
    error: dict[str, Any] | None
    reason: str | None
    fingerprint: str | None = None
    uti: str | None = None


@dataclass
class _Exchange:
    """What one handler learnt about its request, recorded when it answers."""

    request: Request
    number: int
    started_at: float = field(default_factory=time.time)
    auth: _AuthResult | None = None
    body: dict[str, Any] | None = None


class _AzureApp:
    def __init__(self, stand_in: AzureOpenAIStandIn) -> None:
        self.stand_in = stand_in

    # -- plumbing

    def _headers(self, number: int) -> dict[str, str]:
        request_id = self.stand_in.request_id(number)
        return {"apim-request-id": request_id, "x-request-id": request_id, "x-ms-region": REGION}

    def _record(self, exchange: _Exchange, status: int | None) -> None:
        request, auth = exchange.request, exchange.auth
        self.stand_in.record(
            AzureRequest(
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                headers=_mask_headers(request.headers.items()),
                bearer_sha256=auth.fingerprint if auth else None,
                token_uti=auth.uti if auth else None,
                auth_error=auth.reason if auth else None,
                body=exchange.body,
                status=status,
                started_at=exchange.started_at,
            )
        )

    def _json(
        self, exchange: _Exchange, body: Any, status: int = 200, **headers: str
    ) -> JSONResponse:
        self._record(exchange, status)
        return JSONResponse(
            body, status_code=status, headers={**self._headers(exchange.number), **headers}
        )

    async def _gate(self, exchange: _Exchange) -> Response | None:
        """Latency, drops, authentication, api-version and error faults, in Azure's order."""
        request, faults = exchange.request, self.stand_in.faults
        if faults.latency_s > 0:
            await asyncio.sleep(faults.latency_s)
        if faults.drop:
            self._record(exchange, None)
            await drop_connection(request.scope)
            return Response(status_code=500)  # discarded: the connection is gone
        exchange.auth = self.stand_in.authenticate(
            request.headers.get("authorization"), request.headers.get("api-key")
        )
        if exchange.auth.error is not None:
            return self._json(exchange, exchange.auth.error, 401)
        version = request.query_params.get("api-version")
        if version is not None and version not in ("preview", "latest"):
            return self._json(exchange, azure_error("BadRequest", "API version not supported"), 400)
        if faults.status is not None and faults.take_failure(self.stand_in.fault_lock):
            extra = {"retry-after": str(faults.retry_after_s)} if faults.status == 429 else {}
            if faults.status == 429:
                extra["x-ratelimit-remaining-requests"] = "0"
            body = _fault_body(faults.status, faults.retry_after_s)
            return self._json(exchange, body, faults.status, **extra)
        return None

    # -- endpoints

    async def models(self, request: Request) -> Response:
        exchange = _Exchange(request, self.stand_in.next_number())
        refused = await self._gate(exchange)
        if refused is not None:
            return refused
        data = [
            {"id": name, "object": "model", "created": SANDBOX_CREATED, "owned_by": "system"}
            for name in self.stand_in.deployments
        ]
        return self._json(exchange, {"object": "list", "data": data})

    async def chat_completions(self, request: Request) -> Response:
        exchange = _Exchange(request, self.stand_in.next_number())
        try:
            parsed = json.loads(await request.body() or b"null")
        except ValueError:
            parsed = None
        exchange.body = parsed if isinstance(parsed, dict) else None
        refused = await self._gate(exchange)
        if refused is not None:
            return refused
        body = exchange.body
        if body is None or not isinstance(body.get("messages"), list) or not body["messages"]:
            return self._json(
                exchange,
                azure_error("BadRequest", "'messages' is a required property"),
                400,
            )
        model = str(body.get("model") or "")
        if model not in self.stand_in.deployments:
            return self._json(exchange, azure_error("DeploymentNotFound", MSG_DEPLOYMENT_NOT_FOUND),
                              404)  # fmt: skip
        completion_id = self.stand_in.completion_id(exchange.number)
        reply = echo_reply(body["messages"])
        usage = usage_for(body["messages"], reply)
        if body.get("stream"):
            options = body.get("stream_options") or {}
            include_usage = bool(isinstance(options, dict) and options.get("include_usage"))
            self._record(exchange, 200)
            return StreamingResponse(
                self._chunks(completion_id, model, reply, usage, include_usage),
                media_type="text/event-stream",
                headers=self._headers(exchange.number),
            )
        answer = {
            "choices": [
                {
                    "content_filter_results": _CONTENT_FILTER_RESULTS,
                    "finish_reason": "stop",
                    "index": 0,
                    "logprobs": None,
                    "message": {
                        "annotations": [],
                        "content": reply,
                        "refusal": None,
                        "role": "assistant",
                    },
                }
            ],
            "created": SANDBOX_CREATED,
            "id": completion_id,
            "model": model,
            "object": "chat.completion",
            "prompt_filter_results": _PROMPT_FILTER_RESULTS,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "usage": usage,
        }
        return self._json(exchange, answer)

    async def _chunks(
        self,
        completion_id: str,
        model: str,
        reply: str,
        usage: dict[str, Any],
        include_usage: bool,
    ) -> AsyncIterator[str]:
        def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
            body: dict[str, Any] = {
                "choices": choices,
                "created": SANDBOX_CREATED,
                "id": completion_id,
                "model": model,
                "object": "chat.completion.chunk",
                "system_fingerprint": SYSTEM_FINGERPRINT,
            }
            if include_usage:
                body["usage"] = None
            body.update(extra)
            return body

        def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "content_filter_results": {} if finish or not delta.get("content") else
                _CONTENT_FILTER_RESULTS,
                "delta": delta,
                "finish_reason": finish,
                "index": 0,
                "logprobs": None,
            }  # fmt: skip

        events: list[dict[str, Any]] = [
            # Azure opens every stream with the prompt's filter results and no choices.
            {"choices": [], "created": 0, "id": "", "model": "", "object": "",
             "prompt_filter_results": _PROMPT_FILTER_RESULTS},
            chunk([choice({"content": "", "refusal": None, "role": "assistant"})]),
            *(chunk([choice({"content": piece})]) for piece in stream_pieces(reply)),
            chunk([choice({}, "stop")]),
        ]  # fmt: skip
        if include_usage:
            events.append(chunk([], usage=usage))
        delay = self.stand_in.faults.stream_delay_s
        for index, event in enumerate(events):
            if delay > 0 and index > 0:
                await asyncio.sleep(delay)
            yield f"data: {json.dumps(event, separators=(',', ':'))}\n\n"
        yield "data: [DONE]\n\n"

    async def not_found(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        exchange = _Exchange(request, self.stand_in.next_number())
        message = "Resource not found" if status == 404 else "Method not allowed"
        return self._json(exchange, azure_error(str(status), message), status)


def create_azure_app(stand_in: AzureOpenAIStandIn) -> Starlette:
    """The ASGI app serving ``stand_in``; unknown paths get Azure's 404 body."""
    handlers = _AzureApp(stand_in)
    return Starlette(
        routes=[
            Route(f"{API_PREFIX}/chat/completions", handlers.chat_completions, methods=["POST"]),
            Route(f"{API_PREFIX}/models", handlers.models, methods=["GET"]),
        ],
        exception_handlers={404: handlers.not_found, 405: handlers.not_found},
    )


# ------------------------------------------------------------------------------ the server


class AzureOpenAIServer(Startable):
    """The Azure OpenAI stand-in on 127.0.0.1 (HTTP, or HTTPS when given `TlsFiles`).

    ``base_url`` is what a `remote::azure` provider's ``config.base_url`` must be set to.
    """

    def __init__(
        self,
        stand_in: AzureOpenAIStandIn | None = None,
        *,
        issuer: TokenIssuer | None = None,
        tls: TlsFiles | None = None,
    ) -> None:
        if stand_in is not None and issuer is not None:
            raise ValueError("pass either a stand-in or an issuer, not both")
        self.stand_in = stand_in or AzureOpenAIStandIn(issuer)
        self._tls = tls
        self._server: LocalServer | None = None

    @property
    def faults(self) -> AzureFaults:
        return self.stand_in.faults

    @property
    def issuer(self) -> TokenIssuer:
        return self.stand_in.issuer

    @property
    def server(self) -> LocalServer:
        if self._server is None:
            raise RuntimeError("Azure OpenAI stand-in is not started")
        return self._server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def base_url(self) -> str:
        """The v1 endpoint, ``<url>/openai/v1``, as Llama Stack 0.7.3 needs it."""
        return f"{self.server.url}{API_PREFIX}"

    @property
    def port(self) -> int:
        return self.server.port

    def start(self) -> Self:
        server = LocalServer(create_azure_app(self.stand_in), tls=self._tls, name="azure-openai")
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
