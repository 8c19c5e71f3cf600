"""textual-serve's server, guarded by `console.serving.access`, bound first and stopped promptly.

textual-serve (``textual_serve.server.Server``) serves a page and a WebSocket per browser tab,
each tab driving its own ``lightspeed-console tui`` process. `GuardedServer` checks every
request first, serves on a socket bound before anything is printed, caps the tabs open at
once, and on a signal ends every tab's console, leaving nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from console.serving.access import HOST, TOKEN_PARAMETER, Access
from console.serving.page import CONTENT_SECURITY_POLICY, self_contained
from console.serving.tabs import MAX_TABS, SERVE_PID_VARIABLE, TOO_MANY_TABS
from console.shared.output import narrate

CLOSE_TIMEOUT_S = 2.0
"""How long a tab's WebSocket may take to answer the close."""

QUIT_GRACE_S = 3.0
"""How long a tab's console process has to quit after its tab is closed, before SIGTERM
(and as long again before SIGKILL)."""

SHUTDOWN_TIMEOUT_S = 5.0
"""aiohttp's wait for request handlers still running once every tab is closed."""

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
"""What stops ``serve``: each ends every tab's console first (SIGHUP and SIGQUIT too: by
default they would end ``serve`` alone and leave its consoles running)."""

_LOGGERS = ("textual-serve", "aiohttp.server", "aiohttp.web", "lightspeed-console.serve")
log = logging.getLogger("lightspeed-console.serve")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PortUnavailable(Exception):
    """The port cannot be listened on; nothing was served or printed."""

    def __init__(self, port: int, error: OSError) -> None:
        self.port = port
        if error.errno == errno.EADDRINUSE:
            self.message = f"{HOST}:{port} is in use: another program listens there"
            self.remedy = "Choose another port with --port (--port 0 picks a free one)."
        elif error.errno == errno.EACCES:
            self.message = f"not allowed to listen on {HOST}:{port}"
            self.remedy = "Ports below 1024 need privileges: choose one above with --port."
        else:
            self.message = f"cannot listen on {HOST}:{port}: {error.strerror or error}"
            self.remedy = "Choose another port with --port (--port 0 picks a free one)."
        super().__init__(self.message)


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0: any free port), or `PortUnavailable`.

    SO_REUSEADDR as aiohttp sets it: a restart need not wait out the old connections'
    TIME_WAIT, while a port another socket listens on is still refused.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
        listener.listen(128)
    except OSError as error:
        listener.close()
        raise PortUnavailable(port, error) from None
    return listener


def guard(access: Access) -> Any:
    """The aiohttp middleware that applies `Access.refusal` to every request."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        query_token = request.query.get(TOKEN_PARAMETER)
        reason = access.refusal(
            host=request.headers.get("Host"),
            origin=request.headers.get("Origin"),
            query_token=query_token,
            cookie_token=request.cookies.get(access.cookie_name),
        )
        if reason is not None:
            kind = "WebSocket" if request.headers.get("Upgrade") else "request"
            log.warning("refused a %s from %s: %s", kind, request.remote, reason.split(": ", 1)[1])
            return _no_referrer(web.Response(status=403, text=reason + "\n"))
        response = await handler(request)
        if query_token is not None and not response.prepared:
            response.set_cookie(
                access.cookie_name, access.token, httponly=True, samesite="Strict", path="/"
            )
        return _no_referrer(response) if not response.prepared else response

    return middleware


def _no_referrer(response: web.StreamResponse) -> web.StreamResponse:
    """The page's URL holds the token: it must never travel to another site as a Referer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


class _StderrLog(logging.Handler):
    """textual-serve's and aiohttp's log lines as narration on stderr, without tracebacks."""

    def emit(self, record: logging.LogRecord) -> None:
        style = "red" if record.levelno >= logging.ERROR else None
        if record.levelno == logging.WARNING:
            style = "yellow"
        narrate(f"serve: {record.getMessage()}", style)


class GuardedServer(Server):
    """textual-serve's `Server` behind the token, Host and Origin checks, on a bound socket.

    It changes these things and keeps the rest:

    - every request passes `Access.refusal` first (an aiohttp middleware on textual-serve's
      app): a refused one gets 403 and a one-line reason, and a refused WebSocket is never
      upgraded; the first request with the right ``?token=`` sets the token cookie;
    - the page's URLs use the host the browser asked for (``localhost`` or ``127.0.0.1``), so
      its scripts and WebSocket go where the cookie was set, and it loads nothing from
      another site (its font comes from ``serve``: `console.serving.page`);
    - it serves on a socket bound before anything is printed (`bind`), so a port in use is
      an error before any banner, and it logs on stderr without query strings (the token
      is in one);
    - it runs at most ``max_tabs`` tabs at once (`console.serving.tabs`): one more is
      refused with 503 and a one-line reason before its console starts;
    - stopping (SIGINT, SIGTERM, SIGHUP or SIGQUIT) closes every tab's WebSocket, gives
      each console process a moment to quit and then ends it, so nothing is left behind,
      no traceback is printed, and a second signal while stopping is not an error. Each
      console also knows its ``serve`` (`console.serving.tabs.SERVE_PID_VARIABLE`) and ends
      with it, should ``serve`` be killed outright.
    """

    def __init__(
        self, command: str, access: Access, listener: socket.socket, max_tabs: int = MAX_TABS
    ) -> None:
        super().__init__(command, host=HOST, port=access.port, title="lightspeed-console")
        self.access = access
        self.listener = listener
        self.max_tabs = max_tabs
        self.sessions: dict[web.WebSocketResponse, AppService] = {}
        """The open tabs: each WebSocket and the console process it drives."""
        self.tabs = 0
        """Tabs accepted and not yet closed (counted before their console starts)."""
        self._services: dict[asyncio.Task[Any] | None, AppService] = {}
        """Each tab's console, by the task that serves the tab (to close its pipe after)."""
        self.stopping = False

    def initialize_logging(self) -> None:
        """Log to stderr, errors and refusals only; aiohttp's access log is off (it would
        print every URL, the one with the token included)."""
        handler = _StderrLog(logging.INFO)
        for name in _LOGGERS:
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.setLevel(logging.WARNING)
            logger.propagate = False

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(guard(self.access))
        app.middlewares.append(self.tab_limit())
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Say nothing here: ``serve`` printed the URL once the socket was bound."""

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page, with its URLs on the host the browser used (checked by the guard), and
        nothing loaded from another site (`console.serving.page`: the font is served here)."""
        base = f"http://{request.host}"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"ws://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.text = self_contained(response.text or "", f"{base}/static/")
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's tab, counted from before its console starts to after it ends.

        Once the tab is closed, its console is made sure to end (`_end`: it was asked to
        quit; else SIGTERM, then SIGKILL) and the pipe to it is closed: textual-serve
        leaves both, so a closed tab's console could outlive the tab, and its pipes were
        closed only when collected after the event loop had closed, which printed
        "Exception ignored ... Event loop is closed" on stderr.
        """
        self.tabs += 1
        task = asyncio.current_task()
        try:
            return await super().handle_websocket(request)
        finally:
            service = self._services.pop(task, None)
            if service is not None:
                await _end(service)
                with contextlib.suppress(Exception):  # already closed
                    service.stdin.close()
            self.tabs -= 1

    def tab_limit(self) -> Any:
        """The middleware that refuses a tab (503) when ``max_tabs`` are open or ``serve``
        is stopping, before the WebSocket is upgraded or a console started. Between it and
        `handle_websocket` nothing awaits, so two tabs cannot both take the last place."""

        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path == "/ws" and (self.tabs >= self.max_tabs or self.stopping):
                reason = TOO_MANY_TABS.format(count=self.tabs)
                if self.stopping:
                    reason = "refused: lightspeed-console serve is stopping"
                log.warning("refused a WebSocket from %s: %s", request.remote, reason)
                return _no_referrer(web.Response(status=503, text=reason + "\n"))
            return await handler(request)

        return middleware

    async def _process_messages(
        self, websocket: web.WebSocketResponse, app_service: AppService
    ) -> None:
        self.sessions[websocket] = app_service
        self._services[asyncio.current_task()] = app_service
        try:
            await super()._process_messages(websocket, app_service)
        finally:
            self.sessions.pop(websocket, None)

    def request_exit(self) -> None:
        """The first stop signal stops the server; later ones, while it stops, do nothing."""
        if self.stopping:
            return
        self.stopping = True
        if self.sessions:
            narrate(f"stopping: closing {len(self.sessions)} browser session(s)")
        raise GracefulExit

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every tab, then make sure its console process has ended."""
        sessions = list(self.sessions.items())
        await asyncio.gather(*(_close(websocket) for websocket, _ in sessions))
        await asyncio.gather(*(_end(service) for _, service in sessions))

    def run(self) -> None:
        """Serve on the bound socket until a stop signal (`STOP_SIGNALS`)."""
        self.initialize_logging()
        os.environ[SERVE_PID_VARIABLE] = str(os.getpid())  # the tabs' consoles inherit it
        loop = asyncio.new_event_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, self.request_exit)
        web.run_app(
            self._make_app(),
            sock=self.listener,
            handle_signals=False,
            loop=loop,
            print=None,
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )


async def _close(websocket: web.WebSocketResponse) -> None:
    """Close one tab's WebSocket, without waiting long for a browser that does not answer."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(
            websocket.close(code=WSCloseCode.GOING_AWAY, message=b"lightspeed-console stopped"),
            CLOSE_TIMEOUT_S,
        )


async def _end(service: AppService) -> None:
    """Wait for a tab's console process to quit (textual-serve asks it to), then end it.

    textual-serve keeps the process in ``AppService._process``; without one (a tab that
    never started its process) there is nothing to end.
    """
    process: asyncio.subprocess.Process | None = getattr(service, "_process", None)
    if process is None:
        return
    for stop in (None, process.terminate, process.kill):
        if stop is not None:
            with contextlib.suppress(ProcessLookupError):
                stop()
        try:
            await asyncio.wait_for(process.wait(), QUIT_GRACE_S)
        except TimeoutError:
            continue
        return
