"""``lightspeed-console enrich`` run ten times at once, and as root on another user's file.

Real processes started together, as a deploy script's parallel jobs would: of ten runs to
one new ``-o`` exactly one says "wrote" and nine are refused; of ten ``--in-place`` runs one
writes, the others leave the file as it is, and the ``.bak`` holds the original every round.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "examples" / "lightspeed-stack-service.yaml"
RUN = ROOT / "examples" / "azure-run.yaml"
ENV = {**os.environ, "NO_COLOR": "1", "TENANT_ID": "t", "CLIENT_ID": "c", "CLIENT_SECRET": "s"}
RUNS = 10
ROUNDS = 3
IS_ROOT = os.geteuid() == 0


def together(*words: str, cwd: Path) -> list[tuple[int, str]]:
    """Start ``RUNS`` copies of the command at once; each one's exit code and stderr."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "console", *words],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=ENV,
        )
        for _ in range(RUNS)
    ]
    outcomes = []
    for process in processes:
        _, err = process.communicate(timeout=120)
        outcomes.append((process.returncode, err))
    return outcomes


def wrote(outcomes: list[tuple[int, str]]) -> int:
    return sum(1 for _, err in outcomes if "\nwrote " in "\n" + err)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_runs_to_one_new_output_write_it_once(tmp_path: Path, round_: int) -> None:
    target = tmp_path / "run_.yaml"
    outcomes = together(
        "enrich", "-c", str(SERVICE), "-i", str(RUN), "-o", str(target), cwd=tmp_path
    )
    assert wrote(outcomes) == 1, outcomes
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0] + [2] * (RUNS - 1), outcomes
    for code, err in outcomes:
        if code == 2:
            assert "the file already exists" in err
            assert "remedy: Pass --force" in err
        assert "Traceback" not in err
    assert "model_validation: false" in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["run_.yaml"]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ten_in_place_runs_keep_the_original_in_the_backup(tmp_path: Path, round_: int) -> None:
    target = tmp_path / "run.yaml"
    shutil.copyfile(RUN, target)
    original = target.read_text()
    outcomes = together("enrich", "-c", str(SERVICE), "-i", str(target), "--in-place", cwd=tmp_path)
    assert all(code == 0 for code, _ in outcomes), outcomes
    assert wrote(outcomes) == 1, outcomes
    assert (tmp_path / "run.yaml.bak").read_text() == original
    enriched = target.read_text()
    assert enriched != original
    assert "model_validation: false" in enriched
    for _, err in outcomes:
        assert "Traceback" not in err
        assert "wrote" in err or "left untouched" in err


def test_in_place_as_root_keeps_another_users_file_theirs(tmp_path: Path) -> None:
    """As root the file stays its owner's, .bak included; setuid/setgid are never copied.

    As another user (no chown possible) the file becomes the writer's, as any file they
    write does; the special bits are dropped all the same.
    """
    target = tmp_path / "run.yaml"
    shutil.copyfile(RUN, target)
    if IS_ROOT:
        os.chown(target, 54321, 54322)
    target.chmod(0o6640)
    done = subprocess.run(
        [sys.executable, "-m", "console", "enrich", "-c", str(SERVICE), "-i", str(target),
         "--in-place"],
        check=False, capture_output=True, text=True, cwd=tmp_path, env=ENV, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "mode 0640" in done.stderr
    for path in (target, tmp_path / "run.yaml.bak"):
        info = path.stat()
        assert stat.S_IMODE(info.st_mode) == 0o640, path
        expected_owner = (54321, 54322) if IS_ROOT else (os.geteuid(), info.st_gid)
        assert (info.st_uid, info.st_gid) == expected_owner, path
