"""Unified mode: the run.yaml is synthesized as lightspeed-stack 0.7.1 synthesizes it.

Each expectation below is Lightspeed 0.7.1's rule, read from its ``synthesize_configuration``
and pinned by its own tests (``tests/unit/test_ogx_synthesize.py`` and
``tests/integration/test_unified_synthesis.py`` of the 0.7.1 sdist), not produced by the
console. The baselines here are small stand-ins written by the tests; the shipped default
baseline is read from a real lightspeed-stack 0.7.1 distribution in
``tests/integration/test_lightspeed_baseline.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from console.config.loader import SYNTHESIS_FAILED, SYNTHESIZED_RUN, load

BASELINE = """\
version: 2
apis: [inference, tool_runtime]
providers:
  inference:
  - provider_id: ${env.OPENAI_API_KEY:+openai}
    provider_type: remote::openai
    config:
      api_key: ${env.OPENAI_API_KEY:=}
  - provider_id: sentence-transformers
    provider_type: inline::sentence-transformers
  tool_runtime:
  - provider_id: file-search
    provider_type: inline::file-search
    config: {}
"""
ENTRA = {"tenant_id": "${env.TENANT_ID}", "client_id": "c", "client_secret": "s"}


def write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def synthesized(folder: Path, config: dict[str, Any]) -> dict[str, Any]:
    path = write(folder, "lightspeed-stack.yaml", {"name": "t", **config})
    baseline = write(folder, "default_run.yaml", BASELINE)
    loaded = load(path, baseline=baseline, environ={})
    assert loaded.synthesis is not None, [f.message for f in loaded.findings]
    assert loaded.run_choice.path == SYNTHESIZED_RUN
    return loaded.synthesis.document


def inference(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["providers"]["inference"])


def test_empty_baseline_and_one_azure_provider(tmp_path: Path) -> None:
    document = synthesized(
        tmp_path,
        {
            "ogx": {"use_as_library_client": True, "config": {"baseline": "empty"}},
            "azure_entra_id": ENTRA,
            "inference": {
                "providers": [
                    {
                        "type": "azure",
                        "api_key_env": "AZURE_API_KEY",
                        "allowed_models": ["gpt-4o-mini"],
                        "extra": {"base_url": "https://r.openai.azure.com/openai/v1"},
                    }
                ]
            },
        },
    )
    # extra first, then api_key from api_key_env, then allowed_models; id = the type;
    # the enrichment runs last in 0.7.1, so this high-level entry is enriched too.
    assert document == {
        "providers": {
            "inference": [
                {
                    "provider_id": "azure",
                    "provider_type": "remote::azure",
                    "config": {
                        "base_url": "https://r.openai.azure.com/openai/v1",
                        "api_key": "${env.AZURE_API_KEY}",
                        "allowed_models": ["gpt-4o-mini"],
                        "model_validation": False,
                    },
                }
            ]
        }
    }  # no version, no apis, no MCP: the empty baseline adds nothing


def test_default_baseline_keeps_the_conditional_openai_row_and_adds_mcp(tmp_path: Path) -> None:
    document = synthesized(
        tmp_path,
        {
            "ogx": {"use_as_library_client": True},
            "inference": {"providers": [{"type": "vllm_rhaiis", "api_key_env": "RHAIIS"}]},
        },
    )
    assert [p["provider_id"] for p in inference(document)] == [
        "${env.OPENAI_API_KEY:+openai}",
        "sentence-transformers",
        "vllm-rhaiis",  # the type with _ -> -
    ]
    vllm = inference(document)[2]
    assert vllm == {
        "provider_id": "vllm-rhaiis",
        "provider_type": "remote::vllm",
        "config": {"api_token": "${env.RHAIIS}"},  # api_token for remote::vllm
    }
    runtime = [p["provider_id"] for p in document["providers"]["tool_runtime"]]
    assert runtime == ["file-search", "model-context-protocol"]
    assert document["apis"] == ["inference", "tool_runtime"]


def test_byo_llm_drops_only_the_conditional_openai_row(tmp_path: Path) -> None:
    document = synthesized(
        tmp_path, {"ogx": {"use_as_library_client": True, "config": {"baseline": "byo-llm"}}}
    )
    assert [p["provider_id"] for p in inference(document)] == ["sentence-transformers"]


def test_type_openai_replaces_the_conditional_row_in_place(tmp_path: Path) -> None:
    document = synthesized(
        tmp_path,
        {
            "ogx": {"use_as_library_client": True},
            "inference": {"providers": [{"type": "openai", "api_key_env": "OPENAI_API_KEY"}]},
        },
    )
    first = inference(document)[0]
    assert first == {
        "provider_id": "openai",
        "provider_type": "remote::openai",
        "config": {"api_key": "${env.OPENAI_API_KEY}"},
    }
    assert len(inference(document)) == 2


def test_profile_is_read_from_the_config_files_folder_and_replaced_by_id(tmp_path: Path) -> None:
    (tmp_path / "profiles").mkdir()
    write(
        tmp_path / "profiles",
        "azure.yaml",
        "providers:\n  inference:\n  - provider_id: azure\n    provider_type: remote::azure\n"
        "    config: {base_url: https://profile.openai.azure.com/openai/v1}\n"
        "  - provider_id: other\n    provider_type: remote::azure\n",
    )
    path = write(
        tmp_path,
        "lightspeed-stack.yaml",
        {
            "name": "t",
            "ogx": {"use_as_library_client": True, "config": {"profile": "profiles/azure.yaml"}},
            "azure_entra_id": ENTRA,
            "inference": {
                "providers": [
                    {
                        "type": "azure",
                        "extra": {"base_url": "https://hl.openai.azure.com/openai/v1"},
                    }
                ]
            },
        },
    )
    loaded = load(path, environ={})
    assert loaded.synthesis is not None
    document = loaded.synthesis.document
    # the high-level entry replaces the profile's provider with the same id, in place
    assert [(p["provider_id"], p["config"]) for p in inference(document)] == [
        ("azure", {"base_url": "https://hl.openai.azure.com/openai/v1", "model_validation": False}),
        ("other", {"model_validation": False}),  # config created by the enrichment
    ]
    assert loaded.synthesis.baseline == f"profile {tmp_path / 'profiles' / 'azure.yaml'}"
    origins = {o.provider_id: o for o in loaded.synthesis.origins}
    assert origins["azure"].origin == "lightspeed-stack.yaml:12 (inference.providers[0])"
    assert origins["other"].origin == "profile azure.yaml:6"
    assert origins["model-context-protocol"].origin == "Lightspeed's MCP tool runtime default"
    assert all(o.enriched for o in origins.values() if o.provider_type == "remote::azure")
    # discovery reads the synthesized order: the first remote::azure provider
    assert loaded.azure_providers[0].config["base_url"] == "https://hl.openai.azure.com/openai/v1"


def test_native_override_replaces_lists_merges_maps_and_is_still_enriched(tmp_path: Path) -> None:
    document = synthesized(
        tmp_path,
        {
            "ogx": {
                "use_as_library_client": True,
                "config": {
                    "native_override": {
                        "providers": {
                            "inference": [{"provider_id": "az", "provider_type": "remote::azure"}],
                            "tool_runtime": [],
                        },
                        "server": {"port": 9999},
                    }
                },
            },
            "azure_entra_id": ENTRA,
            "inference": {"providers": [{"type": "ollama"}]},
        },
    )
    assert inference(document) == [
        {
            "provider_id": "az",
            "provider_type": "remote::azure",
            "config": {"model_validation": False},
        }
    ]
    assert document["providers"]["tool_runtime"] == []  # the MCP default opted out
    assert document["server"] == {"port": 9999}
    assert document["version"] == 2  # the baseline's maps survive


def test_duplicate_ids_the_last_wins_at_the_first_ones_place(tmp_path: Path) -> None:
    document = synthesized(
        tmp_path,
        {
            "ogx": {"use_as_library_client": True, "config": {"baseline": "empty"}},
            "inference": {
                "providers": [
                    {"type": "azure", "id": "az", "api_key_env": "ONE"},
                    {"type": "watsonx"},
                    {"type": "azure", "id": "az", "api_key_env": "TWO"},
                ]
            },
        },
    )
    assert [(p["provider_id"], p.get("config")) for p in inference(document)] == [
        ("az", {"api_key": "${env.TWO}"}),
        ("watsonx", None),
    ]


def test_the_deprecated_llama_stack_key_is_read_like_ogx(tmp_path: Path) -> None:
    document = synthesized(
        tmp_path,
        {
            "llama_stack": {"use_as_library_client": True, "config": {"baseline": "empty"}},
            "inference": {"providers": [{"type": "azure"}]},
        },
    )
    assert inference(document) == [{"provider_id": "azure", "provider_type": "remote::azure"}]


def test_the_enrichment_preview_shows_what_the_enrichment_contributed(tmp_path: Path) -> None:
    from console.config.enrichment import preview

    path = write(
        tmp_path,
        "lightspeed-stack.yaml",
        {
            "name": "t",
            "ogx": {"use_as_library_client": True, "config": {"baseline": "empty"}},
            "azure_entra_id": ENTRA,
            "inference": {"providers": [{"type": "azure", "id": "az"}]},
        },
    )
    result = preview(load(path, environ={}))
    assert result.changed
    assert [change.provider_id for change in result.changes] == ["az"]
    added = [line for line in result.unified_diff().splitlines() if line.startswith("+ ")]
    # the provider had no config: the enrichment creates one, and Lightspeed's sorted keys
    # put it first
    assert added == ["+    - config:", "+        model_validation: false", "+      provider_id: az"]
    assert "inference.providers" in result.reason


def test_a_missing_profile_is_a_finding_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "lightspeed-stack.yaml",
        "name: t\nogx:\n  use_as_library_client: true\n  config:\n    profile: nope.yaml\n",
    )
    loaded = load(path, environ={})
    assert loaded.run is None
    [failed] = [f for f in loaded.findings if f.code == SYNTHESIS_FAILED]
    assert (failed.file, failed.line) == (path, 5)
    assert str(tmp_path / "nope.yaml") in failed.message
    assert "folder of lightspeed-stack.yaml" in failed.remedy


def test_without_a_known_default_baseline_it_says_what_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lightspeed-stack is not installed here, and its release cannot be built (the cache
    cannot be written, as offline): the synthesis says why and what it leaves out."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LIGHTSPEED_CONSOLE_SERVER_CACHE", str(blocker / "cache"))
    path = write(
        tmp_path,
        "lightspeed-stack.yaml",
        {
            "name": "t",
            "ogx": {"use_as_library_client": True},
            "inference": {"providers": [{"type": "azure"}]},
        },
    )
    loaded = load(path, environ={})
    assert loaded.synthesis is not None
    [note] = loaded.synthesis.notes
    assert "default baseline is not known" in note
    assert "lightspeed-stack 0.7.1 could not be had (cannot create" in note
    assert "no remote::azure" in note
    assert [p.provider_id for p in loaded.providers] == ["azure", "model-context-protocol"]
