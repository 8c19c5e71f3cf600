"""`TokenManager` and the ``token`` command against the Entra stand-in, with the real SDK.

Every failure a diagnosis names is produced for real here: the sync
``ClientSecretCredential`` talks TLS to the stand-in, which answers as Entra does (or
drops, stalls, throttles). Request counts are read from the stand-in's own log, so
"one request" means one token POST seen on the wire.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from console.cli import main
from console.config.views import EntraIdSettings
from console.entra.manager import TokenError, TokenManager, TokenStatus
from console.sandbox import faults
from console.sandbox.entra.server import EntraServer
from console.sandbox.servers import port_is_listening
from console.shared.azure import COGNITIVE_SERVICES, DEFAULT_SCOPE
from tests.conftest import CANARY_SECRET, CLIENT, EXAMPLES, TENANT

DOMAIN = "contoso.onmicrosoft.com"
EXPIRED = "old8Q~expired-secret-value-0000000000000"
UNKNOWN_TENANT = "00000000-dead-beef-0000-000000000000"
UNKNOWN_APP = "11111111-2222-3333-4444-555555555555"
SERVICE = str(EXAMPLES / "lightspeed-stack-service.yaml")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@pytest.fixture(scope="module")
def entra() -> Iterator[EntraServer]:
    with EntraServer() as server:
        tenant = server.stand_in.add_tenant(TENANT, domains=[DOMAIN])
        tenant.add_app(CLIENT, secret=CANARY_SECRET, expired_secrets=[EXPIRED])
        yield server
    assert not port_is_listening(server.port)


@pytest.fixture(autouse=True)
def clean(entra: EntraServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)
    faults.reset(entra.faults)
    entra.stand_in.clear_requests()
    yield
    faults.reset(entra.faults)


def settings(
    tenant: str = TENANT,
    client: str = CLIENT,
    secret: str = CANARY_SECRET,
    scope: str = DEFAULT_SCOPE,
) -> EntraIdSettings:
    return EntraIdSettings(SecretStr(tenant), SecretStr(client), SecretStr(secret), scope, None)


def manager(
    entra: EntraServer, config: EntraIdSettings | None = None, **options: Any
) -> TokenManager:
    kwargs: dict[str, Any] = {
        "authority": entra.authority,
        "ca_bundle": entra.ca_pem,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    return TokenManager(config or settings(), **(kwargs | options))


def token_posts(entra: EntraServer) -> int:
    return len(entra.stand_in.token_requests)


class FakeClock:
    """Real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


# ------------------------------------------------------------------------ acquire & cache


async def test_acquire_returns_a_checked_status(entra: EntraServer) -> None:
    before = time.time()
    status = await manager(entra).get_token()
    assert token_posts(entra) == 1
    claims = entra.issuer.verify(status.token.get_secret_value(), COGNITIVE_SERVICES)
    assert status.claims == claims
    assert (status.tenant, status.token_type, status.signature_checked) == (TENANT, "Bearer", False)
    assert status.header["alg"] == "RS256"
    assert status.refresh_at == status.expires_on - 30
    assert 3590 < status.seconds_left <= 3600
    assert status.acquired_at >= before
    assert [(c.name, c.state) for c in status.checks] == [
        ("aud", "pass"),
        ("tid", "pass"),
        ("appid", "pass"),
        ("lifetime", "pass"),
        ("nbf", "pass"),
    ]
    assert status.ok


async def test_second_get_token_is_served_from_the_cache(entra: EntraServer) -> None:
    tokens = manager(entra)
    first = await tokens.get_token()
    second = await tokens.get_token()
    assert token_posts(entra) == 1  # no second request: the cache answered
    assert second.token.get_secret_value() == first.token.get_secret_value()
    assert [a.outcome for a in tokens.history] == ["ok"]
    assert tokens.current() is not None


async def test_refresh_once_the_clock_passes_the_leeway_point(entra: EntraServer) -> None:
    entra.faults.token_lifetime_s = 120
    clock = FakeClock()
    tokens = manager(entra, clock=clock)
    first = await tokens.get_token()
    clock.offset = first.refresh_at - time.time() - 1  # one second before the refresh point
    assert not tokens.is_token_expired
    assert (await tokens.get_token()).token == first.token
    assert token_posts(entra) == 1
    clock.offset = first.refresh_at - time.time() + 1  # past it: expires_on - 30 < now
    assert tokens.is_token_expired
    second = await tokens.get_token()
    assert token_posts(entra) == 2
    assert second.token != first.token
    assert second.as_of == pytest.approx(clock(), abs=1)


async def test_short_token_is_refreshed_in_real_time(entra: EntraServer) -> None:
    # 33 s: exp is whole seconds, so the refresh point lands 2-3 s after issue, leaving
    # time for the cached read below even on a busy machine.
    faults.apply(["entra-short-token=33"], {"entra": entra.faults})
    tokens = manager(entra)
    first = await tokens.get_token()
    assert first.checks[3].ok  # 33 s left is more than the 30 s leeway
    assert (await tokens.get_token()).token == first.token
    await asyncio.sleep(max(0.0, first.refresh_at - time.time()) + 0.05)
    second = await tokens.get_token()
    assert token_posts(entra) == 2
    assert second.token != first.token


async def test_force_refresh_makes_exactly_one_request(entra: EntraServer) -> None:
    tokens = manager(entra)
    first = await tokens.get_token()
    forced = await tokens.force_refresh()
    assert token_posts(entra) == 2
    assert forced.token != first.token
    assert [a.forced for a in tokens.history] == [False, True]
    assert (await tokens.get_token()).token == forced.token
    assert token_posts(entra) == 2


async def test_tenant_given_as_a_domain_gets_an_unknown_tid_check(entra: EntraServer) -> None:
    status = await manager(entra, settings(tenant=DOMAIN)).get_token()
    tid = next(c for c in status.checks if c.name == "tid")
    assert (tid.state, tid.actual) == ("unknown", TENANT)
    assert status.ok
    assert status.tenant == TENANT


async def test_wrong_audience_fails_the_aud_check(entra: EntraServer) -> None:
    faults.apply(["entra-wrong-audience"], {"entra": entra.faults})
    status = await manager(entra).get_token()
    assert [c.name for c in status.failed_checks] == ["aud"]
    assert status.failed_checks[0].refused_by_azure
    assert not status.ok


async def test_a_token_issued_for_30_s_warns_and_40_s_passes(entra: EntraServer) -> None:
    # expires_in as the SDK turns it into expires_on: Lightspeed refreshes at expires_on - 30.
    faults.apply(["entra-short-token=30"], {"entra": entra.faults})
    status = await manager(entra).get_token()
    lifetime = next(c for c in status.checks if c.name == "lifetime")
    assert lifetime.state == "warn", lifetime
    assert status.ok  # a warning, not a failure
    assert [c.name for c in status.warned_checks] == ["lifetime"]
    faults.apply(["entra-short-token=40"], {"entra": entra.faults})
    again = await manager(entra).get_token()
    assert next(c for c in again.checks if c.name == "lifetime").state == "pass"


async def test_authority_from_the_environment(
    entra: EntraServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", entra.authority)
    tokens = manager(entra, authority=None)
    assert tokens.authority.source == "AZURE_AUTHORITY_HOST"
    assert (await tokens.get_token()).ok


# ---------------------------------------------------------------------------- single flight


async def test_fifty_concurrent_callers_make_one_request(entra: EntraServer) -> None:
    entra.faults.token_latency_s = 0.2
    tokens = manager(entra)
    statuses = await asyncio.gather(*(tokens.get_token() for _ in range(50)))
    assert token_posts(entra) == 1
    assert len({s.token.get_secret_value() for s in statuses}) == 1
    assert len(tokens.history) == 1


def test_one_flight_across_threads_and_event_loops(entra: EntraServer) -> None:
    entra.faults.token_latency_s = 0.2
    tokens = manager(entra)

    async def many() -> set[str]:
        statuses = await asyncio.gather(*(tokens.get_token() for _ in range(10)))
        return {s.token.get_secret_value() for s in statuses}

    with ThreadPoolExecutor(4) as pool:
        seen = set().union(*pool.map(lambda _: asyncio.run(many()), range(4)))
    assert len(seen) == 1
    assert token_posts(entra) == 1


async def test_concurrent_force_refreshes_join_one_flight(entra: EntraServer) -> None:
    entra.faults.token_latency_s = 0.2
    tokens = manager(entra)
    await tokens.get_token()
    statuses = await asyncio.gather(
        *(tokens.force_refresh() for _ in range(25)), *(tokens.get_token() for _ in range(25))
    )
    assert token_posts(entra) == 2
    assert len({s.token.get_secret_value() for s in statuses[:25]}) == 1


async def test_a_failing_flight_fails_every_caller_once(entra: EntraServer) -> None:
    faults.apply(["entra-503"], {"entra": entra.faults})
    entra.faults.token_latency_s = 0.2
    tokens = manager(entra)
    results = await asyncio.gather(*(tokens.get_token() for _ in range(50)), return_exceptions=True)
    assert token_posts(entra) == 1
    assert all(isinstance(r, TokenError) and r.diagnosis.code == "HTTP_503" for r in results)
    assert len({id(r) for r in results}) == 50  # each caller gets its own exception
    faults.reset(entra.faults)
    assert (await tokens.get_token()).ok  # the next call starts a new flight
    assert token_posts(entra) == 2


async def test_cancelling_the_first_caller_does_not_strand_the_others(entra: EntraServer) -> None:
    entra.faults.token_latency_s = 0.3
    tokens = manager(entra)
    leader = asyncio.create_task(tokens.get_token())
    await asyncio.sleep(0.05)
    followers = [asyncio.create_task(tokens.get_token()) for _ in range(5)]
    await asyncio.sleep(0.05)
    leader.cancel()
    statuses = await asyncio.wait_for(asyncio.gather(*followers), timeout=5)
    assert len({s.token.get_secret_value() for s in statuses}) == 1
    assert token_posts(entra) == 1
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_the_event_loop_keeps_running_during_a_slow_request(entra: EntraServer) -> None:
    faults.apply(["entra-slow=0.6"], {"entra": entra.faults})
    gaps: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    started = time.perf_counter()
    await manager(entra).get_token()
    latency = time.perf_counter() - started
    done.set()
    await beat
    assert latency >= 0.6
    # A blocked loop would show one gap as long as the call; a free one, ticks of ~10 ms
    # (up to ~0.15 s on a loaded machine).
    assert max(gaps) < latency / 2, f"loop stalled {max(gaps):.3f}s during a {latency:.3f}s call"


# ------------------------------------------------------------------------------- diagnoses


def fails(code: str, endpoint: Callable[[EntraServer], str] | None = None) -> dict[str, Any]:
    return {"code": code, "endpoint": endpoint}


def token_url(entra: EntraServer) -> str:
    return entra.token_endpoint(TENANT)


def authority_url(entra: EntraServer) -> str:
    return entra.authority


def tenant_url(entra: EntraServer) -> str:
    return f"{entra.authority}/{TENANT}"


def discovery_url(entra: EntraServer) -> str:
    return f"GET {entra.authority}/{TENANT}/v2.0/.well-known/openid-configuration"


CASES: dict[str, tuple[dict[str, Any], list[str], str, Callable[[EntraServer], str] | None]] = {
    # name: (settings overrides, faults, expected code, expected endpoint)
    "wrong-secret": ({"secret": "wrong-" + CANARY_SECRET[::-1]}, [], "AADSTS7000215", token_url),
    "secret-id-pasted": ({"secret": "0b5f4b7e-0000-4000-8000-000000000001"}, [], "AADSTS7000215", token_url),
    "expired-secret": ({}, ["entra-expired-secret"], "AADSTS7000222", token_url),
    "expired-secret-value": ({"secret": EXPIRED}, [], "AADSTS7000222", token_url),
    "unknown-app": ({"client": UNKNOWN_APP}, [], "AADSTS700016", token_url),
    "bad-scope": ({"scope": COGNITIVE_SERVICES}, [], "AADSTS1002012", token_url),
    "unknown-resource": ({"scope": "https://unknown.example.com/.default"}, [], "AADSTS500011", token_url),
    "throttled": ({}, ["entra-429"], "AADSTS50196", token_url),
    "unavailable": ({}, ["entra-503"], "HTTP_503", tenant_url),
    "discovery-down": ({}, ["entra-discovery-down"], "HTTP_503", discovery_url),
    "dropped": ({}, ["entra-drop"], "CONNECTION_DROPPED", tenant_url),
    "slow": ({}, ["entra-slow=0.8"], "TIMEOUT", tenant_url),
}  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "names", "code", "endpoint"), CASES.values(), ids=CASES.keys()
)
async def test_real_failures_are_diagnosed(
    entra: EntraServer,
    overrides: dict[str, Any],
    names: list[str],
    code: str,
    endpoint: Callable[[EntraServer], str],
) -> None:
    faults.apply(names, {"entra": entra.faults})
    tokens = manager(entra, settings(**overrides), read_timeout=0.3)
    with pytest.raises(TokenError) as caught:
        await tokens.get_token()
    found = caught.value.diagnosis
    assert (found.code, found.endpoint) == (code, endpoint(entra))
    assert all((found.title, found.meaning, found.remedy, found.detail))
    if "entra-discovery-down" in names:  # said as OpenID discovery, nothing sent after it
        assert found.title.startswith("OpenID discovery failed: ")
        assert "nothing was sent to the token endpoint" in found.meaning
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    (attempt,) = tokens.history
    assert (attempt.outcome, attempt.code) == ("error", code)
    expected_posts = 0 if "entra-discovery-down" in names else 1
    deadline = time.monotonic() + 3  # a timed-out request is logged when the stand-in ends it
    while token_posts(entra) < expected_posts and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert token_posts(entra) == expected_posts  # fail fast: no silent retries
    assert CANARY_SECRET not in json.dumps(found.to_dict())
    assert not JWT.search(json.dumps(found.to_dict()))


async def test_unknown_tenant_is_diagnosed_at_discovery(entra: EntraServer) -> None:
    with pytest.raises(TokenError) as caught:
        await manager(entra, settings(tenant=UNKNOWN_TENANT)).get_token()
    found = caught.value.diagnosis
    # The SDK's message only says "Unable to get authority configuration"; the code is
    # recovered from the discovery error further down the chain.
    assert found.code == "AADSTS90002"
    assert (
        found.endpoint
        == f"{entra.authority}/{UNKNOWN_TENANT}/v2.0/.well-known/openid-configuration"
    )
    assert "Unable to get authority configuration" in found.detail
    assert token_posts(entra) == 0


async def test_discovery_failure_without_a_code_is_unknown_tenant(entra: EntraServer) -> None:
    # An authority that is not Entra: discovery answers 404 with no AADSTS code.
    tokens = manager(entra, authority=f"{entra.authority}/not-entra")
    with pytest.raises(TokenError) as caught:
        await tokens.get_token()
    assert caught.value.diagnosis.code == "UNKNOWN_TENANT"


async def test_untrusted_ca_is_a_tls_diagnosis(
    entra: EntraServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(TokenError) as caught:
        await manager(entra, ca_bundle=None).get_token()
    found = caught.value.diagnosis
    assert (found.code, found.endpoint) == ("TLS", entra.authority)
    assert "--ca-bundle" in found.remedy


async def test_missing_ca_bundle_file(entra: EntraServer, tmp_path: Path) -> None:
    with pytest.raises(TokenError) as caught:
        await manager(entra, ca_bundle=tmp_path / "nope.pem").get_token()
    assert caught.value.diagnosis.code == "CA_BUNDLE"


async def test_connection_refused_at_a_stopped_servers_port(tmp_path: Path) -> None:
    server = EntraServer(workdir=tmp_path).start()
    server.stop()
    assert not port_is_listening(server.port)
    tokens = TokenManager(settings(), authority=server.authority, ca_bundle=tmp_path / "ca.pem")
    with pytest.raises(TokenError) as caught:
        await tokens.get_token()
    found = caught.value.diagnosis
    assert (found.code, found.endpoint) == ("CONNECTION_REFUSED", server.authority)


async def test_dns_failure(entra: EntraServer, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "login.example.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(TokenError) as caught:
        await manager(entra, authority="https://login.example.invalid").get_token()
    assert caught.value.diagnosis.code == "DNS"
    assert caught.value.diagnosis.endpoint == "https://login.example.invalid"


def test_http_authority_is_a_diagnosis_not_a_value_error(entra: EntraServer) -> None:
    with pytest.raises(TokenError) as caught:
        manager(entra, authority=entra.authority.replace("https://", "http://"))
    assert not isinstance(caught.value, ValueError)
    assert caught.value.diagnosis.code == "INSECURE_AUTHORITY"
    assert token_posts(entra) == 0


async def test_retries_are_opt_in(entra: EntraServer) -> None:
    faults.apply(["entra-503=0"], {"entra": entra.faults})
    entra.faults.fail_count = 1
    status = await manager(entra, retries=1).get_token()
    assert status.ok
    assert [r.status for r in entra.stand_in.token_requests] == [503, 200]


async def test_a_failed_refresh_keeps_the_old_token_visible(entra: EntraServer) -> None:
    tokens = manager(entra)
    first = await tokens.get_token()
    faults.apply(["entra-503"], {"entra": entra.faults})
    with pytest.raises(TokenError):
        await tokens.force_refresh()
    current = tokens.current()
    assert current is not None
    assert current.token == first.token
    assert [(a.outcome, a.code) for a in tokens.history] == [("ok", None), ("error", "HTTP_503")]


# ------------------------------------------------------------------------- token command


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def token_args(entra: EntraServer, *extra: str) -> list[str]:
    return ["token", "-c", SERVICE, "--authority", entra.authority, "--ca-bundle", str(entra.ca_pem),
            "--timeout", "2", *extra]  # fmt: skip


def assert_no_secrets(*texts: str, token_allowed: bool = False) -> None:
    for text in texts:
        assert CANARY_SECRET not in text
        assert "ClientSecretCredential.get_token failed" not in text  # the SDK's own warning
        if not token_allowed:
            assert not JWT.search(text), text


def test_command_summary_exits_0(
    entra: EntraServer, entra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, *token_args(entra))
    assert code == 0
    assert re.search(r"token\s+\*{8} \(\d+ chars\)", out)
    assert re.search(r"expires\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in 59m \d\ds\)", out)
    assert "refresh at" in out
    assert "signature is not checked" in out
    assert out.count("✓") == 5
    assert f"tenant {TENANT}" in err
    assert "acquired in" in err
    assert_no_secrets(out, err)


def test_command_json_is_az_shaped_without_the_token(
    entra: EntraServer, entra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, *token_args(entra, "--json"))
    assert code == 0
    data = json.loads(out)
    assert "accessToken" not in data
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", data["expiresOn"])
    assert isinstance(data["expires_on"], int)
    assert (data["tenant"], data["tokenType"]) == (TENANT, "Bearer")
    assert data["refresh_at"] == data["expires_on"] - 30
    assert data["claims"]["appid"] == CLIENT
    assert [c["state"] for c in data["checks"]] == ["pass"] * 5
    assert data["attempts"][0]["outcome"] == "ok"
    assert_no_secrets(out, err)


def test_command_show_token_reveals_a_valid_token(
    entra: EntraServer, entra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, *token_args(entra, "--json", "--show-token"))
    assert code == 0
    token = json.loads(out)["accessToken"]
    assert entra.issuer.verify(token, COGNITIVE_SERVICES)["tid"] == TENANT
    assert_no_secrets(out, err, token_allowed=True)
    assert token not in err
    code, out, _ = cli(capsys, *token_args(entra, "--show-token"))
    assert code == 0
    assert JWT.search(out)


def test_command_failed_request_exits_1_with_the_diagnosis_on_stderr(
    entra: EntraServer,
    entra_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLIENT_SECRET", CANARY_SECRET + "-rotated")
    code, out, err = cli(capsys, *token_args(entra))
    assert (code, out) == (1, "")
    assert "error: [AADSTS7000215] Invalid client secret" in err
    for part in ("meaning:", "remedy:", f"endpoint: {entra.token_endpoint(TENANT)}"):
        assert part in err
    code, out, err = cli(capsys, *token_args(entra, "--json"))
    assert code == 1
    data = json.loads(out)
    assert data["error"]["code"] == "AADSTS7000215"
    assert data["attempts"][0]["code"] == "AADSTS7000215"
    assert_no_secrets(out, err)


@pytest.mark.parametrize(
    ("fault", "code"), [("entra-drop", "CONNECTION_DROPPED"), ("entra-503", "HTTP_503")]
)
def test_command_transport_failures_exit_1(
    entra: EntraServer,
    entra_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    fault: str,
    code: str,
) -> None:
    faults.apply([fault], {"entra": entra.faults})
    exit_code, out, err = cli(capsys, *token_args(entra, "--json"))
    assert exit_code == 1
    assert json.loads(out)["error"]["code"] == code
    assert f"[{code}]" in err
    assert_no_secrets(out, err)


def test_command_failed_check_exits_1(
    entra: EntraServer, entra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    faults.apply(["entra-wrong-audience"], {"entra": entra.faults})
    code, out, err = cli(capsys, *token_args(entra))
    assert code == 1
    assert "✗ aud" in out
    assert "remedy:" in out
    assert "1 check(s) failed: aud" in err
    assert_no_secrets(out, err)


def test_command_http_authority_exits_1(
    entra: EntraServer, entra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "token", "-c", SERVICE, "--authority", "http://127.0.0.1:1")
    assert code == 1
    assert "[INSECURE_AUTHORITY]" in err


def test_command_unset_variables_exit_2_by_name(
    entra: EntraServer,
    entra_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TENANT_ID")
    monkeypatch.delenv("CLIENT_SECRET")
    code, out, err = cli(capsys, *token_args(entra))
    assert (code, out) == (2, "")
    assert "environment variable TENANT_ID is not set" in err
    assert "environment variable CLIENT_SECRET is not set" in err
    assert "CLIENT_ID" not in err
    assert token_posts(entra) == 0


def test_command_without_entra_block_exits_2(
    entra: EntraServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "lightspeed-stack.yaml"
    config.write_text("name: x\nllama_stack:\n  url: http://localhost:8321\n")
    code, _, err = cli(capsys, "token", "-c", str(config))
    assert code == 2
    assert "no azure_entra_id block" in err


def test_command_empty_secret_exits_2(
    entra: EntraServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CLIENT_SECRET", raising=False)
    config = tmp_path / "lightspeed-stack.yaml"
    config.write_text(
        f"azure_entra_id:\n  tenant_id: {TENANT}\n  client_id: {CLIENT}\n"
        "  client_secret: ${env.CLIENT_SECRET:=}\n"
    )
    code, _, err = cli(capsys, "token", "-c", str(config))
    assert code == 2
    assert (
        "azure_entra_id.client_secret is missing or empty (CLIENT_SECRET resolved to nothing)"
        in err
    )


def test_command_options_are_validated(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in (["--timeout", "0"], ["--retries", "-1"]):
        with pytest.raises(SystemExit) as caught:
            main(["token", "-c", SERVICE, *bad])
        assert caught.value.code == 2
    capsys.readouterr()


def test_command_status_reuses_the_summary(entra: EntraServer) -> None:
    # The summary is the same text the TUI can show: it needs only a TokenStatus.
    from console.commands.token import summary

    status: TokenStatus = asyncio.run(manager(entra).get_token())
    text = summary(status)
    assert status.token.get_secret_value() not in text
    assert status.token.get_secret_value() in summary(status, reveal=True)
