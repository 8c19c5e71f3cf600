"""stdout and stderr that cannot show a given set of secrets, for one command's run.

An env file's secrets are values the rest of the console did not choose (a client secret
echoed by an authority, a key in a server's error body). Rather than trust every print
path to know them, a headless command that read an env file runs with both standard
streams wrapped (`scrubbed_output`), every write passed through one
`console.shared.redact.Masker`, which finds each secret in every form it may be echoed in.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from console.shared.redact import Masker, masker_for, scrub_data

_ACTIVE: list[ScrubbingStream] = []
"""The streams `scrubbed_output` installed, which `mask_also` extends."""


class ScrubbingStream:
    """A text stream that masks ``secrets`` in everything written through it.

    Which values are secrets is decided by the variable (`console.settings.envfile`: by
    its name) and, once the files are loaded, by where they use it (`mask_also`, called by
    the loader for ``client_secret: ${env.ANY_NAME}``): ``true`` in ``ENABLE_TLS=true`` is
    no secret, and masking it would mask the console's own words. JSON goes through
    `mask_strings` (secrets masked inside the document's strings, so none can mask JSON
    syntax). A value could arrive split over two writes (a streamed answer), so a write's
    tail that could be the start of a secret is held back until the next write, or the
    end of the run, decides it.
    """

    def __init__(self, stream: TextIO, secrets: Iterable[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._secrets = frozenset(secret for secret in secrets if secret)
        self._masker: Masker = masker_for(self._secrets)
        self._pending = ""

    @property
    def secrets(self) -> frozenset[str]:
        """The values masked now."""
        return self._secrets

    def add(self, secrets: Iterable[str]) -> None:
        """Mask ``secrets`` too from now on (what was held back included)."""
        with self._lock:
            more = self._secrets | {secret for secret in secrets if secret}
            if more != self._secrets:
                self._secrets = frozenset(more)
                self._masker = masker_for(self._secrets)

    def write(self, text: str) -> int:
        """Write ``text`` scrubbed; a tail that may begin a secret waits for what follows."""
        with self._lock:
            masker = self._masker
            data = self._pending + text
            spans = masker.spans(data)
            cut = masker.hold_from(data)
            for start, end in spans:  # a secret found across the cut is held whole
                if start < cut < end:
                    cut = start
                    break
            self._pending = data[cut:]
            shown = masker.mask(data[:cut], [span for span in spans if span[1] <= cut])
            if shown:
                self._stream.write(shown)
        return len(text)

    def mask_strings(self, data: Any) -> Any:
        """``data`` (plain JSON values) with the secrets masked inside its strings only."""
        return scrub_data(data, self._masker)

    def write_verbatim(self, text: str) -> None:
        """Write ``text`` as it is (already masked, `mask_strings`), after what was held."""
        with self._lock:
            self._write_pending()
            self._stream.write(text)

    def release(self) -> None:
        """Write what was held back (the run is over: nothing more can complete it)."""
        with self._lock:
            self._write_pending()
        self._stream.flush()

    def _write_pending(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self._stream.write(self._masker.mask(pending))

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


def mask_also(secrets: Iterable[str]) -> None:
    """Mask ``secrets`` too in the output of the command running (none: nothing to do)."""
    values = [secret for secret in secrets if secret]
    if values:
        for stream in list(_ACTIVE):
            stream.add(values)


@contextmanager
def scrubbed_output(secrets: Iterable[str]) -> Iterator[None]:
    """Run the body with ``sys.stdout`` and ``sys.stderr`` masking ``secrets``."""
    values = tuple(secrets)
    original = sys.stdout, sys.stderr
    wrapped = [ScrubbingStream(stream, values) for stream in original]
    sys.stdout, sys.stderr = wrapped
    _ACTIVE.extend(wrapped)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = original
        for stream in wrapped:
            _ACTIVE.remove(stream)
            with contextlib.suppress(OSError, ValueError):  # the reader went away
                stream.release()
