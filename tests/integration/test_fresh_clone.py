"""The README's commands work on a fresh copy of the project, as a new user runs them.

A copy of the working tree (the files git tracks or would track: no .venv, no caches) gets
nothing synced before: ``uv run`` builds its environment from the lock, as on a new
machine. The demo command is taken from the README verbatim (plus ``--headless``, to
script it), and ``check`` against it must pass: the two commands a user is promised.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
DEMO = "uv run lightspeed-console demo"
TESTS = "uv run pytest"
ENV_OF = {"TENANT_ID": "tenant_id", "CLIENT_ID": "client_id", "CLIENT_SECRET": "client_secret"}
"""The variables the demo's lightspeed-stack.yaml references, from its JSON keys."""


def readme_commands() -> list[str]:
    """Every line of the README's shell blocks."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_readme_promises_the_two_commands_and_ci_runs_the_test_one() -> None:
    commands = readme_commands()
    assert DEMO in commands
    assert TESTS in commands
    ci = (ROOT / ".ci" / "run").read_text()
    lines = [line.strip() for line in ci.splitlines() if not line.lstrip().startswith("#")]
    assert TESTS in lines
    before_tests = lines[: lines.index(TESTS)]
    assert not any(line.startswith(("uv sync", "uv pip")) for line in before_tests), (
        "CI must not prepare anything a new user would not have"
    )


def fresh_copy(target: Path) -> Path:
    """The working tree as a clone would have it (tracked and untracked-not-ignored files)."""
    git = shutil.which("git")
    if git is None:
        pytest.fail("git is needed to copy the project as a clone would have it")
    listed = subprocess.run(
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = ROOT / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


def new_user_env(tmp: Path) -> dict[str, str]:
    """Our environment minus what points at this checkout's virtual environment."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME")
        and not name.startswith(("PYTEST", "COV_"))
    }
    env["TMPDIR"] = str(tmp)
    env["NO_COLOR"] = "1"
    return env


def uv_words(command: str) -> list[str]:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv runs the README's commands"
    words = command.split()
    assert words[0] == "uv"
    return [uv, *words[1:]]


def test_demo_and_check_on_a_fresh_copy(tmp_path: Path) -> None:
    project = fresh_copy(tmp_path / "lightspeed-console")
    assert not (project / ".venv").exists()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = new_user_env(tmp)
    demo = subprocess.Popen(
        [*uv_words(DEMO), "--headless"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        line = demo.stdout.readline()
        assert line, demo.communicate(timeout=60)[1]
        info = json.loads(line)
        assert info["stack_kind"] == "ogx", info["notes"]  # the current server, for real
        check = subprocess.run(
            [
                *uv_words("uv run lightspeed-console check"),
                "-c", info["lightspeed_config"],
                "-i", info["run_config"],
                "--authority", info["authority"],
                "--ca-bundle", info["ca_bundle"],
                "--stack-ca-bundle", info["stack_ca_bundle"],
            ],
            check=False,
            cwd=project,
            env={**env, **{k: info[v] for k, v in ENV_OF.items()}},
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr
        assert "OGX" in check.stdout + check.stderr
        assert info["client_secret"] not in check.stdout + check.stderr
    finally:
        demo.send_signal(signal.SIGTERM)
        _, stderr = demo.communicate(timeout=60)
    assert demo.returncode == 0, stderr
    assert (project / ".venv").is_dir()  # uv built it from nothing
    assert sorted(p.name for p in tmp.iterdir() if not p.name.startswith("uv-")) == []
