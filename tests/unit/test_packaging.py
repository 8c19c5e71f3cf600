"""What the wheel holds: the console and its screens, not the benchmarks."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_holds_the_console_and_not_the_benchmarks(tmp_path: Path) -> None:
    done = subprocess.run(
        [os.environ.get("UV", "uv"), "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    [wheel] = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if "/" in name and ".dist-info" not in name}
    assert tops == {"console", "screens"}
    assert "console/library/runner.py" in names  # run by the release's python, as a file
    assert not any(name.startswith("bench/") for name in names)
