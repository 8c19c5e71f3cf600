"""The pathological shapes: files whose cost is not their size, each refused by a limit.

Generated here (multi-MB files are not committed): a million small flow items (with and
without an alias), a huge flow sequence on one line and over many lines, deep nesting in
flow and block style, a long value, a long line, many aliases, aliases that expand, a file
too large for the full parser, more bytes than the limit. Each goes through the loader and
the CLI (``review``, ``diff``, ``providers --static``): refused with a message that names
the file, the limit and the variable that raises it. The limits are then held exactly (at
the limit: read; one past: refused) in both parsers, each parser proven to count by
itself, and the variables proven to raise them. No test here measures a time: the
"accepted within 5 s / 500 MB, refused within 1 s" numbers live in ``bench/limits.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from console.cli import main
from console.config.errors import ConfigFileError
from console.config.fastyaml import fast_round_trip
from console.config.limits import (
    ENVIRONMENT,
    MIB,
    LimitExceeded,
    Limits,
    Scan,
    limits_from_environ,
)
from console.config.loader import load
from console.config.yamlio import parse_yaml_text, read_yaml_file, round_trip_yaml
from tests.conftest import EXAMPLES

SERVICE = EXAMPLES / "lightspeed-stack-service.yaml"
NODES, DEPTH, SCALAR = (ENVIRONMENT[k] for k in ("max_nodes", "max_depth", "max_scalar"))
LINE, ALIASES, BYTES = (ENVIRONMENT[k] for k in ("max_line", "max_aliases", "max_bytes"))


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch: pytest.MonkeyPatch, entra_env: dict[str, str]) -> None:
    """The defaults, whatever the tester's environment says."""
    for variable in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)


def flow_items(count: int, *, alias: bool = False) -> str:
    head = "version: 2\n" + ("base: &base {k: 0}\n" if alias else "") + "items:\n"
    return (
        head + "".join(f"- {{k: {i}}}\n" for i in range(count)) + ("last: *base\n" if alias else "")
    )


def flow_sequence(count: int, per_line: int) -> str:
    numbers = [str(i) for i in range(count)]
    rows = [", ".join(numbers[at : at + per_line]) for at in range(0, count, per_line)]
    return "version: 2\nitems: [" + ",\n  ".join(rows) + "]\n"


def expanding_aliases(anchor_items: int, aliases: int) -> str:
    anchor = "[" + ", ".join(f"v{i}" for i in range(anchor_items)) + "]"
    return f"version: 2\nbase: &a {anchor}\nitems:\n" + "- *a\n" * aliases


def with_anchor(count: int) -> str:
    return "version: 2\nbase: &a 1\nagain: *a\nitems:\n" + "".join(f"- {i}\n" for i in range(count))


def duplicate_at_end(count: int) -> str:
    return "a: 1\nitems:\n" + "".join(f"- {i}\n" for i in range(count)) + "a: 2\n"


PATHOLOGICAL: dict[str, tuple[Callable[[], str], str, str]] = {
    "a million small flow items": (
        lambda: flow_items(1_000_000),
        "the YAML has more than 150,000 nodes",
        NODES,
    ),
    "a million small flow items and one alias": (
        lambda: flow_items(1_000_000, alias=True),
        "the YAML has more than 150,000 nodes",
        NODES,
    ),
    "a huge flow sequence on one line": (
        lambda: flow_sequence(1_500_000, 1_500_000),
        "line 2 is longer than 1 MiB",
        LINE,
    ),
    "a huge flow sequence over many lines": (
        lambda: flow_sequence(1_500_000, 20),
        "the YAML has more than 150,000 nodes",
        NODES,
    ),
    "deep flow nesting": (
        lambda: "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "the YAML nests too deeply to read (more than 64 levels)",
        DEPTH,
    ),
    "deep block nesting": (
        lambda: "".join(" " * level + "k:\n" for level in range(300)),
        "the YAML nests too deeply to read (more than 64 levels)",
        DEPTH,
    ),
    "a long value over many lines": (
        lambda: "key: |\n" + ("  " + "x" * 99 + "\n") * 20_000,
        "a value is longer than 1 MiB",
        SCALAR,
    ),
    "a long line": (lambda: "key: " + "x" * (2 * MIB) + "\n", "line 1 is longer than 1 MiB", LINE),
    "many aliases": (
        lambda: "version: 2\nbase: &a {k: v}\nitems:\n" + "- *a\n" * 20_000,
        "the YAML has more than 10,000 aliases",
        ALIASES,
    ),
    "aliases that expand": (
        lambda: expanding_aliases(1_000, 300),
        "YAML aliases expand to more than 150,000 nodes",
        NODES,
    ),
    "too large for the full parser": (
        lambda: with_anchor(60_000),
        "the file needs the full YAML parser (an anchor at line 2), which reads at most "
        "30,000 nodes",
        NODES,
    ),
    "more bytes than the limit": (
        lambda: "version: 2\n" + ("# " + "x" * 98 + "\n") * (17 * MIB // 100),
        "the file is larger than 16 MiB",
        BYTES,
    ),
}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each pathological file, written once for the module."""
    folder = tmp_path_factory.mktemp("pathological")
    paths: dict[str, Path] = {}
    for index, (name, (text, _, _)) in enumerate(PATHOLOGICAL.items()):
        paths[name] = folder / f"shape-{index}.yaml"
        paths[name].write_text(text(), encoding="utf-8")
    return paths


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return int(code), out, err


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_the_loader_refuses_the_shape_naming_the_limit(name: str, made: dict[str, Path]) -> None:
    _, fragment, variable = PATHOLOGICAL[name]
    with pytest.raises(ConfigFileError) as raised:
        load(SERVICE, made[name])
    error = raised.value
    assert error.file == made[name]
    assert fragment in error.message
    assert variable in error.remedy


@pytest.mark.parametrize("command", [["review"], ["diff"], ["providers", "--static"]])
@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_the_commands_refuse_the_shape(
    name: str, command: list[str], made: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, fragment, variable = PATHOLOGICAL[name]
    code, out, err = cli(capsys, *command, "-c", str(SERVICE), "-i", str(made[name]))
    assert code == 2, out + err
    assert f"error: {made[name]}" in err
    assert fragment in err
    assert "remedy: " in err
    assert variable in err
    assert "Traceback" not in out + err


def test_the_same_shape_as_lightspeed_stack_yaml(
    made: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = made["a million small flow items"]
    code, _, err = cli(capsys, "review", "-c", str(path))
    assert code == 2
    assert f"error: {path}:" in err
    assert NODES in err


def test_a_duplicate_key_in_a_file_too_large_for_the_full_parser_is_still_named(
    tmp_path: Path,
) -> None:
    """The fast path declines it only at the end; what it found is said, with its line."""
    path = tmp_path / "run.yaml"
    path.write_text(duplicate_at_end(60_000))
    with pytest.raises(ConfigFileError) as raised:
        read_yaml_file(path)
    assert raised.value.message == "a key appears twice in the same mapping"
    assert raised.value.line == 60_003


def test_a_large_plain_file_within_the_limits_is_read(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(flow_items(30_000))  # 90,000 nodes: the order of a 1,000-provider file
    document = read_yaml_file(path).document
    assert len(document["items"]) == 30_000
    assert document["items"][-1] == {"k": 29_999}


# --- each limit held exactly, in both parsers ------------------------------------------------


def lowered(monkeypatch: pytest.MonkeyPatch, **values: int) -> Limits:
    for field, value in values.items():
        monkeypatch.setenv(ENVIRONMENT[field], str(value))
    return limits_from_environ()


def items(count: int, *, anchor: bool) -> str:
    """A mapping of 3 + ``count`` nodes (4 more with the anchor and its alias)."""
    head = "a: &x 1\nb: *x\n" if anchor else ""
    return head + "items:\n" + "".join(f"- {i}\n" for i in range(count))


def refused(text: str, *, comments: bool = False) -> ConfigFileError | None:
    try:
        parse_yaml_text(text, Path("run.yaml"), comments=comments)
    except ConfigFileError as error:
        return error
    return None


@pytest.mark.parametrize("comments", [False, True], ids=["read", "kept comments"])
def test_nodes_fast_path(monkeypatch: pytest.MonkeyPatch, comments: bool) -> None:
    lowered(monkeypatch, max_nodes=100 if not comments else 500)
    if comments:  # the full parser: a fifth of 500
        assert refused(items(97, anchor=False), comments=True) is None
        error = refused(items(98, anchor=False), comments=True)
        assert error is not None
        assert "the comments kept for a rewrite" in error.message
        assert "at most 100 nodes" in error.message
        return
    assert refused(items(97, anchor=False)) is None  # 100 nodes
    error = refused(items(98, anchor=False))
    assert error is not None
    assert error.message.startswith("the YAML has more than 100 nodes")
    assert error.line == 99  # where the 101st node is: the 98th item
    assert NODES in error.remedy


def test_nodes_full_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    lowered(monkeypatch, max_nodes=500)
    assert refused(items(93, anchor=True)) is None  # 100 nodes: the full parser's fifth
    error = refused(items(94, anchor=True))
    assert error is not None
    assert "needs the full YAML parser (an anchor at line 1)" in error.message
    assert "at most 100 nodes (a fifth of 500)" in error.message
    assert NODES in error.remedy


@pytest.mark.parametrize("anchor", [False, True], ids=["fast path", "full parser"])
def test_depth(monkeypatch: pytest.MonkeyPatch, anchor: bool) -> None:
    lowered(monkeypatch, max_depth=6)
    head = "a: &x 1\nb: *x\n" if anchor else ""
    assert refused(head + "c: " + "[" * 5 + "]" * 5 + "\n") is None  # the root and 5 lists
    error = refused(head + "c: " + "[" * 6 + "]" * 6 + "\n")
    assert error is not None
    assert error.message == "the YAML nests too deeply to read (more than 6 levels)"
    assert DEPTH in error.remedy


@pytest.mark.parametrize("anchor", [False, True], ids=["fast path", "full parser"])
def test_scalar_length(monkeypatch: pytest.MonkeyPatch, anchor: bool) -> None:
    lowered(monkeypatch, max_scalar=50)
    head = "a: &x 1\nb: *x\n" if anchor else ""
    assert refused(head + "c: |\n" + "  12345\n" * 8) is None  # 48 characters
    error = refused(head + "c: |\n" + "  12345\n" * 9)  # 54
    assert error is not None
    assert error.message == "a value is longer than 50 characters"
    assert error.line == (3 if anchor else 1)  # where the value starts: its '|'
    assert SCALAR in error.remedy


def test_line_length(monkeypatch: pytest.MonkeyPatch) -> None:
    lowered(monkeypatch, max_line=40)
    assert refused("a: 1\nb: " + "x" * 37 + "\n") is None  # 40 characters
    error = refused("a: 1\nb: " + "x" * 38 + "\n")
    assert error is not None
    assert error.message == "line 2 is longer than 40 characters"
    assert error.line == 2
    assert LINE in error.remedy


def test_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    lowered(monkeypatch, max_aliases=3)
    assert refused("a: &x 1\nb: [*x, *x, *x]\n") is None
    error = refused("a: &x 1\nb: [*x, *x, *x, *x]\n")
    assert error is not None
    assert error.message == "the YAML has more than 3 aliases ('*name')"
    assert ALIASES in error.remedy


def test_alias_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    lowered(monkeypatch, max_nodes=1_000)

    def text(pad: int) -> str:
        # root, 'version: 2', 'base', the anchored list of 9 (10 nodes), 'items', its list
        # of 98 aliases (980 nodes expanded), 'pad', its list: 998 nodes and the pad's items
        return expanding_aliases(9, 98) + "pad: [" + ", ".join(["p"] * pad) + "]\n"

    assert refused(text(2)) is None  # 1,000
    error = refused(text(3))  # 1,001
    assert error is not None
    assert error.message == "YAML aliases expand to more than 1,000 nodes"
    assert NODES in error.remedy


def test_bytes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lowered(monkeypatch, max_bytes=1_000)
    path = tmp_path / "run.yaml"
    path.write_text("a: " + "x" * 996 + "\n")  # 1,000 bytes
    assert read_yaml_file(path).document["a"] == "x" * 996
    path.write_text("a: " + "x" * 997 + "\n")
    with pytest.raises(ConfigFileError) as raised:
        read_yaml_file(path)
    assert raised.value.message == "the file is larger than 1,000 bytes"
    assert BYTES in raised.value.remedy


def test_full_parser_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    lowered(monkeypatch, max_bytes=4_000)
    comment = "# " + "x" * 97 + "\n"  # 100 characters a line
    assert refused("a: &x 1\nb: *x\n" + comment * 9) is None
    error = refused("a: &x 1\nb: *x\n" + comment * 10)  # 1,014 > a quarter of 4,000
    assert error is not None
    assert "reads at most 1,000 characters of text (a quarter of 4,000 bytes)" in error.message
    assert BYTES in error.remedy


# --- each parser counts by itself --------------------------------------------------------


def test_the_fast_path_counts_while_it_builds() -> None:
    """Without any check before it, the build stops at the limit."""
    text = items(500, anchor=False)
    assert fast_round_trip(text, round_trip_yaml()) is not None  # no limits given: none
    with pytest.raises(LimitExceeded) as raised:
        fast_round_trip(text, round_trip_yaml(), Limits(max_nodes=100))
    assert raised.value.line == 99
    with pytest.raises(LimitExceeded, match="nests too deeply"):
        fast_round_trip("a: [[[1]]]\n", round_trip_yaml(), Limits(max_depth=3))
    with pytest.raises(LimitExceeded, match="longer than 4 characters"):
        fast_round_trip("a: 12345\n", round_trip_yaml(), Limits(max_scalar=4))


def test_the_fast_path_refuses_when_the_pre_check_lets_a_file_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lowered(monkeypatch, max_nodes=100)
    monkeypatch.setattr("console.config.yamlio.node_bound", lambda text: 0)
    error = refused(items(98, anchor=False))
    assert error is not None
    assert "more than 100 nodes" in error.message


def test_ruamel_counts_while_it_composes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were libyaml's count to stop short (it stops at its own errors), ruamel's composer
    still holds the full parser to its caps."""
    lowered(monkeypatch, max_nodes=500, max_depth=6)
    monkeypatch.setattr("console.config.yamlio.scan", lambda *args, **kwargs: Scan())
    error = refused(items(94, anchor=True))
    assert error is not None
    assert "needs the full YAML parser (an anchor at line 1)" in error.message
    assert "at most 100 nodes" in error.message
    error = refused("a: &x 1\nb: *x\nc: " + "[" * 6 + "]" * 6 + "\n")
    assert error is not None
    assert error.message == "the YAML nests too deeply to read (more than 6 levels)"


# --- the variables -------------------------------------------------------------------------


def test_a_variable_raises_its_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("a: " + "[" * 80 + "]" * 80 + "\n")
    with pytest.raises(ConfigFileError):
        read_yaml_file(path)
    monkeypatch.setenv(DEPTH, "100")
    assert read_yaml_file(path).document["a"] is not None


@pytest.mark.parametrize("variable", [NODES, "LIGHTSPEED_CONSOLE_MAX_BYTES"])
@pytest.mark.parametrize(
    "value", ["many", "-5", "0", "1.5", "9223372036854775807", "9" * 30, "1e9"]
)
def test_a_variable_that_is_not_a_number_is_named(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(variable, value)
    code, out, err = cli(capsys, "review", "-c", str(SERVICE))
    assert code == 2
    shown = value if len(value) <= 40 else value[:40] + "..."
    assert f"the environment sets {variable}={shown!r}, not a whole number from 1 to " in err
    assert f"remedy: Set {variable} to a whole number" in err
    assert "Traceback" not in out + err


def test_the_defaults() -> None:
    assert limits_from_environ({}) == Limits(
        max_bytes=16 * MIB,
        max_nodes=150_000,
        max_depth=64,
        max_scalar=MIB,
        max_line=MIB,
        max_aliases=10_000,
    )
    assert (Limits().full_parser_nodes, Limits().full_parser_chars) == (30_000, 4 * MIB)


def test_nesting_libyaml_refuses_is_the_depth_limit_before_ruamel_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """libyaml stops at 1,000 flow levels before emitting an event; that is the depth limit,
    said at once rather than after ruamel has scanned ahead."""

    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("ruamel was asked")

    monkeypatch.setattr("console.config.yamlio._BoundedReader", never)
    for depth in (2_000, 100_000):  # small enough for no pre-check, and large
        error = refused("a: " + "[" * depth + "]" * depth + "\n")
        assert error is not None
        assert error.message == "the YAML nests too deeply to read (more than 64 levels)"
