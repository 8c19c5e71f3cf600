"""TUI first frame: the console (``tui --read-only``) and ``demo`` against a bare Textual app.

Both run headless in fresh interpreters and exit after their first refresh. Two moments
are timed from the spawn: the first frame painted (the first screen update handed to the
driver), and the first after-refresh callback, when start-up has settled. The console's
child also reports which heavy modules
(azure.identity, llama_stack_client, ...) were imported by then, and one extra run under
``-X importtime`` says which packages its start path spends the time in.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import defaultdict

from bench.common import REPO, Measurement, child_env, ratio_goal, run_child

LIGHTSPEED = REPO / "examples" / "lightspeed-stack-service.yaml"
RUN_YAML = REPO / "examples" / "azure-run.yaml"
ENV = {"TENANT_ID": "bench-tenant", "CLIENT_ID": "bench-client", "CLIENT_SECRET": "bench-secret"}


def _args() -> list[str]:
    return ["--read-only", "-c", str(LIGHTSPEED), "--run-config", str(RUN_YAML)]


def measure(runs: int = 9) -> list[Measurement]:
    """Interleaved runs of both apps; the medians and the heavy modules seen."""
    with tempfile.TemporaryDirectory(prefix="bench-xdg-") as xdg:
        env = ENV | {"XDG_CONFIG_HOME": xdg}
        run_child("bench.children.frame_bare", env=env)  # warm the page cache and .pyc files
        run_child("bench.children.frame_console", _args(), env=env)
        run_child("bench.children.frame_demo", env=env)
        ours: dict[str, list[float]] = {"first_paint": [], "first_refresh": []}
        bare: dict[str, list[float]] = {"first_paint": [], "first_refresh": []}
        demo: list[float] = []
        heavy: set[str] = set()
        watched: set[str] = set()
        demo_heavy: set[str] = set()
        for _ in range(runs):
            data, spawned, _ = run_child("bench.children.frame_bare", env=env)
            for moment, times in bare.items():
                times.append(data[moment] - spawned)
            data, spawned, _ = run_child("bench.children.frame_console", _args(), env=env)
            for moment, times in ours.items():
                times.append(data[moment] - spawned)
            heavy.update(data["heavy"])
            watched.update(data["watched"])
            data, spawned, _ = run_child("bench.children.frame_demo", env=env)
            demo.append(data["first_paint"] - spawned)
            demo_heavy.update(data["heavy"] + data["sandbox"])
        top = import_profile(env)
    row = ratio_goal(
        "TUI first frame painted (tui --read-only)",
        ours["first_paint"],
        bare["first_paint"],
        "bare Textual app",
        factor=1.2,
    )
    settled = ratio_goal(
        "TUI start settled: first after-refresh callback",
        ours["first_refresh"],
        bare["first_refresh"],
        "bare Textual app",
        factor=1.2,
    )
    settled.notes.append(
        "the moment Textual has processed every start-up message and refreshed once more: "
        "the footer's keys, the log's first lines; the checks and SDK preload start after it"
    )
    row.notes.append(
        "heavy modules imported by the first refresh: " + (", ".join(sorted(heavy)) or "none")
    )
    row.notes.append("also imported by then: " + (", ".join(sorted(watched)) or "none"))
    row.notes.append("import time by top-level package (self, ms): " + top)
    if heavy:
        row.ok = False
    demo_row = ratio_goal(
        "demo first frame painted (the sandbox comes up behind it)",
        demo,
        bare["first_paint"],
        "bare Textual app",
        factor=1.5,
    )
    demo_row.notes.append(
        "heavy or sandbox modules imported by the first refresh: "
        + (", ".join(sorted(demo_heavy)) or "none")
    )
    if demo_heavy:
        demo_row.ok = False
    return [row, settled, demo_row]


def import_profile(env: dict[str, str]) -> str:
    """One console start under ``-X importtime``: self time summed per top-level package."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bench.children.frame_console", *_args()],
        cwd=REPO,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    per_package: dict[str, int] = defaultdict(int)
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_part, _, name = line.removeprefix("import time:").split("|")
        per_package[name.strip().split(".")[0]] += int(self_part)
    ranked = sorted(per_package.items(), key=lambda item: -item[1])[:10]
    total = sum(per_package.values())
    return f"total {total / 1000:.0f}; " + ", ".join(f"{n} {us / 1000:.0f}" for n, us in ranked)
