"""The whole sandbox in one object: Entra ID, Azure OpenAI and a Llama Stack, plus demo configs.

`DemoSandbox` starts the three services on 127.0.0.1, writes a lightspeed-stack.yaml and a
run.yaml that point at them into a temp folder, and stops and removes everything on `stop()`
(also registered with atexit, and a real server has its own parent-death watchdog). The
Entra ID authority and its CA, and the server's CA, are handed to the console the way an
operator hands them over for any private cloud: URLs and CA bundles, never a code path of
their own.

The Llama Stack is what today's Lightspeed runs, a real OGX 1.2.5 server over TLS, unless
another release or the stand-in is asked for. The server comes from its own environment
(`console.releases.environments`), built by uv on the first run; when it cannot be had (no uv,
no registry) and none was asked for by name, the stand-in takes its place and the reason is
reported. Each service reports its progress through a `console.settings.bringup.Report`, so the
console can show the sandbox coming up behind its first frame.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from console.releases.catalog import ServerRelease
from console.releases.environments import (
    ProvisionError,
    ProvisionProgress,
    cached_environment,
    provision,
)
from console.sandbox import faults as fault_catalogue
from console.sandbox.azure_openai.server import AzureOpenAIServer
from console.sandbox.choice import STAND_IN_LABEL, choose_stack
from console.sandbox.demo_files import (
    MAIN,
    Credentials,
    DemoServer,
    StackKind,
    lightspeed_yaml_text,
    run_yaml_text,
    write_deployments,
)
from console.sandbox.entra.server import EntraServer
from console.sandbox.legacy import LegacyStack
from console.sandbox.llama_stack.server import LlamaStackServer
from console.sandbox.real_stack import (
    RealStack,
    RealStackError,
    minimal_run_config,
    start_real_stack,
)
from console.settings.bringup import BringupCancelled, BringupError, Phase, Report, ServiceUpdate
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.azure import DEFAULT_SCOPE

DEMO_MODELS = ("gpt-4o-mini", "gpt-4.1")


class _Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass(frozen=True)
class DemoInfo:
    """Everything a script needs to talk to the sandbox (its credentials are sandbox-only)."""

    authority: str
    ca_bundle: str
    tenant_id: str
    client_id: str
    client_secret: str
    scope: str
    azure_base_url: str
    stack_url: str
    stack_kind: StackKind
    stack_release: str
    """What answers at ``stack_url``: ``OGX 1.2.5``, ``llama-stack 0.7.3`` or the stand-in."""
    stack_ca_bundle: str | None
    """The CA the server's certificate is signed by (None: plain HTTP)."""
    lightspeed_config: str
    run_config: str
    notes: list[str] = field(default_factory=list)
    """Why the sandbox differs from what was asked (a stand-in in place of a server)."""
    settings_file: str | None = None
    """The demo's own settings file with its named deployments (``check --all --settings``)."""
    legacy_stack_url: str | None = None
    """Where the ``legacy`` deployment's server (llama-stack 0.7.3 or its stand-in) answers."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object ``demo --headless`` prints first."""
        return asdict(self)

    @property
    def environ(self) -> dict[str, str]:
        """The variables the demo lightspeed-stack.yaml references, and the authority."""
        return {
            "TENANT_ID": self.tenant_id,
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
            "AZURE_AUTHORITY_HOST": self.authority,
        }

    @property
    def model_id(self) -> str:
        """The id the server lists the demo's first model under (a real server, llama-stack
        or OGX, prefixes its provider's id; the stand-in lists the bare name)."""
        model = DEMO_MODELS[0]
        return model if self.stack_kind == "sandbox" else f"azure/{model}"

    @property
    def options(self) -> LiveOptions:
        """How the console reaches the sandbox: its authority and both CAs."""
        return LiveOptions(
            authority=self.authority,
            ca_bundle=Path(self.ca_bundle),
            stack_ca_bundle=Path(self.stack_ca_bundle) if self.stack_ca_bundle else None,
        )

    def target(self) -> Target:
        """The sandbox as a deployment to check, with the demo's other deployments."""
        deployments = {}
        if self.settings_file is not None:
            from console.settings.user import load_user_settings

            deployments = dict(load_user_settings(Path(self.settings_file))[0].deployments)
        return Target(
            lightspeed_config=Path(self.lightspeed_config),
            run_config=Path(self.run_config),
            options=self.options,
            environ=self.environ,
            deployment=MAIN if deployments else None,
            tag=deployments[MAIN].tag if MAIN in deployments else None,
            deployments=deployments,
            settings_file=Path(self.settings_file) if deployments and self.settings_file else None,
        )


class DemoSandbox:
    """Starts and stops the sandbox services and writes the demo configuration files."""

    def __init__(
        self,
        *,
        server: str | None = None,
        faults: Iterable[str] = (),
        workdir: Path | None = None,
    ) -> None:
        """``server``: a release key, ``stand-in``, or None for the default with fallback.

        Raises what `console.sandbox.choice.choose_stack` raises for a bad choice.
        """
        self.fault_names = list(faults)
        self.choice = choose_stack(server, self.fault_names)
        self._workdir_given = workdir
        self.workdir: Path | None = None
        self.entra = EntraServer()
        self.azure: AzureOpenAIServer | None = None
        self.stack_stand_in: LlamaStackServer | None = None
        self.real_stack: RealStack | None = None
        self.legacy: LegacyStack | None = None
        self.info: DemoInfo | None = None
        self._cancel = threading.Event()
        self._starting = threading.Lock()

    @property
    def services(self) -> tuple[ServiceUpdate, ...]:
        """The three services in their first state, for a screen to list before they start."""
        return self.choice.services

    def start(self, report: Report | None = None) -> DemoInfo:
        """Start everything; on any failure, stop what was started and re-raise.

        Raises `BringupError` (`BringupCancelled` after `cancel`) when a service cannot be
        had, `ProvisionError` / `RealStackError` never escape.
        """
        atexit.register(self.stop)
        with self._starting:
            try:
                return self._start(report or (lambda _: None))
            except BaseException:
                self._teardown()
                raise

    def cancel(self) -> None:
        """Make a `start` running in another thread give up soon; never blocks."""
        self._cancel.set()

    def _checkpoint(self) -> None:
        if self._cancel.is_set():
            raise BringupCancelled

    def _start(self, report: Report) -> DemoInfo:
        self.workdir = self._workdir_given or Path(tempfile.mkdtemp(prefix="lightspeed-demo-"))
        identity = self.entra.stand_in.add_demo_identity(roles=("Cognitive Services OpenAI User",))
        first = {update.service: update for update in self.services}
        with _timed(report, first["entra"]) as done:
            self.entra.start()
            done(self.entra.authority)
        self._checkpoint()
        with _timed(report, first["azure"]) as done:
            self.azure = AzureOpenAIServer(issuer=self.entra.issuer)
            self.azure.stand_in.deployments = list(DEMO_MODELS)
            self.azure.start()
            done(self.azure.base_url)
        self._checkpoint()
        store = self.workdir / "store"
        store.mkdir(exist_ok=True)
        run_config = minimal_run_config(
            self.azure.base_url,
            models=DEMO_MODELS,
            storage_dir=f"${{env.SQLITE_STORE_DIR:={store}}}",
        )
        self._apply_faults(before_stack=True)
        notes: list[str] = []
        if self.choice.runs_legacy:  # overlaps the main server's start
            self.legacy = LegacyStack(self._cancel)
            self.legacy.start(run_config, self.workdir / "stack-legacy", report)
        stack_url, kind, label, stack_ca = self._start_stack(run_config, report, notes)
        run_path = self.workdir / "run.yaml"
        lightspeed_path = self.workdir / "lightspeed-stack.yaml"
        run_path.write_text(run_yaml_text(run_config))
        lightspeed_path.write_text(lightspeed_yaml_text(stack_url, kind))
        main = DemoServer(stack_url, kind, label, stack_ca)
        legacy_server = self.legacy.result() if self.legacy is not None else main
        if self.legacy is not None and self.legacy.note is not None:
            notes.append(f"legacy deployment: {self.legacy.note}")
        credentials = Credentials(
            identity.tenant_id,
            identity.client_id,
            identity.client_secret,
            self.entra.authority,
            str(self.entra.ca_pem),
        )
        settings_file = write_deployments(
            self.workdir, credentials, main, legacy_server, run_config
        )
        self.info = DemoInfo(
            authority=self.entra.authority,
            ca_bundle=str(self.entra.ca_pem),
            tenant_id=identity.tenant_id,
            client_id=identity.client_id,
            client_secret=identity.client_secret,
            scope=DEFAULT_SCOPE,
            azure_base_url=self.azure.base_url,
            stack_url=stack_url,
            stack_kind=kind,
            stack_release=label,
            stack_ca_bundle=stack_ca,
            lightspeed_config=str(lightspeed_path),
            run_config=str(run_path),
            notes=notes,
            settings_file=str(settings_file),
            legacy_stack_url=legacy_server.url,
        )
        return self.info

    def _start_stack(
        self, run_config: dict[str, Any], report: Report, notes: list[str]
    ) -> tuple[str, StackKind, str, str | None]:
        """(url, kind, label, CA bundle) of the release asked for, or of the stand-in."""
        if self.choice.release is not None:
            try:
                stack = self._start_release(self.choice.release, run_config, report)
            except (ProvisionError, RealStackError) as error:
                self._checkpoint()
                reason = error.reason if isinstance(error, ProvisionError) else _first_line(error)
                if self.choice.explicit:
                    remedy = (
                        error.remedy
                        if isinstance(error, ProvisionError)
                        else "look at the log tail above, or run the demo with --server stand-in"
                    )
                    failed = f"{reason} (remedy: {remedy})"
                    report(ServiceUpdate("stack", self.choice.label, Phase.FAILED, failed))
                    raise BringupError(
                        f"{self.choice.release.label} could not be started: {reason}", remedy
                    ) from None
                note = f"{self.choice.release.label} unavailable ({reason}); using the stand-in"
                notes.append(note)
                report(ServiceUpdate("stack", self.choice.label, Phase.REPLACED, note))
            else:
                kind: StackKind = "ogx" if stack.release.package == "ogx" else "llama-stack"
                ca = str(stack.ca_pem) if stack.ca_pem else None
                return stack.url, kind, stack.release.label, ca
        with _timed(report, ServiceUpdate("stack", STAND_IN_LABEL, Phase.WAITING)) as done:
            self.stack_stand_in = LlamaStackServer(run_config)
            self._apply_faults(before_stack=False)
            self.stack_stand_in.start()
            done(self.stack_stand_in.url)
        return self.stack_stand_in.url, "sandbox", STAND_IN_LABEL, None

    def _start_release(
        self, release: ServerRelease, run_config: dict[str, Any], report: Report
    ) -> RealStack:
        label = self.choice.label
        environment = cached_environment(release)
        if environment is None:

            def installing(progress: ProvisionProgress) -> None:
                if progress.phase in ("checking", "ready"):
                    return
                detail = f"first run, installing {release.label} with uv: {progress.detail}"
                report(ServiceUpdate("stack", label, Phase.INSTALLING, detail))

            environment = provision(release, progress=installing, cancel=self._cancel)
        assert self.workdir is not None
        with _timed(report, ServiceUpdate("stack", label, Phase.WAITING)) as done:
            self.real_stack = start_real_stack(
                run_config,
                environment=environment,
                workdir=self.workdir / "stack",
                cancel=self._cancel,
            )
            done(self.real_stack.url)
        return self.real_stack

    def _apply_faults(self, *, before_stack: bool) -> None:
        targets: dict[str, object] = {"entra": self.entra.faults}
        if self.azure is not None:
            targets["azure"] = self.azure.faults
        names = self.fault_names
        if before_stack:
            names = [n for n in names if fault_catalogue.parse(n)[0].service != "stack"]
        else:
            assert self.stack_stand_in is not None
            targets = {"stack": self.stack_stand_in.faults}
            names = [n for n in names if fault_catalogue.parse(n)[0].service == "stack"]
        fault_catalogue.apply(names, targets)

    def stop(self) -> None:
        """Stop every service and remove the temp folder; safe to call more than once.

        A `start` running in another thread is cancelled first and waited for, so nothing
        it starts afterwards is left behind.
        """
        self._cancel.set()
        with self._starting:
            self._teardown()
        atexit.unregister(self.stop)

    def _teardown(self) -> None:
        started = (self.legacy, self.real_stack, self.stack_stand_in, self.azure)
        services: list[_Stoppable] = [self.entra, *(s for s in started if s is not None)]
        self.legacy = self.real_stack = self.stack_stand_in = self.azure = None
        # Each stop waits for its server to notice and close: side by side, the waits overlap.
        with ThreadPoolExecutor(len(services), thread_name_prefix="sandbox-stop") as stopping:
            for stopped in [stopping.submit(service.stop) for service in services]:
                stopped.result()  # a failure to stop is said, as it was one by one
        if self.workdir is not None and self._workdir_given is None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@contextmanager
def _timed(report: Report, service: ServiceUpdate) -> Iterator[Callable[[str], None]]:
    """Report ``service`` as starting, then ready in N ms (``done(url)``) or failed with why."""
    started = time.monotonic()
    report(replace(service, phase=Phase.STARTING))

    def done(url: str) -> None:
        report(
            replace(service, phase=Phase.READY, detail=url, elapsed_s=time.monotonic() - started)
        )

    try:
        yield done
    except BringupCancelled:
        raise
    except BaseException as error:
        elapsed = time.monotonic() - started
        report(replace(service, phase=Phase.FAILED, detail=_first_line(error), elapsed_s=elapsed))
        raise
