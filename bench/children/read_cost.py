"""One command on one file in a fresh interpreter: its seconds, peak memory and outcome.

argv: the command line as JSON (``["review", "-c", ..., "-i", ...]``). The console is
imported first (``console.cli``, as its script does), then ``main`` is timed; the peak is
the process's whole resident set (VmHWM: interpreter and imports included), the number an
operator's machine sees. (Not ``ru_maxrss``: Linux carries it over from the parent that
forked the child, here the bench that generated a 16 MiB text.) Prints one JSON line.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path


def peak_mb() -> float:
    """This process's peak resident set so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return float("nan")


def main() -> None:
    argv = json.loads(sys.argv[1])
    from console.cli import main as console

    before = peak_mb()
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = console(argv)
    seconds = time.perf_counter() - started
    errors = [line for line in err.getvalue().splitlines() if line.startswith("error: ")]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_mb(),
                "imported_mb": before,
                "code": int(code),
                "error": errors[0] if errors else "",
            }
        )
    )


if __name__ == "__main__":
    main()
