"""Decoding an Entra access token locally and checking its claims against the configuration.

The console decodes the JWT (header and payload, base64url) WITHOUT checking its signature:
it holds no signing keys it could trust, and the point is to show the operator what the
token says (for which resource, which tenant, which app, until when), not to accept it.
Azure OpenAI does the real validation. The checks catch what makes Azure refuse a token
that Entra issued happily: the wrong resource in the scope, a token from another tenant or
app than configured, an expired token, a clock behind Entra's; and one that works but costs:
a lifetime so short that Lightspeed asks Entra ID again on every request.

The short-lifetime rule, exactly: Lightspeed's ``AzureEntraIDManager`` keeps a token until
``expires_on - 30`` and then asks for one with a NEW ``ClientSecretCredential`` (so the
sync MSAL flow's own rule, that a cached token with under 5 minutes left counts as expired,
never comes into play: each credential's cache is empty). A token issued with 30 s or less
(``expires_in`` <= the leeway) is therefore past its refresh point the moment it arrives,
and every request asks Entra ID for a new one: a warning (Entra ID throttles with
AADSTS50196, and each request waits for a token). Longer lifetimes pass: a 60 s token is
asked for every 30 s, which costs but is not every use.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from dataclasses import asdict, dataclass
from typing import Any, Literal

from console.shared.azure import DEFAULT_SCOPE

CheckState = Literal["pass", "warn", "fail", "unknown"]
Severity = Literal["fail", "warn"]
AZURE_REFUSES = frozenset({"aud", "lifetime"})
"""Checks whose failure Azure OpenAI refuses the token for, whatever else holds (another
resource's audience, an expired token): the token step fails on them, where a mismatched
tenant or app, which Azure may still accept, is a warning."""
MAX_EPOCH = 253_402_300_799
"""9999-12-31T23:59:59Z: a time claim beyond it (either way) is no date at all."""


class NotAJwtError(ValueError):
    """The token is not a JWT this console can read (three base64url parts, JSON inside)."""


@dataclass(frozen=True, slots=True)
class DecodedToken:
    """A JWT's header and payload as JSON objects. The signature is NOT checked."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signature_checked: bool = False
    """Always False: decoding is local and unverified (Azure OpenAI verifies the signature)."""


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """One claim compared with what the configuration expects.

    ``ok`` is None when the comparison cannot be made (a tenant given as a domain cannot be
    compared with the GUID in ``tid``): shown as a warning, never counted as a failure.
    ``severity`` says what an ``ok`` of False is: a failure, or a warning (a token that
    works but costs, such as a short-lived one).
    """

    name: str
    ok: bool | None
    expected: str
    actual: str
    remedy: str = ""
    severity: Severity = "fail"

    @property
    def state(self) -> CheckState:
        """``pass``, ``warn``, ``fail`` or ``unknown``."""
        if self.ok is None:
            return "unknown"
        if self.ok:
            return "pass"
        return "warn" if self.severity == "warn" else "fail"

    @property
    def refused_by_azure(self) -> bool:
        """A failure Azure OpenAI refuses the token for (`AZURE_REFUSES`)."""
        return self.state == "fail" and self.name in AZURE_REFUSES

    @property
    def look(self) -> tuple[str, str]:
        """Its mark and colour, the same in ``token`` and on the token screen."""
        return _CHECK_LOOKS[self.state]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``, with the state spelled out."""
        return asdict(self) | {"state": self.state}


_CHECK_LOOKS = {
    "pass": ("✓", "green"),
    "warn": ("!", "yellow"),
    "fail": ("✗", "red"),
    "unknown": ("?", "yellow"),
}


def _b64url_json(part: str, what: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise NotAJwtError(f"the token's {what} is not base64url-encoded JSON") from error
    if not isinstance(value, dict):
        raise NotAJwtError(f"the token's {what} is not a JSON object")
    return value


def decode_jwt(token: str) -> DecodedToken:
    """Header and payload of ``token``, without verifying the signature."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise NotAJwtError("the token is not a JWT (header.payload.signature)")
    return DecodedToken(_b64url_json(parts[0], "header"), _b64url_json(parts[1], "payload"))


def claim_time(value: Any) -> float | None:
    """A time claim (``exp``, ``nbf``, ``iat``) as seconds since the epoch, or None when it
    is not a number or not a date (``10**400``, ``1e999``, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and abs(value) > MAX_EPOCH:
        return None  # before float(): a 400-digit int overflows it
    seconds = float(value)
    return seconds if math.isfinite(seconds) and abs(seconds) <= MAX_EPOCH else None


def claim_text(value: Any) -> str:
    """A claim's value as text, short even for a number of hundreds of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_EPOCH:
        digits = len(str(abs(value)))
        return f"{str(value)[:12]}... ({digits} digits)"
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "..."


def scope_resource(scope: str) -> str:
    """The resource a ``.default`` scope asks for: the scope minus ``/.default``."""
    first = next((s for s in scope.split() if s not in ("openid", "profile", "offline_access")), "")
    return first.removesuffix("/.default").rstrip("/")


def _guid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def _same_resource(left: str, right: str) -> bool:
    return left.rstrip("/").lower() == right.rstrip("/").lower()


def check_claims(
    payload: dict[str, Any],
    *,
    scope: str,
    tenant_id: str,
    client_id: str,
    now: float,
    leeway_s: float,
    lifetime_s: float | None = None,
    authority: str | None = None,
) -> list[TokenCheck]:
    """Compare the claims with the configuration and the clock; one `TokenCheck` per rule.

    ``lifetime_s`` is the lifetime the token was issued with as Lightspeed counts it
    (``expires_on`` minus the moment it arrived, i.e. its ``expires_in``); None: the time
    left as of ``now`` stands in for it. ``authority`` is named in the audience's remedy.
    """
    return [
        _check_audience(payload, scope, tenant_id, authority),
        _check_tenant(payload, tenant_id),
        _check_app(payload, client_id),
        _check_lifetime(payload, now, leeway_s, lifetime_s),
        _check_not_before(payload, now),
    ]


def audience_remedy(scope: str, tenant_id: str | None, authority: str | None) -> str:
    """What to do about a token for another resource than ``scope`` asks for.

    When ``scope`` already is the scope the remedy would suggest, repeating it helps no
    one: the token came back for another resource although the right one was asked for, so
    what answered is not (only) Entra ID for that tenant: the authority, the tenant, or a
    proxy between.
    """
    if _same_resource(scope_resource(scope), scope_resource(DEFAULT_SCOPE)):
        where = authority or "(--authority, the deployment's authority, AZURE_AUTHORITY_HOST)"
        tenant = f" {tenant_id}" if tenant_id else ""
        return (
            f"azure_entra_id.scope is already {scope.strip()}, yet the token came back for "
            "another resource: what answered the token request is not Entra ID as "
            f"configured. Check the authority {where}, the tenant{tenant} "
            "(azure_entra_id.tenant_id), and any proxy between here and the authority that "
            "answers token requests itself."
        )
    return (
        "The token is for another resource than Azure OpenAI will accept: set "
        f"azure_entra_id.scope to {DEFAULT_SCOPE} (it is {scope.strip() or '(empty)'})."
    )


def _check_audience(
    payload: dict[str, Any], scope: str, tenant_id: str | None, authority: str | None
) -> TokenCheck:
    expected = scope_resource(scope)
    actual = payload.get("aud")
    actual_text = str(actual) if actual is not None else "(no aud claim)"
    ok = isinstance(actual, str) and _same_resource(actual, expected)
    remedy = "" if ok else audience_remedy(scope, tenant_id, authority)
    return TokenCheck("aud", ok, expected, actual_text, remedy)


def _check_tenant(payload: dict[str, Any], tenant_id: str) -> TokenCheck:
    actual = payload.get("tid")
    actual_text = str(actual) if actual is not None else "(no tid claim)"
    expected = _guid(tenant_id)
    if expected is None:
        return TokenCheck(
            "tid",
            None,
            tenant_id,
            actual_text,
            "tenant_id is a domain, and tid is the tenant's GUID: this console cannot compare "
            "them. Put the Directory (tenant) ID in tenant_id to make the check exact.",
        )
    ok = isinstance(actual, str) and _guid(actual) == expected
    remedy = (
        ""
        if ok
        else "The token comes from another tenant than tenant_id names: check "
        "azure_entra_id.tenant_id and the authority."
    )
    return TokenCheck("tid", ok, expected, actual_text, remedy)


def _check_app(payload: dict[str, Any], client_id: str) -> TokenCheck:
    name = "appid" if "appid" in payload or "azp" not in payload else "azp"
    actual = payload.get(name)
    actual_text = str(actual) if actual is not None else "(no appid or azp claim)"
    expected = client_id.strip()
    ok = isinstance(actual, str) and (
        (_guid(actual) or actual.lower()) == (_guid(expected) or expected.lower())
    )
    remedy = (
        ""
        if ok
        else "The token was issued to another app than client_id names: check "
        "azure_entra_id.client_id."
    )
    return TokenCheck(name, ok, expected, actual_text, remedy)


def _check_lifetime(
    payload: dict[str, Any], now: float, leeway_s: float, lifetime_s: float | None
) -> TokenCheck:
    """Expired (or no time at all) fails; issued for no more than the leeway warns."""
    expected = f"not expired, issued for > {leeway_s:g} s"
    raw = payload.get("exp")
    exp = claim_time(raw)
    if exp is None:
        if raw is None:
            return TokenCheck(
                "lifetime", False, expected, "(no exp claim)", "Entra ID tokens carry exp."
            )
        return TokenCheck(
            "lifetime",
            False,
            expected,
            f"exp {claim_text(raw)} is not a time",
            "Entra ID writes exp as seconds since 1970: the authority is not Entra ID, or "
            "something between rewrote the token.",
        )
    left = exp - now
    if left <= 0:
        return TokenCheck(
            "lifetime",
            False,
            expected,
            f"expired {-left:.0f} s ago",
            "Azure OpenAI refuses an expired token: get a new one (Lightspeed refreshes "
            f"{leeway_s:g} s before expiry). A token expired on arrival points at this "
            "machine's clock (sync it with NTP/chrony).",
        )
    issued = left if lifetime_s is None else lifetime_s
    if issued <= leeway_s:
        return TokenCheck(
            "lifetime",
            False,
            expected,
            f"issued for {issued:.0f} s",
            f"Entra ID issued the token for {issued:.0f} s, not more than the {leeway_s:g} s "
            "before expiry at which Lightspeed refreshes it: it is due the moment it "
            "arrives, so Lightspeed asks Entra ID for a new token on every request (slower "
            "answers, and AADSTS50196 throttling under load). Check the token lifetime "
            "policy assigned to the app or its service principal, and whatever issues "
            "tokens in place of Entra ID (the authority, a proxy).",
            severity="warn",
        )
    return TokenCheck("lifetime", True, expected, f"{left:.0f} s left")


def _check_not_before(payload: dict[str, Any], now: float) -> TokenCheck:
    raw = payload.get("nbf")
    expected = f"<= now ({int(now)})"
    if raw is None:
        return TokenCheck("nbf", True, expected, "(no nbf claim)")
    nbf = claim_time(raw)
    if nbf is None:
        return TokenCheck("nbf", False, expected, claim_text(raw), "nbf must be a time.")
    ok = nbf <= now
    remedy = (
        ""
        if ok
        else f"The token is not valid for another {nbf - now:.0f} s: this machine's clock is "
        "behind Entra ID's. Synchronise it (NTP/chrony)."
    )
    return TokenCheck("nbf", ok, expected, str(int(nbf)), remedy)
