"""The default synthesis baseline is read from a real lightspeed-stack 0.7.1, never copied.

The test environment gets the 0.7.1 distribution from the package registry (files only,
``--no-deps``: its wheel cannot be imported anyway) through the same uv-built environments
the servers use, then finds its ``data/default_run.yaml`` the way the console does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from console.config.baseline import find_default_baseline, installed_baseline_path
from console.config.loader import load
from console.releases.catalog import LIGHTSPEED_STACK_0_7_1, Installable
from console.releases.environments import ProvisionError, ServerEnvironment, provision


@pytest.fixture(scope="module")
def lightspeed() -> ServerEnvironment[Installable]:
    try:
        return provision(LIGHTSPEED_STACK_0_7_1)
    except ProvisionError as error:
        pytest.fail(f"lightspeed-stack 0.7.1 is needed for its baseline: {error} ({error.remedy})")


def unified_azure(folder: Path) -> Path:
    path = folder / "lightspeed-stack.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "t",
                "ogx": {"use_as_library_client": True, "config": {"baseline": "byo-llm"}},
                "azure_entra_id": {"tenant_id": "t", "client_id": "c", "client_secret": "s"},
                "inference": {
                    "providers": [
                        {
                            "type": "azure",
                            "extra": {"base_url": "https://r.openai.azure.com/openai/v1"},
                        }
                    ]
                },
            },
            sort_keys=False,
        )
    )
    return path


def test_the_installed_distribution_is_found(lightspeed: ServerEnvironment[Installable]) -> None:
    found = installed_baseline_path([str(lightspeed.site_packages)])
    assert found is not None
    path, version = found
    assert path.as_posix().endswith("data/default_run.yaml")
    assert version == "lightspeed-stack 0.7.1"
    assert installed_baseline_path([str(lightspeed.root / "nowhere")]) is None


def test_the_shipped_baseline_has_no_azure_provider(
    lightspeed: ServerEnvironment[Installable],
) -> None:
    baseline = find_default_baseline(search_path=[str(lightspeed.site_packages)])
    assert baseline.document is not None
    inference = baseline.document["providers"]["inference"]
    assert [p["provider_id"] for p in inference] == [
        "${env.OPENAI_API_KEY:+openai}",
        "sentence-transformers",
    ]
    assert not any(p["provider_type"] == "remote::azure" for p in inference)
    assert baseline.line(("providers", "inference", 1)) is not None


def test_byo_llm_on_the_real_baseline(
    lightspeed: ServerEnvironment[Installable], tmp_path: Path
) -> None:
    found = installed_baseline_path([str(lightspeed.site_packages)])
    assert found is not None
    loaded = load(unified_azure(tmp_path), baseline=found[0], environ={})
    assert loaded.synthesis is not None
    assert [(p.provider_id, p.provider_type) for p in loaded.providers if p.api == "inference"] == [
        ("sentence-transformers", "inline::sentence-transformers"),
        ("azure", "remote::azure"),
    ]
    origins = {o.provider_id: o.origin for o in loaded.synthesis.origins}
    assert origins["sentence-transformers"].startswith("default baseline (--baseline ")
    assert loaded.azure_providers[0].config["model_validation"] is False


def test_the_cli_reads_the_baseline_of_a_lightspeed_stack_installed_beside_it(
    lightspeed: ServerEnvironment[Installable], tmp_path: Path
) -> None:
    config = unified_azure(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(lightspeed.site_packages), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "console", "synth", "-c", str(config), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["baseline"] == "byo-llm"
    origins = {o["provider_id"]: o["origin"] for o in result["origins"]}
    assert "lightspeed-stack 0.7.1" in origins["sentence-transformers"]
    assert "default_run.yaml" in origins["sentence-transformers"]
    assert result["notes"] == []
    run = yaml.safe_load(result["run_yaml"])
    assert run["version"] == 2
    assert "tool_runtime" in run["apis"]


def test_the_unified_example_on_the_real_baseline(
    lightspeed: ServerEnvironment[Installable],
) -> None:
    from tests.conftest import EXAMPLES

    found = installed_baseline_path([str(lightspeed.site_packages)])
    assert found is not None
    loaded = load(EXAMPLES / "lightspeed-stack-unified.yaml", baseline=found[0], environ={})
    assert loaded.synthesis is not None
    assert loaded.synthesis.notes == ()
    # byo-llm: the shipped baseline without its OpenAI row, then the Azure entry appended
    assert [p.provider_id for p in loaded.providers if p.api == "inference"] == [
        "sentence-transformers",
        "azure",
    ]
    assert [p.provider_id for p in loaded.azure_providers] == ["azure"]
    assert loaded.azure_providers[0].config["model_validation"] is False


def test_synth_of_the_default_baseline_on_a_fresh_machine(tmp_path: Path) -> None:
    """Nothing installed beside the console, an empty release cache: ``synth`` builds
    lightspeed-stack 0.7.1 there (files only) and synthesizes on its baseline."""
    config = tmp_path / "lightspeed-stack.yaml"
    config.write_text(
        "name: t\nogx:\n  use_as_library_client: true\n  config:\n    baseline: default\n"
        "inference:\n  providers:\n    - type: azure\n      extra:\n"
        "        base_url: https://r.openai.azure.com/openai/v1\n"
    )
    cache = tmp_path / "cache"
    env = {**os.environ, "LIGHTSPEED_CONSOLE_SERVER_CACHE": str(cache), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "console", "synth", "-c", str(config), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["notes"] == []
    origins = {o["provider_id"]: o["origin"] for o in result["origins"]}
    assert "lightspeed-stack 0.7.1 (built now)" in origins["sentence-transformers"]
    assert str(cache) in origins["sentence-transformers"]
    run = yaml.safe_load(result["run_yaml"])
    inference = [p["provider_type"] for p in run["providers"]["inference"]]
    assert inference == ["remote::openai", "inline::sentence-transformers", "remote::azure"]
    assert not list(cache.glob("*.partial-*"))  # never half-made
