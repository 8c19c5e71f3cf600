"""No escape sequence from input reaches a terminal: the sanitising step and every offline command.

A hostile file (its values, a key, a comment, its name, the path it names) and a hostile
environment variable carry OSC 0 (retitle), CSI 2J (clear), OSC 52 (clipboard), CR, BEL,
a C1 CSI, DEL and a bidi override. Every command prints them, and must show them escaped:
``review``, ``diff``, ``synth``, ``providers --static`` and ``locate``, as text and as JSON,
and on a terminal, where the console's own colours must still be written. The live
commands are in tests/integration/test_terminal_escapes_live.py, the screens in
tests/tui/test_terminal_escapes.py.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from console.cli import main
from console.doctor.results import CheckResult, CheckStatus
from console.shared.diagnosis import Diagnosis
from console.shared.findings import Finding, Severity
from console.shared.output import emit, emit_json, narrate, paint, render, table
from console.shared.sanitize import has_controls, visible, visible_lines
from tests.support.hostile_text import (
    BIDI,
    HOSTILE,
    SHOWN,
    SHOWN_START,
    TITLE,
    VARIABLE,
    assert_safe,
    hostile_run_yaml,
)
from tests.support.terminal import on_terminal

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


# ------------------------------------------------------------------ the step itself


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;PWNED\x07", "\\x1b]0;PWNED\\x07"),
        ("\x1b[2J", "\\x1b[2J"),
        ("\x1b]52;c;cHduZWQ=\x07", "\\x1b]52;c;cHduZWQ=\\x07"),
        ("a\rb", "a\\rb"),
        ("a\nb", "a\\nb"),
        ("a\x08b", "a\\x08b"),
        ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
        *[
            (c, f"\\u{ord(c):04x}")
            for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ],
        ("tab\tkept", "tab\tkept"),
        ("café ünïcode ✓ 日本", "café ünïcode ✓ 日本"),
        ("C:\\x1b is text", "C:\\x1b is text"),
    ],
    ids=repr,
)
def test_visible_shows_every_control_escaped(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert visible(visible(raw)) == visible(raw)  # idempotent: applying it twice is harmless


def test_visible_lines_keeps_line_ends_and_escapes_the_rest() -> None:
    assert visible_lines("a\nb\r\nc\rd\x1b[1Ae") == "a\nb\r\nc\\rd\\x1b[1Ae"
    assert visible_lines(HOSTILE) == SHOWN
    assert not has_controls(visible(HOSTILE))
    assert not has_controls(SHOWN, lines=True)


def test_the_console_s_own_colours_are_written_after_the_text_is_made_visible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    shown = render([paint(HOSTILE, "red"), " ", HOSTILE], Terminal())
    assert shown.startswith("\x1b[31m")
    assert "\x1b[0m" in shown
    assert_safe(re.sub(r"\x1b\[(?:0|31)m", "", shown))
    assert SHOWN in shown


def test_emit_narrate_and_table_show_input_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    emit(HOSTILE, paint(HOSTILE, "dim"), "\n")
    narrate(HOSTILE, "red")
    emit(table(["A", HOSTILE], [[HOSTILE, "x"], ["y", f"two\nlines{TITLE}"]]))
    out, err = capsys.readouterr()
    assert_safe(out, "stdout")
    assert_safe(err, "stderr")
    assert out.count(SHOWN) == 4
    assert "two\\nlines\\x1b]0;PWNED\\x07" in out  # a table cell stays on its line


def test_json_stays_json_with_every_control_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    emit_json({"value": HOSTILE, HOSTILE: [HOSTILE]})
    out = capsys.readouterr().out
    assert_safe(out)
    assert out.isascii()
    assert json.loads(out) == {"value": HOSTILE, HOSTILE: [HOSTILE]}  # the value itself, intact


# ------------------------------------------------------------------ the result objects


def test_findings_diagnoses_and_results_are_visible_when_made() -> None:
    finding = Finding("x", Severity.ERROR, Path(f"/tmp/{TITLE}.yaml"), 3, HOSTILE, HOSTILE)
    assert finding.message == finding.remedy == SHOWN
    assert finding.location == "/tmp/\\x1b]0;PWNED\\x07.yaml:3"
    diagnosis = Diagnosis(HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE, f"{HOSTILE}\nline 2")
    for value in (diagnosis.code, diagnosis.title, diagnosis.meaning, diagnosis.remedy):
        assert value == SHOWN
    assert diagnosis.detail == f"{SHOWN}\nline 2"
    assert_safe(diagnosis.as_text())
    result = CheckResult("s", "t", CheckStatus.FAIL, HOSTILE, remedy=HOSTILE, details=(HOSTILE,))
    assert result.summary == result.remedy == SHOWN
    assert result.details == (SHOWN,)
    assert_safe(json.dumps(result.to_dict()))


def test_a_secret_with_a_control_in_it_is_still_masked_once_made_visible() -> None:
    secret = SecretStr("s3cr3t\x1b[2Jvalue")
    diagnosis = Diagnosis("X", "t", "m", "r", detail=f"the server said {secret.get_secret_value()}")
    scrubbed = diagnosis.scrubbed([secret])
    assert "s3cr3t" not in scrubbed.detail
    assert "********" in scrubbed.detail


# ------------------------------------------------------------------ every offline command


@pytest.fixture
def hostile_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Hostile files, one of them with a hostile name, and the hostile variable set."""
    for name, value in {"TENANT_ID": "t", "CLIENT_ID": "c", "CLIENT_SECRET": "s"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(VARIABLE, HOSTILE)
    monkeypatch.setenv("NO_COLOR", "1")
    quoted = json.dumps(HOSTILE)  # a JSON string is a YAML double-quoted scalar
    run = tmp_path / f"run-{TITLE}{BIDI}.yaml"
    run.write_text(hostile_run_yaml((EXAMPLES / "azure-run.yaml").read_text()))
    service = tmp_path / f"ls-{TITLE}.yaml"
    service.write_text(
        (EXAMPLES / "lightspeed-stack-service.yaml")
        .read_text()
        .replace("name: Lightspeed Core Service (LCS)", f"name: {quoted}")
        .replace("url: http://localhost:8321", f"url: {quoted}")
    )
    library = tmp_path / "library.yaml"
    library.write_text(
        (EXAMPLES / "lightspeed-stack-library.yaml")
        .read_text()
        .replace("examples/azure-run.yaml", json.dumps(f"missing-{HOSTILE}.yaml"))
    )
    unified = tmp_path / "unified.yaml"
    unified.write_text(
        (EXAMPLES / "lightspeed-stack-unified.yaml")
        .read_text()
        .replace("        - gpt-4o-mini", f"        - {quoted}")
        .replace(
            "https://my-resource.openai.azure.com/openai/v1",
            json.dumps(f"https://my-resource.openai.azure.com/openai/v1?{HOSTILE}"),
        )
    )
    return {"run": run, "service": service, "library": library, "unified": unified}


OFFLINE = {
    "review": ["review", "-c", "{service}", "-i", "{run}"],
    "review-library": ["review", "-c", "{library}"],
    "review-unified": ["review", "-c", "{unified}"],
    "diff": ["diff", "-c", "{service}", "-i", "{run}"],
    "synth": ["synth", "-c", "{unified}"],
    "providers-static": ["providers", "--static", "-c", "{service}", "-i", "{run}"],
    "providers-library": ["providers", "--static", "-c", "{library}"],
    "locate": ["locate", "-c", "{library}"],
    "locate-run": ["locate", "-c", "{service}", "-i", "{run}"],
}


def _words(template: list[str], files: dict[str, Path]) -> list[str]:
    return [word.format(**{k: str(v) for k, v in files.items()}) for word in template]


@pytest.mark.parametrize("name", list(OFFLINE))
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_every_offline_command_shows_hostile_input_escaped(
    name: str,
    as_json: bool,
    hostile_files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    words = _words(OFFLINE[name], hostile_files)
    if as_json:
        words.append("--json")
    code = main(words)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert "internal error" not in err
    assert_safe(out, "stdout")
    assert_safe(err, "stderr")
    if as_json and out.strip():
        json.loads(out)  # still one JSON document
    else:  # shown escaped, or (synth's YAML, diff's lines) in YAML's own escapes, as written
        assert "\\x1b]0;PWNED\\x07" in out + err or "\\e]0;PWNED\\a" in out, out + err


def test_on_a_terminal_only_the_console_s_colours_are_written(
    hostile_files: dict[str, Path],
) -> None:
    """``review`` on a real terminal (colour on): the only ESCs are its own colour codes."""
    words = _words(OFFLINE["review"], hostile_files)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    with on_terminal([sys.executable, "-m", "console", *words], env) as terminal:
        assert terminal.exited_within(60) is not None
        drawn = terminal.drawn_to_the_end()
    text = drawn.decode("utf-8", errors="replace").replace("\r\n", "\n")
    assert "\x1b[31m" in text, "the console's own colour is still written"
    assert_safe(re.sub(r"\x1b\[(?:0|1|2|31|32|33|36)m", "", text), "the terminal")
    assert SHOWN_START in text
