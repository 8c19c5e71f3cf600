"""A stand-in for Microsoft Entra ID's client-credentials flow, served over HTTPS on loopback.

It answers exactly what the real ``azure.identity.ClientSecretCredential`` (sync, through
MSAL, and async) asks for: OpenID discovery, the v2.0 token endpoint and the signing keys.
Tokens are RS256 JWTs shaped like the v1 app tokens Entra issues for Azure OpenAI, signed by
a `TokenIssuer` the Azure stand-in trusts. Failures come back in Entra's own shape (AADSTS
code, trace and correlation ids) so the console's diagnosis is exercised on realistic text.
Faults (`EntraFaults`) can be switched at runtime; every request is recorded, secrets masked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import unquote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.sandbox.ca import issue_local_tls
from console.sandbox.request_log import RequestLog
from console.sandbox.servers import LocalServer, Startable, TlsFiles, drop_connection
from console.sandbox.tokens import TokenIssuer, new_token_id

COGNITIVE_SERVICES = "https://cognitiveservices.azure.com"
DEFAULT_SCOPE = f"{COGNITIVE_SERVICES}/.default"
DEFAULT_RESOURCES: tuple[str, ...] = (
    COGNITIVE_SERVICES,
    "https://ai.azure.com",
    "https://management.azure.com",
    "https://graph.microsoft.com",
)
DEFAULT_TOKEN_LIFETIME_S = 3599
MASK = "********"
_MASKED_FIELDS = frozenset({"client_secret", "client_assertion", "password", "refresh_token"})
_RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})
_ERROR_URI = "https://login.microsoftonline.com/error?code={code}"


# --------------------------------------------------------------------------- directory model


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


# ------------------------------------------------------------------------------ faults & log


@dataclass
class EntraFaults:
    """Faults read on every request; set attributes (or use `faults.apply`) while it runs."""

    latency_s: float = 0.0  # added to every answer
    token_latency_s: float = 0.0  # added to token answers only
    token_status: int | None = None  # 429 (AADSTS50196) or 5xx (AADSTS90033) from the token POST
    discovery_status: int | None = None  # 5xx from OpenID discovery
    retry_after_s: int = 1  # Retry-After sent with either status
    fail_count: int | None = None  # answer token_status this many times, then recover
    drop: bool = False  # token POST: close the connection without answering
    expired_secret: bool = False  # the right secret gets AADSTS7000222
    token_lifetime_s: int | None = None  # overrides the stand-in's token lifetime
    wrong_audience: bool = False  # tokens carry another aud than the scope's resource
    forge_signature: bool = False  # tokens are signed by a key nobody trusts (same kid)

    def take_failure(self, lock: threading.Lock) -> bool:
        """Whether this request should get the fault status (``fail_count`` counts down)."""
        with lock:
            if self.fail_count is None:
                return True
            if self.fail_count <= 0:
                return False
            self.fail_count -= 1
            return True


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the stand-in saw it; secret form fields are masked before storing.

    ``started_at`` is wall-clock (epoch seconds); ``status`` is None for a dropped connection.
    """

    method: str
    path: str
    endpoint: str
    tenant: str | None
    form: dict[str, str]
    basic_auth: bool
    started_at: float
    duration_s: float
    status: int | None
    error_code: int | None = None

    @property
    def dropped(self) -> bool:
        return self.status is None


def _mask_form(form: dict[str, str]) -> dict[str, str]:
    return {k: (MASK if k in _MASKED_FIELDS and v else v) for k, v in form.items()}


# ---------------------------------------------------------------------------- AADSTS errors


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


# -------------------------------------------------------------------------------- the service


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class AadRejection(Exception):
    """Raised inside the token grant with the error Entra would answer."""

    def __init__(self, error: AadError) -> None:
        super().__init__(f"AADSTS{error.code}")
        self.error = error


def _reject(code: int, **params: str) -> AadRejection:
    return AadRejection(aad_error(code, **params))


_CLAIMS_SUPPORTED = (
    "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
    "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
    "name", "tid", "ver", "at_hash", "c_hash", "email",
)  # fmt: skip


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
        base, tid = self.base_url, tenant.tenant_id
        oauth = f"{base}/{tid}/oauth2" if v1 else f"{base}/{tid}/oauth2/v2.0"
        return {
            "token_endpoint": f"{oauth}/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/{tid}/discovery/{'' if v1 else 'v2.0/'}keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"https://sts.windows.net/{tid}/" if v1 else f"{base}/{tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{oauth}/authorize",
            "device_authorization_endpoint": f"{oauth}/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{oauth}/logout",
            "claims_supported": list(_CLAIMS_SUPPORTED),
            "kerberos_endpoint": f"{base}/{tid}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

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
                raise _reject(900023, tenant=tenant_name)
            raise _reject(90002, tenant=tenant_name)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise _reject(900144, parameter="grant_type")
        if grant_type != "client_credentials":
            raise _reject(70003, grant_type=grant_type)
        scope = form.get("scope")
        if not scope:
            raise _reject(900144, parameter="scope")
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
            raise _reject(900144, parameter="client_id")
        app = tenant.apps.get(client_id.lower())
        if app is None:
            raise _reject(700016, client_id=client_id, tenant=tenant.display_name)
        if not secret:
            raise _reject(7000218)
        if secret in app.expired_secrets or (self.faults.expired_secret and secret in app.secrets):
            raise _reject(7000222, client_id=app.client_id)
        if secret not in app.secrets:
            raise _reject(7000215, client_id=app.client_id)
        return app

    def _resource(self, tenant: Tenant, scope: str) -> str:
        scopes = [s for s in scope.split() if s not in _RESERVED_SCOPES]
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise _reject(1002012, scope=scope)
        resource = scopes[0].removesuffix("/.default").rstrip("/")
        if resource not in tenant.resources:
            raise _reject(500011, resource=resource, tenant=tenant.display_name)
        return resource


# ------------------------------------------------------------------------------ HTTP binding


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_secret_basic: ``Authorization: Basic b64(urlenc(id):urlenc(secret))``."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(user), unquote_plus(password)


class _EntraHttp:
    """Request handlers: fault injection, the grant, Entra-shaped answers, the request log."""

    def __init__(self, stand_in: EntraStandIn) -> None:
        self.stand_in = stand_in

    @staticmethod
    def _ids(request: Request) -> tuple[str, str]:
        # Entra echoes the client's request id as the correlation id.
        correlation = request.headers.get("client-request-id") or str(uuid.uuid4())
        return correlation, str(uuid.uuid4())

    @staticmethod
    def _headers(correlation_id: str, trace_id: str) -> dict[str, str]:
        return {
            "cache-control": "no-store, no-cache",
            "pragma": "no-cache",
            "x-ms-request-id": trace_id,
            "client-request-id": correlation_id,
        }

    def _ok(self, request: Request, body: dict[str, Any]) -> JSONResponse:
        return JSONResponse(body, headers=self._headers(*self._ids(request)))

    def _error(self, request: Request, error: AadError, retry_after: int | None = None) -> Response:
        correlation, trace = self._ids(request)
        headers = self._headers(correlation, trace)
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        body = aad_error_body(
            error, correlation_id=correlation, trace_id=trace, now=self.stand_in.clock()
        )
        return JSONResponse(body, status_code=error.status, headers=headers)

    def _record(
        self,
        request: Request,
        endpoint: str,
        started: float,
        response: Response | None,
        *,
        form: dict[str, str] | None = None,
        basic: bool = False,
    ) -> None:
        code: int | None = None
        if isinstance(response, JSONResponse) and response.status_code >= 400:
            codes = json.loads(bytes(response.body)).get("error_codes") or [None]
            code = codes[0]
        self.stand_in.record(
            RecordedRequest(
                method=request.method,
                path=request.url.path,
                endpoint=endpoint,
                tenant=request.path_params.get("tenant"),
                form=_mask_form(form or {}),
                basic_auth=basic,
                started_at=time.time() - (time.monotonic() - started),
                duration_s=time.monotonic() - started,
                status=None if response is None else response.status_code,
                error_code=code,
            )
        )

    async def _delay(self, extra: float = 0.0) -> None:
        total = self.stand_in.faults.latency_s + extra
        if total > 0:
            await asyncio.sleep(total)

    async def discovery(self, request: Request) -> Response:
        started = time.monotonic()
        await self._delay()
        faults, name = self.stand_in.faults, request.path_params["tenant"]
        response: Response
        if faults.discovery_status is not None:
            error = replace(aad_error(90033), status=faults.discovery_status)
            response = self._error(request, error, faults.retry_after_s)
        elif (tenant := self.stand_in.find_tenant(name)) is None:
            # The real endpoint says invalid_tenant here; MSAL then reports
            # "Unable to get authority configuration".
            response = self._error(
                request, replace(aad_error(90002, tenant=name), error="invalid_tenant")
            )
        else:
            v1 = "/v2.0/" not in request.url.path
            response = self._ok(request, self.stand_in.discovery_document(tenant, v1=v1))
        self._record(request, "discovery", started, response)
        return response

    async def token(self, request: Request) -> Response:
        started = time.monotonic()
        faults = self.stand_in.faults
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        basic = _basic_credentials(request)
        await self._delay(faults.token_latency_s)
        response: Response | None
        if faults.drop:
            self._record(request, "token", started, None, form=form, basic=basic is not None)
            await drop_connection(request.scope)
            return Response(status_code=500)  # discarded: the connection is gone
        if faults.token_status is not None and faults.take_failure(self.stand_in.lock):
            code = 50196 if faults.token_status == 429 else 90033
            error = replace(aad_error(code), status=faults.token_status)
            response = self._error(request, error, faults.retry_after_s)
        else:
            try:
                grant = self.stand_in.grant(request.path_params["tenant"], form, basic)
                response = self._ok(request, grant)
            except AadRejection as rejection:
                response = self._error(request, rejection.error)
        self._record(request, "token", started, response, form=form, basic=basic is not None)
        return response

    async def keys(self, request: Request) -> Response:
        started = time.monotonic()
        await self._delay()
        name = request.path_params.get("tenant", "common")
        if name not in ("common", "organizations") and self.stand_in.find_tenant(name) is None:
            response = self._error(
                request, replace(aad_error(90002, tenant=name), error="invalid_tenant")
            )
        else:
            response = self._ok(request, self.stand_in.issuer.jwks())
        self._record(request, "keys", started, response)
        return response

    async def not_found(self, request: Request) -> Response:
        response = JSONResponse({"error": "not_found"}, status_code=404)
        self._record(request, "other", time.monotonic(), response)
        return response


def create_entra_app(stand_in: EntraStandIn) -> Starlette:
    """The starlette app serving discovery, token and keys endpoints for ``stand_in``."""
    http = _EntraHttp(stand_in)
    any_method = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    return Starlette(
        routes=[
            Route("/{tenant}/v2.0/.well-known/openid-configuration", http.discovery),
            Route("/{tenant}/.well-known/openid-configuration", http.discovery),
            Route("/{tenant}/oauth2/v2.0/token", http.token, methods=["POST"]),
            Route("/{tenant}/discovery/v2.0/keys", http.keys),
            Route("/{tenant}/discovery/keys", http.keys),
            Route("/discovery/keys", http.keys),
            Route("/{path:path}", http.not_found, methods=any_method),
        ]
    )


# ------------------------------------------------------------------------------ the server


class EntraServer(Startable):
    """The Entra stand-in served over HTTPS on 127.0.0.1, with its own CA unless given one.

    ``authority`` is what `ClientSecretCredential(authority=...)` takes; ``ca_pem`` is what
    it must trust (``connection_verify=``). Instance discovery must be disabled on the sync
    credential, since this authority is not a Microsoft cloud.
    """

    def __init__(
        self,
        stand_in: EntraStandIn | None = None,
        *,
        tls: TlsFiles | None = None,
        workdir: Path | None = None,
    ) -> None:
        self.stand_in = stand_in or EntraStandIn()
        self._tls = tls
        self._workdir = workdir
        self._own_dir: Path | None = None
        self._server: LocalServer | None = None

    @property
    def faults(self) -> EntraFaults:
        return self.stand_in.faults

    @property
    def issuer(self) -> TokenIssuer:
        return self.stand_in.issuer

    @property
    def tls(self) -> TlsFiles:
        if self._tls is None:
            raise RuntimeError("Entra stand-in is not started")
        return self._tls

    @property
    def ca_pem(self) -> Path:
        return self.tls.ca_pem

    @property
    def server(self) -> LocalServer:
        if self._server is None:
            raise RuntimeError("Entra stand-in is not started")
        return self._server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def authority(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    def token_endpoint(self, tenant: str) -> str:
        return f"{self.url}/{tenant}/oauth2/v2.0/token"

    def start(self) -> Self:
        if self._tls is None:
            directory = self._workdir
            if directory is None:
                directory = self._own_dir = Path(tempfile.mkdtemp(prefix="entra-sandbox-"))
            self._tls = issue_local_tls(directory)
        server = LocalServer(create_entra_app(self.stand_in), tls=self._tls, name="entra")
        server.start()
        self._server = server
        self.stand_in.base_url = server.url
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = None
            self._tls = None
