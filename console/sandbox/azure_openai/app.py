"""The Azure OpenAI stand-in's HTTP routes: chat completions (plain and streamed) and models.

Every request passes the gate first, in Azure's order: latency, a dropped connection,
authentication, the api-version, then an injected error status. Streams are SSE
``data: {...}`` events ending with ``data: [DONE]``. Every answer is recorded.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from console.sandbox.azure_openai.errors import MSG_DEPLOYMENT_NOT_FOUND, azure_error, fault_body
from console.sandbox.azure_openai.records import AzureRequest, mask_headers
from console.sandbox.azure_openai.replies import (
    completion,
    echo_reply,
    stream_events,
    usage_for,
)
from console.sandbox.azure_openai.resource import API_PREFIX, REGION, SANDBOX_CREATED
from console.sandbox.azure_openai.stand_in import AuthResult, AzureOpenAIStandIn
from console.sandbox.servers import drop_connection


@dataclass
class _Exchange:
    """What one handler learnt about its request, recorded when it answers."""

    request: Request
    number: int
    started_at: float = field(default_factory=time.time)
    auth: AuthResult | None = None
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
                headers=mask_headers(request.headers.items()),
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
            body = fault_body(faults.status, faults.retry_after_s)
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
            events = stream_events(completion_id, model, reply, usage, include_usage)
            return StreamingResponse(
                self._stream(events),
                media_type="text/event-stream",
                headers=self._headers(exchange.number),
            )
        return self._json(exchange, completion(completion_id, model, reply, usage))

    async def _stream(self, events: list[dict[str, Any]]) -> AsyncIterator[str]:
        """The events as SSE, ``stream_delay_s`` apart, then ``[DONE]``."""
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
