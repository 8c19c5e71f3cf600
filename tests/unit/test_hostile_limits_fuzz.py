"""Generated shapes under generated limits: accepted, or refused naming a limit they exceed.

Each example is a run.yaml made of random sections (block and flow lists, flow mappings,
one-line flow lists, nesting in both styles, long values, anchors with their aliases)
read under limits drawn small enough that the sections cross them about half the time.
An oracle measures the text on its own, with PyYAML's pure-Python parser and composer
(not the libyaml events the console counts): bytes, the longest line, nodes, depth, the
longest value, aliases, the nodes once aliases are expanded, and whether the full parser
is needed. The property, through the loader (either file role) and through ``review``,
``diff`` and ``providers --static``: the file is refused exactly when the oracle finds a
limit exceeded, and the refusal names the file and the variable of a limit it exceeds.

Two more properties hold the counting itself: `node_bound` is never below libyaml's count
(so the cheap pre-check never lets a file past the scan), and `scan` counts what the oracle
counts.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from console.cli import main
from console.config.errors import ConfigFileError
from console.config.limits import ENVIRONMENT, UNLIMITED, Limits, node_bound, scan
from console.config.loader import load
from console.shared.exitcodes import ExitCode
from tests.conftest import TENANT
from tests.support.fuzz import examples

LIGHTSPEED = "name: fuzz\n"
"""The lightspeed-stack.yaml beside each file: small, so that no limit drawn stops it."""
ENVIRON = {"TENANT_ID": TENANT, "CLIENT_ID": TENANT, "CLIENT_SECRET": "fuzz-client-secret"}
PROPERTY = settings(
    max_examples=examples(80),  # each runs two loads and three commands
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
COMMANDS = (["review"], ["diff"], ["providers", "--static"])


@dataclass(frozen=True)
class Measures:
    """A text measured by the oracle."""

    bytes: int
    chars: int
    line: int
    nodes: int
    depth: int
    scalar: int
    aliases: int
    expanded: int
    full: bool

    def exceeded(self, limits: Limits) -> set[str]:
        """The variables of the limits this text exceeds (empty: it must be read)."""
        over = {
            "max_bytes": self.bytes > limits.max_bytes,
            "max_line": self.line > limits.max_line,
            "max_nodes": self.nodes > limits.max_nodes or self.expanded > limits.max_nodes,
            "max_depth": self.depth > limits.max_depth,
            "max_scalar": self.scalar > limits.max_scalar,
            "max_aliases": self.aliases > limits.max_aliases,
        }
        if self.full:  # read by ruamel: a fifth of the nodes, a quarter of the bytes
            over["max_nodes"] |= self.nodes > limits.max_nodes // 5
            over["max_bytes"] |= self.chars > limits.max_bytes // 4
        return {ENVIRONMENT[field] for field, beyond in over.items() if beyond}


def measure(text: str) -> Measures:
    """The oracle: PyYAML's pure-Python parser for the events, its composer for the graph."""
    nodes = depth = deepest = scalar = aliases = 0
    full = False
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            nodes += 1
            if isinstance(event, yaml.ScalarEvent):
                scalar = max(scalar, len(event.value))
            else:
                aliases += 1
        elif isinstance(event, yaml.CollectionStartEvent):
            nodes += 1
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            full = True
    return Measures(
        bytes=len(text.encode("utf-8")),
        chars=len(text),
        line=max(len(line) for line in text.split("\n")),
        nodes=nodes,
        depth=deepest,
        scalar=scalar,
        aliases=aliases,
        expanded=expanded(yaml.compose(text, Loader=yaml.SafeLoader)),
        full=full,
    )


def expanded(root: yaml.Node) -> int:
    """Nodes of the composed graph, an aliased node counted at each place it appears."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) not in sizes:
            children: list[Any] = []
            if isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            sizes[id(node)] = 1 + sum(size(child) for child in children)
        return sizes[id(node)]

    return size(root)


# --- the shapes ------------------------------------------------------------------------------


def block_items(count: int) -> str:
    return "\n" + "".join(f"  - {i}\n" for i in range(count))


def flow_mappings(count: int) -> str:
    return "\n" + "".join(f"  - {{k: {i}}}\n" for i in range(count))


def one_line_list(count: int) -> str:
    return " [" + ", ".join(f"v{i}" for i in range(count)) + "]\n"


def nesting(depth: int, flow: bool) -> str:
    if flow:
        return " " + "[" * depth + "]" * depth + "\n"
    return "\n" + "".join("  " * (level + 1) + "k:\n" for level in range(depth))


def long_value(length: int, literal: bool) -> str:
    if not literal:
        return " " + "x" * length + "\n"
    rows = [("y" * 40) for _ in range(length // 40)] + ["y" * (length % 40)]
    return " |\n" + "".join(f"  {row}\n" for row in rows if row)


def anchored(size: int, uses: int) -> tuple[str, int]:
    """An anchored list of ``size`` items and ``uses`` aliases to it (the name is set later)."""
    return " &NAME [" + ", ".join(f"a{i}" for i in range(size)) + "]\n", uses


SECTIONS = st.one_of(
    st.builds(block_items, st.integers(0, 400)),
    st.builds(flow_mappings, st.integers(0, 150)),
    st.builds(one_line_list, st.integers(0, 600)),
    st.builds(nesting, st.integers(1, 30), st.booleans()),
    st.builds(long_value, st.integers(1, 1_500), st.booleans()),
    st.builds(anchored, st.integers(1, 40), st.integers(0, 80)),
)


@st.composite
def run_yaml(draw: st.DrawFn) -> str:
    parts = ["version: 2\n"]
    for index, section in enumerate(draw(st.lists(SECTIONS, min_size=1, max_size=4))):
        if isinstance(section, tuple):
            value, uses = section
            name = f"anchor{index}"
            parts.append(f"s{index}:" + value.replace("NAME", name))
            if uses:
                parts.append(f"u{index}: [" + ", ".join([f"*{name}"] * uses) + "]\n")
        else:
            parts.append(f"s{index}:" + section)
    return "".join(parts)


BESIDE = measure(LIGHTSPEED)
FLOORS = {
    "max_bytes": BESIDE.bytes,
    "max_nodes": BESIDE.nodes,
    "max_depth": BESIDE.depth,
    "max_scalar": BESIDE.scalar,
    "max_line": BESIDE.line,
    "max_aliases": 1,
}
"""No limit is drawn below what the lightspeed-stack.yaml read beside the file needs."""
CEILINGS = {
    "max_bytes": 40_000,
    "max_nodes": 2_500,
    "max_depth": 30,
    "max_scalar": 1_500,
    "max_line": 3_000,
    "max_aliases": 80,
}


def edges(text: str) -> dict[str, list[int]]:
    """Where each limit decides about ``text``: its measures, and the full parser's."""
    found = measure(text)
    near = {
        "max_bytes": [found.bytes],
        "max_nodes": [found.nodes, found.expanded],
        "max_depth": [found.depth],
        "max_scalar": [found.scalar],
        "max_line": [found.line],
        "max_aliases": [found.aliases],
    }
    if found.full:
        near["max_nodes"].append(5 * found.nodes)
        near["max_bytes"].append(4 * found.chars)
    return near


@st.composite
def files_and_limits(draw: st.DrawFn) -> tuple[str, Limits]:
    """A file and limits: one limit (or none) right at one of its edges for this file (at
    it, or one below), where an off-by-one would show; the others mostly well clear
    of the file, so that the one decides, else anywhere in their range. (The choices are a
    seeded `random.Random`'s: Hypothesis' own leans to the first of a list.)"""
    text = draw(run_yaml())
    pick = draw(st.randoms(use_true_random=False))
    near = edges(text)
    places = [(field, place) for field, values in near.items() for place in values]
    focus = pick.choice([*places, None])
    values: dict[str, int] = {}
    for field, around in near.items():
        if focus is not None and focus[0] == field:
            value = focus[1] - pick.choice((0, 1))  # refused below the edge, read at it
        elif pick.random() < 0.7:
            value = max(around) + 1
        else:
            value = pick.randint(FLOORS[field], CEILINGS[field])
        values[field] = max(FLOORS[field], value)
    return text, Limits(**values)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("limits-fuzz")
    (folder / "lightspeed-stack.yaml").write_text(LIGHTSPEED)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for name, value in ENVIRON.items():
            patch.setenv(name, value)
        yield folder


@contextlib.contextmanager
def limits_in_environment(limits: Limits) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for field, variable in ENVIRONMENT.items():
            patch.setenv(variable, str(getattr(limits, field)))
        yield


def named_limits(text: str) -> set[str]:
    return {variable for variable in ENVIRONMENT.values() if variable in text}


def load_error(lightspeed: Path, run: Path | None) -> ConfigFileError | None:
    try:
        load(lightspeed, run, ENVIRON)
    except ConfigFileError as error:
        return error
    return None


@PROPERTY
@given(example=files_and_limits())
def test_accepted_or_refused_naming_a_limit_it_exceeds(
    workdir: Path, example: tuple[str, Limits]
) -> None:
    text, limits = example
    path, beside = workdir / "run.yaml", workdir / "lightspeed-stack.yaml"
    path.write_text(text, encoding="utf-8")
    exceeded = measure(text).exceeded(limits)
    with limits_in_environment(limits):
        for lightspeed, run in ((beside, path), (path, None)):
            error = load_error(lightspeed, run)
            if error is None:
                assert not exceeded, f"read although beyond {exceeded}"
                continue
            assert exceeded, f"refused within every limit: {error}"
            assert error.file == path
            assert named_limits(error.remedy) <= exceeded, (error, exceeded)
            assert named_limits(error.remedy), error
        for command in COMMANDS:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main([*command, "-c", str(beside), "-i", str(path)])
            said = out.getvalue() + err.getvalue()
            assert "Traceback" not in said
            if exceeded:
                assert code == ExitCode.ERROR, said
                assert f"error: {path}" in err.getvalue()
                assert named_limits(err.getvalue()) <= exceeded, (said, exceeded)
                assert named_limits(err.getvalue()), said
            else:
                assert code in (ExitCode.OK, ExitCode.FOUND), said
                assert not named_limits(said), said


def test_the_examples_reach_every_limit_and_acceptance() -> None:
    """The strategies do produce files read, and files beyond each of the limits."""
    drawn = files_and_limits()
    # A fixed seed: the same search each run (a random one took 1 to 15 s to find the rarest).
    search = settings(
        max_examples=2_000, deadline=None, database=None, phases=[Phase.generate], derandomize=True
    )
    find(drawn, lambda example: not measure(example[0]).exceeded(example[1]), settings=search)
    for variable in ENVIRONMENT.values():
        find(
            drawn,
            lambda example, variable=variable: variable in measure(example[0]).exceeded(example[1]),
            settings=search,
        )


# --- the counting itself ---------------------------------------------------------------------

TOKENS = [
    *("\n", "  ", "- ", "-", ": ", ":", "? ", "?", "[", "]", "{", "}", ", ", ",", "'", '"'),
    *("#", "|", ">", "&a ", "*a", "!t ", "---\n", "...\n", ".", "a", "b", "1", "x: y"),
    *('"k":', "[a]:", "{a}:", "-\n", "--- a\n", "%YAML 1.2\n"),
]
yamlish = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@settings(max_examples=examples(1_000), deadline=None)
@given(text=yamlish | run_yaml())
def test_the_cheap_bound_is_never_below_libyaml_count(text: str) -> None:
    assert node_bound(text) >= scan(text, UNLIMITED).nodes, text


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=run_yaml())
def test_the_scan_counts_what_the_oracle_counts(text: str) -> None:
    counted, oracle = scan(text, UNLIMITED), measure(text)
    assert counted.complete
    assert (counted.nodes, counted.expanded, counted.aliases) == (
        oracle.nodes,
        oracle.expanded,
        oracle.aliases,
    )
    assert (counted.full_parser_reason is not None) == oracle.full
