"""What the headless commands share: loading with narration, and printing findings."""

from __future__ import annotations

import argparse

from console.commands.context import CommandContext
from console.commands.options import (
    DEFAULT_LIGHTSPEED_CONFIG,
    DEFAULT_RUN_CONFIG,
    add_config_options,
    lightspeed_config_path,
    require_default_config,
)
from console.config.loaded import Loaded
from console.config.loader import RUN_CONFIG_UNREADABLE, load
from console.shared.findings import Finding, Severity, unusable
from console.shared.output import emit, narrate, paint

__all__ = [
    "DEFAULT_LIGHTSPEED_CONFIG",
    "DEFAULT_RUN_CONFIG",
    "UnusableConfig",
    "add_config_options",
    "lightspeed_config_path",
    "load_for",
    "print_findings",
]

_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


class UnusableConfig(Exception):
    """A configuration the command cannot work with, said as findings (file:line, remedy).

    Values of the wrong type where the services read them, or no readable run.yaml for a
    command that works on one.
    """

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"{len(findings)} problem(s) make the configuration unusable")
        self.findings = findings


def load_for(
    args: argparse.Namespace,
    context: CommandContext,
    *,
    need_run: bool = False,
    lightspeed_optional: bool = False,
    allow_unusable: bool = False,
) -> Loaded:
    """Load the configuration for a command; say on stderr which run.yaml it read and why.

    ``need_run``: commands that work on run.yaml fall back to ./run.yaml (Lightspeed's CLI
    default) when neither ``-i`` nor ``library_client_config_path`` names one.
    ``lightspeed_optional``: without ``-c``, a missing ./lightspeed-stack.yaml is not an error.
    Unless ``allow_unusable``, values of the wrong type raise `UnusableConfig` (exit 2), and
    so does, with ``need_run``, a ``library_client_config_path`` that names no readable file.
    ``-`` for ``-c`` or ``-i`` reads that file from stdin (one of them only).
    """
    if not lightspeed_optional:
        require_default_config(args, context)
    lightspeed = lightspeed_config_path(args, optional=lightspeed_optional)
    loaded = load(
        lightspeed,
        args.run_config,
        default_run_config=DEFAULT_RUN_CONFIG if need_run else None,
        baseline=args.baseline,
        environ=context.environ,
        run_config_source=context.sources.get("run_config"),
    )
    if loaded.generation is not None:
        reading = loaded.generation
        narrate(f"written for: {reading.generation.label} ({reading.reason})", "dim")
    choice = loaded.run_choice
    narrate(f"run.yaml: {choice.path or '-'} ({choice.reason})", "dim")
    if not allow_unusable and (bad := unusable(loaded.findings)):
        raise UnusableConfig(bad)
    if need_run and loaded.run is None:
        raise UnusableConfig([f for f in loaded.findings if f.code == RUN_CONFIG_UNREADABLE])
    return loaded


def print_findings(findings: list[Finding]) -> None:
    """Findings, most serious first, each with its location and remedy."""
    for finding in findings:
        label = finding.severity.value.ljust(7)
        emit(
            paint(label, _SEVERITY_STYLE[finding.severity]),
            f"  {finding.location}  [{finding.code}]\n",
        )
        emit(f"         {finding.message}\n")
        emit(paint(f"         remedy: {finding.remedy}", "dim"), "\n")
    counts = [sum(1 for f in findings if f.severity is s) for s in Severity]
    emit(f"{counts[0]} error(s), {counts[1]} warning(s), {counts[2]} notice(s)\n")
