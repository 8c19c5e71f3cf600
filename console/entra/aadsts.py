"""The AADSTS codes an operator of a client-credentials deployment meets, explained.

Entra ID puts a numeric code in every error (``AADSTS7000215: Invalid client secret ...``);
the code, not the prose, says what to fix. This module is the catalogue (title, meaning,
remedy per code) and the parser that finds codes in error text. Codes not in the catalogue
still get an entry that points at Microsoft's lookup page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.shared.azure import DEFAULT_SCOPE, PUBLIC_AUTHORITY_HOST

_CODE = re.compile(r"AADSTS(\d{4,8})")

LOOKUP_URL = f"https://{PUBLIC_AUTHORITY_HOST}/error?code={{code}}"


@dataclass(frozen=True, slots=True)
class AadstsEntry:
    """What one AADSTS code means for a deployment, and what to change."""

    code: int
    title: str
    meaning: str
    remedy: str


_WHERE_IT_GOES = "the variable behind azure_entra_id.client_secret"
"""Replaced by the variable, its file and line when the console knows them
(`console.entra.errors.with_origins`)."""

CATALOGUE: dict[int, AadstsEntry] = {
    entry.code: entry
    for entry in (
        AadstsEntry(
            7000215,
            "Invalid client secret",
            "Entra ID does not recognise client_secret as a current secret of this app "
            "registration. A secret's ID pasted instead of its value gives this.",
            "In the app registration, Certificates & secrets: copy the secret's Value (not "
            f"its Secret ID) into {_WHERE_IT_GOES}, or create a new secret. Check that "
            "client_id names the same app.",
        ),
        AadstsEntry(
            7000222,
            "Client secret expired",
            "The secret is right but past its expiry date, so Entra ID refuses it.",
            "Create a new client secret in the app registration (Certificates & secrets), "
            f"put its Value in {_WHERE_IT_GOES} and restart the service.",
        ),
        AadstsEntry(
            7000218,
            "Client secret missing",
            "The token request carried no client_secret (nor a certificate assertion).",
            "Set azure_entra_id.client_secret, usually as ${env.CLIENT_SECRET}, and "
            "export that variable where the service runs (for the console: export it, or "
            "pass the pod's env file with --env-file).",
        ),
        AadstsEntry(
            700016,
            "Application not found in the tenant",
            "No app registration (service principal) with this client_id exists in the "
            "tenant the request went to.",
            "Check azure_entra_id.client_id (the Application (client) ID on the app's "
            "Overview page) and that tenant_id is the tenant where the app is registered; "
            "a multi-tenant app must be consented to in that tenant.",
        ),
        AadstsEntry(
            90002,
            "Tenant not found",
            "The tenant in tenant_id does not exist in this cloud.",
            "Check azure_entra_id.tenant_id (the Directory (tenant) ID). A tenant in a "
            "sovereign cloud needs its authority: --authority usgov or --authority china.",
        ),
        AadstsEntry(
            900023,
            "Tenant identifier is not valid",
            "tenant_id is neither a GUID nor a domain name Entra ID accepts.",
            "Use the Directory (tenant) ID (a GUID) or a verified domain such as "
            "contoso.onmicrosoft.com.",
        ),
        AadstsEntry(
            500011,
            "Resource not found in the tenant",
            "The resource named by the scope has no service principal in this tenant.",
            f"For Azure OpenAI the scope is {DEFAULT_SCOPE}; "
            "check azure_entra_id.scope for typos, and that the tenant is the one that "
            "holds the Azure OpenAI resource.",
        ),
        AadstsEntry(
            50001,
            "Resource disabled or not found",
            "The resource named by the scope is disabled or does not exist in the tenant.",
            f"Check azure_entra_id.scope; for Azure OpenAI use {DEFAULT_SCOPE}.",
        ),
        AadstsEntry(
            1002012,
            "Scope not valid for client credentials",
            "The client-credentials flow only accepts a scope of the form '<resource>/.default'.",
            f"Set azure_entra_id.scope to {DEFAULT_SCOPE} (or remove it: that is the default).",
        ),
        AadstsEntry(
            50196,
            "Throttled: client request loop",
            "Entra ID saw the same token request too often and refused it for a while.",
            "Something is requesting tokens in a loop instead of caching them: find it and "
            "stop it, then wait a minute (see Retry-After) before trying again.",
        ),
        AadstsEntry(
            90033,
            "Transient Entra ID error",
            "Entra ID had a temporary problem answering.",
            "Try again; pass --retries to let the client retry by itself.",
        ),
        AadstsEntry(
            7000112,
            "Application disabled",
            "The app registration's service principal is disabled in this tenant.",
            "Ask a tenant administrator to enable the enterprise application.",
        ),
        AadstsEntry(
            900144,
            "Required parameter missing",
            "The token request lacked a parameter Entra ID requires.",
            "Check that tenant_id, client_id, client_secret and scope are all set.",
        ),
    )
}


def codes_in(text: str) -> list[int]:
    """Every AADSTS code in ``text``, in order of appearance, without repeats."""
    seen: list[int] = []
    for match in _CODE.finditer(text):
        code = int(match.group(1))
        if code not in seen:
            seen.append(code)
    return seen


def explain(code: int) -> AadstsEntry:
    """The catalogue entry for ``code``; a generic one pointing at the lookup page otherwise."""
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry
    return AadstsEntry(
        code,
        "Entra ID refused the token request",
        f"Entra ID answered with AADSTS{code}, which this console has no explanation for.",
        f"Look the code up at {LOOKUP_URL.format(code=code)}.",
    )
