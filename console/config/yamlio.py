"""Reading a YAML file safely, keeping comments and key order for later round-trip edits.

Configuration files come from other people and other tools, so every way a file can be
unusable (missing, a directory, a device, unreadable, huge, binary, not UTF-8, broken YAML,
duplicate keys, an alias bomb, too many nodes or too deep, not a mapping at the top) ends
in one `ConfigFileError` that names the file and line and says what to do, never in a
traceback. What reading may cost is bounded by `console.config.limits`, enforced while
parsing, in the fast path and in ruamel alike.

``-`` is stdin. A pipe (stdin, ``<(kubectl ...)`` as /dev/fd/N, a named FIFO) gives its
content once, so what was read from one is kept for the rest of the process: the TUI's
reloads and a re-run of the checks read the path again and get the same text.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedKeyMap, CommentedKeySeq, CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import MappingStartEvent, SequenceStartEvent
from ruamel.yaml.reader import ReaderError

from console.config.errors import ConfigFileError
from console.config.fastyaml import Declined, try_fast
from console.config.limits import (
    FullParserCapExceeded,
    LimitExceeded,
    Limits,
    LimitSettingError,
    Scan,
    check_lines,
    limits_from_environ,
    may_need_full_parser,
    node_bound,
    scan,
    too_deep,
    too_many_bytes,
    too_much_expansion,
    too_much_for_full_parser,
)

STDIN = Path("-")
"""The path that means stdin, for ``-c`` and ``-i`` alike."""

_READ_ONCE: dict[tuple[int, int], bytes] = {}
"""What was read from each pipe (by device and inode), for the later reads of its path."""

DUPLICATE_KEY = "a key appears twice in the same mapping"
DUPLICATE_KEY_REMEDY = (
    "Remove or rename one of the duplicate keys; YAML keeps only one and which one "
    "wins differs between tools."
)

SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in (
        *("null", "bool", "int", "float", "binary", "timestamp", "str"),
        *("seq", "map", "omap", "pairs", "set"),
    )
)
"""Explicit tags PyYAML's safe loader constructs; Lightspeed and Llama Stack refuse any other."""


@dataclass(frozen=True)
class YamlFile:
    """A parsed YAML file: its path, text and round-trip document (a mapping)."""

    path: Path
    text: str
    document: CommentedMap


def round_trip_yaml() -> YAML:
    """The one YAML configuration used to read and write: round-trip, indentation kept."""
    return _configure(YAML(typ="rt"))


def _configure(yaml: YAML) -> YAML:
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    yaml.width = 4096
    return yaml


def read_yaml_file(path: Path) -> YamlFile:
    """Read and parse ``path`` (``-``: stdin); raise `ConfigFileError` with a remedy on any
    problem, a limit exceeded included."""
    limits = current_limits(path)
    text = _read_text(path, limits)
    document = parse_yaml_text(text, path, limits=limits)
    return YamlFile(path=path, text=text, document=document)


def current_limits(path: Path) -> Limits:
    """The limits in force (the environment may raise them), or `ConfigFileError` naming
    ``path`` when a ``LIGHTSPEED_CONSOLE_MAX_*`` variable is not a number."""
    try:
        return limits_from_environ()
    except LimitSettingError as error:
        raise ConfigFileError(path, error.message, error.remedy) from None


def parse_yaml_text(
    text: str, path: Path, *, comments: bool = False, limits: Limits | None = None
) -> CommentedMap:
    """Parse YAML text into a round-trip mapping, or raise `ConfigFileError`.

    A plain document is built from libyaml's events (`fastyaml`), many times faster than
    ruamel's parser; ``comments`` asks for ruamel's full round trip, which the dumper needs.
    Both are held to ``limits`` (default: `current_limits`) while they parse.
    """
    if "\x00" in text:
        raise ConfigFileError(
            path,
            "the file contains NUL bytes: it is binary, not YAML",
            "Point the console at the YAML file itself, not a compiled or archived copy.",
        )
    limits = current_limits(path) if limits is None else limits
    try:
        return _parse_bounded(text, path, limits, comments)
    except LimitExceeded as exceeded:
        raise ConfigFileError(path, exceeded.message, exceeded.remedy, line=exceeded.line) from None


def _parse_bounded(text: str, path: Path, limits: Limits, comments: bool) -> CommentedMap:
    """The fast path when it can, else ruamel; either way within ``limits``.

    When the text might hold more nodes than the limit (or more than the full parser's
    share, and something only the full parser reads), libyaml's events are counted first
    without building anything: a file beyond the limits is refused in well under a second.
    """
    check_lines(text, limits)
    scanned: Scan | None = None
    bound = node_bound(text)
    if bound > limits.max_nodes or (
        bound > limits.full_parser_nodes and may_need_full_parser(text)
    ):
        scanned = scan(text, limits)
    if comments:
        declined = Declined("the comments kept for a rewrite")
    elif scanned is not None and scanned.full_parser_reason is not None:
        declined = Declined(scanned.full_parser_reason)
    else:
        built = try_fast(text, round_trip_yaml(), limits)
        if not isinstance(built, Declined):
            return built  # no aliases, tags or complex keys: nothing left to refuse
        declined = built
    try:
        _check_full_parser_caps(text, limits, declined, scanned)
    except FullParserCapExceeded:
        if declined.duplicate_key:  # the problem itself, as ruamel would have said it
            raise ConfigFileError(
                path, DUPLICATE_KEY, DUPLICATE_KEY_REMEDY, line=declined.line
            ) from None
        raise
    return _parse_with_ruamel(text, path, limits, str(declined))


def _check_full_parser_caps(
    text: str, limits: Limits, declined: Declined, scanned: Scan | None
) -> None:
    """Raise unless ruamel can read ``text`` within its share of the limits.

    Always counts the events first (cheap next to ruamel): the alias expansion is known
    before ruamel builds anything.
    """
    reason = str(declined)
    if len(text) > limits.full_parser_chars:
        raise too_much_for_full_parser(limits, reason, chars=True)
    if scanned is None:
        scan(text, limits, max_nodes=limits.full_parser_nodes, reason=reason)
    elif scanned.nodes > limits.full_parser_nodes:
        raise too_much_for_full_parser(limits, reason)


def _parse_with_ruamel(text: str, path: Path, limits: Limits, reason: str) -> CommentedMap:
    try:
        documents = list(_BoundedReader(limits, reason).load_all(io.StringIO(text)))
    except LimitExceeded:
        raise
    except DuplicateKeyError as exc:
        raise _marked_error(path, exc, DUPLICATE_KEY, DUPLICATE_KEY_REMEDY) from None
    except MarkedYAMLError as exc:
        raise _marked_error(path, exc, _describe_yaml_error(exc), _yaml_remedy(exc)) from None
    except ReaderError as exc:
        position = exc.position if isinstance(exc.position, int) else 0
        raise ConfigFileError(
            path,
            f"the file contains the control character U+{exc.character:04X}, which YAML forbids",
            "Remove it; it is usually a terminal colour code or a form feed pasted in by mistake.",
            line=text[:position].count("\n") + 1,
        ) from None
    except YAMLError as exc:
        raise ConfigFileError(
            path, f"not valid YAML: {exc}", "Check the file with a YAML linter."
        ) from None
    except RecursionError:
        raise ConfigFileError(
            path,
            "the YAML nests too deeply to read",
            "Flatten the structure; a real configuration nests a handful of levels.",
        ) from None
    except (AssertionError, NotImplementedError) as exc:
        if isinstance(exc, NotImplementedError) and "overlap in comment" not in str(exc):
            raise _tag_error(path) from None
        # ruamel's comment bookkeeping fails on some valid files (an assert in
        # ``add_pre_comments``, "overlap in comment"), which libyaml and the servers read.
        raise ConfigFileError(
            path,
            "the parser that keeps the comments for a rewrite (ruamel.yaml) loses track of "
            "a comment in this file (the servers' parser may still read it)",
            "Re-indent or remove the comment lines that are not indented like the lines around "
            "them (a comment right after a 'key:' or a '|' or '#' at the start of a line in a "
            "block), then retry.",
        ) from None
    except Exception:  # ruamel builds some explicit tags with plain errors ('!!set x', '!!int a')
        raise _tag_error(path) from None
    documents = [doc for doc in documents if doc is not None]
    if not documents:
        raise ConfigFileError(
            path,
            "the file is empty (no YAML document)",
            "Fill in the configuration, starting from the files in examples/.",
        )
    if len(documents) > 1:
        raise ConfigFileError(
            path,
            f"the file holds {len(documents)} YAML documents separated by '---'",
            "Keep one document per file; the services read only one.",
        )
    document = documents[0]
    if not isinstance(document, CommentedMap):
        raise ConfigFileError(
            path,
            f"the top level is {yaml_type_name(document)}, not a mapping of keys",
            "The file must start with keys such as 'name:', 'service:' or 'version:'.",
            line=1,
        )
    if expanded_size(document, limits.max_nodes) > limits.max_nodes:
        raise too_much_expansion(limits, None)  # libyaml counted fewer than ruamel built
    _refuse_what_safe_loaders_refuse(document, path)
    return document


def _tag_error(path: Path) -> ConfigFileError:
    return ConfigFileError(
        path,
        "a value cannot be built the way its explicit '!!' tag says (e.g. '!!int abc')",
        "Remove the '!!' tags (a configuration needs none) or give each a value of its kind.",
    )


class _CountingComposer(Composer):
    """ruamel's composer, held to the full parser's share of the nodes and to the depth.

    `scan` has counted the same events with libyaml before ruamel starts; this holds
    ruamel to the caps where the two parsers disagree (ruamel reading on past where
    libyaml stopped at an error).
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.composed = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Count the node (an alias is one), check the depth, then compose as ruamel does."""
        limits: Limits = self.loader.limits
        self.composed += 1
        if self.composed > limits.full_parser_nodes:
            line = self.parser.peek_event().start_mark.line + 1
            raise too_much_for_full_parser(limits, self.loader.reason, line=line)
        if self.depth >= limits.max_depth and self.parser.check_event(
            MappingStartEvent, SequenceStartEvent
        ):
            raise too_deep(limits, self.parser.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)


class _BoundedReader(YAML):
    """The round-trip loader (`round_trip_yaml`'s settings) with the counting composer."""

    def __init__(self, limits: Limits, reason: str) -> None:
        super().__init__(typ="rt")
        _configure(self)
        self.Composer = _CountingComposer
        self.limits = limits
        self.reason = reason


def yaml_type_name(value: Any) -> str:
    """How a YAML value's type is named in messages meant for an operator."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def expanded_size(node: Any, cap: int) -> int:
    """Count the nodes of ``node`` (keys, values and items) with aliases expanded, in time
    linear in the unique nodes; past ``cap``, any number above it.

    An alias bomb is cheap to parse (aliases are shared references) but explodes any walk
    over it; `scan` refuses one before ruamel reads it, and this count, on what ruamel
    built, makes sure.
    """
    memo: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(item: Any) -> int:
        if not isinstance(item, dict | list):
            return 1
        key = id(item)
        if key in memo:
            return memo[key]
        if key in in_progress:  # a recursive alias: treat as unbounded
            return cap + 1
        in_progress.add(key)
        children = item.values() if isinstance(item, dict) else item
        total = 1 + (len(item) if isinstance(item, dict) else 0)  # a key is a node, as in `scan`
        for child in children:
            total += size(child)
            if total > cap:
                break
        in_progress.discard(key)
        memo[key] = total
        return total

    try:
        return size(node)
    except RecursionError:
        return cap + 1


def plain_scalar(value: Any) -> Any:
    """A ruamel scalar (ScalarString, ScalarInt, ScalarBoolean, TaggedScalar…) as plain Python."""
    if value is None or isinstance(value, bool):
        return value
    if type(value).__name__ == "ScalarBoolean":
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, AbstractSet):  # !!set: a set, so a reader expecting text says so
        return {plain_scalar(item) for item in value}
    inner = getattr(value, "value", None)
    if isinstance(inner, str):  # TaggedScalar: an unknown !tag keeps its text, never runs
        return inner
    return str(value)


def to_plain(node: Any) -> Any:
    """A round-trip document as plain dicts, lists and scalars, with nothing substituted."""
    if isinstance(node, dict):
        return {plain_scalar(key): to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [to_plain(item) for item in node]
    return plain_scalar(node)


def node_at(tree: Any, path: tuple[str | int, ...]) -> Any:
    """The value at ``path`` in nested mappings and lists, or None when any part is missing."""
    node = tree
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return None
        elif not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def line_at(document: Any, path: tuple[str | int, ...]) -> int | None:
    """1-based line of the value at ``path`` in a round-trip document, or of its nearest
    ancestor that has one."""
    while path:
        parent = node_at(document, path[:-1]) if path[:-1] else document
        found = line_of(parent, path[-1]) if parent is not None else None
        if found is not None:
            return found
        path = path[:-1]
    return None


def line_of(container: Any, key: str | int) -> int | None:
    """1-based line of ``key`` inside a round-trip mapping or list, if ruamel knows it."""
    position = positions_of(container).get(key)
    return int(position[0]) + 1 if position else None


_NO_POSITIONS: dict[Any, list[int]] = {}


def positions_of(container: Any) -> dict[Any, list[int]]:
    """ruamel's 0-based positions of a mapping's keys or a list's items (empty if unknown).

    Each entry starts with the line and column; `line_of` reads one, and walks over a
    whole document read the table directly.
    """
    lc = getattr(container, "lc", None)
    data = getattr(lc, "data", None) if lc is not None else None
    return data if isinstance(data, dict) else _NO_POSITIONS


def line_of_node(node: Any) -> int | None:
    """1-based line where a round-trip mapping or list starts."""
    if isinstance(node, CommentedMap | CommentedSeq):
        try:
            return int(node.lc.line) + 1
        except (TypeError, AttributeError):
            return None
    return None


def _refuse_what_safe_loaders_refuse(document: CommentedMap, path: Path) -> None:
    """Raise on a tag or key that Lightspeed and Llama Stack (PyYAML ``safe_load``) reject.

    ruamel keeps an unknown ``!tag`` as data (it never constructs or runs it), so without
    this check such a file would review clean while both services refuse to start on it.
    """
    seen: set[int] = set()
    stack: list[tuple[Any, int | None]] = [(document, 1)]
    while stack:
        node, line = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                continue
            seen.add(id(node))
            line = line_of_node(node) or line
        tag = getattr(getattr(node, "tag", None), "value", None)
        if isinstance(tag, str) and tag not in SAFE_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!", 1)
            raise ConfigFileError(
                path,
                f"the tag {shown} is not plain YAML: Lightspeed and Llama Stack read files with "
                "PyYAML's safe loader, which refuses it",
                "Remove the tag and write the plain value; take values from the environment "
                "with ${env.NAME}.",
                line=line,
            )
        children: list[tuple[Any, int | None]] = []
        if isinstance(node, dict):
            for key, child in node.items():
                key_line = line_of(node, key) or line
                if isinstance(key, CommentedKeySeq | CommentedKeyMap):
                    raise ConfigFileError(
                        path,
                        f"a {'list' if isinstance(key, tuple) else 'mapping'} is used as a key; "
                        "Lightspeed and Llama Stack cannot read such a key",
                        "Use a plain string as the key.",
                        line=key_line,
                    )
                children.append((child, key_line))
        elif isinstance(node, list):
            children = [(child, line_of(node, index) or line) for index, child in enumerate(node)]
        stack.extend(reversed(children))  # file order: the first offending line is reported


def _read_text(path: Path, limits: Limits) -> str:
    """The file's text: at most ``limits.max_bytes`` + 1 bytes read, whatever it is.

    Directories and devices are refused before anything is opened (a device such as
    /dev/zero or a terminal never ends); a pipe is read once and kept (`_READ_ONCE`).
    """
    once: tuple[int, int] | None = None
    raw: bytes | None = None
    try:
        if path == STDIN:
            raw, once = _read_stdin(limits)
        else:
            info = path.stat()
            _refuse_what_is_not_a_file(path, info.st_mode)
            if stat.S_ISFIFO(info.st_mode):
                once = (info.st_dev, info.st_ino)
                raw = _READ_ONCE.get(once)
            if raw is None:
                with path.open("rb") as handle:
                    raw = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise ConfigFileError(
            path,
            "file not found",
            "Check the path (relative paths are resolved against the current directory: "
            f"{Path.cwd()}).",
        ) from None
    except PermissionError:
        raise ConfigFileError(
            path,
            "permission denied while reading",
            "Run as a user who can read it, or copy it somewhere readable.",
        ) from None
    except IsADirectoryError:
        raise ConfigFileError(
            path, "this is a directory, not a file", "Give the path of the YAML file inside it."
        ) from None
    except OSError as exc:
        raise ConfigFileError(
            path,
            f"cannot be read: {exc.strerror or exc}",
            "Check that the file exists and is a regular, readable file.",
        ) from None
    if once is not None:
        _READ_ONCE[once] = raw
    if len(raw) > limits.max_bytes:
        exceeded = too_many_bytes(limits)
        raise ConfigFileError(path, exceeded.message, exceeded.remedy)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigFileError(
            path,
            "the file is not UTF-8 text (binary or another encoding)",
            "Save it as UTF-8; YAML files must be UTF-8.",
            line=line,
        ) from None


def _read_stdin(limits: Limits) -> tuple[bytes, tuple[int, int] | None]:
    """stdin's bytes (at most the limit + 1), and the pipe's key when it is one to keep.

    A terminal on stdin is refused rather than waited on: the file is meant to be piped in.
    """
    stream = sys.stdin
    if stream is None:
        raise ConfigFileError(STDIN, "there is no stdin to read", _STDIN_REMEDY)
    try:
        descriptor: int | None = stream.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by a test or a wrapper
        descriptor = None
    once: tuple[int, int] | None = None
    if descriptor is not None:
        info = os.fstat(descriptor)
        if os.isatty(descriptor):
            raise ConfigFileError(STDIN, "stdin is a terminal, not a file piped in", _STDIN_REMEDY)
        _refuse_what_is_not_a_file(STDIN, info.st_mode)
        once = (info.st_dev, info.st_ino)  # a pipe or a redirected file: both read once
        if once in _READ_ONCE:
            return _READ_ONCE[once], once
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read(limits.max_bytes + 1)), once
    return str(stream.read(limits.max_bytes + 1)).encode("utf-8"), once


_STDIN_REMEDY = (
    "Pipe the file in (kubectl get configmap ... | lightspeed-console review -c -), or give "
    "its path."
)


def _refuse_what_is_not_a_file(path: Path, mode: int) -> None:
    """Refuse a directory, a device or a socket by what it is, before anything is read."""
    if stat.S_ISDIR(mode):
        raise ConfigFileError(
            path, "this is a directory, not a file", "Give the path of the YAML file inside it."
        )
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise ConfigFileError(
            path,
            "this is a device, not a file: reading it would never end (or wait on a keyboard)",
            "Give the path of the YAML file; to read from a pipe use '-' (stdin) or <(command).",
        )
    if stat.S_ISSOCK(mode):
        raise ConfigFileError(
            path,
            "this is a socket, not a file",
            "Give the path of the YAML file; to read from a pipe use '-' (stdin) or <(command).",
        )


def _marked_error(path: Path, exc: MarkedYAMLError, message: str, remedy: str) -> ConfigFileError:
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
        mark = exc.context_mark  # something left open: point where it opens, not at the end
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return ConfigFileError(path, message, remedy, line=line, column=column)


def _describe_yaml_error(exc: MarkedYAMLError) -> str:
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    if _mentions_tab(problem):
        return "a tab character is used where YAML expects spaces"
    parts = [part for part in (context, problem) if part]
    return "invalid YAML: " + ("; ".join(parts) if parts else str(exc).splitlines()[0])


def _yaml_remedy(exc: MarkedYAMLError) -> str:
    problem = (exc.problem or "") + (exc.context or "")
    if _mentions_tab(problem):
        return "YAML indentation must use spaces; replace the tabs with spaces."
    if "mapping values are not allowed" in problem:
        return (
            "A value contains ': ' (quote the value), a key is indented wrongly, or the key "
            "on the line above lacks its ':'."
        )
    if "could not find expected ':'" in problem:
        return "A key is missing its ':' or a quoted string is not closed."
    if "found undefined alias" in problem:
        return "Define the '&anchor' before the '*alias' that refers to it."
    if "while scanning a quoted scalar" in problem:
        return "The quoted string that starts at the line shown is never closed; add its quote."
    if "while parsing a flow" in problem and exc.context_mark is not None:
        return (
            f"The '[' or '{{' opened at line {exc.context_mark.line + 1} is not closed before "
            "the position shown; add the closing bracket or the missing ','."
        )
    return "Fix the YAML at the line shown (indentation, quotes, ':' after keys)."


def _mentions_tab(problem: str) -> bool:
    return "\t" in problem or "'\\t'" in problem or " tab" in problem
