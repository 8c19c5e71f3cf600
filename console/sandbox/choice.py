"""Which Llama Stack the demo runs: a release by name, the stand-in, or the default with fallback.

Light to import (no server, no web framework): the ``demo`` command validates the choice and
lists the services before the console's first frame, and everything heavy is imported
behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from console.releases.catalog import DEFAULT_RELEASE, LLAMA_STACK_0_7_3, RELEASES, ServerRelease
from console.sandbox import faults as fault_catalogue
from console.settings.bringup import Phase, ServiceUpdate

STAND_IN = "stand-in"
"""The server choice that runs the Llama Stack stand-in (instant, takes stack-* faults)."""
SERVER_CHOICES = (*RELEASES, STAND_IN)
STAND_IN_EMULATES = "0.7.3"
"""The llama-stack release the stand-in answers like."""
STAND_IN_VERSION = f"{STAND_IN_EMULATES}+sandbox"
"""What the stand-in's ``GET /v1/version`` says: a release with a local ``+sandbox`` mark."""
STAND_IN_LABEL = f"Llama Stack stand-in ({STAND_IN_VERSION})"
LEGACY_SERVICE = "legacy"
LEGACY_LABEL = f"{LLAMA_STACK_0_7_3.label} (legacy)"
"""The second server an OGX demo runs, for its ``legacy`` deployment (`console.sandbox.legacy`)."""


@dataclass(frozen=True)
class StackChoice:
    """The Llama Stack the sandbox will run, and whether the user named it."""

    release: ServerRelease | None
    """None: the stand-in."""
    explicit: bool
    """Named with ``--server``: a failure is an error, not a fallback to the stand-in."""

    @property
    def label(self) -> str:
        """``OGX 1.2.5 (TLS)``, ``llama-stack 0.7.3`` or the stand-in's label."""
        if self.release is None:
            return STAND_IN_LABEL
        return f"{self.release.label} (TLS)" if self.release.requires_tls else self.release.label

    @property
    def runs_legacy(self) -> bool:
        """Whether a second server (llama-stack 0.7.3) runs beside an OGX one."""
        return self.release is not None and self.release.package == "ogx"

    @property
    def services(self) -> tuple[ServiceUpdate, ...]:
        """The sandbox's services, waiting: what a screen lists before they start."""
        services: tuple[ServiceUpdate, ...] = (
            ServiceUpdate("entra", "Entra ID stand-in (HTTPS)", Phase.WAITING),
            ServiceUpdate("azure", "Azure OpenAI stand-in", Phase.WAITING),
            ServiceUpdate("stack", self.label, Phase.WAITING),
        )
        if self.runs_legacy:
            services += (ServiceUpdate(LEGACY_SERVICE, LEGACY_LABEL, Phase.WAITING),)
        return services


def choose_stack(server: str | None, fault_names: Iterable[str] = ()) -> StackChoice:
    """The choice for ``--server`` (None: the default) and the faults asked for.

    Faults on the Llama Stack itself (``stack-*``) need the stand-in, which has them: with
    the default they select it, with a release named they are an `UnknownFaultError`.
    Raises `ValueError` for a server that is not a choice.
    """
    if server is not None and server not in SERVER_CHOICES:
        raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVER_CHOICES)}")
    specs = [fault_catalogue.parse(name)[0] for name in fault_names]
    wants_stack_fault = any(spec.service == "stack" for spec in specs)
    if wants_stack_fault and server not in (None, STAND_IN):
        raise fault_catalogue.UnknownFaultError(
            f"stack-* faults are injected by the Llama Stack stand-in; drop --server {server}"
        )
    if server == STAND_IN or wants_stack_fault:
        return StackChoice(None, explicit=server is not None)
    return StackChoice(RELEASES[server] if server else DEFAULT_RELEASE, explicit=server is not None)
