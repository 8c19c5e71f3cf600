"""The state of one fake Azure OpenAI resource, and its gateway's authentication decision.

Like the real service it trusts only Entra ID access tokens: ``Authorization: Bearer <jwt>``
signed by the sandbox's `TokenIssuer`, unexpired, for the audience
``https://cognitiveservices.azure.com``; anything else gets a 401 in Azure's own shape and
wording. Static API keys are refused unless configured (``api_keys``), as on a resource with
key auth disabled.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from console.sandbox.azure_openai.errors import (
    MSG_INVALID_KEY,
    MSG_INVALID_TOKEN,
    MSG_NO_ROLE,
    azure_error,
)
from console.sandbox.azure_openai.faults import AzureFaults
from console.sandbox.azure_openai.records import AzureRequest, token_fingerprint
from console.sandbox.azure_openai.resource import DEFAULT_DEPLOYMENTS
from console.sandbox.request_log import RequestLog
from console.sandbox.tokens import InvalidTokenError, TokenIssuer
from console.shared.azure import COGNITIVE_SERVICES as AZURE_AUDIENCE


@dataclass(frozen=True, slots=True)
class AuthResult:
    """The gateway's decision: an error body with its reason, or None; and the bearer seen."""

    error: dict[str, Any] | None
    reason: str | None
    fingerprint: str | None = None
    uti: str | None = None


class AzureOpenAIStandIn(RequestLog[AzureRequest]):
    """State of one fake Azure OpenAI resource: trust, deployments, faults and request log."""

    def __init__(
        self,
        issuer: TokenIssuer | None = None,
        *,
        deployments: Sequence[str] = DEFAULT_DEPLOYMENTS,
        api_keys: Iterable[str] = (),
        audience: str = AZURE_AUDIENCE,
    ) -> None:
        self.issuer = issuer or TokenIssuer()
        self.deployments: list[str] = list(deployments)
        self.api_keys: set[str] = set(api_keys)
        self.audience = audience
        super().__init__()
        self.faults = AzureFaults()
        self._lock = threading.Lock()

    @property
    def fault_lock(self) -> threading.Lock:
        return self._lock

    @property
    def chat_requests(self) -> list[AzureRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def completion_id(self, number: int) -> str:
        digest = hashlib.sha256(f"chatcmpl:{number}".encode()).hexdigest()
        return f"chatcmpl-SBX{digest[:26]}"

    def request_id(self, number: int) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-azure-openai/{number}"))

    def authenticate(self, authorization: str | None, api_key: str | None) -> AuthResult:
        """Decide like Azure's gateway: a key, a valid Entra token, or a 401 with its reason."""
        if authorization is None and api_key is None:
            return AuthResult(azure_error("401", MSG_INVALID_KEY), "no credentials")
        if authorization is None:
            if api_key in self.api_keys:
                return AuthResult(None, None)
            return AuthResult(azure_error("401", MSG_INVALID_KEY), "invalid api-key")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return AuthResult(azure_error("401", MSG_INVALID_KEY), "not a bearer credential")
        fingerprint = token_fingerprint(token)
        if token in self.api_keys:
            return AuthResult(None, None, fingerprint)
        if self.faults.always_401:
            return AuthResult(azure_error("401", MSG_INVALID_TOKEN), "fault: always 401",
                              fingerprint)  # fmt: skip
        try:
            claims = self.issuer.verify(token, self.audience)
        except InvalidTokenError as exc:
            return AuthResult(
                azure_error("401", MSG_INVALID_TOKEN), f"{exc.reason}: {exc}", fingerprint
            )
        uti = claims.get("uti")
        if self.faults.no_role:
            principal = str(claims.get("oid") or claims.get("sub") or "unknown")
            return AuthResult(
                azure_error("PermissionDenied", MSG_NO_ROLE.format(principal=principal)),
                "fault: missing role",
                fingerprint,
                uti if isinstance(uti, str) else None,
            )
        return AuthResult(None, None, fingerprint, uti if isinstance(uti, str) else None)
