"""Entra ID's refusals: AADSTS codes, their wording, and the JSON body they come in.

The console explains failures from the AADSTS code and the text Entra sends, so the
stand-in answers with Entra's own status, OAuth error, message and description trailer
(trace id, correlation id, timestamp), never with a made-up shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_ERROR_URI = "https://login.microsoftonline.com/error?code={code}"


@dataclass(frozen=True, slots=True)
class AadError:
    """An Entra error answer: HTTP status, OAuth error, AADSTS code and its message."""

    status: int
    error: str
    code: int
    message: str


# code -> (HTTP status, OAuth error, message template); wording as Entra sends it.
AADSTS: dict[int, tuple[int, str, str]] = {
    7000215: (401, "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        "client secret value, not the client secret ID, for a secret added to app "
        "'{client_id}'."),
    7000222: (401, "invalid_client",
        "The provided client secret keys for app '{client_id}' are expired. Visit the Azure "
        "portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider "
        "using certificate credentials for added security: https://aka.ms/certCreds."),
    7000218: (400, "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'."),
    700016: (400, "unauthorized_client",
        "Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
        "This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You may have sent your "
        "authentication request to the wrong tenant."),
    90002: (400, "invalid_request",
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant."),
    900023: (400, "invalid_request",
        "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid "
        "external domain."),
    1002012: (400, "invalid_scope",
        "The provided value for scope {scope} is not valid. Client credential flows must have "
        "a scope value with /.default suffixed to the resource identifier (application ID "
        "URI)."),
    500011: (400, "invalid_resource",
        "The resource principal named {resource} was not found in the tenant named {tenant}. "
        "This can happen if the application has not been installed by the administrator of "
        "the tenant or consented to by any user in the tenant. You might have sent your "
        "authentication request to the wrong tenant."),
    50196: (429, "temporarily_unavailable",
        "The server terminated an operation because it encountered a client request loop. "
        "Please contact your app vendor."),
    90033: (503, "temporarily_unavailable",
        "A transient error has occurred. Please try again."),
    900144: (400, "invalid_request",
        "The request body must contain the following parameter: '{parameter}'."),
    70003: (400, "unsupported_grant_type",
        "The app requested an unsupported grant type '{grant_type}'."),
}  # fmt: skip


def aad_error(code: int, /, **params: str) -> AadError:
    """The error Entra answers with for AADSTS ``code``, its message filled from ``params``."""
    status, error, template = AADSTS[code]
    return AadError(status, error, code, template.format(**params))


class AadRejection(Exception):
    """Raised inside the token grant with the error Entra would answer."""

    def __init__(self, error: AadError) -> None:
        super().__init__(f"AADSTS{error.code}")
        self.error = error


def reject(code: int, **params: str) -> AadRejection:
    """The rejection to raise for AADSTS ``code``."""
    return AadRejection(aad_error(code, **params))


def _timestamp(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def aad_error_body(
    error: AadError, *, correlation_id: str, trace_id: str, now: float
) -> dict[str, Any]:
    """The JSON body Entra sends with an error, description trailer included."""
    stamp = _timestamp(now)
    return {
        "error": error.error,
        "error_description": (
            f"AADSTS{error.code}: {error.message}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}"
        ),
        "error_codes": [error.code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": _ERROR_URI.format(code=error.code),
    }
