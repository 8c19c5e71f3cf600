"""Limits: what reading a file costs at the console's limits, and past them.

The promise (`console.config.limits`): a file within the limits is read, reviewed and
diffed within 5 s and 500 MB on this machine; a file beyond them is refused within 1 s.
Each case is the costliest shape for one limit, generated, then one command on it in a
fresh interpreter (`bench/children/read_cost.py`): the seconds of the command (imports of
the console itself excluded) and the process's peak resident memory, beside the bound.

Accepted cases sit just under a limit, in the shapes that cost most per node (distinct
numbers, empty mappings) or per byte; refused cases are the issue's shapes (a million
``- {k: N}`` lines, with and without an alias, a 12 MB flow sequence) and one just past
each limit. One more: a file within the limits but malformed where only the full parser
speaks (a duplicate key at its end) is refused once the fast path reaches the key, within
the time of a read, not the second of a refusal by limit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import REPO, Measurement, run_child
from bench.scale import run_yaml
from console.config.limits import Limits

SERVICE = REPO / "examples" / "lightspeed-stack-service.yaml"
ACCEPTED_S, REFUSED_S, PEAK_MB = 5.0, 1.0, 500.0
ALL_COMMANDS = (("review",), ("diff",), ("providers", "--static"))
MIB = 1024 * 1024


def numbers(count: int, template: str) -> str:
    return "version: 2\nitems:\n" + "".join(template.format(i) for i in range(count))


def anchored(body: str) -> str:
    return "version: 2\nbase: &a 1\nagain: *a\n" + body


def expanded(anchor_items: int, aliases: int) -> int:
    """The nodes of `expansion` with its aliases expanded."""
    frame = 7  # the mapping, 'version', 2, 'base', 'items', the list, the anchored list
    return frame + anchor_items + aliases * (anchor_items + 1)


def expansion(anchor_items: int, aliases: int) -> str:
    anchor = "[" + ", ".join(["{}"] * anchor_items) + "]"
    return f"version: 2\nbase: &a {anchor}\nitems:\n" + "- *a\n" * aliases


def flow_sequence(count: int, per_line: int) -> str:
    items = [str(i) for i in range(count)]
    rows = [", ".join(items[at : at + per_line]) for at in range(0, count, per_line)]
    return "version: 2\nitems: [" + ",\n  ".join(rows) + "]\n"


@dataclass(frozen=True)
class Case:
    """One shape, whether it must be read, and the commands run on it."""

    name: str
    text: Callable[[], str] | None
    accepted: bool
    commands: tuple[tuple[str, ...], ...] = (("review",),)
    path: str | None = None
    """A path used as it is (a device, a corpus file) instead of generated text."""
    within_read: bool = False
    """Refused for what it holds, not for a limit: bounded by the time of a read."""


LIMITS = Limits()
NODES = LIMITS.max_nodes
FULL = LIMITS.full_parser_nodes
HEAD = 5
"""Nodes of ``numbers``' frame: the mapping, 'version', 2, 'items' and the list."""
ANCHORED_HEAD = 9
"""Nodes of ``anchored``'s frame with an 'items' list."""


CASES = (
    # within the limits, in the costliest shapes
    Case(
        f"{NODES - 10:,} nodes of distinct integers",
        lambda: numbers(NODES - 10 - HEAD, "- {}\n"),
        True,
        ALL_COMMANDS,
    ),
    Case(
        f"{NODES - 10:,} nodes of distinct floats",
        lambda: numbers(NODES - 10 - HEAD, "- {}.5\n"),
        True,
        ALL_COMMANDS,
    ),
    Case(
        f"{NODES - 10:,} nodes, empty mappings",
        lambda: numbers(NODES - 10 - HEAD, "- {{}}\n"),
        True,
        ALL_COMMANDS,
    ),
    Case(
        f"{(NODES - 10 - HEAD) // 3:,} flow mappings {{k: N}}",
        lambda: numbers((NODES - 10 - HEAD) // 3, "- {{k: {}}}\n"),
        True,
        ALL_COMMANDS,
    ),
    Case("a 1,000-provider run.yaml (bench scale 1x)", lambda: run_yaml(1), True, ALL_COMMANDS),
    Case(
        f"full parser: {FULL - 10:,} nodes, empty mappings, an anchor",
        lambda: anchored("items:\n" + "- {}\n" * (FULL - 10 - ANCHORED_HEAD)),
        True,
        ALL_COMMANDS,
    ),
    Case(
        "full parser: 4 MiB of text and an anchor",
        lambda: anchored(("# " + "x" * 97 + "\n") * (LIMITS.full_parser_chars // 100 - 1)),
        True,
    ),
    Case(
        f"aliases expanding to {expanded(199, NODES // 200 - 2):,} nodes, empty mappings",
        lambda: expansion(199, NODES // 200 - 2),
        True,
        ALL_COMMANDS,
    ),
    Case("a value of 1 MiB", lambda: "key: |\n" + ("  " + "x" * 1022 + "\n") * 1023, True),
    Case("a line of 1 MiB", lambda: "key: " + "x" * (MIB - 5) + "\n", True),
    Case(
        "16 MiB of text", lambda: "v: 1\n" + ("# " + "x" * 97 + "\n") * (16 * MIB // 100 - 1), True
    ),
    # beyond them
    Case("a million - {k: N} lines", lambda: numbers(1_000_000, "- {{k: {}}}\n"), False),
    Case(
        "a million - {k: N} lines and one alias",
        lambda: anchored("items:\n" + "".join(f"- {{k: {i}}}\n" for i in range(1_000_000))),
        False,
    ),
    Case("a 12 MB flow sequence on one line", lambda: flow_sequence(1_700_000, 1_700_000), False),
    Case("a 12 MB flow sequence over lines", lambda: flow_sequence(1_700_000, 20), False),
    Case(
        f"{NODES + 10:,} nodes of distinct integers",
        lambda: numbers(NODES + 10 - HEAD, "- {}\n"),
        False,
    ),
    Case(
        f"{FULL + 10:,} nodes and an anchor",
        lambda: anchored("items:\n" + "- {}\n" * (FULL + 10 - ANCHORED_HEAD)),
        False,
    ),
    Case("nesting 100,000 deep", lambda: "a: " + "[" * 100_000 + "]" * 100_000 + "\n", False),
    Case("a value of 2 MiB", lambda: "key: |\n" + ("  " + "x" * 1022 + "\n") * 2048, False),
    Case("a line of 16 MiB", lambda: "key: " + "x" * (16 * MIB - 10) + "\n", False),
    Case("20,000 aliases", lambda: expansion(1, 20_000), False),
    Case(
        f"aliases expanding to {expanded(200, NODES // 200):,} nodes",
        lambda: expansion(200, NODES // 200),
        False,
    ),
    Case(
        "the alias bomb of the corpus",
        None,
        False,
        path=str(REPO / "tests" / "data" / "hostile" / "ls_yaml_alias_bomb.yaml"),
    ),
    Case("20 MiB of text", lambda: ("# " + "x" * 97 + "\n") * (20 * MIB // 100), False),
    Case("/dev/zero", None, False, path="/dev/zero"),
    Case(
        f"a duplicate key at the end of {NODES - 10:,} nodes",
        lambda: "a: 1\nitems:\n" + "".join(f"- {i}\n" for i in range(NODES - 17)) + "a: 2\n",
        False,
        within_read=True,
    ),
)


def measure() -> list[Measurement]:
    """One row per case and command: seconds, peak memory, and the bound beside them."""
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        for index, case in enumerate(CASES):
            path = case.path
            if path is None:
                assert case.text is not None
                written = Path(tmp) / f"case-{index}.yaml"
                written.write_text(case.text(), encoding="utf-8")
                path = str(written)
            for command in case.commands:
                argv = [*command, "-c", str(SERVICE), "-i", path]
                result, _, wall = run_child("bench.children.read_cost", [_json(argv)], timeout=300)
                rows.append(_row(case, command, result, wall, Path(path)))
            if case.path is None:
                Path(path).unlink()
    return rows


def _row(
    case: Case, command: tuple[str, ...], result: dict[str, object], wall: float, path: Path
) -> Measurement:
    seconds = float(str(result["seconds"]))
    peak = float(str(result["peak_mb"]))
    code = int(str(result["code"]))
    error = str(result["error"])
    refused = code == 2 and bool(error)
    if case.accepted:
        bound_s, goal = ACCEPTED_S, f"read < {ACCEPTED_S:g} s, < {PEAK_MB:g} MB"
    elif case.within_read:
        bound_s, goal = ACCEPTED_S, f"refused < {ACCEPTED_S:g} s, < {PEAK_MB:g} MB"
    else:
        bound_s, goal = REFUSED_S, f"refused < {REFUSED_S:g} s, < {PEAK_MB:g} MB"
    outcome_ok = (not refused) if case.accepted else refused
    row = Measurement(
        name=f"{case.name}: {' '.join(command)}",
        ours_s=seconds,
        floor_s=None,
        floor_label=f"peak {peak:.0f} MB",
        goal=goal,
        ok=outcome_ok and seconds < bound_s and peak < PEAK_MB,
        samples={"ours": [seconds], "peak_mb": [peak], "wall": [wall]},
    )
    size = path.stat().st_size if path.is_file() else 0
    said = error.replace(str(path), "FILE") if error else f"exit {code}"
    row.notes.append(
        f"{size / MIB:.1f} MiB; {said}; {float(str(result['imported_mb'])):.0f} MB before "
        f"the command, {wall:.2f} s for the whole process"
    )
    if not outcome_ok:
        row.notes.append("expected " + ("to be read" if case.accepted else "a refusal"))
    return row


def _json(argv: list[str]) -> str:
    import json

    return json.dumps(argv)
