"""The refusals of Lightspeed's own config models, as findings with file:line and a remedy.

lightspeed-stack 0.7.x validates lightspeed-stack.yaml with pydantic models that forbid
unknown keys everywhere (``extra="forbid"``) and check the unified shape at start; a file
that fails them never starts. The console reports each refusal where it is written, in
Lightspeed's words, with a did-you-mean for a misspelt key. The field sets are those of the
0.7.1 models (``models/config.py``); a file written for May 2026's Lightspeed is held to
them too, since that is what it meets when the deployment is upgraded, and the finding says so.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from console.config.envsubst import ConfigPath, format_path
from console.config.lightspeed import Generation, has_synthesis_input
from console.config.synthesis import PROVIDER_TYPE_MAP
from console.config.yamlio import node_at, to_plain
from console.shared.findings import Finding, Severity

if TYPE_CHECKING:
    from console.config.loaded import Loaded

ROOT_KEYS = frozenset(
    {
        "name", "config_format_version", "service", "ogx", "user_data_collection", "database",
        "mcp_servers", "authentication", "authorization", "customization", "inference",
        "conversation_cache", "compaction", "approvals", "vector_store", "a2a_state",
        "quota_handlers", "azure_entra_id", "rlsapi_v1", "splunk", "observability",
        "deployment_environment", "rag", "skills", "saved_prompts", "shields",
    }
)  # fmt: skip
SECTION_KEYS = frozenset(
    {
        "url", "api_key", "use_as_library_client", "library_client_config_path", "timeout",
        "max_retries", "retry_delay", "allow_degraded_mode", "config",
    }
)  # fmt: skip
UNIFIED_KEYS = frozenset({"baseline", "profile", "native_override"})
ENTRA_KEYS = frozenset({"tenant_id", "client_id", "client_secret", "scope"})
INFERENCE_KEYS = frozenset(
    {
        "default_model", "default_provider", "context_windows", "providers",
        "max_infer_iters", "max_tool_calls",
    }
)  # fmt: skip
PROVIDER_KEYS = frozenset({"type", "id", "api_key_env", "allowed_models", "extra"})
REQUIRED_ROOT_KEYS = ("name", "service", "user_data_collection")
"""Required by lightspeed-stack 0.7.1's root model (``ogx`` too: see section-missing)."""
BASELINES = ("default", "empty", "byo-llm")
FORMAT_VERSIONS = ("legacy", "unified")
PROVIDER_ID = re.compile(r"[a-z0-9_-]+")
UNIFIED_INPUTS = (
    "a non-empty inference.providers, a non-empty vector_store.providers, or an {section}.config "
    "block"
)


def startup_refusals(loaded: Loaded) -> Iterator[Finding]:
    """Every refusal Lightspeed 0.7.x's models would make at start."""
    if loaded.lightspeed is None or loaded.generation is None:
        return
    raw = to_plain(loaded.lightspeed.document)
    if not isinstance(raw, dict):
        return
    rules = _Rules(loaded, raw)
    yield from rules.section_spelling()
    yield from rules.required_keys()
    yield from rules.shape()
    yield from rules.unknown_keys()
    yield from rules.unified_values()


class _Rules:
    """The rules over one file; `finding` places each at its line."""

    def __init__(self, loaded: Loaded, raw: dict[str, Any]) -> None:
        assert loaded.lightspeed is not None
        assert loaded.generation is not None
        self.file = loaded.lightspeed.path
        self.sub = loaded.lightspeed.sub
        self.reading = loaded.generation
        self.raw = raw
        self.section = self.reading.prefix
        self.upgrade = (
            " (lightspeed-stack 0.7.x refuses it; the May 2026 Lightspeed this file is written "
            "for may not)"
            if self.reading.generation is Generation.MAY_2026
            else ""
        )

    def finding(
        self, code: str, severity: Severity, path: ConfigPath, message: str, remedy: str
    ) -> Finding:
        return Finding(
            code=code,
            severity=severity,
            file=self.file,
            line=self.sub.line(path) if path else None,
            message=message,
            remedy=remedy,
        )

    def section_spelling(self) -> Iterator[Finding]:
        if self.reading.both_sections:
            yield self.finding(
                "section-both",
                Severity.ERROR,
                ("llama_stack",),
                "both ogx: and llama_stack: are written: lightspeed-stack 0.7.x reads ogx: and "
                "refuses the leftover llama_stack: as an unknown field (extra inputs are not "
                "permitted), so the service does not start",
                "Remove llama_stack: (move anything it holds into ogx:).",
            )
        elif (
            self.reading.section == "llama_stack" and self.reading.generation is Generation.CURRENT
        ):
            yield self.finding(
                "section-deprecated",
                Severity.INFO,
                ("llama_stack",),
                "llama_stack: is the deprecated spelling of ogx: in lightspeed-stack 0.7.x (read "
                "with a warning: 'The 'llama_stack' configuration key is deprecated and will be "
                "removed in a future release; use 'ogx' instead.')",
                "Rename llama_stack: to ogx: once every deployment of this file runs "
                "lightspeed-stack 0.7 or later.",
            )
        elif self.reading.section is None:
            yield self.finding(
                "section-missing",
                Severity.ERROR,
                (),
                "no ogx: section (nor llama_stack:, its deprecated alias): Lightspeed refuses "
                "the file (ogx: field required) and does not know how to reach the server",
                "Add ogx: with url (service mode) or use_as_library_client: true and a run "
                "source (library mode).",
            )

    def shape(self) -> Iterator[Finding]:
        section = self.raw.get(self.reading.section or "ogx")
        section = section if isinstance(section, dict) else {}
        prefix = self.section
        inputs = UNIFIED_INPUTS.format(section=prefix)
        synthesis_input = has_synthesis_input(self.raw)
        legacy_input = section.get("library_client_config_path") is not None
        if synthesis_input and legacy_input:
            yield self.finding(
                "unified-ambiguous",
                Severity.ERROR,
                (prefix, "library_client_config_path"),
                f"the configuration is ambiguous: unified synthesis inputs ({inputs}) are "
                f"mutually exclusive with the legacy {prefix}.library_client_config_path; "
                "Lightspeed refuses to start",
                "Use one or the other. To convert a legacy two-file setup to unified mode, run "
                "`lightspeed-stack --migrate-config`.",
            )
        if section.get("use_as_library_client") and not synthesis_input and not legacy_input:
            yield self.finding(
                "library-no-run-source",
                Severity.ERROR,
                (prefix,),
                f"library mode requires a run-configuration source ({inputs}, or "
                "library_client_config_path); Lightspeed refuses to start",
                f"Set {prefix}.library_client_config_path to a run.yaml, or describe the "
                "providers in unified mode (inference.providers).",
            )
        version = self.raw.get("config_format_version")
        if version is None:
            return
        if version not in FORMAT_VERSIONS:
            yield self.finding(
                "format-version-invalid",
                Severity.ERROR,
                ("config_format_version",),
                f"config_format_version is {version!r}; Lightspeed accepts 'legacy' or 'unified'",
                "Write config_format_version: legacy or unified, or remove it.",
            )
            return
        detected = "unified" if synthesis_input else "legacy"
        if version != detected:
            yield self.finding(
                "format-version-mismatch",
                Severity.ERROR,
                ("config_format_version",),
                f"config_format_version is '{version}' but the configuration body is "
                f"{detected}-shaped: a unified configuration carries a synthesis input "
                f"({inputs}), a legacy one does not; Lightspeed refuses to start",
                "Fix config_format_version or the configuration body.",
            )

    def required_keys(self) -> Iterator[Finding]:
        if self.reading.generation is not Generation.CURRENT:
            return
        for key in REQUIRED_ROOT_KEYS:
            if key not in self.raw:
                yield self.finding(
                    "required-key-missing",
                    Severity.ERROR,
                    (),
                    f"{key} is not written: lightspeed-stack 0.7.x requires it (field "
                    "required) and refuses the file",
                    f"Add {key}:"
                    + (
                        " (feedback_enabled: false and transcripts_enabled: false collect nothing)"
                        if key == "user_data_collection"
                        else ""
                    ),
                )

    def unknown_keys(self) -> Iterator[Finding]:
        checks: list[tuple[ConfigPath, frozenset[str]]] = [
            ((self.reading.section or "ogx",), SECTION_KEYS),
            ((self.reading.section or "ogx", "config"), UNIFIED_KEYS),
            (("azure_entra_id",), ENTRA_KEYS),
            (("inference",), INFERENCE_KEYS),
        ]
        providers = node_at(self.raw, ("inference", "providers"))
        if isinstance(providers, list):
            checks += [
                (("inference", "providers", i), PROVIDER_KEYS) for i in range(len(providers))
            ]
        if self.reading.generation is Generation.CURRENT:
            root_known = ROOT_KEYS | (
                {"llama_stack"} if self.reading.section == "llama_stack" else set()
            )
            checks.insert(0, ((), frozenset(root_known)))
        for path, known in checks:
            node = node_at(self.raw, path) if path else self.raw
            if not isinstance(node, dict):
                continue
            for key in node:
                if str(key) in known or (path == () and key == "llama_stack"):
                    continue
                yield self._unknown(path, str(key), known)

    def _unknown(self, path: ConfigPath, key: str, known: frozenset[str]) -> Finding:
        where = format_path((*path, key))
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        hint = f"did you mean {format_path((*path, close[0]))}? " if close else ""
        return self.finding(
            "unknown-key",
            Severity.ERROR,
            (*path, key),
            f"{where} is not a field Lightspeed knows: its config models forbid unknown keys "
            f"(extra inputs are not permitted){self.upgrade}",
            f"{hint}Known here: {', '.join(sorted(known))}.",
        )

    def unified_values(self) -> Iterator[Finding]:
        prefix = self.section
        baseline = node_at(self.raw, (prefix, "config", "baseline"))
        if baseline is not None and baseline not in BASELINES:
            yield self.finding(
                "baseline-invalid",
                Severity.ERROR,
                (prefix, "config", "baseline"),
                f"{prefix}.config.baseline is {baseline!r}; lightspeed-stack 0.7.1 accepts "
                "'default', 'empty' or 'byo-llm'",
                "Write one of default, empty, byo-llm (or name a profile).",
            )
        providers = node_at(self.raw, ("inference", "providers"))
        for index, provider in enumerate(providers if isinstance(providers, list) else []):
            if not isinstance(provider, Mapping):
                continue
            path: ConfigPath = ("inference", "providers", index)
            kind = provider.get("type")
            if not isinstance(kind, str) or kind not in PROVIDER_TYPE_MAP:
                shown = repr(kind) if len(repr(kind)) <= 80 else repr(kind)[:80] + "..."
                yield self.finding(
                    "provider-type-unknown",
                    Severity.ERROR,
                    (*path, "type") if "type" in provider else path,
                    f"{format_path(path)}.type is {shown}; Lightspeed expands only "
                    f"{', '.join(PROVIDER_TYPE_MAP)}",
                    "Use one of those types, or write the provider in native_override.",
                )
            raw_id = provider.get("id")
            if raw_id is not None and not PROVIDER_ID.fullmatch(str(raw_id).strip()):
                yield self.finding(
                    "provider-id-invalid",
                    Severity.ERROR,
                    (*path, "id"),
                    f"{format_path(path)}.id {raw_id!r}: an id must be non-empty and contain only "
                    "lowercase letters, digits, underscores and hyphens",
                    "Fix the id, or omit it to use the type-derived default.",
                )
