"""Lightspeed 0.7.x's start-up refusals and the generation reading, as the console reports them.

The refusals and their wording are those of lightspeed-stack 0.7.1's ``models/config.py``
(``extra="forbid"`` on every model, ``check_unified_vs_legacy``, the ``llama_stack`` alias).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.config.lightspeed import Generation, read_generation
from console.config.loader import load
from console.shared.findings import Finding, Severity

SERVICE = "name: t\nservice: {}\nuser_data_collection: {}\nogx:\n  url: https://ogx.example:8321\n"


def findings(tmp_path: Path, text: str) -> list[Finding]:
    path = tmp_path / "lightspeed-stack.yaml"
    path.write_text(text)
    return load(path, environ={}).findings


def codes(found: list[Finding]) -> list[str]:
    return [f.code for f in found if f.severity is not Severity.INFO]


@pytest.mark.parametrize(
    ("data", "generation", "section", "unified"),
    [
        ({"ogx": {"url": "u"}}, Generation.CURRENT, "ogx", False),
        ({"llama_stack": {"url": "u"}}, Generation.MAY_2026, "llama_stack", False),
        ({"llama_stack": {"url": "u"}, "config_format_version": "legacy"}, Generation.CURRENT,
         "llama_stack", False),
        ({"llama_stack": {"use_as_library_client": True, "config": {}}}, Generation.CURRENT,
         "llama_stack", True),
        ({"ogx": {"url": "u"}, "inference": {"providers": []}}, Generation.CURRENT, "ogx", False),
        ({"ogx": {"url": "u"}, "vector_store": {"providers": [{"id": "v"}]}}, Generation.CURRENT,
         "ogx", True),
        ({"ogx": None, "llama_stack": {"url": "u"}}, Generation.MAY_2026, "llama_stack", False),
    ],
)  # fmt: skip
def test_the_generation_and_the_section_lightspeed_reads(
    data: dict[str, object], generation: Generation, section: str, unified: bool
) -> None:
    reading = read_generation(data)
    assert (reading.generation, reading.section, reading.unified) == (generation, section, unified)
    assert reading.reason


def test_an_ogx_service_file_is_clean(tmp_path: Path) -> None:
    assert codes(findings(tmp_path, SERVICE)) == []


def test_both_sections_are_refused_at_the_leftover_one(tmp_path: Path) -> None:
    found = findings(tmp_path, SERVICE + "llama_stack:\n  url: https://old:8321\n")
    [both] = [f for f in found if f.code == "section-both"]
    assert (both.severity, both.line) == (Severity.ERROR, 6)
    assert "refuses the leftover llama_stack:" in both.message


def test_the_alias_in_a_0_7_file_is_a_notice(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        "name: t\nconfig_format_version: legacy\nllama_stack:\n  url: https://x:1\n"
        "service: {}\nuser_data_collection: {}\n",
    )
    [notice] = [f for f in found if f.code == "section-deprecated"]
    assert (notice.severity, notice.line) == (Severity.INFO, 3)
    assert "use 'ogx' instead" in notice.message
    assert codes(found) == []


def test_a_may_2026_file_gets_no_deprecation_notice(tmp_path: Path) -> None:
    found = findings(tmp_path, "name: t\nllama_stack:\n  url: http://x:8321\n")
    assert "section-deprecated" not in [f.code for f in found]
    assert codes(found) == []


def test_a_missing_section(tmp_path: Path) -> None:
    found = findings(tmp_path, "name: t\n")
    assert "section-missing" in codes(found)


def test_required_root_keys_of_0_7(tmp_path: Path) -> None:
    found = findings(tmp_path, "name: t\nogx:\n  url: https://x:1\n")
    missing = sorted(f.message.split()[0] for f in found if f.code == "required-key-missing")
    assert missing == ["service", "user_data_collection"]
    may_2026 = findings(tmp_path, "name: t\nllama_stack:\n  url: https://x:1\n")
    assert "required-key-missing" not in codes(may_2026)


def test_unknown_keys_with_a_did_you_mean(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        SERVICE
        + "  timout: 30\n"
        + "azure_entra_idd:\n  tenant_id: t\n"
        + "azure_entra_id:\n  tenant_id: t\n  client_id: c\n  client_secret: s\n  scopes: x\n",
    )
    unknown = {f.line: f for f in found if f.code == "unknown-key"}
    assert sorted(unknown) == [6, 7, 13]
    assert "did you mean ogx.timeout?" in unknown[6].remedy
    assert "did you mean azure_entra_id?" in unknown[7].remedy
    assert "did you mean azure_entra_id.scope?" in unknown[13].remedy
    assert all(f.severity is Severity.ERROR for f in unknown.values())


def test_unknown_provider_keys_must_go_in_extra(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        "name: t\nogx:\n  use_as_library_client: true\ninference:\n  providers:\n"
        "  - type: azure\n    base_url: https://r.openai.azure.com/openai/v1\n",
    )
    [unknown] = [f for f in found if f.code == "unknown-key"]
    assert unknown.line == 7
    assert "inference.providers[0].base_url" in unknown.message


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("name: t\nogx:\n  use_as_library_client: true\n  library_client_config_path: r.yaml\n"
         "  config: {}\n", "unified-ambiguous", 4),
        ("name: t\nogx:\n  use_as_library_client: true\n", "library-no-run-source", 2),
        ("name: t\nconfig_format_version: unified\n" + SERVICE.removeprefix("name: t\n"),
         "format-version-mismatch", 2),
        ("name: t\nconfig_format_version: v2\n" + SERVICE.removeprefix("name: t\n"),
         "format-version-invalid", 2),
        ("name: t\nogx:\n  use_as_library_client: true\n  config:\n    baseline: minimal\n",
         "baseline-invalid", 5),
        ("name: t\nogx:\n  use_as_library_client: true\ninference:\n  providers:\n"
         "  - type: bedrock\n", "provider-type-unknown", 6),
        ("name: t\nogx:\n  use_as_library_client: true\ninference:\n  providers:\n"
         "  - type: azure\n    id: Prod Azure\n", "provider-id-invalid", 7),
    ],
)  # fmt: skip
def test_lightspeed_refusals_at_their_line(tmp_path: Path, text: str, code: str, line: int) -> None:
    found = [f for f in findings(tmp_path, text) if f.code == code]
    assert [(f.severity, f.line) for f in found] == [(Severity.ERROR, line)]
    assert found[0].remedy


def test_a_0_7_ogx_file_chooses_the_ogx_resource_rules_for_its_run_yaml(tmp_path: Path) -> None:
    """OGX 1.2.5 keeps a shield whose id resolves empty; llama-stack 0.7.3 drops it."""
    run = tmp_path / "run.yaml"
    run.write_text("shields:\n- shield_id: ${env.LSC_T_UNSET:+s}\n  provider_id: p\n")
    for section, kept in (("ogx", 1), ("llama_stack", 0)):
        path = tmp_path / "lightspeed-stack.yaml"
        path.write_text(f"name: t\n{section}:\n  url: https://x:1\n")
        loaded = load(path, run, environ={})
        assert loaded.run is not None
        assert len(loaded.run.sub.value["shields"]) == kept, section


def test_review_json_says_the_generation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from console.cli import main

    path = tmp_path / "lightspeed-stack.yaml"
    path.write_text(SERVICE)
    assert main(["review", "-c", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["generation"]
    assert (out["generation"], out["section"], out["unified"]) == ("0.7", "ogx", False)
    assert out["label"].startswith("lightspeed-stack 0.7.x")
