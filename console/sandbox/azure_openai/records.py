"""What the Azure OpenAI stand-in keeps of each request, and never the bearer itself.

The token is kept only as a SHA-256 fingerprint plus its ``uti`` claim, so a test can
check that the token the console acquired is the one that reached Azure without the
token being stored anywhere; credential headers are masked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from console.shared.redact import MASK


def token_fingerprint(token: str) -> str:
    """The SHA-256 hex digest by which recorded requests identify the bearer they carried."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AzureRequest:
    """One request as the stand-in saw it. The bearer is never stored, only its fingerprint."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    bearer_sha256: str | None
    token_uti: str | None
    auth_error: str | None
    body: dict[str, Any] | None
    status: int | None
    started_at: float

    @property
    def dropped(self) -> bool:
        return self.status is None

    def carried(self, token: str) -> bool:
        """True when this request's bearer was exactly ``token``."""
        return self.bearer_sha256 == token_fingerprint(token)


def mask_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The headers by lower-case name, credentials (``authorization``, ``api-key``) masked."""
    masked: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key == "authorization":
            scheme, _, rest = value.partition(" ")
            masked[key] = f"{scheme} {MASK}" if rest else MASK
        elif key == "api-key":
            masked[key] = MASK
        else:
            masked[key] = value
    return masked
