"""Masking a configuration file's text in place, field by field, so one field can be revealed.

The file text is shown as written, so ``${env.X}`` references stay visible: they name a
variable, not its value. What is hidden is every value written inline under a secret-named
key (``console.shared.redact.is_secret_key``), the default of a ``${env.X:=default}`` under such a
key, and any resolved secret the console holds wherever it appears. Each inline secret is
a `SecretField` tied to its line, so the operator can reveal exactly one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.config.envsubst import ENV_PATTERN, format_path
from console.shared.redact import MASK, is_secret_key, scrub

if TYPE_CHECKING:
    from pydantic import SecretStr

_COMMENT = re.compile(r"\s+#")


@dataclass(frozen=True)
class SecretField:
    """One secret written in the file: where it is and the text that must not be shown."""

    path: str
    """Dotted config path, as the findings name it (``azure_entra_id.client_secret``)."""
    line: int
    """1-based line of the value."""
    column: int
    """0-based column where the value starts."""
    key_column: int
    secret: str
    multiline: bool = False

    @property
    def key(self) -> str:
        """The identity used to remember which field is revealed."""
        return f"{self.line}:{self.path}"


def secret_fields(document: Any) -> list[SecretField]:
    """Every inline secret of a round-trip document, in line order."""
    found: list[SecretField] = []
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        node, path = stack.pop()
        if not isinstance(node, dict | list) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(node))
            continue
        for key, value in node.items():
            child = (*path, str(key))
            if not (isinstance(value, str) and is_secret_key(str(key))):
                stack.append((value, child))
                continue
            position = _value_position(node, key)
            if position is None:
                continue
            line, column, key_column = position
            refs = list(ENV_PATTERN.finditer(value))
            texts = [ref.group(3) for ref in refs if ref.group(2) == "="] if refs else [value]
            for text in texts:
                if text and text.strip():
                    found.append(
                        SecretField(
                            format_path(child),
                            line,
                            column,
                            key_column,
                            text,
                            multiline="\n" in value,
                        )
                    )
    return sorted(found, key=lambda field: (field.line, field.column))


def _value_position(node: Any, key: Any) -> tuple[int, int, int] | None:
    try:
        value_line, value_column = node.lc.value(key)
        _, key_column = node.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return None
    return int(value_line) + 1, int(value_column), int(key_column)


def mask_text(
    text: str,
    fields: Iterable[SecretField],
    held: Iterable[SecretStr | str | None] = (),
    *,
    revealed: str | None = None,
) -> str:
    """``text`` with every secret field and held secret masked, except the ``revealed`` one.

    ``revealed`` is a `SecretField.key`; its value shows in clear wherever it appears.
    """
    fields = list(fields)
    lines = text.splitlines(keepends=True)
    shown: str | None = None
    for field in fields:
        if field.key == revealed:
            shown = field.secret
            continue
        _mask_field(lines, field)
    values = [_plain(secret) for secret in held]
    values.extend(field.secret for field in fields)
    hidden = [value for value in values if value and value != shown]
    return scrub("".join(lines), hidden)


def _plain(secret: SecretStr | str | None) -> str:
    if secret is None:
        return ""
    return secret if isinstance(secret, str) else secret.get_secret_value()


def _mask_field(lines: list[str], field: SecretField) -> None:
    index = field.line - 1
    if not 0 <= index < len(lines):
        return
    source = lines[index]
    body = source.rstrip("\r\n")
    ending = source[len(body) :]
    head, segment = body[: field.column], body[field.column :]
    if not field.multiline and field.secret in segment:
        lines[index] = head + segment.replace(field.secret, MASK) + ending
        return
    comment = _COMMENT.search(segment)
    value_part = segment[: comment.start()] if comment else segment
    rest = segment[comment.start() :] if comment else ""
    if value_part.strip() and value_part.strip()[0] not in "|>":
        lines[index] = head + MASK + rest + ending
    if not field.multiline:
        return
    for follow in range(index + 1, len(lines)):
        line = lines[follow]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if stripped and indent <= field.key_column:
            break
        if stripped:
            lines[follow] = " " * indent + MASK + line[len(line.rstrip("\r\n")) :]
