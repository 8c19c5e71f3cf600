"""run.yaml's providers and models next to the server's: one merged row per provider or model.

The ``providers`` command and the providers screen show the same comparison, so it lives
here, pure (no I/O, no Textual). It is a single pass with dictionaries: a deployment with a
thousand providers and ten thousand models must compare in milliseconds, not in the
quadratic time a "look the other side up for each row" loop would take.

Rows come in the server's order first, then what only run.yaml has, in run.yaml's order.
When one side has several rows with the same key, the first one is the one compared (as
the server itself keeps the first registration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from console.stack.discovery import same_url
from console.stack.providers import ModelView, ProviderView

ProviderState = Literal["same", "MISMATCH", "MISMATCH (type)", "server only", "run.yaml only", "-"]
"""How a provider compares; ``-`` when the other side was not available to compare with."""
ModelWhere = Literal["both", "server", "run.yaml"]


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """One provider as both sides see it (either side may be absent)."""

    api: str
    provider_id: str
    server: ProviderView | None
    local: ProviderView | None
    state: ProviderState

    @property
    def either(self) -> ProviderView:
        """The server's row when there is one, else run.yaml's."""
        either = self.server or self.local
        assert either is not None
        return either

    @property
    def mismatch(self) -> bool:
        """The two sides disagree (base URL or type)."""
        return self.state.startswith("MISMATCH")


@dataclass(frozen=True, slots=True)
class ModelRow:
    """One model by the id the server uses, and where it is registered."""

    model_id: str
    server: ModelView | None
    local: ModelView | None

    @property
    def either(self) -> ModelView:
        """The server's row when there is one, else run.yaml's."""
        either = self.server or self.local
        assert either is not None
        return either

    @property
    def where(self) -> ModelWhere:
        """``both``, ``server`` or ``run.yaml``."""
        if self.server is not None and self.local is not None:
            return "both"
        return "server" if self.server is not None else "run.yaml"


def compare_providers(
    live: Sequence[ProviderView], static: Sequence[ProviderView]
) -> list[ProviderRow]:
    """One row per ``(api, provider_id)``: the server's base URL beside run.yaml's, compared."""
    servers: dict[tuple[str, str], ProviderView] = {}
    for row in live:
        servers.setdefault((row.api, row.provider_id), row)
    locals_: dict[tuple[str, str], ProviderView] = {}
    for row in static:
        locals_.setdefault((row.api, row.provider_id), row)
    keys = dict.fromkeys([*servers, *locals_])
    rows = []
    for key in keys:
        server = servers.get(key)
        local = locals_.get(key)
        rows.append(
            ProviderRow(key[0], key[1], server, local, _provider_state(server, local, live, static))
        )
    return rows


def _provider_state(
    server: ProviderView | None,
    local: ProviderView | None,
    live: Sequence[ProviderView],
    static: Sequence[ProviderView],
) -> ProviderState:
    if server is None:
        return "run.yaml only" if live else "-"
    if local is None:
        return "server only" if static else "-"
    if server.base_url and local.base_url and not same_url(server.base_url, local.base_url):
        return "MISMATCH"
    if server.provider_type != local.provider_type:
        return "MISMATCH (type)"
    return "same"


def server_model_id(row: ModelView) -> str:
    """The id the server lists a model under: ``<provider_id>/<model_id>`` for run.yaml rows.

    llama-stack 0.7 registers run.yaml's ``model_id`` prefixed with its provider id, so
    ``gpt-4o-mini`` under provider ``azure`` is listed as ``azure/gpt-4o-mini``.
    """
    if row.source == "server" or row.model_id.startswith(f"{row.provider_id}/"):
        return row.model_id
    return f"{row.provider_id}/{row.model_id}"


def compare_models(live: Sequence[ModelView], static: Sequence[ModelView]) -> list[ModelRow]:
    """One row per server-side model id, with the server's and run.yaml's registration."""
    servers: dict[str, ModelView] = {}
    for row in live:
        servers.setdefault(server_model_id(row), row)
    locals_: dict[str, ModelView] = {}
    for row in static:
        locals_.setdefault(server_model_id(row), row)
    return [
        ModelRow(model_id, servers.get(model_id), locals_.get(model_id))
        for model_id in dict.fromkeys([*servers, *locals_])
    ]
