"""Quit and Ctrl+C end the console at once, whatever it is waiting for, leaving nothing behind.

The Entra ID stand-in holds every token request for 30 s (``entra-slow=30``) and the
console is given a 60 s token timeout, so the request really hangs. Then, on real
processes: ctrl+q in the console on a terminal, SIGINT to ``token`` and ``check`` (once, and
twice at several spacings), and ctrl+q with a FIFO that has no writer as ``-c``. Each must
end before the hang would have (a 10 s bound proves it did not wait; the real latency
against the 1 s goal is in ``bench/quit.py``), with 130 from the CLI, no traceback, no
process of its session left and no file left in its own TMPDIR.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.sandbox.demo import DemoInfo, DemoSandbox
from tests.support.terminal import on_terminal

HANG_S = 30
BOUND_S = 10.0
"""Well under the hang: an exit within it did not wait for the blocked call."""


@pytest.fixture(scope="module")
def hanging() -> Iterator[DemoSandbox]:
    """The stand-in sandbox whose token endpoint answers after `HANG_S` seconds."""
    with DemoSandbox(server="stand-in", faults=[f"entra-slow={HANG_S}"]) as sandbox:
        yield sandbox


def info_of(sandbox: DemoSandbox) -> DemoInfo:
    assert sandbox.info is not None
    return sandbox.info


def env_for(sandbox: DemoSandbox, tmpdir: Path) -> dict[str, str]:
    tmpdir.mkdir(exist_ok=True)
    return {**os.environ, **info_of(sandbox).environ, "TMPDIR": str(tmpdir), "NO_COLOR": "1"}


def live_args(sandbox: DemoSandbox) -> list[str]:
    info = info_of(sandbox)
    return [
        "-c",
        info.lightspeed_config,
        "-i",
        info.run_config,
        "--authority",
        info.authority,
        "--ca-bundle",
        info.ca_bundle,
        "--token-timeout",
        str(HANG_S * 2),
    ]


def wait_for_the_token_request(sandbox: DemoSandbox, discoveries_before: int) -> None:
    """Until the client asked for the tenant's metadata: its token request comes next."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        asked = [r for r in sandbox.entra.stand_in.requests if r.endpoint == "discovery"]
        if len(asked) > discoveries_before:
            time.sleep(0.5)  # the token request is on its way, and then held
            return
        time.sleep(0.05)
    raise AssertionError("the console never asked Entra ID")


def discoveries(sandbox: DemoSandbox) -> int:
    return len([r for r in sandbox.entra.stand_in.requests if r.endpoint == "discovery"])


def assert_nothing_left(pid: int, tmpdir: Path) -> None:
    """No process of the console's session is alive, and its TMPDIR is empty."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("a process of the console's session outlived it")
    assert sorted(p.name for p in tmpdir.iterdir()) == [], "temp files left behind"


def test_ctrl_q_while_the_token_request_hangs_exits_at_once(
    hanging: DemoSandbox, tmp_path: Path
) -> None:
    before = discoveries(hanging)
    tmpdir = tmp_path / "tmp"
    argv = [sys.executable, "-m", "console", "tui", *live_args(hanging)]
    with on_terminal(argv, env_for(hanging, tmpdir)) as terminal:
        assert terminal.wait_for(b"Entra ID token", 30), terminal.drawn[-2000:]
        wait_for_the_token_request(hanging, before)
        assert terminal.process.poll() is None
        terminal.type(b"\x11")  # ctrl+q
        took = terminal.exited_within(BOUND_S)
        assert took is not None, "the console waited for the token request"
        assert terminal.process.returncode == 0
        assert b"Traceback" not in terminal.drawn
    assert_nothing_left(terminal.process.pid, tmpdir)


@pytest.mark.parametrize("command", ["token", "check"])
@pytest.mark.parametrize("second", [None, 0.0, 0.02, 0.2], ids=lambda s: f"second-after-{s}")
def test_ctrl_c_while_the_token_request_hangs_exits_130(
    hanging: DemoSandbox, tmp_path: Path, command: str, second: float | None
) -> None:
    before = discoveries(hanging)
    tmpdir = tmp_path / "tmp"
    process = subprocess.Popen(
        [sys.executable, "-m", "console", command, *live_args(hanging)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(hanging, tmpdir),
        start_new_session=True,
    )
    try:
        wait_for_the_token_request(hanging, before)
        assert process.poll() is None
        process.send_signal(signal.SIGINT)
        if second is not None:
            time.sleep(second)
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=BOUND_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    assert "interrupted" in stderr
    assert_nothing_left(process.pid, tmpdir)


def test_a_fifo_without_a_writer_does_not_keep_the_console_alive(tmp_path: Path) -> None:
    fifo = tmp_path / "lightspeed-stack.yaml"
    os.mkfifo(fifo)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    argv = [sys.executable, "-m", "console", "tui", "-c", str(fifo), "--read-only"]
    with on_terminal(argv, env) as terminal:
        assert terminal.wait_for(b"Doctor", 30)
        time.sleep(1)  # the read of the FIFO has started, and blocks
        terminal.type(b"\x11")
        assert terminal.exited_within(BOUND_S) is not None, "the console waited for the FIFO"
        assert terminal.process.returncode == 0
    assert_nothing_left(terminal.process.pid, tmpdir)
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "review", "-c", str(fifo)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=BOUND_S)
    assert process.returncode == 130
    assert "Traceback" not in stderr
