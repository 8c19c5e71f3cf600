"""`load()`: both configuration files, resolved, typed and reviewed, in one result.

The run.yaml is chosen the way Lightspeed chooses it, and the choice is explained: an
explicit ``--run-config`` wins; otherwise ``llama_stack.library_client_config_path``,
relative paths resolved against the current directory (as Lightspeed does, not against the
config file's folder); otherwise there is none to read (service mode keeps it with the server).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from console.config.envsubst import substitute
from console.config.errors import ConfigFileError
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
from console.config.yamlio import read_yaml_file
from console.shared.findings import Finding, Severity
from console.shared.gcpause import gc_paused

RUN_CONFIG_UNREADABLE = "run-config-unreadable"
"""The code of the finding for a ``library_client_config_path`` that names no readable file."""


def choose_run_config(
    run_config: Path | None,
    llama_stack: LlamaStackSettings | None,
    default_run_config: Path | None = None,
) -> RunConfigChoice:
    """Pick the run.yaml as Lightspeed would, and say why.

    ``default_run_config`` is the last resort for commands that need a run.yaml even in
    service mode (``diff``, ``enrich``: Lightspeed's enrichment CLI defaults to ./run.yaml).
    """
    if run_config is not None:
        return RunConfigChoice(run_config, "given on the command line")
    configured = llama_stack.library_client_config_path if llama_stack else None
    if configured:
        path = Path(configured).expanduser()
        if path.is_absolute():
            return RunConfigChoice(path, "llama_stack.library_client_config_path")
        return RunConfigChoice(
            Path.cwd() / path,
            "llama_stack.library_client_config_path, relative to the current directory "
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
) -> Loaded:
    """Load and review the configuration.

    Raises `ConfigFileError` when a file named explicitly cannot be read or parsed. A run.yaml
    found through ``library_client_config_path`` that cannot be read is a finding instead,
    because the rest of the review still helps the operator.
    """
    with gc_paused():  # a large run.yaml is a tree of a million objects
        return _load(lightspeed_config, run_config, environ, default_run_config)


def _load(
    lightspeed_config: Path | None,
    run_config: Path | None,
    environ: Mapping[str, str] | None,
    default_run_config: Path | None,
) -> Loaded:
    from console.config.review import review  # review reads the views this module builds

    findings: list[Finding] = []
    lightspeed: LoadedFile | None = None
    entra: EntraIdSettings | None = None
    llama_stack: LlamaStackSettings | None = None
    if lightspeed_config is not None:
        lightspeed = _load_file(lightspeed_config, environ)
        reader = TypedReader(lightspeed.sub, lightspeed.path)
        entra = read_entra_id(reader)
        llama_stack = read_llama_stack(reader)
        findings.extend(reader.findings)

    choice = choose_run_config(run_config, llama_stack, default_run_config)
    run: LoadedFile | None = None
    providers: list[RunProvider] = []
    models: list[RegisteredModel] = []
    if choice.path is not None:
        try:
            run = _load_file(choice.path, environ)
        except ConfigFileError as error:
            if run_config is not None or choice.path == default_run_config:
                raise
            findings.append(_unreadable_run_config(error, lightspeed, llama_stack))
        if run is not None:
            reader = TypedReader(run.sub, run.path)
            providers = read_providers(reader)
            models = read_models(reader)
            findings.extend(reader.findings)

    loaded = Loaded(lightspeed, run, choice, entra, llama_stack, providers, models)
    findings.extend(review(loaded))
    loaded.findings = sorted(findings, key=_finding_order)
    return loaded


def _load_file(path: Path, environ: Mapping[str, str] | None) -> LoadedFile:
    yaml_file = read_yaml_file(path)
    return LoadedFile(yaml_file, substitute(yaml_file.document, path, environ))


def _unreadable_run_config(
    error: ConfigFileError, lightspeed: LoadedFile | None, llama_stack: LlamaStackSettings | None
) -> Finding:
    line = None
    if lightspeed is not None:
        line = lightspeed.sub.line(("llama_stack", "library_client_config_path"))
    library = bool(llama_stack and llama_stack.use_as_library_client)
    return Finding(
        code=RUN_CONFIG_UNREADABLE,
        severity=Severity.ERROR if library else Severity.WARNING,
        file=lightspeed.path if lightspeed is not None else None,
        line=line,
        message=(
            f"llama_stack.library_client_config_path names {error.file}, which cannot be used: "
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
