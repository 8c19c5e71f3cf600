"""Launch a real server (OGX 1.2.5 or llama-stack 0.7.3) on loopback, for the demo and the tests.

The stand-in in `console.sandbox.llama_stack` is only worth trusting while it answers like
the real server; this module starts the real one so both can be probed with the same
requests. Each release runs from its own environment (`console.releases.environments`), with
``ogx run <run.yaml> --port N`` or ``llama stack run <run.yaml> --port N``, on 127.0.0.1, with
its state in a temporary folder, and dies with the process that started it (`RealStack`
says how).
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from console.releases.catalog import DEFAULT_RELEASE, ServerRelease
from console.releases.environments import ServerEnvironment, provision
from console.sandbox.ca import issue_local_tls
from console.sandbox.servers import TlsFiles
from console.shared.azure import AZURE_PROVIDER_TYPE

DEFAULT_PROVIDER_ID = "azure"
DEFAULT_MODELS: tuple[str, ...] = ("gpt-4o-mini",)
DEFAULT_STARTUP_TIMEOUT = 90.0
"""OGX 1.2.5 is healthy after 10-12 s on a loaded 2-core machine; a cold first start is slower."""
_STOP_GRACE_SECONDS = 5.0
_LOG_TAIL_LINES = 40

# Runs inside the server process, before the server is imported.
# argv: <fd> <cli module> <program> <args...>. It blocks on the read end of a pipe; the parent
# holds the only write end, so end-of-file means the parent is gone (whatever the cause), and
# the whole process group is taken down.
_WATCHDOG_BOOTSTRAP = """\
import importlib, os, signal, sys, threading, time

def _watch(fd: int) -> None:
    try:
        while os.read(fd, 1):
            pass
    except OSError:
        pass
    os.killpg(0, signal.SIGTERM)
    time.sleep(5)
    os.killpg(0, signal.SIGKILL)

threading.Thread(target=_watch, args=(int(sys.argv[1]),), daemon=True).start()
module = sys.argv[2]
sys.argv = sys.argv[3:]
sys.exit(importlib.import_module(module).main())
"""


class RealStackError(RuntimeError):
    """The real server could not be started (or is not installed); carries its log tail."""


def minimal_run_config(
    azure_base_url: str,
    *,
    models: Sequence[str] = DEFAULT_MODELS,
    provider_id: str = DEFAULT_PROVIDER_ID,
    api_key: str | None = None,
    api_version: str | None = None,
    storage_dir: str = "${env.SQLITE_STORE_DIR}",
) -> dict[str, Any]:
    """The smallest run.yaml on which 0.7.3 and OGX 1.2.5 serve chat through `remote::azure`.

    `azure_base_url` must be the Azure v1 endpoint (`.../openai/v1`): both post to
    `{base_url}/chat/completions` with no api-version. `api_key` is the config fallback used
    when the provider-data header is missing or dropped; None leaves it unset so those
    requests fail with 400, as they do in a deployment that relies on Entra ID tokens.
    `storage_dir` defaults to an env reference with no fallback, so the file fails loudly
    instead of writing to `~/.llama` when used outside `run_real_stack`.
    """
    provider_config: dict[str, Any] = {"base_url": azure_base_url}
    if api_key is not None:
        provider_config["api_key"] = api_key
    if api_version is not None:
        provider_config["api_version"] = api_version
    return {
        "version": 2,
        "distro_name": "lightspeed-console-sandbox",
        "apis": ["inference"],
        "providers": {
            "inference": [
                {
                    "provider_id": provider_id,
                    "provider_type": AZURE_PROVIDER_TYPE,
                    "config": provider_config,
                }
            ]
        },
        "storage": {
            "backends": {
                "kv_default": {"type": "kv_sqlite", "db_path": f"{storage_dir}/kvstore.db"},
                "sql_default": {"type": "sql_sqlite", "db_path": f"{storage_dir}/sql_store.db"},
            },
            "stores": {
                "metadata": {"namespace": "registry", "backend": "kv_default"},
                "inference": {"table_name": "inference_store", "backend": "sql_default"},
                "conversations": {"table_name": "openai_conversations", "backend": "sql_default"},
                "prompts": {"namespace": "prompts", "backend": "kv_default"},
                "connectors": {"namespace": "connectors", "backend": "kv_default"},
            },
        },
        "registered_resources": {
            "models": [
                {
                    "model_id": model,
                    "provider_id": provider_id,
                    "provider_model_id": model,
                    "model_type": "llm",
                }
                for model in models
            ]
        },
        "server": {"port": 8321},
    }


@dataclass
class RealStack:
    """A running real server: its URL, process and files. Stopped by `stop()` or on exit.

    The server:

    - listens on 127.0.0.1 and a free port (``server.host`` and ``server.port`` are forced:
      the default binds every interface);
    - serves TLS when the release requires it (OGX 1.x refuses to start without), with a
      certificate from the sandbox's own CA (`ca_pem` is what a client must trust);
    - logs as JSON (``OGX_LOG_FORMAT`` / ``LLAMA_STACK_LOG_FORMAT=json``: with the default
      rich logging every error response stalls the server while it renders a traceback);
    - keeps all its state in a temporary folder (``OGX_CONFIG_DIR`` /
      ``LLAMA_STACK_CONFIG_DIR``, ``SQLITE_STORE_DIR``, ``TMPDIR``), so nothing lands in
      ``~/.ogx``, ``~/.llama`` or ``/tmp`` (OGX *moves* an existing ``~/.llama`` to ``~/.ogx``
      unless its config folder is set, and writes its resolved run.yaml, secrets revealed,
      to a temp file);
    - runs in its own process group, so stopping it takes down every process it spawned;
    - dies with the process that started it, even on a crash: an ``atexit`` hook stops it
      on a normal exit, and a watchdog thread inside the server process reads a pipe whose
      only writer is the parent, and kills the group when that pipe reaches end-of-file.
      (``prctl(PR_SET_PDEATHSIG)`` is not used: it fires when the *thread* that forked
      exits, which would kill a server started from a worker thread as soon as that
      thread ends.)
    """

    url: str
    port: int
    process: subprocess.Popen[bytes]
    workdir: Path
    config_path: Path
    log_path: Path
    release: ServerRelease
    ca_pem: Path | None = None
    """The CA that signed the server's certificate (None: plain HTTP)."""
    _watchdog_fd: int | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def pgid(self) -> int:
        """The process group of the server (its own session: the leader's pid)."""
        return self.process.pid

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last lines the server wrote, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def group_alive(self) -> bool:
        """True while any process of the server's group still exists."""
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self) -> None:
        """SIGTERM to the group, then SIGKILL after a grace period; idempotent.

        Once stopped, the group id is never signalled again: the kernel may reuse it.
        """
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=_STOP_GRACE_SECONDS)
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.group_alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGKILL)
            self.process.wait()
            while self.group_alive():
                time.sleep(0.02)
        if self._watchdog_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._watchdog_fd)
            self._watchdog_fd = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _load_run_config(run_config: Mapping[str, Any] | Path) -> dict[str, Any]:
    if isinstance(run_config, Path):
        from ruamel.yaml import YAML

        loaded = YAML(typ="safe").load(run_config.read_text())
        if not isinstance(loaded, dict):
            raise RealStackError(f"{run_config} is not a YAML mapping")
        return loaded
    return copy.deepcopy(dict(run_config))


def _write_run_config(config: Mapping[str, Any], path: Path) -> None:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    with path.open("w") as handle:
        yaml.dump(dict(config), handle)


def _server_env(
    release: ServerRelease, workdir: Path, port: int, extra: Mapping[str, str] | None
) -> dict[str, str]:
    """The server's environment: ours, minus what would point it elsewhere, plus its folders."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
    }
    for prefix in ("LLAMA_STACK", "OGX"):
        for inherited in ("CONFIG", "PORT"):
            env.pop(f"{prefix}_{inherited}", None)
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    env.update(
        {
            f"{release.env_prefix}_LOG_FORMAT": "json",
            f"{release.env_prefix}_CONFIG_DIR": str(workdir / "config"),
            f"{release.env_prefix}_PORT": str(port),
            "SQLITE_STORE_DIR": str(workdir / "store"),
            # OGX writes its resolved run.yaml (secrets revealed) to a temp file it removes
            # only at a clean exit; inside the workdir it goes with everything else.
            "TMPDIR": str(workdir / "tmp"),
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if extra:
        env.update(extra)
    return env


def _health_verify(stack: RealStack) -> ssl.SSLContext | bool:
    if stack.ca_pem is None:
        return True
    return ssl.create_default_context(cafile=str(stack.ca_pem))


def _wait_healthy(stack: RealStack, timeout: float, cancel: threading.Event | None) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    name = stack.release.label
    with httpx.Client(timeout=2.0, trust_env=False, verify=_health_verify(stack)) as client:
        while time.monotonic() < deadline:
            code = stack.process.poll()
            if code is not None:
                raise RealStackError(
                    f"{name} exited with code {code} before it was healthy; "
                    f"log tail:\n{stack.log_tail()}"
                )
            try:
                answer = client.get(f"{stack.url}/v1/health")
                if answer.status_code == 200 and answer.json() == {"status": "OK"}:
                    return
                last_error = f"HTTP {answer.status_code}: {answer.text[:200]}"
            except (httpx.HTTPError, ValueError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            if cancel is not None and cancel.wait(0.1):
                raise RealStackError(f"{name}: start cancelled")
            if cancel is None:
                time.sleep(0.1)
    raise RealStackError(
        f"{name} was not healthy within {timeout:.0f} s ({last_error}); "
        f"log tail:\n{stack.log_tail()}"
    )


def start_real_stack(
    run_config: Mapping[str, Any] | Path,
    *,
    release: ServerRelease = DEFAULT_RELEASE,
    environment: ServerEnvironment[ServerRelease] | None = None,
    tls: TlsFiles | None = None,
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
    env: Mapping[str, str] | None = None,
    workdir: Path | None = None,
    cancel: threading.Event | None = None,
) -> RealStack:
    """Start the server and return once `/v1/health` says OK; the caller must `stop()` it.

    Prefer `run_real_stack`, which stops it for you. ``environment`` is the release's built
    environment (provisioned here when None: the first time, that downloads the server).
    A release that requires TLS is served with ``tls`` (or a CA and certificate made in
    ``workdir``). Raises `ProvisionError` when the environment cannot be built, and
    `RealStackError` with the log tail when the server exits early or stays unhealthy.
    """
    environment = environment or provision(release, cancel=cancel)
    release = environment.release
    config = _load_run_config(run_config)
    server = dict(config.get("server") or {})
    port = _free_port()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="lightspeed-real-stack-"))
    for folder in ("config", "store", "tmp"):
        (workdir / folder).mkdir(parents=True, exist_ok=True)
    if release.requires_tls and not (server.get("tls_certfile") and server.get("tls_keyfile")):
        tls = tls or issue_local_tls(workdir / "tls")
        server.update(tls_certfile=str(tls.server_pem), tls_keyfile=str(tls.server_key))
    elif not release.requires_tls and (server.get("tls_certfile") or tls is not None):
        raise RealStackError(f"the launcher serves {release.label} over plain HTTP; remove TLS")
    config["server"] = {**server, "host": "127.0.0.1", "port": port}
    config_path = workdir / "run.yaml"
    _write_run_config(config, config_path)
    log_path = workdir / "server.log"

    read_fd, write_fd = os.pipe()  # both ends are non-inheritable unless passed explicitly
    argv = release.run_command(config_path, port)
    try:
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [
                    str(environment.python),
                    "-c",
                    _WATCHDOG_BOOTSTRAP,
                    str(read_fd),
                    release.cli_module,
                    *argv,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_server_env(release, workdir, port, env),
                cwd=workdir,
                pass_fds=(read_fd,),
                start_new_session=True,
            )
    except BaseException:
        os.close(write_fd)
        raise
    finally:
        os.close(read_fd)

    secure = release.requires_tls
    stack = RealStack(
        url=f"{'https' if secure else 'http'}://127.0.0.1:{port}",
        port=port,
        process=process,
        workdir=workdir,
        config_path=config_path,
        log_path=log_path,
        release=release,
        ca_pem=tls.ca_pem if secure and tls is not None else None,
        _watchdog_fd=write_fd,
    )
    atexit.register(stack.stop)
    try:
        _wait_healthy(stack, startup_timeout, cancel)
    except BaseException:
        stack.stop()
        atexit.unregister(stack.stop)
        raise
    return stack


@contextlib.contextmanager
def run_real_stack(
    run_config: Mapping[str, Any] | Path,
    *,
    release: ServerRelease = DEFAULT_RELEASE,
    environment: ServerEnvironment[ServerRelease] | None = None,
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> Iterator[RealStack]:
    """Run a real server for the duration of the block; its temp folder is removed after."""
    with tempfile.TemporaryDirectory(prefix="lightspeed-real-stack-") as tmp:
        stack = start_real_stack(
            run_config,
            release=release,
            environment=environment,
            startup_timeout=startup_timeout,
            env=env,
            workdir=Path(tmp),
        )
        try:
            yield stack
        finally:
            stack.stop()
            atexit.unregister(stack.stop)
