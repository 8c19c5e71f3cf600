"""``serve``'s tabs: capped in number, and never outliving ``serve``, however it ends.

Each tab is a ``lightspeed-console tui`` process with the deployment's credentials loaded.
SIGHUP and SIGQUIT used to end ``serve`` alone (their default action) and leave every
tab's console running; a ``serve`` killed outright still does nothing, so each console
watches its ``serve`` itself. The bounds below are hang guards.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.integration.test_serve import Served, start


@pytest.fixture
def cleanup() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(timeout=10)
        for pid in served.consoles():  # never leave a failed test's consoles running
            os.kill(pid, signal.SIGKILL)


def cookie(served: Served) -> dict[str, str]:
    return {"Cookie": f"lightspeed-console-token-{served.port}={served.token}"}


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(what)
        time.sleep(0.2)


async def open_tab(
    session: aiohttp.ClientSession, served: Served
) -> aiohttp.ClientWebSocketResponse:
    websocket = await session.ws_connect(served.ws_url(None), headers=cookie(served))
    await websocket.receive(timeout=60)  # its console drew its first frame
    return websocket


async def open_when_a_slot_is_free(
    session: aiohttp.ClientSession, served: Served, timeout: float = 30.0
) -> aiohttp.ClientWebSocketResponse:
    """A tab, once ``serve`` has counted the closed one out (it learns of it a moment after
    the tab's console has gone: refused with 503 until then)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await open_tab(session, served)
        except aiohttp.WSServerHandshakeError as refused:
            if refused.status != 503 or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGQUIT], ids=lambda sig: sig.name)
def test_hup_or_quit_of_serve_alone_ends_its_consoles(
    tmp_path: Path, cleanup: list[Served], sig: signal.Signals
) -> None:
    served = start(tmp_path)
    cleanup.append(served)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            websocket = await open_tab(session, served)
            assert len(served.consoles()) == 1
            served.process.send_signal(sig)  # serve's PID alone, as `kill -HUP PID` does
            await asyncio.to_thread(served.process.wait, 60)
            await websocket.close()

    asyncio.run(scenario())
    assert served.process.returncode == 0
    wait_for(lambda: not served.consoles(), 30, f"a tab's console outlived serve ({sig.name})")


def test_a_killed_serve_leaves_no_console_behind(tmp_path: Path, cleanup: list[Served]) -> None:
    served = start(tmp_path)
    cleanup.append(served)

    async def scenario() -> list[int]:
        async with aiohttp.ClientSession() as session:
            websocket = await open_tab(session, served)
            consoles = served.consoles()
            served.process.kill()  # no handler runs: the consoles must notice by themselves
            await asyncio.to_thread(served.process.wait, 60)
            await websocket.close()
            return consoles

    consoles = asyncio.run(scenario())
    assert len(consoles) == 1
    wait_for(lambda: not served.consoles(), 30, "a tab's console outlived a killed serve")


def test_tabs_beyond_the_cap_are_refused_until_one_closes(
    tmp_path: Path, cleanup: list[Served]
) -> None:
    served = start(tmp_path, "--max-tabs", "1")
    cleanup.append(served)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            first = await open_tab(session, served)
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(served.ws_url(None), headers=cookie(served))
            assert refused.value.status == 503
            assert len(served.consoles()) == 1  # the refused tab started no console
            await first.close()
            await asyncio.to_thread(
                wait_for, lambda: not served.consoles(), 30, "the closed tab's console lived on"
            )
            second = await open_when_a_slot_is_free(session, served)
            await second.close()

    asyncio.run(scenario())
    code, out, err = served.stop(signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in out + err


def test_the_refusal_says_why_and_what_to_do(tmp_path: Path, cleanup: list[Served]) -> None:
    served = start(tmp_path, "--max-tabs", "1")
    cleanup.append(served)
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        **cookie(served),
    }

    async def scenario() -> httpx.Response:
        async with aiohttp.ClientSession() as session:
            first = await open_tab(session, served)
            url = served.ws_url(None).replace("ws://", "http://")
            answer = await asyncio.to_thread(httpx.get, url, headers=upgrade, timeout=10)
            await first.close()
            return answer

    answer = asyncio.run(scenario())
    assert answer.status_code == 503
    assert "1 browser tabs of this console are open" in answer.text
    assert "--max-tabs" in answer.text
    assert answer.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("value", ["0", "65", "x"])
def test_max_tabs_out_of_range_is_a_usage_error(value: str) -> None:
    from console.cli import main

    with pytest.raises(SystemExit) as ended:
        main(["serve", "--max-tabs", value])
    assert ended.value.code == 2
