"""The fault catalogue: names, arguments, all-or-nothing application, reset."""

from __future__ import annotations

import pytest

from console.sandbox import faults
from console.sandbox.entra.faults import EntraFaults


def test_every_entra_fault_targets_real_attributes() -> None:
    target = EntraFaults()
    for spec in faults.catalogue("entra"):
        assert spec.name.startswith("entra-")
        assert spec.description
        for attribute in spec.values():
            assert hasattr(target, attribute), spec.name


def test_the_names_the_cli_documents_exist() -> None:
    for name in ("entra-latency", "entra-429", "entra-503", "entra-drop", "entra-expired-secret"):
        assert name in faults.FAULTS
    assert "entra-slow" in faults.FAULTS


def test_parse_with_and_without_argument() -> None:
    spec, values = faults.parse("entra-latency")
    assert spec.name == "entra-latency"
    assert values == {"latency_s": 0.5}
    assert faults.parse("entra-latency=2.5")[1] == {"latency_s": 2.5}
    assert faults.parse("entra-429=7")[1] == {"token_status": 429, "retry_after_s": 7}
    assert spec.usage == "entra-latency[=seconds]"


@pytest.mark.parametrize(
    "text",
    [
        "entra-nope", "entra-latency=abc", "entra-drop=1", "",
        # numbers that parse and bound nothing: no delay is infinite, NaN or negative
        "entra-latency=nan", "entra-latency=inf", "stack-slow=-5", "azure-slow-stream=1e300",
        "entra-429=-1", "entra-short-token=99999999", "stack-500=5000", "stack-500=0",
    ],
)  # fmt: skip
def test_bad_names_and_arguments_are_refused(text: str) -> None:
    with pytest.raises(faults.UnknownFaultError):
        faults.parse(text)


def test_apply_is_all_or_nothing() -> None:
    target = EntraFaults()
    with pytest.raises(faults.UnknownFaultError):
        faults.apply(["entra-drop", "entra-typo"], {"entra": target})
    assert target == EntraFaults()
    faults.register(faults.FaultSpec("test-only-azure", "azure", "for this test", {"x": 1}))
    try:
        with pytest.raises(faults.UnknownFaultError, match="needs the azure stand-in"):
            faults.apply(["entra-drop", "test-only-azure"], {"entra": target})
    finally:
        del faults.FAULTS["test-only-azure"]
    assert target == EntraFaults()


def test_apply_then_reset() -> None:
    target = EntraFaults()
    applied = faults.apply(["entra-503=3", "entra-latency=0.1"], {"entra": target})
    assert [s.name for s in applied] == ["entra-503", "entra-latency"]
    assert (target.token_status, target.retry_after_s, target.latency_s) == (503, 3, 0.1)
    faults.reset(target)
    assert target == EntraFaults()


def test_register_refuses_a_different_spec_under_a_taken_name() -> None:
    with pytest.raises(ValueError, match="already registered"):
        faults.register(faults.FaultSpec("entra-drop", "entra", "other", {"drop": False}))
    faults.register(faults.FAULTS["entra-drop"])  # the same spec again is harmless
