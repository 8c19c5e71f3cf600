"""Env substitution matches the servers' own `replace_env_vars`, and reports instead of raising.

The oracle is the real function of each server generation (llama-stack 0.7.3 and OGX
1.2.5), run in that release's own environment (`tests.support.envsubst_oracle`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.config.envsubst import (
    LLAMA_STACK_RESOURCE_ID_FIELDS,
    OGX_RESOURCE_ID_FIELDS,
    substitute,
)
from console.config.yamlio import parse_yaml_text
from console.releases.catalog import LLAMA_STACK_0_7_3, OGX_1_2_5
from tests.support.envsubst_oracle import EnvSubstOracle

FILE = Path("run.yaml")


ID_FIELDS = {
    LLAMA_STACK_0_7_3.key: LLAMA_STACK_RESOURCE_ID_FIELDS,
    OGX_1_2_5.key: OGX_RESOURCE_ID_FIELDS,
}
"""The fields whose empty value drops a list entry, per server generation."""


@pytest.fixture(scope="module", params=[LLAMA_STACK_0_7_3, OGX_1_2_5], ids=lambda r: r.key)
def oracle(request: pytest.FixtureRequest) -> Iterator[EnvSubstOracle]:
    with EnvSubstOracle(request.param) as running:
        yield running


def ours(text: str, environ: dict[str, str], oracle: EnvSubstOracle | None = None) -> Any:
    fields = ID_FIELDS[oracle.release.key] if oracle else LLAMA_STACK_RESOURCE_ID_FIELDS
    return substitute(parse_yaml_text(text, FILE), FILE, environ, resource_id_fields=fields).value


def theirs(oracle: EnvSubstOracle, text: str, environ: dict[str, str]) -> Any:
    answer = oracle.ask(text, environ)
    assert answer.error_var is None, f"{oracle.release.label} raised for {answer.error_var}"
    return answer.value


CASES = [
    "a: ${env.LSC_T_SET}",
    "a: ${env.LSC_T_UNSET:=fallback}",
    "a: ${env.LSC_T_UNSET:=}",
    "a: ${env.LSC_T_SET:=fallback}",
    "a: ${env.LSC_T_SET:+yes}",
    "a: ${env.LSC_T_UNSET:+yes}",
    "a: ${env.LSC_T_SET:+}",
    "a: ${env.LSC_T_EMPTY:=d}",
    "a: ${env.LSC_T_NUM}",
    "a: ${env.LSC_T_FLOAT}",
    "a: ${env.LSC_T_BOOL}",
    "a: x-${env.LSC_T_NUM}",
    "a: ${env.LSC_T_UNSET:=~/store}",
    "a: '${env.LSC_T_UNSET:=true}'",
    "a: ${env.LSC_T_SET}-${env.LSC_T_NUM}",
    "a: plain\nb: 3\nc: [1, two, '${env.LSC_T_SET}']",
    "${env.LSC_T_SET}: key-not-substituted",
    "providers:\n  inference:\n  - provider_id: ${env.LSC_T_UNSET:=__disabled__}\n    config:"
    " {api_key: '${env.LSC_T_UNSET2}'}\n  - provider_id: kept",
    "models:\n- model_id: ${env.LSC_T_UNSET:+m}\n  provider_id: p\n- model_id: m2",
    "models:\n- model_id: ''\n- model_id: ok\n  shield_id: ${env.LSC_T_UNSET:=}",
]
ENV = {
    "LSC_T_SET": "value",
    "LSC_T_EMPTY": "",
    "LSC_T_NUM": "42",
    "LSC_T_FLOAT": "1.5",
    "LSC_T_BOOL": "TRUE",
}


@pytest.mark.parametrize("text", CASES)
def test_same_result_as_the_server(text: str, oracle: EnvSubstOracle) -> None:
    assert ours(text, ENV, oracle) == theirs(oracle, text, ENV)


def test_type_conversion_after_substitution_only() -> None:
    resolved = ours("a: '42'\nb: ${env.LSC_T_NUM}\nc: ${env.LSC_T_UNSET:=}\nd: ''", ENV)
    assert resolved == {"a": "42", "b": 42, "c": None, "d": ""}


def test_home_is_expanded_in_substituted_text() -> None:
    resolved = ours("a: ${env.LSC_T_UNSET:=~/x}", {})
    assert resolved["a"] == os.path.expanduser("~/x")
    assert not resolved["a"].startswith("~")


def test_unset_variable_is_reported_with_line_and_rest_still_loads() -> None:
    text = "name: demo\nazure_entra_id:\n  tenant_id: t\n  client_secret: ${env.LSC_T_SECRET}\n"
    sub = substitute(parse_yaml_text(text, FILE), FILE, {})
    assert sub.value["name"] == "demo"
    assert sub.value["azure_entra_id"] == {"tenant_id": "t", "client_secret": None}
    [missing] = sub.missing
    assert (missing.name, missing.line, missing.dotted_path) == (
        "LSC_T_SECRET",
        4,
        "azure_entra_id.client_secret",
    )


def test_unset_variable_is_what_the_server_rejects(oracle: EnvSubstOracle) -> None:
    text = "a:\n  b: ${env.LSC_T_UNSET}\n"
    raised = oracle.ask(text, {})
    assert raised.error_var == "LSC_T_UNSET"
    sub = substitute(parse_yaml_text(text, FILE), FILE, {})
    assert [ref.name for ref in sub.missing] == [raised.error_var]
    assert sub.missing[0].dotted_path == raised.error_path


def test_generations_differ_on_which_empty_ids_drop_an_entry(oracle: EnvSubstOracle) -> None:
    """llama-stack 0.7.3 drops a shield with an empty id; OGX 1.2.5 keeps it (shield_id None)."""
    text = "shields:\n- shield_id: ${env.LSC_T_UNSET:+s}\n  provider_id: p\n"
    dropped = theirs(oracle, text, {})["shields"] == []
    assert dropped == (oracle.release.key == LLAMA_STACK_0_7_3.key)
    assert ours(text, {}, oracle) == theirs(oracle, text, {})


def test_paths_count_items_as_written_after_a_disabled_provider() -> None:
    text = (
        "providers:\n  inference:\n  - provider_id: __disabled__\n"
        "  - provider_id: azure\n    config:\n      api_key: ${env.LSC_T_UNSET}\n"
    )
    sub = substitute(parse_yaml_text(text, FILE), FILE, {})
    assert sub.value["providers"]["inference"] == [
        {"provider_id": "azure", "config": {"api_key": None}}
    ]
    assert sub.missing[0].dotted_path == "providers.inference[1].config.api_key"
    assert sub.written_path(("providers", "inference", 0)) == ("providers", "inference", 1)
    assert sub.line(("providers", "inference", 0, "config", "api_key")) == 6


names = st.sampled_from(["LSC_T_A", "LSC_T_B", "LSC_T_C"])
values = st.sampled_from(["", "0", "12", "1.5e3", "true", "False", "x y", "~/p", "-3", "null"])
references = st.builds(
    lambda name, op, default: "${env." + name + op + default + "}" if op else "${env." + name + "}",
    names,
    st.sampled_from(["", ":=", ":+"]),
    st.sampled_from(["", "d", "1", "true", "~/d"]),
)
pieces = st.lists(st.one_of(references, st.sampled_from(["pre-", "/x", " ", "7"])), max_size=4)


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    template=pieces,
    environ=st.dictionaries(names, values, max_size=3),
)
def test_fuzz_same_as_the_server(
    template: list[str], environ: dict[str, str], oracle: EnvSubstOracle
) -> None:
    text = "".join(template)
    document = {"key": text, "list": [text, {"inner": text}]}
    source = yaml.safe_dump(document)
    expected = oracle.ask(source, environ)
    fields = ID_FIELDS[oracle.release.key]
    sub = substitute(parse_yaml_text(source, FILE), FILE, environ, resource_id_fields=fields)
    if expected.error_var is None:
        assert sub.value == expected.value
        assert sub.missing == []
    else:
        assert sub.missing
        assert sub.missing[0].name == expected.error_var
