"""``lightspeed-console demo``: comes up on loopback, works with the real SDKs, leaves nothing behind."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from console.config.enrichment import preview
from console.config.loader import load
from console.releases.catalog import LLAMA_STACK_0_7_3
from console.sandbox.demo import DemoSandbox
from tests.conftest import CANARY_SECRET
from tests.integration.live_backends import required_environment

KEYS = {
    "authority",
    "ca_bundle",
    "tenant_id",
    "client_id",
    "client_secret",
    "scope",
    "azure_base_url",
    "stack_url",
    "stack_kind",
    "stack_release",
    "stack_ca_bundle",
    "lightspeed_config",
    "run_config",
    "notes",
    "settings_file",
    "legacy_stack_url",
}


def port_open(url: str) -> bool:
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, int(port))) == 0


@contextmanager
def headless_demo(*extra: str) -> Iterator[tuple[dict[str, Any], subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "demo", "--headless", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first, process.stderr.read() if process.stderr else ""
        yield json.loads(first), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


def credential(info: dict[str, Any], secret: str | None = None) -> ClientSecretCredential:
    return ClientSecretCredential(
        info["tenant_id"],
        info["client_id"],
        secret or info["client_secret"],
        authority=info["authority"],
        disable_instance_discovery=True,
        connection_verify=info["ca_bundle"],
        retry_total=0,
    )


def chat_through(info: dict[str, Any], token: str, header: str) -> httpx.Response:
    """A chat completion through the sandbox's server, as Lightspeed sends it."""
    verify: Any = (
        ssl.create_default_context(cafile=info["stack_ca_bundle"])
        if info["stack_ca_bundle"]
        else True
    )
    return httpx.post(
        f"{info['stack_url']}/v1/chat/completions",
        headers={
            header: json.dumps({"azure_api_key": token, "azure_api_base": info["azure_base_url"]})
        },
        json={"model": "azure/gpt-4o-mini", "messages": [{"role": "user", "content": "ping"}]},
        timeout=30,
        verify=verify,
    )


@pytest.mark.parametrize(
    ("extra", "kind", "release", "header"),
    [
        ((), "ogx", "OGX 1.2.5", "X-OGX-Provider-Data"),
        (("--server", "llama-stack-0.7.3"), "llama-stack", "llama-stack 0.7.3",
         "X-LlamaStack-Provider-Data"),
    ],
    ids=["default-ogx", "llama-stack"],
)  # fmt: skip
def test_headless_demo_end_to_end(
    extra: tuple[str, ...], kind: str, release: str, header: str
) -> None:
    if kind == "ogx":  # the legacy deployment runs llama-stack 0.7.3 once it is built
        required_environment(LLAMA_STACK_0_7_3)
    with headless_demo(*extra) as (info, process):
        assert set(info) == KEYS
        assert info["stack_kind"] == kind
        assert info["stack_release"] == release
        assert info["notes"] == []
        assert info["authority"].startswith("https://127.0.0.1:")
        for url in (info["authority"], info["azure_base_url"], info["stack_url"]):
            assert url.split("//")[1].startswith("127.0.0.1:")
        if kind == "ogx":  # OGX serves TLS, with a CA of its own (not the authority's)
            assert info["stack_url"].startswith("https://")
            assert info["stack_ca_bundle"] not in (None, info["ca_bundle"])
        else:
            assert info["stack_ca_bundle"] is None
        token = credential(info).get_token(info["scope"])
        assert token.token.count(".") == 2
        answer = chat_through(info, token.token, header)
        assert answer.status_code == 200, answer.text
        assert "ping" in answer.json()["choices"][0]["message"]["content"]
        workdir = Path(info["lightspeed_config"]).parent
        assert workdir.is_dir()
        assert Path(info["settings_file"]).parent == workdir
        if kind == "ogx":  # a second real server for the legacy deployment
            assert info["legacy_stack_url"] != info["stack_url"]
            rows = check_all_on(info)  # once: the deployments are the same with either server
            assert rows["legacy"]["server"] == "llama-stack"
            assert rows["sandbox"]["server"] == "ogx"
        else:
            assert info["legacy_stack_url"] == info["stack_url"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        urls = (info["authority"], info["azure_base_url"], info["stack_url"])
        for url in (*urls, info["legacy_stack_url"]):
            assert not port_open(url), url
        assert not workdir.exists()


def check_all_on(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``check --all`` on the demo's own settings file: the table, then the same as JSON.

    ``prod-eu`` fails at the token step (its env file's secret is wrong), the others pass,
    and the command exits 1; no value of the env files shows.
    """
    base = [sys.executable, "-m", "console", "check", "--all", "--settings", info["settings_file"]]
    env = {k: v for k, v in os.environ.items() if k not in ("TENANT_ID", "CLIENT_ID")}
    text = subprocess.run(base, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert text.returncode == 1, text.stderr
    header, *lines = text.stdout.splitlines()
    assert header.split()[:7] == [
        "DEPLOYMENT",
        "TAG",
        "LIGHTSPEED",
        "SERVER",
        "TOKEN",
        "INFERENCE",
        "VERDICT",
    ]
    assert [line.split()[0] for line in lines] == ["sandbox", "legacy", "prod-eu", "library"]
    assert "AADSTS7000215 (token)" in lines[2]
    assert lines[3].split()[2:6] == ["lightspeed-stack", "0.7.x", "ogx", "1.2.5"]
    done = subprocess.run(
        [*base, "--json"], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 1
    rows = {row["deployment"]: row for row in json.loads(done.stdout)["deployments"]}
    assert {name: row["verdict"] for name, row in rows.items()} == {
        "sandbox": "pass",
        "legacy": "pass",
        "prod-eu": "fail",
        "library": "pass",
    }
    stack = next(step for step in rows["library"]["steps"] if step["step"] == "stack")
    assert stack["summary"].startswith("library (booted locally): OGX 1.2.5 booted")
    assert (rows["prod-eu"]["failed_step"], rows["prod-eu"]["code"]) == ("token", "AADSTS7000215")
    # the remedy names the variable behind the secret, and the env file line it came from
    remedy = rows["prod-eu"]["remedy"]
    assert "CLIENT_SECRET (azure_entra_id.client_secret at lightspeed-stack.yaml:" in remedy
    assert re.search(r"its value from \S*wrong-secret\.env:\d+\)", remedy), remedy
    for shown in (text.stdout, text.stderr, done.stdout, done.stderr):
        assert info["client_secret"] not in shown
    # the tenant is an identifier, shown as az shows it (here: in the token endpoint)
    assert info["tenant_id"] in done.stdout
    return rows


def test_demo_fault_switched_on_at_start() -> None:
    with headless_demo("--fault", "entra-expired-secret", "--stand-in") as (info, _):
        assert info["stack_kind"] == "sandbox"
        with pytest.raises(ClientAuthenticationError, match="AADSTS7000222"):
            credential(info).get_token(info["scope"])


def test_stack_fault_uses_the_stand_in() -> None:
    with headless_demo("--fault", "stack-500") as (info, _):
        assert info["stack_kind"] == "sandbox"
        assert httpx.get(f"{info['stack_url']}/v1/models").status_code == 500


def test_unknown_fault_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "console", "demo", "--headless", "--fault", "entra-nope"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "unknown fault 'entra-nope'" in result.stderr
    assert "--list-faults" in result.stderr
    assert result.stdout == ""


def test_demo_configs_are_clean_and_enrichable() -> None:
    with DemoSandbox(server="stand-in") as sandbox:
        info = sandbox.info
        assert info is not None
        loaded = load(Path(info.lightspeed_config), Path(info.run_config), environ=info.environ)
        assert loaded.findings == []
        assert loaded.llama_stack is not None
        assert loaded.llama_stack.url == info.stack_url
        assert loaded.azure_providers[0].config["base_url"] == info.azure_base_url
        assert preview(loaded).changed
    assert not Path(info.lightspeed_config).exists()


def test_without_a_terminal_the_tour_runs_ends_by_itself_and_shows_no_secret(
    tmp_path: Path,
) -> None:
    """``demo`` without a terminal says it runs the tour instead, which ends by itself; also
    from an operator's shell that exports a real tenant's variables: the sandbox keeps its
    own, and the shell's secret goes nowhere."""
    shell = {
        "TENANT_ID": "operators-real-tenant",
        "CLIENT_ID": "operators-real-client",
        "CLIENT_SECRET": CANARY_SECRET,
        "AZURE_AUTHORITY_HOST": "https://login.example.invalid",
    }
    env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(tmp_path), **shell}
    done = subprocess.run(
        [sys.executable, "-m", "console", "demo", "--stand-in"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    said_first = next(line for line in done.stderr.splitlines() if "not a terminal" in line)
    for said in ("runs its tour", "starts the sandbox", "check --all", "then stops the sandbox"):
        assert said in said_first
    assert "The tour is over; the sandbox stops now." in out
    assert "sandbox stopped" in out
    assert "demo --headless" in out
    assert "AADSTS7000215 (token)" in out  # the tour's check --all: prod-eu fails at the token
    assert "failed: prod-eu\n" in out  # and only prod-eu: the others use the sandbox's tenant
    assert "ignores the shell's AZURE_AUTHORITY_HOST, CLIENT_ID, CLIENT_SECRET, TENANT_ID" in out
    secret_lines = [line for line in out.splitlines() if "8Q~" in line or CANARY_SECRET in line]
    assert secret_lines == []
    assert list(tmp_path.iterdir()) == []  # its temp folders went with it


def read_pty(fd: int, until: bytes, timeout: float) -> bytes:
    """Read what the program draws until ``until`` shows up (or the time is up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and until not in seen:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_demo_in_a_terminal_opens_the_console_with_the_fault_and_sigterm_tears_down() -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: the demo on a terminal, as a user starts it
        os.environ["TERM"] = "xterm-256color"
        os.execv(
            sys.executable,
            [sys.executable, "-m", "console", "demo", "--stand-in", "--fault", "azure-no-role"],
        )
    try:
        drawn = read_pty(fd, b"AZURE_NO_ROLE", 40)
        assert b"AZURE_NO_ROLE" in drawn  # the doctor failed at the inference step
        assert b"SANDBOX" in drawn
        os.kill(pid, signal.SIGTERM)
        drawn += read_pty(fd, b"sandbox stopped", 20)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    text = re.sub(rb"\x1b\[[0-9;?<>]*[a-zA-Z]", b"", drawn).decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "sandbox stopped" in text
    assert "8Q~" not in text  # the sandbox secret is never drawn


def test_the_legacy_deployment_says_when_the_stand_in_runs_in_its_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """llama-stack 0.7.3 not built yet: the stand-in takes its place, and the demo says so."""
    monkeypatch.setattr("console.sandbox.legacy.cached_environment", lambda release: None)
    with DemoSandbox(server="ogx-1.2.5") as sandbox:
        info = sandbox.info
        assert info is not None
        assert info.stack_kind == "ogx"
        assert info.legacy_stack_url is not None
        assert info.legacy_stack_url != info.stack_url
        [note] = info.notes
        assert note.startswith("legacy deployment: llama-stack 0.7.3 not built yet")
        assert "stand-in runs in its place" in note
        assert httpx.get(f"{info.legacy_stack_url}/v1/version", timeout=5).status_code == 200
