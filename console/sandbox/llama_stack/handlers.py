"""What every Llama Stack stand-in route does around its answer.

The faults come first (latency, a dropped connection, an HTML page, an error status), every
answer carries the sandbox header and is recorded, errors come in the server's
``{"error": {"message"}}`` shape (closing the connection where the real one does), and the
provider-data header is read the way 0.7.3 reads it. The route modules subclass this.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from console.sandbox.llama_stack.connection import close_after
from console.sandbox.llama_stack.errors import MSG_INTERNAL, NOT_JSON_PAGE
from console.sandbox.llama_stack.identity import SANDBOX_HEADER, SANDBOX_HEADER_VALUE
from console.sandbox.llama_stack.provider_data import PROVIDER_DATA_HEADER, azure_provider_data
from console.sandbox.llama_stack.records import StackRequest
from console.sandbox.llama_stack.run_config import ProviderEntry
from console.sandbox.llama_stack.stand_in import LlamaStackStandIn
from console.sandbox.llama_stack.upstream import Upstream
from console.sandbox.servers import drop_connection


class StackHandlers:
    """The plumbing the Llama Stack routes share, over one stand-in."""

    def __init__(self, stand_in: LlamaStackStandIn) -> None:
        self.stand_in = stand_in

    def upstream(self) -> Upstream:
        return Upstream(self.stand_in.upstream_verify)

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
            close_after(request)
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

    def _api_key(self, request: Request, provider: ProviderEntry) -> str | None:
        """Header key when the provider data validates, else the config key, else None."""
        data = azure_provider_data(self._provider_data(request))
        if data is not None and data["azure_api_key"]:
            return str(data["azure_api_key"])
        configured = provider.config.get("api_key")
        return str(configured) if configured else None
