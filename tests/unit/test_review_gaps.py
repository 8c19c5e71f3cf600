"""The smaller gaps of review and diagnosis, each at the step that should catch it.

A base_url whose host cannot be a host, an unclosed ``${env.`` (checked against the servers'
own substitution: they keep the text), ``--authority`` that is not one (a usage error now, not
a dropped connection), the timeout remedy naming the flag that exists, ``diff`` masking only
secrets (so it still applies with patch), and secrets echoed percent-encoded or JSON-escaped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from pydantic import SecretStr

from console.cli import build_parser, main
from console.config.enrichment import preview
from console.config.loader import load
from console.entra.authority import resolve_authority
from console.entra.errors import TokenError, TokenRequest, diagnose
from console.releases.catalog import LLAMA_STACK_0_7_3, OGX_1_2_5
from console.shared.redact import MASK, is_secret_key, scrub
from tests.conftest import CANARY_SECRET, EXAMPLES, TENANT
from tests.support.envsubst_oracle import EnvSubstOracle
from tests.unit.test_review import GOOD_LIGHTSPEED, GOOD_RUN, codes, only, review

SERVICE = EXAMPLES / "lightspeed-stack-service.yaml"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://my resource.openai.azure.com/openai/v1", "holds a space"),
        ("https://-bad-.openai.azure.com/openai/v1", "starts or ends with a hyphen"),
        ("https://res..openai.azure.com/openai/v1", "empty part"),
        ("https://res_1.openai.azure.com/openai/v1", "characters a host name cannot have"),
        ("https://res.openai.azure.com:44x/openai/v1", "port is not a number"),
        ("res.openai.azure.com/openai/v1", "no host"),
    ],
)
def test_a_base_url_whose_host_cannot_be_one_is_an_error_at_its_line(
    tmp_path: Path, url: str, problem: str
) -> None:
    run = GOOD_RUN.replace("https://res.openai.azure.com/openai/v1", url)
    found = only(review(tmp_path, run=run), "azure-base-url-host")
    assert found.severity.value == "error"
    assert found.line == 7
    assert problem in found.message
    assert "https://<resource>.openai.azure.com/openai/v1" in found.remedy


@pytest.mark.parametrize(
    "url", ["https://res.openai.azure.com/openai/v1", "https://10.0.0.4:8443/openai/v1"]
)
def test_usable_hosts_pass(tmp_path: Path, url: str) -> None:
    run = GOOD_RUN.replace("https://res.openai.azure.com/openai/v1", url)
    assert "azure-base-url-host" not in codes(review(tmp_path, run=run))


@pytest.mark.parametrize(
    "written",
    ["${env.CLIENT_SECRET", "${env.client_secret}", "x-${env.CLIENT_SECRET}-${env.OTHER"],
)
def test_an_unclosed_env_reference_is_malformed_not_an_inline_secret(
    tmp_path: Path, written: str
) -> None:
    lightspeed = GOOD_LIGHTSPEED.replace("${env.CLIENT_SECRET}", written)
    findings = review(tmp_path, lightspeed=lightspeed)
    assert "secret-inline" not in codes(findings)
    found = only(findings, "env-malformed")
    assert found.line == 7
    assert "azure_entra_id.client_secret" in found.message
    assert "closing brace" in found.remedy
    assert CANARY_SECRET not in found.message


def test_an_unclosed_reference_in_run_yaml_is_found_too(tmp_path: Path) -> None:
    run = GOOD_RUN.replace("${env.AZURE_API_KEY:=}", "${env.AZURE_API_KEY:=")
    findings = review(tmp_path, run=run)
    found = only(findings, "env-malformed")
    assert found.file.name == "run.yaml"
    assert found.line == 8
    assert "secret-inline" not in codes(findings)


@pytest.fixture(scope="module", params=[LLAMA_STACK_0_7_3, OGX_1_2_5], ids=lambda r: r.key)
def oracle(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    with EnvSubstOracle(request.param) as running:
        yield running


@pytest.mark.parametrize("written", ["${env.LSC_T_SET", "${env.lsc_t_set}", "${env.}"])
def test_the_servers_keep_a_malformed_reference_as_written(
    oracle: EnvSubstOracle, written: str
) -> None:
    """What makes it worth a finding: the literal text is what the server would use."""
    answer = oracle.ask(f"a: '{written}'", {"LSC_T_SET": "value", "lsc_t_set": "value"})
    assert answer.error_var is None
    assert answer.value == {"a": written}


@pytest.mark.parametrize("command", ["token", "check", "infer", "providers", "tui", "serve"])
@pytest.mark.parametrize("value", ["not a url", "https://-x-.example", "ftp://login.example"])
def test_an_authority_that_cannot_be_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], command: str, value: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([command, "--authority", value])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --authority: not an authority" in err
    assert "accepted: an https:// URL or host name, or public, usgov, china" in err


@pytest.mark.parametrize(
    "value", ["public", "usgov", "china", "login.microsoftonline.us", "https://127.0.0.1:8443/"]
)
def test_authorities_that_can_be_pass_the_flag(value: str) -> None:
    assert build_parser("token").parse_args(["token", "--authority", value]).authority == value


def test_a_malformed_authority_from_the_environment_is_diagnosed() -> None:
    with pytest.raises(TokenError) as caught:
        resolve_authority(None, environ={"AZURE_AUTHORITY_HOST": "not a url"})
    assert caught.value.diagnosis.code == "BAD_AUTHORITY"
    assert "holds a space" in caught.value.diagnosis.meaning


def test_the_timeout_remedy_names_a_flag_every_token_command_takes() -> None:
    found = diagnose(TimeoutError("The read operation timed out"), REQUEST)
    assert found.code == "TIMEOUT"
    assert "--token-timeout" in found.remedy
    assert "--timeout" not in found.remedy.replace("--token-timeout", "")
    for command in ("token", "check", "infer", "providers", "tui"):
        args = build_parser(command).parse_args([command, "--token-timeout", "3"])
        assert 3.0 in (getattr(args, "token_timeout", None), getattr(args, "timeout", None))


REQUEST = TokenRequest("https://login.microsoftonline.com", TENANT)


@pytest.mark.parametrize(
    "key", ["tokenizer_path", "max_tokens", "token_endpoint", "secret_name", "password_file"]
)
def test_keys_that_merely_mention_a_secret_are_not_secret(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    ["client_secret", "api_key", "x-api-key", "accessToken", "hf_token", "password", "token"],
)
def test_keys_that_name_a_secret_are(key: str) -> None:
    assert is_secret_key(key)


def test_diff_masks_no_tokenizer_path_and_applies_with_patch(
    tmp_path: Path, entra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run.yaml"
    run.write_text(
        textwrap.dedent("""\
        version: 2
        providers:
          inference:
          - provider_id: azure
            provider_type: remote::azure
            config:
              base_url: https://res.openai.azure.com/openai/v1
              tokenizer_path: /models/tokenizer.json
        """)
    )
    enriched = preview(load(SERVICE, run)).enriched_text
    assert main(["diff", "-c", str(SERVICE), "-i", str(run)]) == 1
    diff = capsys.readouterr().out
    assert "tokenizer_path: /models/tokenizer.json" in diff
    assert MASK not in diff
    diff_file = tmp_path / "change.diff"
    diff_file.write_text(diff)
    assert shutil.which("patch"), "patch(1) is part of the machine image"
    subprocess.run(["patch", "-s", str(run), str(diff_file)], check=True, cwd=tmp_path)
    assert run.read_text() == enriched


SPECIAL = 'p@ss w/rd+&"x\\é~9Q'
"""A client secret with the characters that encodings change."""


@pytest.mark.parametrize(
    "echoed",
    [
        quote(SPECIAL, safe=""),
        quote(SPECIAL),
        quote_plus(SPECIAL),
        quote(SPECIAL, safe="").replace("%2F", "%2f").replace("%40", "%40"),
        json.dumps(SPECIAL)[1:-1],
        json.dumps(SPECIAL, ensure_ascii=False)[1:-1],
        SPECIAL,
    ],
    ids=["quote", "quote-slash", "quote_plus", "lower-hex", "json", "json-utf8", "as-is"],
)
def test_a_secret_echoed_encoded_is_masked(echoed: str) -> None:
    text = f"AADSTS7000215: invalid client secret provided: client_secret={echoed}&x=1"
    assert scrub(text, [SecretStr(SPECIAL)]) == text.replace(echoed, MASK)
    found = diagnose(ValueError(text), REQUEST, [SecretStr(SPECIAL)])
    assert echoed not in json.dumps(found.to_dict())
