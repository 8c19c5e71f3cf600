"""Real Llama Stack and OGX servers, each release in its own uv-managed environment.

The console never installs a server into its own environment: llama-stack 0.7.3 needs
``mcp<2`` and OGX 1.5 needs ``mcp>=2``, a server is hundreds of MB, and an operator running
the console against a deployment needs none of it. The demo and the tests instead ask for a
*release* (`ServerRelease`: what to install, how to start it, what it reads) and get an
environment built once with uv in the user's cache folder, then reused:

    ~/.cache/lightspeed-console/servers/ogx-1.2.5-<hash>/   (a virtual environment)

The hash covers the requirements and the Python version, so changing a pin builds a new
environment beside the old one. An environment is built in a ``.partial-*`` folder and
renamed into place only when ``uv pip install`` succeeded, under a file lock, so two
processes (a demo and the tests) never build the same one twice or see half of one. Every
failure (no uv, no network, a registry error) becomes a `ProvisionError` with uv's own
words and a remedy; the demo then falls back to the stand-in and says why.

What each release is lives in `console.releases.catalog`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from console.releases.catalog import Installable
from console.settings.user import APP_NAME

CACHE_ENV = "LIGHTSPEED_CONSOLE_SERVER_CACHE"
"""Overrides where server environments are kept (default: the user cache folder)."""
_READY = "lightspeed-console-ready.json"
_LOCK_POLL_S = 0.2


class ProvisionError(RuntimeError):
    """A server environment could not be built; ``reason`` and ``remedy`` say why and what to do."""

    def __init__(self, release: Installable, reason: str, remedy: str) -> None:
        super().__init__(f"{release.label}: {reason}")
        self.release = release
        self.reason = reason
        self.remedy = remedy


@dataclass(frozen=True)
class ProvisionProgress:
    """What provisioning is doing now, for a progress line."""

    release: Installable
    phase: str
    """``checking``, ``waiting`` (another process builds it), ``installing``, ``ready``."""
    detail: str = ""
    """uv's latest line while installing (``Downloading ogx-client (1.5MiB)``...)."""


@dataclass(frozen=True)
class ServerEnvironment[R: Installable]:
    """A built environment of one release."""

    release: R
    root: Path
    built: bool
    """True when this call built it (the first run downloads), False when it was cached."""

    @property
    def python(self) -> Path:
        """The environment's interpreter, which runs the server."""
        return self.root / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        """Where its packages are installed (``lib/python3.X/site-packages``)."""
        return next(self.root.glob("lib/python*/site-packages"))


Progress = Callable[[ProvisionProgress], None]


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """Where the server environments live: ``$LIGHTSPEED_CONSOLE_SERVER_CACHE``, else the cache."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "servers"


def find_uv(environ: Mapping[str, str] | None = None) -> str | None:
    """The uv binary: the one running us (``$UV``, set by ``uv run``), else the one on PATH."""
    env = os.environ if environ is None else environ
    candidate = env.get("UV")
    if candidate and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("uv", path=env.get("PATH"))


def environment_dir(release: Installable, root: Path) -> Path:
    """The folder of a release's environment: its key and a hash of what is installed."""
    stamp = _stamp(release)
    digest = hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()[:10]
    return root / f"{release.key}-{digest}"


def cached_environment[R: Installable](
    release: R, root: Path | None = None
) -> ServerEnvironment[R] | None:
    """The release's environment when it is already built (no uv call, no lock), else None."""
    folder = environment_dir(release, root or cache_root())
    return ServerEnvironment(release, folder, built=False) if _is_ready(folder, release) else None


def provision[R: Installable](
    release: R,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    root: Path | None = None,
) -> ServerEnvironment[R]:
    """The release's environment, built with uv the first time; `ProvisionError` when it cannot be.

    ``cancel`` (set from another thread) stops waiting for the lock and kills uv; the
    half-built folder is removed, so the next call starts clean.
    """
    report = progress or (lambda _: None)
    base = root or cache_root()
    report(ProvisionProgress(release, "checking", str(base)))
    found = cached_environment(release, base)
    if found is not None:
        return found
    uv = find_uv()
    if uv is None:
        raise ProvisionError(
            release,
            "uv is not installed: real servers run from environments uv builds",
            "pip install uv (or run the demo with --stand-in)",
        )
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProvisionError(
            release,
            f"cannot create {base}: {error.strerror}",
            f"make it writable, or set {CACHE_ENV} to a writable folder",
        ) from None
    with _locked(base / f"{release.key}.lock", release, report, cancel):
        found = cached_environment(release, base)
        if found is not None:  # another process built it while we waited
            return found
        folder = environment_dir(release, base)
        _remove_partials(base, release)
        partial = Path(tempfile.mkdtemp(prefix=f"{release.key}.partial-", dir=base))
        try:
            _build(uv, release, partial, report, cancel)
            (partial / _READY).write_text(json.dumps(_stamp(release), sort_keys=True))
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(partial, folder)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    report(ProvisionProgress(release, "ready", str(folder)))
    return ServerEnvironment(release, folder, built=True)


# ------------------------------------------------------------------------------ internals


def _stamp(release: Installable) -> dict[str, object]:
    stamp: dict[str, object] = {
        "requirements": list(release.requirements),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    if release.install_args:
        stamp["install_args"] = list(release.install_args)
    return stamp


def _is_ready(folder: Path, release: Installable) -> bool:
    try:
        stamp = json.loads((folder / _READY).read_text())
    except (OSError, ValueError):
        return False
    return stamp == _stamp(release) and (folder / "bin" / "python").exists()


def _remove_partials(base: Path, release: Installable) -> None:
    """Folders a killed build left behind (we hold the lock, so nobody is building them)."""
    for stale in base.glob(f"{release.key}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def _locked(
    path: Path, release: Installable, report: Progress, cancel: threading.Event | None
) -> Iterator[None]:
    """An exclusive lock on ``path`` (another process may be building the same release)."""
    with path.open("a") as handle:
        said = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not said:
                    report(ProvisionProgress(release, "waiting", "another process is building it"))
                    said = True
                if cancel is not None and cancel.wait(_LOCK_POLL_S):
                    raise ProvisionError(release, "cancelled", "") from None
                if cancel is None:
                    time.sleep(_LOCK_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(
    uv: str,
    release: Installable,
    folder: Path,
    report: Progress,
    cancel: threading.Event | None,
) -> None:
    """``uv venv`` then ``uv pip install`` into ``folder``, reporting uv's progress lines."""
    report(ProvisionProgress(release, "installing", "creating the environment"))
    _uv(uv, release, ["venv", "--quiet", "--python", sys.executable, str(folder)], report, cancel)
    python = str(folder / "bin" / "python")
    args = ["pip", "install", "--python", python, *release.install_args, *release.requirements]
    _uv(uv, release, args, report, cancel)


def _uv(
    uv: str,
    release: Installable,
    args: list[str],
    report: Progress,
    cancel: threading.Event | None,
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["NO_COLOR"] = "1"
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [uv, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    )
    stop_watch = _kill_on_cancel(process, cancel)
    lines: list[str] = []
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.strip()
        if not line:
            continue
        lines.append(line)
        if not line.startswith(("+ ", "- ")):  # one line per package installed: too chatty
            report(ProvisionProgress(release, "installing", line))
    code = process.wait()
    stop_watch.set()
    if cancel is not None and cancel.is_set():
        raise ProvisionError(release, "cancelled", "")
    if code != 0:
        verb = " ".join(args[:2]) if args[0] == "pip" else args[0]
        raise ProvisionError(
            release,
            f"uv {verb} failed: {_uv_error(lines)}",
            "check access to the package registry (PyPI or UV_INDEX_URL), "
            "or run the demo with --stand-in",
        )


def _uv_error(lines: list[str]) -> str:
    """uv's own explanation: from its first ``error:`` line on, else its last lines."""
    for index, line in enumerate(lines):
        if line.lstrip().startswith("error"):
            return " ".join(part.strip() for part in lines[index : index + 4])
    return " ".join(part.strip() for part in lines[-3:]) or "no output"


def _kill_on_cancel(
    process: subprocess.Popen[str], cancel: threading.Event | None
) -> threading.Event:
    """Kill uv's process group when ``cancel`` is set; set the returned event to stop watching."""
    finished = threading.Event()
    if cancel is None:
        return finished

    def watch() -> None:
        while not finished.is_set():
            if cancel.wait(0.1):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                return

    threading.Thread(target=watch, name="uv-cancel", daemon=True).start()
    return finished
