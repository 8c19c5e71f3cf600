"""How much of a YAML file the console agrees to read, and the checks that hold it to that.

A file's size does not bound what reading it costs (a million ``- {k: N}`` lines are three
million nodes), so the console bounds what drives the cost: bytes, nodes, nesting depth,
scalar and line length, aliases, each checked while the file is parsed, never after the
tree is built. The full parser (ruamel, for anchors, tags and comment-keeping rewrites)
gets a share of the node and byte limits. Each limit can be raised for one command with
its ``LIGHTSPEED_CONSOLE_MAX_...`` variable, read here and nowhere else.

docs/LIMITS.md gives each limit's default, why that number, where it is enforced and
what ``bench/limits.py`` measures at and past its edge.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

MIB = 1024 * 1024
ENV_PREFIX = "LIGHTSPEED_CONSOLE_MAX_"
FULL_PARSER_NODE_SHARE = 5
"""The full parser reads at most max_nodes / 5 nodes (ruamel is ~20x slower per node)."""
FULL_PARSER_BYTE_SHARE = 4
"""The full parser reads at most max_bytes / 4 characters (its scanner: ~0.3 µs each)."""
LIBYAML_MAX_NESTING = 1_000
"""libyaml's scanner refuses deeper flow nesting (before the parser emits a single event,
since it looks ahead); below it, that refusal is the depth limit's."""


@dataclass(frozen=True)
class Limits:
    """The bounds one read of one file is held to (see the module docstring for why)."""

    max_bytes: int = 16 * MIB
    max_nodes: int = 150_000
    max_depth: int = 64
    max_scalar: int = MIB
    max_line: int = MIB
    max_aliases: int = 10_000

    @property
    def full_parser_nodes(self) -> int:
        """Nodes the full (pure-Python) parser may read: a fifth of ``max_nodes``."""
        return max(1, self.max_nodes // FULL_PARSER_NODE_SHARE)

    @property
    def full_parser_chars(self) -> int:
        """Characters the full parser may read: a quarter of ``max_bytes``."""
        return max(1, self.max_bytes // FULL_PARSER_BYTE_SHARE)


UNLIMITED = Limits(*(sys.maxsize,) * 6)
"""No bounds: what `fastyaml.fast_round_trip` uses when its caller gives none."""

ENVIRONMENT = {
    "max_bytes": f"{ENV_PREFIX}BYTES",
    "max_nodes": f"{ENV_PREFIX}NODES",
    "max_depth": f"{ENV_PREFIX}DEPTH",
    "max_scalar": f"{ENV_PREFIX}SCALAR_CHARS",
    "max_line": f"{ENV_PREFIX}LINE_CHARS",
    "max_aliases": f"{ENV_PREFIX}ALIASES",
}
"""The variable that raises (or lowers) each limit."""


MAX_SETTING = 2**40
"""The most any variable may set: far past what one machine reads, and what a read's size
still fits in (past ``sys.maxsize`` a read raises OverflowError)."""


class LimitSettingError(ValueError):
    """A ``LIGHTSPEED_CONSOLE_MAX_*`` variable that is not a whole number, 1 to `MAX_SETTING`."""

    def __init__(self, variable: str, value: str, default: int) -> None:
        shown = value if len(value) <= 40 else value[:40] + "..."
        super().__init__(f"{variable}={shown!r} is not a whole number from 1 to {MAX_SETTING}")
        self.message = (
            f"the environment sets {variable}={shown!r}, not a whole number from 1 to {MAX_SETTING}"
        )
        self.remedy = (
            f"Set {variable} to a whole number such as {default * 2}, or unset it for the "
            f"default ({default})."
        )


def limits_from_environ(environ: Mapping[str, str] | None = None) -> Limits:
    """The limits, each raised or lowered by its variable when set (the one place they are read)."""
    environ = os.environ if environ is None else environ
    defaults = Limits()
    values: dict[str, int] = {}
    for field, variable in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw is None or not raw.strip():
            continue
        default = getattr(defaults, field)
        text = raw.strip()
        if len(text) > 20:  # past any value taken (and int() refuses 4,300 digits)
            raise LimitSettingError(variable, raw, default)
        try:
            value = int(text)
        except ValueError:
            raise LimitSettingError(variable, raw, default) from None
        if not 0 < value <= MAX_SETTING:
            raise LimitSettingError(variable, raw, default)
        values[field] = value
    return Limits(**values) if values else defaults


class LimitExceeded(Exception):
    """A file beyond one of the limits: what was exceeded, where, and how to raise it."""

    def __init__(self, message: str, remedy: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy
        self.line = line


class FullParserCapExceeded(LimitExceeded):
    """A file only the full parser reads, larger than its share of the limits."""


def _raise_it(field: str, limits: Limits, shown: str | None = None) -> str:
    variable = ENVIRONMENT[field]
    value = getattr(limits, field)
    return (
        f"If the file really is meant so, raise the limit for the command: {variable} "
        f"(now {shown or f'{value:,}'}), e.g. {variable}={value * 2}."
    )


def size_text(count: int) -> str:
    """A byte or character count as people say it: '16 MiB', '1,000 bytes'."""
    if count >= MIB and count % MIB == 0:
        return f"{count // MIB} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count:,} bytes"


def too_many_bytes(limits: Limits) -> LimitExceeded:
    """The read stopped past ``max_bytes``."""
    return LimitExceeded(
        f"the file is larger than {size_text(limits.max_bytes)}",
        "This is not a configuration file; check the path (a real run.yaml is tens of KB). "
        + _raise_it("max_bytes", limits, size_text(limits.max_bytes)),
    )


def too_many_nodes(limits: Limits, line: int | None) -> LimitExceeded:
    """More than ``max_nodes`` keys, values and items."""
    return LimitExceeded(
        f"the YAML has more than {limits.max_nodes:,} nodes (keys, values and list items), "
        "more than the console reads",
        "A real configuration has a few thousand; check that this is the right file. "
        + _raise_it("max_nodes", limits),
        line,
    )


def too_much_expansion(limits: Limits, line: int | None) -> LimitExceeded:
    """Aliases that repeat their anchors past ``max_nodes``."""
    return LimitExceeded(
        f"YAML aliases expand to more than {limits.max_nodes:,} nodes",
        "Remove the nested '&anchor' / '*alias' references; they multiply the document. "
        + _raise_it("max_nodes", limits),
        line,
    )


def too_deep(limits: Limits, line: int | None) -> LimitExceeded:
    """Collections nested more than ``max_depth`` levels."""
    return LimitExceeded(
        f"the YAML nests too deeply to read (more than {limits.max_depth} levels)",
        "Flatten the structure; a real configuration nests a handful of levels. "
        + _raise_it("max_depth", limits),
        line,
    )


def too_long_scalar(limits: Limits, line: int | None) -> LimitExceeded:
    """One value longer than ``max_scalar`` characters."""
    return LimitExceeded(
        f"a value is longer than {size_text(limits.max_scalar).replace('bytes', 'characters')}",
        "Keep large data out of the configuration (reference a file instead). "
        + _raise_it("max_scalar", limits),
        line,
    )


def too_long_line(limits: Limits, line: int) -> LimitExceeded:
    """One line longer than ``max_line`` characters."""
    return LimitExceeded(
        f"line {line} is longer than {size_text(limits.max_line).replace('bytes', 'characters')}",
        "Break the line (write the YAML in block style); check that this is the right file. "
        + _raise_it("max_line", limits),
        line,
    )


def too_many_aliases(limits: Limits, line: int | None) -> LimitExceeded:
    """More than ``max_aliases`` ``*name`` references."""
    return LimitExceeded(
        f"the YAML has more than {limits.max_aliases:,} aliases ('*name')",
        "Write the values out, or use fewer anchors. " + _raise_it("max_aliases", limits),
        line,
    )


def too_much_for_full_parser(
    limits: Limits, reason: str, *, chars: bool = False, line: int | None = None
) -> FullParserCapExceeded:
    """A file the fast path cannot read (``reason``) and too large for the full parser."""
    if chars:
        cap = f"{size_text(limits.full_parser_chars).replace('bytes', 'characters')} of text"
        share, field = f"a quarter of {size_text(limits.max_bytes)}", "max_bytes"
    else:
        cap = f"{limits.full_parser_nodes:,} nodes"
        share, field = f"a fifth of {limits.max_nodes:,}", "max_nodes"
    return FullParserCapExceeded(
        f"the file needs the full YAML parser ({reason}), which reads at most {cap} "
        f"({share}); this file has more",
        "Remove what needs the full parser (anchors and aliases, '!' tags, duplicate or "
        "complex keys), which a configuration does not need; or raise the limit: "
        f"{ENVIRONMENT[field]} (the full parser's share grows with it).",
        line,
    )


_BLOCK_ENTRIES = ("- ", "-\n", "-\r", "-\t")


def node_bound(text: str) -> int:
    """An upper bound of the nodes libyaml finds in ``text`` (aliases unexpanded), cheaply.

    Every node is introduced by an indicator or starts a document: a block entry ('-' and
    a blank) brings at most a sequence and its item, a ':' a mapping, its key and its
    value, a '?' the same, a '[' a sequence and its first item, a '{' a mapping and its
    first key and value, a ',' the next item (or key and empty value). Documents start
    after '---' (counted as an entry) or '...' (one per dot, generously). Characters inside
    values are counted too, which only loosens the bound. A property test holds it to
    libyaml's count.
    """
    entries = sum(text.count(entry) for entry in _BLOCK_ENTRIES) + text.endswith("-")
    return (
        2 * entries
        + 3 * (text.count(":") + text.count("?") + text.count("{"))
        + 2 * (text.count("[") + text.count(","))
        + text.count(".")
        + 1
    )


def may_need_full_parser(text: str) -> bool:
    """Whether ``text`` might hold what only the full parser reads: anchors, aliases,
    tags, directives or merge keys (their indicators are '&', '*', '!', '%' and '<<')."""
    return any(mark in text for mark in ("&", "*", "!", "%", "<<"))


def check_lines(text: str, limits: Limits) -> None:
    """Raise `LimitExceeded` if a line of ``text`` is longer than ``max_line``."""
    if len(text) <= limits.max_line:
        return  # no line can be longer than the whole text
    lines = text.split("\n")
    if max(map(len, lines)) > limits.max_line:
        number = next(n for n, line in enumerate(lines, 1) if len(line) > limits.max_line)
        raise too_long_line(limits, number)


@dataclass
class Scan:
    """What `scan` counted, up to where libyaml stopped."""

    nodes: int = 0
    """Nodes as parsed (an alias is one node)."""
    expanded: int = 0
    """Nodes with every alias counted as the anchor it repeats."""
    aliases: int = 0
    complete: bool = True
    """False when libyaml stopped at an error: the counts cover the text before it."""
    full_parser_reason: str | None = None
    """The first thing seen that only the full parser reads (an anchor, alias, tag...)."""


def scan(text: str, limits: Limits, *, max_nodes: int | None = None, reason: str = "") -> Scan:
    """Count ``text``'s YAML events with libyaml, building nothing; raise past a limit.

    ``max_nodes`` (default ``limits.max_nodes``) is the parsed-node cap; with ``reason``
    set, the cap is the full parser's and exceeding it says why the full parser is needed.
    The alias expansion is always held to ``limits.max_nodes``. Without libyaml, PyYAML's
    own (slower) parser counts the same events.
    """
    cap = limits.max_nodes if max_nodes is None else max_nodes
    return _Scanner(limits, cap, reason).run(text)


class _Scanner:
    """One scan: the hot events (scalars, collections) counted inline, the rare ones
    (anchors, tags, aliases, documents) in methods."""

    def __init__(self, limits: Limits, cap: int, reason: str) -> None:
        self.limits = limits
        self.cap = cap
        self.reason = reason
        self.result = Scan()
        self.sizes: dict[str, int] = {}
        """Each anchor's expanded size, once its node is complete."""
        self.open_anchors: list[tuple[str, int, int]] = []
        """Anchored collections still open: the anchor, its depth, the expanded count before it."""
        self.documents = 0

    def run(self, text: str) -> Scan:
        """Count the events of ``text``; the counts, or `LimitExceeded` at the first limit."""
        limits, cap = self.limits, self.cap
        max_depth, max_scalar, max_expanded = limits.max_depth, limits.max_scalar, limits.max_nodes
        scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
        mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        loader: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
        parser = loader(text)
        get_event = parser.get_event
        nodes = expanded = depth = 0
        try:
            while True:
                event = get_event()
                kind = type(event)
                if kind is scalar:
                    nodes += 1
                    expanded += 1
                    if len(event.value) > max_scalar:
                        raise too_long_scalar(limits, _line(event))
                    if event.anchor is not None or event.tag is not None:
                        self._odd(event, expanded - 1, done=True)
                elif kind is mapping_start or kind is sequence_start:
                    nodes += 1
                    expanded += 1
                    depth += 1
                    if depth > max_depth:
                        raise too_deep(limits, _line(event))
                    if event.anchor is not None or event.tag is not None:
                        self._odd(event, expanded - 1, done=False, depth=depth)
                elif kind is mapping_end or kind is sequence_end:
                    if self.open_anchors and self.open_anchors[-1][1] == depth:
                        self._close(expanded)
                    depth -= 1
                elif kind is alias:
                    nodes += 1
                    expanded += self._alias(event)
                elif self._other(event):
                    break
                if nodes > cap:
                    if self.reason:
                        raise too_much_for_full_parser(limits, self.reason, line=_line(event))
                    raise too_many_nodes(limits, _line(event))
                if expanded > max_expanded:
                    raise too_much_expansion(limits, _line(event))
        except yaml.YAMLError as error:
            self._stopped(error)
        finally:
            parser.dispose()
        self.result.nodes, self.result.expanded = nodes, expanded
        return self.result

    def _stopped(self, error: yaml.YAMLError) -> None:
        """libyaml refused the text: its nesting refusal is the depth limit's; any other
        error is left to the parser that reads the text next, which words it."""
        problem = getattr(error, "problem", None) or ""
        if "maximum nesting depth" in problem and self.limits.max_depth < LIBYAML_MAX_NESTING:
            raise too_deep(self.limits, _line(error, "problem_mark")) from None
        self.result.complete = False

    def _odd(self, event: Any, before: int, *, done: bool, depth: int = 0) -> None:
        """An anchor or a tag: only the full parser reads them; an anchor's size is kept."""
        if event.anchor is None:
            self._needs_full_parser("a tag", event)
            return
        self._needs_full_parser("an anchor", event)
        if done:
            self.sizes[event.anchor] = 1
        else:
            self.open_anchors.append((event.anchor, depth, before))

    def _close(self, expanded: int) -> None:
        anchor, _, before = self.open_anchors.pop()
        self.sizes[anchor] = expanded - before

    def _alias(self, event: Any) -> int:
        """An alias: the nodes it adds once expanded (its anchor's size)."""
        self.result.aliases += 1
        self._needs_full_parser("an alias", event)
        if self.result.aliases > self.limits.max_aliases:
            raise too_many_aliases(self.limits, _line(event))
        return self.sizes.get(event.anchor, 1)  # unknown, or still open (recursive): one

    def _other(self, event: Any) -> bool:
        """Documents and the stream; True at the end of the stream."""
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1 or event.version is not None or event.tags:
                self._needs_full_parser("a directive or a second document", event)
        return isinstance(event, yaml.StreamEndEvent)

    def _needs_full_parser(self, what: str, event: Any) -> None:
        if self.result.full_parser_reason is None:
            line = _line(event)
            self.result.full_parser_reason = f"{what} at line {line}" if line else what


def _line(event: Any, where: str = "start_mark") -> int | None:
    mark = getattr(event, where, None)
    return mark.line + 1 if mark is not None else None
