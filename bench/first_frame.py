"""TUI first frame: the console (``tui --read-only``) and ``demo`` against a bare Textual app.

The number that counts is a user's: ``lightspeed-console tui`` started in a real terminal
(a pseudo-terminal, `bench.terminal`), timed from the spawn of its process until its screen shows,
against the bare app started the same way. The same apps also run headless in fresh
interpreters and exit after their first refresh, timing from the spawn the first frame
painted (the first screen update handed to the driver) and the first after-refresh
callback; the console's child reports which heavy modules (azure.identity,
llama_stack_client, ...) were imported by then, and one run under ``-X importtime`` says
which packages its start path spends the time in.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import defaultdict

from bench import terminal
from bench.common import REPO, Measurement, child_env, ratio_goal, run_child, venv_script

LIGHTSPEED = REPO / "examples" / "lightspeed-stack-service.yaml"
RUN_YAML = REPO / "examples" / "azure-run.yaml"
ENV = {"TENANT_ID": "bench-tenant", "CLIENT_ID": "bench-client", "CLIENT_SECRET": "bench-secret"}


def _args() -> list[str]:
    return ["--read-only", "-c", str(LIGHTSPEED), "--run-config", str(RUN_YAML)]


def in_a_terminal(env: dict[str, str], runs: int) -> Measurement:
    """``lightspeed-console tui`` against the bare app, each on a fresh terminal, interleaved."""
    ours_argv = [venv_script("lightspeed-console"), "tui", *_args()]
    bare_argv = [sys.executable, "-m", "bench.children.bare_terminal"]
    pane_env = child_env(env)
    pane = {name: pane_env[name] for name in ("PATH", "PYTHONPATH", "HOME", *env)}
    ours_marker = "READ-ONLY"  # in the top bar of the console's first frame
    for _ in range(2):  # warm the page cache and .pyc files
        terminal.seconds_to_show(bare_argv, "hello", pane)
        terminal.seconds_to_show(ours_argv, ours_marker, pane)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        bare.append(terminal.seconds_to_show(bare_argv, "hello", pane))
        ours.append(terminal.seconds_to_show(ours_argv, ours_marker, pane))
    row = ratio_goal(
        "TUI first frame in a terminal, from the process start (tui --read-only)",
        ours,
        bare,
        "bare Textual app",
        factor=1.2,
    )
    row.notes.append(
        "each on its own pseudo-terminal, read until the app's text shows; both started as "
        "a user starts them (console script, module) in a fresh process, bytecode cached"
    )
    return row


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
        shown = in_a_terminal(env, runs)
    row = ratio_goal(
        "TUI first frame painted, headless (tui --read-only)",
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
    return [shown, row, settled, demo_row]


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
