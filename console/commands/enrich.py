"""``diff`` and ``enrich``: preview and write Lightspeed's Azure enrichment of run.yaml.

Flags and defaults follow Lightspeed's own enrichment CLI: ``-c lightspeed-stack.yaml
-i run.yaml -o run_.yaml``. ``diff`` exits like diff(1): 0 nothing would change, 1 something
would, 2 on error. ``enrich`` never overwrites without ``--force``; ``--in-place`` rewrites
the input and keeps ``<input>.bak``. Both hold when several runs race: of concurrent runs to
one new ``-o`` exactly one writes it, and an ``--in-place`` run whose input another run
rewrote after it was read writes nothing (the ``.bak`` always holds the original).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from console.commands.common import add_config_options, load_for
from console.commands.context import CommandContext
from console.commands.parser import command_help
from console.config.enrichment import EnrichmentPreview, preview
from console.config.loaded import Loaded
from console.shared.atomic import TargetChanged, write_atomic
from console.shared.exitcodes import ExitCode
from console.shared.output import emit, emit_json, narrate

DIFF_EXAMPLES = (
    (
        "diff -c lightspeed-stack.yaml -i run.yaml",
        "what Lightspeed's Azure enrichment would change, as a unified diff",
    ),
    (
        "diff -d prod-eu && echo unchanged",
        "exit 0 when nothing would change, 1 when something would",
    ),
)


ENRICH_EXAMPLES = (
    (
        "enrich -c lightspeed-stack.yaml -i run.yaml -o run_.yaml",
        "write the enriched file, comments and key order kept",
    ),
    ("enrich -d prod-eu --in-place", "rewrite the deployment's run.yaml, keeping a .bak"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``diff`` and ``enrich`` to the CLI."""
    diff = commands.add_parser(
        "diff",
        help="show what the Azure enrichment would change in run.yaml (exit 1 if any)",
        **command_help("diff", __doc__, DIFF_EXAMPLES),
    )
    add_config_options(diff)
    diff.add_argument("--json", action="store_true", help="print the preview as JSON")
    diff.set_defaults(handler=run_diff)

    enrich = commands.add_parser(
        "enrich",
        help="write the enriched run.yaml (atomic; comments kept)",
        **command_help("enrich", __doc__, ENRICH_EXAMPLES),
    )
    add_config_options(enrich)
    target = enrich.add_mutually_exclusive_group()
    target.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("run_.yaml"),
        help="where to write the enriched file (default: run_.yaml)",
    )
    target.add_argument(
        "--in-place", action="store_true", help="rewrite the input file, keeping <input>.bak"
    )
    enrich.add_argument("--force", action="store_true", help="replace an existing output file")
    enrich.add_argument("--json", action="store_true", help="print what was written as JSON")
    enrich.set_defaults(handler=run_enrich)


def run_diff(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Print the diff (stdout) and the reason (stderr)."""
    result = _preview(args, context)
    if args.json:
        emit_json(result.to_dict())
    else:
        narrate(result.reason)
        emit(result.unified_diff())
    return ExitCode.FOUND if result.changed else ExitCode.OK


def run_enrich(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Write the enriched file atomically, never over an existing file without consent."""
    loaded = load_for(args, context, need_run=True)
    if loaded.synthesis is not None:
        narrate(
            "error: unified mode: Lightspeed synthesizes the run.yaml at start, enrichment "
            "included; there is no run.yaml file to enrich",
            "red",
        )
        narrate("  remedy: lightspeed-console synth -o FILE writes the synthesized run.yaml")
        return ExitCode.ERROR
    result = _preview_loaded(loaded)
    narrate(result.reason)
    if args.in_place:
        if not result.changed:
            narrate(f"{result.source} already as enriched: left untouched")
            if args.json:
                emit_json({**result.to_dict(), "written": None})
            return ExitCode.OK
        try:
            written = write_atomic(
                result.source,
                result.enriched_text,
                overwrite=True,
                backup=True,
                expected=result.original_text,
            )
        except TargetChanged as changed:
            if not changed.holds_new:
                raise
            narrate(f"{result.source} was enriched meanwhile by another run: left untouched")
            if args.json:
                emit_json({**result.to_dict(), "written": None})
            return ExitCode.OK
    else:
        written = write_atomic(args.output, result.enriched_text, overwrite=args.force)
    narrate(
        f"wrote {written.path} (mode {written.mode:04o}"
        + (f", previous contents in {written.backup}" if written.backup else "")
        + ")"
    )
    if args.json:
        emit_json(
            {
                **result.to_dict(),
                "written": str(written.path),
                "mode": f"{written.mode:04o}",
                "backup": str(written.backup) if written.backup else None,
            }
        )
    return ExitCode.OK


def _preview(args: argparse.Namespace, context: CommandContext) -> EnrichmentPreview:
    return _preview_loaded(load_for(args, context, need_run=True))


def _preview_loaded(loaded: Loaded) -> EnrichmentPreview:
    for skipped in (result := preview(loaded)).skipped:
        narrate(f"skipped provider {skipped.provider_id} (line {skipped.line}): {skipped.reason}")
    if result.server_note:
        narrate(f"note: config.model_validation: {result.server_note}", "yellow")
    return result
