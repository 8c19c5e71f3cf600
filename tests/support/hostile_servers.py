"""Hostile HTTP servers for the tests: endless, huge, dripping, deep and redirecting answers.

The stand-ins of `console.sandbox` answer like the real services; these answer like a
broken or malicious one, byte by byte: a ``/v1/version`` that never ends, a completion of a
gigabyte, an event stream that never stops, a body dripped one byte every few seconds, JSON
nested 200,000 deep, a ``307`` to another origin. They are raw asyncio servers (no
framework in between to buffer, frame or refuse what they write), each on 127.0.0.1 on a
free port, in a daemon thread with its own loop.

Each is bounded, so a test that goes wrong cannot take the machine with it: at most
``max_connections`` connections are served (later ones are closed at once), every answer
is cut after ``max_seconds``, and `HostileServer.stop` (the fixture's teardown) closes
every connection. An "endless" answer is endless for the client under test, not for the
suite.

`stack_routes` is a small Llama Stack (version, providers with an Azure provider, models,
a chat completion) whose routes a test replaces one at a time with a hostile behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

LOOPBACK = "127.0.0.1"
MAX_CONNECTIONS = 64
MAX_SECONDS = 60.0
"""No answer lasts longer than this, whatever the behaviour says."""
CHUNK = 64 * 1024
AZURE_BASE_URL = "https://hostile.openai.azure.com/openai/v1"
MODEL_ID = "azure/gpt-4o-mini"


@dataclass(frozen=True)
class Received:
    """One request as the server read it (header names in lower case)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def route(self) -> str:
        """The path without its query."""
        return self.path.split("?", 1)[0]


class Answer:
    """What a handler writes to: the raw connection, with helpers for an HTTP/1.1 answer."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer

    async def write(self, data: bytes) -> None:
        """Send ``data`` and wait until the client has taken it (back-pressure).

        Raises ConnectionResetError once the client is gone, so an endless answer ends
        there (asyncio would otherwise log each write to a lost connection).
        """
        if self.writer.transport.is_closing():
            raise ConnectionResetError("the client went away")
        self.writer.write(data)
        await self.writer.drain()
        # drain() returns at once while the buffer is low, and a transport whose socket is
        # gone discards writes: without a turn of the loop here, the loss is never noticed
        # and an endless answer spins on one core.
        await asyncio.sleep(0)

    async def head(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        *,
        length: int | None = None,
        content_type: str = "application/json",
    ) -> None:
        """The status line and headers; no length means the body ends when the connection does.

        Every answer closes its connection (one request per connection), and says so.
        """
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        lines.append(f"content-type: {content_type}")
        if length is not None:
            lines.append(f"content-length: {length}")
        lines.append("connection: close")
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        await self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def json(
        self, value: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        """A whole JSON answer with its length."""
        body = json.dumps(value).encode()
        await self.head(status, headers, length=len(body))
        await self.write(body)


Handler = Callable[[Received, Answer], Awaitable[None]]

_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    404: "Not Found",
}


# ------------------------------------------------------------------------------ behaviours


def json_answer(value: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Handler:
    """A well-formed JSON answer."""

    async def handle(_: Received, answer: Answer) -> None:
        await answer.json(value, status, headers)

    return handle


def raw_answer(body: bytes, content_type: str = "application/json") -> Handler:
    """``body`` exactly as given (JSON too deep or too long for `json.dumps` to write)."""

    async def handle(_: Received, answer: Answer) -> None:
        await answer.head(length=len(body), content_type=content_type)
        await answer.write(body)

    return handle


def endless(
    prefix: bytes, fill: bytes = b"9" * CHUNK, *, content_type: str = "application/json"
) -> Handler:
    """``prefix`` and then ``fill`` again and again, never a length nor an end."""

    async def handle(_: Received, answer: Answer) -> None:
        await answer.head(content_type=content_type)
        await answer.write(prefix)
        while True:
            await answer.write(fill)

    return handle


def huge_completion(size: int) -> Handler:
    """A well-formed chat completion whose answer makes the body ``size`` bytes, with its length."""
    head = (
        b'{"id":"chatcmpl-hostile","object":"chat.completion","created":1,"model":"gpt-4o-mini",'
        b'"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"'
    )
    tail = b'"}}]}'

    async def handle(_: Received, answer: Answer) -> None:
        await answer.head(length=size)
        await answer.write(head)
        left = size - len(head) - len(tail)
        block = b"a" * CHUNK
        while left > 0:
            await answer.write(block[: min(left, CHUNK)])
            left -= CHUNK
        await answer.write(tail)

    return handle


def sse_chunk(text: str) -> bytes:
    """One chat-completion chunk as a server-sent event."""
    chunk = {
        "id": "chatcmpl-hostile",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


def endless_stream(text: str = "x" * 1000, *, every_s: float = 0.0) -> Handler:
    """An event stream of chat-completion chunks that never sends ``[DONE]``."""
    event = sse_chunk(text) * (1 if every_s else 16)

    async def handle(_: Received, answer: Answer) -> None:
        await answer.head(content_type="text/event-stream")
        while True:
            await answer.write(event)
            if every_s:
                await asyncio.sleep(every_s)

    return handle


def drip(body: bytes, every_s: float = 4.0, *, content_type: str = "application/json") -> Handler:
    """``body`` with its length, one byte every ``every_s`` seconds (each read is quick)."""

    async def handle(_: Received, answer: Answer) -> None:
        await answer.head(length=len(body), content_type=content_type)
        for index in range(len(body)):
            await answer.write(body[index : index + 1])
            await asyncio.sleep(every_s)

    return handle


def nested(depth: int, key: str = "data") -> Handler:
    """``{"<key>": [[[...]]]}`` nested ``depth`` lists deep."""
    return raw_answer(b'{"' + key.encode() + b'": ' + b"[" * depth + b"]" * depth + b"}")


def redirect(location: str, status: int = 307) -> Handler:
    """A redirect to ``location`` (another origin, a downgrade, a path on this server)."""

    async def handle(_: Received, answer: Answer) -> None:
        await answer.head(status, {"location": location}, length=0)

    return handle


def version_of(text: str) -> bytes:
    """A ``/v1/version`` body whose version is ``text`` written as a bare JSON number."""
    return b'{"version": ' + text.encode() + b"}"


# ------------------------------------------------------------------------------ a Llama Stack


def provider_listing(base_url: str = AZURE_BASE_URL) -> dict[str, Any]:
    return {
        "data": [
            {
                "api": "inference",
                "provider_id": "azure",
                "provider_type": "remote::azure",
                "config": {"base_url": base_url, "api_key": "********"},
            }
        ]
    }


def model_listing() -> dict[str, Any]:
    return {
        "data": [
            {
                "id": MODEL_ID,
                "object": "model",
                "created": 1,
                "owned_by": "llama_stack",
                "custom_metadata": {
                    "provider_id": "azure",
                    "provider_resource_id": "gpt-4o-mini",
                    "model_type": "llm",
                },
            }
        ]
    }


def completion(text: str = "pong") -> dict[str, Any]:
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def stack_routes(server_version: str = "0.7.3", **overrides: Handler) -> dict[str, Handler]:
    """A Llama Stack that answers well; ``overrides`` replace routes by name.

    Names: ``version``, ``providers``, ``models``, ``chat`` (``/v1/chat/completions``),
    ``health``.
    """
    routes: dict[str, Handler] = {
        "version": json_answer({"version": server_version}),
        "providers": json_answer(provider_listing()),
        "models": json_answer(model_listing()),
        "chat": json_answer(completion()),
        "health": json_answer({"status": "OK"}),
    }
    unknown = set(overrides) - set(routes)
    if unknown:
        raise ValueError(f"unknown routes: {sorted(unknown)}")
    routes |= overrides
    return {
        f"/v1/{'chat/completions' if name == 'chat' else name}": h for name, h in routes.items()
    }


# ------------------------------------------------------------------------------ the server


THREAD_NAME = "hostile-server"


class _QuietLostWrites(logging.Filter):
    """Drop asyncio's report of writes to a connection the client closed, from these servers
    only: an endless answer over TLS writes a few records more before it learns of the close."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.threadName == THREAD_NAME
            and "socket.send() raised exception" in record.getMessage()
        )


def _install_quiet_lost_writes() -> None:
    logger = logging.getLogger("asyncio")
    if not any(isinstance(item, _QuietLostWrites) for item in logger.filters):
        logger.addFilter(_QuietLostWrites())


@dataclass
class HostileServer:
    """An HTTP server on 127.0.0.1 whose routes (paths) are `Handler`s; ``with`` starts it.

    ``received`` lists the requests read (at most ``max_connections`` of them).
    """

    routes: Mapping[str, Handler]
    tls: ssl.SSLContext | None = None
    max_connections: int = MAX_CONNECTIONS
    max_seconds: float = MAX_SECONDS
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _server: asyncio.Server | None = field(default=None, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, repr=False)
    _connections: int = 0

    @property
    def url(self) -> str:
        """``http(s)://127.0.0.1:<port>``."""
        return f"{'https' if self.tls else 'http'}://{LOOPBACK}:{self.port}"

    def requests_to(self, route: str) -> list[Received]:
        """The requests received for ``route``."""
        return [item for item in self.received if item.route == route]

    def start(self) -> Self:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve, LOOPBACK, 0, ssl=self.tls)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as error:  # said to the starting thread
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        _install_quiet_lost_writes()
        self._thread = threading.Thread(target=run, name=THREAD_NAME, daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            raise RuntimeError(f"hostile server did not start: {failure}")
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return

        async def shut() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(shut(), loop)
        thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._connections += 1
        try:
            if self._connections > self.max_connections:
                return
            async with asyncio.timeout(self.max_seconds):
                await self._one(reader, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        except asyncio.CancelledError:  # stopped: end quietly (asyncio reports a cancelled one)
            pass
        finally:
            self._tasks.discard(task)
            writer.transport.abort()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One request per connection (every answer closes or is cut)."""
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        body = await reader.readexactly(min(length, 1024 * 1024)) if length else b""
        request = Received(method, path, headers, body)
        if len(self.received) < self.max_connections:
            self.received.append(request)
        handler = self.routes.get(request.route)
        answer = Answer(writer)
        if handler is None:
            await answer.json({"detail": f"no route {request.route}"}, 404)
            return
        await handler(request, answer)
        with contextlib.suppress(ConnectionError):
            await writer.drain()


def tls_context(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 from an ephemeral CA, and the CA's PEM file."""
    from console.sandbox.ca import issue_local_tls

    files = issue_local_tls(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.server_pem, files.server_key)
    return context, files.ca_pem


@contextlib.contextmanager
def serving(routes: Mapping[str, Handler], **options: Any) -> Iterator[HostileServer]:
    """``with serving(routes) as server:`` for a script; tests use the fixture."""
    server = HostileServer(routes, **options).start()
    try:
        yield server
    finally:
        server.stop()


class HostileServers:
    """The fixture's factory: ``hostile(routes)`` starts a server, teardown stops them all."""

    def __init__(self) -> None:
        self.started: list[HostileServer] = []

    def __call__(self, routes: Mapping[str, Handler], **options: Any) -> HostileServer:
        server = HostileServer(routes, **options).start()
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()
        self.started.clear()


# ------------------------------------------------------------------------------ an authority

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def unsigned_jwt(claims: Mapping[str, Any] | bytes) -> str:
    """A JWT with these claims (raw JSON bytes allowed: ``exp`` of 10**400), signature junk."""
    import base64

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    payload = claims if isinstance(claims, bytes) else json.dumps(dict(claims)).encode()
    return f"{part(b'{"alg": "RS256", "typ": "JWT"}')}.{part(payload)}.c2lnbmF0dXJl"


def token_answer(access_token: str, expires_in: Any = 3599) -> Handler:
    """The token endpoint's answer; ``expires_in`` as given (a number, or raw JSON text)."""
    raw = expires_in if isinstance(expires_in, str) else json.dumps(expires_in)
    body = (
        '{"token_type": "Bearer", "expires_in": ' + raw + ', "ext_expires_in": 3599, '
        '"access_token": ' + json.dumps(access_token) + "}"
    ).encode()
    return raw_answer(body)


def authority_routes(tenant: str = TENANT, **overrides: Handler) -> dict[str, Handler]:
    """An Entra ID authority (HTTPS) for ``tenant``: its discovery document and token
    endpoint; ``overrides`` replace ``discovery`` or ``token``."""

    async def discovery(request: Received, answer: Answer) -> None:
        base = f"https://{request.headers.get('host', LOOPBACK)}/{tenant}"
        await answer.json(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "issuer": f"{base}/v2.0",
            }
        )

    claims = {"aud": "https://cognitiveservices.azure.com", "tid": tenant, "exp": 4102444800}
    routes: dict[str, Handler] = {
        "discovery": discovery,
        "token": token_answer(unsigned_jwt(claims)),
    }
    routes |= overrides
    return {
        f"/{tenant}/v2.0/.well-known/openid-configuration": routes["discovery"],
        f"/{tenant}/oauth2/v2.0/token": routes["token"],
    }
