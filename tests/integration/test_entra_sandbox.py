"""The Entra ID stand-in, driven by the real azure-identity credentials.

The console trusts the stand-in to behave like Entra as azure-identity sees it, so every test
here runs the real `ClientSecretCredential` (sync via MSAL, and async) against it over TLS
verified with the sandbox CA, and pins what FACTS.md says the credential reports.
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.identity import ClientSecretCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential

from console.sandbox import faults
from console.sandbox.entra.server import EntraServer
from console.sandbox.entra.stand_in import EntraStandIn
from console.sandbox.entra.tenants import DemoIdentity
from console.sandbox.servers import port_is_listening
from console.sandbox.tokens import BadSignatureError, WrongAudienceError
from console.shared.azure import COGNITIVE_SERVICES, DEFAULT_SCOPE

CANARY = "CANARY~s3cret-value-that-must-never-be-recorded-0042"
UNKNOWN_TENANT = "00000000-dead-beef-0000-000000000000"
UNKNOWN_APP = "11111111-2222-3333-4444-555555555555"
EXPIRED = "old8Q~expired-secret-value-0000000000000"


@pytest.fixture(scope="module")
def entra() -> Iterator[EntraServer]:
    with EntraServer() as server:
        yield server
    assert not port_is_listening(server.port)


@pytest.fixture(scope="module")
def ident(entra: EntraServer) -> DemoIdentity:
    tenant = entra.stand_in.add_tenant(domains=["contoso.onmicrosoft.com"])
    app = tenant.add_app(secret=CANARY, expired_secrets=[EXPIRED], roles=["Inference.Invoke"])
    return DemoIdentity(tenant.tenant_id, "contoso.onmicrosoft.com", app.client_id, CANARY)


@pytest.fixture(autouse=True)
def clean(entra: EntraServer) -> Iterator[None]:
    faults.reset(entra.faults)
    entra.stand_in.clear_requests()
    yield
    faults.reset(entra.faults)


def credential(
    entra: EntraServer,
    tenant: str,
    client_id: str,
    secret: str,
    **options: Any,
) -> ClientSecretCredential:
    kwargs: dict[str, Any] = {
        "authority": entra.authority,
        "disable_instance_discovery": True,
        "connection_verify": str(entra.ca_pem),
        "retry_total": 0,
    }
    return ClientSecretCredential(tenant, client_id, secret, **(kwargs | options))


def async_credential(
    entra: EntraServer, tenant: str, client_id: str, secret: str, **options: Any
) -> AsyncClientSecretCredential:
    kwargs: dict[str, Any] = {
        "authority": entra.authority,
        "connection_verify": str(entra.ca_pem),
        "retry_total": 0,
    }
    return AsyncClientSecretCredential(tenant, client_id, secret, **(kwargs | options))


def http(entra: EntraServer) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=entra.ca_pem), timeout=5)


def get_error(entra: EntraServer, ident: DemoIdentity, **overrides: str) -> str:
    secret = overrides.pop("secret", ident.client_secret)
    tenant = overrides.pop("tenant", ident.tenant_id)
    client_id = overrides.pop("client_id", ident.client_id)
    scope = overrides.pop("scope", DEFAULT_SCOPE)
    with pytest.raises(ClientAuthenticationError) as caught:
        credential(entra, tenant, client_id, secret).get_token(scope)
    return str(caught.value)


# ------------------------------------------------------------------------------- happy path


def test_real_credential_gets_a_token_with_entra_claims(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    before = int(time.time())
    token = credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    claims = entra.issuer.verify(token.token, COGNITIVE_SERVICES)
    assert claims["aud"] == "https://cognitiveservices.azure.com"
    assert claims["iss"] == f"https://sts.windows.net/{ident.tenant_id}/"
    assert claims["tid"] == ident.tenant_id
    assert claims["appid"] == claims["azp"] == ident.client_id
    assert claims["oid"] == claims["sub"]
    assert claims["roles"] == ["Inference.Invoke"]
    assert (claims["ver"], claims["idtyp"]) == ("1.0", "app")
    assert claims["exp"] - claims["iat"] == 3599
    assert claims["nbf"] == claims["iat"] >= before
    assert abs(token.expires_on - claims["exp"]) <= 1
    assert jwt.get_unverified_header(token.token)["kid"] == entra.issuer.kid


def test_sync_flow_is_discovery_then_one_post(entra: EntraServer, ident: DemoIdentity) -> None:
    credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    seen = [(r.method, r.path, r.status) for r in entra.stand_in.requests]
    assert seen == [
        ("GET", f"/{ident.tenant_id}/v2.0/.well-known/openid-configuration", 200),
        ("POST", f"/{ident.tenant_id}/oauth2/v2.0/token", 200),
    ]
    form = entra.stand_in.token_requests[0].form
    assert form["grant_type"] == "client_credentials"
    assert form["client_id"] == ident.client_id
    assert form["scope"] == DEFAULT_SCOPE
    assert form["client_secret"] == "********"


def test_second_get_token_is_cached_and_a_new_credential_asks_again(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    cred = credential(entra, ident.tenant_id, ident.client_id, CANARY)
    first = cred.get_token(DEFAULT_SCOPE)
    second = cred.get_token(DEFAULT_SCOPE)
    assert first.token == second.token
    assert len(entra.stand_in.token_requests) == 1
    credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    assert len(entra.stand_in.token_requests) == 2


def test_short_lived_tokens_are_fetched_on_every_call(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    faults.apply(["entra-short-token=60"], {"entra": entra.faults})
    cred = credential(entra, ident.tenant_id, ident.client_id, CANARY)
    cred.get_token(DEFAULT_SCOPE)
    cred.get_token(DEFAULT_SCOPE)
    assert len(entra.stand_in.token_requests) == 2  # under 5 minutes left counts as expired


def test_tenant_by_domain_name(entra: EntraServer, ident: DemoIdentity) -> None:
    token = credential(entra, ident.domain, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    assert entra.issuer.verify(token.token, COGNITIVE_SERVICES)["tid"] == ident.tenant_id
    # discovery points the token POST at the tenant's GUID, as Entra's does
    assert entra.stand_in.token_requests[0].path == f"/{ident.tenant_id}/oauth2/v2.0/token"


def test_discovery_document_and_keys(entra: EntraServer, ident: DemoIdentity) -> None:
    with http(entra) as client:
        url = f"{entra.url}/{ident.domain}/v2.0/.well-known/openid-configuration"
        document = client.get(url).json()
        for key in ("authorization_endpoint", "token_endpoint", "issuer", "jwks_uri"):
            assert document[key].startswith(entra.url)
        assert document["token_endpoint"] == entra.token_endpoint(ident.tenant_id)
        keys = client.get(document["jwks_uri"]).json()
        assert keys == client.get(f"{entra.url}/common/discovery/v2.0/keys").json()
    token = credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    public = jwt.PyJWK(keys["keys"][0]).key
    claims = jwt.decode(token.token, public, algorithms=["RS256"], audience=COGNITIVE_SERVICES)
    assert claims["tid"] == ident.tenant_id


# ----------------------------------------------------------------------------- AADSTS errors


@pytest.mark.parametrize(
    ("overrides", "code", "status"),
    [
        ({"secret": "not-the-secret"}, 7000215, 401),
        ({"secret": EXPIRED}, 7000222, 401),
        ({"client_id": UNKNOWN_APP}, 700016, 400),
        ({"scope": COGNITIVE_SERVICES}, 1002012, 400),
        ({"scope": "https://unknown.example.com/.default"}, 500011, 400),
    ],
    ids=["bad-secret", "expired-secret", "unknown-app", "bad-scope", "unknown-resource"],
)
def test_aadsts_code_reaches_the_credential_error(
    entra: EntraServer, ident: DemoIdentity, overrides: dict[str, str], code: int, status: int
) -> None:
    message = get_error(entra, ident, **overrides)
    assert f"AADSTS{code}:" in message
    (recorded,) = entra.stand_in.token_requests
    assert (recorded.status, recorded.error_code) == (status, code)


def test_expired_secret_fault_turns_the_good_secret_expired(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    faults.apply(["entra-expired-secret"], {"entra": entra.faults})
    assert "AADSTS7000222:" in get_error(entra, ident)


def test_unknown_tenant_fails_at_discovery_and_loses_the_code(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    message = get_error(entra, ident, tenant=UNKNOWN_TENANT)
    assert "Unable to get authority configuration" in message
    assert "AADSTS" not in message
    (recorded,) = entra.stand_in.requests
    assert (recorded.endpoint, recorded.status, recorded.error_code) == ("discovery", 400, 90002)
    with http(entra) as client:
        url = f"{entra.url}/{UNKNOWN_TENANT}/v2.0/.well-known/openid-configuration"
        answer = client.get(url)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_tenant"
    assert answer.json()["error_description"].startswith(f"AADSTS90002: Tenant '{UNKNOWN_TENANT}'")


def test_throttling_429_keeps_the_code(entra: EntraServer, ident: DemoIdentity) -> None:
    faults.apply(["entra-429"], {"entra": entra.faults})
    assert "AADSTS50196:" in get_error(entra, ident)
    assert entra.stand_in.token_requests[0].status == 429


def test_503_loses_the_code(entra: EntraServer, ident: DemoIdentity) -> None:
    faults.apply(["entra-503"], {"entra": entra.faults})
    message = get_error(entra, ident)
    assert "HTTP Error: 503" in message
    assert "AADSTS" not in message


def test_throttled_then_recovers_when_the_client_retries(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    faults.apply(["entra-429=0"], {"entra": entra.faults})
    entra.faults.fail_count = 1
    cred = credential(entra, ident.tenant_id, ident.client_id, CANARY, retry_total=1)
    assert cred.get_token(DEFAULT_SCOPE).token
    assert [r.status for r in entra.stand_in.token_requests] == [429, 200]


def test_error_body_is_entra_shaped(entra: EntraServer, ident: DemoIdentity) -> None:
    with http(entra) as client:
        answer = client.post(
            entra.token_endpoint(ident.tenant_id),
            data={"grant_type": "client_credentials", "client_id": ident.client_id,
                  "client_secret": "wrong", "scope": DEFAULT_SCOPE},
            headers={"client-request-id": "0b5f4b7e-0000-4000-8000-000000000001"},
        )  # fmt: skip
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "invalid_client"
    assert body["error_codes"] == [7000215]
    assert body["correlation_id"] == "0b5f4b7e-0000-4000-8000-000000000001"
    assert body["error_uri"].endswith("code=7000215")
    assert re.fullmatch(
        r"AADSTS7000215: Invalid client secret provided\..*'"
        + re.escape(ident.client_id)
        + r"'\.\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: "
        r"0b5f4b7e-0000-4000-8000-000000000001\r\nTimestamp: "
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ",
        body["error_description"],
        flags=re.DOTALL,
    )
    assert body["trace_id"] == answer.headers["x-ms-request-id"]
    assert body["timestamp"] == body["error_description"].rsplit("Timestamp: ", 1)[1]


def test_missing_secret_is_7000218(entra: EntraServer, ident: DemoIdentity) -> None:
    with pytest.raises(ValueError, match="client secret"):
        ClientSecretCredential(ident.tenant_id, ident.client_id, "")  # never reaches Entra
    with http(entra) as client:
        answer = client.post(
            entra.token_endpoint(ident.tenant_id),
            data={"grant_type": "client_credentials", "client_id": ident.client_id,
                  "scope": DEFAULT_SCOPE},
        )  # fmt: skip
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_client")
    assert answer.json()["error_codes"] == [7000218]


@pytest.mark.parametrize(
    ("tenant", "code"), [(UNKNOWN_TENANT, 90002), ("nodots", 900023), ("x.example", 90002)]
)
def test_token_endpoint_for_unknown_tenants(
    entra: EntraServer, ident: DemoIdentity, tenant: str, code: int
) -> None:
    with http(entra) as client:
        answer = client.post(
            entra.token_endpoint(tenant),
            data={"grant_type": "client_credentials", "client_id": ident.client_id,
                  "client_secret": CANARY, "scope": DEFAULT_SCOPE},
        )  # fmt: skip
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")
    assert answer.json()["error_codes"] == [code]


def test_basic_auth_secret(entra: EntraServer, ident: DemoIdentity) -> None:
    form = {"grant_type": "client_credentials", "scope": DEFAULT_SCOPE}
    with http(entra) as client:
        good = client.post(
            entra.token_endpoint(ident.tenant_id), data=form, auth=(ident.client_id, CANARY)
        )
        bad = client.post(
            entra.token_endpoint(ident.tenant_id), data=form, auth=(ident.client_id, "nope")
        )
    assert good.status_code == 200
    body = good.json()
    assert (body["token_type"], body["expires_in"], body["ext_expires_in"]) == (
        "Bearer",
        3599,
        3599,
    )
    assert entra.issuer.verify(body["access_token"], COGNITIVE_SERVICES)["appid"] == ident.client_id
    assert (bad.status_code, bad.json()["error_codes"]) == (401, [7000215])
    assert all(r.basic_auth for r in entra.stand_in.token_requests)


# ------------------------------------------------------------------------ transport faults


def test_connection_drop_is_wrapped_by_the_sync_credential(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    faults.apply(["entra-drop"], {"entra": entra.faults})
    with pytest.raises(ClientAuthenticationError) as caught:
        credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    assert isinstance(caught.value.__cause__, ServiceResponseError)
    assert entra.stand_in.token_requests[0].dropped


def test_latency_fault_is_measurable(entra: EntraServer, ident: DemoIdentity) -> None:
    faults.apply(["entra-latency=0.2"], {"entra": entra.faults})
    started = time.perf_counter()
    credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    elapsed = time.perf_counter() - started
    assert elapsed >= 0.4  # discovery and token POST are both delayed
    assert all(r.duration_s >= 0.2 for r in entra.stand_in.requests)


def test_slow_token_endpoint_hits_the_read_timeout(entra: EntraServer, ident: DemoIdentity) -> None:
    faults.apply(["entra-slow=30"], {"entra": entra.faults})
    cred = credential(entra, ident.tenant_id, ident.client_id, CANARY, read_timeout=0.3)
    started = time.perf_counter()
    with pytest.raises(ClientAuthenticationError) as caught:
        cred.get_token(DEFAULT_SCOPE)
    # Far under the 30 s the answer takes: the 0.3 s read timeout ended the wait (about
    # 0.4 s here; the bound leaves room for a loaded machine).
    assert time.perf_counter() - started < 10
    assert isinstance(caught.value.__cause__, ServiceResponseTimeoutError)


def test_discovery_down(entra: EntraServer, ident: DemoIdentity) -> None:
    faults.apply(["entra-discovery-down"], {"entra": entra.faults})
    assert "HTTP Error: 503" in get_error(entra, ident)
    assert entra.stand_in.token_requests == []


def test_faults_switch_at_runtime(entra: EntraServer, ident: DemoIdentity) -> None:
    faults.apply(["entra-503"], {"entra": entra.faults})
    get_error(entra, ident)
    faults.reset(entra.faults)
    credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    assert [r.status for r in entra.stand_in.token_requests] == [503, 200]


def test_wrong_audience_and_forged_tokens_are_refused_downstream(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    faults.apply(["entra-wrong-audience"], {"entra": entra.faults})
    token = credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    with pytest.raises(WrongAudienceError):
        entra.issuer.verify(token.token, COGNITIVE_SERVICES)
    faults.reset(entra.faults)
    faults.apply(["entra-forged"], {"entra": entra.faults})
    token = credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    with pytest.raises(BadSignatureError):
        entra.issuer.verify(token.token, COGNITIVE_SERVICES)


# ------------------------------------------------------------------------------ secrets


def test_the_secret_is_never_recorded_or_logged(
    entra: EntraServer, ident: DemoIdentity, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="uvicorn")
    caplog.set_level(logging.DEBUG, logger="console")
    credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    get_error(entra, ident, scope=COGNITIVE_SERVICES)
    faults.apply(["entra-drop"], {"entra": entra.faults})
    with pytest.raises(ClientAuthenticationError):
        credential(entra, ident.tenant_id, ident.client_id, CANARY).get_token(DEFAULT_SCOPE)
    faults.reset(entra.faults)
    with http(entra) as client:
        client.post(
            entra.token_endpoint(ident.tenant_id),
            data={"grant_type": "client_credentials", "scope": DEFAULT_SCOPE},
            auth=(ident.client_id, CANARY),
        )
    assert len(entra.stand_in.token_requests) == 4
    assert CANARY not in repr(entra.stand_in.requests)
    ours = [r for r in caplog.records if r.name.startswith(("uvicorn", "console"))]
    assert all(CANARY not in r.getMessage() for r in ours)


# ------------------------------------------------------------------------------ async flow


async def test_async_credential_single_post(entra: EntraServer, ident: DemoIdentity) -> None:
    async with async_credential(entra, ident.domain, ident.client_id, CANARY) as cred:
        token = await cred.get_token(DEFAULT_SCOPE)
        again = await cred.get_token(DEFAULT_SCOPE)
    assert token.token == again.token
    claims = entra.issuer.verify(token.token, COGNITIVE_SERVICES)
    assert claims["tid"] == ident.tenant_id
    seen = [(r.method, r.path) for r in entra.stand_in.requests]
    assert seen == [("POST", f"/{ident.domain}/oauth2/v2.0/token")]


@pytest.mark.parametrize(
    ("tenant", "secret", "code"),
    [(None, "wrong", 7000215), (UNKNOWN_TENANT, CANARY, 90002), (None, EXPIRED, 7000222)],
    ids=["bad-secret", "unknown-tenant", "expired-secret"],
)
async def test_async_credential_keeps_the_code(
    entra: EntraServer, ident: DemoIdentity, tenant: str | None, secret: str, code: int
) -> None:
    async with async_credential(entra, tenant or ident.tenant_id, ident.client_id, secret) as c:
        with pytest.raises(ClientAuthenticationError) as caught:
            await c.get_token(DEFAULT_SCOPE)
    assert f"AADSTS{code}:" in str(caught.value)


async def test_async_credential_drop_raises_service_request_error(
    entra: EntraServer, ident: DemoIdentity
) -> None:
    faults.apply(["entra-drop"], {"entra": entra.faults})
    async with async_credential(entra, ident.tenant_id, ident.client_id, CANARY) as cred:
        with pytest.raises(ServiceRequestError):
            await cred.get_token(DEFAULT_SCOPE)


# ------------------------------------------------------------------------------ lifecycle


def test_own_server_starts_and_leaves_no_port(tmp_path: Any) -> None:
    stand_in = EntraStandIn(token_lifetime_s=600)
    ident = stand_in.add_demo_identity()
    with EntraServer(stand_in, workdir=tmp_path) as server:
        assert server.url.startswith("https://127.0.0.1:")
        assert server.ca_pem == tmp_path / "ca.pem"
        token = credential(server, ident.tenant_id, ident.client_id, ident.client_secret)
        claims = server.issuer.verify(token.get_token(DEFAULT_SCOPE).token, COGNITIVE_SERVICES)
        assert claims["exp"] - claims["iat"] == 600
        port = server.port
    assert not port_is_listening(port)


def test_stop_with_a_request_in_flight_is_quick() -> None:
    stand_in = EntraStandIn()
    mine = stand_in.add_demo_identity()
    server = EntraServer(stand_in).start()
    stand_in.faults.token_latency_s = 30
    failures: list[BaseException] = []

    def waiting() -> None:
        try:
            credential(server, mine.tenant_id, mine.client_id, mine.client_secret).get_token(
                DEFAULT_SCOPE
            )
        except ClientAuthenticationError as exc:
            failures.append(exc)

    thread = threading.Thread(target=waiting)
    thread.start()
    deadline = time.monotonic() + 5
    while not any(r.endpoint == "discovery" for r in stand_in.requests):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.1)
    ca_pem = server.ca_pem
    started = time.perf_counter()
    server.stop()
    # The request in flight would hold a waiting stop for 30 s; an abort takes milliseconds.
    assert time.perf_counter() - started < 10
    thread.join(5)
    assert failures
    assert not port_is_listening(server.port)
    assert not ca_pem.exists()  # its own CA directory goes with it


def test_the_module_server_is_on_loopback(entra: EntraServer) -> None:
    assert entra.server.host == "127.0.0.1"
    assert entra.url == f"https://127.0.0.1:{entra.port}"
