"""The result of loading: both files as written and resolved, typed views and findings.

Its own module so that what consumes a `Loaded` (the review, the enrichment, the
discovery, the doctor) names it without importing the loader that produces it: the loader
calls the review, and the review reads a `Loaded`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from console.config.envsubst import EnvReference, Substitution
from console.config.lightspeed import GenerationReading
from console.config.synthesis import Synthesis
from console.config.views import EntraIdSettings, LlamaStackSettings, RegisteredModel, RunProvider
from console.config.yamlio import YamlFile
from console.shared.findings import Finding
from console.shared.redact import is_secret_key


@dataclass(frozen=True)
class LoadedFile:
    """One configuration file: as written (round-trip) and as resolved."""

    yaml: YamlFile
    sub: Substitution

    @property
    def path(self) -> Path:
        """Where the file was read from."""
        return self.yaml.path

    @property
    def document(self) -> CommentedMap:
        """The round-trip document (comments and key order kept) for edits and diffs."""
        return self.yaml.document


@dataclass(frozen=True)
class RunConfigChoice:
    """Which run.yaml the console reads, and why (shown to the operator)."""

    path: Path | None
    reason: str


@dataclass
class Loaded:
    """Everything the later steps need: files, typed views, env references and findings."""

    lightspeed: LoadedFile | None
    run: LoadedFile | None
    run_choice: RunConfigChoice
    entra: EntraIdSettings | None
    llama_stack: LlamaStackSettings | None
    providers: list[RunProvider] = field(default_factory=list)
    models: list[RegisteredModel] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    generation: GenerationReading | None = None
    """Which Lightspeed lightspeed-stack.yaml is written for (None without that file)."""
    synthesis: Synthesis | None = None
    """In unified mode: how the run.yaml was synthesized (``run`` is its text)."""

    @property
    def env_references(self) -> list[EnvReference]:
        """Every ``${env.…}`` reference in both files, in file order."""
        refs: list[EnvReference] = []
        for loaded in (self.lightspeed, self.run):
            if loaded is not None:
                refs.extend(loaded.sub.references)
        return refs

    @property
    def secret_references(self) -> list[EnvReference]:
        """The references whose value is a secret by where it is used: under a secret-named
        key (``client_secret: ${env.X}``, ``api_key``). Not the Entra ID identity
        (``azure_entra_id.tenant_id``, ``.client_id``): identifiers, shown as ``az`` shows
        them, though the typed views hold them as Lightspeed's models do."""
        return [ref for ref in self.env_references if is_secret_place(ref)]

    @property
    def azure_providers(self) -> list[RunProvider]:
        """The ``remote::azure`` inference providers, in file order (the first one is used)."""
        return [provider for provider in self.providers if provider.is_azure]


def is_secret_place(ref: EnvReference) -> bool:
    """Whether a reference sits where a secret goes (see `Loaded.secret_references`)."""
    keys = [part for part in ref.path if isinstance(part, str)]
    if not keys:
        return False
    return is_secret_key(keys[-1])
