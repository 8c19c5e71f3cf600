"""A crash of the console shows no secret, says it is a bug in one line, and exits 70.

Textual's own crash report is a Rich traceback with every frame's local variables: an env
file's values, the doctor's secrets, the launch with its ``env_secrets``. Each test here
crashes a real ``lightspeed-console tui`` (on a terminal, and as a ``serve`` tab) with
canary values in its env file, in the crashing frame's locals and in the exception's
message, and reads everything the operator would see.

The crash is planted by a ``sitecustomize`` module on ``PYTHONPATH`` (every Python process
started with it imports it first, a ``serve`` tab's console included), so the console's
code is the one that ships, with one of its methods made to raise.
"""

from __future__ import annotations

import asyncio
import base64
import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.integration.test_demo import read_pty
from tests.integration.test_serve import start

CANARY_SECRET = "canary-crash-S3cret-0001"
CANARY_TENANT = "canary-crash-tenant-0002"
CANARY_CLIENT = "canary-crash-client-0003"
CANARY_PLAIN = "canary-crash-plainvalue-0004"
"""A value whose name says nothing: no secret for the output's masking, yet a crash
report, being text nobody chose, must not show it either."""
CANARIES = (CANARY_SECRET, CANARY_TENANT, CANARY_CLIENT, CANARY_PLAIN)

CRASH_PLANT = """
import os

if os.environ.get("LSC_CRASH_CANARY") == "1":
    import screens.app

    def _crashing_start(self):
        environ = dict(self.launch.target.environ)
        env_secrets = self.launch.target.env_secrets
        secret = environ.get("CLIENT_SECRET")
        plain = environ.get("SOME_SETTING")
        raise RuntimeError(f"planted crash with {secret} and {plain}")

    screens.app.LightspeedConsole._start = _crashing_start
"""


def plant(tmp_path: Path) -> dict[str, str]:
    """The environment of a console that crashes just after its first frame."""
    folder = tmp_path / "plant"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(CRASH_PLANT)
    path = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    return {
        **os.environ,
        "PYTHONPATH": path,
        "LSC_CRASH_CANARY": "1",
        "TERM": "xterm-256color",
        "NO_COLOR": "1",
    }


def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "pod.env"
    path.write_text(
        f"TENANT_ID={CANARY_TENANT}\nCLIENT_ID={CANARY_CLIENT}\n"
        f"CLIENT_SECRET={CANARY_SECRET}\nSOME_SETTING={CANARY_PLAIN}\n"
    )
    return path


def config(tmp_path: Path) -> Path:
    from tests.conftest import EXAMPLES

    path = tmp_path / "lightspeed-stack.yaml"
    path.write_text((EXAMPLES / "lightspeed-stack-service.yaml").read_text())
    return path


_ESCAPES = re.compile(r"\x1b(?:\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def assert_no_canary(raw: str) -> None:
    text = _ESCAPES.sub("", raw)  # a highlighter may style part of a value
    for canary in CANARIES:
        for form in (canary, canary.upper(), base64.b64encode(canary.encode()).decode()):
            assert form not in text, f"{form} shown in the crash output"


def test_a_crashed_tui_shows_no_secret_and_exits_70(tmp_path: Path) -> None:
    environment = plant(tmp_path)
    argv = [
        *(sys.executable, "-m", "console", "tui", "--read-only"),
        *("-c", str(config(tmp_path)), "--env-file", str(env_file(tmp_path))),
    ]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console on a terminal, as an operator starts it
        os.chdir(tmp_path)
        os.execve(sys.executable, argv, environment)
    try:
        seen = read_pty(fd, b"\0never\0", 60)  # everything until the console is gone
    finally:
        os.close(fd)
    status = _wait(pid, 30)
    text = seen.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 70, text[-2000:]
    assert "internal error (RuntimeError): planted crash with ******** and ********" in text
    assert "this is a bug in lightspeed-console" in text
    assert "Traceback" not in text
    assert "locals" not in text.lower()
    assert_no_canary(text)


def test_a_crashed_serve_tab_shows_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = plant(tmp_path)
    for name in ("PYTHONPATH", "LSC_CRASH_CANARY"):  # serve's tabs inherit its environment
        monkeypatch.setenv(name, environment[name])
    served = start(tmp_path, "-c", str(config(tmp_path)), "--env-file", str(env_file(tmp_path)))
    try:
        cookie = f"lightspeed-console-token-{served.port}={served.token}"
        asyncio.run(until_closed(served.ws_url(served.token), Cookie=cookie))
        deadline = time.monotonic() + 30
        while served.consoles() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert served.consoles() == [], "the crashed tab's console is still running"
        code, out, err = served.stop(signal.SIGTERM)
    finally:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(timeout=10)
    text = out + err
    assert code == 0, text
    assert re.search(r"internal error \(RuntimeError\): planted crash with \*+ and \*+", text)
    assert "Traceback" not in text
    assert_no_canary(text)


async def until_closed(url: str, **headers: str) -> None:
    """Open a tab and keep it open until its console ends and the server closes it."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, headers=headers) as websocket,
    ):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message = await websocket.receive(timeout=60)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return
        pytest.fail("the crashed tab was never closed")


def _wait(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the console did not end after its crash")


def test_the_plant_is_inert_without_its_switch(tmp_path: Path) -> None:
    environment = plant(tmp_path)
    del environment["LSC_CRASH_CANARY"]
    probe = "import screens.app as a; print(a.LightspeedConsole._start.__name__)"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "_start"
