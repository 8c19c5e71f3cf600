"""``lightspeed-console serve``: the console in a browser, on loopback, for the holder of the URL.

Each test starts the real command, reads the URL it prints, and talks to it over real
sockets: HTTP with httpx, the WebSocket with aiohttp's client (a browser's part), a tab's
console being a real ``lightspeed-console tui`` process.
"""

from __future__ import annotations

import asyncio
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
import pytest

from console.cli import build_parser
from console.commands.serve import serve_command

MARK = "LSC_SERVE_MARK"
EVIL_ORIGIN = "https://evil.example"


@dataclass
class Served:
    """One ``serve`` process, the URL it printed, and what it said."""

    process: subprocess.Popen[str]
    url: str
    mark: str
    said: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.split(":")[2].split("/")[0])

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, token: str | None) -> str:
        query = "width=80&height=24" + (f"&token={token}" if token is not None else "")
        return f"ws://127.0.0.1:{self.port}/ws?{query}"

    def stop(self, signum: int) -> tuple[int, str, str]:
        """Signal it; its exit code, stdout and the rest of stderr (a hang fails the test)."""
        self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, "".join(self.said) + err

    def consoles(self) -> list[int]:
        """Live processes started by this ``serve`` (they carry its marker), itself excepted."""
        needle = f"{MARK}={self.mark}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self.process.pid:
                continue
            try:
                if needle in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found


def start(tmp_path: Path, *words: str) -> Served:
    """Start ``serve --port 0`` and wait (bounded) for the line with its URL."""
    mark = uuid.uuid4().hex
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", "--port", "0", "--read-only", *words],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, MARK: mark, "NO_COLOR": "1"},
    )
    said: list[str] = []
    assert process.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not selector.select(timeout=1):
                continue
            line = process.stderr.readline()
            if not line:
                break
            said.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line)
            if found:
                return Served(process, found.group(), mark, said)
    process.kill()
    raise AssertionError(f"serve printed no URL: {''.join(said)}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = start(tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=10)
    for pid in running.consoles():  # never leave a failed test's consoles running
        os.kill(pid, signal.SIGKILL)


def get(served: Served, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{served.port}{path}", headers=headers, timeout=10)


async def first_frame(served: Served, url: str, **headers: str) -> aiohttp.WSMessage:
    """Open a WebSocket as a browser tab would and return the first frame its console sends."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, headers=headers) as websocket,
    ):
        return await websocket.receive(timeout=60)


async def ws_refusal(url: str, **headers: str) -> int:
    """The status a WebSocket client gets for an upgrade that must be refused."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(url, headers=headers)
    return refused.value.status


def upgrade_refusal_text(url: str, **headers: str) -> tuple[int, str]:
    """The status and body of the same upgrade request sent by hand (a browser's headers)."""
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    answer = httpx.get(url.replace("ws://", "http://"), headers={**upgrade, **headers}, timeout=10)
    return answer.status_code, answer.text


def test_serve_passes_the_tui_options_on(tmp_path: Path) -> None:
    config = tmp_path / "lightspeed-stack.yaml"
    args = build_parser().parse_args(
        ["serve", "--port", "9999", "-c", str(config), "--url", "http://x:8321", "--read-only"]
    )
    command = serve_command(args)
    assert command.startswith(f"exec {sys.executable} -m console tui ")
    assert f"--config {config.resolve()}" in command
    assert "--url http://x:8321" in command
    assert "--read-only" in command
    assert "--port" not in command
    assert "--retries" not in command


def test_the_url_is_printed_once_with_a_token_new_each_run(tmp_path: Path) -> None:
    first, second = start(tmp_path), start(tmp_path)
    try:
        assert len(first.token) >= 40
        assert first.token != second.token
        code, out, err = first.stop(signal.SIGTERM)
        assert code == 0
        assert (out + err).count(first.token) == 1
    finally:
        for running in (first, second):
            running.process.kill()
            running.process.wait(timeout=10)


def test_the_right_token_gets_the_page_and_a_cookie_for_the_rest(served: Served) -> None:
    page = httpx.get(served.url, timeout=10)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "lightspeed-console" in page.text
    assert f"ws://127.0.0.1:{served.port}/ws" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    cookie = page.cookies.get(f"lightspeed-console-token-{served.port}")
    assert cookie == served.token
    assert "httponly" in page.headers["set-cookie"].lower()
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    # the page's script comes without the query: the cookie lets it in
    cookie_header = f"lightspeed-console-token-{served.port}={served.token}"
    assert get(served, "/static/js/textual.js", Cookie=cookie_header).status_code == 200
    assert get(served, "/static/js/textual.js").status_code == 403


def test_localhost_is_served_too_with_its_own_urls(served: Served) -> None:
    page = httpx.get(served.url.replace("127.0.0.1", "localhost"), timeout=10)
    assert page.status_code == 200
    assert f"ws://localhost:{served.port}/ws" in page.text


@pytest.mark.parametrize(
    ("case", "path", "headers", "reason"),
    [
        ("missing token", "/", {}, "no token"),
        ("wrong token", "/?token=not-the-token", {}, "wrong token"),
        ("foreign origin", "/?token={token}", {"Origin": EVIL_ORIGIN}, "another site"),
        ("another port's page", "/?token={token}", {"Origin": "http://127.0.0.1:1"}, "another"),
        ("rebinding host", "/?token={token}", {"Host": "evil.example:{port}"}, "Host header"),
        ("static without token", "/static/js/textual.js", {}, "no token"),
        ("download without token", "/download/x", {}, "no token"),
    ],
)
def test_http_requests_are_refused(
    served: Served, case: str, path: str, headers: dict[str, str], reason: str
) -> None:
    path = path.format(token=served.token)
    headers = {k: v.format(port=served.port) for k, v in headers.items()}
    answer = get(served, path, **headers)
    assert answer.status_code == 403, case
    assert reason in answer.text
    assert served.token not in answer.text
    assert "<html" not in answer.text.lower()


@pytest.mark.parametrize(
    ("case", "token", "headers", "reason"),
    [
        ("missing token", None, {}, "no token"),
        ("wrong token", "not-the-token", {}, "wrong token"),
        ("foreign origin", "{token}", {"Origin": EVIL_ORIGIN}, "another site"),
        ("rebinding host", "{token}", {"Host": "evil.example:{port}"}, "Host header"),
        (
            "rebinding host, its own origin",
            "{token}",
            {"Host": "evil.example:{port}", "Origin": "http://evil.example:{port}"},
            "Host header",
        ),
    ],
)
def test_websocket_upgrades_are_refused(
    served: Served, case: str, token: str | None, headers: dict[str, str], reason: str
) -> None:
    url = served.ws_url(token.format(token=served.token) if token is not None else None)
    headers = {k: v.format(port=served.port) for k, v in headers.items()}
    assert asyncio.run(ws_refusal(url, **headers)) == 403, case
    status, body = upgrade_refusal_text(url, **headers)
    assert status == 403
    assert reason in body
    assert served.consoles() == [], "a refused tab started a console"


def test_a_websocket_with_the_token_and_the_pages_origin_drives_a_console(served: Served) -> None:
    frame = asyncio.run(first_frame(served, served.ws_url(served.token), Origin=served.origin))
    assert frame.type == aiohttp.WSMsgType.BINARY
    cookie = f"lightspeed-console-token-{served.port}={served.token}"
    frame = asyncio.run(
        first_frame(served, served.ws_url(None), Origin=served.origin, Cookie=cookie)
    )
    assert frame.type == aiohttp.WSMsgType.BINARY


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("tab", ["reading", "silent"])
def test_stopping_with_tabs_open_closes_them_and_leaves_nothing(
    served: Served, signum: int, tab: str
) -> None:
    """A tab that reads gets a close frame; one that never reads is cut off; both consoles end."""

    async def scenario() -> tuple[aiohttp.WSMessage | None, tuple[int, str, str]]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                served.ws_url(served.token), headers={"Origin": served.origin}
            ) as websocket,
        ):
            first = await websocket.receive(timeout=60)
            assert first.type == aiohttp.WSMsgType.BINARY
            assert served.consoles(), "the tab's console is not running"
            stopped = asyncio.create_task(asyncio.to_thread(served.stop, signum))
            last = None
            if tab == "reading":
                while True:
                    last = await websocket.receive(timeout=60)
                    if last.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                        break
            return last, await stopped

    last, (code, out, err) = asyncio.run(scenario())
    assert code == 0, err
    assert "Traceback" not in out + err
    if last is not None:
        assert last.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    deadline = time.monotonic() + 20  # a hang guard, not a measurement
    while served.consoles() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served.consoles() == [], "a tab's console outlived serve"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", served.port)) != 0


def test_a_second_signal_while_stopping_is_not_an_error(served: Served) -> None:
    async def scenario() -> tuple[int, str, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                served.ws_url(served.token), headers={"Origin": served.origin}
            ) as websocket,
        ):
            await websocket.receive(timeout=60)
            served.process.send_signal(signal.SIGINT)
            served.process.send_signal(signal.SIGINT)
            return await asyncio.to_thread(served.stop, signal.SIGTERM)

    code, out, err = asyncio.run(scenario())
    assert code == 0, err
    assert "Traceback" not in out + err


def test_a_port_in_use_is_an_error_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "console", "serve", "--port", str(port)],
            check=False,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
            env={**os.environ, "NO_COLOR": "1"},
        )
    assert done.returncode == 2
    assert f"127.0.0.1:{port} is in use" in done.stderr
    assert "--port" in done.stderr
    assert "serving" not in done.stderr + done.stdout
    assert "token=" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
