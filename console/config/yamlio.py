"""Reading a YAML file safely, keeping comments and key order for later round-trip edits.

Configuration files come from other people and other tools, so every way a file can be
unusable (missing, a directory, unreadable, huge, binary, not UTF-8, broken YAML, duplicate
keys, an alias bomb, not a mapping at the top) ends in one `ConfigFileError` that names the
file and line and says what to do, never in a traceback.
"""

from __future__ import annotations

import io
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedKeyMap, CommentedKeySeq, CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from console.config.errors import ConfigFileError
from console.config.fastyaml import fast_round_trip

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Larger than any real run.yaml by three orders of magnitude; bounds memory and time."""

MAX_EXPANDED_NODES = 2_000_000
"""Nodes a document may have once aliases are expanded (guards the walks that follow)."""

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
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    yaml.width = 4096
    return yaml


def read_yaml_file(path: Path) -> YamlFile:
    """Read and parse ``path``; raise `ConfigFileError` with a remedy on any problem."""
    text = _read_text(path)
    document = parse_yaml_text(text, path)
    return YamlFile(path=path, text=text, document=document)


def parse_yaml_text(text: str, path: Path, *, comments: bool = False) -> CommentedMap:
    """Parse YAML text into a round-trip mapping, or raise `ConfigFileError`.

    A plain document is built from libyaml's events (`fastyaml`), many times faster than
    ruamel's parser; ``comments`` asks for ruamel's full round trip, which the dumper needs.
    """
    if "\x00" in text:
        raise ConfigFileError(
            path,
            "the file contains NUL bytes: it is binary, not YAML",
            "Point the console at the YAML file itself, not a compiled or archived copy.",
        )
    if not comments:
        fast = fast_round_trip(text, round_trip_yaml())
        if fast is not None:  # no aliases, tags or complex keys: nothing left to refuse
            return fast
    try:
        documents = list(round_trip_yaml().load_all(io.StringIO(text)))
    except DuplicateKeyError as exc:
        raise _marked_error(
            path,
            exc,
            "a key appears twice in the same mapping",
            "Remove or rename one of the duplicate keys; YAML keeps only one and which one "
            "wins differs between tools.",
        ) from None
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
    except Exception:  # ruamel builds some explicit tags with plain errors ('!!set x', '!!int a')
        raise ConfigFileError(
            path,
            "a value cannot be built the way its explicit '!!' tag says (e.g. '!!int abc')",
            "Remove the '!!' tags (a configuration needs none) or give each a value of its kind.",
        ) from None
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
    expanded = expanded_size(document)
    if expanded > MAX_EXPANDED_NODES:
        raise ConfigFileError(
            path,
            f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes",
            "Remove the nested '&anchor' / '*alias' references; they multiply the document.",
        )
    _refuse_what_safe_loaders_refuse(document, path)
    return document


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


def expanded_size(node: Any) -> int:
    """Count the nodes of ``node`` with aliases expanded, in time linear in the unique nodes.

    An alias bomb is cheap to parse (aliases are shared references) but explodes any walk
    over it; measuring first lets us refuse it before walking.
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
            return MAX_EXPANDED_NODES + 1
        in_progress.add(key)
        children = item.values() if isinstance(item, dict) else item
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                break
        in_progress.discard(key)
        memo[key] = total
        return total

    try:
        return size(node)
    except RecursionError:
        return MAX_EXPANDED_NODES + 1


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


def _read_text(path: Path) -> str:
    try:
        if path.is_dir():
            raise ConfigFileError(
                path,
                "this is a directory, not a file",
                "Give the path of the YAML file inside it.",
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
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
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigFileError(
            path,
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
            "This is not a configuration file; check the path.",
        )
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
