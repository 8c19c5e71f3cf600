"""Env substitution matches llama-stack's own `replace_env_vars`, and reports instead of raising."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from llama_stack.core.stack import EnvVarError, replace_env_vars

from console.config.envsubst import substitute
from console.config.yamlio import parse_yaml_text

FILE = Path("run.yaml")


def ours(text: str, environ: dict[str, str]) -> Any:
    return substitute(parse_yaml_text(text, FILE), FILE, environ).value


def theirs(text: str, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in list(os.environ):
        if name.startswith("LSC_T_"):
            monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return replace_env_vars(yaml.safe_load(text))


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
def test_same_result_as_llama_stack(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ours(text, ENV) == theirs(text, ENV, monkeypatch)


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


def test_unset_variable_is_what_llama_stack_rejects(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a:\n  b: ${env.LSC_T_UNSET}\n"
    with pytest.raises(EnvVarError) as raised:
        theirs(text, {}, monkeypatch)
    sub = substitute(parse_yaml_text(text, FILE), FILE, {})
    assert [ref.name for ref in sub.missing] == [raised.value.var_name]
    assert sub.missing[0].dotted_path == raised.value.path


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


@settings(max_examples=500, deadline=None)
@given(
    template=pieces,
    environ=st.dictionaries(names, values, max_size=3),
)
def test_fuzz_same_as_llama_stack(template: list[str], environ: dict[str, str]) -> None:
    text = "".join(template)
    document = {"key": text, "list": [text, {"inner": text}]}
    source = yaml.safe_dump(document)
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("LSC_T_")}
    os.environ.update(environ)
    try:
        try:
            expected: Any = replace_env_vars(yaml.safe_load(source))
            error = None
        except EnvVarError as exc:
            expected, error = None, exc.var_name
    finally:
        for name in environ:
            os.environ.pop(name, None)
        os.environ.update(saved)
    sub = substitute(parse_yaml_text(source, FILE), FILE, environ)
    if error is None:
        assert sub.value == expected
        assert sub.missing == []
    else:
        assert sub.missing
        assert sub.missing[0].name == error
