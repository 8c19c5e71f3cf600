"""``lightspeed-console serve``: the console in a browser, on loopback only, stopped by SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from console.cli import build_parser
from console.commands.serve import serve_command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_serve_passes_the_tui_options_on(tmp_path: Path) -> None:
    config = tmp_path / "lightspeed-stack.yaml"
    args = build_parser().parse_args(
        ["serve", "--port", "9999", "-c", str(config), "--url", "http://x:8321", "--read-only"]
    )
    command = serve_command(args)
    assert command.startswith(f"{sys.executable} -m console tui ")
    assert f"--config {config.resolve()}" in command
    assert "--url http://x:8321" in command
    assert "--read-only" in command
    assert "--port" not in command
    assert "--retries" not in command


def test_serve_answers_on_loopback_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", "--port", str(port), "--read-only"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        answer: httpx.Response | None = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, process.stderr.read() if process.stderr else ""
        assert answer.status_code == 200
        assert "text/html" in answer.headers["content-type"]
        assert "lightspeed-console" in answer.text
        assert f"ws://127.0.0.1:{port}/ws" in answer.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert not port_open(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
