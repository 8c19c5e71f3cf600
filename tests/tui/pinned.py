"""A sandbox whose every varying value is pinned, so screens render byte for byte the same.

The console really runs against the sandbox (Entra ID over HTTPS, Azure OpenAI, the Llama
Stack stand-in); only the sources of variation are replaced, from the test side, by
patching module attributes:

- ports: the stand-ins bind 27300, 27301, 27302 (Entra, Azure, Llama Stack, in start
  order) instead of port 0; a port in use fails the test with a message naming it;
- paths: the demo files and the TLS files live in ``/tmp/lightspeed-console-snapshots``,
  made fresh and removed afterwards; ``XDG_CONFIG_HOME`` points at a fixed folder;
- identities: ``uuid.uuid4`` and the ``secrets`` functions the sandbox uses return values
  from counters (tenant, client and object ids, the client secret, ``uti``/``aio``, trace
  ids, MSAL's correlation ids); the signing key has a fixed key id;
- time: one frozen wall clock (`FROZEN_NOW`, with ``TZ=UTC``) for the Entra stand-in, the
  app, the event log, the token manager, azure-identity and MSAL (``expires_on``), and
  PyJWT in the Azure stand-in (which checks ``exp``/``nbf`` against it); the
  ``perf_counter`` behind the doctor's step durations, the token request durations, the
  inference's latency and TTFT and httpx's ``response.elapsed`` advances by a fixed step
  per reading (per thread);
- notifications stay up (a long timeout), so whether a toast shows does not depend on
  how fast the machine is.
"""

from __future__ import annotations

import fcntl
import importlib
import itertools
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from console.sandbox import servers
from console.sandbox.demo import DemoInfo, DemoSandbox
from console.sandbox.entra.server import EntraServer
from console.sandbox.entra.stand_in import EntraStandIn
from console.sandbox.tokens import TokenIssuer
from screens.app import LightspeedConsole
from tests.tui.conftest import launch_for

FROZEN_NOW = 1767268800.0
"""2026-01-01 12:00:00 UTC: the one wall-clock time every pinned component reads."""
BASE_PORT = 27300
"""Below Linux's ephemeral range (32768-60999): no client socket on the machine, the test's
own included, can be given one of these as its local port while the sandbox starts."""
PORT_COUNT = 3
WORKDIR = Path("/tmp/lightspeed-console-snapshots")
"""Fixed, because file paths show on screen; made fresh for each test, removed after."""
LOCK = Path("/tmp/lightspeed-console-snapshots.lock")
"""Held while a pinned sandbox runs: its ports and folder are one per machine."""
SIGNING_KID = "SandboxSigningKey00000000000"
STEP_S = {
    "console.doctor.runner": 0.042,
    "console.entra.manager": 0.180,
    "console.inference.run": 0.150,
    "httpx._client": 0.012,
}
"""How far each module's perf_counter moves per reading, per thread: a doctor step, a token
request, the inference's TTFT, an HTTP round trip (``response.elapsed``)."""
FROZEN_TIME_MODULES = (
    "console.inference.errors",
    "azure.identity._internal.client_credential_base",
    "azure.identity._internal.get_token_mixin",
    "azure.identity._internal.utils",
    "msal.application",
    "msal.token_cache",
)
NOTIFICATION_TIMEOUT_S = 3600.0
LIVE_BOUND_S = 20.0
"""The token and server timeouts of a pinned app: far above what a call takes, even loaded."""
WRONG_SECRET = "Wr0ng8Q~NotTheSandboxSecretValue00000000"
"""A client secret Entra refuses (AADSTS7000215), for the failure snapshot."""


def frozen_clock() -> float:
    return FROZEN_NOW


class PinnedTime:
    """Stands in for the ``time`` module inside one module: wall clock frozen, perf_counter
    stepping by a fixed amount per reading; everything else is the real one."""

    def __init__(self, step_s: float = 0.0) -> None:
        self._step_s = step_s
        self._ticks = threading.local()

    def time(self) -> float:
        return FROZEN_NOW

    def time_ns(self) -> int:
        return int(FROZEN_NOW * 1_000_000_000)

    def perf_counter(self) -> float:
        """Per thread, so a reading in another thread never moves this one's durations."""
        ticks: int = getattr(self._ticks, "count", 0) + 1
        self._ticks.count = ticks
        return 1000.0 + ticks * self._step_s

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class FrozenDatetime(datetime):
    """``datetime`` whose ``now`` is `FROZEN_NOW` (for PyJWT's expiry checks)."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> FrozenDatetime:
        moment = datetime.fromtimestamp(FROZEN_NOW, tz)
        return cls.fromtimestamp(moment.timestamp(), tz)


class Counters:
    """Deterministic stand-ins for uuid4 and the ``secrets`` functions, one counter each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uuids = itertools.count(1)
        self._bytes = itertools.count(1)
        self._texts = itertools.count(1)

    def uuid4(self) -> uuid.UUID:
        with self._lock:
            number = next(self._uuids)
        return uuid.UUID(int=(0x5A4D_B0C5 << 96) | number, version=4)

    def token_bytes(self, nbytes: int | None = None) -> bytes:
        with self._lock:
            number = next(self._bytes)
        size = 32 if nbytes is None else nbytes
        return number.to_bytes(4, "big").rjust(size, b"\x5a")[:size]

    def token_urlsafe(self, nbytes: int | None = None) -> str:
        with self._lock:
            number = next(self._texts)
        size = 32 if nbytes is None else nbytes
        body = f"Pinned{number:04d}SandboxValue"
        return (body * (size // len(body) + 2))[: max(size * 4 // 3, 8)]

    def token_hex(self, nbytes: int | None = None) -> str:
        return self.token_bytes(nbytes).hex()


@dataclass(frozen=True)
class Pinned:
    """The running sandbox and what a test needs to build apps on it."""

    sandbox: DemoSandbox
    info: DemoInfo

    def app(self, **launch_options: object) -> LightspeedConsole:
        """An app on the sandbox, with the frozen clock, as the tests and `demo` build it."""
        from dataclasses import replace

        # Generous bounds (hang guards): on a loaded machine a 2 s server timeout failed
        # the first check of a cold stand-in, and the picture with it.
        given = {"token_timeout": LIVE_BOUND_S, "stack_timeout": LIVE_BOUND_S, **launch_options}
        launch = replace(launch_for(self.info, **given), clock=frozen_clock)  # type: ignore[arg-type]
        return pin_app(LightspeedConsole(launch))


def pin_app(app: LightspeedConsole) -> LightspeedConsole:
    """Freeze what the app itself reads from the clock: log times, toast lifetimes."""
    app.events.clock = lambda: datetime.fromtimestamp(FROZEN_NOW)
    notify = app.notify

    def long_lived(message: str, *args: Any, **kwargs: Any) -> None:
        kwargs["timeout"] = NOTIFICATION_TIMEOUT_S
        notify(message, *args, **kwargs)

    app.notify = long_lived  # type: ignore[method-assign]
    return app


def _pinned_ports() -> Callable[[str, int], socket.socket]:
    real = servers._make_listening_socket
    ports = iter(range(BASE_PORT, BASE_PORT + PORT_COUNT))

    def make(host: str, port: int) -> socket.socket:
        if port != 0:
            return real(host, port)
        fixed = next(ports, None)
        if fixed is None:
            raise RuntimeError(
                f"the pinned sandbox starts {PORT_COUNT} servers, on "
                f"{BASE_PORT}-{BASE_PORT + PORT_COUNT - 1}; a further one was asked for"
            )
        try:
            return real(host, fixed)
        except OSError as error:
            pytest.fail(
                f"port {fixed} on {host} is taken ({error.strerror}): the snapshot tests need "
                f"{BASE_PORT}-{BASE_PORT + PORT_COUNT - 1} free, since the URLs show on screen",
                pytrace=False,
            )

    return make


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


@contextmanager
def pinned_sandbox() -> Iterator[Pinned]:
    """Start the sandbox with everything pinned; stop it, remove its folder, unpin after.

    Its ports and folder are the machine's, so two test processes (pytest-xdist's workers)
    take turns: each holds `LOCK` while its pinned sandbox runs.
    """
    with LOCK.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield from _pinned_sandbox()
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def _pinned_sandbox() -> Iterator[Pinned]:
    old_tz = os.environ.get("TZ")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        try:
            _pin(patch)
            shutil.rmtree(WORKDIR, ignore_errors=True)
            WORKDIR.mkdir(parents=True)
            sandbox = DemoSandbox(server="stand-in", workdir=WORKDIR)
            sandbox.entra = EntraServer(
                EntraStandIn(issuer=TokenIssuer(kid=SIGNING_KID), clock=frozen_clock),
                workdir=WORKDIR,
            )
            try:
                info = sandbox.start()
                yield Pinned(sandbox, info)
            finally:
                sandbox.stop()
                shutil.rmtree(WORKDIR, ignore_errors=True)
        finally:
            if old_tz is None:
                os.environ.pop("TZ", None)
            else:
                os.environ["TZ"] = old_tz
            time.tzset()


def _pin(patch: pytest.MonkeyPatch) -> None:
    """Every patch but the sandbox itself (undone when ``patch``'s context ends)."""
    import secrets

    from console.entra.manager import TokenManager

    patch.setenv("XDG_CONFIG_HOME", str(WORKDIR / "xdg"))
    counters = Counters()
    patch.setattr(uuid, "uuid4", counters.uuid4)
    for name in ("token_bytes", "token_urlsafe", "token_hex"):
        patch.setattr(secrets, name, getattr(counters, name))
    patch.setattr(servers, "_make_listening_socket", _pinned_ports())
    for module, step in STEP_S.items():
        patch.setattr(_module(module), "time", PinnedTime(step))
    for module in FROZEN_TIME_MODULES:
        patch.setattr(_module(module), "time", PinnedTime())
    patch.setattr(_module("jwt.api_jwt"), "datetime", FrozenDatetime)
    kwdefaults = TokenManager.__init__.__kwdefaults__
    assert kwdefaults is not None
    assert "clock" in kwdefaults
    patch.setitem(kwdefaults, "clock", frozen_clock)
