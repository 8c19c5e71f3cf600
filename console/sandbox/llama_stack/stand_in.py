"""The state behind the Llama Stack stand-in: its resolved run.yaml, faults and request log.

Built once from the run.yaml given as a plain dict: ``${env.VAR}`` references resolved with
Llama Stack's rules, then the enabled providers and registered models read off it. The
routes only look things up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console.sandbox.llama_stack.faults import StackFaults
from console.sandbox.llama_stack.records import StackRequest
from console.sandbox.llama_stack.run_config import (
    ModelEntry,
    ProviderEntry,
    models_of,
    providers_of,
    resolve_run_config,
)
from console.sandbox.request_log import RequestLog


class LlamaStackStandIn(RequestLog[StackRequest]):
    """State of one fake Llama Stack server: its run.yaml, faults and request log.

    ``upstream_verify`` is what its calls to Azure trust (httpx's ``verify``): True for the
    system store, or a CA file's path for an Azure stand-in over HTTPS.
    """

    def __init__(
        self,
        run_config: Mapping[str, Any],
        *,
        environ: Mapping[str, str] | None = None,
        upstream_verify: bool | str = True,
    ) -> None:
        self.run_config = resolve_run_config(run_config, environ)
        self.apis: list[str] = [str(a) for a in self.run_config.get("apis") or []]
        self.providers = providers_of(self.run_config)
        self.models = models_of(self.run_config)
        self.upstream_verify = upstream_verify
        self.faults = StackFaults()
        super().__init__()

    def provider(self, provider_id: str) -> ProviderEntry | None:
        return next((p for p in self.providers if p.provider_id == provider_id), None)

    def model(self, identifier: str) -> ModelEntry | None:
        return next((m for m in self.models if m.identifier == identifier), None)
