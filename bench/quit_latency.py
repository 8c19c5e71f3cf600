"""Quit latency: ctrl+q and Ctrl+C while a call hangs, against the 1 s goal.

The Entra ID stand-in holds every token request for 30 s (``entra-slow=30``; the console's
token timeout is 60 s, so the request really hangs). Timed from the key or the signal to
the process's exit, on real processes (the TUI on a pty): ctrl+q in the console while its
token request hangs, and while ``-c`` is a FIFO nobody writes; SIGINT to ``token`` and to
``check`` while their token request hangs. The floors: ctrl+q on a console with nothing
in flight, and Ctrl+C to ``review`` blocked in its main thread (opening a FIFO), which Python
interrupts directly. The pass/fail tests (tests/integration/test_quit_promptly.py) only bound these
by 10 s; the numbers are here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Measurement, child_env, median
from console.sandbox.demo import DemoSandbox
from tests.support.terminal import on_terminal

GOAL_S = 1.0
HANG_S = 30
RUNS = 3
TIMEOUT_S = 20.0


def measure() -> list[Measurement]:
    """One sandbox with a hanging token endpoint; `RUNS` timings per way of quitting."""
    with (
        DemoSandbox(server="stand-in", faults=[f"entra-slow={HANG_S}"]) as sandbox,
        tempfile.TemporaryDirectory(prefix="bench-quit-") as folder,
    ):
        fifo = Path(folder) / "lightspeed-stack.yaml"
        os.mkfifo(fifo)
        tui_floor = [_tui_quit(sandbox, ["--read-only"], wait_for_token=False) for _ in range(RUNS)]
        cli_floor = [_interrupt_review(fifo) for _ in range(RUNS)]
        tui = (tui_floor, "ctrl+q, nothing in flight")
        cli = (cli_floor, "Ctrl+C, `review -c FIFO`")
        hang = f"the token request is held {HANG_S} s"
        cases: list[tuple[str, Callable[[], float], tuple[list[float], str], str]] = [
            ("quit: ctrl+q, token request hanging (TUI)", lambda: _tui_quit(sandbox, []), tui,
             hang),
            ("quit: ctrl+q, -c a FIFO with no writer (TUI)", lambda: _fifo_quit(fifo), tui,
             "the read never ends"),
            ("quit: Ctrl+C to `token`, request hanging", lambda: _interrupt(sandbox, "token"), cli,
             hang),
            ("quit: Ctrl+C to `check`, token hanging", lambda: _interrupt(sandbox, "check"), cli,
             hang),
        ]  # fmt: skip
        rows = []
        for name, run, (floor_samples, floor_label), note in cases:
            samples = [run() for _ in range(RUNS)]
            ours, floor = median(samples), median(floor_samples)
            row = Measurement(
                name=name,
                ours_s=ours,
                floor_s=floor,
                floor_label=floor_label,
                goal=f"<= {GOAL_S:g} s",
                ok=ours <= GOAL_S,
                ratio=ours / floor if floor else None,
                samples={"ours": samples, "floor": floor_samples},
            )
            row.notes.append(f"{note}; {RUNS} runs, the median shown")
            rows.append(row)
        return rows


def _live_args(sandbox: DemoSandbox) -> list[str]:
    info = sandbox.info
    assert info is not None
    return [
        *("-c", info.lightspeed_config, "-i", info.run_config),
        *("--authority", info.authority, "--ca-bundle", info.ca_bundle),
        *("--token-timeout", str(HANG_S * 2)),
    ]


def _env(sandbox: DemoSandbox) -> dict[str, str]:
    info = sandbox.info
    assert info is not None
    return child_env(info.environ)


def _discoveries(sandbox: DemoSandbox) -> int:
    return sum(1 for r in sandbox.entra.stand_in.requests if r.endpoint == "discovery")


def _until_the_token_request_hangs(sandbox: DemoSandbox, before: int) -> None:
    """Until the client asked for the tenant's metadata, and its token request is held."""
    deadline = time.monotonic() + TIMEOUT_S
    while _discoveries(sandbox) <= before:
        if time.monotonic() > deadline:
            raise RuntimeError("the console never asked Entra ID")
        time.sleep(0.02)
    time.sleep(0.5)


def _tui_quit(sandbox: DemoSandbox, extra: list[str], *, wait_for_token: bool = True) -> float:
    before = _discoveries(sandbox)
    argv = [sys.executable, "-m", "console", "tui", *_live_args(sandbox), *extra]
    with on_terminal(argv, _env(sandbox)) as terminal:
        if not terminal.wait_for(b"Entra ID token", TIMEOUT_S):
            raise RuntimeError("the console did not draw its checks")
        if wait_for_token:
            _until_the_token_request_hangs(sandbox, before)
        else:
            time.sleep(1.0)  # settled: the offline checks are done
        terminal.type(b"\x11")
        took = terminal.exited_within(HANG_S * 2)
    if took is None:
        raise RuntimeError("ctrl+q did not end the console")
    return took


def _fifo_quit(fifo: Path) -> float:
    argv = [sys.executable, "-m", "console", "tui", "-c", str(fifo), "--read-only"]
    with on_terminal(argv, child_env()) as terminal:
        if not terminal.wait_for(b"Doctor", TIMEOUT_S):
            raise RuntimeError("the console did not draw")
        time.sleep(1.0)  # the read of the FIFO has started, and blocks
        terminal.type(b"\x11")
        took = terminal.exited_within(HANG_S * 2)
    if took is None:
        raise RuntimeError("ctrl+q did not end the console")
    return took


def _interrupt_review(fifo: Path) -> float:
    """Ctrl+C to ``review`` blocked opening a FIFO in its main thread: the CLI's floor."""
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "review", "-c", str(fifo)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_env(),
        start_new_session=True,
    )
    time.sleep(1.5)  # started, and blocked in the open
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=TIMEOUT_S)
    return time.monotonic() - started


def _interrupt(sandbox: DemoSandbox, command: str) -> float:
    before = _discoveries(sandbox)
    process = subprocess.Popen(
        [sys.executable, "-m", "console", command, *_live_args(sandbox)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(sandbox),
        start_new_session=True,
    )
    try:
        _until_the_token_request_hangs(sandbox, before)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=HANG_S * 2)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 130:
        raise RuntimeError(f"`{command}` exited {process.returncode} on Ctrl+C, not 130")
    return took
