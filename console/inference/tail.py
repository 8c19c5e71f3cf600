"""`AnswerTail`: the end of a streamed answer, however long the stream goes on.

A server can stream for as long as the timeout allows, gigabytes at local speed; the result
of a test inference (and the screen that shows it growing) keeps its last characters, where
the final words or an error are, and counts the rest. Light on purpose: the inference
screen uses it too.
"""

from __future__ import annotations

from collections import deque

STREAM_TAIL_CHARS = 64 * 1024
"""Of a streamed answer, the characters kept: its last ones."""


class AnswerTail:
    """The last ``most`` characters of a streamed answer, and how much came before them."""

    def __init__(self, most: int = STREAM_TAIL_CHARS) -> None:
        self._most = most
        self._kept: deque[str] = deque()
        self._size = 0
        self.pieces = 0
        """How many pieces were added."""
        self.dropped = 0
        """Characters let go from the start."""

    @property
    def received(self) -> int:
        """Characters added in all."""
        return self._size + self.dropped

    def add(self, text: str) -> None:
        """Keep ``text`` at the end; let go of what no longer fits at the start."""
        self.pieces += 1
        if len(text) > self._most:
            self.dropped += len(text) - self._most
            text = text[-self._most :]
        self._kept.append(text)
        self._size += len(text)
        while self._size > self._most:
            first = self._kept.popleft()
            over = self._size - self._most
            if len(first) > over:
                self._kept.appendleft(first[over:])
                first = first[:over]
            self._size -= len(first)
            self.dropped += len(first)

    def text(self) -> str:
        """The characters kept, in order."""
        if len(self._kept) > 1:  # one string from here on: the next call is free
            joined = "".join(self._kept)
            self._kept.clear()
            self._kept.append(joined)
        return self._kept[0] if self._kept else ""
