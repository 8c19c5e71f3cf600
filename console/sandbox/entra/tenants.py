"""The directory the Entra ID stand-in signs in against: tenants and their app registrations.

Entra looks a tenant up by GUID or by a verified domain, and an app by its client id in
that tenant; a token is only issued for a resource the tenant knows. These records hold
exactly that, plus what the demo needs to sign in at once (`DemoIdentity`).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from console.shared.azure import COGNITIVE_SERVICES

DEFAULT_RESOURCES: tuple[str, ...] = (
    COGNITIVE_SERVICES,
    "https://ai.azure.com",
    "https://management.azure.com",
    "https://graph.microsoft.com",
)


@dataclass
class AppRegistration:
    """An app registration with its service principal in one tenant."""

    client_id: str
    secrets: list[str] = field(default_factory=list)
    expired_secrets: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    display_name: str = "lightspeed-stack"


@dataclass
class Tenant:
    """A directory: its GUID, its verified domains, its apps and the resources it knows."""

    tenant_id: str
    domains: list[str] = field(default_factory=list)
    display_name: str = "Contoso"
    apps: dict[str, AppRegistration] = field(default_factory=dict)
    resources: set[str] = field(default_factory=lambda: set(DEFAULT_RESOURCES))

    def add_app(
        self,
        client_id: str | None = None,
        *,
        secret: str | None = None,
        expired_secrets: Iterable[str] = (),
        roles: Iterable[str] = (),
    ) -> AppRegistration:
        """Register an app; a random client id and secret value are made up when not given."""
        app = AppRegistration(
            client_id=client_id or str(uuid.uuid4()),
            secrets=[secret or new_client_secret()],
            expired_secrets=list(expired_secrets),
            roles=list(roles),
        )
        self.apps[app.client_id.lower()] = app
        return app


@dataclass(frozen=True, slots=True)
class DemoIdentity:
    """A ready-made tenant + app, for `demo` and for tests that just need a working login."""

    tenant_id: str
    domain: str
    client_id: str
    client_secret: str


def new_client_secret() -> str:
    """A random value shaped like an Entra client secret value (40 chars, with a ``~``)."""
    body = secrets.token_urlsafe(30).replace("-", "~")[:37]
    return f"{body[:3]}8Q~{body[3:]}"
