"""Lightspeed's Azure Entra ID enrichment, as a rule: one place, for the preview and the synthesis.

``enrich_azure_entra_id_inference`` (lightspeed-stack 0.7.1) sets ``model_validation: false``
in the config of every ``remote::azure`` inference provider, making the config when it is
missing, when lightspeed-stack.yaml has an ``azure_entra_id`` block. It takes the config with
``provider.setdefault("config", {})``: a config that is written but is not a mapping (an empty
``config:`` is null) is returned as it is, and setting a key on it raises.
"""

from __future__ import annotations

from typing import Any, Literal

from console.shared.azure import AZURE_PROVIDER_TYPE

FLAG = "model_validation"

PROVIDER_LEVEL_IGNORED = (
    "a per-model field of registered_resources.models (default off); the provider-level "
    "config.model_validation that Lightspeed's enrichment writes is not a field of the "
    "remote::azure provider and is ignored, and models registered from run.yaml pass the "
    "availability check anyway"
)
"""What every server release the console knows (llama-stack 0.7.3, OGX 1.2.5, the newest
OGX) does with the key the enrichment writes; pinned against the real servers by
``tests/integration/test_server_generations.py``."""
SERVER_OF = {"may-2026": "llama-stack 0.7.3", "0.7": "OGX 1.2.5"}
"""The server release a file's generation runs (by `console.config.lightspeed.Generation`)."""


def ignored_note(generation: str | None) -> str:
    """What the server the file's Lightspeed runs does with ``config.model_validation``."""
    server = SERVER_OF.get(generation or "", "the server")
    return f"{server} ignores it: model_validation is {PROVIDER_LEVEL_IGNORED}"


FAILS = (
    "Lightspeed's enrichment fails on it (it sets model_validation on the config it finds) "
    "and Lightspeed does not start; write config: {} or give it keys"
)


AzureAction = Literal["create", "set", "fails"]
"""What Lightspeed's enrichment does to one remote::azure provider: create its config, set
the flag in it, or fail (a config written but not a mapping, an empty ``config:`` included:
``provider.setdefault("config", {})`` returns it, and setting a key on it raises)."""


def azure_action(provider: Any) -> AzureAction | None:
    """Lightspeed's rule for one inference provider (None: it is not touched)."""
    if not isinstance(provider, dict) or provider.get("provider_type") != AZURE_PROVIDER_TYPE:
        return None
    if "config" not in provider:
        return "create"
    return "set" if isinstance(provider["config"], dict) else "fails"


def enrich_azure(document: Any) -> list[dict[str, Any]]:
    """Lightspeed's Azure enrichment of plain data, in place; the providers it fails on.

    Each ``remote::azure`` inference provider gets ``config.model_validation: false``
    (``config`` made when missing); one whose config is not a mapping is left as it is and
    returned: there Lightspeed's enrichment raises and Lightspeed does not start.
    """
    providers = document.get("providers") if isinstance(document, dict) else None
    inference = providers.get("inference") if isinstance(providers, dict) else None
    fails: list[dict[str, Any]] = []
    for provider in inference if isinstance(inference, list) else []:
        action = azure_action(provider)
        if action == "fails":
            fails.append(provider)
        elif action is not None:
            provider.setdefault("config", {})[FLAG] = False
    return fails
