"""Typed views over the resolved configuration: what Lightspeed and Llama Stack would read.

Views are built leniently: a value of the wrong type becomes a `Finding` (file, line, what
was expected) and the field is left empty, so one mistake does not hide the rest. Secrets
are `SecretStr` from here on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from console.config.envsubst import ConfigPath, Substitution, format_path
from console.config.yamlio import node_at, yaml_type_name
from console.shared.azure import AZURE_PROVIDER_TYPE, DEFAULT_SCOPE
from console.shared.findings import WRONG_TYPE, Finding, Severity
from console.shared.numbers import MAX_TIMEOUT_S


@dataclass(frozen=True)
class EntraIdSettings:
    """The ``azure_entra_id`` block of lightspeed-stack.yaml."""

    tenant_id: SecretStr | None
    client_id: SecretStr | None
    client_secret: SecretStr | None
    scope: str
    line: int | None


@dataclass(frozen=True)
class LlamaStackSettings:
    """The server section of lightspeed-stack.yaml: ``ogx`` (0.7.x) or ``llama_stack``."""

    use_as_library_client: bool | None
    library_client_config_path: str | None
    url: str | None
    api_key: SecretStr | None
    timeout: float | None
    line: int | None
    section: str = "llama_stack"
    """The key it is written under, for messages: ``ogx.url``, ``llama_stack.url``."""

    @property
    def mode(self) -> str:
        """``library`` or ``service``, as Lightspeed decides it."""
        return "library" if self.use_as_library_client else "service"


@dataclass(frozen=True)
class RunProvider:
    """One provider of run.yaml, under ``providers.<api>``."""

    api: str
    provider_id: str | None
    provider_type: str | None
    config: dict[str, Any]
    line: int | None
    path: ConfigPath
    """Where the provider is in the resolved tree."""
    written_path: ConfigPath
    """Where it is in the file as written (differs when a disabled provider came before)."""

    @property
    def is_azure(self) -> bool:
        """Whether Lightspeed treats this provider as the Azure OpenAI one."""
        return self.api == "inference" and self.provider_type == AZURE_PROVIDER_TYPE


@dataclass(frozen=True)
class RegisteredModel:
    """One entry of ``registered_resources.models`` (or the older top-level ``models``)."""

    model_id: str | None
    provider_id: str | None
    provider_model_id: str | None
    model_type: str | None
    line: int | None


@dataclass
class TypedReader:
    """Reads typed values out of a `Substitution`, turning type mistakes into findings."""

    sub: Substitution
    file: Path
    findings: list[Finding] = field(default_factory=list)

    def get(self, path: ConfigPath) -> Any:
        """The resolved value at ``path``, or None when any part is missing."""
        return node_at(self.sub.value, path)

    def has(self, path: ConfigPath) -> bool:
        """Whether the key at ``path`` is written in the file (even if empty)."""
        parent = self.get(path[:-1]) if path[:-1] else self.sub.value
        return isinstance(parent, dict) and path[-1] in parent

    def line(self, path: ConfigPath) -> int | None:
        """The line of ``path`` in the file."""
        return self.sub.line(path)

    def mapping(self, path: ConfigPath) -> dict[str, Any] | None:
        """A mapping, or None (with a finding when something else is written there)."""
        value = self.get(path)
        if value is None or isinstance(value, dict):
            return value
        self.wrong_type(path, value, "a mapping of keys")
        return None

    def items(self, path: ConfigPath) -> list[Any]:
        """A list, or [] (with a finding when something else is written there)."""
        value = self.get(path)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.wrong_type(path, value, "a list")
        return []

    def string(self, path: ConfigPath) -> str | None:
        """A string; numbers are accepted as their text, as YAML users expect."""
        value = self.get(path)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.wrong_type(path, value, "a string")
        return None

    def secret(self, path: ConfigPath) -> SecretStr | None:
        """A string held as `SecretStr`. The wrong-type finding never quotes the value."""
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return SecretStr(str(value))
        self.wrong_type(path, value, "a string")
        return None

    def boolean(self, path: ConfigPath) -> bool | None:
        """A boolean (true/false)."""
        value = self.get(path)
        if value is None or isinstance(value, bool):
            return value
        self.wrong_type(path, value, "true or false")
        return None

    def number(self, path: ConfigPath) -> float | None:
        """A number."""
        value = self.get(path)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        self.wrong_type(path, value, "a number")
        return None

    def wrong_type(
        self, path: ConfigPath, value: Any, expected: str, *, quote: bool = True
    ) -> None:
        """Record that ``path`` holds the wrong kind of value."""
        found = yaml_type_name(value)
        self.findings.append(
            Finding(
                code=WRONG_TYPE,
                severity=Severity.ERROR,
                file=self.file,
                line=self.line(path),
                message=f"{format_path(path)} is {found}; expected {expected}",
                remedy=f"Write {expected} at {format_path(path)}.",
                key=path,
            )
        )


def read_entra_id(reader: TypedReader) -> EntraIdSettings | None:
    """The ``azure_entra_id`` block, or None when absent (Lightspeed then skips Entra ID)."""
    path: ConfigPath = ("azure_entra_id",)
    if reader.get(path) is None:
        return None
    if reader.mapping(path) is None:
        return None
    scope = reader.string((*path, "scope"))
    return EntraIdSettings(
        tenant_id=reader.secret((*path, "tenant_id")),
        client_id=reader.secret((*path, "client_id")),
        client_secret=reader.secret((*path, "client_secret")),
        scope=scope if scope else DEFAULT_SCOPE,
        line=reader.line(path),
    )


def read_llama_stack(
    reader: TypedReader, section: str = "llama_stack"
) -> LlamaStackSettings | None:
    """The server section (``ogx`` or ``llama_stack``), or None when absent."""
    path: ConfigPath = (section,)
    if reader.mapping(path) is None:
        return None
    return LlamaStackSettings(
        use_as_library_client=reader.boolean((*path, "use_as_library_client")),
        library_client_config_path=reader.string((*path, "library_client_config_path")),
        url=reader.string((*path, "url")),
        api_key=reader.secret((*path, "api_key")),
        timeout=_timeout(reader, (*path, "timeout")),
        line=reader.line(path),
        section=section,
    )


def _timeout(reader: TypedReader, path: ConfigPath) -> float | None:
    """The server section's timeout, if the console can wait that long; else a finding.

    ``.inf``, ``.nan``, 0 and negative numbers are refused by Lightspeed 0.7.1 at start
    (a positive whole number); the console waits the default instead. A number past
    `MAX_TIMEOUT_S` (``1e300``) is accepted by Lightspeed, and the console waits at most
    `MAX_TIMEOUT_S`: an infinite wait would never let ``check --all`` finish.
    """
    value = reader.number(path)
    if value is None or (math.isfinite(value) and 0 < value <= MAX_TIMEOUT_S):
        return value
    key = format_path(path)
    capped = math.isfinite(value) and value > MAX_TIMEOUT_S
    if capped:
        message = (
            f"{key} is {value:g} seconds; the console waits at most {MAX_TIMEOUT_S:g} s "
            "(Lightspeed takes it as given)"
        )
    else:
        what = "not a finite number" if not math.isfinite(value) else "not more than 0"
        message = (
            f"{key} is {value:g}, {what}; Lightspeed refuses it at start (a positive whole "
            "number of seconds), and the console waits its own default"
        )
    reader.findings.append(
        Finding(
            code="BAD_TIMEOUT",
            severity=Severity.WARNING if capped else Severity.ERROR,
            file=reader.file,
            line=reader.line(path),
            message=message,
            remedy=f"Write a whole number of seconds at {key}, e.g. {key}: 180 (Lightspeed's "
            "default).",
        )
    )
    return MAX_TIMEOUT_S if capped else None


def read_providers(reader: TypedReader) -> list[RunProvider]:
    """Every provider under ``providers.<api>``, in file order."""
    providers: list[RunProvider] = []
    by_api = reader.mapping(("providers",))
    if not by_api:
        return providers
    for api in by_api:
        api_path: ConfigPath = ("providers", str(api))
        for index, item in enumerate(reader.items(api_path)):
            item_path: ConfigPath = (*api_path, index)
            if not isinstance(item, dict):
                reader.wrong_type(item_path, item, "a provider mapping (provider_id, ...)")
                continue
            config = reader.mapping((*item_path, "config"))
            providers.append(
                RunProvider(
                    api=str(api),
                    provider_id=reader.string((*item_path, "provider_id")),
                    provider_type=reader.string((*item_path, "provider_type")),
                    config=config or {},
                    line=reader.line(item_path),
                    path=item_path,
                    written_path=reader.sub.written_path(item_path),
                )
            )
    return providers


def read_models(reader: TypedReader) -> list[RegisteredModel]:
    """Registered models: ``registered_resources.models`` (0.7) or top-level ``models`` (older)."""
    models: list[RegisteredModel] = []
    resources = reader.mapping(("registered_resources",))
    paths: list[ConfigPath] = []
    if resources is not None and "models" in resources:
        paths.append(("registered_resources", "models"))
    if reader.has(("models",)):
        paths.append(("models",))
    for list_path in paths:
        for index, item in enumerate(reader.items(list_path)):
            item_path: ConfigPath = (*list_path, index)
            if not isinstance(item, dict):
                reader.wrong_type(item_path, item, "a model mapping (model_id, provider_id, ...)")
                continue
            models.append(
                RegisteredModel(
                    model_id=reader.string((*item_path, "model_id")),
                    provider_id=reader.string((*item_path, "provider_id")),
                    provider_model_id=reader.string((*item_path, "provider_model_id")),
                    model_type=reader.string((*item_path, "model_type")),
                    line=reader.line(item_path),
                )
            )
    return models
