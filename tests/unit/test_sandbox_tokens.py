"""The sandbox signing key: what the Azure stand-in accepts and the exact reason it refuses."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.sandbox.tokens import (
    BadSignatureError,
    InvalidTokenError,
    MalformedTokenError,
    MissingClaimError,
    TokenExpiredError,
    TokenIssuer,
    TokenNotYetValidError,
    UnknownKeyError,
    WrongAudienceError,
    WrongIssuerError,
    new_token_id,
)

AUD = "https://cognitiveservices.azure.com"


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {"aud": AUD, "iss": "https://sts.windows.net/t/", "iat": now}
    base |= {"nbf": now, "exp": now + 3599}
    return base | overrides


def test_round_trip_returns_the_claims(issuer: TokenIssuer) -> None:
    minted = claims(roles=["a"])
    assert issuer.verify(issuer.mint(minted), AUD) == minted


def test_header_carries_kid_and_x5t_like_entra(issuer: TokenIssuer) -> None:
    header = jwt.get_unverified_header(issuer.mint(claims()))
    assert header == {"alg": "RS256", "typ": "JWT", "kid": issuer.kid, "x5t": issuer.kid}
    assert len(issuer.kid) == 27  # base64url SHA-1 thumbprint, as Entra's


def test_jwks_publishes_the_verifying_key(issuer: TokenIssuer) -> None:
    (key,) = issuer.jwks()["keys"]
    assert key["kid"] == issuer.kid
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    public = jwt.PyJWK(key).key
    token = issuer.mint(claims())
    assert jwt.decode(token, public, algorithms=["RS256"], audience=AUD)["aud"] == AUD


@pytest.mark.parametrize(
    ("make", "audience", "error", "reason"),
    [
        (lambda i: i.mint(claims()), "https://other", WrongAudienceError, "wrong_audience"),
        (lambda i: i.mint(claims(exp=int(time.time()) - 5)), AUD, TokenExpiredError, "expired"),
        (
            lambda i: i.mint(claims(nbf=int(time.time()) + 600)),
            AUD,
            TokenNotYetValidError,
            "not_yet_valid",
        ),
        (lambda i: "not-a-jwt", AUD, MalformedTokenError, "malformed"),
        (lambda i: "a.b.c", AUD, MalformedTokenError, "malformed"),
        (lambda i: TokenIssuer(kid=i.kid).mint(claims()), AUD, BadSignatureError, "bad_signature"),
        (lambda i: TokenIssuer().mint(claims()), AUD, UnknownKeyError, "unknown_key"),
        (
            lambda i: i.mint({k: v for k, v in claims().items() if k != "exp"}),
            AUD,
            MissingClaimError,
            "missing_claim",
        ),
    ],
    ids=["audience", "expired", "not-yet", "garbage", "segments", "forged", "other-key", "no-exp"],
)
def test_each_refusal_has_its_own_reason(
    issuer: TokenIssuer, make: Any, audience: str, error: type[InvalidTokenError], reason: str
) -> None:
    with pytest.raises(error) as caught:
        issuer.verify(make(issuer), audience)
    assert caught.value.reason == reason
    assert isinstance(caught.value, InvalidTokenError)


def test_alg_none_is_refused(issuer: TokenIssuer) -> None:
    token = jwt.encode(claims(), key=None, algorithm="none")
    with pytest.raises(BadSignatureError):
        issuer.verify(token, AUD)


def test_tampered_payload_is_a_bad_signature(issuer: TokenIssuer) -> None:
    header, _, signature = issuer.mint(claims()).split(".")
    forged = claims(roles=["admin"])
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        issuer.verify(f"{header}.{payload}.{signature}", AUD)


def test_issuer_and_leeway(issuer: TokenIssuer) -> None:
    token = issuer.mint(claims())
    with pytest.raises(WrongIssuerError):
        issuer.verify(token, AUD, issuer="https://sts.windows.net/other/")
    stale = issuer.mint(claims(exp=int(time.time()) - 5))
    assert issuer.verify(stale, AUD, leeway_s=60)["aud"] == AUD


def test_audience_none_skips_the_audience_check(issuer: TokenIssuer) -> None:
    assert issuer.verify(issuer.mint(claims(aud="x")), None)["aud"] == "x"


REGISTERED_CLAIMS = {"aud", "exp", "iat", "nbf", "iss", "sub", "jti"}


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        # Registered claims are left out: PyJWT checks their types (sub and jti are strings).
        st.text(min_size=1, max_size=12).filter(lambda k: k not in REGISTERED_CLAIMS),
        st.one_of(st.text(max_size=30), st.integers(-(2**40), 2**40), st.booleans()),
        max_size=6,
    )
)
def test_any_extra_claims_survive_the_round_trip(extra: dict[str, Any]) -> None:
    issuer = _SHARED
    minted = claims() | extra
    assert issuer.verify(issuer.mint(minted), AUD) == minted


_SHARED = TokenIssuer()


def test_token_ids_are_entra_shaped() -> None:
    ids = {new_token_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 22 and "=" not in i for i in ids)
