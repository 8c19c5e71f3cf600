"""The Entra ID stand-in's HTTP routes: discovery, token and keys, with faults and a log.

Each handler injects the faults that concern it, calls the stand-in, and answers as Entra
does: its cache headers, the client's request id echoed as the correlation id, errors in
Entra's body. Every request is recorded once it is answered (or dropped).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
import uuid
from dataclasses import replace
from typing import Any
from urllib.parse import unquote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.sandbox.entra.errors import AadError, AadRejection, aad_error, aad_error_body
from console.sandbox.entra.records import RecordedRequest, mask_form
from console.sandbox.entra.stand_in import EntraStandIn
from console.sandbox.servers import drop_connection


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_secret_basic: ``Authorization: Basic b64(urlenc(id):urlenc(secret))``."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(user), unquote_plus(password)


class _EntraHttp:
    """Request handlers: fault injection, the grant, Entra-shaped answers, the request log."""

    def __init__(self, stand_in: EntraStandIn) -> None:
        self.stand_in = stand_in

    @staticmethod
    def _ids(request: Request) -> tuple[str, str]:
        # Entra echoes the client's request id as the correlation id.
        correlation = request.headers.get("client-request-id") or str(uuid.uuid4())
        return correlation, str(uuid.uuid4())

    @staticmethod
    def _headers(correlation_id: str, trace_id: str) -> dict[str, str]:
        return {
            "cache-control": "no-store, no-cache",
            "pragma": "no-cache",
            "x-ms-request-id": trace_id,
            "client-request-id": correlation_id,
        }

    def _ok(self, request: Request, body: dict[str, Any]) -> JSONResponse:
        return JSONResponse(body, headers=self._headers(*self._ids(request)))

    def _error(self, request: Request, error: AadError, retry_after: int | None = None) -> Response:
        correlation, trace = self._ids(request)
        headers = self._headers(correlation, trace)
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        body = aad_error_body(
            error, correlation_id=correlation, trace_id=trace, now=self.stand_in.clock()
        )
        return JSONResponse(body, status_code=error.status, headers=headers)

    def _record(
        self,
        request: Request,
        endpoint: str,
        started: float,
        response: Response | None,
        *,
        form: dict[str, str] | None = None,
        basic: bool = False,
    ) -> None:
        code: int | None = None
        if isinstance(response, JSONResponse) and response.status_code >= 400:
            codes = json.loads(bytes(response.body)).get("error_codes") or [None]
            code = codes[0]
        self.stand_in.record(
            RecordedRequest(
                method=request.method,
                path=request.url.path,
                endpoint=endpoint,
                tenant=request.path_params.get("tenant"),
                form=mask_form(form or {}),
                basic_auth=basic,
                started_at=time.time() - (time.monotonic() - started),
                duration_s=time.monotonic() - started,
                status=None if response is None else response.status_code,
                error_code=code,
            )
        )

    async def _delay(self, extra: float = 0.0) -> None:
        total = self.stand_in.faults.latency_s + extra
        if total > 0:
            await asyncio.sleep(total)

    async def discovery(self, request: Request) -> Response:
        started = time.monotonic()
        await self._delay()
        faults, name = self.stand_in.faults, request.path_params["tenant"]
        response: Response
        if faults.discovery_status is not None:
            error = replace(aad_error(90033), status=faults.discovery_status)
            response = self._error(request, error, faults.retry_after_s)
        elif (tenant := self.stand_in.find_tenant(name)) is None:
            # The real endpoint says invalid_tenant here; MSAL then reports
            # "Unable to get authority configuration".
            response = self._error(
                request, replace(aad_error(90002, tenant=name), error="invalid_tenant")
            )
        else:
            v1 = "/v2.0/" not in request.url.path
            response = self._ok(request, self.stand_in.discovery_document(tenant, v1=v1))
        self._record(request, "discovery", started, response)
        return response

    async def token(self, request: Request) -> Response:
        started = time.monotonic()
        faults = self.stand_in.faults
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        basic = _basic_credentials(request)
        await self._delay(faults.token_latency_s)
        response: Response | None
        if faults.drop:
            self._record(request, "token", started, None, form=form, basic=basic is not None)
            await drop_connection(request.scope)
            return Response(status_code=500)  # discarded: the connection is gone
        if faults.token_status is not None and faults.take_failure(self.stand_in.lock):
            code = 50196 if faults.token_status == 429 else 90033
            error = replace(aad_error(code), status=faults.token_status)
            response = self._error(request, error, faults.retry_after_s)
        else:
            try:
                grant = self.stand_in.grant(request.path_params["tenant"], form, basic)
                response = self._ok(request, grant)
            except AadRejection as rejection:
                response = self._error(request, rejection.error)
        self._record(request, "token", started, response, form=form, basic=basic is not None)
        return response

    async def keys(self, request: Request) -> Response:
        started = time.monotonic()
        await self._delay()
        name = request.path_params.get("tenant", "common")
        if name not in ("common", "organizations") and self.stand_in.find_tenant(name) is None:
            response = self._error(
                request, replace(aad_error(90002, tenant=name), error="invalid_tenant")
            )
        else:
            response = self._ok(request, self.stand_in.issuer.jwks())
        self._record(request, "keys", started, response)
        return response

    async def not_found(self, request: Request) -> Response:
        response = JSONResponse({"error": "not_found"}, status_code=404)
        self._record(request, "other", time.monotonic(), response)
        return response


def create_entra_app(stand_in: EntraStandIn) -> Starlette:
    """The starlette app serving discovery, token and keys endpoints for ``stand_in``."""
    http = _EntraHttp(stand_in)
    any_method = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    return Starlette(
        routes=[
            Route("/{tenant}/v2.0/.well-known/openid-configuration", http.discovery),
            Route("/{tenant}/.well-known/openid-configuration", http.discovery),
            Route("/{tenant}/oauth2/v2.0/token", http.token, methods=["POST"]),
            Route("/{tenant}/discovery/v2.0/keys", http.keys),
            Route("/{tenant}/discovery/keys", http.keys),
            Route("/discovery/keys", http.keys),
            Route("/{path:path}", http.not_found, methods=any_method),
        ]
    )
