"""Where a key of a TOML file is written, for messages that name the line.

``tomllib`` gives values without positions, and an operator fixing a settings file at
3 a.m. needs the line. This reads the raw text once and records, for every key path it
sees (``deployments.prod-eu.url``), the first line that defines it: a table header
(``[deployments.prod-eu]``), a key line (``url = ...``), or a dotted key at any level
(``prod-eu.url = ...`` under ``[deployments]``). Text inside multi-line strings is skipped.

It is not a TOML parser: it runs only on text tomllib has already accepted, so it can
afford to be simple, and a line it cannot place falls back to the nearest enclosing key.
"""

from __future__ import annotations

import re

KeyPath = tuple[str, ...]

_PART_TEXT = r"(?:[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
"""One part of a dotted key: bare, "basic" (with escapes) or 'literal'."""
_HEADER = re.compile(r"^\s*\[(?!\[)(?P<key>[^\]]*)\]\s*(#.*)?$")
_ARRAY_HEADER = re.compile(r"^\s*\[\[(?P<key>[^\]]*)\]\]\s*(#.*)?$")
_KEY_LINE = re.compile(rf"^\s*(?P<key>{_PART_TEXT}(?:\s*\.\s*{_PART_TEXT})*)\s*=")
_PART = re.compile(
    r"\s*(?:(?P<bare>[A-Za-z0-9_-]+)|\"(?P<basic>(?:[^\"\\]|\\.)*)\"|'(?P<literal>[^']*)')\s*"
)


MAX_KEY_PARTS = 16
"""The most parts a dotted key may have (``deployments.prod-eu.url`` has three), as deep as a
settings file may nest (`console.settings.user.MAX_SETTINGS_DEPTH`). tomllib,
and `KeyLines`, take time that grows with the square of a key's parts: a 60 KB file with one
30,000-part key took 19 s to read. A longer key is refused before either sees it."""

_SPACE = r"[ \t]*+"
_LONG_KEY = re.compile(
    rf"(?m)(?:^|[\[{{,]){_SPACE}"  # where a key begins: a line, a header, an inline table
    rf"(?:(?:[A-Za-z0-9_-]++|\"(?:[^\"\\\n]|\\.)*+\"|'[^'\n]*+'){_SPACE}\.{_SPACE}){{{MAX_KEY_PARTS},}}"
)
"""More than `MAX_KEY_PARTS` key parts joined by dots where a key begins: at the start of a
line (a key line, a table header's ``[``) or after ``{`` or ``,`` (an inline table). A
string value is not a key (``url = "http://a.b.c..."`` is not counted)."""


def overlong_key(text: str) -> tuple[int, int] | None:
    """The line (1-based) and part count of the first dotted key of more than
    `MAX_KEY_PARTS` parts in ``text``, or None; one pass, possessive, so linear."""
    found = _LONG_KEY.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    end = text.find("\n", found.start())
    rest = text[found.start() : None if end < 0 else end]
    return line, rest.count(".") + 1


def split_key(text: str) -> KeyPath | None:
    """A dotted TOML key as its parts (quotes removed); None if it is not one."""
    parts: list[str] = []
    position = 0
    while True:
        match = _PART.match(text, position)
        if match is None:
            return None
        if match.group("bare") is not None:
            parts.append(match.group("bare"))
        elif match.group("basic") is not None:
            parts.append(_unescape(match.group("basic")))
        else:
            parts.append(match.group("literal"))
        position = match.end()
        if position == len(text):
            return tuple(parts)
        if text[position] != ".":
            return None
        position += 1


def _unescape(text: str) -> str:
    """The common escapes of a basic string key (enough to name a table)."""
    if "\\" not in text:
        return text
    import json

    try:
        value = json.loads(f'"{text}"')
    except ValueError:
        return text
    return value if isinstance(value, str) else text


class KeyLines:
    """The first line (1-based) of every key path written in a TOML text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        table: KeyPath = ()
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:  # inside a multi-line string: only its end matters
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _HEADER.match(line) or _ARRAY_HEADER.match(line)
            if header is not None:
                path = split_key(header.group("key"))
                if path is not None:
                    table = path
                    self._record(path, number)
                continue
            key = _KEY_LINE.match(line)
            if key is not None:
                path = split_key(key.group("key"))
                if path is not None:
                    self._record(table + path, number)
                rest = line[key.end() :]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_string = quote
                        break

    def _record(self, path: KeyPath, number: int) -> None:
        for length in range(1, len(path) + 1):
            self._lines.setdefault(path[:length], number)

    def line_of(self, *path: str) -> int | None:
        """The line of ``path``, else of the nearest enclosing key written, else None."""
        key: KeyPath = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return None
