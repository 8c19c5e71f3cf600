"""The enrichment preview: Lightspeed's rule, applied as a minimal text edit that keeps the file."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from console.config.enrichment import preview
from console.config.loader import load
from tests.conftest import EXAMPLES

SERVICE = EXAMPLES / "lightspeed-stack-service.yaml"
RUN = EXAMPLES / "azure-run.yaml"


def lightspeed_rule(run_config: dict[str, Any], lightspeed: dict[str, Any]) -> dict[str, Any]:
    """The rule as lightspeed-stack 0.7.1's enrich_azure_entra_id_inference applies it, on
    plain dicts, written independently of console/: ``setdefault("config", {})``, then the
    flag; a config that is not a mapping (an empty ``config:`` is None) makes it raise, so
    such a provider is left as it is here (the console reports it instead)."""
    result = copy.deepcopy(run_config)
    if lightspeed.get("azure_entra_id") is None:
        return result
    for provider in result.get("providers", {}).get("inference", []):
        if provider.get("provider_type") == "remote::azure":
            config = provider.setdefault("config", {})
            if isinstance(config, dict):
                config["model_validation"] = False
    return result


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_example_diff_adds_only_model_validation(entra_env: dict[str, str]) -> None:
    result = preview(load(SERVICE, RUN))
    diff = result.unified_diff()
    added = [line for line in diff.splitlines() if line.startswith("+") and line[1:2] != "+"]
    removed = [line for line in diff.splitlines() if line.startswith("-") and line[1:2] != "-"]
    assert [line.strip() for line in added] == ["+        model_validation: false".strip()]
    assert removed == []
    assert result.changed


def test_semantics_equal_the_plain_rule(entra_env: dict[str, str]) -> None:
    result = preview(load(SERVICE, RUN))
    expected = lightspeed_rule(yaml.safe_load(RUN.read_text()), yaml.safe_load(SERVICE.read_text()))
    assert yaml.safe_load(result.enriched_text) == expected


def test_comments_and_order_survive(entra_env: dict[str, str]) -> None:
    result = preview(load(SERVICE, RUN))
    original_lines = RUN.read_text().splitlines()
    enriched_lines = result.enriched_text.splitlines()
    enriched_lines.remove("        model_validation: false")
    assert enriched_lines == original_lines


SHAPES = """\
# top comment
version: 2
providers:
  inference:
  - provider_id: no-config
    provider_type: remote::azure
  - provider_id: empty-config   # trailing comment
    provider_type: "remote::azure"
    config:
  - provider_id: null-config
    provider_type: remote::azure
    config: null  # explicit
  - provider_id: flow-empty
    provider_type: remote::azure
    config: {}
  - provider_id: flow
    provider_type: remote::azure
    config: {base_url: 'https://r.openai.azure.com/openai/v1'}
  - provider_id: true-flag
    provider_type: remote::azure
    config:
      model_validation: true   # was on
      base_url: https://r.openai.azure.com/openai/v1
  - provider_id: done
    provider_type: remote::azure
    config:
      model_validation: false
  - provider_id: other
    provider_type: remote::openai
    config: {}
"""


def test_every_shape_of_provider(tmp_path: Path, entra_env: dict[str, str]) -> None:
    run = write(tmp_path, "run.yaml", SHAPES)
    result = preview(load(SERVICE, run))
    assert result.method == "text edit"
    assert [c.provider_id for c in result.changes] == [
        "no-config",
        "flow-empty",
        "flow",
        "true-flag",
    ]
    # An empty config is null: Lightspeed's setdefault returns it and setting a key raises.
    assert {s.provider_id: s.reason.split(":")[0] for s in result.skipped} == {
        "empty-config": "config is empty (null)",
        "null-config": "config is empty (null)",
    }
    expected = lightspeed_rule(yaml.safe_load(SHAPES), yaml.safe_load(SERVICE.read_text()))
    assert yaml.safe_load(result.enriched_text) == expected
    assert "# top comment" in result.enriched_text
    assert "# trailing comment" in result.enriched_text
    assert "model_validation: false   # was on" in result.enriched_text


def test_flow_style_provider_falls_back_to_round_trip_dump(
    tmp_path: Path, entra_env: dict[str, str]
) -> None:
    text = (
        "# keep me\nproviders:\n  inference:\n  - {provider_id: a, provider_type: remote::azure}\n"
    )
    result = preview(load(SERVICE, write(tmp_path, "run.yaml", text)))
    assert result.method == "round-trip dump"
    assert "# keep me" in result.enriched_text
    assert yaml.safe_load(result.enriched_text) == lightspeed_rule(
        yaml.safe_load(text), {"azure_entra_id": {}}
    )


def test_idempotent(tmp_path: Path, entra_env: dict[str, str]) -> None:
    first = preview(load(SERVICE, write(tmp_path, "run.yaml", SHAPES)))
    second = preview(load(SERVICE, write(tmp_path, "again.yaml", first.enriched_text)))
    assert not second.changed
    assert second.unified_diff() == ""
    assert "already enriched" in second.reason


def test_no_entra_block_means_no_change(tmp_path: Path) -> None:
    lightspeed = write(tmp_path, "ls.yaml", "llama_stack:\n  url: http://localhost:8321\n")
    result = preview(load(lightspeed, RUN))
    assert not result.changed
    assert not result.applies
    assert "no azure_entra_id" in result.reason


def test_null_entra_block_is_absent_as_in_lightspeed(tmp_path: Path) -> None:
    lightspeed = write(tmp_path, "ls.yaml", "azure_entra_id:\nllama_stack:\n  url: http://x\n")
    assert not preview(load(lightspeed, RUN)).changed


def test_empty_entra_block_still_enriches(tmp_path: Path) -> None:
    lightspeed = write(tmp_path, "ls.yaml", "azure_entra_id: {}\nllama_stack:\n  url: http://x\n")
    assert preview(load(lightspeed, RUN)).changed


def test_config_that_is_not_a_mapping_is_skipped_not_crashed(
    tmp_path: Path, entra_env: dict[str, str]
) -> None:
    text = "providers:\n  inference:\n  - provider_id: a\n    provider_type: remote::azure\n    config: [1]\n"
    result = preview(load(SERVICE, write(tmp_path, "run.yaml", text)))
    assert not result.changed
    assert [s.provider_id for s in result.skipped] == ["a"]


def test_file_without_final_newline(tmp_path: Path, entra_env: dict[str, str]) -> None:
    text = "providers:\n  inference:\n  - provider_id: a\n    provider_type: remote::azure\n    config:\n      x: 1"
    result = preview(load(SERVICE, write(tmp_path, "run.yaml", text)))
    assert yaml.safe_load(result.enriched_text)["providers"]["inference"][0]["config"] == {
        "x": 1,
        "model_validation": False,
    }
    assert not result.enriched_text.endswith("\n")
    assert "\\ No newline at end of file" in result.unified_diff()


def test_diff_applies_with_patch(tmp_path: Path, entra_env: dict[str, str]) -> None:
    run = write(tmp_path, "run.yaml", SHAPES)
    result = preview(load(SERVICE, run))
    assert shutil.which("patch"), "patch(1) is part of the machine image"
    diff_file = write(tmp_path, "change.diff", result.unified_diff())
    subprocess.run(["patch", "-s", str(run), str(diff_file)], check=True, cwd=tmp_path)
    assert run.read_text() == result.enriched_text


LONG_RUN = """\
version: 2
providers:
  inference:
  - provider_id: openai
    provider_type: remote::openai
  - provider_id: azure
    provider_type: remote::azure
    config:
      base_url: https://r.openai.azure.com/openai/v1
registered_resources:
  models:
{models}server:
  port: 8321
"""


def long_run(models: int) -> str:
    entries = "".join(
        f"  - model_id: m{index}\n    provider_id: openai\n" for index in range(models)
    )
    return LONG_RUN.format(models=entries)


def test_long_file_is_checked_by_its_providers_block(tmp_path: Path) -> None:
    """Thousands of models after providers: the text edit is kept and means the rule."""
    from console.config.enrichment import _edit_means_the_rule

    lightspeed = write(tmp_path, "ls.yaml", "azure_entra_id:\n  tenant_id: t\n")
    run = write(tmp_path, "run.yaml", long_run(3000))
    loaded = load(lightspeed, run, environ={})
    result = preview(loaded)
    assert result.method == "text edit"
    assert yaml.safe_load(result.enriched_text) == lightspeed_rule(
        yaml.safe_load(run.read_text()), {"azure_entra_id": {}}
    )
    document = loaded.run.document if loaded.run else None
    assert document is not None
    original = run.read_text().splitlines(keepends=True)
    entra = {"tenant_id": "t"}
    good = result.enriched_text

    def means_the_rule(edited: str) -> bool:
        lines = edited.splitlines(keepends=True)
        return _edit_means_the_rule(original, lines, run, document, entra)

    assert means_the_rule(good)
    # A wrong edit inside the block, and a stray change after or before it, are all caught.
    assert not means_the_rule(good.replace("model_validation: false", "model_validation: true"))
    assert not means_the_rule(good.replace("model_id: m2999", "model_id: m2998"))
    assert not means_the_rule(good.replace("version: 2", "version: 3"))


def test_diff_of_a_long_file_numbers_its_hunks_as_difflib_does(tmp_path: Path) -> None:
    import difflib

    lightspeed = write(tmp_path, "ls.yaml", "azure_entra_id:\n  tenant_id: t\n")
    run = write(tmp_path, "run.yaml", long_run(500))
    result = preview(load(lightspeed, run, environ={}))
    expected = "".join(
        difflib.unified_diff(
            result.original_text.splitlines(keepends=True),
            result.enriched_text.splitlines(keepends=True),
            fromfile=str(run),
            tofile=str(run),
        )
    )
    assert result.unified_diff(reveal=True) == expected


@pytest.mark.parametrize(
    ("config", "server"),
    [
        ("lightspeed-stack-ogx.yaml", "OGX 1.2.5"),
        ("lightspeed-stack-service.yaml", "llama-stack 0.7.3"),
    ],
)
def test_the_preview_says_the_server_ignores_the_key_as_the_doctor_does(
    config: str, server: str, entra_env: dict[str, str]
) -> None:
    from console.stack.kind import server_facts

    result = preview(load(EXAMPLES / config, EXAMPLES / "azure-run.yaml"))
    assert result.changed
    # the stack step's own words, for the server this file's Lightspeed runs
    facts = server_facts("ogx" if server.startswith("OGX") else "llama-stack")
    assert (
        result.server_note == f"{server} ignores it: model_validation is {facts.model_validation}"
    )
    assert result.to_dict()["server_note"] == result.server_note
