"""``boot``: would the stack start with this run.yaml? Boot it in its release and see.

The run.yaml is booted in the release's own library client, in its own environment (built
by uv on first use): OGX 1.2.5 for a lightspeed-stack 0.7.x file (``ogx:``), llama-stack
0.7.3 for May 2026's (``llama_stack:``), or the one named with ``--release``. It answers,
before a file ships, what a server started from it (``ogx run`` / ``llama stack run``) or
Lightspeed's library mode would say first: unknown provider types, ``${env.*}`` references
the environment lacks, provider configs the release rejects. Every store goes to a
temporary folder, removed afterwards: nothing is written where the file points.

In library mode the file is the one Lightspeed boots (enriched, or synthesized in unified
mode); in service mode it is the server's run.yaml, given with ``-i``. The time the boot
took is what Lightspeed in library mode spends at each token refresh, since it builds a
new library client each time.

Exit codes: 0 booted (a provider whose packages this machine's environment lacks is left
out, with a warning); 1 the release refused the file (the diagnosis names the file and
line); 2 usage or configuration; 3 the release cannot be booted on this machine.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands.common import add_config_options, load_for
from console.commands.context import CommandContext
from console.commands.live import (
    library_session_for,
    live_options,
    narrate_boot,
    report_failure,
    report_not_verified,
)
from console.commands.parser import command_help
from console.shared.diagnosis import DiagnosedError
from console.shared.exitcodes import ExitCode
from console.shared.interrupts import run_coroutine
from console.shared.output import emit, emit_json, narrate, table

if TYPE_CHECKING:
    from console.library.session import BootReport, LibrarySession
    from console.stack.providers import ModelView, ProviderView


BOOT_EXAMPLES = (
    ("boot -d library", "would a library-mode deployment's stack start, and how long it takes"),
    ("boot -i run.yaml --release ogx-1.2.5", "a server's run.yaml, before it ships"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``boot`` to the CLI."""
    parser = commands.add_parser(
        "boot",
        help="boot the run.yaml in its release (as a server or library mode would) and say "
        "whether it starts",
        **command_help("boot", __doc__, BOOT_EXAMPLES),
    )
    add_config_options(parser)
    parser.add_argument(
        "--release",
        choices=("ogx-1.2.5", "llama-stack-0.7.3"),
        default=None,
        help="the release to boot it in (default: the one the lightspeed-stack.yaml's "
        "Lightspeed runs; OGX 1.2.5 without one)",
    )
    parser.add_argument(
        "--boot-timeout",
        type=_seconds,
        default=None,
        metavar="S",
        help="seconds to import and boot the release (default: 180)",
    )
    parser.add_argument("--json", action="store_true", help="print the boot as JSON")
    # The live options `library_session_for` reads; boot asks no server and no token.
    parser.set_defaults(
        handler=run,
        url=None,
        provider_data_header=None,
        timeout=None,
        authority=None,
        ca_bundle=None,
        stack_ca_bundle=None,
        token_timeout=None,
        retries=0,
        max_answer=None,
    )


def _seconds(text: str) -> float:
    from console.commands.live import positive_float

    return positive_float(text)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Boot, list, report; the exit code says whether the release accepted the file."""
    from console.library.errors import NotVerified
    from console.releases.catalog import RELEASES

    loaded = load_for(args, context, lightspeed_optional=True)
    if loaded.run is None:
        narrate(f"error: no run.yaml to boot ({loaded.run_choice.reason})", "red")
        narrate("  remedy: pass -i run.yaml (in service mode the server's own file)")
        return ExitCode.ERROR
    options = live_options(args, context)
    release = RELEASES[args.release] if args.release is not None else None
    session = library_session_for(context, options, loaded, release)
    try:
        report, providers, models = run_coroutine(_boot(session))
    except NotVerified as why:
        report_not_verified(why.reason, why.remedy)
        if args.json:
            emit_json({"ok": False, "booted": False, "not_verified": why.reason})
        return ExitCode.INCOMPLETE
    except DiagnosedError as error:
        report_failure(error.diagnosis)
        if args.json:
            emit_json({"ok": False, "booted": False, "diagnosis": error.diagnosis.to_dict()})
        return ExitCode.FOUND
    _report(args, report, providers, models)
    return ExitCode.OK


async def _boot(
    session: LibrarySession,
) -> tuple[BootReport, list[ProviderView], list[ModelView]]:
    try:
        report = await session.boot(None)
        return report, await session.providers(), await session.models()
    finally:
        await session.aclose()


def _report(
    args: argparse.Namespace,
    report: BootReport,
    providers: list[ProviderView],
    models: list[ModelView],
) -> None:
    narrate_boot(report)
    narrate(
        f"booted: {report.release} started {report.run_label} in {report.seconds:.1f} s; in "
        "library mode Lightspeed spends that at each token refresh (a new client each time)",
        "green",
    )
    for note in report.notes:
        narrate(f"note: {note}", "dim")
    if args.json:
        emit_json(
            {
                "ok": True,
                "booted": True,
                **report.to_dict(),
                "providers": [row.to_dict() for row in providers],
                "models": [row.to_dict() for row in models],
            }
        )
        return
    emit(
        table(
            ["API", "ID", "TYPE"],
            [[p.api, p.provider_id, p.provider_type] for p in providers],
        ),
        "\n",
        table(
            ["MODEL_ID", "PROVIDER", "TYPE"],
            [[m.model_id, m.provider_id, m.model_type or "-"] for m in models],
        ),
    )
