"""The signing key shared by the Entra ID stand-in (signs) and the Azure stand-in (checks).

Real Azure OpenAI trusts tokens because they are signed with a key Entra publishes; the
stand-ins reproduce that relation with one RSA key per sandbox, so a token minted by the
Entra stand-in is accepted by the Azure stand-in and anything else (forged, expired, meant
for another audience) is refused for a reason that can be reported precisely.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

InvalidReason = Literal[
    "malformed", "bad_signature", "unknown_key", "expired", "not_yet_valid", "wrong_audience",
    "wrong_issuer", "missing_claim",
]  # fmt: skip


class InvalidTokenError(Exception):
    """A token the verifier refuses; ``reason`` says why, for mapping to an HTTP answer."""

    def __init__(self, reason: InvalidReason, message: str) -> None:
        super().__init__(message)
        self.reason: InvalidReason = reason


class MalformedTokenError(InvalidTokenError):
    def __init__(self, message: str = "token is not a well-formed JWT") -> None:
        super().__init__("malformed", message)


class BadSignatureError(InvalidTokenError):
    def __init__(self, message: str = "token signature is invalid") -> None:
        super().__init__("bad_signature", message)


class UnknownKeyError(InvalidTokenError):
    def __init__(self, message: str = "token is signed with an unknown key") -> None:
        super().__init__("unknown_key", message)


class TokenExpiredError(InvalidTokenError):
    def __init__(self, message: str = "token has expired") -> None:
        super().__init__("expired", message)


class TokenNotYetValidError(InvalidTokenError):
    def __init__(self, message: str = "token is not valid yet (nbf/iat in the future)") -> None:
        super().__init__("not_yet_valid", message)


class WrongAudienceError(InvalidTokenError):
    def __init__(self, message: str = "token audience is not accepted") -> None:
        super().__init__("wrong_audience", message)


class WrongIssuerError(InvalidTokenError):
    def __init__(self, message: str = "token issuer is not accepted") -> None:
        super().__init__("wrong_issuer", message)


class MissingClaimError(InvalidTokenError):
    def __init__(self, message: str = "token lacks a required claim") -> None:
        super().__init__("missing_claim", message)


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _thumbprint_kid(public_der: bytes) -> str:
    # Entra's kid / x5t is a base64url SHA-1 thumbprint; this mirrors its shape (27 chars).
    digest = hashlib.sha1(public_der, usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class TokenIssuer:
    """One RSA signing key with a key id: mint RS256 JWTs, publish the JWKS, verify tokens."""

    ALGORITHM = "RS256"

    def __init__(self, *, kid: str | None = None, key_size: int = 2048) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        public_der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid: str = kid or _thumbprint_kid(public_der)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def public_pem(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def mint(self, claims: Mapping[str, Any], *, headers: Mapping[str, Any] | None = None) -> str:
        """Sign ``claims`` as RS256 with this key's ``kid`` (and ``x5t``, as Entra v1 does)."""
        header: dict[str, Any] = {"typ": "JWT", "x5t": self.kid, "kid": self.kid}
        if headers:
            header.update(headers)
        return jwt.encode(dict(claims), self._key, algorithm=self.ALGORITHM, headers=header)

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set publishing this key, shaped like Entra's discovery keys."""
        numbers = self._key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": self.ALGORITHM,
                    "kid": self.kid,
                    "x5t": self.kid,
                    "n": _b64url_uint(numbers.n),
                    "e": _b64url_uint(numbers.e),
                }
            ]
        }

    def verify(
        self,
        token: str,
        audience: str | list[str] | None,
        *,
        issuer: str | None = None,
        leeway_s: float = 0.0,
        require: tuple[str, ...] = ("exp", "iat", "nbf"),
    ) -> dict[str, Any]:
        """Check signature, key id, time window, audience (and issuer) and return the claims.

        ``audience=None`` skips the audience check. Raises a subclass of `InvalidTokenError`.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise MalformedTokenError(f"token is not a well-formed JWT: {exc}") from None
        if header.get("alg") != self.ALGORITHM:
            raise BadSignatureError(f"unexpected signing algorithm {header.get('alg')!r}")
        if header.get("kid") not in (None, self.kid):
            raise UnknownKeyError(f"token is signed with unknown key id {header.get('kid')!r}")
        options: dict[str, Any] = {"require": list(require), "verify_aud": audience is not None}
        try:
            return jwt.decode(
                token,
                self._key.public_key(),
                algorithms=[self.ALGORITHM],
                audience=audience,
                issuer=issuer,
                leeway=leeway_s,
                options=options,  # type: ignore[arg-type]
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpiredError() from None
        except jwt.ImmatureSignatureError:
            raise TokenNotYetValidError() from None
        except jwt.InvalidAudienceError as exc:
            raise WrongAudienceError(f"token audience is not accepted: {exc}") from None
        except jwt.InvalidIssuerError as exc:
            raise WrongIssuerError(f"token issuer is not accepted: {exc}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise MissingClaimError(f"token lacks a required claim: {exc.claim}") from None
        except jwt.InvalidSignatureError:
            raise BadSignatureError() from None
        except jwt.DecodeError as exc:
            raise MalformedTokenError(f"token is not a well-formed JWT: {exc}") from None
        except jwt.InvalidTokenError as exc:
            raise MalformedTokenError(f"token is invalid: {exc}") from None


def new_token_id() -> str:
    """A ``uti``-like opaque identifier (22 base64url chars, as Entra's)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")
