"""The real-server launcher: loopback only, state in a temp dir, and no orphan servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from console.sandbox.real_stack import (
    RealStackError,
    minimal_run_config,
    real_stack_unavailable_reason,
    run_real_stack,
)
from console.sandbox.servers import port_is_listening

pytestmark = pytest.mark.real_stack


@pytest.fixture(autouse=True)
def _require_real_stack() -> None:
    reason = real_stack_unavailable_reason()
    if reason is not None:
        pytest.fail(f"the real llama-stack server is required: {reason}")


def test_minimal_run_config_shape() -> None:
    config = minimal_run_config("https://r.openai.azure.com/openai/v1", models=("a", "b"))
    assert config["version"] == 2
    assert config["apis"] == ["inference"]
    (provider,) = config["providers"]["inference"]
    assert provider["provider_type"] == "remote::azure"
    assert provider["config"] == {"base_url": "https://r.openai.azure.com/openai/v1"}
    assert set(config["storage"]["stores"]) == {
        "metadata", "inference", "conversations", "prompts", "connectors",
    }  # fmt: skip
    assert [m["model_id"] for m in config["registered_resources"]["models"]] == ["a", "b"]


def test_bad_config_fails_with_the_log_tail() -> None:
    with pytest.raises(RealStackError, match="exited with code"), run_real_stack({"version": 2}):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_server_dies_with_a_crashed_parent(tmp_path: Path) -> None:
    """SIGKILL the process that started the server: the watchdog takes the group down."""
    script = textwrap.dedent(
        """
        import sys, time
        from console.sandbox.real_stack import minimal_run_config, start_real_stack
        stack = start_real_stack(minimal_run_config("http://127.0.0.1:9/openai/v1"))
        print(stack.pgid, stack.port, stack.workdir, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    assert parent.stdout is not None
    line = parent.stdout.readline().split()
    pgid, port, workdir = int(line[0]), int(line[1]), Path(line[2])
    assert port_is_listening(port)
    assert str(workdir).startswith("/tmp") or "tmp" in str(workdir)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(pgid), "the server outlived the process that started it"
    assert not port_is_listening(port)


def test_listens_on_loopback_and_keeps_state_in_its_temp_dir() -> None:
    home_llama = Path.home() / ".llama"
    existed = home_llama.exists()
    with run_real_stack(minimal_run_config("http://127.0.0.1:9/openai/v1")) as stack:
        workdir = stack.workdir
        assert stack.url.startswith("http://127.0.0.1:")
        assert "127.0.0.1" in stack.config_path.read_text()
        assert (workdir / "store" / "kvstore.db").exists()
        pgid, port = stack.pgid, stack.port
    assert not _group_alive(pgid)
    assert not port_is_listening(port)
    assert not workdir.exists()
    assert home_llama.exists() == existed
