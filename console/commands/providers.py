"""``providers``: the providers and registered models, with the Azure endpoint settings.

``--static`` reads run.yaml as Llama Stack would resolve it. Whether an api_key is set is
shown, never its value.
"""

from __future__ import annotations

import argparse

from console.commands.common import add_config_options, load_for
from console.exitcodes import ExitCode
from console.output import emit, emit_json, narrate, table
from console.providers import static_models, static_providers


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``providers`` to the CLI."""
    parser = commands.add_parser(
        "providers",
        help="list providers, the Azure base URL and registered models",
        description=__doc__,
    )
    add_config_options(parser)
    parser.add_argument(
        "--static", action="store_true", help="read run.yaml only (no server is contacted)"
    )
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> ExitCode:
    """Print the static view of providers and models."""
    if not args.static:
        narrate(
            "providers: the live listing needs a Llama Stack server connection, which this "
            "version does not make yet; showing run.yaml (--static)",
            "yellow",
        )
    loaded = load_for(args, need_run=True, lightspeed_optional=True)
    providers = static_providers(loaded)
    models = static_models(loaded)
    if args.json:
        emit_json(
            {
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
