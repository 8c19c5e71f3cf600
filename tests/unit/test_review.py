"""Review findings: each rule fires on the mistake it names, at the right line, with a remedy."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from console.config.loader import load
from console.shared.findings import Finding, Severity
from tests.conftest import CANARY_SECRET, CLIENT, EXAMPLES, TENANT

GOOD_RUN = """\
version: 2
providers:
  inference:
  - provider_id: azure
    provider_type: remote::azure
    config:
      base_url: https://res.openai.azure.com/openai/v1
      api_key: ${env.AZURE_API_KEY:=}
registered_resources:
  models:
  - model_id: gpt-4o-mini
    provider_id: azure
    provider_model_id: gpt-4o-mini
"""

GOOD_LIGHTSPEED = """\
llama_stack:
  use_as_library_client: false
  url: http://localhost:8321
azure_entra_id:
  tenant_id: ${env.TENANT_ID}
  client_id: ${env.CLIENT_ID}
  client_secret: ${env.CLIENT_SECRET}
"""


def review(
    tmp_path: Path,
    lightspeed: str = GOOD_LIGHTSPEED,
    run: str | None = GOOD_RUN,
    environ: dict[str, str] | None = None,
) -> list[Finding]:
    ls_path = tmp_path / "lightspeed-stack.yaml"
    ls_path.write_text(textwrap.dedent(lightspeed))
    run_path = None
    if run is not None:
        run_path = tmp_path / "run.yaml"
        run_path.write_text(textwrap.dedent(run))
    env = {"TENANT_ID": TENANT, "CLIENT_ID": CLIENT, "CLIENT_SECRET": CANARY_SECRET}
    env.update(environ or {})
    return load(ls_path, run_path, environ=env).findings


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def only(findings: list[Finding], code: str) -> Finding:
    matching = [finding for finding in findings if finding.code == code]
    assert len(matching) == 1, findings
    return matching[0]


def test_good_configuration_has_no_findings(tmp_path: Path) -> None:
    assert review(tmp_path) == []


def test_unset_client_secret_named_with_line_never_valued(tmp_path: Path) -> None:
    findings = review(tmp_path, environ={"CLIENT_SECRET": ""})
    finding = only(findings, "env-unset")
    assert "CLIENT_SECRET" in finding.message
    assert finding.line == 7
    assert finding.severity is Severity.ERROR
    # A secret gets no default value written in the file; the console takes --env-file.
    assert ":=" not in finding.remedy
    assert "default" not in finding.remedy
    assert "--env-file" in finding.remedy


def test_an_unset_variable_that_is_no_secret_may_get_a_default(tmp_path: Path) -> None:
    lightspeed = GOOD_LIGHTSPEED.replace("http://localhost:8321", "${env.STACK_URL}")
    finding = only(review(tmp_path, lightspeed=lightspeed), "env-unset")
    assert "STACK_URL" in finding.message
    assert "${env.STACK_URL:=VALUE}" in finding.remedy
    assert "--env-file" in finding.remedy


def test_secret_value_never_in_any_finding(tmp_path: Path) -> None:
    lightspeed = GOOD_LIGHTSPEED.replace("${env.CLIENT_SECRET}", CANARY_SECRET).replace(
        "${env.TENANT_ID}", "not a tenant"
    )
    findings = review(tmp_path, lightspeed=lightspeed)
    assert "secret-inline" in codes(findings)
    for finding in findings:
        assert CANARY_SECRET not in str(finding.to_dict())


def test_no_entra_block(tmp_path: Path) -> None:
    lightspeed = "llama_stack:\n  url: http://localhost:8321\n"
    finding = only(review(tmp_path, lightspeed=lightspeed), "entra-missing")
    assert finding.severity is Severity.WARNING  # run.yaml has an azure provider


def test_entra_without_azure_provider(tmp_path: Path) -> None:
    run = GOOD_RUN.replace("remote::azure", "remote::openai")
    finding = only(review(tmp_path, run=run), "entra-no-azure-provider")
    assert finding.file is not None
    assert finding.file.name == "run.yaml"


def test_misspelt_azure_type_is_flagged(tmp_path: Path) -> None:
    run = GOOD_RUN.replace("remote::azure", "remote::azure-openai")
    assert "azure-provider-type" in codes(review(tmp_path, run=run))


def test_base_url_missing(tmp_path: Path) -> None:
    run = GOOD_RUN.replace("      base_url: https://res.openai.azure.com/openai/v1\n", "")
    assert only(review(tmp_path, run=run), "azure-base-url-missing").line == 6


def test_api_base_instead_of_base_url(tmp_path: Path) -> None:
    run = GOOD_RUN.replace("base_url:", "api_base:")
    findings = review(tmp_path, run=run)
    assert only(findings, "azure-api-base").line == 7
    assert "azure-base-url-missing" in codes(findings)


@pytest.mark.parametrize(
    "url",
    [
        "https://res.openai.azure.com",
        "https://res.openai.azure.com/openai",
        "https://res.openai.azure.com/openai/deployments/gpt-4o-mini",
    ],
)
def test_base_url_must_be_v1(tmp_path: Path, url: str) -> None:
    run = GOOD_RUN.replace("https://res.openai.azure.com/openai/v1", url)
    finding = only(review(tmp_path, run=run), "azure-base-url-not-v1")
    assert "https://res.openai.azure.com/openai/v1" in finding.remedy


def test_base_url_with_trailing_slash_is_fine(tmp_path: Path) -> None:
    run = GOOD_RUN.replace("/openai/v1", "/openai/v1/")
    assert review(tmp_path, run=run) == []


def test_api_key_on_unset_variable(tmp_path: Path) -> None:
    run = GOOD_RUN.replace("${env.AZURE_API_KEY:=}", "${env.AZURE_API_KEY}")
    findings = review(tmp_path, run=run)
    finding = only(findings, "azure-api-key-unset")
    assert "AZURE_API_KEY" in finding.message
    assert finding.line == 8
    assert only(findings, "env-unset").line == 8


def test_model_names_unknown_provider(tmp_path: Path) -> None:
    run = GOOD_RUN.replace(
        "    provider_id: azure\n    provider_model_id",
        "    provider_id: azur\n    provider_model_id",
    )
    finding = only(review(tmp_path, run=run), "model-unknown-provider")
    assert finding.line == 11
    assert "azure" in finding.remedy


def test_inline_provider_api_key(tmp_path: Path) -> None:
    run = GOOD_RUN.replace("${env.AZURE_API_KEY:=}", "sk-inline-key-value")
    finding = only(review(tmp_path, run=run), "secret-inline")
    assert finding.line == 8
    assert "sk-inline-key-value" not in finding.message + finding.remedy


def test_scope_must_end_in_default(tmp_path: Path) -> None:
    lightspeed = (
        GOOD_LIGHTSPEED + "  scope: https://cognitiveservices.azure.com/user_impersonation\n"
    )
    finding = only(review(tmp_path, lightspeed=lightspeed), "entra-scope")
    assert finding.line == 8
    assert "1002012" in finding.remedy


@pytest.mark.parametrize(
    ("tenant", "ok"),
    [
        (TENANT, True),
        ("contoso.onmicrosoft.com", True),
        ("contoso.com", True),
        ("common", False),
        ("not a tenant", False),
        ("1234", False),
    ],
)
def test_tenant_id_shape(tmp_path: Path, tenant: str, ok: bool) -> None:
    findings = review(tmp_path, environ={"TENANT_ID": tenant})
    assert ("entra-tenant-id" not in codes(findings)) is ok


def test_client_id_must_be_guid(tmp_path: Path) -> None:
    findings = review(tmp_path, environ={"CLIENT_ID": "my-app"})
    assert only(findings, "entra-client-id").line == 6


def test_service_mode_without_url(tmp_path: Path) -> None:
    lightspeed = GOOD_LIGHTSPEED.replace("  url: http://localhost:8321\n", "")
    assert only(review(tmp_path, lightspeed=lightspeed), "stack-no-url").line == 1


def test_library_mode_with_missing_run_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lightspeed = (
        "llama_stack:\n  use_as_library_client: true\n  library_client_config_path: gone.yaml\n"
        + GOOD_LIGHTSPEED.split("\n", 3)[3]
    )
    finding = only(review(tmp_path, lightspeed=lightspeed, run=None), "run-config-unreadable")
    assert finding.severity is Severity.ERROR
    assert finding.line == 3
    assert "gone.yaml" in finding.message
    assert "current directory" in finding.remedy


def test_library_path_is_relative_to_cwd_not_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "run.yaml").write_text(GOOD_RUN)
    config = tmp_path / "conf" / "ls.yaml"
    config.write_text(
        "llama_stack:\n  use_as_library_client: true\n  library_client_config_path: run.yaml\n"
    )
    monkeypatch.chdir(tmp_path)
    loaded = load(config, None, environ={})
    assert loaded.run is not None
    assert loaded.run.path == tmp_path / "run.yaml"
    assert "current directory" in loaded.run_choice.reason


def test_wrong_types_become_findings_with_lines(tmp_path: Path) -> None:
    lightspeed = "llama_stack:\n  url: http://x\n  timeout: soon\nazure_entra_id: [a, b]\n"
    findings = review(tmp_path, lightspeed=lightspeed)
    wrong = [f for f in findings if f.code == "wrong-type"]
    assert [(f.line, f.message) for f in wrong] == [
        (3, "llama_stack.timeout is a string; expected a number"),
        (4, "azure_entra_id is a list; expected a mapping of keys"),
    ]
    assert "entra-missing" not in codes(findings)


def test_examples_are_clean_when_env_is_set(
    entra_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    for config in ("lightspeed-stack-service.yaml", "lightspeed-stack-library.yaml"):
        loaded = load(EXAMPLES / config, EXAMPLES / "azure-run.yaml")
        assert loaded.findings == [], config
