"""``demo`` leaves nothing behind on SIGINT, SIGTERM or SIGHUP: no process, port or temp file.

Each run gets its own TMPDIR (every temp folder the demo and its servers make lands there)
and a marker variable in its environment (every process it starts inherits it), so what
outlives the demo can be found precisely: a non-empty TMPDIR, a process that still carries
the marker, a port that still answers. SIGHUP is what a closed terminal sends (``tmux
kill-session``, a dropped ssh): the console test closes the terminal itself.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_demo import read_pty

MARK = "LSC_LEFTOVER_MARK"


@dataclass
class Run:
    """One demo process, its private TMPDIR and its marker."""

    tmpdir: Path
    mark: str

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "TMPDIR": str(self.tmpdir), MARK: self.mark, "NO_COLOR": "1"}

    def processes(self) -> list[int]:
        """Pids of live processes that carry this run's marker."""
        needle = f"{MARK}={self.mark}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if needle in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile, or not ours to read
        return found

    def assert_nothing_left(self, ports: list[int]) -> None:
        deadline = time.monotonic() + 10
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.processes() == [], "processes outlived the demo"
        assert sorted(p.name for p in self.tmpdir.iterdir()) == [], "temp files left behind"
        for port in ports:
            assert not port_open(port), f"port {port} still open"


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    found = Run(tmpdir, uuid.uuid4().hex)
    yield found
    for pid in found.processes():  # never leave a failed test's processes running
        os.kill(pid, signal.SIGKILL)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def ports_of(info: dict[str, Any]) -> list[int]:
    urls = (info["authority"], info["azure_base_url"], info["stack_url"])
    return [int(url.split("//")[1].split("/")[0].rsplit(":", 1)[1]) for url in urls]


@pytest.mark.parametrize(
    ("sig", "server"),
    [(signal.SIGTERM, "ogx"), (signal.SIGINT, "sandbox"), (signal.SIGHUP, "sandbox")],
    ids=str,
)
def test_headless_demo_leaves_nothing(run: Run, sig: signal.Signals, server: str) -> None:
    """Each signal ends the demo and its services; the real server's teardown once (it
    is the same for every signal), the others on the stand-in, which starts at once."""
    stand_in = ["--stand-in"] if server == "sandbox" else []
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "demo", "--headless", *stand_in],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=run.env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.communicate(timeout=30)[1]
    info = json.loads(line)
    assert info["stack_kind"] == server
    if server == "ogx":
        assert len(run.processes()) >= 2  # the demo and its OGX server
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "sandbox stopped" in stderr
    run.assert_nothing_left(ports_of(info))


def test_a_signal_while_the_server_starts_cancels_the_start(run: Run) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "demo", "--headless"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=run.env,
    )
    assert process.stderr is not None
    seen = ""
    while "OGX 1.2.5 (TLS): starting" not in seen:
        line = process.stderr.readline()
        assert line, seen
        seen += line
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert stdout == ""  # never reported ready
    assert "interrupted while the sandbox was starting" in seen + stderr
    assert process.returncode == 0
    run.assert_nothing_left([])


def test_closing_the_console_terminal_leaves_nothing(run: Run) -> None:
    """The console on a terminal; the terminal goes away (SIGHUP) while the doctor is shown."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the demo on a terminal, as a user starts it
        os.environ.update(run.env)
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "console", "demo"])
    try:
        drawn = read_pty(fd, b"Sandbox", 30)
        assert b"Sandbox" in drawn  # the console is up while the sandbox comes up
        deadline = time.monotonic() + 60
        while len(run.processes()) < 2 and time.monotonic() < deadline:
            drawn += read_pty(fd, b"\0", 0.2)  # keep the terminal drained meanwhile
        assert len(run.processes()) >= 2, "the OGX server never started"
        drawn += read_pty(fd, b"\0", 3)  # the doctor runs against it
    finally:
        os.close(fd)  # the terminal is gone: the kernel sends SIGHUP
    deadline = time.monotonic() + 30
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the console did not exit after its terminal closed")
    assert status is not None
    run.assert_nothing_left([])


HANG_PLANT = """
import os

if os.environ.get("LSC_HANG_SHUTDOWN") == "1":
    try:
        import time

        from textual.drivers.linux_driver import LinuxDriver
    except ImportError:  # a server's own environment, without Textual
        pass
    else:

        def _hang(self):  # the app's last write never returns (a gone terminal, a lost wake-up)
            time.sleep(3600)

        LinuxDriver.stop_application_mode = _hang
"""


def _wait_for_exit(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the demo did not end after its terminal closed")


def test_a_console_whose_shutdown_hangs_still_ends_and_cleans_up(run: Run, tmp_path: Path) -> None:
    """The terminal closes a second after the first frame and the app's shutdown never
    returns (as when a KeyboardInterrupt had lost a wake-up of Textual's output thread):
    the demo still ends, its sandbox stopped and its temp files gone."""
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(HANG_PLANT)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the demo on a terminal, as a user starts it
        os.environ.update(run.env)
        os.environ.update(TERM="xterm-256color", PYTHONPATH=str(plant), LSC_HANG_SHUTDOWN="1")
        os.execv(sys.executable, [sys.executable, "-m", "console", "demo", "--stand-in"])
    try:
        drawn = read_pty(fd, b"Sandbox", 30)
        assert b"Sandbox" in drawn
        read_pty(fd, b"\0", 1)  # about a second after the first frame
    finally:
        os.close(fd)  # the terminal is gone: the kernel sends SIGHUP
    _wait_for_exit(pid, 60)
    run.assert_nothing_left([])


def test_a_terminal_gone_without_a_signal_ends_the_demo(run: Run) -> None:
    """A console that is not its terminal's session leader gets no SIGHUP when the
    terminal closes; its reads just fail. It notices, ends and cleans up."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "demo", "--stand-in"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**run.env, "TERM": "xterm-256color"},
        start_new_session=True,
    )
    os.close(slave)
    try:
        drawn = read_pty(master, b"Sandbox", 30)
        assert b"Sandbox" in drawn
        read_pty(master, b"\0", 1)
    finally:
        os.close(master)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        pytest.fail("the demo did not end after its terminal closed")
    run.assert_nothing_left([])


def _tgkill(pid: int, tid: int, sig: int) -> None:
    """Send ``sig`` to one thread of ``pid`` (what the kernel does when it picks that one)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    sys_tgkill = 234  # x86_64
    if libc.syscall(sys_tgkill, pid, tid, sig) != 0:
        raise OSError(ctypes.get_errno(), "tgkill")


def _headless(run: Run, **popen: Any) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "demo", "--headless", "--stand-in"],
        stdout=subprocess.PIPE,
        text=True,
        env=run.env,
        **popen,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "the demo never reported ready"
    return process, json.loads(line)


@pytest.mark.skipif(
    os.uname().machine != "x86_64" or not sys.platform.startswith("linux"), reason="tgkill"
)
def test_a_signal_on_another_thread_still_stops_the_headless_demo(run: Run) -> None:
    """Closing a terminal under ``uv run`` gave SIGHUP to one of the servers' threads; the
    main thread, asleep in its wait, never ran the handler, and the demo's temp folders
    (sandbox.env, wrong-secret.env, the CA key) stayed when it was killed. It wakes now."""
    process, info = _headless(run, stderr=subprocess.PIPE)
    others = [int(t.name) for t in Path(f"/proc/{process.pid}/task").iterdir()]
    others = [tid for tid in others if tid != process.pid]
    assert others, "the stand-ins run in threads"
    _tgkill(process.pid, others[-1], signal.SIGHUP)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate(timeout=10)
        pytest.fail("the headless demo ignored a SIGHUP its main thread did not receive")
    assert "sandbox stopped" in stderr
    run.assert_nothing_left(ports_of(info))


def test_a_headless_demo_whose_terminal_goes_away_without_a_signal_cleans_up(
    run: Run,
) -> None:
    """Not its terminal's session leader, the demo gets no SIGHUP when the terminal closes
    (tmux kill-session of a pane whose shell started it): it notices the terminal is gone,
    stops the sandbox and removes its temp folders."""
    master, slave = pty.openpty()
    process, info = _headless(run, stdin=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    read_pty(master, b"sandbox ready", 10)
    os.close(master)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        pytest.fail("the headless demo did not end after its terminal closed")
    run.assert_nothing_left(ports_of(info))
