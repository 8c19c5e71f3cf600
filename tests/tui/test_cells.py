"""Cutting to a cell's width: an ellipsis where it was cut, never inside a number."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screens.cells import fit


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("lightspeed-stack.yaml:20", 30, "lightspeed-stack.yaml:20"),
        ("lightspeed-stack.yaml:20", 23, "lightspeed-stack.ya…:20"),
        ("lightspeed-stack.yaml:20", 12, "lightspe…:20"),
        ("answered in 150 ms", 14, "answered in…"),
        ("version 1.2.5 ok", 11, "version…"),
        ("12345678", 4, "…"),
        ("expired at 2026-01-01 12:59:59", 22, "expired at 2026-01-01…"),
        ("expired at 2026-01-01 12:59:59", 20, "expired at…"),
    ],
)
def test_examples(text: str, width: int, shown: str) -> None:
    assert fit(text, width) == shown


@given(st.text(alphabet="ab :.,-0123456789", max_size=40), st.integers(1, 40))
def test_a_cut_never_splits_a_number_and_always_says_so(text: str, width: int) -> None:
    shown = fit(text, width)
    assert len(shown) <= width
    if shown == text:
        return
    assert "…" in shown
    numbers = set(re.findall(r"\d+(?:[.,:\-]\d+)*", text))
    for number in re.findall(r"\d+(?:[.,:\-]\d+)*", shown.replace("…", " ")):
        assert number in numbers, (text, width, shown)  # whole, never the start of one
