"""Turning a failed token request into a `Diagnosis`, and the `TokenError` that carries it.

The sync ``ClientSecretCredential`` reports every failure as one ``ClientAuthenticationError``
whose message is "Authentication failed: ..." and whose ``__cause__``/``__context__`` chain
holds what really happened: an MSAL error with the AADSTS code, a ValueError from OpenID
discovery, an azure-core transport error wrapping urllib3 and ssl. Some failures lose the
code on the way up (an unknown tenant fails at discovery, a 5xx becomes "HTTP Error: 503"),
so the whole chain is read, and what cannot be named by a code is named by its transport
class. The original text is kept in ``detail``, scrubbed of the client secret and tokens.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pydantic import SecretStr

from console.entra import aadsts
from console.shared.azure import PUBLIC_AUTHORITY_HOST
from console.shared.diagnosis import DiagnosedError, Diagnosis

_HTTP_STATUS = re.compile(r"HTTP Error: (\d{3})")
_DETAIL_LIMIT = 1500
_DISCOVERY_MARKERS = ("Unable to get authority configuration", "OIDC Discovery failed")
_CA_FLAG = "--ca-bundle PEM (or REQUESTS_CA_BUNDLE)"


class TokenError(DiagnosedError):
    """A token could not be acquired; ``diagnosis`` says why and what to do.

    Raised instead of the SDK's exceptions so no caller shows a traceback or parses
    messages; the SDK exception is deliberately not chained (its text is in ``detail``).
    """


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """Where a token request went: enough to name the endpoint in a diagnosis.

    ``tenant`` is shown: tenant and client IDs are identifiers, not credentials (``az``
    prints both). The client secret is never part of this.
    """

    authority: str
    tenant: str

    @property
    def tenant_url(self) -> str:
        """``{authority}/{tenant}``: where discovery and the token endpoint both live."""
        return f"{self.authority}/{self.tenant}"

    @property
    def discovery_url(self) -> str:
        """The OpenID configuration MSAL reads before asking for a token."""
        return f"{self.tenant_url}{DISCOVERY_PATH}"

    @property
    def token_url(self) -> str:
        """The v2.0 token endpoint the client-credentials grant is posted to."""
        return f"{self.tenant_url}/oauth2/v2.0/token"


def error_chain(error: BaseException) -> list[BaseException]:
    """``error`` and everything it wraps (cause, context, azure-core's inner exception)."""
    found: list[BaseException] = []
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        for attribute in ("__cause__", "__context__", "inner_exception", "reason"):
            inner = getattr(current, attribute, None)
            if isinstance(inner, BaseException):
                pending.append(inner)
    return found


def diagnose(
    error: BaseException,
    request: TokenRequest,
    secrets: Iterable[SecretStr | str | None] = (),
    *,
    last_url: str | None = None,
) -> Diagnosis:
    """The diagnosis for a failed token request, with ``secrets`` scrubbed from every field.

    ``last_url``: the URL the client asked last, when known: a failure of the OpenID
    configuration's request is said as OpenID discovery's even when the client's message
    does not say so (a 5xx is only "HTTP Error: 503").
    """
    chain = error_chain(error)
    texts = [str(item) for item in chain]
    joined = "\n".join(texts)
    discovery = last_url is not None and last_url.endswith(DISCOVERY_PATH)
    found = replace(_classify(chain, joined, request, discovery), detail=_detail(texts))
    return found.scrubbed(secrets)


def _detail(texts: list[str]) -> str:
    """The chain's messages, outermost first, each once (inner ones are often repeated)."""
    kept: list[str] = []
    for text in texts:
        clean = text.replace("\r\n", "\n").strip()
        if clean and not any(clean in other for other in kept):
            kept.append(clean)
    detail = "\n".join(kept)
    return detail if len(detail) <= _DETAIL_LIMIT else detail[:_DETAIL_LIMIT] + " ..."


def _has(chain: list[BaseException], *types: type[BaseException]) -> bool:
    return any(isinstance(item, types) for item in chain)


DISCOVERY_PATH = "/v2.0/.well-known/openid-configuration"


def _classify(
    chain: list[BaseException], text: str, request: TokenRequest, discovery: bool = False
) -> Diagnosis:
    found = _classified(chain, text, request)
    at_discovery = discovery or any(marker in text for marker in _DISCOVERY_MARKERS)
    if not at_discovery or found.endpoint == request.discovery_url:
        return found
    if found.code.startswith("AADSTS") or found.code in _NOT_DISCOVERY:
        return found
    return replace(
        found,
        title=f"OpenID discovery failed: {found.title[:1].lower()}{found.title[1:]}",
        meaning="The authority's OpenID configuration, which the client reads before it "
        f"asks for a token, could not be read (nothing was sent to the token endpoint): "
        f"{found.meaning}",
        endpoint=f"GET {request.discovery_url}",
    )


_NOT_DISCOVERY = frozenset(
    {"CA_BUNDLE", "TLS", "DNS", "CONNECTION_REFUSED", "INSECURE_AUTHORITY", "AUTHORITY_NOT_KNOWN"}
)
"""Failures of the authority as a whole, said as such even when discovery met them first."""


def _classified(chain: list[BaseException], text: str, request: TokenRequest) -> Diagnosis:
    refused = _refused_answer(chain)
    if refused is not None:
        return refused
    at_discovery = any(marker in text for marker in _DISCOVERY_MARKERS)
    if codes := aadsts.codes_in(text):
        entry = aadsts.explain(codes[0])
        endpoint = request.discovery_url if at_discovery else request.token_url
        return Diagnosis(f"AADSTS{entry.code}", entry.title, entry.meaning, entry.remedy, endpoint)
    lowered = text.lower()
    where = request.tenant_url
    if "could not find a suitable tls ca certificate bundle" in lowered:
        return Diagnosis(
            "CA_BUNDLE",
            "CA bundle not found",
            "The CA bundle given to trust the authority's certificate does not exist or "
            "cannot be read.",
            f"Pass an existing PEM file with {_CA_FLAG}.",
            request.authority,
        )
    if "certificate verify failed" in lowered or _has(chain, ssl.SSLCertVerificationError):
        return Diagnosis(
            "TLS",
            "TLS certificate not trusted",
            "The authority's certificate could not be verified: it is signed by a CA this "
            "machine does not trust (a private CA, or a TLS-inspecting proxy), or it does not "
            "match the host name.",
            f"Trust the CA that signed it: {_CA_FLAG}. Never turn verification off.",
            request.authority,
        )
    if _is_dns_failure(chain, lowered):
        return Diagnosis(
            "DNS",
            "Authority host name does not resolve",
            "The authority's host name could not be resolved to an address.",
            "Check the authority (--authority, AZURE_AUTHORITY_HOST) for typos, and DNS or "
            "proxy settings on this machine.",
            request.authority,
        )
    if "connection refused" in lowered or _has(chain, ConnectionRefusedError):
        return Diagnosis(
            "CONNECTION_REFUSED",
            "Connection refused",
            "Nothing accepts connections at the authority's address and port.",
            "Check the authority URL and port (--authority, AZURE_AUTHORITY_HOST), and that "
            "outbound HTTPS is allowed from this machine.",
            request.authority,
        )
    if "timed out" in lowered or "timeout" in lowered or _has(chain, TimeoutError):
        phase = "a response" if "read time" in lowered else "the authority"
        return Diagnosis(
            "TIMEOUT",
            "Token request timed out",
            f"No answer from {phase} within the time allowed.",
            "Check network reachability of the authority; raise --token-timeout if the "
            "path is slow, or --retries to try again.",
            where,
        )
    if "ssl" in lowered or _has(chain, ssl.SSLError):
        return Diagnosis(
            "TLS",
            "TLS handshake failed",
            "The TLS connection to the authority could not be set up (is it really HTTPS?).",
            f"Check the authority URL; if a private CA signs its certificate, use {_CA_FLAG}.",
            request.authority,
        )
    if _is_dropped(chain, lowered):
        return Diagnosis(
            "CONNECTION_DROPPED",
            "Connection closed without an answer",
            "The authority (or a proxy on the way) closed the connection before answering.",
            "Try again; if it persists, check proxies and firewalls between this machine "
            "and the authority.",
            where,
        )
    if "is an invalid authority" in lowered:
        return insecure_authority(request.authority)
    if "is not well-known" in lowered:
        return Diagnosis(
            "AUTHORITY_NOT_KNOWN",
            "Authority not known to Entra ID",
            f"Instance discovery at {PUBLIC_AUTHORITY_HOST} does not know this authority.",
            "Name a sovereign cloud with --authority usgov|china, or give the authority URL "
            "(instance discovery is then skipped).",
            request.authority,
        )
    if "secret should be" in lowered:
        entry = aadsts.explain(7000218)
        return Diagnosis(
            "AADSTS7000218", entry.title, entry.meaning, entry.remedy, request.token_url
        )
    if "invalid tenant id provided" in lowered:
        return Diagnosis(
            "INVALID_TENANT_ID",
            "Tenant ID has characters Entra ID never uses",
            "tenant_id holds characters that cannot be part of a tenant GUID or domain.",
            "Use the Directory (tenant) ID (a GUID) or a domain such as "
            "contoso.onmicrosoft.com in azure_entra_id.tenant_id.",
            where,
        )
    if "invalid scope was provided" in lowered:
        entry = aadsts.explain(1002012)
        return Diagnosis("INVALID_SCOPE", entry.title, entry.meaning, entry.remedy, where)
    if status := _HTTP_STATUS.search(text):
        return http_status_diagnosis(int(status.group(1)), where)
    if at_discovery:
        return Diagnosis(
            "UNKNOWN_TENANT",
            "No OpenID configuration for this tenant",
            "The authority published no OpenID configuration for the tenant: the tenant "
            "does not exist in this cloud, or the authority is not an Entra ID endpoint.",
            "Check azure_entra_id.tenant_id, and the cloud: --authority usgov or china for "
            "sovereign tenants.",
            request.discovery_url,
        )
    return Diagnosis(
        "TOKEN_REQUEST_FAILED",
        "Token request failed",
        "The token request failed for a reason this console does not recognise.",
        "Read the detail below; run again with --retries 1 to rule out a transient error.",
        where,
    )


def _refused_answer(chain: list[BaseException]) -> Diagnosis | None:
    """An answer of the authority the console stopped reading (`console.entra.bounded_http`)."""
    from console.entra.bounded_http import AuthorityAnswerTooLarge, AuthorityAnswerTooSlow

    for item in chain:
        if isinstance(item, AuthorityAnswerTooLarge):
            return Diagnosis(
                "ANSWER_TOO_LARGE",
                "The authority's answer is larger than the console reads",
                f"The answer went past {item.limit // (1024 * 1024)} MiB and the console "
                "stopped reading it. An Entra ID answer is a few kilobytes: the authority is "
                "not Entra ID, or something between (a proxy, a captive portal) answers for it.",
                "Check the authority (--authority, AZURE_AUTHORITY_HOST) and any proxy on the "
                "way: `curl -sI <endpoint>` should show Microsoft's headers.",
                item.url,
            )
        if isinstance(item, AuthorityAnswerTooSlow):
            return Diagnosis(
                "TIMEOUT",
                "Token request timed out",
                f"The answer was not complete after {item.seconds:g} s: the authority (or a "
                "proxy) sends it very slowly, a byte at a time, and the read timeout bounds the "
                "whole answer, not each read.",
                "Check network reachability of the authority and any proxy on the way; raise "
                "--token-timeout if the path is really that slow.",
                item.url,
            )
    return None


def _is_dropped(chain: list[BaseException], lowered: str) -> bool:
    markers = (
        "connection aborted",
        "remote end closed",
        "connection reset",
        "unexpected eof",
        "eof occurred",
    )
    if any(marker in lowered for marker in markers) or _has(chain, ConnectionError):
        return True
    return any(type(item).__name__ == "ServiceResponseError" for item in chain)


def _is_dns_failure(chain: list[BaseException], lowered: str) -> bool:
    markers = (
        "failed to resolve",
        "name or service not known",
        "nodename nor servname",
        "getaddrinfo failed",
        "temporary failure in name resolution",
        "no address associated with hostname",
    )
    return _has(chain, socket.gaierror) or any(marker in lowered for marker in markers)


SECRET_PLACEHOLDER = "the variable behind azure_entra_id.client_secret"  # noqa: S105
"""How the catalogue's remedies name the client secret's variable before it is known."""
_CONCERNS = {
    "AADSTS7000215": "client_secret",
    "AADSTS7000222": "client_secret",
    "AADSTS7000218": "client_secret",
    "MISSING_CLIENT_SECRET": "client_secret",
    "AADSTS700016": "client_id",
    "MISSING_CLIENT_ID": "client_id",
    "AADSTS90002": "tenant_id",
    "AADSTS900023": "tenant_id",
    "UNKNOWN_TENANT": "tenant_id",
    "INVALID_TENANT_ID": "tenant_id",
    "MISSING_TENANT_ID": "tenant_id",
}
"""The setting a token failure is about, by its code."""


def with_origins(diagnosis: Diagnosis, origins: dict[str, str]) -> Diagnosis:
    """The diagnosis naming where the setting it is about comes from.

    ``origins`` maps ``client_secret``, ``client_id`` and ``tenant_id`` to where each is
    read (`console.config.provenance.value_origin`: the variable, the file and line, the env
    file and line of its value). Names and places only: never a value.
    """
    key = _CONCERNS.get(diagnosis.code)
    origin = origins.get(key) if key is not None else None
    if key is None or origin is None:
        return diagnosis
    if SECRET_PLACEHOLDER in diagnosis.remedy:
        return replace(diagnosis, remedy=diagnosis.remedy.replace(SECRET_PLACEHOLDER, origin))
    return replace(diagnosis, remedy=f"{diagnosis.remedy} Here azure_entra_id.{key} is {origin}.")


def http_status_diagnosis(status: int, endpoint: str) -> Diagnosis:
    """An HTTP status with no AADSTS code (MSAL reports 5xx only as "HTTP Error: 503")."""
    if status == 429:
        return Diagnosis(
            "HTTP_429",
            "Throttled by Entra ID",
            "Entra ID answered 429 Too Many Requests.",
            "Wait for the Retry-After period; find whatever is requesting tokens in a loop.",
            endpoint,
        )
    if status >= 500:
        return Diagnosis(
            f"HTTP_{status}",
            "Entra ID unavailable",
            f"The authority answered HTTP {status}: a server-side problem, usually transient "
            "(the code Entra sent is lost by the client library for 5xx answers).",
            "Try again in a moment, or pass --retries; check https://status.azure.com if it "
            "persists.",
            endpoint,
        )
    return Diagnosis(
        f"HTTP_{status}",
        f"Unexpected HTTP {status} from the authority",
        f"The authority answered HTTP {status} without an Entra ID error code.",
        "Check that the authority URL points at Entra ID (not a proxy or another service).",
        endpoint,
    )


def insecure_authority(authority: str) -> Diagnosis:
    """The diagnosis for an authority that is not HTTPS (the SDK refuses it outright)."""
    return Diagnosis(
        "INSECURE_AUTHORITY",
        "Authority must use HTTPS",
        "Tokens are only requested over TLS: azure-identity refuses an http:// authority.",
        "Use an https:// authority, or a cloud name: --authority public|usgov|china.",
        authority,
    )
