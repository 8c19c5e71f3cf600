"""The examples are what they say: each generation, clean under the review, and the unified
one synthesizes the Azure provider Lightspeed 0.7.1 would."""

from __future__ import annotations

import pytest

from console.config.lightspeed import Generation
from console.config.loader import SYNTHESIZED_RUN, load
from console.shared.findings import Severity
from tests.conftest import CLIENT, EXAMPLES, TENANT

ENV = {"TENANT_ID": TENANT, "CLIENT_ID": CLIENT, "CLIENT_SECRET": "example-secret"}


@pytest.mark.parametrize(
    ("name", "generation", "section"),
    [
        ("lightspeed-stack-service.yaml", Generation.MAY_2026, "llama_stack"),
        ("lightspeed-stack-library.yaml", Generation.MAY_2026, "llama_stack"),
        ("lightspeed-stack-ogx.yaml", Generation.CURRENT, "ogx"),
        ("lightspeed-stack-unified.yaml", Generation.CURRENT, "ogx"),
    ],
)
def test_each_example_is_clean_for_its_generation(
    name: str, generation: Generation, section: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)  # library_client_config_path is relative to it
    loaded = load(EXAMPLES / name, environ=ENV)
    assert loaded.generation is not None
    assert (loaded.generation.generation, loaded.generation.section) == (generation, section)
    serious = [f for f in loaded.findings if f.severity is not Severity.INFO]
    assert serious == []


def test_the_unified_example_synthesizes_one_enriched_azure_provider() -> None:
    loaded = load(EXAMPLES / "lightspeed-stack-unified.yaml", environ=ENV)
    assert loaded.run_choice.path == SYNTHESIZED_RUN
    [azure] = loaded.azure_providers
    assert azure.provider_id == "azure"
    assert azure.config == {
        "allowed_models": ["gpt-4o-mini"],
        "base_url": "https://my-resource.openai.azure.com/openai/v1",
        "model_validation": False,
    }
