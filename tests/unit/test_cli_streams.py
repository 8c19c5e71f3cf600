"""Standard streams the user closed: no traceback, no exit 70, the documented code.

Real processes, as a shell leaves them: ``>&-`` closes stdout before the console starts
(taken as ``>/dev/null``: the command's own exit code), and a reader that has gone (``| head``)
leaves a pipe that refuses every write (exit 141, said quietly).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.shared.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "examples" / "lightspeed-stack-service.yaml"
RUN = ROOT / "examples" / "azure-run.yaml"
ENV = {**os.environ, "NO_COLOR": "1", "TENANT_ID": "t", "CLIENT_ID": "c", "CLIENT_SECRET": "s"}


def console(*words: str, closing: str = "", stdout: int | None = None) -> tuple[int, str]:
    """Run the console under ``sh -c 'exec ... <closing>'``; its exit code and stderr."""
    script = 'exec "$@" ' + closing
    done = subprocess.run(
        ["sh", "-c", script, "sh", sys.executable, "-m", "console", *words],
        check=False,
        stdout=stdout if stdout is not None else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=ENV,
        timeout=120,
    )
    return done.returncode, done.stderr


COMMANDS = [
    ["review", "-c", str(SERVICE)],
    ["review", "-c", str(SERVICE), "--json"],
    ["diff", "-c", str(SERVICE), "-i", str(RUN)],
    ["diff", "-c", str(SERVICE), "-i", str(RUN), "--json"],
    ["--help"],
]


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_a_closed_stdout_is_taken_as_dev_null(words: list[str]) -> None:
    expected, _ = console(*words, closing=">/dev/null")
    code, err = console(*words, closing=">&-")
    assert code == expected != ExitCode.INTERNAL
    assert "internal error" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize("words", COMMANDS[:-1], ids=" ".join)
def test_a_reader_that_went_away_ends_the_command_quietly(words: list[str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first write
    try:
        code, err = console(*words, stdout=write_end)
    finally:
        os.close(write_end)
    assert code == ExitCode.BROKEN_PIPE == 141
    assert "Broken pipe" not in err
    assert "Exception ignored" not in err
    assert "Traceback" not in err
    assert "error" not in err.lower()


def test_help_to_a_reader_that_went_away_says_nothing() -> None:
    """argparse drops a help text it cannot write; the interpreter's last flush stays quiet."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        code, err = console("--help", stdout=write_end)
    finally:
        os.close(write_end)
    assert code == ExitCode.OK
    assert err == ""


def test_a_closed_stderr_is_no_error_either() -> None:
    expected, _ = console("review", "-c", str(SERVICE), closing="2>/dev/null")
    code, _ = console("review", "-c", str(SERVICE), closing="2>&-")
    assert code == expected != ExitCode.INTERNAL


def test_a_closed_stdout_never_lends_its_descriptor_to_a_written_file(tmp_path: Path) -> None:
    """With fd 1 closed, the first file opened would get it, and the JSON would land in it."""
    target = tmp_path / "run_.yaml"
    words = ["enrich", "-c", str(SERVICE), "-i", str(RUN), "-o", str(target), "--json"]
    code, err = console(*words, closing=">&-")
    assert code == ExitCode.OK, err
    text = target.read_text()
    assert '"written"' not in text
    assert "model_validation: false" in text
