"""Untrusted text made safe for a terminal: every control character shown, none obeyed.

The console shows values it did not write (the config files, the environment, the
servers' answers, Entra ID's and Azure's error bodies, token claims), and a terminal obeys
what it is sent: ESC sequences retitle the window, clear the screen, forge or hide a line or
write the clipboard; bidi controls reorder what is shown ("Trojan Source"). `visible` (one
line) and `visible_lines` (text that is several lines by design) show each such character
as its escape, the way ``repr`` writes it. docs/ARCHITECTURE.md ("Untrusted text") names
the chokepoints where they are applied.
"""

from __future__ import annotations

import re

__all__ = ["BIDI_CONTROLS", "has_controls", "visible", "visible_lines"]

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""The embedding, override and isolate controls: they reorder the characters after them."""

_NAMED = {"\x1b": "\\x1b", "\r": "\\r", "\n": "\\n"}

_ONE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
"""What `visible` shows escaped: every C0 control but TAB, DEL, the C1 controls, bidi."""
_LINES = re.compile(f"\r(?!\n)|[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
"""What `visible_lines` shows escaped: the same, but LF and CRLF line ends are kept."""


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    # ESC as the four characters \x1b, CR as \r, LF as \n, other C0 and C1 controls and DEL
    # as \xNN, a bidi control as \u202e. Tabs are kept (they only move the cursor right,
    # and Rich expands them); a backslash is not escaped: the shown form is for a person.
    """``text`` for one line of a terminal: every control, LF and CR included, escaped."""
    if text.isprintable() or _ONE_LINE.search(text) is None:
        return text
    return _ONE_LINE.sub(_shown, text)


def visible_lines(text: str) -> str:
    """``text`` of several lines: LF and CRLF kept, every other control escaped."""
    if _LINES.search(text) is None:
        return text
    return _LINES.sub(_shown, text)


def has_controls(text: str, *, lines: bool = False) -> bool:
    """Whether `visible` (or, with ``lines``, `visible_lines`) would change ``text``."""
    return (_LINES if lines else _ONE_LINE).search(text) is not None
