"""Whether the configuration can produce a token at all, before anything is sent.

The ``token`` and ``infer`` commands, the doctor and the token screen all ask the same
question first: is there an ``azure_entra_id`` block, and do its three settings resolve to
something? The answers name variables and lines, never values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from console.config.loaded import Loaded
from console.config.views import EntraIdSettings
from console.shared.findings import Finding, unusable

ENTRA_FIELDS = ("tenant_id", "client_id", "client_secret")
ENTRA_BLOCK = ("azure_entra_id",)
"""Where the block is in lightspeed-stack.yaml's tree."""


@dataclass(frozen=True)
class EntraProblem:
    """One reason no token can be requested: what is wrong, where, and what to do."""

    message: str
    remedy: str


def wrong_types(loaded: Loaded) -> list[Finding]:
    """Wrong-type findings inside azure_entra_id (the file cannot be used as written)."""
    where = loaded.lightspeed.path if loaded.lightspeed is not None else None
    return [
        finding
        for finding in unusable(loaded.findings)
        if finding.file == where and finding.key is not None and finding.key[:1] == ENTRA_BLOCK
    ]


def entra_problems(loaded: Loaded) -> list[EntraProblem]:
    """Everything that stops a token request, in the order an operator would fix it."""
    where = loaded.lightspeed.path if loaded.lightspeed is not None else None
    if loaded.lightspeed is None:
        return [
            EntraProblem(
                "no lightspeed-stack.yaml was read, so there is no azure_entra_id block",
                "Pass -c lightspeed-stack.yaml.",
            )
        ]
    if loaded.entra is None:
        return [
            EntraProblem(
                f"{where}: no azure_entra_id block",
                "Add azure_entra_id with tenant_id, client_id and client_secret "
                "(as ${env.…} references); without it Lightspeed requests no token.",
            )
        ]
    problems: list[EntraProblem] = []
    references = [
        ref for ref in loaded.env_references if ref.file == where and ref.path[:1] == ENTRA_BLOCK
    ]
    for ref in references:
        if ref.is_missing:
            problems.append(
                EntraProblem(
                    f"environment variable {ref.name} is not set "
                    f"(azure_entra_id.{ref.path[-1]} at {where}:{ref.line})",
                    f"Export {ref.name} as the service would see it, or pass the pod's "
                    "environment with --env-file FILE (or the deployment's env_file), then "
                    "run again.",
                )
            )
    named = {ref.path[-1] for ref in references if ref.is_missing}
    for field in ENTRA_FIELDS:
        value = getattr(loaded.entra, field)
        if field in named or (value is not None and value.get_secret_value()):
            continue
        via = [ref.name for ref in references if ref.path[-1] == field]
        source = f" ({', '.join(via)} resolved to nothing)" if via else ""
        problems.append(
            EntraProblem(
                f"{where}: azure_entra_id.{field} is missing or empty{source}",
                f"Set azure_entra_id.{field}, e.g. ${{env.{field.upper()}}}.",
            )
        )
    return problems


def entra_origins(
    loaded: Loaded, environ: Mapping[str, str], env_sources: Mapping[str, str]
) -> dict[str, str]:
    """Where each of the three settings comes from (`console.config.provenance`): what a
    token failure's remedy names instead of "the variable behind client_secret"."""
    from console.config.provenance import value_origin

    found: dict[str, str] = {}
    for field in ENTRA_FIELDS:
        origin = value_origin(loaded, (*ENTRA_BLOCK, field), environ, env_sources)
        if origin is not None:
            found[field] = origin
    return found


def usable_entra(loaded: Loaded) -> EntraIdSettings | None:
    """The settings when a token can be requested with them, else None."""
    if wrong_types(loaded) or entra_problems(loaded):
        return None
    return loaded.entra
