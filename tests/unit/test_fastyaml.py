"""The libyaml fast path builds exactly what ruamel's round-trip loader builds, or declines.

"Exactly" means: the same keys in the same order, the same scalar types (``ScalarFloat``,
``HexInt``, quoted strings...), the same line/column of every key, value and item, and the
same flow styles. One difference is allowed and stated: where an empty value (``key:``)
is placed. ruamel puts it at the next token, libyaml after the ``:``; nothing reads it.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from console.config.errors import ConfigFileError
from console.config.fastyaml import MAX_DEPTH, fast_round_trip
from console.config.yamlio import parse_yaml_text, round_trip_yaml, to_plain
from tests.conftest import ROOT


def shape(node: Any) -> Any:
    """Everything a reader of the document can see, as comparable data."""
    if isinstance(node, CommentedMap):
        items = []
        for key, value in node.items():
            position = tuple(node.lc.data[key])
            if value is None:  # the one allowed difference: where an empty value is placed
                position = position[:2]
            items.append((shape(key), position, shape(value)))
        return ("map", node.lc.line, node.lc.col, node.fa.flow_style(), items)
    if isinstance(node, CommentedSeq):
        entries = [(tuple(node.lc.data[i]), shape(item)) for i, item in enumerate(node)]
        return ("seq", node.lc.line, node.lc.col, node.fa.flow_style(), entries)
    return (type(node).__name__, repr(node))


def by_ruamel(text: str) -> Any:
    documents = list(round_trip_yaml().load_all(io.StringIO(text)))
    assert len(documents) == 1
    return documents[0]


def fast(text: str) -> CommentedMap | None:
    return fast_round_trip(text, round_trip_yaml())


PLAIN_DOCUMENTS = {
    "scalars of every 1.2 kind": (
        "nums: [0x1F, 0o17, 017, 1_000, +1, -0.5, .5, 1e3, .NaN, -.inf, 12:30]\n"
        "bools: [yes, no, on, True, FALSE, y]\n"
        "nulls: [~, null, Null, '']\n"
        "dates: [2024-01-01, 2024-01-01T10:00:00Z, 2001-12-14 21:59:43.10 -5]\n"
        "text: [-x, .hidden, 'quoted', \"double\", t, n, 1.2.3, 0b101]\n"
    ),
    "quotes, block scalars and multi-line plain": (
        "q: 'it''s'\nd: \"tab\\there\"\nlit: |\n  one\n  two\nfold: >-\n  fo\n  ld\n"
        "keep: |+\n  kept\n\nplain: multi\n  line\n  text\n"
    ),
    "indentless and nested sequences, empties": (
        "a:\n- 1\n-   - x\n    - y\n- {}\n- []\n- \n- k: v\n  l:\n  - m\nempty:\nlast:\n"
    ),
    "flow collections": "x: [a, {b: c, d: [e, f]}, []]\ny: {z: 1, w: [2, 3]}\n",
    "comments everywhere": (
        "# head\na: 1  # one\n# between\nb:  # on the key\n  - x  # item\n  # inside\n"
        "  - y\nc: {d: 1}  # flow\n# tail\n"
    ),
    "non-ASCII columns": 'é: "ü"\nkey: [日本, {a: 😀x, b: c}]\nz: x\n',
    "CRLF line ends": "a:\r\n- 1\r\n-   - x\r\nb: |\r\n  t\r\nc: d\r\n",
    "document markers": "--- # start\na: 1\nb: [x]\n...\n",
    "quoted and odd keys": "\"quoted key\": 1\n'single': 2\n2: int key\ntrue: bool key\n? explicit\n: v\n",
    "no final newline": "a: 1\nb:\n  c: d",
}


@pytest.mark.parametrize("text", PLAIN_DOCUMENTS.values(), ids=PLAIN_DOCUMENTS.keys())
def test_plain_documents_are_built_as_ruamel_builds_them(text: str) -> None:
    built = fast(text)
    assert built is not None, "a plain document must not need ruamel"
    assert shape(built) == shape(by_ruamel(text))


def repository_yaml() -> list[Path]:
    files = [*ROOT.glob("examples/**/*.y*ml"), *ROOT.glob("tests/data/**/*")]
    return sorted(path for path in files if path.is_file())


def test_every_file_in_the_repository_is_built_as_ruamel_builds_it_or_declined() -> None:
    built = declined = 0
    for path in repository_yaml():
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        document = fast(text) if "\x00" not in text else None
        if document is None:
            declined += 1
            continue
        built += 1
        assert shape(document) == shape(by_ruamel(text)), path
    assert built >= 5, "the plain files must take the fast path"
    assert declined >= 20, "the hostile files must go to ruamel"


DECLINED = {
    "anchor and alias": "a: &x 1\nb: *x\n",
    "merge key": "base: {a: 1}\nderived:\n  <<: {b: 2}\n",
    "explicit tag": "a: !!str 1\n",
    "local tag": "a: !secret x\n",
    "directive": "%YAML 1.1\n---\na: yes\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "duplicate key": "a: 1\na: 2\n",
    "complex key": "? [a, b]\n: v\n",
    "empty key": ": v\n",
    "a list at the top": "- a\n- b\n",
    "a scalar at the top": "just text\n",
    "empty stream": "# nothing\n",
    "invalid YAML": "a: [1, 2\nb: 3\n",
    "a date that does not exist": "a: 2024-13-45\n",
    "the 1.1 value key": "a: =\n",
    "deep nesting": "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",
}


@pytest.mark.parametrize("text", DECLINED.values(), ids=DECLINED.keys())
def test_unusual_documents_are_left_to_ruamel(text: str) -> None:
    assert fast(text) is None


def test_declined_documents_keep_ruamel_messages(tmp_path: Path) -> None:
    from console.config.errors import ConfigFileError

    with pytest.raises(ConfigFileError) as raised:
        parse_yaml_text("a: 1\nb: 2\na: 3\n", tmp_path / "run.yaml")
    assert "a key appears twice" in raised.value.message
    assert raised.value.line == 3


def test_comments_ask_for_ruamel_and_get_them() -> None:
    document = parse_yaml_text("a: 1  # why\n", Path("x.yaml"), comments=True)
    assert "why" in str(document.ca.items)
    assert not parse_yaml_text("a: 1  # why\n", Path("x.yaml")).ca.items


SCALAR_TEXTS = [
    "plain",
    "yes",
    "No",
    "on",
    "~",
    "null",
    "",
    "0",
    "-1",
    "+2",
    "0x1f",
    "0o17",
    "017",
    "1_000",
    "1.5",
    "-.5",
    "1e3",
    ".inf",
    "-.INF",
    ".nan",
    "2024-01-01",
    "12:30",
    "true",
    "FALSE",
    "-",
    "x: y",
    "# not a comment",
    "é😀",
    "${env.X:=d}",
    "a'b",
    'q"q',
    "line\nbreak",
    " lead",
    "trail ",
    "<<",
    "?",
    "@at",
    "`tick",
    "[x]",
]
KEYS = st.sampled_from(["a", "b", "key", "1", "true", "null", "é", "x y", "-k", "0x1"])
LEAVES = st.sampled_from(SCALAR_TEXTS)
TREES = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)


def render(tree: Any, seed: int) -> str:
    """The tree as YAML text, with flow and block styles, quotes and indents mixed by seed.

    Strings are written as YAML source (quoted when a plain form would not read back as
    the same text), so the parsers also meet ``yes``, ``0x1f`` and friends as plain scalars.
    """
    rng = random.Random(seed)
    yaml = round_trip_yaml()
    yaml.default_flow_style = rng.choice([None, False])
    sequence = rng.choice([2, 4, 6])
    yaml.indent(mapping=rng.choice([2, 4]), sequence=sequence, offset=rng.choice([0, sequence - 2]))
    stream = io.StringIO()
    yaml.dump({"root": tree, "tail": rng.choice(SCALAR_TEXTS)}, stream)
    text = stream.getvalue()
    if rng.random() < 0.3:
        text = text.replace("\n", "  # c\n", 1)
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREES, seed=st.integers(0, 2**16))
def test_generated_documents_match_ruamel(tree: Any, seed: int) -> None:
    text = render(tree, seed)
    expected = by_ruamel(text)
    built = fast(text)
    assert built is not None, text  # the dumper writes no anchors, tags or complex keys
    assert shape(built) == shape(expected), text


MUTATIONS = [
    *(":", "-", " ", "  ", "\n", "\r", "\r\n", "[", "]", "{", "}", ",", "'", '"', "#", "?"),
    *("|", ">", "\t", "&a", "*a", "!", "%", "@", "`", "~", "0x", "---\n", "...\n", "\\"),
    *("é", "\u2028", "\x85", "\ufeff"),
]
EXAMPLE_TEXTS = [path.read_text() for path in sorted(ROOT.glob("examples/**/*.y*ml"))]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=TREES | st.sampled_from(EXAMPLE_TEXTS).map(lambda text: ("example", text)),
    seed=st.integers(0, 2**16),
    edits=st.integers(1, 4),
)
def test_what_libyaml_accepts_in_broken_text_ruamel_reads_the_same(
    tree: Any, seed: int, edits: int
) -> None:
    """Texts (generated, or the examples) with characters inserted or deleted at random.

    Where the fast path builds a document, ruamel must read the same text to the same
    document; otherwise a file ruamel refuses (with its message) would be accepted.
    """
    rng = random.Random(seed)
    is_example = isinstance(tree, tuple) and tree[:1] == ("example",)
    text = tree[1] if is_example else render(tree, seed)
    for _ in range(edits):
        at = rng.randrange(len(text))
        if rng.random() < 0.5:
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + rng.choice(MUTATIONS) + text[at:]
    built = fast(text)
    if built is None:
        return
    try:
        documents = list(round_trip_yaml().load_all(io.StringIO(text)))
    except Exception as error:  # any refusal is the divergence reported
        if not comment_bookkeeping_failed(error):
            pytest.fail(f"libyaml accepts what ruamel refuses ({error!r}):\n{text}")
        # ruamel's comment bookkeeping fails on some valid files; its loader that keeps
        # no comments reads them, and must read the same data.
        assert to_plain(built) == YAML(typ="safe", pure=True).load(text), text
        return
    assert len(documents) == 1
    assert shape(built) == shape(documents[0]), text


def comment_bookkeeping_failed(error: Exception) -> bool:
    """ruamel's round trip losing track of comments: "overlap in comment", or the assert in
    ``tokens.add_pre_comments`` (a '|' line among a block's comment lines)."""
    return "overlap in comment" in str(error) or isinstance(error, AssertionError)


RUAMEL_ASSERTS = "a:\n  # one\n|  # two\n  b: 1\n"
"""Valid YAML (``a`` is a literal block) on which ruamel's round trip asserts."""


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("a: 1\ni!: #\n comment\n\n# more\nj: 2\n", {"a": 1, "i!": "comment", "j": 2}),
        (RUAMEL_ASSERTS, {"a": "b: 1\n"}),
    ],
    ids=["overlap in comment", "assert in add_pre_comments"],
)
def test_a_rewrite_of_a_file_ruamel_loses_a_comment_in_says_so(text: str, data: object) -> None:
    """Read as the services read it; refused for a rewrite, naming the comment, not a '!!' tag."""
    with pytest.raises((AssertionError, NotImplementedError)):
        by_ruamel(text)
    assert to_plain(fast(text)) == data == YAML(typ="safe", pure=True).load(text)
    assert to_plain(parse_yaml_text(text, Path("run.yaml"))) == data
    with pytest.raises(ConfigFileError) as refused:
        parse_yaml_text(text, Path("run.yaml"), comments=True)
    assert "loses track of a comment" in refused.value.message
    assert "'!!'" not in refused.value.message


def test_a_valid_file_ruamel_stumbles_on_is_read_as_the_services_read_it() -> None:
    """ruamel's round trip fails on this valid text ('overlap in comment'); libyaml reads it."""
    text = "a: 1\ni!: #\n comment\n\n# more\nj: 2\n"
    with pytest.raises(Exception, match="overlap in comment"):
        by_ruamel(text)
    built = fast(text)
    assert built is not None
    assert to_plain(built) == {"a": 1, "i!": "comment", "j": 2}
