"""``check``: the doctor. Every step in order, each pass / warn / fail / skip with its remedy.

config -> findings -> enrichment -> stack -> providers -> token -> inference. A step whose
prerequisites failed is skipped with the reason. Exit codes: 0 no step failed (warnings
allowed) and the test inference passed, 1 a step failed, 2 a configuration file cannot be
read or is of the wrong shape, 3 nothing failed but the test inference was not verified
(a step did not run; the last line says which and why). In library mode the run.yaml is
booted in the release's own library client, as Lightspeed boots it, and the inference goes
through it.
With --json, one JSON document with every step (stdout); the progress lines go to stderr.

``-d NAME`` checks a deployment of the settings file; ``--all`` (or ``-d`` more than once)
checks several concurrently and prints one summary table (`console.commands.check_all`).
"""

from __future__ import annotations

import argparse

from console.commands import check_all
from console.commands.context import CommandContext
from console.commands.live import add_live_options, target_for
from console.commands.options import add_config_options, require_default_config
from console.commands.parser import command_help
from console.doctor.fleet import DEFAULT_JOBS
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.runner import Doctor
from console.doctor.verdict import Outcome, verdict_of
from console.shared.exitcodes import ExitCode
from console.shared.interrupts import run_coroutine
from console.shared.output import emit, emit_json, narrate, paint

MAX_JOBS = 64
OUTCOME_CODES = {
    Outcome.PASSED: ExitCode.OK,
    Outcome.FAILED: ExitCode.FOUND,
    Outcome.INCOMPLETE: ExitCode.INCOMPLETE,
}
OUTCOME_STYLES = {Outcome.PASSED: "green", Outcome.FAILED: "red", Outcome.INCOMPLETE: "yellow"}


CHECK_EXAMPLES = (
    ("check -d prod-eu", "every step for one deployment, each with its remedy"),
    ("check --all", "every deployment of the settings file at once, one row each"),
    (
        "check -c lightspeed-stack.yaml --env-file pod.env --json",
        "one deployment's files, the pod's variables from a file; JSON",
    ),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the CLI."""
    parser = commands.add_parser(
        "check",
        help="the doctor: config, findings, enrichment, stack, providers, token, inference",
        **command_help("check", __doc__, CHECK_EXAMPLES),
    )
    add_config_options(parser)
    add_live_options(parser)
    parser.add_argument("--model", default=None, metavar="ID", help="model for the test inference")
    parser.add_argument("--prompt", default=None, help="prompt for the test inference")
    parser.add_argument("--json", action="store_true", help="print every step as JSON")
    several = parser.add_argument_group(
        "several deployments", "check --all, or -d NAME more than once: one summary table"
    )
    several.add_argument(
        "--all",
        action="store_true",
        help="check every deployment of the settings file, concurrently",
    )
    several.add_argument(
        "--jobs",
        type=_jobs,
        default=DEFAULT_JOBS,
        metavar="N",
        help=f"deployments checked at once (default: {DEFAULT_JOBS})",
    )
    parser.set_defaults(handler=run)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if not 1 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_JOBS}, not {text}")
    return value


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Run the doctor and print each step as it finishes (several: `check_all`)."""
    if check_all.wanted(args):
        return check_all.run(args, context)
    target = target_for(args, context, model=args.model, prompt=args.prompt)
    require_default_config(args, context)  # after the flags' own checks
    doctor = Doctor(target)
    results = run_coroutine(_run(doctor, printer=None if args.json else print_result))
    verdict = verdict_of(results)
    if args.json:
        emit_json(
            {
                "ok": verdict.ok,
                **verdict.to_dict(),
                "steps": [result.to_dict() for result in results],
            }
        )
    config = doctor.state.results.get("config")
    if config is not None and config.status is CheckStatus.FAIL:
        return ExitCode.ERROR
    narrate(verdict.line(), OUTCOME_STYLES[verdict.outcome])
    return OUTCOME_CODES[verdict.outcome]


async def _run(doctor: Doctor, printer: object) -> list[CheckResult]:
    results = []
    try:
        async for result in doctor.run():
            results.append(result)
            if callable(printer):
                printer(result)
            else:
                narrate(f"{result.status.mark} {result.step}: {result.status.value}", "dim")
    finally:
        await doctor.aclose()
    return results


def print_result(result: CheckResult) -> None:
    """One step: mark, title, duration, summary; then remedy and details when relevant."""
    mark, style = result.status.mark, result.status.style
    duration = (
        f"{result.duration_s * 1000:6.0f} ms" if result.status is not CheckStatus.SKIP else " " * 9
    )
    emit(paint(mark, style), f" {result.title:30} {duration}  {result.summary}\n")
    indent = " " * 44
    if result.status in (CheckStatus.FAIL, CheckStatus.WARN):
        if result.diagnosis is not None:
            emit(f"{indent}{result.diagnosis.meaning}\n")
            if result.diagnosis.endpoint:
                emit(f"{indent}endpoint: {result.diagnosis.endpoint}\n")
        for line in result.details[:5]:
            emit(f"{indent}{line}\n")
        if result.remedy:
            emit(paint(f"{indent}remedy: {result.remedy}", "dim"), "\n")
