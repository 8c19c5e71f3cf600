"""The demo's second server: a llama-stack 0.7.3 beside the OGX one, for its ``legacy`` deployment.

It starts in its own thread while the main server starts, so the two real servers' start
times overlap instead of adding up (each takes seconds), and it reports as its own service
(``legacy``), so the console's services panel shows it coming up behind the first frame.

It runs llama-stack 0.7.3 from its environment when that is already built; otherwise the
0.7.3 stand-in takes its place at once (a first demo run downloads one server, not two),
and the service says why. When the main server is not OGX, there is no second server: the
``legacy`` deployment points at the main one.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from console.releases.catalog import LLAMA_STACK_0_7_3
from console.releases.environments import cached_environment
from console.sandbox.choice import LEGACY_LABEL as LABEL
from console.sandbox.choice import LEGACY_SERVICE as SERVICE
from console.sandbox.choice import STAND_IN_LABEL
from console.sandbox.demo_files import DemoServer
from console.sandbox.llama_stack.server import LlamaStackServer
from console.sandbox.real_stack import RealStack, RealStackError, start_real_stack
from console.settings.bringup import Phase, Report, ServiceUpdate


class LegacyStack:
    """Starts in a thread (`start`), is waited for (`result`), and stops (`stop`)."""

    def __init__(self, cancel: threading.Event) -> None:
        self._cancel = cancel
        self._thread: threading.Thread | None = None
        self._server: DemoServer | None = None
        self._error: BaseException | None = None
        self.real: RealStack | None = None
        self.stand_in: LlamaStackServer | None = None
        self.note: str | None = None
        """Why the stand-in runs in place of llama-stack 0.7.3 (None: the real one runs)."""

    def start(self, run_config: dict[str, Any], workdir: Path, report: Report) -> None:
        """Begin starting it in a thread; `result` waits for it."""
        self._thread = threading.Thread(
            target=self._run,
            args=(run_config, workdir, report),
            name="demo-legacy-stack",
            daemon=True,
        )
        self._thread.start()

    def result(self) -> DemoServer:
        """The server once it is up; re-raises what stopped it (a cancel)."""
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._server is not None
        return self._server

    def _run(self, run_config: dict[str, Any], workdir: Path, report: Report) -> None:
        started = time.monotonic()
        report(ServiceUpdate(SERVICE, LABEL, Phase.STARTING))
        try:
            environment = cached_environment(LLAMA_STACK_0_7_3)
            if environment is not None:
                try:
                    self.real = start_real_stack(
                        run_config,
                        environment=environment,
                        workdir=workdir,
                        cancel=self._cancel,
                    )
                except RealStackError as error:
                    reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
                    self._stand_in(run_config, report, f"could not start ({reason})")
                else:
                    self._server = DemoServer(self.real.url, "llama-stack", LLAMA_STACK_0_7_3.label)
                    elapsed = time.monotonic() - started
                    report(ServiceUpdate(SERVICE, LABEL, Phase.READY, self.real.url, elapsed))
            else:
                self._stand_in(
                    run_config,
                    report,
                    "not built yet (lightspeed-console demo --server llama-stack-0.7.3 builds it)",
                )
        except BaseException as error:  # a cancel, or a failure the main thread re-raises
            self._error = error
            elapsed = time.monotonic() - started
            report(ServiceUpdate(SERVICE, LABEL, Phase.FAILED, str(error), elapsed))

    def _stand_in(self, run_config: dict[str, Any], report: Report, why: str) -> None:
        self.stand_in = LlamaStackServer(run_config)
        self.stand_in.start()
        self._server = DemoServer(self.stand_in.url, "sandbox", STAND_IN_LABEL)
        self.note = f"{LLAMA_STACK_0_7_3.label} {why}; the 0.7.3 stand-in runs in its place"
        report(ServiceUpdate(SERVICE, LABEL, Phase.REPLACED, self.note))

    def stop(self) -> None:
        """Stop whichever server it started (waits for a start in progress)."""
        if self._thread is not None:
            self._thread.join()
        if self.real is not None:
            self.real.stop()
            self.real = None
        if self.stand_in is not None:
            self.stand_in.stop()
            self.stand_in = None
