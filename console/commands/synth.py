"""``synth``: the run.yaml Lightspeed would run, as Lightspeed would write it.

In unified mode (lightspeed-stack 0.7.x, a lightspeed-stack.yaml with ``inference.providers``
or an ``ogx.config`` block) that is the run.yaml Lightspeed synthesizes at start: the
baseline, ``inference.providers``, the MCP default, ``native_override`` and the Azure
enrichment, in Lightspeed 0.7.1's order, written as Lightspeed writes it (keys sorted,
``${env.*}`` left for the server to resolve). In legacy library mode it is the enriched
copy of ``library_client_config_path``. stdout is the file; stderr says where each
provider came from. ``-o FILE`` writes it atomically (mode 0600, as Lightspeed does),
never over an existing file without ``--force``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from console.commands.common import add_config_options, load_for
from console.commands.context import CommandContext
from console.commands.parser import command_help
from console.shared.exitcodes import ExitCode
from console.shared.output import emit, emit_json, narrate

SYNTH_EXAMPLES = (
    (
        "synth -c lightspeed-stack.yaml",
        "the run.yaml Lightspeed synthesizes in unified mode, on stdout",
    ),
    ("synth -d prod-eu -o run.yaml --force", "write it to a file, replacing one that exists"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``synth`` to the CLI."""
    parser = commands.add_parser(
        "synth",
        help="print the run.yaml Lightspeed would run (unified mode: its synthesis)",
        **command_help("synth", __doc__, SYNTH_EXAMPLES),
    )
    add_config_options(parser)
    parser.add_argument("-o", "--output", type=Path, default=None, help="write it to FILE")
    parser.add_argument("--force", action="store_true", help="replace an existing output file")
    parser.add_argument("--json", action="store_true", help="the file and its origins as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Synthesize (or enrich), say where each provider came from, print or write it."""
    from console.config.enrichment import preview
    from console.config.loader import SYNTHESIS_FAILED
    from console.shared.atomic import write_atomic

    loaded = load_for(args, context)
    if loaded.synthesis is None and loaded.run is None:
        failed = [f for f in loaded.findings if f.code == SYNTHESIS_FAILED]
        for finding in failed:
            narrate(f"error: {finding.location}: {finding.message}", "red")
            narrate(f"  remedy: {finding.remedy}")
        if not failed:
            narrate(
                "error: no run.yaml to show: service mode keeps it with the server, and the file "
                "is not unified (no inference.providers, vector_store.providers or ogx.config)",
                "red",
            )
            narrate("  remedy: pass -i run.yaml to see it enriched as Lightspeed would")
        return ExitCode.ERROR
    result = preview(loaded)
    text = result.enriched_text
    if loaded.synthesis is not None and loaded.synthesis.notes:
        # Say in the file itself that it is not all of Lightspeed's, should it be kept.
        header = "".join(f"# incomplete: {note}\n" for note in loaded.synthesis.notes)
        text = header + text
    origins = loaded.synthesis.origins if loaded.synthesis else ()
    for origin in origins:
        mark = " (enriched: model_validation: false)" if origin.enriched else ""
        narrate(f"{origin.api}/{origin.provider_id} <- {origin.origin}{mark}", "dim")
    if loaded.synthesis is not None:
        narrate(f"baseline: {loaded.synthesis.baseline}", "dim")
        for note in loaded.synthesis.notes:
            narrate(f"note: {note}", "yellow")
    else:
        narrate(result.reason, "dim")
    if args.output is not None:
        written = write_atomic(args.output, text, overwrite=args.force)
        narrate(f"wrote {written.path} (mode {written.mode:04o})")
    if args.json:
        emit_json(
            {
                "source": str(result.source),
                "synthesized": loaded.synthesis is not None,
                "baseline": loaded.synthesis.baseline if loaded.synthesis else None,
                "notes": list(loaded.synthesis.notes) if loaded.synthesis else [],
                "origins": [origin.__dict__ for origin in origins],
                "run_yaml": text,
                "written": str(args.output) if args.output else None,
            }
        )
    elif args.output is None:
        emit(text)
    return ExitCode.OK
