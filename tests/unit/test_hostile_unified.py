"""Unified-mode inputs of the wrong shape: a finding with its file:line, never an exit 70.

Each case was an internal error (exit 70) in every command that loads the file: a
provider ``type`` that is a list or a mapping, an ``extra`` that is text or a number,
``inference.providers`` that is a number, a profile path with a NUL byte, and a profile or
``--baseline`` whose ``apis``, ``providers`` or ``providers.inference`` is a string or a
mapping (Lightspeed's own synthesis appends to them and fails).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from console.cli import main
from console.config.loader import SYNTHESIS_FAILED, load

ENTRA = {"tenant_id": "t", "client_id": "c", "client_secret": "s"}


def config(folder: Path, providers: Any = None, **ogx_config: Any) -> Path:
    data: dict[str, Any] = {
        "name": "t",
        "config_format_version": "unified",
        "service": {},
        "ogx": {"use_as_library_client": True, "config": ogx_config or {"baseline": "empty"}},
        "user_data_collection": {},
        "azure_entra_id": ENTRA,
    }
    if providers is not None:
        data["inference"] = {"providers": providers}
    path = folder / "lightspeed-stack.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


PROVIDER_SHAPES = {
    "type-list": ({"type": ["azure"]}, "type:", "a list"),
    "type-mapping": ({"type": {"a": 1}}, "type:", "a mapping"),
    "extra-text": ({"type": "azure", "extra": "abc"}, "extra:", "a string"),
    "extra-number": ({"type": "azure", "extra": 5}, "extra:", "a number"),
    "id-list": ({"type": "azure", "id": ["x"]}, "  id:", "a list"),
    "provider-text": ("azure", "- azure", "a string"),
}


@pytest.mark.parametrize("case", PROVIDER_SHAPES)
def test_a_provider_of_the_wrong_shape_is_a_finding(tmp_path: Path, case: str) -> None:
    provider, written, words = PROVIDER_SHAPES[case]
    path = config(tmp_path, [provider])
    loaded = load(path, environ={})
    failed = [f for f in loaded.findings if f.code == SYNTHESIS_FAILED]
    assert failed, [f.message for f in loaded.findings]
    assert failed[0].file == path
    assert failed[0].line == line_of(path, written)
    assert words in failed[0].message


def test_providers_that_are_a_number_is_a_finding(tmp_path: Path) -> None:
    path = config(tmp_path, 5)
    found = [f for f in load(path, environ={}).findings if f.code == SYNTHESIS_FAILED]
    assert found[0].line == line_of(path, "providers: 5")
    assert "not a list" in found[0].message


def test_a_profile_path_with_a_nul_byte_is_a_finding(tmp_path: Path) -> None:
    path = config(tmp_path, profile="run\0.yaml")
    found = [f for f in load(path, environ={}).findings if f.code == SYNTHESIS_FAILED]
    assert "NUL" in found[0].message
    assert found[0].line == line_of(path, "profile:")


BASELINE_SHAPES = {
    "apis-text": ("apis: inference\n", "apis", "a string"),
    "apis-mapping": ("apis: {inference: 1}\n", "apis", "a mapping"),
    "providers-text": ("providers: inference\n", "providers", "a string"),
    "providers-list": ("providers: [inference]\n", "providers", "a list"),
    "inference-text": ("providers:\n  inference: azure\n", "inference", "a string"),
    "inference-mapping": ("providers:\n  inference: {a: 1}\n", "inference", "a mapping"),
    "top-level-list": ("- a\n- b\n", "- a", "a list"),
}


@pytest.mark.parametrize("how", ["profile", "--baseline"])
@pytest.mark.parametrize("case", BASELINE_SHAPES)
def test_a_baseline_of_the_wrong_shape_is_a_finding_in_its_file(
    tmp_path: Path, case: str, how: str
) -> None:
    text, written, words = BASELINE_SHAPES[case]
    baseline = tmp_path / "base.yaml"
    baseline.write_text("version: 2\n" + text if not text.startswith("-") else text)
    if how == "profile":
        path = config(tmp_path, [{"type": "azure"}], profile="base.yaml")
        loaded = load(path, environ={})
    else:
        path = config(tmp_path, [{"type": "azure"}], baseline="byo-llm")
        loaded = load(path, baseline=baseline, environ={})
    found = [f for f in loaded.findings if f.code == SYNTHESIS_FAILED]
    assert found, [f.message for f in loaded.findings]
    assert found[0].file == baseline
    assert found[0].line == line_of(baseline, written)
    assert words in found[0].message


@pytest.mark.parametrize(
    "command", [["review"], ["synth"], ["diff"], ["providers", "--static"], ["check"]]
)
@pytest.mark.parametrize("case", ["type-list", "extra-text"])
def test_no_command_exits_70_on_them(
    tmp_path: Path, case: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, [PROVIDER_SHAPES[case][0]])
    extra = ["--url", "http://127.0.0.1:9", "--timeout", "1"] if command == ["check"] else []
    code = main([*command, "-c", str(path), *extra])
    err = capsys.readouterr().err
    assert code in (1, 2), err
    assert "internal error" not in err
