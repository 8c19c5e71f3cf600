"""The run.yaml as the Llama Stack stand-in serves it: enabled providers and registered models.

0.7.3 resolves ``${env.VAR}`` references when it loads the file, lists every enabled
provider with its config redacted, and names models ``<provider_id>/<model>``; these are
the same rules, applied to the run.yaml given as a plain dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.sandbox.llama_stack.identity import SANDBOX_CREATED

SERVER_SECRET_MASK = "********"  # noqa: S105 - a placeholder, not a password
"""What llama-stack and OGX print in place of a secret in ``providers.list()`` (their own
convention, mirrored here; not the console's redaction)."""
NOT_IMPLEMENTED_HEALTH = {
    "status": "Not Implemented",
    "message": "Provider does not implement health check",
}
_SENSITIVE = ("api_key", "api_token", "password", "secret", "token")
_NOT_SENSITIVE = ("chunk_size_tokens", "max_tokens", "default_chunk_overlap_tokens",
                  "max_document_tokens")  # fmt: skip


def resolve_run_config(
    run_config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The run.yaml with ``${env.VAR}`` references resolved as Llama Stack resolves them."""
    from console.config.envsubst import substitute

    resolved = substitute(dict(run_config), Path("run.yaml"), environ).value
    if not isinstance(resolved, dict):
        raise TypeError("run.yaml must be a mapping")
    return resolved


def redact_config(data: Mapping[str, Any]) -> dict[str, Any]:
    """Mask secret-looking keys as 0.7.3's ``redact_sensitive_fields`` does; keys sorted."""

    def value(item: Any) -> Any:
        if isinstance(item, Mapping):
            return redact_config(item)
        if isinstance(item, list):
            return [value(i) for i in item]
        return item

    out: dict[str, Any] = {}
    for key in sorted(data):
        lowered = str(key).lower()
        if any(s in lowered for s in _NOT_SENSITIVE):
            out[key] = value(data[key])
        elif any(s in lowered for s in _SENSITIVE):
            out[key] = SERVER_SECRET_MASK
        else:
            out[key] = value(data[key])
    return out


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """One enabled provider of the run.yaml."""

    api: str
    provider_id: str
    provider_type: str
    config: dict[str, Any]

    @property
    def base_url(self) -> str:
        return str(self.config.get("base_url") or "").rstrip("/")

    def listing(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "provider_id": self.provider_id,
            "provider_type": self.provider_type,
            "config": redact_config(self.config),
            "health": dict(NOT_IMPLEMENTED_HEALTH),
        }


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One model as the server lists it: ``identifier`` is ``<provider_id>/<model>``."""

    identifier: str
    provider_id: str
    provider_resource_id: str
    model_type: str = "llm"
    metadata: dict[str, Any] = field(default_factory=dict)

    def listing(self) -> dict[str, Any]:
        return {
            "id": self.identifier,
            "object": "model",
            "created": SANDBOX_CREATED,
            "owned_by": "llama_stack",
            "custom_metadata": {
                "model_type": self.model_type,
                "provider_id": self.provider_id,
                "provider_resource_id": self.provider_resource_id,
                **self.metadata,
            },
        }


def providers_of(config: Mapping[str, Any]) -> list[ProviderEntry]:
    """The enabled providers of a resolved run.yaml (``__disabled__`` ones left out)."""
    entries: list[ProviderEntry] = []
    for api, providers in (config.get("providers") or {}).items():
        for provider in providers or []:
            provider_id = provider.get("provider_id")
            if not provider_id or provider_id == "__disabled__":
                continue
            entries.append(
                ProviderEntry(
                    api=str(api),
                    provider_id=str(provider_id),
                    provider_type=str(provider.get("provider_type", "")),
                    config=dict(provider.get("config") or {}),
                )
            )
    return entries


def models_of(config: Mapping[str, Any]) -> list[ModelEntry]:
    """The registered models of a resolved run.yaml, named as the server lists them."""
    entries: list[ModelEntry] = []
    for model in (config.get("registered_resources") or {}).get("models") or []:
        model_id = str(model.get("model_id") or "")
        provider_id = str(model.get("provider_id") or "")
        if not model_id or not provider_id:
            continue
        identifier = (
            model_id if model_id.startswith(f"{provider_id}/") else f"{provider_id}/{model_id}"
        )
        entries.append(
            ModelEntry(
                identifier=identifier,
                provider_id=provider_id,
                provider_resource_id=str(model.get("provider_model_id") or model_id),
                model_type=str(model.get("model_type") or "llm"),
                metadata=dict(model.get("metadata") or {}),
            )
        )
    return entries
