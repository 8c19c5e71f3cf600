"""TLS failures between the console and a Llama Stack / OGX server, each with its own remedy.

OGX 1.x serves only HTTPS, so "TLS handshake failed" covers several different mistakes an
operator fixes in different places: the CA is not trusted here (``--stack-ca-bundle``), the
URL names a host the certificate does not (a port-forward's 127.0.0.1), the certificate has
expired (the server's side), or the URL's scheme is wrong for the port (https:// to a
plain-HTTP port, or http:// to a TLS one). They are told apart by OpenSSL's verification
code (``ssl.SSLCertVerificationError.verify_code``) and reason, the way
`console.entra.errors` explains the authority's TLS failures, with the same rule in every
remedy: trust the right CA, never turn verification off.

http:// to a TLS port is the one mix-up TLS cannot report: the server just closes the
connection. `speaks_tls` asks the port for a handshake (nothing else is sent) so that a
dropped plain-HTTP request can be told apart from a server that crashed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path

import httpx

from console.shared.diagnosis import Diagnosis

STACK_CA_FLAG = "--stack-ca-bundle PEM (or stack_ca_bundle in the settings file)"
_NEVER_OFF = "Never turn verification off."

# OpenSSL's X509_V_ERR_* codes, as `ssl.SSLCertVerificationError.verify_code` carries them.
_UNTRUSTED = frozenset({2, 18, 19, 20, 21})
"""Issuer unknown: unable to get (local) issuer, self-signed (in chain), unverifiable leaf."""
_WRONG_NAME = frozenset({62, 64})
"""Host name or IP address mismatch."""
_EXPIRED = 10
_NOT_YET_VALID = 9
_NOT_TLS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL"}
)
"""OpenSSL's reasons when the answer to a ClientHello is not TLS (a plain-HTTP server's 400)."""


def tls_diagnosis(
    chain: list[BaseException],
    endpoint: str,
    detail: str,
    ca_bundle: Path | None = None,
    section: str | None = None,
) -> Diagnosis:
    """A failed TLS handshake: the certificate's fault, a plain-HTTP port, or other."""
    verify = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if verify is not None:
        return certificate_diagnosis(verify, endpoint, detail, ca_bundle)
    reasons = {getattr(e, "reason", None) for e in chain if isinstance(e, ssl.SSLError)}
    if reasons & _NOT_TLS:
        return https_to_http_diagnosis(endpoint, detail, section)
    return Diagnosis(
        "TLS",
        "TLS handshake with Llama Stack failed",
        "The TLS connection to the server could not be set up: its TLS settings and this "
        "machine's do not agree (protocol version or ciphers), or something in between "
        "interferes.",
        f"Check that the URL names the server's TLS port; if a private CA signed its "
        f"certificate, use {STACK_CA_FLAG}. {_NEVER_OFF}",
        endpoint,
        detail,
    )


def certificate_diagnosis(
    error: ssl.SSLCertVerificationError, endpoint: str, detail: str, ca_bundle: Path | None
) -> Diagnosis:
    """The server's certificate was refused: not trusted, another name, expired, other."""
    code = error.verify_code
    where = _host_port(endpoint)
    if code in _UNTRUSTED:
        return _untrusted(endpoint, detail, ca_bundle, where)
    if code in _WRONG_NAME:
        return Diagnosis(
            "TLS_HOSTNAME_MISMATCH",
            "Llama Stack's certificate is for another host name",
            f"The certificate is trusted but not issued for the host in the URL "
            f"({str(error.verify_message).rstrip('.')}).",
            "Use a host name the certificate lists (`openssl s_client -connect "
            f"{where} </dev/null | openssl x509 -noout -ext subjectAltName`): the service's "
            "DNS name rather than an IP address or a port-forward's 127.0.0.1, or reissue the "
            f"certificate with this name. {_NEVER_OFF}",
            endpoint,
            detail,
        )
    if code in (_EXPIRED, _NOT_YET_VALID):
        expired = code == _EXPIRED
        return Diagnosis(
            "TLS_EXPIRED" if expired else "TLS_NOT_YET_VALID",
            "Llama Stack's TLS certificate has expired"
            if expired
            else "Llama Stack's TLS certificate is not valid yet",
            "The certificate's validity period "
            + ("has ended" if expired else "has not begun")
            + " by this machine's clock.",
            "Renew the server's certificate (OGX reads it from server.tls_certfile) and restart "
            f"the server; if it should be valid, check this machine's clock. {_NEVER_OFF}",
            endpoint,
            detail,
        )
    return Diagnosis(
        "TLS_CERTIFICATE",
        "Llama Stack's TLS certificate was refused",
        f"The certificate failed verification: {error.verify_message or error.reason}.",
        f"Fix the server's certificate (server.tls_certfile); if a private CA signed it, "
        f"trust that CA with {STACK_CA_FLAG}. {_NEVER_OFF}",
        endpoint,
        detail,
    )


def _untrusted(endpoint: str, detail: str, ca_bundle: Path | None, where: str) -> Diagnosis:
    if ca_bundle is None:
        trusted = (
            "this machine's CAs (the authority's --ca-bundle is not used for the Llama Stack "
            "server)"
        )
        remedy = f"Trust the CA that signed it: {STACK_CA_FLAG}. {_NEVER_OFF}"
    else:
        trusted = f"the CAs in {ca_bundle}, the --stack-ca-bundle given"
        remedy = (
            f"Trust the CA that signed it instead: {STACK_CA_FLAG}; "
            f"`openssl s_client -connect {where} -showcerts` shows the chain the server "
            f"sends. {_NEVER_OFF}"
        )
    return Diagnosis(
        "TLS_UNTRUSTED",
        "Llama Stack's TLS certificate is not trusted",
        f"The server's certificate is signed by a CA that is not among {trusted}: a private "
        "CA, or a TLS-inspecting proxy in between.",
        remedy,
        endpoint,
        detail,
    )


def _url_key(section: str | None) -> str:
    """The server URL's key as the deployment's file writes it (both when unknown)."""
    return f"{section}.url" if section else "ogx.url or llama_stack.url"


def https_to_http_diagnosis(endpoint: str, detail: str, section: str | None = None) -> Diagnosis:
    """An https:// URL for a port that answers in plain HTTP."""
    plain = _with_scheme(endpoint, "http")
    return Diagnosis(
        "TLS_HTTPS_TO_HTTP",
        "The URL says https:// but the Llama Stack server speaks plain HTTP",
        "The TLS handshake got a plain-HTTP answer: this port serves HTTP without TLS "
        "(llama-stack 0.x, or a port that is not OGX's).",
        f"Change the URL's scheme to http:// ({_url_key(section)}, or --url {plain}), or use the "
        "port where the server serves TLS.",
        endpoint,
        detail,
    )


def http_to_https_diagnosis(endpoint: str, detail: str, section: str | None = None) -> Diagnosis:
    """An http:// URL for a port that speaks TLS (it closes the connection, or says so in 400)."""
    secure = _with_scheme(endpoint, "https")
    return Diagnosis(
        "TLS_HTTP_TO_HTTPS",
        "The URL says http:// but the Llama Stack server speaks TLS",
        "The server on this port expects HTTPS (OGX 1.x serves only TLS) and refused the "
        "plain-HTTP request.",
        f"Change the URL's scheme to https:// ({_url_key(section)}, or --url {secure}); if a "
        f"private CA signed its certificate, add {STACK_CA_FLAG}.",
        endpoint,
        detail,
    )


async def speaks_tls(url: str, context: ssl.SSLContext, timeout: float) -> bool:
    """Whether the host and port of ``url`` answer a TLS handshake (nothing else is sent).

    A certificate this machine does not trust still counts: the port speaks TLS. Anything
    else (a plain-HTTP answer, a refused or dropped connection, no answer in ``timeout``)
    means no.
    """
    target = httpx.URL(url)
    host, port = target.host, _port_of(target)
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host)
    except ssl.SSLCertVerificationError:
        return True
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(timeout):
            await writer.wait_closed()
    return True


def _url_of(endpoint: str) -> httpx.URL:
    return httpx.URL(endpoint.split(" ", 1)[-1])


def _port_of(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _host_of(url: httpx.URL) -> str:
    return f"[{url.host}]" if ":" in url.host else url.host


def _host_port(endpoint: str) -> str:
    url = _url_of(endpoint)
    return f"{_host_of(url)}:{_port_of(url)}"


def _with_scheme(endpoint: str, scheme: str) -> str:
    """The server's base URL from ``endpoint`` with ``scheme``, on the same port."""
    url = _url_of(endpoint)
    return f"{scheme}://{_host_of(url)}:{_port_of(url)}"
