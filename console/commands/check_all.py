"""``check --all`` and ``check -d A -d B``: the doctor for many deployments, one table.

Every deployment named (or, with ``--all``, every one in the settings file) is checked
concurrently (`console.doctor.fleet`: at most ``--jobs`` at a time, each within a time
bound from its own timeouts, a crash in one reported as that deployment's internal error).
A line on stderr as each finishes; then one table on stdout: deployment, tag, Lightspeed
generation, server and version, token, inference, verdict, and the first failure's code
and remedy. ``--json`` prints the rows (with every step) instead. Exit 1 if any failed,
else 3 if any was not verified (its test inference did not run), else 0.

Only the options that make sense for every deployment are taken here (timeouts, retries,
model, prompt); a deployment's files, server and authority are its own, in the settings file.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from console.commands.context import CommandContext
from console.commands.tables import styled_table
from console.doctor.fleet import DeploymentCheck, Verdict, check_fleet, entry_for
from console.settings.deployments import Deployment, did_you_mean, is_prod_tag
from console.settings.live import LiveOptions
from console.shared.exitcodes import ExitCode
from console.shared.interrupts import run_coroutine
from console.shared.output import Piece, emit, emit_json, narrate
from console.shared.secret_streams import scrubbed_output

ONE_DEPLOYMENT_FLAGS = {
    "config": "-c",
    "run_config": "-i",
    "baseline": "--baseline",
    "env_file": "--env-file",
    "url": "--url",
    "provider_data_header": "--provider-data-header",
    "authority": "--authority",
    "ca_bundle": "--ca-bundle",
    "stack_ca_bundle": "--stack-ca-bundle",
}
"""Flags that name one deployment's things: refused when checking several."""
SUMMARY_HEADERS = (
    *("DEPLOYMENT", "TAG", "LIGHTSPEED", "SERVER", "TOKEN", "INFERENCE", "VERDICT"),
    *("CODE", "REMEDY"),
)
_VERDICT_STYLE = {
    Verdict.PASS: ("✓", "green"),
    Verdict.WARN: ("!", "yellow"),
    Verdict.INCOMPLETE: ("?", "yellow"),
    Verdict.FAIL: ("✗", "red"),
    Verdict.TIMEOUT: ("✗", "red"),
    Verdict.ERROR: ("✗", "red"),
}


def wanted(args: argparse.Namespace) -> bool:
    """Whether this ``check`` is of several deployments."""
    return bool(getattr(args, "all", False)) or len(args.deployments or []) > 1


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Check the deployments asked for and print the summary; 1 if any failed."""
    settings = context.settings
    given = [flag for key, flag in ONE_DEPLOYMENT_FLAGS.items() if getattr(args, key) is not None]
    if given:
        return _usage(
            f"{', '.join(given)} name one deployment's files or servers; with several "
            "deployments each uses its own",
            "Set them per deployment in the settings file, or check one with -d NAME.",
        )
    chosen = _chosen(args, settings.deployments, context.settings_file)
    if chosen is None:
        return ExitCode.ERROR
    if not chosen:
        return _usage(
            f"no deployments in {context.settings_file}",
            "Add [deployments.NAME] tables (see `lightspeed-console deployments --help`).",
        )
    base = LiveOptions(
        stack_timeout=args.timeout,
        token_timeout=args.token_timeout,
        max_answer=args.max_answer,
        retries=args.retries,
        model=args.model,
        prompt=args.prompt,
    )
    entries = [entry_for(deployment, os.environ, base) for deployment in chosen]
    for entry in entries:
        if entry.target is not None and entry.target.env_notice:
            narrate(f"{entry.name}: note: {entry.target.env_notice}", "yellow")
    secrets = [s for entry in entries if entry.target for s in entry.target.env_secrets]
    with scrubbed_output(secrets):
        narrate(f"checking {len(entries)} deployment(s), {args.jobs} at a time", "dim")
        rows = run_coroutine(check_fleet(entries, jobs=args.jobs, on_done=_narrate_row))
        failed = [row.name for row in rows if row.verdict.failed]
        incomplete = [row.name for row in rows if row.verdict is Verdict.INCOMPLETE]
        if args.json:
            emit_json(
                {
                    "ok": not failed and not incomplete,
                    "deployments": [row.to_dict() for row in rows],
                }
            )
        else:
            emit(*summary_table(rows))
        if failed:
            narrate(f"failed: {', '.join(failed)}", "red")
        if incomplete:
            names = ", ".join(incomplete)
            narrate(f"not verified (the test inference did not run): {names}", "yellow")
        if not failed and not incomplete:
            narrate("every deployment passed", "green")
    if failed:
        return ExitCode.FOUND
    return ExitCode.INCOMPLETE if incomplete else ExitCode.OK


def _chosen(
    args: argparse.Namespace, known: Mapping[str, Deployment], settings_file: Path
) -> list[Deployment] | None:
    """The deployments asked for, in the order asked (``--all``: the file's order)."""
    if args.all:
        if args.deployments:
            _usage("--all and -d together", "Give --all, or the deployments one -d each.")
            return None
        return list(known.values())
    chosen: list[Deployment] = []
    for name in dict.fromkeys(args.deployments):
        if name not in known:
            listed = ", ".join(known) or "none"
            _usage(
                f"{settings_file}: no deployment named {name!r}"
                f"{did_you_mean(name, known)}; known: {listed}",
                "Run `lightspeed-console deployments` to list them.",
            )
            return None
        chosen.append(known[name])
    return chosen


def _narrate_row(row: DeploymentCheck) -> None:
    mark, style = _VERDICT_STYLE[row.verdict]
    where = f" at {row.failed_step}: {row.code}" if row.failed_step else ""
    narrate(f"{mark} {row.name}: {row.verdict.value}{where} ({row.duration_s:.1f} s)", style)


def summary_table(rows: list[DeploymentCheck]) -> list[Piece]:
    """The summary, one row per deployment; a production tag and the verdicts in colour."""
    body = []
    for row in rows:
        body.append(
            [
                row.name,
                row.tag or "-",
                row.generation or "-",
                f"{row.server} {row.version}" if row.server else "-",
                row.token,
                row.inference,
                row.verdict.value,
                f"{row.code} ({row.failed_step})" if row.code else "-",
                row.remedy or "-",
            ]
        )

    def style(index: int, column: int) -> str | None:
        if column == 1 and is_prod_tag(rows[index].tag):
            return "yellow"
        return _VERDICT_STYLE[rows[index].verdict][1] if column == 6 else None

    return styled_table(SUMMARY_HEADERS, body, style)


def _usage(message: str, remedy: str) -> ExitCode:
    narrate(f"error: {message}", "red")
    narrate(f"  remedy: {remedy}")
    return ExitCode.ERROR
