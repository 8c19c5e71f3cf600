"""The doctor's offline steps: the files, their findings, the Azure enrichment (no network).

Each step is a function of the deployment (`console.settings.target.Target`), what earlier
steps found (`DoctorState`, which it updates) and the run's `RunParameters`; it returns the step's
`CheckResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.doctor.graph import title_of
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.state import DoctorState, RunParameters
from console.settings.target import Target
from console.shared.blocking import run_blocking

if TYPE_CHECKING:
    from console.config.loaded import Loaded


async def check_config(target: Target, state: DoctorState, _: RunParameters) -> CheckResult:
    """Read both files (in a thread: seconds for a huge run.yaml); fail on unusable values.

    A daemon thread (`console.shared.blocking`): a file that never answers (a FIFO nobody
    writes, a hung network mount) must not keep the console alive after a quit.
    """
    from console.config.errors import ConfigFileError

    await state.drop_session()
    state.loaded = None
    state.config_error = None
    title = title_of("config")
    try:
        loaded = await run_blocking(_load, target)
    except ConfigFileError as error:
        state.config_error = error
        return CheckResult(
            "config",
            title,
            CheckStatus.FAIL,
            f"{error.location}: {error.message}",
            remedy=error.remedy,
        )
    return adopt_loaded(loaded, state)


def adopt_loaded(loaded: Loaded, state: DoctorState) -> CheckResult:
    """The config step's result for files already read (by this step, or by a command)."""
    from console.shared.findings import unusable

    title = title_of("config")
    previous = state.token_manager
    if previous is not None and previous.settings != loaded.entra:
        # azure_entra_id changed on disk: the next token must use the new settings.
        state.token_manager = None
        state.token = None
    state.loaded = loaded
    bad = unusable(loaded.findings)
    if bad:
        return CheckResult(
            "config",
            title,
            CheckStatus.FAIL,
            f"{len(bad)} value(s) of the wrong type; the services would refuse the file",
            remedy=bad[0].remedy,
            details=tuple(f"{f.location}: {f.message}" for f in bad),
        )
    mode = loaded.llama_stack.mode if loaded.llama_stack else "unknown"
    written_for = f", {loaded.generation.generation.short}" if loaded.generation else ""
    files = [f"{loaded.lightspeed.path} ({mode} mode{written_for})"] if loaded.lightspeed else []
    if loaded.run is not None:
        files.append(f"{loaded.run.path} ({loaded.run_choice.reason})")
    else:
        files.append(f"no run.yaml: {loaded.run_choice.reason}")
    return CheckResult("config", title, CheckStatus.PASS, "; ".join(files))


async def check_findings(_: Target, state: DoctorState, __: RunParameters) -> CheckResult:
    """The review's findings: fail on an error, warn on a warning, notices are details."""
    from console.shared.findings import Severity

    loaded = state.checked_loaded
    title = title_of("findings")
    errors = [f for f in loaded.findings if f.severity is Severity.ERROR]
    warnings = [f for f in loaded.findings if f.severity is Severity.WARNING]
    details = tuple(f"{f.severity.value}: {f.location}: {f.message}" for f in loaded.findings)
    if errors:
        return CheckResult(
            "findings",
            title,
            CheckStatus.FAIL,
            f"{len(errors)} error(s), {len(warnings)} warning(s): {errors[0].message}",
            remedy=errors[0].remedy,
            details=details,
        )
    if warnings:
        return CheckResult(
            "findings",
            title,
            CheckStatus.WARN,
            f"{len(warnings)} warning(s): {warnings[0].message}",
            remedy=warnings[0].remedy,
            details=details,
        )
    notices = f" ({len(loaded.findings)} notice(s))" if loaded.findings else ""
    return CheckResult(
        "findings", title, CheckStatus.PASS, "no problems found" + notices, details=details
    )


async def check_enrichment(_: Target, state: DoctorState, __: RunParameters) -> CheckResult:
    """What Lightspeed's Azure enrichment would change in run.yaml (a preview, in a thread)."""
    from console.config.enrichment import preview

    loaded = state.checked_loaded
    title = title_of("enrichment")
    if loaded.run is None:
        return CheckResult(
            "enrichment",
            title,
            CheckStatus.SKIP,
            "no run.yaml to enrich",
            remedy="Pass --run-config with the run.yaml the server runs.",
        )
    result = await run_blocking(preview, loaded)
    state.enrichment = result
    if result.skipped:
        return CheckResult(
            "enrichment",
            title,
            CheckStatus.WARN,
            f"{len(result.skipped)} remote::azure provider(s) cannot be enriched: "
            f"{result.skipped[0].reason}",
            remedy="Make each remote::azure provider's config a mapping.",
        )
    summary = result.reason
    if result.changed:
        summary += " (preview: lightspeed-console diff; Lightspeed applies it at start)"
    details = (f"config.model_validation: {result.server_note}",) if result.server_note else ()
    return CheckResult("enrichment", title, CheckStatus.PASS, summary, details=details)


def _load(target: Target) -> Loaded:
    """`console.config.loader.load`, imported in the worker thread that runs it.

    The loader brings ruamel, libyaml and pydantic: imports that would otherwise hold the
    event loop just after the first frame.
    """
    from console.config.loader import load

    return load(
        target.lightspeed_config,
        target.run_config,
        target.environ,
        baseline=target.baseline,
        run_config_source=target.sources.get("run_config"),
    )
