"""Run an ASGI app on loopback in a background thread, optionally over TLS.

The stand-ins must behave like remote services to the clients under test (real sockets,
real TLS, real connection reuse), yet start and stop at once inside a test or the `demo`
command. uvicorn gives the real HTTP stack; this module owns the listening socket, so that
it binds 127.0.0.1 only, picks a free port without races and sets ``TCP_NODELAY``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Paths a TLS server and its clients need: the CA to trust, the server's cert and key."""

    ca_pem: Path
    server_pem: Path
    server_key: Path


class ServerStartError(RuntimeError):
    """The server thread ended, or did not accept connections, before start() timed out."""


class _QuietStop(logging.Filter):
    """Drop uvicorn's reports of the requests `LocalServer.stop` cancels on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, asyncio.CancelledError):
            return False
        return "timeout graceful shutdown exceeded" not in str(record.msg)


def _install_quiet_stop() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietStop) for f in logger.filters):
        logger.addFilter(_QuietStop())


def _make_listening_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
    # ``proto`` says TCP, and accepted sockets inherit ``proto`` from the listener.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no delayed-ACK wait
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


DROP_EXTENSION = "lightspeed.drop_connection"


def _transport_of(send: Send) -> asyncio.BaseTransport | None:
    """The connection's transport behind uvicorn's ``send``, or None on another server.

    ASGI has no way to drop a connection without answering; uvicorn's ``send`` is a bound
    method of the request cycle, which holds the transport.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    return transport if isinstance(transport, asyncio.BaseTransport) else None


class _DropSupport:
    """Outermost ASGI wrapper that lets an app abort its connection (see `drop_connection`)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = _transport_of(send)
        if transport is not None and scope.get("type") == "http":
            extensions = scope.setdefault("extensions", {})
            extensions[DROP_EXTENSION] = getattr(transport, "abort", transport.close)
        await self._app(scope, receive, send)


async def drop_connection(scope: Scope) -> None:
    """Close the client's connection without sending any answer.

    Real outages often look like this (a load balancer resetting the stream) and clients
    report it differently from an HTTP error, so the stand-ins produce it on demand. After
    this returns, whatever the app sends is discarded. Raises RuntimeError when the app is
    not served by `LocalServer`.
    """
    abort = (scope.get("extensions") or {}).get(DROP_EXTENSION)
    if abort is None:
        raise RuntimeError("connection drop is only available under LocalServer")
    abort()
    # Let uvicorn see connection_lost, so it discards the response instead of sending a 500.
    await asyncio.sleep(0)


class Startable:
    """``with server:`` for anything that starts and stops: start on entry, stop on exit.

    Every stand-in is used both ways (fixtures call start/stop, scripts use ``with``);
    subclasses only write `start` and `stop`.
    """

    def start(self) -> Self:
        """Start serving and return self once ready."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop serving; safe to call more than once."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LocalServer(Startable):
    """An ASGI app served by uvicorn on 127.0.0.1 in a daemon thread.

    Use as a context manager (or call `start` / `stop`). `start` returns once the socket
    accepts connections; `stop` shuts down, joins the thread and closes the socket, so the
    port is free again when it returns.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        tls: TlsFiles | None = None,
        host: str = LOOPBACK,
        port: int = 0,
        name: str = "sandbox",
        graceful_shutdown_s: float = 1.0,
    ) -> None:
        self._app = app
        self._tls = tls
        self._host = host
        self._requested_port = port
        self._name = name
        self._graceful_shutdown_s = graceful_shutdown_s
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port = 0

    @property
    def port(self) -> int:
        """The bound port (0 before `start`)."""
        return self._port

    @property
    def host(self) -> str:
        return self._host

    @property
    def scheme(self) -> str:
        return "https" if self._tls is not None else "http"

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``https://127.0.0.1:40123``."""
        if not self._port:
            raise RuntimeError(f"{self._name} server is not started")
        return f"{self.scheme}://{self._host}:{self._port}"

    @property
    def tls(self) -> TlsFiles | None:
        return self._tls

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> Self:
        """Bind, start the server thread, and wait until it is accepting connections."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} server already started")
        _install_quiet_stop()
        self._sock = _make_listening_socket(self._host, self._requested_port)
        self._port = int(self._sock.getsockname()[1])
        config = uvicorn.Config(
            _DropSupport(self._app),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            ws="none",
            server_header=False,
            timeout_graceful_shutdown=max(1, round(self._graceful_shutdown_s)),
            ssl_certfile=str(self._tls.server_pem) if self._tls else None,
            ssl_keyfile=str(self._tls.server_key) if self._tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"{self._name}-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                error = self._error
                self.stop()
                raise ServerStartError(f"{self._name} server did not start") from error
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # SystemExit on startup failure included
            self._error = exc

    async def _serve(self) -> None:
        assert self._server is not None
        assert self._sock is not None
        self._loop = asyncio.get_running_loop()
        await self._server.serve(sockets=[self._sock])

    def _abort_connections(self) -> None:
        """Runs on the server loop: reset every open connection.

        Idle keep-alive clients never answer a TLS close_notify, so a graceful close would
        hold shutdown until the timeout; a stand-in has nothing to finish gracefully.
        """
        server = self._server
        if server is None:
            return
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if isinstance(transport, asyncio.BaseTransport):
                getattr(transport, "abort", transport.close)()
        # Requests still running (an injected delay) would hold shutdown as well.
        for task in list(server.server_state.tasks):
            task.cancel()

    def stop(self, timeout: float = 5.0) -> None:
        """Shut down and join; idempotent. Closes the listening socket in every case."""
        server, thread, loop = self._server, self._thread, self._loop
        if server is not None:
            server.should_exit = True
        if thread is not None:
            deadline = time.monotonic() + timeout
            while thread.is_alive() and time.monotonic() < deadline:
                if loop is not None and not loop.is_closed():
                    # Open connections are reset rather than drained: a client's idle pooled
                    # connection does not hold the stop up (it takes ~0.2 s even then).
                    with contextlib.suppress(RuntimeError):  # loop closed meanwhile
                        loop.call_soon_threadsafe(self._abort_connections)
                thread.join(0.05)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock = None
        self._server = None
        self._thread = None
        self._loop = None

    def __repr__(self) -> str:
        where = f"{self.scheme}://{self._host}:{self._port}" if self._port else "not started"
        return f"<LocalServer {self._name} {where}>"


def port_is_listening(port: int, host: str = LOOPBACK, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port (used to check cleanup)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
