"""Shared pieces: measurements, medians, fresh-interpreter children, timers."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HEAVY_MODULES = ("azure.identity", "msal", "llama_stack_client", "llama_stack", "openai")
"""Modules the design keeps off the TUI's first frame (checked in the child's sys.modules)."""


@dataclass
class Measurement:
    """One row of the table: ours against its floor or peer, and whether the goal holds."""

    name: str
    ours_s: float
    floor_s: float | None
    floor_label: str
    goal: str
    ok: bool
    ratio: float | None = None
    notes: list[str] = field(default_factory=list)
    samples: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for latest.json."""
        return asdict(self)


def median(values: Sequence[float]) -> float:
    """The median (NaN for no values, so a missing number is visible, not zero)."""
    return statistics.median(values) if values else float("nan")


def ratio_goal(
    name: str,
    ours: Sequence[float],
    floor: Sequence[float],
    floor_label: str,
    *,
    factor: float,
    slack_s: float = 0.0,
) -> Measurement:
    """A row whose goal is ``ours <= factor * floor + slack_s`` (medians)."""
    mine, base = median(ours), median(floor)
    goal = f"<= {factor:g}x" + (f" + {slack_s * 1000:g} ms" if slack_s else "")
    return Measurement(
        name=name,
        ours_s=mine,
        floor_s=base,
        floor_label=floor_label,
        goal=goal,
        ok=mine <= factor * base + slack_s,
        ratio=mine / base if base else None,
        samples={"ours": list(ours), "floor": list(floor)},
    )


def timed(call: Callable[[], object]) -> float:
    """Seconds one call takes (perf_counter)."""
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child interpreter: this one's, with the repo importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # Measure what a user sees: bytecode cached after the first run (this machine's shell
    # sets PYTHONDONTWRITEBYTECODE, which would make every start compile from source).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra or {})
    return env


def run_child(
    module: str,
    args: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> tuple[dict[str, Any], float, float]:
    """Run ``python -m module args`` in a fresh interpreter.

    Returns its JSON (last stdout line), the monotonic time just before the spawn, and the
    wall seconds to its exit. ``time.monotonic`` is system-wide on Linux, so the child's
    own monotonic stamps can be compared with the spawn time.
    """
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.monotonic() - started
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{module} exited {done.returncode}: {done.stderr[-2000:]}{done.stdout[-500:]}"
        )
    return json.loads(lines[-1]), started, wall


def run_command(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall seconds of one command (a fresh process), and how it ended."""
    started = time.monotonic()
    done = subprocess.run(
        list(argv),
        cwd=REPO,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return time.monotonic() - started, done


def venv_script(name: str) -> str:
    """The path of a console script installed beside this interpreter."""
    return str(Path(sys.executable).parent / name)
