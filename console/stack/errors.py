"""Turn what goes wrong between the console and a Llama Stack server into a `Diagnosis`.

`llama_stack_client` reports failures as an exception class plus a chain of httpx,
httpcore and socket errors; an HTML page from a proxy even comes back as a plain string.
An operator needs one sentence naming the endpoint and what to change, so every failure
of a call to the server is classified here: nothing listening, a name that does not
resolve, TLS (told apart in `console.stack.tls_errors`), a reset, a timeout, the server's
own 401/403 (its ``api_key``), a 5xx, an answer that is not JSON. Failures that depend on
what a chat completion carried (the provider-data header, the Azure token, the model) are
`console.inference.errors`' job; it falls back to this module for everything else.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from console.shared.diagnosis import Diagnosis
from console.stack.bounds import AnswerRefused, bound_diagnosis, preview, section_setting
from console.stack.tls_errors import http_to_https_diagnosis, tls_diagnosis

_DETAIL_LIMIT = 600
_PLAIN_TO_TLS = "plain http request was sent to https port"
"""What nginx (and ingress controllers built on it) answer to http:// on a TLS port."""
_REMEDY_URL = (
    "Check {key} in lightspeed-stack.yaml (or the --url given) and that the "
    'Llama Stack server is running: `curl {url}/v1/health` should answer {{"status":"OK"}}.'
)


def error_chain(error: BaseException) -> list[BaseException]:
    """``error`` and every exception it wraps (cause first, then context), each once."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and not any(current is seen for seen in found):
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def chain_text(error: BaseException) -> str:
    """The messages of the chain, outermost first, without repeats, bounded in length."""
    kept: list[str] = []
    for item in error_chain(error):
        text = str(item).strip() or type(item).__name__
        if not any(text in other for other in kept):
            kept.append(text)
    detail = "\n".join(kept)
    return detail if len(detail) <= _DETAIL_LIMIT else detail[:_DETAIL_LIMIT] + " ..."


def endpoint_of(error: BaseException, fallback: str) -> str:
    """``METHOD url`` of the request that failed, when the error carries it."""
    request = getattr(error, "request", None)
    if isinstance(request, httpx.Request):
        return f"{request.method} {request.url}"
    return fallback


def base_of(endpoint: str) -> str:
    """The server's base URL from an endpoint string such as ``GET http://h:1/v1/models``."""
    url = endpoint.split(" ", 1)[-1]
    head, sep, _ = url.partition("/v1/")
    return head if sep else url.rstrip("/")


def _has(chain: list[BaseException], *types: type[BaseException]) -> bool:
    return any(isinstance(item, types) for item in chain)


def connection_diagnosis(
    error: BaseException,
    endpoint: str,
    ca_bundle: Path | None = None,
    section: str | None = None,
) -> Diagnosis:
    """A request that got no HTTP answer: refused, unresolvable, TLS, reset or timed out;
    or one whose answer the console stopped reading (too large, too slow, a redirect to
    another origin: `console.stack.bounds`).

    ``ca_bundle`` is what the client trusted (None: the system's CAs), named when the
    server's certificate was not trusted; ``section`` the configuration's server section
    (``ogx``, ``llama_stack``), which the remedies name.
    """
    chain = error_chain(error)
    setting = section_setting(section)
    remedy_url = _REMEDY_URL.format(key=setting("url"), url=base_of(endpoint))
    refused = next((item for item in chain if isinstance(item, AnswerRefused)), None)
    if refused is not None:
        return bound_diagnosis(refused, setting)
    detail = chain_text(error)
    if _has(chain, httpx.TimeoutException, TimeoutError) or type(error).__name__ == (
        "APITimeoutError"
    ):
        connect = _has(chain, httpx.ConnectTimeout)
        return Diagnosis(
            "TIMEOUT",
            "Llama Stack did not answer in time"
            if not connect
            else "Could not connect to Llama Stack in time",
            (
                "The connection could not be opened before the timeout: a firewall dropping "
                "packets, or a host that is down."
                if connect
                else "The server accepted the request but sent no answer before the timeout: "
                "it is overloaded, stuck, or waiting on a slow upstream (Azure)."
            ),
            f"Raise {setting('timeout')} (or pass --timeout), and look at the server's log "
            "for what it is waiting on. " + remedy_url,
            endpoint,
            detail,
        )
    if _has(chain, ConnectionRefusedError):
        return Diagnosis(
            "CONNECTION_REFUSED",
            "Nothing is listening at the Llama Stack URL",
            "The host answered, but no server accepts connections on that port.",
            "Start the Llama Stack server, or fix the port. " + remedy_url,
            endpoint,
            detail,
        )
    if _has(chain, socket.gaierror):
        return Diagnosis(
            "DNS",
            "The Llama Stack host name does not resolve",
            "The name in the URL is unknown to this machine's resolver.",
            "Fix the host name, or run the console where that name resolves (inside the "
            "cluster, or with a port-forward and --url http://127.0.0.1:<port>).",
            endpoint,
            detail,
        )
    if _has(chain, ssl.SSLError):
        return tls_diagnosis(chain, endpoint, detail, ca_bundle, section)
    if _has(chain, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        return Diagnosis(
            "CONNECTION_DROPPED",
            "Llama Stack closed the connection without answering",
            "The server (or a proxy in front of it) dropped the connection mid-request: it "
            "crashed, restarted, or a proxy timed the request out.",
            "Try again; if it repeats, read the server's log around this time. " + remedy_url,
            endpoint,
            detail,
        )
    return Diagnosis(
        "CONNECTION_FAILED",
        "Could not reach Llama Stack",
        "The request failed before any HTTP answer came back.",
        remedy_url,
        endpoint,
        detail,
    )


def status_diagnosis(
    status: int, message: str, endpoint: str, section: str | None = None
) -> Diagnosis:
    """An HTTP error answer from the server itself (not one relayed from Azure).

    ``section``: the configuration's server section (``ogx``, ``llama_stack``), whose keys
    the remedies name.
    """
    base = base_of(endpoint)
    setting = section_setting(section)
    if status == 400 and _PLAIN_TO_TLS in message.lower():
        return http_to_https_diagnosis(endpoint, message, section)
    if status == 401:
        return Diagnosis(
            "STACK_UNAUTHORIZED",
            "Llama Stack refused the api_key",
            "The server has authentication enabled and did not accept the credential the "
            f"console sent as `Authorization: Bearer <{setting('api_key')}>` (none was sent "
            "when api_key is unset).",
            f"Set {setting('api_key')} in lightspeed-stack.yaml to a key the server's "
            "server.auth provider accepts (the same one Lightspeed uses).",
            endpoint,
            message,
        )
    if status == 403:
        return Diagnosis(
            "STACK_FORBIDDEN",
            "Llama Stack denied access to this route",
            "The api_key was accepted, but the server's access policy does not allow this "
            "route for its principal.",
            "Grant the principal access to the route in the server's server.auth "
            "route_policy / access_policy, or use the key Lightspeed uses.",
            endpoint,
            message,
        )
    if status == 404:
        return Diagnosis(
            "HTTP_404",
            "Route not found on the Llama Stack server",
            "The server does not serve this route: the URL points at another service, has a "
            "path prefix it should not have, or the server is too old for this console.",
            "Give the server's root URL (e.g. http://host:8321, no /v1); "
            + _REMEDY_URL.format(key=setting("url"), url=base),
            endpoint,
            message,
        )
    if status >= 500:
        return Diagnosis(
            f"HTTP_{status}",
            "Llama Stack failed with a server error",
            f"The server answered HTTP {status}: something broke inside it or behind it "
            "(a provider, its storage, or a proxy in front of it).",
            "Read the Llama Stack server's log at the time of this request; restart it if "
            "it stays broken.",
            endpoint,
            message,
        )
    return Diagnosis(
        f"HTTP_{status}",
        f"Llama Stack answered HTTP {status}",
        "The server rejected the request.",
        "Read the detail below; check that the server and this console agree on the API "
        "version (llama-stack 0.7).",
        endpoint,
        message,
    )


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
FIRST_BYTES = 80
"""How much of an answer that is not JSON the meaning quotes (the detail keeps 200)."""


def not_json_diagnosis(
    endpoint: str, content_type: str, body: str, section: str | None = None
) -> Diagnosis:
    """A 2xx answer that is not the JSON (or event stream) the API returns, said with what
    it is: an HTML page's title, or the answer's first bytes."""
    shown = " ".join(body.split())[:200]
    kind = content_type or "no content type"
    html = "html" in kind.lower() or shown.lstrip().startswith("<")
    title = _TITLE.search(body[:65536]) if html else None
    if title is not None and " ".join(title.group(1).split()):
        what = f': an HTML page titled "{" ".join(title.group(1).split())[:120]}"'
    elif shown:
        quoted = shown[:FIRST_BYTES] + ("..." if len(shown) > FIRST_BYTES else "")
        what = f", starting {quoted!r}"
    else:
        what = ", empty"
    guess = " (a proxy, a login page or a web UI)" if html else ""
    return Diagnosis(
        "NOT_JSON",
        "The answer is not from a Llama Stack API",
        f"The URL answered with {kind} instead of JSON{what}{guess}.",
        f"Point {section_setting(section)('url')} (or --url) at the Llama Stack server "
        "itself (its port, usually 8321), not at a proxy, route or UI in front of it.",
        endpoint,
        shown,
    )


def unexpected_diagnosis(endpoint: str, what: str, body: Any) -> Diagnosis:
    """JSON of the wrong shape: a different API answered."""
    return Diagnosis(
        "UNEXPECTED_ANSWER",
        "The answer does not look like Llama Stack's",
        f"Expected {what}; the server sent something else.",
        "Check that the URL is a Llama Stack server of a supported version (0.7).",
        endpoint,
        preview(body),
    )


def diagnose_call(
    error: BaseException,
    endpoint: str,
    secrets: Iterable[SecretStr | str | None] = (),
    ca_bundle: Path | None = None,
    section: str | None = None,
) -> Diagnosis:
    """The diagnosis for any exception raised by a listing call, scrubbed of ``secrets``.

    ``ca_bundle`` is the CA bundle the client trusted, for a TLS failure's explanation;
    ``section`` the server section the remedies name.
    """
    from console.stack.sdk import load_llama_stack_client

    load_llama_stack_client()
    from llama_stack_client import APIConnectionError, APIStatusError

    where = endpoint_of(error, endpoint)
    if isinstance(error, APIStatusError):
        found = status_diagnosis(error.status_code, server_message(error), where, section)
    elif isinstance(error, APIConnectionError | httpx.HTTPError | OSError) or any(
        isinstance(item, AnswerRefused) for item in error_chain(error)
    ):
        found = connection_diagnosis(error, where, ca_bundle, section)
    else:
        found = Diagnosis(
            "CLIENT_ERROR",
            "The Llama Stack client failed",
            f"{type(error).__name__} while talking to the server.",
            "Run again; if it repeats, report it with the command line.",
            where,
            chain_text(error),
        )
    return found.scrubbed(secrets)


def server_message(error: Any) -> str:
    """The ``error.message`` (or ``detail``) the server put in its error body, else the text."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            for key in ("message", "detail"):
                value = inner.get(key)
                if isinstance(value, str) and value:
                    return value
        detail = body.get("detail")
        if isinstance(detail, str) and detail:
            return detail
    if isinstance(body, str) and body:
        return body[:_DETAIL_LIMIT]
    return str(getattr(error, "message", "") or error)
