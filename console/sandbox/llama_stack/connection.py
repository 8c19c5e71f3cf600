"""Closing the keep-alive connection after an error, as the real server ends up doing.

The real server's generic exception handler runs inside Starlette's
``ServerErrorMiddleware``, which re-raises after answering; uvicorn then closes the
connection. Clients that reuse it may see a reset, so the stand-in does the same after the
answers a handler flags with `close_after`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request


def close_after(request: Request) -> None:
    """Ask `ConnectionCloser` to close the connection once this answer is sent."""
    request.state.close_connection = True


class ConnectionCloser:
    """Closes the keep-alive connection after answers flagged by `close_after`."""

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
