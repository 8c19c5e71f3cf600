"""`${env.VAR}` substitution with Llama Stack's exact semantics, that never stops at the first gap.

Llama Stack (``llama_stack.core.stack.replace_env_vars``) resolves:

- ``${env.VAR}``: the value; an error when VAR is unset or empty;
- ``${env.VAR:=default}``: the value, else ``default`` (``${env.VAR:=}`` gives ``""``);
- ``${env.VAR:+value}``: ``value`` when VAR is set and not empty, else ``""``;

then expands ``~`` in the substituted text and, only when something was substituted,
converts the whole string: ``""`` -> None, ``true``/``false`` -> bool, then int, then float.
Mapping keys are never substituted. In lists, a provider whose ``provider_id`` resolves to
``__disabled__`` is dropped, and so is a registered resource whose id resolves to empty.

Where Llama Stack raises on the first unset variable, this walk records every reference
(name, where, whether it resolved) and carries on with None in place of the unresolved
value, so one missing variable does not hide the rest of the configuration.

Text that starts a reference but is not one (``${env.X`` without its ``}``, a lower-case
name) is left as written by Llama Stack's pattern, and so sent as the value; the walk
records where it is (`MalformedReference`), never what it says.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from console.config.yamlio import plain_scalar, positions_of

ENV_PATTERN = re.compile(r"\${env\.([A-Z0-9_]+)(?::([=+])([^}]*))?}")
LLAMA_STACK_RESOURCE_ID_FIELDS = (
    "vector_store_id",
    "model_id",
    "shield_id",
    "dataset_id",
    "scoring_fn_id",
    "benchmark_id",
)
"""llama-stack 0.7.3: a list entry whose id field resolves empty is dropped (``${env.X:+id}``)."""
OGX_RESOURCE_ID_FIELDS = ("vector_store_id", "model_id")
"""OGX 1.2.5 drops entries only by these two; an empty ``shield_id`` stays, as None."""
RESOURCE_ID_FIELDS = LLAMA_STACK_RESOURCE_ID_FIELDS
DISABLED_PROVIDER_ID = "__disabled__"

ReferenceState = Literal["set", "unset", "default", "conditional-empty"]
ConfigPath = tuple[str | int, ...]


@dataclass(frozen=True)
class EnvReference:
    """One ``${env.VAR}`` reference: where it is and whether it resolved (never its value)."""

    name: str
    operator: Literal["", "=", "+"]
    state: ReferenceState
    file: Path
    path: ConfigPath
    line: int | None

    @property
    def dotted_path(self) -> str:
        """The config path as Llama Stack prints it: ``providers.inference[0].config.api_key``."""
        return format_path(self.path)

    @property
    def is_missing(self) -> bool:
        """A bare ``${env.VAR}`` whose variable is unset or empty: Llama Stack refuses to start."""
        return self.state == "unset"


@dataclass(frozen=True)
class MalformedReference:
    """A ``${env.`` that Llama Stack does not resolve: where it is (its text is not kept)."""

    file: Path
    path: ConfigPath
    line: int | None

    @property
    def dotted_path(self) -> str:
        """The config path as Llama Stack prints it."""
        return format_path(self.path)


def is_malformed(text: str) -> bool:
    """Whether ``text`` holds a ``${env.`` that is not part of a reference Llama Stack resolves."""
    return "${env." in ENV_PATTERN.sub("", text)


@dataclass
class Substitution:
    """The resolved plain-data tree and every env reference met on the way."""

    value: Any
    references: list[EnvReference] = field(default_factory=list)
    unresolved_paths: set[ConfigPath] = field(default_factory=set)
    lines: dict[ConfigPath, int] = field(default_factory=dict)
    """1-based line of every key and list item, by its path in the resolved tree."""

    shifted: dict[ConfigPath, int] = field(default_factory=dict)
    """List items whose index moved because an earlier item was dropped: resolved -> written."""

    malformed: list[MalformedReference] = field(default_factory=list)
    """Each ``${env.`` that is not a reference (kept literally by Llama Stack)."""

    def written_path(self, path: ConfigPath) -> ConfigPath:
        """The path as written in the file, for a path in the resolved tree."""
        if not self.shifted:
            return path
        out: list[str | int] = []
        for depth, part in enumerate(path):
            if isinstance(part, int):
                out.append(self.shifted.get(path[: depth + 1], part))
            else:
                out.append(part)
        return tuple(out)

    def line(self, path: ConfigPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            found = self.lines.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return None

    @property
    def missing(self) -> list[EnvReference]:
        """References that Llama Stack would reject (unset or empty, no default)."""
        return [ref for ref in self.references if ref.is_missing]


def format_path(path: ConfigPath) -> str:
    """``("providers", "inference", 0, "config")`` -> ``providers.inference[0].config``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def substitute(
    document: Any,
    file: Path,
    environ: Mapping[str, str] | None = None,
    *,
    resource_id_fields: tuple[str, ...] = RESOURCE_ID_FIELDS,
) -> Substitution:
    """Resolve every ``${env.…}`` in a round-trip document into plain Python data.

    ``resource_id_fields`` are the fields whose empty value drops a list entry; the server
    generations differ (`LLAMA_STACK_RESOURCE_ID_FIELDS`, `OGX_RESOURCE_ID_FIELDS`).
    """
    env = os.environ if environ is None else environ
    walker = _Walker(file, env, resource_id_fields)
    value = walker.walk(document, (), (), None)
    return Substitution(
        value, walker.references, walker.unresolved, walker.lines, walker.shifted, walker.malformed
    )


def substitute_string(
    text: str, environ: Mapping[str, str]
) -> tuple[Any, list[tuple[str, str, ReferenceState]]]:
    """Resolve one string; return the converted value and (name, operator, state) per reference.

    A missing variable leaves the result None, which is what the loader shows in its place.
    """
    seen: list[tuple[str, str, ReferenceState]] = []
    if "${env." not in text:  # most values: nothing to substitute, no regex pass
        return text, seen
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name, operator, value_expr = match.group(1), match.group(2) or "", match.group(3)
        env_value = environ.get(name)
        if operator == "=":
            if env_value:
                seen.append((name, operator, "set"))
                value = env_value
            else:
                seen.append((name, operator, "default"))
                if value_expr == "":
                    return ""
                value = value_expr
        elif operator == "+":
            if env_value:
                seen.append((name, operator, "set"))
                if not value_expr:
                    return ""
                value = value_expr
            else:
                seen.append((name, operator, "conditional-empty"))
                value = ""
        else:
            if not env_value:
                seen.append((name, operator, "unset"))
                missing = True
                return ""
            seen.append((name, operator, "set"))
            value = env_value
        return os.path.expanduser(value)

    result = ENV_PATTERN.sub(replace, text)
    if missing:
        return None, seen
    if result != text:
        return convert_substituted(result), seen
    return result, seen


def convert_substituted(value: str) -> Any:
    """Llama Stack's string-to-type conversion after a substitution."""
    if value == "":
        return None
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        pass
    return value


class _Walker:
    def __init__(
        self, file: Path, environ: Mapping[str, str], resource_id_fields: tuple[str, ...]
    ) -> None:
        self.resource_id_fields = resource_id_fields
        self.file = file
        self.environ = environ
        self.references: list[EnvReference] = []
        self.unresolved: set[ConfigPath] = set()
        self.lines: dict[ConfigPath, int] = {}
        self.shifted: dict[ConfigPath, int] = {}
        self.malformed: list[MalformedReference] = []

    def walk(self, node: Any, path: ConfigPath, resolved_path: ConfigPath, line: int | None) -> Any:
        """Resolve ``node``; ``path`` counts list items as written, ``resolved_path`` as kept."""
        if isinstance(node, dict):
            result: dict[Any, Any] = {}
            positions = positions_of(node)
            for key, child in node.items():
                position = positions.get(key)
                child_line = position[0] + 1 if position else line
                child_resolved = (*resolved_path, str(key))
                if child_line is not None:
                    self.lines[child_resolved] = child_line
                result[plain_scalar(key)] = self.walk(
                    child, (*path, str(key)), child_resolved, child_line
                )
            return result
        if isinstance(node, list):
            items: list[Any] = []
            positions = positions_of(node)
            for index, child in enumerate(node):
                if self._skipped(child):
                    continue
                position = positions.get(index)
                child_line = position[0] + 1 if position else line
                child_resolved = (*resolved_path, len(items))
                if len(items) != index:
                    self.shifted[child_resolved] = index
                if child_line is not None:
                    self.lines[child_resolved] = child_line
                items.append(self.walk(child, (*path, index), child_resolved, child_line))
            return items
        value = plain_scalar(node)
        if not isinstance(value, str):
            return value
        resolved, seen = substitute_string(value, self.environ)
        if "${env." in value and is_malformed(value):
            self.malformed.append(MalformedReference(self.file, path, line))
        for name, operator, state in seen:
            self.references.append(
                EnvReference(name, operator, state, self.file, path, line)  # type: ignore[arg-type]
            )
        if any(state == "unset" for _, _, state in seen):
            self.unresolved.add(resolved_path)
        return resolved

    def _skipped(self, item: Any) -> bool:
        """Llama Stack's two list rules: disabled providers and empty conditional resource ids."""
        if not isinstance(item, dict):
            return False
        if "provider_id" in item and self._quiet(item["provider_id"]) == DISABLED_PROVIDER_ID:
            return True
        for id_field in self.resource_id_fields:
            if id_field in item:
                resolved = self._quiet(item[id_field])
                if resolved is not _MISSING and (resolved is None or resolved == ""):
                    return True
        return False

    def _quiet(self, node: Any) -> Any:
        """Resolve a scalar without recording references (they are recorded by the real walk)."""
        if isinstance(node, dict | list):
            return node
        value = plain_scalar(node)
        if not isinstance(value, str):
            return value
        resolved, seen = substitute_string(value, self.environ)
        if any(state == "unset" for _, _, state in seen):
            return _MISSING
        return resolved


_MISSING = object()
