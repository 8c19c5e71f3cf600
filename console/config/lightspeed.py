"""Which Lightspeed a lightspeed-stack.yaml is written for, and how that Lightspeed reads it.

Two generations are in the field:

- **May 2026** (lightspeed-stack before 0.7): the server section is ``llama_stack:``, the
  run.yaml is a second file (``library_client_config_path`` in library mode, or the
  server's own in service mode), the server is llama-stack 0.7.x.
- **0.7.x** (lightspeed-stack 0.7.1, 2026-10): the section is ``ogx:``; ``llama_stack:`` is
  still read as a deprecated alias, but only when ``ogx`` is absent: beside ``ogx`` it is an
  unknown key, which its models refuse (``extra="forbid"`` everywhere). A *unified* file
  carries a synthesis input (a non-empty ``inference.providers`` or ``vector_store.providers``,
  or an ``ogx.config`` block) from which Lightspeed writes the run.yaml itself.

`read_generation` answers from the raw document (as Lightspeed's own section helper does,
before any validation) and says why, so the console can tell the operator which rules it
applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

SectionKey = Literal["ogx", "llama_stack"]


class Generation(StrEnum):
    """The Lightspeed a file is written for."""

    MAY_2026 = "may-2026"
    """lightspeed-stack before 0.7: ``llama_stack:``, two files, llama-stack 0.7.3 servers."""
    CURRENT = "0.7"
    """lightspeed-stack 0.7.x: ``ogx:``, optional unified mode, OGX 1.2.5 servers."""

    @property
    def short(self) -> str:
        """A few words: ``lightspeed-stack 0.7.x``, ``Lightspeed of May 2026``."""
        return "Lightspeed of May 2026" if self is Generation.MAY_2026 else "lightspeed-stack 0.7.x"

    @property
    def label(self) -> str:
        """How the console names it."""
        if self is Generation.MAY_2026:
            return "Lightspeed of May 2026 (llama_stack:, two files, llama-stack 0.7.3)"
        return "lightspeed-stack 0.7.x (ogx:, OGX 1.2.5)"


@dataclass(frozen=True)
class GenerationReading:
    """What the file says about its generation and where its server section is."""

    generation: Generation
    section: SectionKey | None
    """The key Lightspeed reads the server section from (None: neither is written)."""
    reason: str
    unified: bool
    """A synthesis input is present: Lightspeed 0.7.x writes the run.yaml itself."""
    both_sections: bool
    """``ogx`` and ``llama_stack`` are both written: 0.7.x refuses the leftover one."""

    @property
    def prefix(self) -> str:
        """The dotted prefix of the section's keys in messages (``ogx`` or ``llama_stack``)."""
        return self.section or "ogx"


def section_of(data: Mapping[str, Any]) -> tuple[SectionKey | None, dict[str, Any]]:
    """The server section as Lightspeed 0.7.x picks it: ``ogx`` when it is a mapping, else
    ``llama_stack`` when that is one (the deprecated alias), else none."""
    ogx = data.get("ogx")
    if isinstance(ogx, dict):
        return "ogx", ogx
    legacy = data.get("llama_stack")
    if isinstance(legacy, dict):
        return "llama_stack", legacy
    if "ogx" in data:
        return "ogx", {}
    if "llama_stack" in data:
        return "llama_stack", {}
    return None, {}


def has_synthesis_input(data: Mapping[str, Any]) -> bool:
    """Lightspeed 0.7.1's test: ``inference.providers`` or ``vector_store.providers``
    non-empty, or a server-section ``config`` block that is not null (``{}`` counts)."""
    _, section = section_of(data)
    inference = data.get("inference")
    vector_store = data.get("vector_store")
    providers = inference.get("providers") if isinstance(inference, dict) else None
    stores = vector_store.get("providers") if isinstance(vector_store, dict) else None
    return bool(providers) or bool(stores) or section.get("config") is not None


def read_generation(data: Mapping[str, Any]) -> GenerationReading:
    """The generation a lightspeed-stack.yaml is written for, from its raw mapping."""
    key, _ = section_of(data)
    unified = has_synthesis_input(data)
    both = data.get("ogx") is not None and "llama_stack" in data
    if key == "ogx":
        return GenerationReading(
            Generation.CURRENT, key, "the server section is ogx:", unified, both
        )
    signals = [
        name
        for name, present in (
            ("config_format_version", "config_format_version" in data),
            ("a synthesis input (unified mode)", unified),
        )
        if present
    ]
    if signals:
        reason = (
            f"{' and '.join(signals)}, which only lightspeed-stack 0.7.x knows; its server "
            "section is written llama_stack:, which 0.7.x reads as a deprecated alias of ogx:"
        )
        return GenerationReading(Generation.CURRENT, key, reason, unified, both)
    if key == "llama_stack":
        reason = (
            "the server section is llama_stack: and the file has nothing of 0.7.x's "
            "(lightspeed-stack 0.7.x would still read it, as a deprecated alias of ogx:)"
        )
        return GenerationReading(Generation.MAY_2026, key, reason, unified, both)
    return GenerationReading(
        Generation.CURRENT,
        None,
        "no server section (ogx: or llama_stack:) is written; checked as lightspeed-stack 0.7.x",
        unified,
        both,
    )
