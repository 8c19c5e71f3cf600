"""Azure throttling behind a test inference that timed out: ask Azure itself.

A server (llama-stack 0.7.3, OGX 1.2.5, the library client of either) calls Azure with the
OpenAI SDK, which retries a 429 twice and waits the ``Retry-After`` Azure gives before each
try (up to 60 s). With a long Retry-After the server answers only after twice that, and the
console's timeout (``ogx.timeout``, 30 s by default) ends first: "did not answer in time"
would hide the cause. So when a test inference times out, the console sends one small
chat completion (one token asked for) to the Azure deployment itself, with the same token:
if Azure answers 429, the diagnosis is throttling, with its Retry-After and the Azure
endpoint that refused.

The token goes only where the server sends it: the base URL the server reports for its
``remote::azure`` provider (or, in library mode, the one in its run.yaml), over https, or
plain http to this machine. Nothing else is ever asked.
"""

from __future__ import annotations

import email.utils
import ipaddress
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr

from console.inference.errors import SentRequest
from console.shared.diagnosis import Diagnosis

PROBE_TIMEOUT_S = 10.0
"""How long Azure has to answer the probe (it answers a 429 at once)."""
MAX_PROBE_BYTES = 64 * 1024
"""An Azure error body is a few hundred bytes; the probe reads no more than this."""
SDK_RETRIES = 2
"""The OpenAI SDK's retries inside the server: three tries, each after the Retry-After."""
SDK_MAX_RETRY_AFTER_S = 60
"""The longest Retry-After the OpenAI SDK waits for (longer: its own backoff instead)."""
_SAID_RETRY = re.compile(r"retry after (\d+) seconds?", re.IGNORECASE)


@dataclass(frozen=True)
class Throttled:
    """Azure's 429: where, for how long, and what it said."""

    endpoint: str
    retry_after_s: float | None
    message: str


def retry_after(headers: dict[str, str], message: str = "") -> float | None:
    """Seconds from ``retry-after-ms``, ``retry-after`` (seconds or an HTTP date), or the
    "Please retry after N seconds" of Azure's message; None when none says."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    if (value := lowered.get("retry-after")) is not None:
        try:
            return float(value)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value) if value else None
            if when is not None:
                return max(0.0, when.timestamp() - time.time())
    said = _SAID_RETRY.search(message)
    return float(said.group(1)) if said else None


def may_probe(base_url: str | None) -> bool:
    """Whether the token may go to ``base_url`` on its own: https, or http to loopback."""
    if not base_url:
        return False
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


async def probe_azure(
    base_url: str, token: SecretStr, model: str, *, timeout_s: float = PROBE_TIMEOUT_S
) -> Throttled | None:
    """One chat completion of one token to ``{base_url}/chat/completions`` with the token as
    Bearer, as the server sends it; `Throttled` when Azure answers 429, else None (any
    other answer, or none: nothing is said about it)."""
    import httpx

    endpoint = f"POST {base_url.rstrip('/')}/chat/completions"
    loopback = urlsplit(base_url).scheme == "http"
    body = {"model": model, "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}
    headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
    try:
        async with (
            httpx.AsyncClient(
                timeout=timeout_s, trust_env=not loopback, follow_redirects=False
            ) as client,
            client.stream(
                "POST", f"{base_url.rstrip('/')}/chat/completions", json=body, headers=headers
            ) as answer,
        ):
            if answer.status_code != 429:
                return None
            raw = b""
            async for chunk in answer.aiter_bytes():
                raw += chunk
                if len(raw) > MAX_PROBE_BYTES:
                    break
            message = _message(raw[:MAX_PROBE_BYTES].decode(errors="replace"))
            seconds = retry_after(dict(answer.headers), message)
            return Throttled(endpoint, seconds, message)
    except (httpx.HTTPError, OSError, ValueError):
        return None


def _message(text: str) -> str:
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return text[:300]
    error = data.get("error", data) if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return message[:600] if isinstance(message, str) else text[:300]


def throttled_diagnosis(
    found: Throttled, *, waited_s: float | None, via: str, timeout_key: str
) -> Diagnosis:
    """Azure throttling, said with its Retry-After, the Azure endpoint, and why the server
    had not answered yet."""
    after = found.retry_after_s
    said = f"Retry-After {after:.0f} s" if after is not None else "no Retry-After"
    if after is not None and 0 < after <= SDK_MAX_RETRY_AFTER_S:
        server = (
            f"The server's OpenAI SDK waits the Retry-After before each of its {SDK_RETRIES} "
            f"retries, so it answers only after about {SDK_RETRIES * after:.0f} s"
        )
    else:
        server = "The server's OpenAI SDK retries it with its own backoff"
    waited = f"; the console stopped waiting after {waited_s:.0f} s" if waited_s else ""
    return Diagnosis(
        "AZURE_RATE_LIMITED",
        f"Azure OpenAI is throttling ({said})",
        f"Azure answered 429 Too Many Requests ({said}) when the console asked it directly, "
        f"after the test inference through {via} had no answer: the deployment's tokens or "
        f"requests per minute are used up. {server}{waited}.",
        f"Wait {after:.0f} s and try again; if it persists, raise the deployment's TPM quota "
        "(Azure portal > the resource > Deployments), or find what else uses it. To see the "
        f"server relay the 429 itself, raise {timeout_key} (or pass --timeout) above "
        f"{SDK_RETRIES * after + 10:.0f} s."
        if after is not None
        else "Wait and try again; if it persists, raise the deployment's TPM quota (Azure "
        "portal > the resource > Deployments), or find what else uses it.",
        found.endpoint,
        found.message,
    )


TIMEOUT_CODES = frozenset({"TIMEOUT", "LIBRARY_TIMEOUT"})
"""The diagnoses of a test inference that had no answer in time."""


async def explain_timeout(
    found: Diagnosis, sent: SentRequest, *, waited_s: float | None, via: str, timeout_key: str
) -> Diagnosis:
    """``found`` unless it is a timeout and Azure itself answers 429: then throttling."""
    if found.code not in TIMEOUT_CODES or sent.token is None or not sent.token.get_secret_value():
        return found
    if not sent.provider_model_id or not may_probe(sent.base_url):
        return found
    assert sent.base_url is not None
    throttled = await probe_azure(sent.base_url, sent.token, sent.provider_model_id)
    if throttled is None:
        return found
    diagnosis = throttled_diagnosis(throttled, waited_s=waited_s, via=via, timeout_key=timeout_key)
    return diagnosis.scrubbed(sent.secrets)
