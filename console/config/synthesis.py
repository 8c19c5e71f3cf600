"""Unified mode: the run.yaml lightspeed-stack 0.7.1 synthesizes from lightspeed-stack.yaml.

The pipeline is Lightspeed 0.7.1's ``synthesize_configuration``, step for step, on the raw
YAML as Lightspeed reads it (no defaults filled in, nothing stripped); `synthesize` lists
the steps. Every provider carries where it came from (`ProviderOrigin`):
lightspeed-stack.yaml:line, profile:line, the default baseline, ``native_override``, or
Lightspeed's MCP default.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.config.azure_rule import FAILS, azure_action, enrich_azure
from console.config.baseline import DefaultBaseline
from console.config.lightspeed import section_of
from console.shared.azure import AZURE_PROVIDER_TYPE

CONDITIONAL_OPENAI_PROVIDER_ID = "${env.OPENAI_API_KEY:+openai}"
PROVIDER_TYPE_MAP: Mapping[str, str] = {
    "openai": "remote::openai",
    "ollama": "remote::ollama",
    "vllm": "remote::vllm",
    "sentence_transformers": "inline::sentence-transformers",
    "azure": AZURE_PROVIDER_TYPE,
    "vertexai": "remote::vertexai",
    "watsonx": "remote::watsonx",
    "vllm_rhaiis": "remote::vllm",
    "vllm_rhel_ai": "remote::vllm",
}
"""``inference.providers[].type`` -> the provider type Lightspeed writes."""
API_KEY_FIELD: Mapping[str, str] = {"remote::vllm": "api_token"}
"""The config key the ``api_key_env`` reference goes to; ``api_key`` for the others."""
MCP_PROVIDER_ID = "model-context-protocol"
MCP_PROVIDER_TYPE = "remote::model-context-protocol"
NOT_REPRODUCED = ("rag", "vector_store")
"""Inputs whose enrichment the console does not reproduce (no inference provider in them)."""

_ORIGIN = "\0origin"
_ENRICHED = "\0enriched"
"""Marks carried by provider mappings through the pipeline, removed at the end."""


class SynthesisError(Exception):
    """Lightspeed could not synthesize from this file; says where and what to do.

    ``file`` is the file the problem is written in when it is not lightspeed-stack.yaml
    (a profile, a ``--baseline``); ``line`` is a line of that file.
    """

    def __init__(
        self, message: str, remedy: str, *, line: int | None = None, file: Path | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy
        self.line = line
        self.file = file


@dataclass(frozen=True)
class ProviderOrigin:
    """Where one provider of the synthesized run.yaml came from."""

    api: str
    index: int
    """Its place in ``providers.<api>`` of the synthesized run.yaml."""
    provider_id: str
    provider_type: str
    origin: str
    """``lightspeed-stack.yaml:12 (inference.providers[0])``, ``profile run-base.yaml:8``..."""
    enriched: bool = False
    """The Azure enrichment set its ``model_validation: false``."""


@dataclass(frozen=True)
class Synthesis:
    """The run.yaml Lightspeed 0.7.1 would write, and how it came to be."""

    document: dict[str, Any]
    """The run.yaml, ``${env.*}`` references unresolved, as Lightspeed writes it."""
    unenriched: dict[str, Any]
    """The same without the Azure enrichment (what the enrichment contributes)."""
    origins: tuple[ProviderOrigin, ...]
    baseline: str
    """``profile <path>``, ``empty``, ``default``, ``byo-llm``."""
    notes: tuple[str, ...] = ()
    """What the console could not reproduce, and why."""

    def origin_at(
        self, line: int, line_of: Callable[[tuple[str | int, ...]], int | None]
    ) -> ProviderOrigin | None:
        """The provider whose entry covers ``line`` of the synthesized file (``line_of``
        places a path in it), or None outside the entries of ``providers``."""
        section = line_of(("providers",))
        if section is None or line < section:
            return None
        after = [
            start
            for key in self.document
            if (start := line_of((str(key),))) is not None and start > section
        ]
        if after and line >= min(after):
            return None
        found = None
        for origin in sorted(
            self.origins, key=lambda o: line_of(("providers", o.api, o.index)) or 0
        ):
            start = line_of(("providers", origin.api, origin.index))
            if start is not None and start <= line:
                found = origin
        return found

    def origin_of(self, api: str, provider_id: str | None) -> ProviderOrigin | None:
        """The first provider of ``api`` with that id (None when there is none)."""
        for origin in self.origins:
            if origin.api == api and origin.provider_id == provider_id:
                return origin
        return None


@dataclass(frozen=True)
class SynthesisInput:
    """What the pipeline reads: the raw file, where it is, and how to place its lines."""

    raw: Mapping[str, Any]
    config_file: Path
    default_baseline: Callable[[], DefaultBaseline]
    """Lightspeed's shipped baseline, looked up only when the pipeline starts from it."""
    line_of: Callable[[tuple[str | int, ...]], int | None] = field(default=lambda _: None)
    """The line of a path in lightspeed-stack.yaml, for origins."""
    read_profile: Callable[[Path], tuple[Any, Callable[[tuple[str | int, ...]], int | None]]] = (
        field(default=lambda path: ({}, lambda _: None))
    )
    """Read a profile file: its raw mapping and the line of a path in it."""


def synthesize(source: SynthesisInput) -> Synthesis:
    """Run the pipeline; `SynthesisError` when Lightspeed itself would fail (a profile it
    cannot read, a provider type it does not know).

    The steps of lightspeed-stack 0.7.1's ``synthesize_configuration``:

    1. the baseline: a ``profile`` file (relative to the config file's folder) wins; else
       ``baseline: empty`` is ``{}``; else Lightspeed's shipped default
       (`console.config.baseline`), without its conditional OpenAI row for ``byo-llm``;
    2. ``providers.vector_io`` de-duplicated (first id wins, non-mappings dropped);
    3. ``inference.providers`` expanded: ``provider_id`` is ``id`` or the type with ``_`` ->
       ``-``, ``config`` is ``extra``, then ``api_key: ${env.<api_key_env>}`` (``api_token``
       for ``remote::vllm``), then ``allowed_models``; an entry replaces the first provider
       with the same id in place (the baseline's ``${env.OPENAI_API_KEY:+openai}`` counts as
       ``openai``), else it is appended;
    4. the MCP tool runtime added, unless the baseline is ``empty``;
    5. ``native_override`` deep-merged: mappings merge, lists and scalars replace;
    6. the enrichment (`console.config.azure_rule`; then BYOK RAG, OKP Solr and vector
       stores, which the console does not reproduce: they touch no inference provider);
    7. ``providers.vector_io`` de-duplicated again.

    0.7.1 runs the enrichment last (LCORE-3370), so a ``type: azure`` entry of
    ``inference.providers`` and a ``native_override`` provider get ``model_validation:
    false`` too (lightspeed-stack's main branch of 2026-08 enriched before step 3). Neither
    OGX 1.2.5 nor llama-stack 0.7.3 reads the provider-level key (model validation is a
    per-model field there), so the difference shows only in the file.
    """
    raw = source.raw
    key, section = section_of(raw)
    section_key = key or "ogx"
    unified = section.get("config")
    unified = unified if isinstance(unified, dict) else None
    config_name = source.config_file.name
    notes: list[str] = []

    document, baseline, empty = _baseline(source, section_key, unified, notes)
    _dedupe_vector_io(document)
    inference = raw.get("inference")
    if isinstance(inference, dict) and inference.get("providers"):
        if not isinstance(inference["providers"], list):
            raise SynthesisError(
                f"inference.providers is {_kind(inference['providers'])}, not a list; "
                "Lightspeed refuses it at start",
                "Write inference.providers as a list of providers (- type: azure ...).",
                line=source.line_of(("inference", "providers")),
            )
        _apply_high_level_inference(document, inference, config_name, source.line_of)
    if not empty:
        _ensure_mcp(document)
    override = unified.get("native_override") if unified else None
    if override:
        if not isinstance(override, dict):
            raise SynthesisError(
                "native_override is not a mapping",
                "Write native_override as a mapping of run.yaml keys.",
                line=source.line_of((section_key, "config", "native_override")),
            )
        override = copy.deepcopy(override)  # marked below: the caller's mapping stays as read
        _mark_override(override, config_name, section_key, source.line_of)
        document = _deep_merge_list_replace(document, override)
    unenriched = copy.deepcopy(document)
    if raw.get("azure_entra_id") is not None:
        _enrich_azure(document)
    for input_key in NOT_REPRODUCED:
        if raw.get(input_key):
            notes.append(
                f"{input_key}: Lightspeed also enriches the run.yaml from it (BYOK RAG, OKP Solr, "
                "vector stores); the console does not reproduce that part, which adds no "
                "inference provider"
            )
    _dedupe_vector_io(document)
    _dedupe_vector_io(unenriched)
    origins = tuple(_origins(document))
    return Synthesis(
        _strip_marks(document), _strip_marks(unenriched), origins, baseline, tuple(notes)
    )


# ------------------------------------------------------------------------------ steps


def _baseline(
    source: SynthesisInput, section_key: str, unified: dict[str, Any] | None, notes: list[str]
) -> tuple[dict[str, Any], str, bool]:
    """(document, what it is, whether it is the empty baseline) of step 1."""
    profile = unified.get("profile") if unified else None
    if profile:
        fix = (
            f"Fix {section_key}.config.profile: a relative path is taken from the folder "
            "of lightspeed-stack.yaml, and the file must exist where Lightspeed runs."
        )
        written = source.line_of((section_key, "config", "profile"))
        if not isinstance(profile, str) or "\0" in profile:
            what = "holds a NUL byte" if isinstance(profile, str) else f"is {_kind(profile)}"
            raise SynthesisError(
                f"{section_key}.config.profile {what}: no file has such a path", fix, line=written
            )
        path = Path(profile)
        if not path.is_absolute():
            path = source.config_file.resolve().parent / path
        try:
            data, line_of = source.read_profile(path)
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            raise SynthesisError(
                f"the profile {path} cannot be read ({reason})", fix, line=written
            ) from None
        if data is None:
            data = {}  # an empty file: Lightspeed reads it as {}
        _check_baseline_shape(data, f"the profile {path.name}", line_of, path)
        document = copy.deepcopy(data)
        _mark_all(document, lambda p: f"profile {path.name}:{line_of(p) or '?'}")
        return document, f"profile {path}", False
    if unified and unified.get("baseline") == "empty":
        return {}, "empty", True
    kind = "byo-llm" if unified and unified.get("baseline") == "byo-llm" else "default"
    shipped = source.default_baseline()
    if shipped.document is None:
        notes.append(
            f"the default baseline is not known ({shipped.reason}): its providers are left "
            "out (in lightspeed-stack 0.7.1: a conditional OpenAI one and "
            "sentence-transformers, no remote::azure), with its storage and APIs"
        )
        return {}, kind, False
    _check_baseline_shape(
        shipped.document, f"the baseline {shipped.where}", shipped.line, shipped.path
    )
    document = copy.deepcopy(shipped.document)
    _mark_all(document, lambda p: f"default baseline ({shipped.where}:{shipped.line(p) or '?'})")
    if kind == "byo-llm":
        _strip_conditional_openai(document)
    return document, kind, False


def _kind(value: Any) -> str:
    """``a string``, ``a mapping``, ``a list``, ``a number``: what a value is, in words."""
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else f"a {type(value).__name__}"


def _check_baseline_shape(
    document: Any,
    name: str,
    line_of: Callable[[tuple[str | int, ...]], int | None],
    file: Path | None,
) -> None:
    """The baseline (a profile, the shipped or ``--baseline`` file) has the shape the
    pipeline writes into: a mapping, ``apis`` a list, ``providers`` a mapping whose
    ``inference``, ``tool_runtime`` and ``vector_io`` are lists. Lightspeed's synthesis
    fails on anything else (it appends to them), so the console says where instead."""

    def refuse(path: tuple[str | int, ...], value: Any, expected: str) -> SynthesisError:
        key = ".".join(str(part) for part in path) or "the top level"
        return SynthesisError(
            f"{name}: {key} is {_kind(value)}, not {expected}; Lightspeed's synthesis fails on it",
            f"Write {key} as {expected} in {name.removeprefix('the ')}.",
            line=line_of(path) if path else 1,
            file=file,
        )

    if not isinstance(document, dict):
        raise refuse((), document, "a mapping of run.yaml keys")
    apis = document.get("apis")
    if apis is not None and not isinstance(apis, list):
        raise refuse(("apis",), apis, "a list of API names")
    providers = document.get("providers")
    if providers is None:
        return
    if not isinstance(providers, dict):
        raise refuse(("providers",), providers, "a mapping of API to providers")
    for api in ("inference", "tool_runtime", "vector_io"):
        listed = providers.get(api)
        if listed is not None and not isinstance(listed, list):
            raise refuse(("providers", api), listed, "a list of providers")


def _strip_conditional_openai(document: dict[str, Any]) -> None:
    providers = document.get("providers")
    if not isinstance(providers, dict) or not isinstance(providers.get("inference"), list):
        return
    providers["inference"] = [
        entry
        for entry in providers["inference"]
        if not (
            isinstance(entry, dict) and entry.get("provider_id") == CONDITIONAL_OPENAI_PROVIDER_ID
        )
    ]


def _dedupe_vector_io(document: dict[str, Any]) -> None:
    providers = document.get("providers")
    if not isinstance(providers, dict) or not isinstance(providers.get("vector_io"), list):
        return
    seen: set[str] = set()
    kept: list[Any] = []
    for item in providers["vector_io"]:
        if not isinstance(item, dict):
            continue
        raw_id = item.get("provider_id")
        key = str(raw_id).strip() if raw_id is not None else ""
        if key and key in seen:
            continue
        if key:
            seen.add(key)
        kept.append(item)
    providers["vector_io"] = kept


def _apply_high_level_inference(
    document: dict[str, Any],
    inference: dict[str, Any],
    config_name: str,
    line_of: Callable[[tuple[str | int, ...]], int | None],
) -> None:
    providers = document.setdefault("providers", {})
    listed = providers.setdefault("inference", [])
    for index, provider in enumerate(inference.get("providers") or []):
        where = ("inference", "providers", index)
        if not isinstance(provider, dict):
            raise SynthesisError(
                f"inference.providers[{index}] is {_kind(provider)}, not a provider mapping; "
                "Lightspeed refuses it at start",
                "Write each provider as a mapping: - type: azure ...",
                line=line_of(where),
            )
        raw_kind = provider.get("type")
        if not isinstance(raw_kind, str) or raw_kind not in PROVIDER_TYPE_MAP:
            shown = repr(raw_kind) if isinstance(raw_kind, str | None) else _kind(raw_kind)
            raise SynthesisError(
                f"inference.providers[{index}].type is {shown}, which Lightspeed cannot expand",
                f"Use one of: {', '.join(PROVIDER_TYPE_MAP)}.",
                line=line_of((*where, "type")) or line_of(where),
            )
        for key, expected, accepts in (
            ("id", "a string", str),
            ("extra", "a mapping of provider config keys", dict),
        ):
            value = provider.get(key)
            if value is not None and not isinstance(value, accepts):
                raise SynthesisError(
                    f"inference.providers[{index}].{key} is {_kind(value)}, not {expected}; "
                    "Lightspeed refuses it at start",
                    f"Write inference.providers[{index}].{key} as {expected}.",
                    line=line_of((*where, key)) or line_of(where),
                )
        kind = raw_kind
        emitted_id = provider.get("id") or kind.replace("_", "-")
        provider_type = PROVIDER_TYPE_MAP[kind]
        entry: dict[str, Any] = {"provider_id": emitted_id, "provider_type": provider_type}
        config: dict[str, Any] = {}
        if provider.get("extra"):
            config.update(provider["extra"])
        if provider.get("api_key_env"):
            config[API_KEY_FIELD.get(provider_type, "api_key")] = (
                "${env." + str(provider["api_key_env"]) + "}"
            )
        if provider.get("allowed_models"):
            config["allowed_models"] = provider["allowed_models"]
        if config:
            entry["config"] = config
        entry[_ORIGIN] = f"{config_name}:{line_of(where) or '?'} (inference.providers[{index}])"
        for position, existing in enumerate(listed):
            if not isinstance(existing, dict):
                continue
            existing_id = existing.get("provider_id")
            if existing_id == CONDITIONAL_OPENAI_PROVIDER_ID:
                existing_id = "openai"
            if existing_id == emitted_id:
                listed[position] = entry
                break
        else:
            listed.append(entry)


def _ensure_mcp(document: dict[str, Any]) -> None:
    apis = document.setdefault("apis", [])
    if "tool_runtime" not in apis:
        apis.append("tool_runtime")
    runtime = document.setdefault("providers", {}).setdefault("tool_runtime", [])
    for existing in runtime:
        if isinstance(existing, dict) and existing.get("provider_id") == MCP_PROVIDER_ID:
            return
    runtime.append(
        {
            "provider_id": MCP_PROVIDER_ID,
            "provider_type": MCP_PROVIDER_TYPE,
            "config": {},
            _ORIGIN: "Lightspeed's MCP tool runtime default",
        }
    )


def _deep_merge_list_replace(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in overlay.items():
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            result[key] = _deep_merge_list_replace(current, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _enrich_azure(document: dict[str, Any]) -> None:
    """Lightspeed's Azure enrichment (`console.config.enrichment`'s rule), each provider it
    enriched marked for its origin; a config it fails on fails the synthesis, as in Lightspeed."""
    providers = document.get("providers")
    inference = providers.get("inference") if isinstance(providers, dict) else None
    enriched = [p for p in (inference if isinstance(inference, list) else [])
                if azure_action(p) in ("create", "set")]  # fmt: skip
    for provider in enrich_azure(document):
        raise SynthesisError(
            f"the remote::azure provider {provider.get('provider_id')!r} has a config that "
            f"is not a mapping: {FAILS}",
            "Make the provider's config a mapping.",
        )
    for provider in enriched:
        provider[_ENRICHED] = True


# ------------------------------------------------------------------------------ origins


def _provider_lists(document: Mapping[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    providers = document.get("providers")
    if not isinstance(providers, dict):
        return
    for api, listed in providers.items():
        if isinstance(listed, list):
            for index, item in enumerate(listed):
                if isinstance(item, dict):
                    yield str(api), index, item


def _mark_all(document: dict[str, Any], origin: Callable[[tuple[str | int, ...]], str]) -> None:
    for api, index, item in _provider_lists(document):
        item[_ORIGIN] = origin(("providers", api, index))


def _mark_override(
    override: dict[str, Any],
    config_name: str,
    section: str,
    line_of: Callable[[tuple[str | int, ...]], int | None],
) -> None:
    for api, index, item in _provider_lists(override):
        path = (section, "config", "native_override", "providers", api, index)
        item[_ORIGIN] = f"native_override ({config_name}:{line_of(path) or '?'})"


def _origins(document: Mapping[str, Any]) -> Iterator[ProviderOrigin]:
    for api, index, item in _provider_lists(document):
        yield ProviderOrigin(
            api=api,
            index=index,
            provider_id=str(item.get("provider_id")),
            provider_type=str(item.get("provider_type")),
            origin=str(item.get(_ORIGIN, "unknown")),
            enriched=bool(item.get(_ENRICHED)),
        )


def _strip_marks(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_marks(v) for k, v in node.items() if k not in (_ORIGIN, _ENRICHED)}
    if isinstance(node, list):
        return [_strip_marks(item) for item in node]
    return node


def render(document: Mapping[str, Any]) -> str:
    """The run.yaml text as Lightspeed writes it: PyYAML, keys sorted, sequences indented."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    text: str = yaml.dump(dict(document), Dumper=_Dumper, default_flow_style=False)
    return text
