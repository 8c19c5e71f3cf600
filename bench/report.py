"""The table printed at the end, latest.json, and RESULTS.md with the machine described."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.common import Measurement

HERE = Path(__file__).resolve().parent
PACKAGES = (
    "textual",
    "rich",
    "azure-identity",
    "msal",
    "llama-stack-client",
    "llama-stack",
    "httpx",
    "ruamel.yaml",
    "pydantic",
)


def machine() -> dict[str, Any]:
    """nproc, memory, CPU model, Python and package versions."""
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
    }


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def rows(results: list[Measurement]) -> list[list[str]]:
    """measurement, ours, floor/peer, ratio, goal, ✓/✗."""
    table = []
    for m in results:
        floor = f"{_ms(m.floor_s)} ({m.floor_label})" if m.floor_s is not None else m.floor_label
        ratio = f"{m.ratio:.2f}x" if m.ratio is not None else "-"
        table.append([m.name, _ms(m.ours_s), floor, ratio, m.goal, "✓" if m.ok else "✗"])
    return table


HEADER = ["measurement", "ours", "floor / peer", "ratio", "goal", ""]


def text_table(results: list[Measurement]) -> str:
    """A plain-text table for the terminal, then the notes."""
    body = rows(results)
    widths = [max(len(r[i]) for r in [HEADER, *body]) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(HEADER, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    lines.append("")
    for m in results:
        lines += [f"* {m.name}: {note}" for note in m.notes]
    return "\n".join(lines)


def markdown(results: list[Measurement], about: dict[str, Any], seconds: float) -> str:
    """RESULTS.md: the last run's numbers and the machine they come from."""
    packages = ", ".join(f"{k} {v}" for k, v in about["packages"].items())
    out = [
        "# Benchmark results (last run)",
        "",
        "Produced by `uv run python -m bench` (it rewrites this file); medians of several",
        "runs measured side by side in one run. Raw samples: `bench/results/latest.json`.",
        "",
        f"Run: {time.strftime('%Y-%m-%d %H:%M')}, {seconds:.0f} s in all.",
        f"Machine: {about['nproc']} cores ({about['cpu']}), {about['memory_gib']} GiB,",
        f"Python {about['python']}, {about['platform']}.",
        f"Packages: {packages}.",
        "",
        "| " + " | ".join(HEADER[:-1]) + " | ok |",
        "|" + " --- |" * len(HEADER),
    ]
    out += ["| " + " | ".join(r) + " |" for r in rows(results)]
    out.append("")
    out.append("## Notes")
    out.append("")
    for m in results:
        out += [f"- {m.name}: {note}" for note in m.notes]
    return "\n".join(out) + "\n"


def write(results: list[Measurement], seconds: float) -> None:
    """latest.json (gitignored) and RESULTS.md."""
    about = machine()
    folder = HERE / "results"
    folder.mkdir(exist_ok=True)
    data = {"machine": about, "seconds": seconds, "results": [m.to_dict() for m in results]}
    (folder / "latest.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (HERE / "RESULTS.md").write_text(markdown(results, about, seconds), encoding="utf-8")
