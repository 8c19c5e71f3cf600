"""Token decoding, claim checks, authority resolution and failure diagnosis on crafted inputs.

The integration tests produce every failure for real; these pin the parsing rules on the
exact texts the SDK was seen to produce, plus the edges a live service rarely shows.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import subprocess
import sys
from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from pydantic import SecretStr

from console.config.views import EntraIdSettings
from console.entra import aadsts
from console.entra.authority import resolve_authority
from console.entra.claims import NotAJwtError, TokenCheck, check_claims, decode_jwt, scope_resource
from console.entra.errors import TokenRequest, diagnose, error_chain
from console.entra.manager import TokenError, TokenManager, TokenStatus
from console.shared.azure import DEFAULT_SCOPE
from console.shared.diagnosis import Diagnosis
from console.shared.redact import MASK
from console.shared.timefmt import az_local_time, countdown, span
from tests.conftest import CANARY_SECRET, CLIENT, TENANT

NOW = 1_800_000_000.0
RESOURCE = "https://cognitiveservices.azure.com"
REQUEST = TokenRequest("https://login.microsoftonline.com", TENANT)


def b64(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt_of(payload: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    return f"{b64(header or {'alg': 'RS256', 'typ': 'JWT'})}.{b64(payload)}.c2lnbmF0dXJl"


def payload(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "aud": RESOURCE,
        "iss": f"https://sts.windows.net/{TENANT}/",
        "tid": TENANT,
        "appid": CLIENT,
        "iat": int(NOW),
        "nbf": int(NOW),
        "exp": int(NOW) + 3599,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def checks(claims: dict[str, Any], **overrides: Any) -> dict[str, TokenCheck]:
    options: dict[str, Any] = {
        "scope": DEFAULT_SCOPE,
        "tenant_id": TENANT,
        "client_id": CLIENT,
        "now": NOW,
        "leeway_s": 30,
    }
    options.update(overrides)
    return {check.name: check for check in check_claims(claims, **options)}


# ------------------------------------------------------------------------------- decoding


def test_decode_reads_header_and_payload_without_padding() -> None:
    claims = payload(roles=["Inference.Invoke"], name="é")  # odd lengths need padding back
    decoded = decode_jwt(jwt_of(claims, {"alg": "RS256", "kid": "k1"}))
    assert decoded.payload == claims
    assert decoded.header == {"alg": "RS256", "kid": "k1"}
    assert decoded.signature_checked is False


@pytest.mark.parametrize(
    "token",
    [
        "",
        "opaque-token",
        "a.b",
        "a.b.c.d",
        f".{b64({'a': 1})}.sig",
        f"{b64({'alg': 'none'})}.!!!.sig",
        f"{b64({'alg': 'none'})}.{b64(b'not json')}.sig",
        f"{b64({'alg': 'none'})}.{b64([1, 2])}.sig",
        f"{b64(b'[1]')}.{b64({'a': 1})}.sig",
    ],
)
def test_decode_refuses_what_is_not_a_jwt(token: str) -> None:
    with pytest.raises(NotAJwtError):
        decode_jwt(token)


@pytest.mark.parametrize(
    ("scope", "resource"),
    [
        (DEFAULT_SCOPE, RESOURCE),
        ("https://cognitiveservices.azure.com//.default", RESOURCE),
        ("api://0f1e2d3c/.default", "api://0f1e2d3c"),
        (f"openid {DEFAULT_SCOPE}", RESOURCE),
        (RESOURCE + "/", RESOURCE),
    ],
)
def test_scope_resource(scope: str, resource: str) -> None:
    assert scope_resource(scope) == resource


# --------------------------------------------------------------------------------- checks


def test_a_good_token_passes_every_check() -> None:
    found = checks(payload())
    assert list(found) == ["aud", "tid", "appid", "lifetime", "nbf"]
    assert all(check.state == "pass" and check.remedy == "" for check in found.values())


@pytest.mark.parametrize("aud", [RESOURCE + "/", RESOURCE.upper()])
def test_audience_ignores_trailing_slash_and_case(aud: str) -> None:
    assert checks(payload(aud=aud))["aud"].ok is True


def test_wrong_audience_fails_and_never_suggests_the_scope_already_set() -> None:
    check = checks(
        payload(aud="https://management.core.windows.net/"), authority="https://login.example"
    )["aud"]
    assert (check.ok, check.expected, check.state) == (False, RESOURCE, "fail")
    assert check.refused_by_azure
    assert check.actual == "https://management.core.windows.net/"
    # The scope is already the one a "set scope to" remedy would name: it points elsewhere.
    assert f"scope to {DEFAULT_SCOPE}" not in check.remedy
    assert f"already {DEFAULT_SCOPE}" in check.remedy
    assert "authority https://login.example" in check.remedy
    assert TENANT in check.remedy
    assert "proxy" in check.remedy


def test_wrong_audience_from_another_scope_suggests_the_default_scope() -> None:
    other = "https://management.core.windows.net/.default"
    check = checks(payload(aud="https://management.core.windows.net/"), scope=other)["aud"]
    assert check.ok is True  # the token is for what the scope asked: the review says more
    check = checks(payload(aud="https://graph.microsoft.com"), scope=other)["aud"]
    assert check.state == "fail"
    assert f"set azure_entra_id.scope to {DEFAULT_SCOPE} (it is {other})" in check.remedy


def test_tenant_mismatch_fails_and_guid_case_does_not_matter() -> None:
    assert checks(payload(tid=TENANT.upper()))["tid"].ok is True
    check = checks(payload(tid="00000000-0000-0000-0000-000000000001"))["tid"]
    assert check.ok is False
    assert "tenant_id" in check.remedy


def test_tenant_given_as_domain_cannot_be_compared() -> None:
    check = checks(payload(), tenant_id="contoso.onmicrosoft.com")["tid"]
    assert (check.ok, check.state) == (None, "unknown")
    assert "cannot compare" in check.remedy
    assert check.expected == "contoso.onmicrosoft.com"


def test_app_is_read_from_appid_or_azp() -> None:
    v2 = payload(appid=None, azp=CLIENT.upper())
    assert checks(v2)["azp"].ok is True
    other = checks(payload(appid="11111111-2222-3333-4444-555555555555"))["appid"]
    assert other.ok is False
    assert "client_id" in other.remedy
    assert checks(payload(appid=None))["appid"].actual == "(no appid or azp claim)"


@pytest.mark.parametrize(
    ("issued_s", "state"),
    # Lightspeed keeps a token until expires_on - 30 and then asks with a new credential:
    # issued for 30 s or less, it is due on arrival, so every request asks Entra ID. The
    # sync flow's 5-minute rule never applies (each credential's cache is empty): 31 s and
    # 299 s pass, as does 60 s (asked for every 30 s, not on every use).
    [(1, "warn"), (29.5, "warn"), (30, "warn"), (31, "pass"), (60, "pass"), (299, "pass")],
)
def test_a_token_lightspeed_would_refresh_on_every_use_is_a_warning(
    issued_s: float, state: str
) -> None:
    check = checks(payload(exp=int(NOW) + 3599), lifetime_s=issued_s)["lifetime"]
    assert check.state == state
    assert not check.refused_by_azure
    if state == "warn":
        assert check.actual == f"issued for {issued_s:.0f} s"
        assert "every request" in check.remedy
        assert "30 s" in check.remedy


def test_without_the_issued_lifetime_the_time_left_stands_in() -> None:
    assert checks(payload(exp=int(NOW) + 31))["lifetime"].state == "pass"
    assert checks(payload(exp=int(NOW) + 30))["lifetime"].state == "warn"


def test_an_expired_token_or_one_without_exp_fails() -> None:
    expired = checks(payload(exp=int(NOW) - 5), lifetime_s=3600)["lifetime"]
    assert (expired.state, expired.actual) == ("fail", "expired 5 s ago")
    assert expired.refused_by_azure
    assert "clock" in expired.remedy
    assert checks(payload(exp=None))["lifetime"].state == "fail"


def test_not_before_in_the_future_points_at_the_clock() -> None:
    check = checks(payload(nbf=int(NOW) + 120))["nbf"]
    assert check.ok is False
    assert "clock" in check.remedy
    assert checks(payload(nbf=None))["nbf"].ok is True
    assert checks(payload(nbf="soon"))["nbf"].ok is False


def test_check_to_dict_spells_out_the_state() -> None:
    data = TokenCheck("tid", None, "a", "b", "why").to_dict()
    assert data == {
        "name": "tid",
        "ok": None,
        "expected": "a",
        "actual": "b",
        "remedy": "why",
        "severity": "fail",
        "state": "unknown",
    }
    assert TokenCheck("lifetime", False, "a", "b", severity="warn").look == ("!", "yellow")


# ------------------------------------------------------------------------------ authority


@pytest.mark.parametrize(
    ("value", "url", "discovery_off"),
    [
        ("public", "https://login.microsoftonline.com", False),
        ("AZURE", "https://login.microsoftonline.com", False),
        ("usgov", "https://login.microsoftonline.us", True),
        ("china", "https://login.chinacloudapi.cn", True),
        ("login.microsoftonline.com/", "https://login.microsoftonline.com", False),
        ("https://127.0.0.1:8443/", "https://127.0.0.1:8443", True),
        ("https://adfs.contoso.com/adfs", "https://adfs.contoso.com/adfs", True),
    ],
)
def test_authority_names_urls_and_instance_discovery(
    value: str, url: str, discovery_off: bool
) -> None:
    authority = resolve_authority(value, environ={})
    assert (authority.url, authority.source) == (url, "--authority")
    assert authority.disable_instance_discovery is discovery_off


def test_authority_comes_from_the_env_then_the_public_cloud() -> None:
    from_env = resolve_authority(None, environ={"AZURE_AUTHORITY_HOST": "login.microsoftonline.us"})
    assert (from_env.url, from_env.source) == (
        "https://login.microsoftonline.us",
        "AZURE_AUTHORITY_HOST",
    )
    default = resolve_authority(None, environ={"AZURE_AUTHORITY_HOST": "  "})
    assert (default.url, default.source) == ("https://login.microsoftonline.com", "default")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("http://127.0.0.1:8080", "INSECURE_AUTHORITY"),
        ("HTTP://login.microsoftonline.com", "INSECURE_AUTHORITY"),
        ("ftp://login.microsoftonline.com", "BAD_AUTHORITY"),
        ("https://", "BAD_AUTHORITY"),
    ],
)
def test_authority_that_is_not_https_is_a_diagnosis(value: str, code: str) -> None:
    with pytest.raises(TokenError) as caught:
        resolve_authority(value, environ={})
    assert not isinstance(caught.value, ValueError)
    assert caught.value.diagnosis.code == code
    assert caught.value.diagnosis.endpoint == value


def test_insecure_authority_from_the_env_is_refused_too() -> None:
    with pytest.raises(TokenError) as caught:
        resolve_authority(None, environ={"AZURE_AUTHORITY_HOST": "http://login.example"})
    assert caught.value.diagnosis.code == "INSECURE_AUTHORITY"


# ------------------------------------------------------------------------------ diagnoses


def sdk_error(message: str, *inner: BaseException) -> ClientAuthenticationError:
    """A ClientAuthenticationError chained the way the sync credential chains it."""
    error = ClientAuthenticationError(message=f"Authentication failed: {message}")
    cause: BaseException | None = None
    for item in reversed(inner):
        item.__cause__ = cause
        cause = item
    error.__cause__ = cause
    return error


def aad_text(code: int, body: str) -> str:
    return (
        f"AADSTS{code}: {body}\r\nTrace ID: 67f1d417-239c-49d8-9241-a109a1f9a3cd\r\n"
        "Correlation ID: 18ceeaa6-e120-4099-8d1a-bd671837665d\r\nTimestamp: 2026-11-26 04:11:22Z"
    )


@pytest.mark.parametrize(
    "code", [7000215, 7000222, 7000218, 700016, 90002, 500011, 1002012, 50196, 900023]
)
def test_aadsts_codes_in_the_message_are_named(code: int) -> None:
    found = diagnose(sdk_error(aad_text(code, "words")), REQUEST)
    assert found.code == f"AADSTS{code}"
    assert found.title == aadsts.CATALOGUE[code].title
    assert found.endpoint == REQUEST.token_url
    assert "Trace ID" in found.detail
    assert "\r" not in found.detail


def test_the_invalid_secret_diagnosis_mentions_the_secret_id_mistake() -> None:
    entry = aadsts.explain(7000215)
    assert "ID pasted instead of its value" in entry.meaning
    assert "Secret ID" in entry.remedy


def test_unknown_codes_point_at_the_lookup_page() -> None:
    found = diagnose(sdk_error(aad_text(123456, "new")), REQUEST)
    assert found.code == "AADSTS123456"
    assert "error?code=123456" in found.remedy


def test_codes_are_found_in_order_once() -> None:
    assert aadsts.codes_in("AADSTS50196 then AADSTS7000215 and AADSTS50196") == [50196, 7000215]
    assert aadsts.codes_in("no code, AADSTS12 too short") == []


DISCOVERY = (
    "Unable to get authority configuration for https://login.microsoftonline.com/{t}. "
    "Authority would typically be in a format of https://login.microsoftonline.com/your_tenant"
)


def test_unknown_tenant_code_is_recovered_from_the_chain() -> None:
    oidc = ValueError(
        f"OIDC Discovery failed on {REQUEST.discovery_url}. HTTP status: 400, Error: "
        '{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant \'x\' not found.'
    )
    outer = ValueError(DISCOVERY.format(t=TENANT))
    outer.__context__ = oidc
    found = diagnose(sdk_error(str(outer), outer), REQUEST)
    assert found.code == "AADSTS90002"
    assert found.endpoint == REQUEST.discovery_url


def test_discovery_failure_without_a_code_is_unknown_tenant() -> None:
    outer = ValueError(DISCOVERY.format(t=TENANT))
    found = diagnose(sdk_error(str(outer), outer), REQUEST)
    assert found.code == "UNKNOWN_TENANT"
    assert found.endpoint == REQUEST.discovery_url


TRANSPORT = [
    (
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
        "issuer certificate (_ssl.c:1000)",
        ServiceRequestError,
        "TLS",
    ),
    (
        "HTTPSConnection(host='127.0.0.1', port=58243): Failed to establish a new connection: "
        "[Errno 111] Connection refused",
        ServiceRequestError,
        "CONNECTION_REFUSED",
    ),
    (
        "HTTPSConnection(host='login.nonexistent-host.invalid', port=443): Failed to resolve "
        "'login.nonexistent-host.invalid' ([Errno -2] Name or service not known)",
        ServiceRequestError,
        "DNS",
    ),
    (
        "HTTPSConnectionPool(host='127.0.0.1', port=39709): Read timed out. (read timeout=0.5)",
        ServiceResponseTimeoutError,
        "TIMEOUT",
    ),
    (
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection without "
        "response'))",
        ServiceResponseError,
        "CONNECTION_DROPPED",
    ),
    (
        "Could not find a suitable TLS CA certificate bundle, invalid path: /nowhere/ca.pem",
        OSError,
        "CA_BUNDLE",
    ),
    ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)", ServiceRequestError, "TLS"),
]


@pytest.mark.parametrize(("message", "kind", "code"), TRANSPORT)
def test_transport_failures_are_named_by_class(
    message: str, kind: type[Exception], code: str
) -> None:
    found = diagnose(sdk_error(message, kind(message)), REQUEST)
    assert found.code == code
    assert found.endpoint is not None
    assert found.endpoint.startswith(REQUEST.authority)
    assert message.split(" (", maxsplit=1)[0][:40] in found.detail


def test_tls_remedy_names_the_ca_bundle_option() -> None:
    found = diagnose(sdk_error("x", ssl.SSLCertVerificationError("verify")), REQUEST)
    assert found.code == "TLS"
    assert "--ca-bundle" in found.remedy


def test_exception_types_alone_are_enough() -> None:
    assert diagnose(socket.gaierror(-2, "x"), REQUEST).code == "DNS"
    assert diagnose(ConnectionRefusedError(111, "x"), REQUEST).code == "CONNECTION_REFUSED"
    assert diagnose(TimeoutError(), REQUEST).code == "TIMEOUT"


@pytest.mark.parametrize(
    ("status", "code"), [(503, "HTTP_503"), (500, "HTTP_500"), (429, "HTTP_429"), (404, "HTTP_404")]
)
def test_http_errors_without_a_code(status: int, code: str) -> None:
    found = diagnose(sdk_error(f"HTTP Error: {status}"), REQUEST)
    assert found.code == code
    assert found.endpoint == REQUEST.tenant_url


def test_local_sdk_refusals_are_named() -> None:
    secret = ValueError("secret should be a Microsoft Entra application's client secret")
    assert diagnose(secret, REQUEST).code == "AADSTS7000218"
    tenant = ValueError("Invalid tenant ID provided. You can locate your tenant ID by ...")
    assert diagnose(tenant, REQUEST).code == "INVALID_TENANT_ID"
    http = ValueError("'http://x' is an invalid authority. The value must be a TLS protected")
    assert diagnose(http, REQUEST).code == "INSECURE_AUTHORITY"
    assert diagnose(RuntimeError("something new"), REQUEST).code == "TOKEN_REQUEST_FAILED"


def test_detail_is_scrubbed_of_the_secret_and_tokens_in_every_field() -> None:
    token = jwt_of(payload())
    leaky = sdk_error(f"echoed {CANARY_SECRET} and {token}", ValueError(f"inner {CANARY_SECRET}"))
    request = TokenRequest("https://login.microsoftonline.com", CANARY_SECRET)  # pasted wrongly
    found = diagnose(leaky, request, [SecretStr(CANARY_SECRET)])
    text = json.dumps(found.to_dict())
    assert CANARY_SECRET not in text
    assert token not in text
    assert MASK in found.detail
    assert found.endpoint == f"https://login.microsoftonline.com/{MASK}"


def test_error_chain_follows_cause_context_and_inner_exceptions_once() -> None:
    inner = OSError("inner")
    middle = ServiceRequestError("middle", error=inner)
    top = ClientAuthenticationError("top")
    top.__cause__ = middle
    top.__context__ = middle
    assert error_chain(top) == [top, middle, inner]


def test_diagnosis_as_text_and_dict() -> None:
    found = Diagnosis("TLS", "t", "m", "r", "https://x", "line one\nline two")
    assert found.to_dict() == {
        "code": "TLS",
        "title": "t",
        "meaning": "m",
        "remedy": "r",
        "endpoint": "https://x",
        "detail": "line one\nline two",
    }
    assert found.as_text().splitlines() == [
        "[TLS] t",
        "  meaning:  m",
        "  remedy:   r",
        "  endpoint: https://x",
        "  detail:   line one",
        "            line two",
    ]
    assert str(TokenError(found)) == "TLS: t"


# ------------------------------------------------------------------------ manager set-up


def settings(**overrides: str | None) -> EntraIdSettings:
    values: dict[str, str | None] = {
        "tenant_id": TENANT,
        "client_id": CLIENT,
        "client_secret": CANARY_SECRET,
    }
    values.update(overrides)
    secret = {k: SecretStr(v) if v is not None else None for k, v in values.items()}
    return EntraIdSettings(scope=DEFAULT_SCOPE, line=None, **secret)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("tenant_id", None, "MISSING_TENANT_ID"),
        ("client_id", "", "MISSING_CLIENT_ID"),
        ("client_secret", None, "AADSTS7000218"),
        ("client_secret", "", "AADSTS7000218"),
    ],
)
def test_manager_refuses_missing_settings_with_a_diagnosis(
    field: str, value: str | None, code: str
) -> None:
    with pytest.raises(TokenError) as caught:
        TokenManager(settings(**{field: value}), environ={})
    assert caught.value.diagnosis.code == code


def test_manager_takes_the_authority_from_the_env_it_is_given() -> None:
    manager = TokenManager(settings(), environ={"AZURE_AUTHORITY_HOST": "china"})
    assert manager.authority.url == "https://login.chinacloudapi.cn"
    assert manager.is_token_expired
    assert manager.current() is None
    assert manager.history == ()


def test_status_to_dict_leaves_the_token_out_unless_revealed() -> None:
    token = jwt_of(payload())
    status = TokenStatus(
        token=SecretStr(token),
        token_type="Bearer",
        expires_on=int(NOW) + 3599,
        refresh_at=int(NOW) + 3569,
        as_of=NOW,
        acquired_at=NOW,
        header={"alg": "RS256"},
        claims=payload(),
        tenant=TENANT,
        checks=(TokenCheck("aud", True, RESOURCE, RESOURCE),),
        authority="https://login.microsoftonline.com",
        scope=DEFAULT_SCOPE,
    )
    hidden = status.to_dict()
    assert "accessToken" not in hidden
    assert token not in json.dumps(hidden)
    assert token not in repr(status)
    assert hidden["expiresOn"] == az_local_time(NOW + 3599)
    assert (hidden["expires_on"], hidden["tokenType"], hidden["tenant"]) == (
        int(NOW) + 3599,
        "Bearer",
        TENANT,
    )
    assert hidden["signatureChecked"] is False
    assert status.to_dict(reveal=True)["accessToken"] == token
    assert (status.seconds_left, status.seconds_to_refresh, status.ok) == (3599, 3569, True)


# ---------------------------------------------------------------------------- time format


def test_az_local_time_format() -> None:
    assert len(az_local_time(NOW)) == len("2027-01-15 08:00:00.000000")
    assert az_local_time(NOW).endswith(".000000")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(3552, "in 59m 12s"), (3723, "in 1h 02m 03s"), (12, "in 12s"), (0, "in 0s"), (-5, "5s ago")],
)
def test_countdown(seconds: float, text: str) -> None:
    assert countdown(seconds) == text
    assert span(-seconds) == span(seconds)


def test_the_token_path_does_not_import_the_sdk_until_a_token_is_requested() -> None:
    probe = (
        "import sys, console.entra.manager, console.commands.token\n"
        "from console.cli import build_parser\n"
        "build_parser()\n"
        "print('azure.identity' in sys.modules, 'msal' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert out.split() == ["False", "False"]
