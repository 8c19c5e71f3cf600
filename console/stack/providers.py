"""`ProviderView`: one provider as the operator sees it, from run.yaml or from the live server.

The static view reads run.yaml as Llama Stack would resolve it. Whether an api_key is set
is shown, never its value, together with where it comes from (an env reference or inline).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from console.config.envsubst import ENV_PATTERN
from console.config.loaded import Loaded
from console.config.yamlio import node_at
from console.shared.redact import MASK

Source = Literal["run.yaml", "server"]


@dataclass(frozen=True)
class ProviderView:
    """A provider row: identity, Azure endpoint settings, validation flag and key status."""

    source: Source
    api: str
    provider_id: str
    provider_type: str
    base_url: str | None
    api_version: str | None
    model_validation: bool | None
    api_key: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return asdict(self)


@dataclass(frozen=True)
class ModelView:
    """A registered model row."""

    source: Source
    model_id: str
    provider_id: str
    provider_model_id: str | None
    model_type: str | None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return asdict(self)


def api_key_status(resolved: Any, raw: Any) -> str:
    """How an api_key is described: set or not, and from where; the value never appears."""
    if raw is None and resolved is None:
        return "-"
    origin = ""
    if isinstance(raw, str):
        match = ENV_PATTERN.search(raw)
        origin = f" (from ${{env.{match.group(1)}}})" if match else " (inline)"
    if resolved is None or resolved == "":
        return "not set" + (origin if origin.startswith(" (from") else "")
    if resolved == MASK:
        return MASK
    return f"{MASK}{origin}"


def static_providers(loaded: Loaded) -> list[ProviderView]:
    """Providers of the loaded run.yaml, resolved as Llama Stack would."""
    if loaded.run is None:
        return []
    rows = []
    for provider in loaded.providers:
        config = provider.config
        raw_key = node_at(loaded.run.document, (*provider.written_path, "config", "api_key"))
        flag = config.get("model_validation")
        rows.append(
            ProviderView(
                source="run.yaml",
                api=provider.api,
                provider_id=provider.provider_id or "",
                provider_type=provider.provider_type or "",
                base_url=_text(config.get("base_url")),
                api_version=_text(config.get("api_version")),
                model_validation=flag if isinstance(flag, bool) else None,
                api_key=api_key_status(config.get("api_key"), raw_key),
                line=provider.line,
            )
        )
    return rows


def static_models(loaded: Loaded) -> list[ModelView]:
    """Registered models of the loaded run.yaml."""
    return [
        ModelView(
            source="run.yaml",
            model_id=model.model_id or "",
            provider_id=model.provider_id or "",
            provider_model_id=model.provider_model_id,
            model_type=model.model_type,
            line=model.line,
        )
        for model in loaded.models
    ]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
