"""The round-trip document built from libyaml's events: ruamel's result at C speed.

ruamel's round-trip parser is pure Python and reads about 10,000 lines a second, so a
run.yaml with thousands of providers and models takes seconds to open. libyaml (PyYAML's C
parser) emits the same document's events twenty times faster. From them this module builds
what ruamel would build: `CommentedMap`/`CommentedSeq` in file order, scalars typed by
ruamel's own YAML 1.2 resolver and constructor (quotes and block styles kept), and the
line/column data and flow styles that findings and the enrichment's text edits rely on.

It leaves out comments, which only the round-trip dumper needs (that path re-parses with
ruamel). Anything out of the ordinary (anchors, aliases, tags, directives, merge keys,
complex or duplicate keys, several documents, deep nesting, tabs, any libyaml error) returns None,
and ruamel decides, with its exact messages. A differential test holds the two parsers to
the same result.
"""

from __future__ import annotations

import re
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

MAX_DEPTH = 64
"""Deeper nesting goes to ruamel, which decides whether it is too deep to read."""

_STYLED = {
    '"': DoubleQuotedScalarString,
    "'": SingleQuotedScalarString,
    "|": LiteralScalarString,
    ">": FoldedScalarString,
}
_READ_DIFFERENTLY = re.compile(r"\t|[|>][-+0-9]*#|[\x85\u2028\u2029\ufeff]|\r(?!\n)")
"""Text the two parsers read differently: tabs inside values and '>#' (ruamel refuses
them), and the line breaks of YAML 1.1 (NEL, U+2028/9, a lone CR) or a BOM inside."""
_DECLINED_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _Declined(Exception):
    """The text needs ruamel: something the fast path does not build the way ruamel does."""


def fast_round_trip(text: str, yaml_1_2: YAML) -> CommentedMap | None:
    """The document ruamel's round-trip loader would build from ``text``, or None.

    ``yaml_1_2`` is the round-trip `YAML` whose resolver and constructor type the scalars.
    None means "ask ruamel": the text is unusual, invalid, or libyaml is not installed.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None or _READ_DIFFERENTLY.search(text):
        return None
    parser = loader(text)
    try:
        return _Builder(yaml_1_2, text).build(parser.get_event)
    except (_Declined, yaml.YAMLError):
        return None
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
            if isinstance(value, CommentedMap | CommentedSeq) or value in container:
                raise _Declined  # a complex or a duplicate key: ruamel's rules and messages
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

    def __init__(self, yaml_1_2: YAML, text: str) -> None:
        self._text = text
        self._lines: list[str] | None = None
        resolver = yaml_1_2.resolver
        self._resolve = resolver.resolve
        self._special_first = frozenset(key for key in resolver.versioned_resolver if key)
        self._construct = yaml_1_2.constructor.construct_object

    def build(self, next_event: Any) -> CommentedMap:
        """Consume the events; the single top-level mapping, or `_Declined`."""
        root: CommentedMap | CommentedSeq | None = None
        stack: list[_Frame] = []
        documents = 0
        while True:
            event = next_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None or event.tag is not None or not stack:
                    raise _Declined  # anchors and tags, or a document that is one scalar
                frame = stack[-1]
                if frame.is_mapping and frame.key is None and not (event.value or event.style):
                    raise _Declined  # an empty key
                frame.add(self._scalar(event.value, event.style), event.start_mark)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH:
                    raise _Declined
                mark = event.start_mark
                if stack and stack[-1].flow_style and not stack[-1].is_mapping:
                    self._refuse_implicit_pair(mark)
                value = CommentedMap() if kind is yaml.MappingStartEvent else CommentedSeq()
                value._yaml_set_line_col(mark.line, mark.column)
                if stack:
                    stack[-1].add(value, mark)
                elif root is None:
                    root = value
                else:
                    raise _Declined
                stack.append(_Frame(value, event.flow_style))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop().close()
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1 or event.version is not None or event.tags:
                    raise _Declined  # several documents or directives: ruamel's messages
            elif kind is yaml.StreamEndEvent:
                break
            elif kind is yaml.AliasEvent:
                raise _Declined
        if not isinstance(root, CommentedMap):
            raise _Declined
        return root

    def _refuse_implicit_pair(self, mark: Any) -> None:
        """Decline ``[a: b]``: ruamel reads fewer spellings of that pair than libyaml."""
        if self._lines is None:
            self._lines = self._text.splitlines()
        line = self._lines[mark.line] if mark.line < len(self._lines) else ""
        if line[mark.column : mark.column + 1] not in ("{", "["):
            raise _Declined

    def _scalar(self, value: str, style: str | None) -> Any:
        """The scalar as ruamel types it: plain text resolved by YAML 1.2, quotes kept."""
        if style:
            return _STYLED[style](value)
        if value and value[0] not in self._special_first:
            return value  # cannot be a number, bool, null, date or merge key: plain text
        tag = self._resolve(ScalarNode, value, (True, False))
        if str(tag) in _DECLINED_TAGS:
            raise _Declined
        try:
            return self._construct(ScalarNode(tag, value, None, None), deep=True)
        except Exception:  # e.g. a date that does not exist: ruamel words the error
            raise _Declined from None
