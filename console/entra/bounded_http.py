"""The token request's HTTP, held to a size and a time: the authority's answers are bounded.

azure-identity's sync credential reads every answer of the authority (the OpenID
configuration, the token) whole, through ``requests``, however long it is: an endless
answer grows the process until the machine kills it, and one dripped a byte at a time
never trips the read timeout, which counts from one received byte to the next. The
credential is therefore given a transport (`bounded_transport`) whose session reads each
body itself, a few kilobytes at a time as they arrive, and stops:

- past `ANSWER_LIMIT` bytes (an OpenID configuration or a token answer is a few
  kilobytes; the body is counted decoded, as it would be held);
- past the read timeout counted over the whole body, not between two bytes.

The status line and headers are read by ``http.client`` before any of this, within its own
limits (100 headers of 64 KiB) and the read timeout per byte; the token manager bounds the
whole request from outside, so a caller never waits longer than that either.

Each refusal is a ``requests.RequestException``, which azure-core wraps like any failed
request (a ``ServiceResponseError``); `console.entra.errors` finds it in the chain and
names the endpoint and the limit.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from azure.core.pipeline.transport import RequestsTransport

KIB = 1024
ANSWER_LIMIT = 4 * 1024 * KIB
"""An authority's answer: a few kilobytes in real life, 4 MiB at most here."""
READ_SIZE = 16 * KIB


class AuthorityAnswerRefused(requests.RequestException):
    """An answer of the authority the console stopped reading."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class AuthorityAnswerTooLarge(AuthorityAnswerRefused):
    """The body went past ``limit`` bytes."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"the answer went past {limit // (1024 * KIB)} MiB; stopped reading", url)
        self.limit = limit


class AuthorityAnswerTooSlow(AuthorityAnswerRefused):
    """The body was not complete within ``seconds``."""

    def __init__(self, url: str, seconds: float, received: int) -> None:
        super().__init__(
            f"the answer was not complete after {seconds:g} s ({received} bytes of its body "
            "received); stopped reading",
            url,
        )
        self.seconds = seconds


class BoundedSession(requests.Session):
    """A ``requests`` session that reads every body itself, within ``limit`` and ``seconds``."""

    def __init__(self, *, limit: int = ANSWER_LIMIT, seconds: float) -> None:
        super().__init__()
        self.limit = limit
        self.seconds = seconds
        self.last_url: str | None = None
        """The URL of the latest request (a failure's diagnosis says which one failed)."""
        # A compressed answer is decoded within the bound anyway; asking for none spares it.
        self.headers["Accept-Encoding"] = "identity"

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        deadline = time.monotonic() + self.seconds
        self.last_url = request.url
        wanted_stream = kwargs.pop("stream", False)
        response = super().send(request, stream=True, **kwargs)
        if wanted_stream:
            return response  # the caller reads it (azure-identity never asks)
        try:
            body = self._read(response, deadline)
        except BaseException:
            response.close()
            raise
        response._content = body  # what requests itself sets once a body is read
        response._content_consumed = True
        response.close()  # gives the connection back to the pool
        return response

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        """The body, a read of the socket at a time (``read1``), so the clock is checked
        whenever anything arrives."""
        raw = response.raw
        url = str(response.url)
        chunks: list[bytes] = []
        received = 0
        while True:
            if time.monotonic() > deadline:
                raise AuthorityAnswerTooSlow(url, self.seconds, received)
            chunk: bytes = raw.read1(READ_SIZE, decode_content=True)
            if not chunk:
                break
            received += len(chunk)
            if received > self.limit:
                raise AuthorityAnswerTooLarge(url, self.limit)
            chunks.append(chunk)
        return b"".join(chunks)


def bounded_transport(
    *,
    connection_timeout: float,
    read_timeout: float,
    verify: str | bool = True,
    limit: int = ANSWER_LIMIT,
    session: BoundedSession | None = None,
) -> RequestsTransport:
    """azure-core's requests transport on a `BoundedSession`: each body within ``limit``
    bytes and ``read_timeout`` seconds as a whole. ``verify``: a CA bundle's path or True;
    ``session``: the session to use (the caller then knows which URL it asked last)."""
    from azure.core.pipeline.transport import RequestsTransport

    return RequestsTransport(
        session=session or BoundedSession(limit=limit, seconds=read_timeout),
        session_owner=True,
        connection_timeout=connection_timeout,
        read_timeout=read_timeout,
        connection_verify=verify,
    )
