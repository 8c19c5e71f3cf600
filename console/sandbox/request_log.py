"""What a stand-in received, kept so tests can count and inspect requests.

Every stand-in records the requests it answered (secrets masked by the caller) and numbers
its answers so ids are deterministic; the handlers run on the server's thread while tests
read from theirs, hence the lock.
"""

from __future__ import annotations

import threading


class RequestLog[RequestT]:
    """A thread-safe, append-only log of requests plus a request counter."""

    def __init__(self) -> None:
        self._log_lock = threading.Lock()
        self._requests: list[RequestT] = []
        self._counter = 0

    @property
    def requests(self) -> list[RequestT]:
        """A copy of the log, oldest first."""
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget what was recorded (the counter keeps going, so ids stay unique)."""
        with self._log_lock:
            self._requests.clear()

    def record(self, entry: RequestT) -> None:
        """Append one request."""
        with self._log_lock:
            self._requests.append(entry)

    def next_number(self) -> int:
        """The next request number, from which ids are derived deterministically."""
        with self._log_lock:
            self._counter += 1
            return self._counter
