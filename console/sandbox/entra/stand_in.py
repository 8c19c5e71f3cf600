"""The state and logic behind the Entra ID stand-in: directory, signing key, grant.

Tokens are RS256 JWTs shaped like the v1 app tokens Entra issues for Azure OpenAI, signed
by a `TokenIssuer` the Azure stand-in trusts. The client-credentials grant checks things in
the order Entra does, so the first mistake in a request is the one reported. The HTTP app
(`console.sandbox.entra.app`) only turns requests into calls here and answers into JSON.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from console.sandbox.entra.discovery import discovery_document
from console.sandbox.entra.errors import reject
from console.sandbox.entra.faults import EntraFaults
from console.sandbox.entra.records import RecordedRequest
from console.sandbox.entra.tenants import DEFAULT_RESOURCES, AppRegistration, DemoIdentity, Tenant
from console.sandbox.request_log import RequestLog
from console.sandbox.tokens import TokenIssuer, new_token_id

DEFAULT_TOKEN_LIFETIME_S = 3599
_RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class EntraStandIn(RequestLog[RecordedRequest]):
    """The directory, signing key, faults and request log behind the Entra ID app.

    ``base_url`` is filled in by `EntraServer` (or by the caller) once the port is known; it
    is what discovery documents point at.
    """

    def __init__(
        self,
        *,
        issuer: TokenIssuer | None = None,
        token_lifetime_s: int = DEFAULT_TOKEN_LIFETIME_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.issuer = issuer or TokenIssuer()
        self.token_lifetime_s = token_lifetime_s
        self.clock = clock
        self.faults = EntraFaults()
        self.base_url = ""
        self.tenants: dict[str, Tenant] = {}
        self.lock = threading.Lock()
        """Guards the faults that count down (``fail_count``) across request threads."""
        self._untrusted: TokenIssuer | None = None

    # -- directory

    def add_tenant(
        self,
        tenant_id: str | None = None,
        *,
        domains: Iterable[str] = (),
        display_name: str = "Contoso",
        resources: Iterable[str] = DEFAULT_RESOURCES,
    ) -> Tenant:
        tenant = Tenant(
            tenant_id=(tenant_id or str(uuid.uuid4())).lower(),
            domains=[d.lower() for d in domains],
            display_name=display_name,
            resources=set(resources),
        )
        self.tenants[tenant.tenant_id] = tenant
        return tenant

    def add_demo_identity(self, *, roles: Iterable[str] = ()) -> DemoIdentity:
        """A fresh tenant (GUID + contoso-style domain) with one app and one secret."""
        tenant_id = str(uuid.uuid4())
        domain = f"contoso{tenant_id[:8]}.onmicrosoft.com"
        tenant = self.add_tenant(tenant_id, domains=[domain])
        app = tenant.add_app(roles=roles)
        return DemoIdentity(tenant.tenant_id, domain, app.client_id, app.secrets[0])

    def find_tenant(self, name: str) -> Tenant | None:
        """Look a tenant up by GUID or by one of its domains (case-insensitive)."""
        key = name.lower()
        if key in self.tenants:
            return self.tenants[key]
        return next((t for t in self.tenants.values() if key in t.domains), None)

    # -- request log

    @property
    def token_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.endpoint == "token"]

    # -- documents

    def discovery_document(self, tenant: Tenant, *, v1: bool = False) -> dict[str, Any]:
        """OpenID configuration as Entra publishes it, pointing at this stand-in."""
        return discovery_document(self.base_url, tenant.tenant_id, v1=v1)

    def mint_access_token(
        self, tenant: Tenant, app: AppRegistration, resource: str
    ) -> tuple[str, int]:
        """An app-only v1 access token for ``resource`` and its lifetime in seconds."""
        faults = self.faults
        now = int(self.clock())
        lifetime = faults.token_lifetime_s or self.token_lifetime_s
        issuer = f"https://sts.windows.net/{tenant.tenant_id}/"
        claims: dict[str, Any] = {
            "aud": "https://management.core.windows.net/" if faults.wrong_audience else resource,
            "iss": issuer,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "aio": new_token_id(),
            "appid": app.client_id,
            "appidacr": "1",
            "azp": app.client_id,
            "azpacr": "1",
            "idp": issuer,
            "idtyp": "app",
            "oid": app.object_id,
            "rh": f"0.{new_token_id()}.",
            "sub": app.object_id,
            "tid": tenant.tenant_id,
            "uti": new_token_id(),
            "ver": "1.0",
            "xms_idrel": "7 20",
        }
        if app.roles:
            claims["roles"] = list(app.roles)
        signer = self.issuer
        if faults.forge_signature:
            if self._untrusted is None:
                self._untrusted = TokenIssuer(kid=self.issuer.kid)
            signer = self._untrusted
        return signer.mint(claims), lifetime

    # -- the client-credentials grant (form in, token response or AadRejection out)

    def grant(
        self, tenant_name: str, form: dict[str, str], basic: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """Run the client-credentials grant in the order Entra checks things."""
        tenant = self.find_tenant(tenant_name)
        if tenant is None:
            if not _is_guid(tenant_name) and "." not in tenant_name:
                raise reject(900023, tenant=tenant_name)
            raise reject(90002, tenant=tenant_name)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise reject(900144, parameter="grant_type")
        if grant_type != "client_credentials":
            raise reject(70003, grant_type=grant_type)
        scope = form.get("scope")
        if not scope:
            raise reject(900144, parameter="scope")
        app = self._authenticate(tenant, form, basic)
        resource = self._resource(tenant, scope)
        token, lifetime = self.mint_access_token(tenant, app, resource)
        return {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        }

    def _authenticate(
        self, tenant: Tenant, form: dict[str, str], basic: tuple[str, str] | None
    ) -> AppRegistration:
        client_id = basic[0] if basic else form.get("client_id", "")
        secret = basic[1] if basic else form.get("client_secret")
        if not client_id:
            raise reject(900144, parameter="client_id")
        app = tenant.apps.get(client_id.lower())
        if app is None:
            raise reject(700016, client_id=client_id, tenant=tenant.display_name)
        if not secret:
            raise reject(7000218)
        if secret in app.expired_secrets or (self.faults.expired_secret and secret in app.secrets):
            raise reject(7000222, client_id=app.client_id)
        if secret not in app.secrets:
            raise reject(7000215, client_id=app.client_id)
        return app

    def _resource(self, tenant: Tenant, scope: str) -> str:
        scopes = [s for s in scope.split() if s not in _RESERVED_SCOPES]
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise reject(1002012, scope=scope)
        resource = scopes[0].removesuffix("/.default").rstrip("/")
        if resource not in tenant.resources:
            raise reject(500011, resource=resource, tenant=tenant.display_name)
        return resource
