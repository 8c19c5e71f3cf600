"""LocalServer: loopback only, fast, TLS that verifies, a clean stop, connection drops."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.sandbox.ca import issue_local_tls
from console.sandbox.servers import LocalServer, drop_connection, port_is_listening


async def hello(request: Request) -> Response:
    return JSONResponse({"hello": request.url.path})


async def hang(request: Request) -> Response:
    await asyncio.sleep(30)
    return JSONResponse({})


async def drop(request: Request) -> Response:
    await drop_connection(request.scope)
    return JSONResponse({"never": "sent"})


APP = Starlette(routes=[Route("/", hello), Route("/hang", hang), Route("/drop", drop)])


def test_serves_on_loopback_and_frees_the_port() -> None:
    with LocalServer(APP) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert httpx.get(server.url + "/").json() == {"hello": "/"}
        port = server.port
    assert not port_is_listening(port)


def test_tls_with_the_sandbox_ca(tmp_path: Path) -> None:
    tls = issue_local_tls(tmp_path)
    with LocalServer(APP, tls=tls) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with httpx.Client(verify=ssl.create_default_context(cafile=tls.ca_pem)) as client:
            assert client.get(server.url + "/").status_code == 200
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.url + "/")  # the system trust store does not know the CA


def test_small_requests_are_not_delayed_by_nagle() -> None:
    with LocalServer(APP) as server, httpx.Client() as client:
        client.get(server.url + "/")
        started = time.perf_counter()
        for _ in range(20):
            client.get(server.url + "/")
        per_request = (time.perf_counter() - started) / 20
    assert per_request < 0.02  # ~1 ms here; ~40 ms each without TCP_NODELAY


def test_drop_closes_without_an_answer_and_the_server_keeps_serving() -> None:
    with LocalServer(APP) as server, httpx.Client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(server.url + "/drop")
        assert client.get(server.url + "/").status_code == 200


def test_stop_is_quick_with_idle_keepalive_and_hanging_requests(tmp_path: Path) -> None:
    tls = issue_local_tls(tmp_path)
    server = LocalServer(APP, tls=tls).start()
    client = httpx.Client(verify=ssl.create_default_context(cafile=tls.ca_pem), timeout=30)
    client.get(server.url + "/")  # leaves an idle pooled TLS connection

    errors: list[BaseException] = []

    def hanging() -> None:
        try:
            httpx.get(
                server.url + "/hang",
                verify=ssl.create_default_context(cafile=tls.ca_pem),
                timeout=30,
            )
        except httpx.HTTPError as exc:
            errors.append(exc)

    thread = threading.Thread(target=hanging)
    thread.start()
    time.sleep(0.2)
    started = time.perf_counter()
    server.stop()
    elapsed = time.perf_counter() - started
    thread.join(5)
    client.close()
    assert elapsed < 10  # the hanging request would hold a waiting stop for 30 s
    assert errors  # the hanging request was cut, not left waiting
    assert not port_is_listening(server.port)
    server.stop()  # idempotent


def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        _ = LocalServer(APP).url


def test_a_taken_port_fails_to_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"):
            LocalServer(APP, port=port).start()
