"""The real-server launcher, for both generations: loopback only, TLS where the server requires
it, state in a temp dir, and no orphan servers."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from console.releases.catalog import LLAMA_STACK_0_7_3, OGX_1_2_5, ServerRelease
from console.releases.environments import ProvisionError, ServerEnvironment, provision
from console.sandbox.real_stack import RealStackError, minimal_run_config, run_real_stack
from console.sandbox.servers import port_is_listening

pytestmark = pytest.mark.real_stack
RELEASES = [OGX_1_2_5, LLAMA_STACK_0_7_3]


@pytest.fixture(scope="module", params=RELEASES, ids=lambda r: r.key)
def environment(request: pytest.FixtureRequest) -> ServerEnvironment:
    release: ServerRelease = request.param
    try:
        return provision(release)
    except ProvisionError as error:
        pytest.fail(f"the real {release.label} server is required: {error} ({error.remedy})")


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


def test_bad_config_fails_with_the_log_tail(environment: ServerEnvironment) -> None:
    release = environment.release
    with (
        pytest.raises(RealStackError, match=f"{release.label} exited with code"),
        run_real_stack({"version": 2}, release=release, environment=environment),
    ):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_server_dies_with_a_crashed_parent(environment: ServerEnvironment) -> None:
    """SIGKILL the process that started the server: the watchdog takes the group down."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from console.sandbox.real_stack import minimal_run_config, start_real_stack
        from console.releases.catalog import RELEASES
        stack = start_real_stack(
            minimal_run_config("http://127.0.0.1:9/openai/v1"),
            release=RELEASES[{environment.release.key!r}],
        )
        print(stack.pgid, stack.port, stack.workdir, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    assert parent.stdout is not None
    line = parent.stdout.readline().split()
    pgid, port = int(line[0]), int(line[1])
    assert port_is_listening(port)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(pgid), "the server outlived the process that started it"
    assert not port_is_listening(port)


def test_listens_on_loopback_and_keeps_state_in_its_temp_dir(
    environment: ServerEnvironment,
) -> None:
    homes = [Path.home() / ".llama", Path.home() / ".ogx"]
    existed = [home.exists() for home in homes]
    release = environment.release
    config = minimal_run_config("http://127.0.0.1:9/openai/v1")
    with run_real_stack(config, release=release, environment=environment) as stack:
        workdir = stack.workdir
        assert stack.url.split("//")[1].startswith("127.0.0.1:")
        assert "127.0.0.1" in stack.config_path.read_text()
        assert (workdir / "store" / "kvstore.db").exists()
        pgid, port = stack.pgid, stack.port
    assert not _group_alive(pgid)
    assert not port_is_listening(port)
    assert not workdir.exists()
    assert [home.exists() for home in homes] == existed  # OGX would move ~/.llama to ~/.ogx


def test_ogx_serves_tls_with_its_own_ca() -> None:
    """OGX 1.x refuses plain HTTP; the launcher gives it a certificate from a CA of its own."""
    try:
        environment = provision(OGX_1_2_5)
    except ProvisionError as error:
        pytest.fail(f"OGX 1.2.5 is required: {error}")
    config = minimal_run_config("http://127.0.0.1:9/openai/v1")
    with run_real_stack(config, release=OGX_1_2_5, environment=environment) as stack:
        assert stack.url.startswith("https://127.0.0.1:")
        assert stack.ca_pem is not None
        trusted = ssl.create_default_context(cafile=str(stack.ca_pem))
        assert httpx.get(f"{stack.url}/v1/version", verify=trusted).json() == {"version": "1.2.5"}
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{stack.url}/v1/version")  # the system's CAs do not know it
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{stack.port}/v1/version")  # no plain HTTP


def test_llama_stack_serves_plain_http() -> None:
    try:
        environment = provision(LLAMA_STACK_0_7_3)
    except ProvisionError as error:
        pytest.fail(f"llama-stack 0.7.3 is required: {error}")
    config = minimal_run_config("http://127.0.0.1:9/openai/v1")
    with run_real_stack(config, release=LLAMA_STACK_0_7_3, environment=environment) as stack:
        assert stack.url.startswith("http://127.0.0.1:")
        assert stack.ca_pem is None
        assert httpx.get(f"{stack.url}/v1/version").json() == {"version": "0.7.3"}
