"""Bounds on every answer from the Llama Stack / OGX server: its size, its time, its origin.

Nothing in the SDK limits an answer: an endless ``/v1/version`` grows the process until the
machine kills it, a server that drips one byte every few seconds never trips a read
timeout, and a redirect is followed wherever it points, provider data and all. So every
httpx client the console builds for the server gets `AnswerBounds`' two event hooks. The
limits (`LISTING_LIMIT`, `DEFAULT_ANSWER_LIMIT` or ``--max-answer``) are far above what a
real server sends and far below what would hurt.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from console.shared.diagnosis import Diagnosis

KIB = 1024
MIB = 1024 * KIB
LISTING_LIMIT = 8 * MIB
"""Version, providers, models, health, error bodies: a real answer is a few kilobytes, the
largest listing the project measures (1,000 providers, 10,000 models) about 3 MB."""
DEFAULT_ANSWER_LIMIT = 16 * MIB
"""A completion: a real one is kilobytes; the test prompt's is one word."""
MIN_ANSWER_LIMIT = 64 * KIB
MAX_ANSWER_LIMIT = 256 * MIB
"""Reading an answer takes about three times its size (bytes, text, values): 256 MiB is
under a gigabyte at the peak."""
ANSWER_FLAG = "--max-answer"
_DEADLINE = "lightspeed_console.deadline"
_DECODED = ("gzip", "deflate", "x-gzip")


class AnswerRefused(Exception):
    """An answer the console stopped reading (or a redirect it did not follow)."""

    def __init__(self, message: str, endpoint: str) -> None:
        super().__init__(message)
        self.endpoint = endpoint


class AnswerTooLarge(AnswerRefused):
    """The body went past ``limit`` bytes."""

    def __init__(self, endpoint: str, limit: int, *, raisable: bool) -> None:
        super().__init__(f"the answer went past {size_text(limit)}; stopped reading", endpoint)
        self.limit = limit
        self.raisable = raisable
        """Whether ``--max-answer`` raises this limit (a completion) or not (a listing)."""


class AnswerTooSlow(AnswerRefused):
    """The whole answer took longer than ``seconds``."""

    def __init__(self, endpoint: str, seconds: float, received: int | None = None) -> None:
        got = "" if received is None else f" ({received} bytes of its body received)"
        super().__init__(
            f"the answer was not complete after {seconds:g} s{got}; stopped reading", endpoint
        )
        self.seconds = seconds
        self.received = received


class RedirectRefused(AnswerRefused):
    """A redirect to another origin, not followed."""

    def __init__(self, endpoint: str, status: int, source: str, target: str) -> None:
        super().__init__(
            f"HTTP {status} redirect from {source} to {target}; not followed", endpoint
        )
        self.status = status
        self.source = source
        self.target = target


class EncodingRefused(AnswerRefused):
    """A body in a content coding the console did not ask for and does not decode."""


@dataclass(frozen=True)
class Redirect:
    """A redirect followed (within the server's origin)."""

    status: int
    source: str
    target: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return asdict(self)


def size_text(size: int) -> str:
    """``1 GiB``, ``16 MiB``, ``64 KiB``, ``123 bytes``."""
    if size >= 1024 * MIB and size % (1024 * MIB) == 0:
        return f"{size // (1024 * MIB)} GiB"
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= KIB and size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size} bytes"


def parse_size(text: str) -> int:
    """``16MiB``, ``64M``, ``512KiB``, ``1GiB`` or a number of bytes; ValueError if not.

    K, M and G are powers of 1024 however they are written (``MB`` too).
    """
    cleaned = text.strip().lower().replace(" ", "").removesuffix("b").removesuffix("i")
    factor = {"g": 1024 * MIB, "m": MIB, "k": KIB}.get(cleaned[-1:], 1)
    number = cleaned[:-1] if factor > 1 else cleaned
    if not (number.isascii() and number.isdigit()) or len(number) > 12:
        raise ValueError(f"not a size: {text!r} (write e.g. 64MiB)")
    return int(number) * factor


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default one made explicit)."""
    defaults = {"http": 80, "https": 443}
    return url.scheme, url.host.lower(), url.port or defaults.get(url.scheme)


class AnswerBounds:
    """The event hooks that hold one httpx client's answers to a size and a time.

    ``limit`` is the most body bytes read per answer, ``seconds`` the most time an answer
    takes, from its request to its last byte; ``raisable`` says whether ``--max-answer``
    raises ``limit`` (for the diagnosis). ``redirects`` lists the redirects followed.

    - The request hook stamps the request with its deadline (now + the timeout), which a
      redirect's request inherits (httpx copies the extensions), so the timeout bounds the
      whole answer, every hop and every byte, not each read. The time before the headers
      is bounded by the caller (``asyncio.timeout`` around the SDK call): no hook runs
      between sending a request and its status line.
    - The response hook, which runs before any byte of a body is read, refuses a redirect
      to another origin (scheme, host and port: a downgrade to ``http://`` is one) and
      replaces the body's stream with one that stops at the size limit and at the
      deadline, decoding a compressed body itself so the limit counts what the console
      would hold.

    Lightspeed's own clients (llama-stack-client 0.7, ogx-client 1.2.5) follow redirects
    with the provider data as a default header, and httpx strips only ``Authorization``
    when a redirect leaves the origin: a ``307 Location: http://elsewhere/`` gets the Entra
    token sent there. The console follows a redirect only within the same origin, records
    it, and refuses any other with both URLs, before anything is sent there.
    """

    def __init__(self, *, limit: int, seconds: float, raisable: bool = False) -> None:
        self.limit = limit
        self.seconds = seconds
        self.raisable = raisable
        self.redirects: list[Redirect] = []

    def hooks(self) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
        """The ``event_hooks`` argument of `httpx.AsyncClient`."""
        return {"request": [self._on_request], "response": [self._on_response]}

    async def _on_request(self, request: httpx.Request) -> None:
        request.extensions.setdefault(_DEADLINE, asyncio.get_running_loop().time() + self.seconds)

    async def _on_response(self, response: httpx.Response) -> None:
        request = response.request
        endpoint = f"{request.method} {request.url}"
        if response.has_redirect_location:
            target = request.url.join(response.headers["location"])
            if origin(target) != origin(request.url):
                raise RedirectRefused(endpoint, response.status_code, str(request.url), str(target))
            self.redirects.append(Redirect(response.status_code, str(request.url), str(target)))
        coding = response.headers.get("content-encoding", "").strip().lower()
        if coding not in ("", "identity", *_DECODED):
            raise EncodingRefused(
                f"the answer is {coding}-encoded, which the console did not ask for", endpoint
            )
        if coding in _DECODED:
            del response.headers["content-encoding"]  # decoded by the stream below
        loop_deadline = request.extensions.get(_DEADLINE)
        deadline = (
            loop_deadline
            if isinstance(loop_deadline, float)
            else asyncio.get_running_loop().time() + self.seconds
        )
        response.stream = BoundedStream(
            response.stream,
            endpoint=endpoint,
            limit=self.limit,
            deadline=deadline,
            seconds=self.seconds,
            raisable=self.raisable,
            coding=coding if coding in _DECODED else None,
        )


class BoundedStream(httpx.AsyncByteStream):
    """A body read up to ``limit`` bytes (decoded) and until ``deadline`` (the loop's clock)."""

    def __init__(
        self,
        inner: Any,
        *,
        endpoint: str,
        limit: int,
        deadline: float,
        seconds: float,
        raisable: bool,
        coding: str | None = None,
    ) -> None:
        self._inner = inner
        self._endpoint = endpoint
        self._limit = limit
        self._deadline = deadline
        self._seconds = seconds
        self._raisable = raisable
        self._coding = coding

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        decoder = _Decoder(self._coding) if self._coding else None
        chunks = self._inner.__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(self._deadline):
                    chunk: bytes = await chunks.__anext__()
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise AnswerTooSlow(self._endpoint, self._seconds, received) from None
            if decoder is not None:
                chunk = decoder.decode(chunk, self._limit - received + 1)
            received += len(chunk)
            if received > self._limit or (decoder is not None and decoder.over):
                raise AnswerTooLarge(self._endpoint, self._limit, raisable=self._raisable)
            if chunk:
                yield chunk
        if decoder is not None:
            tail = decoder.flush()
            if received + len(tail) > self._limit:
                raise AnswerTooLarge(self._endpoint, self._limit, raisable=self._raisable)
            if tail:
                yield tail

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Decoder:
    """gzip or deflate, never producing more than asked (a small body can inflate to GBs).

    ``deflate`` is zlib-wrapped by the letter of HTTP and raw in some servers: like httpx,
    the wrapped form is tried first and the raw one if the first bytes say otherwise.
    """

    def __init__(self, coding: str) -> None:
        self._gzip = coding != "deflate"
        wbits = zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS
        self._object: Any = zlib.decompressobj(wbits)
        self._first = True
        self.over = False

    def decode(self, data: bytes, most: int) -> bytes:
        try:
            out: bytes = self._object.decompress(data, max(1, most))
        except zlib.error as error:
            if not (self._first and not self._gzip):
                raise httpx.DecodingError(
                    f"the answer's compressed body is broken: {error}"
                ) from None
            self._object = zlib.decompressobj(-zlib.MAX_WBITS)
            self._first = False
            return self.decode(data, most)
        self._first = False
        if self._object.unconsumed_tail:
            self.over = True
        return out

    def flush(self) -> bytes:
        flushed: bytes = self._object.flush()
        return flushed


def bound_diagnosis(error: AnswerRefused, setting: Callable[[str], str]) -> Diagnosis:
    """The diagnosis of an answer the console stopped reading.

    ``setting`` names a key of the deployment's server section (``ogx.timeout`` in an
    ``ogx:`` file, ``llama_stack.timeout`` in a ``llama_stack:`` one).
    """
    endpoint = error.endpoint
    if isinstance(error, RedirectRefused):
        return Diagnosis(
            "REDIRECT_REFUSED",
            "The server redirected the console to another origin",
            f"HTTP {error.status} from {error.source} to {error.target}. The console follows a "
            "redirect only within the same scheme, host and port, so that the provider data "
            "(which carries the Entra token) never goes anywhere else; Lightspeed's own "
            "client follows redirects with that header, and would send the token there.",
            f"Set {setting('url')} to the server's own address (the one the redirect means, "
            "if it is yours), or remove the redirect from the proxy or route in front of it.",
            endpoint,
            str(error),
        )
    if isinstance(error, AnswerTooLarge):
        if error.raisable:
            remedy = (
                f"If an answer this long is expected, raise the bound ({ANSWER_FLAG} 64MiB, up "
                f"to {size_text(MAX_ANSWER_LIMIT)}); otherwise ask for a short answer (the "
                "default prompt's is one word) and look at what the server streams."
            )
        else:
            remedy = (
                f"A Llama Stack answers this in kilobytes: check that {setting('url')} is the "
                "server itself, not a file server, a proxy's error page or another service."
            )
        return Diagnosis(
            "ANSWER_TOO_LARGE",
            "The server's answer is larger than the console reads",
            f"The answer went past {size_text(error.limit)}; the console stopped reading it "
            "rather than hold it in memory.",
            remedy,
            endpoint,
            str(error),
        )
    if isinstance(error, AnswerTooSlow):
        return Diagnosis(
            "TIMEOUT",
            "Llama Stack did not answer in time",
            f"The answer was still coming after {error.seconds:g} s, the bound on a whole "
            "answer: the server sends it very slowly (a byte at a time), streams without end, "
            "or is overloaded.",
            f"If the answer is legitimately slow, raise {setting('timeout')} (or pass "
            "--timeout); otherwise read the server's log for what it is doing.",
            endpoint,
            str(error),
        )
    return Diagnosis(
        "ANSWER_REFUSED",
        "The console did not read the server's answer",
        "The answer came in a form the console does not read.",
        f"Check that {setting('url')} is the Llama Stack / OGX server itself.",
        endpoint,
        str(error),
    )


def whole_answer_timeout(endpoint: str, seconds: float) -> AnswerTooSlow:
    """The error for an answer that did not end within the bound, as its caller saw it."""
    return AnswerTooSlow(endpoint, seconds)


MAX_INT_DIGITS = 4_300
"""Python's own bound on turning decimal digits into an int (``sys.int_info``)."""


class UnreadableJson(ValueError):
    """JSON that is well-formed but that Python cannot turn into values."""


def parse_json(text: str) -> Any:
    """``json.loads`` for a server's answer: a number of thousands of digits or nesting
    deeper than Python recurses is `UnreadableJson` (a ValueError), not a crash."""

    def bounded_int(digits: str) -> int:
        if len(digits) > MAX_INT_DIGITS:
            raise UnreadableJson(f"it holds a number of {len(digits.lstrip('-'))} digits")
        return int(digits)

    try:
        return json.loads(text, parse_int=bounded_int)
    except RecursionError:
        raise UnreadableJson("it is nested deeper than Python reads") from None


def preview(value: Any, most: int = 200) -> str:
    """The start of ``str(value)``, even for values nested too deep to print whole."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except (RecursionError, ValueError):
        return f"(a {type(value).__name__} nested too deep to show)"
    return text[:most]


def scalar_text(value: Any) -> str | None:
    """A scalar of a server's answer as text; a list or mapping as what it is (None: null)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return preview(value, 100)
    return f"({type(value).__name__})"


def section_setting(section: str | None) -> Callable[[str], str]:
    """How to name a key of the server section, ``ogx.timeout``; both names when unknown."""
    if section:
        return lambda key: f"{section}.{key}"
    return lambda key: f"ogx.{key} (llama_stack.{key} in a llama_stack: file)"
