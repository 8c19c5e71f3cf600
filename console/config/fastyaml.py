"""The round-trip document built from libyaml's events: ruamel's result at C speed.

ruamel's round-trip parser is pure Python, so a run.yaml with thousands of providers and
models takes seconds to open; libyaml (PyYAML's C parser) emits the same document's events
many times faster (docs/LIMITS.md says how much). From them this module builds
what ruamel would build: `CommentedMap`/`CommentedSeq` in file order, scalars typed by
ruamel's own YAML 1.2 resolver and constructor (quotes and block styles kept), and the
line/column data and flow styles that findings and the enrichment's text edits rely on.

It leaves out comments, which only the round-trip dumper needs (that path re-parses with
ruamel). Anything out of the ordinary (anchors, aliases, tags, directives, merge keys,
complex or duplicate keys, several documents, deep nesting, tabs, any libyaml error) is
declined, with the reason, and ruamel decides, with its exact messages. A differential
test holds the two parsers to the same result.

The limits of `console.config.limits` are enforced as the events arrive: the nodes are
counted and the build stops at the limit, as it does at a value or a nesting beyond
theirs, so a file too large to read costs no more than the part read before the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from console.config.limits import (
    UNLIMITED,
    LimitExceeded,
    Limits,
    too_deep,
    too_long_scalar,
    too_many_nodes,
)

MAX_DEPTH = 64
"""Deeper nesting goes to ruamel, which decides whether it is too deep to read (with the
default limits, `Limits.max_depth` refuses it first)."""

_STYLED = {
    '"': DoubleQuotedScalarString,
    "'": SingleQuotedScalarString,
    "|": LiteralScalarString,
    ">": FoldedScalarString,
}
_READ_DIFFERENTLY = re.compile(r"\t|[|>][-+0-9]*#|[\x85\u2028\u2029\ufeff]|\r(?!\n)")
"""Text the two parsers read differently: tabs inside values and '>#' (ruamel refuses
them), and the line breaks of YAML 1.1 (NEL, U+2028/9, a lone CR) or a BOM inside."""
_READ_DIFFERENTLY_NAMES = {
    "\t": "a tab",
    "\x85": "a NEL line break (U+0085)",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
    "\ufeff": "a byte order mark inside the text",
    "\r": "a line that ends in a lone CR",
}
_DECLINED_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


@dataclass(frozen=True)
class Declined:
    """Why the fast path left a text to ruamel (said when the text is too large for it)."""

    reason: str
    line: int | None = None
    duplicate_key: bool = False
    """The reason is a key repeated in a mapping (at ``line``)."""

    def __str__(self) -> str:
        return f"{self.reason} at line {self.line}" if self.line is not None else self.reason


class _Declined(Exception):
    """The text needs ruamel: something the fast path does not build the way ruamel does."""

    def __init__(self, reason: str, mark: Any = None, *, duplicate_key: bool = False) -> None:
        super().__init__(reason)
        line = mark.line + 1 if mark is not None else None
        self.declined = Declined(reason, line, duplicate_key)


def fast_round_trip(text: str, yaml_1_2: YAML, limits: Limits | None = None) -> CommentedMap | None:
    """The document ruamel's round-trip loader would build from ``text``, or None.

    ``yaml_1_2`` is the round-trip `YAML` whose resolver and constructor type the scalars.
    None means "ask ruamel": the text is unusual, invalid, or libyaml is not installed.
    With ``limits``, raises `LimitExceeded` as soon as the text goes beyond one.
    """
    built = try_fast(text, yaml_1_2, limits)
    return None if isinstance(built, Declined) else built


def try_fast(text: str, yaml_1_2: YAML, limits: Limits | None = None) -> CommentedMap | Declined:
    """`fast_round_trip`, saying why when it declines (`Declined`)."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return Declined("libyaml is not installed")
    odd = _READ_DIFFERENTLY.search(text)
    if odd is not None:
        what = _READ_DIFFERENTLY_NAMES.get(odd.group()[0], "a block scalar header with a comment")
        return Declined(what, text.count("\n", 0, odd.start()) + 1)
    parser = loader(text)
    try:
        return _Builder(yaml_1_2, text, limits or UNLIMITED).build(parser.get_event)
    except _Declined as declined:
        return declined.declined
    except yaml.YAMLError:
        return Declined("YAML that libyaml refuses")
    finally:
        parser.dispose()


class _Frame:
    """One open container, and in a mapping the key waiting for its value."""

    __slots__ = ("container", "flow_style", "is_mapping", "key", "key_column", "key_line")

    def __init__(self, container: CommentedMap | CommentedSeq, flow_style: bool | None) -> None:
        self.container: Any = container
        self.is_mapping = isinstance(container, CommentedMap)
        self.flow_style = flow_style
        self.key: tuple[Any] | None = None  # a 1-tuple, so that a null key is a key
        self.key_line = 0
        self.key_column = 0

    def add(self, value: Any, mark: Any) -> None:
        """Put ``value`` (a key or a value) in the container, recording where it starts."""
        container = self.container
        if not self.is_mapping:
            container._yaml_set_idx_line_col(len(container), [mark.line, mark.column])
            container.append(value)
        elif self.key is None:
            if isinstance(value, CommentedMap | CommentedSeq):
                raise _Declined("a complex key", mark)  # ruamel's rules and messages
            if value in container:
                raise _Declined("a duplicate key", mark, duplicate_key=True)
            self.key, self.key_line, self.key_column = (value,), mark.line, mark.column
        else:
            (key,) = self.key
            self.key = None
            position = [self.key_line, self.key_column, mark.line, mark.column]
            container._yaml_set_kv_line_col(key, position)
            container[key] = value

    def close(self) -> None:
        """Record the flow style, as ruamel does: only on a container that has items."""
        if self.container and self.flow_style is not None:
            if self.flow_style:
                self.container.fa.set_flow_style()
            else:
                self.container.fa.set_block_style()


class _Builder:
    """Turns one stream of libyaml events into round-trip containers, without recursion."""

    def __init__(self, yaml_1_2: YAML, text: str, limits: Limits) -> None:
        self._text = text
        self._limits = limits
        self._lines: list[str] | None = None
        resolver = yaml_1_2.resolver
        self._resolve = resolver.resolve
        self._special_first = frozenset(key for key in resolver.versioned_resolver if key)
        self._construct = yaml_1_2.constructor.construct_object

    def build(self, next_event: Any) -> CommentedMap:
        """Consume the events; the single top-level mapping, or `_Declined`."""
        root: CommentedMap | CommentedSeq | None = None
        stack: list[_Frame] = []
        documents = nodes = 0
        limits = self._limits
        max_nodes, max_depth, max_scalar = limits.max_nodes, limits.max_depth, limits.max_scalar
        while True:
            event = next_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                nodes += 1
                if nodes > max_nodes or len(event.value) > max_scalar:
                    raise self._beyond(nodes, event)
                if event.anchor is not None or event.tag is not None or not stack:
                    raise _Declined(_odd_node(event), event.start_mark)
                frame = stack[-1]
                if frame.is_mapping and frame.key is None and not (event.value or event.style):
                    raise _Declined("an empty key", event.start_mark)
                frame.add(
                    self._scalar(event.value, event.style, event.start_mark), event.start_mark
                )
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                nodes += 1
                if nodes > max_nodes or len(stack) >= max_depth:
                    raise self._beyond(nodes, event)
                value = self._start(event, stack)
                if not stack:
                    if root is not None:
                        raise _Declined("a second document", event.start_mark)
                    root = value
                stack.append(_Frame(value, event.flow_style))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop().close()
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1 or event.version is not None or event.tags:
                    # several documents or directives: ruamel's messages
                    raise _Declined("a directive or a second document", event.start_mark)
            elif kind is yaml.StreamEndEvent:
                break
            elif kind is yaml.AliasEvent:
                raise _Declined("an alias", event.start_mark)
        if not isinstance(root, CommentedMap):
            raise _Declined("a top level that is not a mapping")
        return root

    def _start(self, event: Any, stack: list[_Frame]) -> CommentedMap | CommentedSeq:
        """The new collection, placed in its parent (if any) with where it starts."""
        mark = event.start_mark
        if event.anchor is not None or event.tag is not None:
            raise _Declined(_odd_node(event), mark)
        if len(stack) >= MAX_DEPTH:
            raise _Declined(f"nesting deeper than {MAX_DEPTH} levels", mark)
        if stack and stack[-1].flow_style and not stack[-1].is_mapping:
            self._refuse_implicit_pair(mark)
        value = CommentedMap() if type(event) is yaml.MappingStartEvent else CommentedSeq()
        value._yaml_set_line_col(mark.line, mark.column)
        if stack:
            stack[-1].add(value, mark)
        return value

    def _beyond(self, nodes: int, event: Any) -> LimitExceeded:
        """Which limit the node ``event`` (the ``nodes``-th) goes beyond."""
        limits, line = self._limits, event.start_mark.line + 1
        if nodes > limits.max_nodes:
            return too_many_nodes(limits, line)
        if isinstance(event, yaml.ScalarEvent):
            return too_long_scalar(limits, line)
        return too_deep(limits, line)

    def _refuse_implicit_pair(self, mark: Any) -> None:
        """Decline ``[a: b]``: ruamel reads fewer spellings of that pair than libyaml."""
        if self._lines is None:
            self._lines = self._text.splitlines()
        line = self._lines[mark.line] if mark.line < len(self._lines) else ""
        if line[mark.column : mark.column + 1] not in ("{", "["):
            raise _Declined("a 'key: value' pair inside a flow list", mark)

    def _scalar(self, value: str, style: str | None, mark: Any) -> Any:
        """The scalar as ruamel types it: plain text resolved by YAML 1.2, quotes kept."""
        if style:
            return _STYLED[style](value)
        if value and value[0] not in self._special_first:
            return value  # cannot be a number, bool, null, date or merge key: plain text
        tag = self._resolve(ScalarNode, value, (True, False))
        if str(tag) in _DECLINED_TAGS:
            raise _Declined("a merge key ('<<') or a value key ('=')", mark)
        try:
            return self._construct(ScalarNode(tag, value, None, None), deep=True)
        except Exception:  # e.g. a date that does not exist: ruamel words the error
            raise _Declined(f"a value ruamel types specially ({value[:20]!r})", mark) from None


def _odd_node(event: Any) -> str:
    """What about a node sends the text to ruamel."""
    if event.anchor is not None:
        return "an anchor"
    if event.tag is not None:
        return "a tag"
    return "a top level that is not a mapping"
