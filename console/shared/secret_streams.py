"""stdout and stderr that cannot show a given set of secrets, for one command's run.

An env file's values are secrets the rest of the console did not choose: a tenant id in a
token's narration, a base URL in a finding, a value echoed by a server. Rather than trust
every print path to know them, a headless command that read an env file runs with both
standard streams wrapped (`scrubbed_output`): every write is passed through
`console.shared.redact.scrub` with those values (as written, percent-encoded and
JSON-escaped). Only those: a token the operator asked to see (``--show-token``) stays.

A value could arrive split over two writes (a streamed answer, chunk by chunk), so a
write's tail that could be the start of a secret is held back until the next write, or
the end of the run, decides it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from console.shared.redact import encoded_forms, scrub


class ScrubbingStream:
    """A text stream that masks ``secrets`` in everything written through it."""

    def __init__(self, stream: TextIO, secrets: Iterable[str]) -> None:
        self._stream = stream
        self._secrets = [secret for secret in secrets if secret]
        self._forms = sorted(
            {form for secret in self._secrets for form in encoded_forms(secret)}, key=len
        )
        self._pending = ""

    def write(self, text: str) -> int:
        """Write ``text`` scrubbed; a tail that may begin a secret waits for what follows."""
        data = scrub(self._pending + text, self._secrets, jwts=False)
        keep = self._possible_start(data)
        self._pending = data[len(data) - keep :] if keep else ""
        if keep:
            data = data[: len(data) - keep]
        if data:
            self._stream.write(data)
        return len(text)

    def _possible_start(self, data: str) -> int:
        """The length of the longest tail of ``data`` that is a proper start of a secret."""
        longest = 0
        for form in self._forms:
            for length in range(min(len(form) - 1, len(data)), longest, -1):
                if data.endswith(form[:length]):
                    longest = length
                    break
        return longest

    def release(self) -> None:
        """Write what was held back (the run is over: nothing more can complete it)."""
        if self._pending:
            pending, self._pending = self._pending, ""
            self._stream.write(pending)
        self._stream.flush()

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # encoding, errors, buffer...: the real stream's
        return getattr(self._stream, name)


@contextmanager
def scrubbed_output(secrets: Iterable[str]) -> Iterator[None]:
    """Run the body with ``sys.stdout`` and ``sys.stderr`` masking ``secrets``."""
    values = tuple(secrets)
    original = sys.stdout, sys.stderr
    wrapped = [ScrubbingStream(stream, values) for stream in original]
    sys.stdout, sys.stderr = wrapped
    try:
        yield
    finally:
        sys.stdout, sys.stderr = original
        for stream in wrapped:
            with contextlib.suppress(OSError, ValueError):  # the reader went away
                stream.release()
