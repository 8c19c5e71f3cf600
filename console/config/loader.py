"""`load()`: both configuration files, resolved, typed and reviewed, in one result.

The run.yaml is chosen the way Lightspeed chooses it, and the choice is explained: an
explicit ``--run-config`` wins; otherwise, for a unified lightspeed-stack.yaml (0.7.x), the
run.yaml Lightspeed synthesizes from it (`console.config.synthesis`); otherwise the
server section's ``library_client_config_path``, relative paths resolved against the current
directory (as Lightspeed does, not against the config file's folder); otherwise there is
none to read (service mode keeps it with the server).

Which generation of Lightspeed the file is written for (`console.config.lightspeed`) decides
the server section's key (``ogx`` or ``llama_stack``) and how the run.yaml's
``${env.*}`` drop list entries (OGX 1.2.5 and llama-stack 0.7.3 differ).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.config.envsubst import (
    LLAMA_STACK_RESOURCE_ID_FIELDS,
    OGX_RESOURCE_ID_FIELDS,
    substitute,
)
from console.config.errors import ConfigFileError
from console.config.lightspeed import Generation, GenerationReading, read_generation
from console.config.loaded import Loaded, LoadedFile, RunConfigChoice
from console.config.views import (
    EntraIdSettings,
    LlamaStackSettings,
    RegisteredModel,
    RunProvider,
    TypedReader,
    read_entra_id,
    read_llama_stack,
    read_models,
    read_providers,
)
from console.config.yamlio import YamlFile, line_at, parse_yaml_text, read_yaml_file, to_plain
from console.shared.files import is_missing
from console.shared.findings import Finding, Severity
from console.shared.gcpause import gc_paused

if TYPE_CHECKING:
    from console.config.baseline import DefaultBaseline
    from console.config.synthesis import Synthesis

RUN_CONFIG_UNREADABLE = "run-config-unreadable"
"""The code of the finding for a ``library_client_config_path`` that names no readable file."""
SYNTHESIS_FAILED = "synthesis-failed"
SYNTHESIS_NOTE = "synthesis-note"
SYNTHESIZED_RUN = Path("<synthesized run.yaml>")
"""The name the synthesized run.yaml goes by: it exists in memory (``synth`` prints it)."""


def choose_run_config(
    run_config: Path | None,
    llama_stack: LlamaStackSettings | None,
    default_run_config: Path | None = None,
    *,
    unified: bool = False,
    given_by: str | None = None,
) -> RunConfigChoice:
    """Pick the run.yaml as Lightspeed would, and say why.

    ``unified``: the file carries a synthesis input, so Lightspeed writes the run.yaml.
    ``given_by``: where a given ``run_config`` came from when not from the command line
    (a deployment's entry: ``settings.toml:5: deployments.NAME.run_config``).
    ``default_run_config`` is the last resort for commands that need a run.yaml even in
    service mode (``diff``, ``enrich``: Lightspeed's enrichment CLI defaults to ./run.yaml).
    """
    if run_config is not None:
        return RunConfigChoice(run_config, given_by or "given on the command line")
    if unified:
        return RunConfigChoice(
            SYNTHESIZED_RUN,
            "synthesized from lightspeed-stack.yaml, as lightspeed-stack 0.7.x does in "
            "unified mode",
        )
    configured = llama_stack.library_client_config_path if llama_stack else None
    section = llama_stack.section if llama_stack else "llama_stack"
    if configured:
        path = Path(configured).expanduser()
        if path.is_absolute():
            return RunConfigChoice(path, f"{section}.library_client_config_path")
        return RunConfigChoice(
            Path.cwd() / path,
            f"{section}.library_client_config_path, relative to the current directory "
            "(as Lightspeed resolves it)",
        )
    if default_run_config is not None:
        return RunConfigChoice(
            default_run_config, "the default, as in Lightspeed's enrichment CLI (-i run.yaml)"
        )
    return RunConfigChoice(
        None,
        "none: service mode keeps run.yaml with the Llama Stack server; "
        "pass --run-config to review it",
    )


def load(
    lightspeed_config: Path | None,
    run_config: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    default_run_config: Path | None = None,
    baseline: Path | None = None,
    run_config_source: str | None = None,
) -> Loaded:
    """Load and review the configuration.

    ``run_config_source``: where ``run_config`` came from when a deployment's entry gave it,
    which the run.yaml's reason names (else: the command line).

    Raises `ConfigFileError` when a file named explicitly cannot be read or parsed (the
    ``baseline`` file too). A run.yaml found through ``library_client_config_path`` that
    cannot be read, or a synthesis Lightspeed would fail, is a finding instead, because the
    rest of the review still helps the operator.
    """
    with gc_paused():  # a large run.yaml is a tree of a million objects
        loaded = _load(
            lightspeed_config, run_config, environ, default_run_config, baseline, run_config_source
        )
    _mask_in_output(loaded, os.environ if environ is None else environ)
    return loaded


def _mask_in_output(loaded: Loaded, environ: Mapping[str, str]) -> None:
    """The values of the variables the files use as secrets join what a scrubbed command's
    output masks (`console.shared.secret_streams`), whatever the variables are called."""
    from console.shared.secret_streams import mask_also

    mask_also(environ.get(ref.name, "") for ref in loaded.secret_references)


def _load(  # noqa: PLR0917 - load()'s arguments, passed on in its order
    lightspeed_config: Path | None,
    run_config: Path | None,
    environ: Mapping[str, str] | None,
    default_run_config: Path | None,
    baseline: Path | None,
    run_config_source: str | None = None,
) -> Loaded:
    from console.config.review import review  # review reads the views this module builds

    findings: list[Finding] = []
    lightspeed: LoadedFile | None = None
    entra: EntraIdSettings | None = None
    llama_stack: LlamaStackSettings | None = None
    generation: GenerationReading | None = None
    if lightspeed_config is not None:
        lightspeed = _load_file(lightspeed_config, environ)
        generation = read_generation(to_plain(lightspeed.document))
        reader = TypedReader(lightspeed.sub, lightspeed.path)
        entra = read_entra_id(reader)
        llama_stack = read_llama_stack(reader, generation.section or "llama_stack")
        findings.extend(reader.findings)

    unified = generation is not None and generation.unified
    choice = choose_run_config(
        run_config, llama_stack, default_run_config, unified=unified, given_by=run_config_source
    )
    fields = _resource_id_fields(generation)
    run: LoadedFile | None = None
    synthesis: Synthesis | None = None
    providers: list[RunProvider] = []
    models: list[RegisteredModel] = []
    if choice.path == SYNTHESIZED_RUN and lightspeed is not None:
        synthesis, run = _synthesize(lightspeed, baseline, environ, fields, findings)
    elif choice.path is not None:
        try:
            run = _load_file(choice.path, environ, fields)
        except ConfigFileError as error:
            if run_config is not None or choice.path == default_run_config:
                raise
            findings.append(_unreadable_run_config(error, lightspeed, llama_stack))
    if run is not None:
        reader = TypedReader(run.sub, run.path)
        providers = read_providers(reader)
        models = read_models(reader)
        findings.extend(reader.findings)

    loaded = Loaded(
        lightspeed,
        run,
        choice,
        entra,
        llama_stack,
        providers,
        models,
        generation=generation,
        synthesis=synthesis,
    )
    findings.extend(review(loaded))
    loaded.findings = sorted(findings, key=_finding_order)
    return loaded


def _load_file(
    path: Path,
    environ: Mapping[str, str] | None,
    fields: tuple[str, ...] = LLAMA_STACK_RESOURCE_ID_FIELDS,
) -> LoadedFile:
    yaml_file = read_yaml_file(path)
    return LoadedFile(
        yaml_file, substitute(yaml_file.document, path, environ, resource_id_fields=fields)
    )


def _resource_id_fields(generation: GenerationReading | None) -> tuple[str, ...]:
    """How the run.yaml's server drops list entries whose id resolves empty."""
    if generation is not None and generation.generation is Generation.CURRENT:
        return OGX_RESOURCE_ID_FIELDS
    return LLAMA_STACK_RESOURCE_ID_FIELDS


def _synthesize(
    lightspeed: LoadedFile,
    baseline: Path | None,
    environ: Mapping[str, str] | None,
    fields: tuple[str, ...],
    findings: list[Finding],
) -> tuple[Synthesis | None, LoadedFile | None]:
    """The synthesized run.yaml, as a file the rest of the console reads like any other."""
    from console.config.baseline import find_default_baseline
    from console.config.synthesis import SynthesisError, SynthesisInput, render, synthesize

    found: list[DefaultBaseline] = []

    def default_baseline() -> DefaultBaseline:
        if not found:
            found.append(find_default_baseline(baseline))
        return found[0]

    source = SynthesisInput(
        raw=to_plain(lightspeed.document),
        config_file=lightspeed.path,
        default_baseline=default_baseline,
        line_of=lightspeed.sub.line,
        read_profile=_read_profile,
    )
    failed: tuple[Path | None, int | None, str, str] | None = None
    try:
        synthesis = synthesize(source)
    except SynthesisError as error:
        what = f"Lightspeed cannot synthesize the run.yaml: {error.message}"
        failed = (error.file or lightspeed.path, error.line, what, error.remedy)
    except ConfigFileError as error:  # the profile is not usable YAML
        what = f"the synthesis profile cannot be used: {error.message}"
        failed = (error.file, error.line, what, error.remedy)
    if failed is not None:
        file, line, message, remedy = failed
        findings.append(Finding(SYNTHESIS_FAILED, Severity.ERROR, file, line, message, remedy))
        return None, None
    for note in synthesis.notes:
        findings.append(
            Finding(
                code=SYNTHESIS_NOTE,
                severity=Severity.INFO,
                file=lightspeed.path,
                line=None,
                message=note,
                remedy="Compare with the run.yaml Lightspeed writes at start "
                "(LIGHTSPEED_STACK_SYNTHESIZED_CONFIG_PATH, ./.generated/run.yaml by default).",
            )
        )
    text = render(synthesis.document)
    document = parse_yaml_text(text, SYNTHESIZED_RUN)
    yaml_file = YamlFile(path=SYNTHESIZED_RUN, text=text, document=document)
    sub = substitute(document, SYNTHESIZED_RUN, environ, resource_id_fields=fields)
    return synthesis, LoadedFile(yaml_file, sub)


def _read_profile(path: Path) -> tuple[Any, Callable[[tuple[str | int, ...]], int | None]]:
    """A profile as the pipeline reads it: plain data, and the line of a path in the file."""
    try:
        parsed = read_yaml_file(path)
    except ConfigFileError as error:
        if error.line is None and is_missing(path):  # a loop of symbolic links is not
            raise FileNotFoundError(2, "no such file", str(path)) from None
        raise
    return to_plain(parsed.document), lambda where: line_at(parsed.document, where)


def _unreadable_run_config(
    error: ConfigFileError, lightspeed: LoadedFile | None, llama_stack: LlamaStackSettings | None
) -> Finding:
    line = None
    section = llama_stack.section if llama_stack else "llama_stack"
    if lightspeed is not None:
        line = lightspeed.sub.line((section, "library_client_config_path"))
    library = bool(llama_stack and llama_stack.use_as_library_client)
    return Finding(
        code=RUN_CONFIG_UNREADABLE,
        severity=Severity.ERROR if library else Severity.WARNING,
        file=lightspeed.path if lightspeed is not None else None,
        line=line,
        message=(
            f"{section}.library_client_config_path names {error.file}, which cannot be used: "
            f"{error.message}" + (f" (line {error.line})" if error.line else "")
        ),
        remedy=(
            error.remedy + " Lightspeed resolves a relative path against its current directory; "
            "run the console from the same directory or pass --run-config."
        ),
    )


def _finding_order(finding: Finding) -> tuple[int, str, int]:
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[finding.severity]
    return (rank, str(finding.file or ""), finding.line or 0)
