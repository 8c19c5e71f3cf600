"""Small files that cost a lot, block, or are misnamed: each refused at once, in words.

- A settings file with one dotted key of tens of thousands of parts (60 KB) took 19 s:
  tomllib and `KeyLines` are quadratic in a key's parts. It is refused before tomllib
  reads it, naming the line and the limit.
- A named pipe (FIFO) or a device given as a CA bundle (``--stack-ca-bundle``,
  ``--ca-bundle``) blocked before the first frame: refused (exit 2) with a remedy. The
  baseline and a profile are read as ``-c`` reads a pipe (once, in full).
- A loop of symbolic links said "no such file" / "does not exist": it says ELOOP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from console.settings.toml_lines import MAX_KEY_PARTS, KeyLines, overlong_key
from console.settings.user import UserSettings, load_user_settings
from tests.conftest import EXAMPLES

HANG_GUARD_S = 60


def long_key(parts: int) -> str:
    return ".".join(["a"] * parts)


@pytest.mark.parametrize(
    "text",
    [
        f"{long_key(30_000)} = 1\n",
        f"[{long_key(30_000)}]\nx = 1\n",
        f'[deployments.x]\nconfig = "a.yaml"\n[deployments.{long_key(30_000)}]\n',
        f"x = {{ {long_key(30_000)} = 1 }}\n",
        f"x = [{{ {long_key(30_000)} = 1 }}]\n",
        f"keymap.{'.'.join(['"a"'] * 30_000)} = 1\n",
    ],
    ids=["key", "header", "deployments", "inline", "array", "quoted"],
)
def test_a_dotted_key_of_thousands_of_parts_is_refused_before_tomllib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    import tomllib

    def never(*_: object) -> object:
        raise AssertionError("tomllib read a file that should have been refused")

    monkeypatch.setattr(tomllib, "loads", never)
    path = tmp_path / "config.toml"
    path.write_text(text)
    settings, problems = _read(path, named=True)
    assert settings.deployments == {}
    assert len(problems) == 1
    line = next(
        number
        for number, written in enumerate(text.splitlines(), start=1)
        if "a.a.a" in written or '"a"."a"' in written
    )
    assert problems[0].startswith(f"{path}:{line}: a dotted key of about ")
    assert f"more than {MAX_KEY_PARTS}, not read; using defaults" in problems[0]


def test_keys_of_ordinary_length_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "read_only = true\n"
        f"x.{long_key(MAX_KEY_PARTS - 2)} = 'x'\n"  # nests as deep as a settings file may
        f'[deployments.prod-eu]\nconfig = "{EXAMPLES}/lightspeed-stack-service.yaml"\n'
        'url = "http://a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g:8321"\n'
    )
    settings, problems = _read(path, named=True)
    assert settings.read_only is True
    assert "prod-eu" in settings.deployments
    assert not any("dotted key" in problem for problem in problems)


def test_the_limit_is_found_in_one_pass() -> None:
    """Linear: a megabyte of text without such a key is looked through at once (the
    search is possessive and starts only where a key part can)."""
    assert overlong_key("a" * 1_000_000) is None
    assert overlong_key(("x = 1\n" + long_key(MAX_KEY_PARTS - 1) + " = 1\n") * 20_000) is None
    assert overlong_key(long_key(MAX_KEY_PARTS + 1) + " = 1") == (1, MAX_KEY_PARTS + 1)


def test_key_lines_of_an_accepted_file_stay_cheap() -> None:
    lines = KeyLines(f"[deployments.x]\n{long_key(MAX_KEY_PARTS - 1)} = 1\n")
    assert lines.line_of("deployments", "x", *(["a"] * (MAX_KEY_PARTS - 1))) == 2


# ---------------------------------------------------------------- pipes and devices


def run_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in its own process: a blocking open would hang the test run itself."""
    return subprocess.run(
        [sys.executable, "-m", "console", *argv],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


@pytest.mark.parametrize("flag", ["--stack-ca-bundle", "--ca-bundle"])
@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("command", ["providers", "tui"])
def test_a_pipe_or_a_device_as_a_ca_bundle_is_refused_at_once(
    tmp_path: Path, flag: str, kind: str, command: str
) -> None:
    if kind == "fifo":
        bundle = tmp_path / "ca.pem"
        os.mkfifo(bundle)
    else:
        bundle = Path("/dev/zero")
    config = EXAMPLES / "lightspeed-stack-service.yaml"
    done = (
        run_cli(command, "-c", str(config), "--read-only", flag, str(bundle), cwd=tmp_path)
        if command == "tui"
        else run_cli(command, "-c", str(config), flag, str(bundle), "--timeout", "2", cwd=tmp_path)
    )
    assert done.returncode == 2, done.stderr
    what = "named pipe (FIFO)" if kind == "fifo" else "device"
    assert f"error: {flag} {bundle}: is a {what}" in done.stderr
    assert "remedy: Save the CA's PEM certificate to a file" in done.stderr
    assert "Traceback" not in done.stderr


def _write_later(fifo: Path, text: str) -> threading.Thread:
    def write() -> None:
        with fifo.open("w") as handle:
            handle.write(text)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _unified(tmp_path: Path, **config: str) -> Path:
    text = (EXAMPLES / "lightspeed-stack-unified.yaml").read_text()
    if "profile" in config:
        text = text.replace("baseline: byo-llm", f"profile: {config['profile']}")
    path = tmp_path / "lightspeed-stack.yaml"
    path.write_text(text)
    return path


PROFILE = "version: 2\napis: [inference]\nproviders:\n  inference: []\n"


def test_a_profile_from_a_pipe_is_read_as_c_reads_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli import main

    fifo = tmp_path / "profile.yaml"
    os.mkfifo(fifo)
    writer = _write_later(fifo, PROFILE)
    code = main(["synth", "-c", str(_unified(tmp_path, profile=str(fifo)))])
    writer.join(timeout=HANG_GUARD_S)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "remote::azure" in out
    (tmp_path / "plain.yaml").write_text(PROFILE)
    main(["synth", "-c", str(_unified(tmp_path, profile=str(tmp_path / "plain.yaml")))])
    assert capsys.readouterr().out == out


# ---------------------------------------------------------------- loops of symbolic links


@pytest.fixture
def loop(tmp_path: Path) -> Path:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    return tmp_path / "a"


def test_a_profile_in_a_loop_of_links_says_so(
    tmp_path: Path, loop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli import main

    code = main(["synth", "-c", str(_unified(tmp_path, profile=str(loop)))])
    err = capsys.readouterr().err
    assert code == 2
    assert "no such file" not in err
    assert "Too many levels of symbolic links" in err


def test_a_deployments_file_in_a_loop_of_links_says_so(
    tmp_path: Path, loop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli import main

    settings = tmp_path / "settings.toml"
    settings.write_text(f'[deployments.x]\nconfig = "{loop}"\n')
    code = main(["review", "-d", "x", "--settings", str(settings)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{settings}:2: deployment 'x': config {loop} is a loop of symbolic links (ELOOP" in err
    assert "does not exist" not in err


@pytest.mark.parametrize("flag", ["--stack-ca-bundle", "--ca-bundle"])
def test_a_ca_bundle_in_a_loop_of_links_says_so(
    tmp_path: Path, loop: Path, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli import main

    code = main(
        ["providers", "-c", str(EXAMPLES / "lightspeed-stack-service.yaml"), flag, str(loop)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {flag} {loop}: is a loop of symbolic links (ELOOP" in err


def _read(path: Path, *, named: bool = False) -> tuple[UserSettings, list[str]]:
    """The settings and their problems as the operator reads them."""
    settings, problems = load_user_settings(path, named=named)
    return settings, [str(problem) for problem in problems]
