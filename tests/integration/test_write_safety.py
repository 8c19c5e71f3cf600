"""The enriched-file write survives kill -9 at any moment: old file or complete new one, always."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.shared.atomic import WriteRefused, write_atomic

WRITER = """
import sys
from pathlib import Path
from console.shared.atomic import write_atomic
target = Path(sys.argv[1])
versions = [Path(p).read_text() for p in sys.argv[2:]]
print("ready", flush=True)
i = 0
while True:
    write_atomic(target, versions[i % len(versions)], overwrite=True)
    i += 1
"""


def test_kill_9_at_random_moments_never_leaves_a_partial_file(tmp_path: Path) -> None:
    # Two large, different versions so a torn write would be visible.
    versions = []
    for name, letter in (("a.yaml", "a"), ("b.yaml", "b")):
        path = tmp_path / name
        path.write_text("".join(f"key_{i}: {letter * 60}\n" for i in range(20_000)))
        versions.append(path)
    contents = {path.read_text() for path in versions}
    target = tmp_path / "out" / "run_.yaml"
    target.parent.mkdir()
    target.write_text(versions[0].read_text())
    target.chmod(0o640)
    rng = random.Random(1234)
    for trial in range(30):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), *map(str, versions)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.05))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert target.exists(), f"trial {trial}: the target vanished"
        assert target.read_text() in contents, f"trial {trial}: partial or mixed file"
        assert (target.stat().st_mode & 0o777) == 0o640, f"trial {trial}: mode changed"
    leftovers = [p.name for p in target.parent.iterdir() if p.name != target.name]
    # A killed writer cannot remove its temp file; they are dot-files next to the target.
    assert all(name.startswith(".run_.yaml.") and name.endswith(".tmp") for name in leftovers)
    # ...and their presence proves some kills landed in the middle of a write.
    assert len(leftovers) >= 5, f"only {len(leftovers)} kills hit a write in progress"


def test_symlink_tricks_never_write_outside_the_chosen_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.yaml"
    victim.write_text("untouched\n")
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    (chosen / "run_.yaml").symlink_to(victim)
    (chosen / "dangling.yaml").symlink_to(outside / "nothing-yet.yaml")
    for name in ("run_.yaml", "dangling.yaml"):
        with pytest.raises(WriteRefused, match="symbolic link"):
            write_atomic(chosen / name, "evil\n", overwrite=True)
    assert victim.read_text() == "untouched\n"
    assert not (outside / "nothing-yet.yaml").exists()
    # The backup name is refused too when it is a link planted next to the target.
    target = chosen / "real.yaml"
    target.write_text("mine\n")
    (chosen / "real.yaml.bak").symlink_to(victim)
    with pytest.raises(WriteRefused, match="symbolic link"):
        write_atomic(target, "new\n", overwrite=True, backup=True)
    assert victim.read_text() == "untouched\n"
    assert target.read_text() == "mine\n"


def test_mode_is_kept_and_new_files_are_private(tmp_path: Path) -> None:
    existing = tmp_path / "run.yaml"
    existing.write_text("a: 1\n")
    existing.chmod(0o604)
    write_atomic(existing, "a: 2\n", overwrite=True)
    assert existing.stat().st_mode & 0o777 == 0o604
    old_umask = os.umask(0)
    try:
        created = tmp_path / "new.yaml"
        write_atomic(created, "a: 1\n")
    finally:
        os.umask(old_umask)
    assert created.stat().st_mode & 0o777 == 0o600
