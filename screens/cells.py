"""Cutting text to a cell's width honestly: an ellipsis where it was cut, never inside a number.

A cut that falls inside a number changes what it says: ``lightspeed-stack.yaml:20`` cut to
``lightspeed-stack.yaml:2`` names line 2, ``answered in 150 ms`` cut after ``15`` claims 15.
`fit` cuts before the number instead (``answered in …``; a date, a time or a version is
one number), keeps a ``file:line`` location's
line and shortens the file name (``lightspeed-s…:20``), and always ends what it cut with
``…``.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

ELLIPSIS = "…"
_LOCATION = re.compile(r"(?P<name>[^\s:]*\.[A-Za-z][A-Za-z0-9]*)(?P<line>:\d+(?::\d+)?)")
"""``lightspeed-stack.yaml:20``, ``/etc/run.yaml:12:3``: a file's name (with its extension),
then its line (``12:59:59`` is a time, not a location)."""


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: whole, or cut with ``…`` outside any number."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    location = _LOCATION.fullmatch(text)
    if location is not None and len(location["line"]) + 2 <= width:
        room = width - len(location["line"])
        return _cut(location["name"], room) + location["line"]
    return _cut(text, width)


def _cut(text: str, width: int) -> str:
    """Cut to ``width - 1`` cells plus ``…``, moved back to before a number it would split."""
    if cell_len(text) <= width:
        return text
    end = width - 1
    while end > 0 and cell_len(text[:end]) > width - 1:
        end -= 1
    while end > 0 and _splits_a_number(text, end):
        end -= 1
    return text[:end].rstrip() + ELLIPSIS


def _splits_a_number(text: str, at: int) -> bool:
    """Whether cutting between ``text[at - 1]`` and ``text[at]`` splits one number."""
    before, after = text[at - 1], text[at] if at < len(text) else ""
    if before.isdigit() and (after.isdigit() or _joins(text, at)):
        return True
    # "1.|5", "3,|000", "12:|59": the separator stays with what follows
    return before in JOINERS and at >= 2 and text[at - 2].isdigit() and after.isdigit()


JOINERS = ".,:-"
"""What holds one number together between digits: ``1.5``, ``3,000``, ``12:59:59``,
``2026-01-01`` (a time or a date cut after its first part says something else)."""


def _joins(text: str, at: int) -> bool:
    """``text[at]`` joins digits into one number (a decimal point, a date's dash...)."""
    return text[at] in JOINERS and at + 1 < len(text) and text[at + 1].isdigit()
