"""``providers``: the server's providers and models next to run.yaml's, and the Azure base URL.

By default the Llama Stack server is asked (``llama_stack.url`` or ``--url``): its version,
``providers.list()`` and ``models.list()``, and the Azure base URL exactly as Lightspeed
discovers it (the first remote::azure provider's config.base_url). When a run.yaml is
loaded too, both are shown side by side and differences are flagged. In library mode
there is no server: the run.yaml is booted in the release's own library client (OGX 1.2.5
for an ``ogx:`` file, llama-stack 0.7.3 for May 2026's), as Lightspeed boots it, and that
client is asked. ``--static`` reads run.yaml only. Whether an api_key is set is shown,
never its value.

It takes the live options of ``infer`` and ``check``, so a command line moves between
them; it requests no token, so the Entra ID options are accepted and change nothing. An
https:// server whose certificate a private CA signed needs --stack-ca-bundle.

Exit codes: 0 ok; 1 the server could not be asked or the library did not boot (the
diagnosis is on stderr), or the discovery found an error (a base URL mismatch, no Azure
provider); 2 usage or configuration; 3 library mode, but the release cannot be booted on
this machine (not verified, and why).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands.common import UnusableConfig, add_config_options, load_for
from console.commands.context import CommandContext
from console.commands.live import (
    add_live_options,
    library_session_for,
    live_options,
    narrate_boot,
    report_failure,
    report_not_verified,
    session_for,
)
from console.commands.parser import command_help
from console.config.loaded import Loaded
from console.config.loader import RUN_CONFIG_UNREADABLE
from console.shared.exitcodes import ExitCode
from console.shared.findings import Severity
from console.shared.interrupts import run_coroutine
from console.shared.output import emit, emit_json, narrate, table
from console.stack.compare import compare_models, compare_providers
from console.stack.kind import server_facts
from console.stack.providers import ModelView, ProviderView, static_models, static_providers

if TYPE_CHECKING:
    from console.library.session import BootReport, LibrarySession
    from console.stack.discovery import Discovery
    from console.stack.session import StackSession, StackSurvey


PROVIDERS_EXAMPLES = (
    (
        "providers -d prod-eu",
        "the server's providers and models beside run.yaml's, and the Azure base URL",
    ),
    (
        "providers -c lightspeed-stack.yaml --url https://ogx:8321 --stack-ca-bundle ogx-ca.pem",
        "a server over TLS with a private CA",
    ),
    ("providers -i run.yaml --static", "run.yaml alone, no server asked"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``providers`` to the CLI."""
    parser = commands.add_parser(
        "providers",
        help="list providers, the Azure base URL and models, live and from run.yaml",
        **command_help("providers", __doc__, PROVIDERS_EXAMPLES),
    )
    add_config_options(parser)
    add_live_options(parser, requests_token=False)
    parser.add_argument(
        "--static", action="store_true", help="read run.yaml only (no server is contacted)"
    )
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """The live view (with run.yaml beside it), the library-mode notice, or ``--static``."""
    if args.static:
        return _static(load_for(args, context, need_run=True, lightspeed_optional=True), args)
    from console.library.errors import NotVerified
    from console.library.session import LibrarySession
    from console.stack.session import NoServer, survey

    options = live_options(args, context)
    loaded = load_for(args, context, lightspeed_optional=True)
    session = session_for(options, loaded)
    if session is None:
        return ExitCode.ERROR
    if isinstance(session, NoServer):
        if session.reason != "library-mode":
            narrate(f"providers: {session.message}", "yellow")
            narrate(f"  {session.remedy}")
            return ExitCode.ERROR
        if loaded.run is None:
            raise UnusableConfig([f for f in loaded.findings if f.code == RUN_CONFIG_UNREADABLE])
        live: StackSession | LibrarySession = library_session_for(context, options, loaded)
    else:
        live = session
        narrate(f"llama stack: {session.url}", "dim")

    async def ask() -> StackSurvey:
        try:
            return await survey(live, loaded)
        finally:
            await live.aclose()

    try:
        found = run_coroutine(ask())
    except NotVerified as why:
        report_not_verified(why.reason, why.remedy)
        if args.json:
            emit_json({"mode": "library", "ok": False, "not_verified": why.reason})
        return ExitCode.INCOMPLETE
    boot = live.last_boot if isinstance(live, LibrarySession) else None
    return _live(args, loaded, found, boot)


def _live(
    args: argparse.Namespace, loaded: Loaded, found: StackSurvey, boot: BootReport | None
) -> ExitCode:
    """What the server (or the booted library) said, beside run.yaml's view."""
    static = (static_providers(loaded), static_models(loaded)) if loaded.run else ([], [])
    if args.json:
        emit_json(
            {
                "mode": "library" if boot is not None else "live",
                "boot": boot.to_dict() if boot is not None else None,
                "run_config": str(loaded.run.path) if loaded.run else None,
                **found.to_dict(),
                "static": {
                    "providers": [row.to_dict() for row in static[0]],
                    "models": [row.to_dict() for row in static[1]],
                },
            }
        )
    if found.diagnosis is not None:
        report_failure(found.diagnosis)
        return ExitCode.FOUND
    info = found.info
    assert info is not None
    assert found.discovery is not None
    if boot is not None:
        narrate_boot(boot)
    else:
        narrate(f"server: {info.kind} {info.version} ({info.latency_s * 1000:.0f} ms)", "dim")
    narrate(f"provider-data header: {info.header_name} ({info.header_reason})", "dim")
    for line in server_facts(info.kind).lines(library=boot is not None):
        narrate(f"  {line}", "dim")
    if not args.json:
        emit(_provider_table(list(found.providers), static[0]))
        emit("\n")
        emit(_model_table(list(found.models), static[1]))
        emit("\n")
        emit(_discovery_text(found.discovery))
    for finding in found.discovery.findings:
        style = "red" if finding.severity is Severity.ERROR else "yellow"
        where = f"{finding.location}: " if finding.file else ""
        narrate(f"{finding.severity.value} [{finding.code}]: {where}{finding.message}", style)
        narrate(f"  remedy: {finding.remedy}")
    if any(f.severity is Severity.ERROR for f in found.discovery.findings):
        return ExitCode.FOUND
    return ExitCode.OK


def _static(loaded: Loaded, args: argparse.Namespace) -> ExitCode:
    """run.yaml's providers and models, as before there was a live view."""
    providers = static_providers(loaded)
    models = static_models(loaded)
    if args.json:
        emit_json(
            {
                "mode": "static",
                "run_config": str(loaded.run.path) if loaded.run else None,
                "providers": [row.to_dict() for row in providers],
                "models": [row.to_dict() for row in models],
            }
        )
        return ExitCode.OK
    emit(
        table(
            ["API", "ID", "TYPE", "BASE_URL", "API_VERSION", "MODEL_VALIDATION", "API_KEY"],
            [
                [
                    row.api,
                    row.provider_id,
                    row.provider_type,
                    row.base_url or "-",
                    row.api_version or "-",
                    "-" if row.model_validation is None else str(row.model_validation).lower(),
                    row.api_key,
                ]
                for row in providers
            ],
        )
    )
    emit("\n")
    emit(
        table(
            ["MODEL_ID", "PROVIDER", "PROVIDER_MODEL_ID", "TYPE"],
            [
                [row.model_id, row.provider_id, row.provider_model_id or "-", row.model_type or "-"]
                for row in models
            ],
        )
    )
    return ExitCode.OK


def _provider_table(live: list[ProviderView], static: list[ProviderView]) -> str:
    """One row per provider: the server's base URL beside run.yaml's, and whether they agree."""
    rows = [
        [
            row.api,
            row.provider_id,
            row.either.provider_type,
            (row.server.base_url or "-") if row.server else "(absent)",
            (row.local.base_url or "-") if row.local else "(absent)",
            row.either.api_key,
            row.state,
        ]
        for row in compare_providers(live, static)
    ]
    headers = ["API", "ID", "TYPE", "SERVER_BASE_URL", "RUN_YAML_BASE_URL", "API_KEY", "STATE"]
    return table(headers, rows)


def _model_table(live: list[ModelView], static: list[ModelView]) -> str:
    """Models by the id the server uses (``<provider_id>/<model>``), with where each is."""
    rows = [
        [
            row.model_id,
            row.either.provider_id,
            row.either.provider_model_id or "-",
            row.either.model_type or "-",
            row.where,
        ]
        for row in compare_models(live, static)
    ]
    return table(["MODEL_ID", "PROVIDER", "PROVIDER_MODEL_ID", "TYPE", "WHERE"], rows)


def _discovery_text(discovery: Discovery) -> str:
    """The base URL Lightspeed would put in the provider data, and run.yaml's."""
    live = discovery.azure_base_url or "(none: Lightspeed would send no provider data)"
    lines = [f"azure base URL (as Lightspeed discovers it): {live}"]
    if discovery.provider_id:
        lines[0] += f"  [provider {discovery.provider_id}]"
    if discovery.static_base_url is not None:
        mark = "  MISMATCH" if discovery.mismatch else "  same"
        lines.append(
            f"azure base URL in run.yaml:                  {discovery.static_base_url}{mark}"
        )
    return "\n".join(lines) + "\n"
