"""The Llama Stack stand-in's calls to Azure, as 0.7.3's OpenAI SDK client makes them.

Same policy as the SDK inside the real server: 2 retries (3 tries in all) for 408, 409, 429
and 5xx (or as ``x-should-retry`` says) and for connection failures, ``Retry-After`` (or
``retry-after-ms``) honoured up to 60 s, exponential backoff with jitter otherwise. Failures
come out as `UpstreamError`, already worded as the real server answers them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from typing import Any

import httpx

from console.sandbox.llama_stack.errors import MSG_INTERNAL
from console.sandbox.llama_stack.identity import SANDBOX_VERSION

_MAX_RETRIES = 2
_RETRY_STATUSES = frozenset({408, 409, 429})
_MAX_RETRY_AFTER_S = 60.0
_INITIAL_RETRY_DELAY_S = 0.5
_MAX_RETRY_DELAY_S = 8.0
_UPSTREAM_TIMEOUT = httpx.Timeout(600.0, connect=5.0)


class UpstreamError(Exception):
    """An upstream answer or failure, already turned into what the real server answers.

    ``closes``: whether the real server drops the keep-alive connection after answering.
    """

    def __init__(self, status: int, message: str, *, closes: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.closes = closes


def status_error(response_status: int, text: str) -> UpstreamError:
    """What the OpenAI SDK makes of an error answer, as the real server reports it."""
    message = f"Error code: {response_status}"
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    error = body.get("error", body) if isinstance(body, dict) else None
    detail = error.get("message") if isinstance(error, dict) else None
    if isinstance(detail, str) and detail:
        message += f" - {detail}"
    # A 400 maps to openai.BadRequestError, which 0.7.3 handles without dropping the connection.
    return UpstreamError(response_status, message, closes=response_status != 400)


def retry_delay(attempt: int, headers: httpx.Headers | None) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): the server's hint, or a backoff."""
    if headers is not None:
        raw = headers.get("retry-after-ms")
        seconds: float | None = None
        if raw is not None:
            with contextlib.suppress(ValueError):
                seconds = float(raw) / 1000
        elif (raw := headers.get("retry-after")) is not None:
            with contextlib.suppress(ValueError):
                seconds = float(raw)
        if seconds is not None and 0 < seconds <= _MAX_RETRY_AFTER_S:
            return seconds
    backoff = min(_INITIAL_RETRY_DELAY_S * 2.0**attempt, _MAX_RETRY_DELAY_S)
    return backoff * (1 - 0.25 * random.random())  # noqa: S311 - jitter, not crypto


def _should_retry(response: httpx.Response) -> bool:
    hint: str | None = response.headers.get("x-should-retry")
    if hint in ("true", "false"):
        return hint == "true"
    return response.status_code in _RETRY_STATUSES or response.status_code >= 500


class Upstream:
    """Sends to a provider's base URL with the OpenAI SDK's retries and error mapping.

    One per request: its connections then never outlive the event loop of the server thread.
    """

    def __init__(self, verify: bool | str) -> None:
        self._client = httpx.AsyncClient(timeout=_UPSTREAM_TIMEOUT, verify=verify, trust_env=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self, method: str, url: str, key: str, body: dict[str, Any] | None, *, stream: bool
    ) -> httpx.Response:
        headers = {
            "authorization": f"Bearer {key}",
            "accept": "application/json",
            "user-agent": f"lightspeed-sandbox-llama-stack/{SANDBOX_VERSION}",
        }
        attempt = 0
        while True:
            request = self._client.build_request(method, url, json=body, headers=headers)
            try:
                response = await self._client.send(request, stream=stream)
            except httpx.HTTPError as exc:
                if attempt < _MAX_RETRIES:
                    await asyncio.sleep(retry_delay(attempt, None))
                    attempt += 1
                    continue
                raise UpstreamError(500, MSG_INTERNAL) from exc
            if response.status_code < 400:
                return response
            text = (await response.aread()).decode(errors="replace")
            await response.aclose()
            if attempt < _MAX_RETRIES and _should_retry(response):
                await asyncio.sleep(retry_delay(attempt, response.headers))
                attempt += 1
                continue
            raise status_error(response.status_code, text)
