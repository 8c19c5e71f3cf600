"""``check --all`` and ``check -d A -d B``: the doctor for many deployments, one table.

Every deployment named (or, with ``--all``, every one in the settings file) is checked
concurrently (`console.doctor.fleet`: at most ``--jobs`` at a time, each within a time
bound from its own timeouts, a crash in one reported as that deployment's internal error).
A line on stderr as each finishes; then one table on stdout: deployment, tag, Lightspeed
generation, server and version, token, inference, verdict, and the first failure's code
and remedy. On a terminal the table's rows are printed as each deployment is done (in the
order they finish), and a line on stderr says which are still being checked, and for how
long, until the last one is (`LiveTable`). ``--json`` prints the rows (with every step)
instead. Exit 1 if any failed, else 3 if any was not verified (its test inference did not
run), else 0.

Only the options that make sense for every deployment are taken here (timeouts, retries,
model, prompt); a deployment's files, server and authority are its own, in the settings file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from console.commands.context import CommandContext
from console.commands.tables import styled_table
from console.doctor.fleet import DeploymentCheck, FleetEntry, Verdict, check_fleet, entry_for
from console.settings.deployments import Deployment, did_you_mean, is_prod_tag
from console.settings.live import LiveOptions
from console.shared.exitcodes import ExitCode
from console.shared.interrupts import run_coroutine
from console.shared.output import Piece, emit, emit_json, narrate, paint
from console.shared.sanitize import visible
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
        live = LiveTable(chosen) if not args.json and on_terminal() else None
        rows = run_coroutine(_checked(entries, args.jobs, live))
        failed = [row.name for row in rows if row.verdict.failed]
        incomplete = [row.name for row in rows if row.verdict is Verdict.INCOMPLETE]
        if args.json:
            emit_json(
                {
                    "ok": not failed and not incomplete,
                    "deployments": [row.to_dict() for row in rows],
                }
            )
        elif live is None:
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


def on_terminal() -> bool:
    """Whether stdout is a terminal someone watches (rows are then printed as they come)."""
    return sys.stdout.isatty()


async def _checked(
    entries: list[FleetEntry], jobs: int, live: LiveTable | None
) -> list[DeploymentCheck]:
    """The fleet's rows; with ``live``, each row shown when done and the rest's progress."""
    if live is None:
        return await check_fleet(entries, jobs=jobs, on_done=_narrate_row)

    ticker = asyncio.create_task(live.tick_until_done())
    try:  # the row itself says what the stderr line would: no line beside it
        return await check_fleet(entries, jobs=jobs, on_done=live.done, on_start=live.started)
    finally:
        ticker.cancel()
        live.finish()


TICK_S = 1.0
"""How often the progress line is redrawn."""
FIXED_WIDTHS = {2: 22, 3: 24, 4: 6, 5: 9, 6: 10, 7: 26}
"""Widths of the columns whose longest value is not known before every row is (by their
index in `SUMMARY_HEADERS`): a longer value is cut with an ellipsis."""


class LiveTable:
    """The summary table on a terminal: the header at once, each row when its deployment is
    done, and a line on stderr, redrawn in place, naming the ones still being checked."""

    def __init__(self, deployments: list[Deployment], clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._running: dict[str, float] = {}
        self._left = [deployment.name for deployment in deployments]
        names = [*self._left, SUMMARY_HEADERS[0]]
        tags = [deployment.tag or "-" for deployment in deployments]
        self._widths = [
            max(len(name) for name in names),
            max(len(tag) for tag in [*tags, SUMMARY_HEADERS[1]]),
            *(FIXED_WIDTHS[index] for index in range(2, len(SUMMARY_HEADERS) - 1)),
        ]
        self._shown = False
        emit(*self._line(list(SUMMARY_HEADERS)))

    def started(self, name: str) -> None:
        """A deployment's check began."""
        self._running[name] = self._clock()

    def done(self, row: DeploymentCheck) -> None:
        """Its row, printed now (above the progress line)."""
        self._running.pop(row.name, None)
        if row.name in self._left:
            self._left.remove(row.name)
        self._clear()
        cells = _cells(row)
        emit(*self._line(cells, _VERDICT_STYLE[row.verdict][1], is_prod_tag(row.tag)))
        self.draw()

    def progress(self) -> str | None:
        """``still checking: library (12 s), legacy (3 s)``, or None when none is left."""
        if not self._left:
            return None
        now = self._clock()
        parts = [
            f"{name} ({now - self._running[name]:.0f} s)" if name in self._running else name
            for name in self._left
        ]
        return f"still checking: {', '.join(parts)}"

    def draw(self) -> None:
        """Redraw the progress line on stderr (on a terminal only)."""
        text = self.progress()
        if text is None or not sys.stderr.isatty():
            return
        with contextlib.suppress(OSError, ValueError):
            width = shutil.get_terminal_size().columns
            sys.stderr.write("\r\x1b[K" + visible(text)[: max(10, width - 1)])
            sys.stderr.flush()
            self._shown = True

    async def tick_until_done(self) -> None:
        """Redraw the progress line every `TICK_S` while deployments are being checked."""
        while self._left:
            self.draw()
            await asyncio.sleep(TICK_S)

    def finish(self) -> None:
        """Take the progress line away."""
        self._clear()

    def _clear(self) -> None:
        if self._shown:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write("\r\x1b[K")
                sys.stderr.flush()
            self._shown = False

    def _line(
        self, cells: list[str], verdict_style: str | None = None, prod: bool = False
    ) -> list[Piece]:
        pieces: list[Piece] = []
        for column, cell in enumerate(cells):
            text = visible(cell)
            if column < len(self._widths):
                width = self._widths[column]
                text = (text if len(text) <= width else text[: width - 1] + "…").ljust(width)
            if column:
                pieces.append("  ")
            style = verdict_style if column == 6 else ("yellow" if column == 1 and prod else None)
            pieces.append(paint(text, style) if style else text)
        pieces.append("\n")
        return pieces


def _cells(row: DeploymentCheck) -> list[str]:
    return [
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


def _narrate_row(row: DeploymentCheck) -> None:
    mark, style = _VERDICT_STYLE[row.verdict]
    where = f" at {row.failed_step}: {row.code}" if row.failed_step else ""
    narrate(f"{mark} {row.name}: {row.verdict.value}{where} ({row.duration_s:.1f} s)", style)


def summary_table(rows: list[DeploymentCheck]) -> list[Piece]:
    """The summary, one row per deployment; a production tag and the verdicts in colour."""
    body = [_cells(row) for row in rows]

    def style(index: int, column: int) -> str | None:
        if column == 1 and is_prod_tag(rows[index].tag):
            return "yellow"
        return _VERDICT_STYLE[rows[index].verdict][1] if column == 6 else None

    return styled_table(SUMMARY_HEADERS, body, style)


def _usage(message: str, remedy: str) -> ExitCode:
    narrate(f"error: {message}", "red")
    narrate(f"  remedy: {remedy}")
    return ExitCode.ERROR
