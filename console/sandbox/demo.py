"""The whole sandbox in one object: Entra ID, Azure OpenAI and Llama Stack, plus demo configs.

`DemoSandbox` starts the three services on 127.0.0.1, writes a lightspeed-stack.yaml and a
run.yaml that point at them into a temp folder, and stops and removes everything on `stop()`
(also registered with atexit, and the real llama-stack server has its own parent-death
watchdog). The Entra ID authority and its CA are handed to the console the way an operator
hands them over for any private cloud: an authority URL and a CA bundle, never a code path
of their own.
"""

from __future__ import annotations

import atexit
import io
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from ruamel.yaml import YAML

from console.sandbox import faults as fault_catalogue
from console.sandbox.azure_openai import AzureOpenAIServer
from console.sandbox.entra import DEFAULT_SCOPE, EntraServer
from console.sandbox.llama_stack import LlamaStackServer
from console.sandbox.real_stack import (
    RealStack,
    minimal_run_config,
    real_stack_available,
    start_real_stack,
)

StackKind = Literal["real", "sandbox"]
DEMO_MODELS = ("gpt-4o-mini", "gpt-4.1")


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
    lightspeed_config: str
    run_config: str

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


class DemoSandbox:
    """Starts and stops the sandbox services and writes the demo configuration files."""

    def __init__(
        self,
        *,
        real_stack: bool | None = None,
        faults: Iterable[str] = (),
        workdir: Path | None = None,
    ) -> None:
        """``real_stack``: None picks the real server when llama-stack is installed.

        Faults on the Llama Stack itself (``stack-*``) need the stand-in, which has them.
        """
        self.fault_names = list(faults)
        specs = [fault_catalogue.parse(name)[0] for name in self.fault_names]
        wants_stack_fault = any(spec.service == "stack" for spec in specs)
        if real_stack is None:
            real_stack = real_stack_available() and not wants_stack_fault
        if real_stack and wants_stack_fault:
            raise fault_catalogue.UnknownFaultError(
                "stack-* faults are injected by the Llama Stack stand-in; drop --real-stack"
            )
        self.use_real_stack = real_stack
        self._workdir_given = workdir
        self.workdir: Path | None = None
        self.entra = EntraServer()
        self.azure: AzureOpenAIServer | None = None
        self.stack_stand_in: LlamaStackServer | None = None
        self.real_stack: RealStack | None = None
        self.info: DemoInfo | None = None

    def start(self) -> DemoInfo:
        """Start everything; on any failure, stop what was started and re-raise."""
        atexit.register(self.stop)
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> DemoInfo:
        self.workdir = self._workdir_given or Path(tempfile.mkdtemp(prefix="lightspeed-demo-"))
        identity = self.entra.stand_in.add_demo_identity(roles=("Cognitive Services OpenAI User",))
        self.entra.start()
        self.azure = AzureOpenAIServer(issuer=self.entra.issuer)
        self.azure.stand_in.deployments = list(DEMO_MODELS)
        self.azure.start()
        store = self.workdir / "store"
        store.mkdir(exist_ok=True)
        run_config = minimal_run_config(
            self.azure.base_url,
            models=DEMO_MODELS,
            storage_dir=f"${{env.SQLITE_STORE_DIR:={store}}}",
        )
        self._apply_faults(before_stack=True)
        if self.use_real_stack:
            self.real_stack = start_real_stack(run_config, workdir=self.workdir / "stack")
            stack_url = self.real_stack.url
        else:
            self.stack_stand_in = LlamaStackServer(run_config)
            self._apply_faults(before_stack=False)
            self.stack_stand_in.start()
            stack_url = self.stack_stand_in.url
        run_path = self.workdir / "run.yaml"
        lightspeed_path = self.workdir / "lightspeed-stack.yaml"
        run_path.write_text(_run_yaml_text(run_config))
        lightspeed_path.write_text(_lightspeed_yaml_text(stack_url))
        self.info = DemoInfo(
            authority=self.entra.authority,
            ca_bundle=str(self.entra.ca_pem),
            tenant_id=identity.tenant_id,
            client_id=identity.client_id,
            client_secret=identity.client_secret,
            scope=DEFAULT_SCOPE,
            azure_base_url=self.azure.base_url,
            stack_url=stack_url,
            stack_kind="real" if self.use_real_stack else "sandbox",
            lightspeed_config=str(lightspeed_path),
            run_config=str(run_path),
        )
        return self.info

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
        """Stop every service and remove the temp folder; safe to call more than once."""
        if self.real_stack is not None:
            self.real_stack.stop()
            self.real_stack = None
        if self.stack_stand_in is not None:
            self.stack_stand_in.stop()
            self.stack_stand_in = None
        if self.azure is not None:
            self.azure.stop()
            self.azure = None
        self.entra.stop()
        if self.workdir is not None and self._workdir_given is None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir = None
        atexit.unregister(self.stop)

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


def _run_yaml_text(run_config: dict[str, Any]) -> str:
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(run_config, buffer)
    return (
        "# Llama Stack run.yaml of the lightspeed-console demo (sandbox).\n"
        "# The remote::azure provider points at the local Azure OpenAI stand-in.\n"
        + buffer.getvalue()
    )


def _lightspeed_yaml_text(stack_url: str) -> str:
    return f"""\
# lightspeed-stack.yaml of the lightspeed-console demo (sandbox).
name: lightspeed-console demo (sandbox)
service:
  host: 127.0.0.1
  port: 8080
  auth_enabled: false

llama_stack:
  use_as_library_client: false
  url: {stack_url}
  timeout: 60

# Sandbox credentials, set in the environment by `lightspeed-console demo`.
azure_entra_id:
  tenant_id: ${{env.TENANT_ID}}
  client_id: ${{env.CLIENT_ID}}
  client_secret: ${{env.CLIENT_SECRET}}
  scope: {DEFAULT_SCOPE}
"""
