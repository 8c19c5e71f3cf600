"""Untrusted text made safe for a terminal: every control character shown, none obeyed.

Why: the console shows values it did not write: lightspeed-stack.yaml and run.yaml, the
environment, the Llama Stack / OGX server's answers, Entra ID's and Azure's error bodies and
token claims. A terminal obeys what it is sent: ESC starts a sequence that retitles the
window (``ESC]0;...BEL``), clears the screen (``ESC[2J``), moves the cursor to forge or hide
a line (``ESC[1A``, CR, BS) or writes the clipboard (OSC 52 on some terminals); the Unicode
bidi controls (U+202A..U+202E, U+2066..U+2069) reorder what is shown ("Trojan Source").
So such characters are shown as their escape, the way Python's ``repr`` writes them:
ESC as the four characters ``\\x1b``, CR as ``\\r``, LF as ``\\n`` (where a value is one
line), other C0 and C1 controls and DEL as ``\\xNN``, a bidi control as ``\\u202e``.
Tabs are kept everywhere (they only move the cursor right; Rich and Textual expand them
when they lay text out). A backslash is not escaped: the shown form is for a person.

Two forms, one step: `visible` for a value shown on one line (a table cell, a finding's
message, a claim, an event), `visible_lines` for text that is several lines by design (a
file view, a diff, an answer, a command's whole output), which keeps LF and CRLF and shows
a lone CR. Both are idempotent, so applying the step twice is harmless.

Where it is applied (the chokepoints; anything else is laid out from these):

- the CLI: `console.shared.output` (`emit` and `narrate` for every byte a command writes,
  `table` for each cell; `paint` escapes the text it colours and adds its own codes after);
- the result objects the CLI, JSON and the screens share, at construction:
  `console.shared.findings.Finding` (message, remedy, location),
  `console.shared.diagnosis.Diagnosis` (every field; ``detail`` keeps its lines),
  `console.doctor.results.CheckResult` (summary, remedy, details);
- the TUI (``screens.visible``): every Static that shows such text (`SafeStatic`), the
  tables' cells, the YAML and diff views, the event log and notifications.

``--json`` needs nothing more: ``json.dumps`` escapes every control character, and with
its default ``ensure_ascii`` every other non-ASCII character too (``\\u202e``).
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
