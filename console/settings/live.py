"""How the live calls are made, as the operator set it on the command line or in the TUI.

One frozen value passed from the CLI (or the TUI's settings) to the doctor, so the doctor,
the ``check`` command and the screens make exactly the same calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class LiveOptions:
    """Overrides for the live steps; None means "as the configuration says"."""

    url: str | None = None
    """Llama Stack server to ask instead of ``llama_stack.url`` (required in library mode)."""
    provider_data_header: str | None = None
    """Force the provider-data header name instead of choosing it from the server version."""
    stack_timeout: float | None = None
    """Seconds per Llama Stack answer (default: ``llama_stack.timeout``, else 30)."""
    boot_timeout: float | None = None
    """Library mode: seconds to import and boot the release's library client (default 180)."""
    authority: str | None = None
    """Entra ID authority URL or cloud name (default: AZURE_AUTHORITY_HOST, else public)."""
    ca_bundle: Path | None = None
    """CA certificates to trust for the authority (private CA or TLS-inspecting proxy)."""
    stack_ca_bundle: Path | None = None
    """CA certificates to trust for the Llama Stack / OGX server (separate from the authority's)."""
    token_timeout: float | None = None
    """Connect and read timeout of the token request (default: fail fast)."""
    max_answer: int | None = None
    """The most bytes of a test inference's answer read (default: 16 MiB, ``--max-answer``)."""
    retries: int = 0
    """Retries of a failed token request (default: none, so a failure shows at once)."""
    model: str | None = None
    """Model for the test inference (default: the first model of the first Azure provider)."""
    prompt: str | None = None
    """Prompt for the test inference (default: a short deterministic question)."""
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Where an option came from when not from its flag: ``settings.toml:8:
    deployments.NAME.authority``. An option absent here came from its flag (or is unset)."""

    def source_of(self, key: str, flag: str) -> str:
        """Where option ``key`` came from: the deployment's entry, else ``flag``."""
        return self.sources.get(key, flag)
