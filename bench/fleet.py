"""``check --all`` on 10 deployments beside ``check -d`` on one, each a fresh process.

The 10 deployments share the sandbox's Entra ID, Azure OpenAI and server (one set of
services can serve many deployments, as one Llama Stack serves many Lightspeeds); each has
its own name, its own env file and its own doctor. The goal: checking ten takes at most
1.5 times as long as checking one, because the fleet runs them concurrently and pays the
start of the process once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import Measurement, ratio_goal, run_command, venv_script
from console.doctor.fleet import DEFAULT_JOBS
from console.sandbox.demo import DemoInfo

DEPLOYMENTS = 10
FACTOR = 1.5


def write_fleet(info: DemoInfo, folder: Path, count: int = DEPLOYMENTS) -> Path:
    """A settings file with ``count`` deployments of the sandbox, each with its env file."""
    tables = []
    for number in range(1, count + 1):
        env = folder / f"d{number:02}.env"
        env.write_text("".join(f"{name}={value}\n" for name, value in info.environ.items()))
        stack_ca = f'stack_ca_bundle = "{info.stack_ca_bundle}"\n' if info.stack_ca_bundle else ""
        tables.append(
            f"[deployments.d{number:02}]\n"
            f'config = "{info.lightspeed_config}"\nrun_config = "{info.run_config}"\n'
            f'authority = "{info.authority}"\nca_bundle = "{info.ca_bundle}"\n{stack_ca}'
            f'env_file = "{env}"\ntag = "{"prod" if number % 2 else "staging"}"\n'
        )
    settings = folder / "fleet.toml"
    settings.write_text("\n".join(tables))
    return settings


def measure(info: DemoInfo, runs: int = 4) -> list[Measurement]:
    """Interleaved fresh runs of the two; fails loudly if either does not pass."""
    with tempfile.TemporaryDirectory(prefix="lightspeed-bench-fleet-") as tmp:
        settings = write_fleet(info, Path(tmp))
        base = [venv_script("lightspeed-console"), "check", "--settings", str(settings)]
        one_s: list[float] = []
        all_s: list[float] = []
        for index in range(runs + 1):  # the first round warms caches and is dropped
            single, done = run_command([*base, "-d", "d01"])
            if done.returncode != 0:
                raise RuntimeError(f"check -d d01 failed:\n{done.stdout}\n{done.stderr}")
            fleet, done = run_command([*base, "--all"], timeout=120)
            if done.returncode != 0:
                raise RuntimeError(f"check --all failed:\n{done.stdout}\n{done.stderr}")
            if index:
                one_s.append(single)
                all_s.append(fleet)
    row = ratio_goal(
        f"check --all, {DEPLOYMENTS} deployments, fresh process ({info.stack_release})",
        all_s,
        one_s,
        "check -d, one deployment",
        factor=FACTOR,
    )
    row.notes.append(
        f"{DEPLOYMENTS} deployments of one sandbox, each with its env file, "
        f"{DEFAULT_JOBS} at a time"
    )
    return [row]
