"""`RunnerProcess`: the release's python running `console.library.runner`, asked in JSON lines.

The runner lives as long as the session that started it: one per deployment, reused for
every boot (a new library client at each token, as Lightspeed builds one) and every call.
Every request is bounded in time; past its bound, or when the awaiting task is cancelled
(Ctrl+C, quit, a newer request), the runner's whole process group is killed, since its
state is then unknown, and the next request starts a new one. The runner ends by itself
when its stdin closes, so a console that dies without a word (SIGKILL) leaves nothing
behind either: the pipe's end is its signal.

Its stderr (what the library logs and prints) goes to a file in the boot's temporary
folder; the last lines are shown, scrubbed, when the runner dies without an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.releases.catalog import ServerRelease

MAX_LINE = 16 * 1024 * 1024
"""The longest answer line read from the runner (a listing, a completion, a chunk)."""
_LOG_TAIL_BYTES = 64 * 1024
RUNNER = Path(__file__).with_name("runner.py")


@dataclass(frozen=True)
class RunnerReady:
    """The runner imported the release's library client."""

    version: str
    """The release's version, as its package metadata says."""
    import_s: float


class RunnerFailure(Exception):
    """The runner answered a request with an error: the release's own terms, as plain data."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(str(error.get("message") or error.get("type") or "failed"))
        self.error = dict(error)

    @property
    def phase(self) -> str:
        """Where it failed: ``import``, ``config``, ``initialize``, or the request's op."""
        return str(self.error.get("phase") or "")


class RunnerGone(Exception):
    """The runner ended (or never started) without answering; ``log`` is its last output."""

    def __init__(self, message: str, log: str) -> None:
        super().__init__(message)
        self.log = log


class RunnerTimeout(Exception):
    """No answer within the bound; the runner was stopped."""

    def __init__(self, op: str, seconds: float) -> None:
        super().__init__(f"{op}: no answer within {seconds:g} s")
        self.op = op
        self.seconds = seconds


class RunnerProcess:
    """One runner in the release's environment, with its temporary folder ``workdir``."""

    def __init__(
        self, release: ServerRelease, python: Path, workdir: Path, env: Mapping[str, str]
    ) -> None:
        self.release = release
        self.python = python
        self.workdir = workdir
        self.env = dict(env)
        self.ready: RunnerReady | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._log_path = workdir / "library.log"
        self._next_id = 0
        self._turn = asyncio.Lock()
        """One request at a time: the runner answers in order, and a reader reads its lines."""

    @property
    def running(self) -> bool:
        """Started and not ended."""
        return self._process is not None and self._process.returncode is None

    @property
    def pid(self) -> int | None:
        """The runner's process id (its process group's too), while it runs."""
        return self._process.pid if self._process is not None else None

    async def start(self, timeout: float) -> RunnerReady:
        """Start the runner and wait until it imported the release's library client."""
        if self.running and self.ready is not None:
            return self.ready
        await self.stop()
        with self._log_path.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                str(self.python),
                "-I",  # neither the console's folder nor PYTHON* variables reach the release
                str(RUNNER),
                self.release.library_client,
                self.release.package,
                str(self.workdir),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                env=self.env,
                cwd=self.workdir,
                start_new_session=True,  # the terminal's Ctrl+C is the console's to handle
                limit=MAX_LINE,
            )
        try:
            async with asyncio.timeout(timeout):
                message = await self._read()
        except TimeoutError:
            await self.stop()
            raise RunnerTimeout("import", timeout) from None
        except BaseException:
            await self.stop()
            raise
        if message.get("event") != "ready":
            error = message.get("error")
            await self.stop()
            raise RunnerFailure(error if isinstance(error, dict) else {"message": str(message)})
        self.ready = RunnerReady(str(message.get("version") or "?"), float(message["import_s"]))
        return self.ready

    async def request(
        self,
        op: str,
        fields: Mapping[str, Any] | None = None,
        *,
        timeout: float,
        on_chunk: Callable[[Any], object] | None = None,
    ) -> Any:
        """Send one request and return its result; `RunnerFailure` carries its error.

        ``on_chunk`` sees each streamed chunk as it arrives. Past ``timeout`` (the whole
        answer, chunks included) or on cancellation the runner is stopped.
        """
        async with self._turn:
            return await self._request(op, fields, timeout=timeout, on_chunk=on_chunk)

    async def _request(
        self,
        op: str,
        fields: Mapping[str, Any] | None,
        *,
        timeout: float,
        on_chunk: Callable[[Any], object] | None,
    ) -> Any:
        process = self._process
        if process is None or process.stdin is None or not self.running:
            raise RunnerGone("the library runner is not running", self.log_tail())
        self._next_id += 1
        ident = self._next_id
        line = json.dumps({"id": ident, "op": op, **(fields or {})}) + "\n"
        try:
            async with asyncio.timeout(timeout):
                process.stdin.write(line.encode())
                await process.stdin.drain()
                while True:
                    message = await self._read()
                    if message.get("id") != ident:
                        continue  # an answer to a request given up on before
                    if message.get("event") == "chunk":
                        if on_chunk is not None:
                            on_chunk(message.get("chunk"))
                        continue
                    if message.get("ok"):
                        return message.get("result")
                    error = message.get("error")
                    raise RunnerFailure(error if isinstance(error, dict) else {"message": "?"})
        except TimeoutError:
            await self.stop()
            raise RunnerTimeout(op, timeout) from None
        except (ConnectionError, BrokenPipeError):
            raise RunnerGone(self._ended(), self.log_tail()) from None
        except asyncio.CancelledError:
            await self.stop()
            raise

    async def _read(self) -> dict[str, Any]:
        """The next protocol line; `RunnerGone` when the runner ended without one."""
        process = self._process
        assert process is not None
        assert process.stdout is not None
        try:
            raw = await process.stdout.readline()
        except ValueError:  # a line past MAX_LINE: its end was not found in the bound
            await self.stop()
            raise RunnerFailure(
                {"type": "limit", "message": f"an answer line exceeded {MAX_LINE} bytes"}
            ) from None
        if not raw:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await process.wait()
            raise RunnerGone(self._ended(), self.log_tail())
        try:
            message = json.loads(raw)
        except ValueError:
            return {}
        return message if isinstance(message, dict) else {}

    def _ended(self) -> str:
        code = self._process.returncode if self._process is not None else None
        if code is None:
            return "the library runner closed its output"
        if code < 0:
            return f"the library runner was killed by signal {signal.Signals(-code).name}"
        return f"the library runner exited with code {code}"

    def log_tail(self) -> str:
        """The end of what the release printed (secrets are the caller's to scrub)."""
        try:
            with self._log_path.open("rb") as log:
                log.seek(0, os.SEEK_END)
                size = log.tell()
                log.seek(max(0, size - _LOG_TAIL_BYTES))
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    async def stop(self) -> None:
        """End the runner now: close its stdin (it leaves by itself), then kill its group.

        The kill happens even when the stop is cancelled while it waits (a quit cancels
        the work that is closing the runner).
        """
        process, self._process = self._process, None
        self.ready = None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError, RuntimeError):
                process.stdin.close()
        try:
            if process.returncode is None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.5):
                        await process.wait()
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # and whatever it started
        if process.returncode is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await process.wait()

    def kill_now(self) -> None:
        """Kill the runner's group without awaiting (an exit that cannot wait)."""
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)


def runner_environment(
    release: ServerRelease, workdir: Path, environ: Mapping[str, str] | None
) -> dict[str, str]:
    """The deployment's environment for the runner, with the release's state kept in ``workdir``.

    Only what points at the state or the log format is set; every variable the run.yaml
    may read stays as the deployment has it (or lacks it), so ``${env.*}`` resolves there
    as it would in the pod.
    """
    source = os.environ if environ is None else environ
    env = {
        name: value
        for name, value in source.items()
        if name not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
    }
    env.setdefault("PATH", os.environ.get("PATH", "/usr/bin:/bin"))
    env.update(
        {
            # Without it, OGX moves an existing ~/.llama to ~/.ogx and keeps its defaults there.
            f"{release.env_prefix}_CONFIG_DIR": str(workdir / "config"),
            # With the default rich logging, a traceback takes seconds to render.
            f"{release.env_prefix}_LOG_FORMAT": "json",
            "TMPDIR": str(workdir / "tmp"),
            "NO_COLOR": "1",
        }
    )
    return env
