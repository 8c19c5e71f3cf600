"""``uv run python -m bench [--full] [--only NAME ...]``: every ratio, side by side, one run.

Not part of the test run. Starts the demo sandbox (Entra ID and Azure OpenAI stand-ins and
the real llama-stack server when installed, else the stand-in) on 127.0.0.1, stops it at
the end, prints the table, writes bench/results/latest.json and bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from bench import (
    first_frame,
    fleet,
    library,
    limits,
    live,
    overhead,
    quit_latency,
    report,
    scale,
    stall,
)
from bench.common import Measurement
from console.sandbox.demo import DemoSandbox

PARTS = (
    "first_frame",
    "live",
    "fleet",
    "library",
    "overhead",
    "stall",
    "scale",
    "screen",
    "limits",
    "quit",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--full", action="store_true", help="always run the 10x scale file")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    args = parser.parse_args(argv)
    started = time.monotonic()
    results: list[Measurement] = []

    def part(name: str, run: Callable[[], list[Measurement]]) -> None:
        if name not in args.only:
            return
        began = time.monotonic()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        results.extend(run())
        print(f"bench: {name} done in {time.monotonic() - began:.0f} s", file=sys.stderr)

    part("first_frame", first_frame.measure)
    if {"live", "fleet", "library", "overhead", "stall"} & set(args.only):
        # llama-stack 0.7.3 over plain HTTP: the `llama-stack-client providers list` floor
        # cannot be given a private CA, and the earlier results were measured on it.
        with DemoSandbox(server="llama-stack-0.7.3") as sandbox:
            info = sandbox.info
            assert info is not None
            print(f"bench: sandbox up ({info.stack_release})", file=sys.stderr)
            part("live", lambda: live.measure(info))
            part("fleet", lambda: fleet.measure(info))
            part("library", lambda: library.measure(info))
            part("overhead", lambda: overhead.measure(info))
            part("stall", lambda: stall.measure(sandbox))
    part("scale", lambda: scale.measure_load(full=args.full))
    part("screen", scale.measure_screen)
    part("limits", limits.measure)
    part("quit", quit_latency.measure)
    seconds = time.monotonic() - started
    print(report.text_table(results))
    if set(args.only) == set(PARTS):
        report.write(results, seconds)
        print(f"\nwritten: bench/results/latest.json, bench/RESULTS.md ({seconds:.0f} s)")
    return 0 if all(m.ok for m in results) else 1


if __name__ == "__main__":
    sys.exit(main())
