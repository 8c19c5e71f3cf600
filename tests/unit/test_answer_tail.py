"""`AnswerTail`: a streamed answer's end, exactly, whatever the pieces."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from console.inference.tail import AnswerTail


@given(st.lists(st.text(max_size=40), max_size=60), st.integers(min_value=1, max_value=50))
def test_the_tail_is_the_end_of_everything_added(pieces: list[str], most: int) -> None:
    tail = AnswerTail(most)
    for piece in pieces:
        tail.add(piece)
        assert len(tail.text()) <= most
    whole = "".join(pieces)
    assert tail.text() == whole[-most:] if whole else tail.text() == ""
    assert tail.dropped == len(whole) - len(tail.text())
    assert tail.received == len(whole)
    assert tail.pieces == len(pieces)


def test_a_gigabyte_of_pieces_is_held_in_the_bound() -> None:
    tail = AnswerTail(1000)
    piece = "x" * 999
    for _ in range(20_000):
        tail.add(piece)
    assert tail.received == 20_000 * 999
    assert len(tail.text()) == 1000
