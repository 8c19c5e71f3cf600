"""Property tests of the enrichment over many shapes of run.yaml (500 examples).

Whatever the shape: the result means what Lightspeed's rule says, enriching twice changes
nothing the second time, the diff applies cleanly with patch(1), and comments survive.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.config.enrichment import preview
from console.config.loader import load
from tests.support.fuzz import examples

LIGHTSPEED = "azure_entra_id:\n  tenant_id: t\n  client_id: c\n  client_secret: s\n"

PROVIDER_TYPES = [
    "remote::azure",
    '"remote::azure"',
    "'remote::azure'",
    "remote::openai",
    "inline::x",
]
FLAG_VALUES = ["true", "false", "'false'", "${env.MV:=true}", "null", "yes"]


@st.composite
def provider(draw: st.DrawFn, pad: str) -> str:
    """One `- provider_id: ...` entry in block style, its config in one of many shapes."""
    pid = draw(st.sampled_from(["azure", "azure2", "openai", "emb"]))
    kind = draw(st.sampled_from(PROVIDER_TYPES))
    comment = draw(st.sampled_from(["", "  # the provider", "   # note"]))
    lines = [f"{pad}- provider_id: {pid}{comment}", f"{pad}  provider_type: {kind}"]
    shape = draw(st.sampled_from(["missing", "empty", "null", "flow-empty", "flow", "block"]))
    if shape == "empty":
        lines.append(f"{pad}  config:")
    elif shape == "null":
        lines.append(f"{pad}  config: {draw(st.sampled_from(['null', '~']))}  # nothing")
    elif shape == "flow-empty":
        lines.append(f"{pad}  config: {{}}")
    elif shape == "flow":
        lines.append(f"{pad}  config: {{base_url: 'https://r.openai.azure.com/openai/v1'}}")
    elif shape == "block":
        lines.append(f"{pad}  config:")
        keys = draw(
            st.lists(
                st.sampled_from(["base_url", "api_key", "model_validation"]),
                unique=True,
                min_size=1,
            )
        )
        for key in keys:
            value = {
                "base_url": "https://r.openai.azure.com/openai/v1",
                "api_key": "${env.AZURE_API_KEY:=}",
                "model_validation": draw(st.sampled_from(FLAG_VALUES)),
            }[key]
            lines.append(f"{pad}    {key}: {value}" + draw(st.sampled_from(["", "  # why"])))
    return "\n".join(lines)


@st.composite
def run_yaml(draw: st.DrawFn) -> str:
    pad = draw(st.sampled_from(["  ", "    "]))  # '- ' flush with the key, or indented
    providers = draw(st.lists(provider(pad), min_size=0, max_size=5))
    head = "# run.yaml\nversion: 2\napis:\n- inference\n"
    body = "providers:\n  inference:\n" + "\n".join(providers) if providers else "providers: {}"
    tail = draw(st.sampled_from(["", "\nserver:\n  port: 8321  # port\n", "\n# end\n"]))
    text = head + body + "\n" + tail
    return text if draw(st.booleans()) else text.rstrip("\n")


def rule(run_config: dict[str, Any]) -> dict[str, Any]:
    """Lightspeed's rule on plain data, written independently of the console."""
    result = copy.deepcopy(run_config)
    providers = result.get("providers") or {}
    for item in providers.get("inference") or []:
        if item.get("provider_type") == "remote::azure":
            config = item.setdefault("config", {})  # as Lightspeed: a null config raises
            if isinstance(config, dict):
                config["model_validation"] = False
    return result


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=run_yaml())
def test_enrichment_properties(text: str) -> None:
    assert shutil.which("patch"), "patch(1) is part of the machine image"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        lightspeed = root / "lightspeed-stack.yaml"
        lightspeed.write_text(LIGHTSPEED)
        run = root / "run.yaml"
        run.write_text(text)
        first = preview(load(lightspeed, run, environ={}))
        assert yaml.safe_load(first.enriched_text) == rule(yaml.safe_load(text))
        for line in text.splitlines():
            if "#" in line:
                assert line.split("#", 1)[1] in first.enriched_text
        again = root / "again.yaml"
        again.write_text(first.enriched_text)
        second = preview(load(lightspeed, again, environ={}))
        assert not second.changed, second.unified_diff()
        if first.changed:
            diff = root / "change.diff"
            diff.write_text(first.unified_diff(reveal=True))
            subprocess.run(["patch", "-s", "-p0", str(run), str(diff)], check=True, cwd=root)
            assert run.read_text() == first.enriched_text


LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n", "e"]), max_size=40)
HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_unified(old: list[str], diff: list[str]) -> list[str]:
    """Apply a unified diff, checking every context line and both hunk positions."""
    result: list[str] = []
    at = 0
    for line in diff[2:]:
        hunk = HUNK.match(line)
        if hunk is not None:
            old_start, old_length, new_start, new_length = hunk.groups()
            begin = int(old_start) - (1 if old_length != "0" else 0)
            assert begin >= at
            result.extend(old[at:begin])
            at = begin
            assert len(result) == int(new_start) - (1 if new_length != "0" else 0)
        elif line[0] in " -":
            assert old[at] == line[1:]
            if line[0] == " ":
                result.append(line[1:])
            at += 1
        else:
            result.append(line[1:])
    return result + old[at:]


@settings(max_examples=examples(300), deadline=None)
@given(old=LINES, new=LINES, context=st.integers(0, 4))
def test_trimmed_diff_turns_old_into_new(old: list[str], new: list[str], context: int) -> None:
    """The diff computed between the common head and tail is a correct unified diff."""
    from console.config.enrichment import _unified_diff

    diff = list(_unified_diff(old, new, "f", context))
    assert apply_unified(old, diff) == new
    assert bool(diff) == (old != new)
