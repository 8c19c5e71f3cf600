"""A hostile Entra ID authority: endless, dripping and absurd answers to the token flow.

The real ``azure-identity`` credential runs against an authority of
`tests.support.hostile_servers` over TLS (its own CA). No answer is read past 4 MiB or
past the read timeout as a whole; a lifetime (``expires_in``) or a time claim (``exp``,
``iat``) no date holds is a diagnosis or a failed check, never an exit 70.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from console.cli import main
from console.config.views import EntraIdSettings
from console.entra.manager import TokenError, TokenManager
from tests.support import hostile_servers as h
from tests.support.hostile_servers import HostileServers

CLIENT = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
SECRET = "canary-auth0rity-s3cret"
HUGE = b"1" + b"0" * 400
"""10**400: a JSON number Python reads, and no float or date holds."""


@pytest.fixture
def authority(hostile: HostileServers, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start an authority over TLS with some routes replaced: ``(url, ca)``."""
    context, ca = h.tls_context(tmp_path)

    def start(**overrides: h.Handler) -> tuple[str, Path]:
        return hostile(h.authority_routes(**overrides), tls=context).url, ca

    return start


def manager(url: str, ca: Path, **options: float) -> TokenManager:
    settings = EntraIdSettings(
        SecretStr(h.TENANT),
        SecretStr(CLIENT),
        SecretStr(SECRET),
        "https://cognitiveservices.azure.com/.default",
        None,
    )
    return TokenManager(settings, authority=url, ca_bundle=ca, **options)


async def failed(url: str, ca: Path, **options: float) -> TokenError:
    with pytest.raises(TokenError) as caught:
        await manager(url, ca, **options).get_token()
    return caught.value


@pytest.mark.parametrize("route", ["discovery", "token"])
async def test_an_endless_answer_stops_at_4_mib(authority, route: str) -> None:  # type: ignore[no-untyped-def]
    url, ca = authority(**{route: h.endless(b'{"access_token": "', b"a" * h.CHUNK)})
    found = (await failed(url, ca, read_timeout=120.0)).diagnosis  # the size, not the time
    assert found.code == "ANSWER_TOO_LARGE"
    assert "4 MiB" in found.meaning
    path = "v2.0/.well-known/openid-configuration" if route == "discovery" else "oauth2/v2.0/token"
    assert found.endpoint == f"{url}/{h.TENANT}/{path}"
    assert SECRET not in json.dumps(found.to_dict())


async def test_a_dripping_answer_ends_at_the_read_timeout(authority) -> None:  # type: ignore[no-untyped-def]
    # A byte every 0.3 s: no read waits near the timeout, the whole answer takes 13 s.
    url, ca = authority(token=h.drip(b'{"access_token": "abc", "expires_in": 3599}', 0.3))
    found = (await failed(url, ca, read_timeout=2.0)).diagnosis
    assert found.code == "TIMEOUT"
    assert "not complete after 2 s" in found.meaning
    assert found.endpoint == f"{url}/{h.TENANT}/oauth2/v2.0/token"


async def test_a_small_compressed_answer_is_read(authority) -> None:  # type: ignore[no-untyped-def]
    import gzip

    body = gzip.compress(
        json.dumps(
            {"access_token": h.unsigned_jwt({"exp": 4102444800}), "expires_in": 3599}
        ).encode()
    )

    async def handle(_: h.Received, answer: h.Answer) -> None:
        await answer.head(headers={"content-encoding": "gzip"}, length=len(body))
        await answer.write(body)

    url, ca = authority(token=handle)
    status = await manager(url, ca).get_token()
    assert 3000 < status.seconds_left < 3600


@pytest.mark.parametrize("expires_in", ["3e14", "-3e14", "300000000000000"])
async def test_a_lifetime_no_token_has_is_a_diagnosis(authority, expires_in: str) -> None:  # type: ignore[no-untyped-def]
    url, ca = authority(token=h.token_answer(h.unsigned_jwt({"exp": 1}), expires_in))
    found = (await failed(url, ca)).diagnosis
    assert found.code == "TOKEN_LIFETIME"
    assert found.endpoint == f"{url}/{h.TENANT}/oauth2/v2.0/token"


async def test_time_claims_no_date_holds_fail_their_check(authority) -> None:  # type: ignore[no-untyped-def]
    claims = b'{"aud": "https://cognitiveservices.azure.com", "exp": ' + HUGE
    claims += b', "iat": -' + HUGE + b', "nbf": 1e999}'
    url, ca = authority(token=h.token_answer(h.unsigned_jwt(claims)))
    status = await manager(url, ca).get_token()
    checks = {check.name: check for check in status.checks}
    assert checks["lifetime"].ok is False
    assert "401 digits" in checks["lifetime"].actual
    assert checks["nbf"].ok is False
    json.dumps(status.to_dict())  # every field still serialises


def test_the_token_command_shows_claims_no_date_holds(
    authority,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claims = b'{"aud": "https://cognitiveservices.azure.com", "exp": ' + HUGE
    claims += b', "iat": ' + HUGE + b"}"
    url, ca = authority(token=h.token_answer(h.unsigned_jwt(claims)))
    config = tmp_path / "lightspeed-stack.yaml"
    config.write_text(
        "name: t\nservice: {}\nuser_data_collection: {}\nllama_stack: {url: http://x:1}\n"
        f"azure_entra_id: {{tenant_id: {h.TENANT}, client_id: {CLIENT}, client_secret: {SECRET}}}\n"
    )
    code = main(["token", "-c", str(config), "--authority", url, "--ca-bundle", str(ca)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "(not a time)" in out + err
    assert "401 digits" in out + err
    assert SECRET not in out + err


@pytest.mark.parametrize("bundle", ["/dev/zero", "sparse"])
def test_an_authority_ca_bundle_that_never_ends_is_refused_unread(
    bundle: str, tmp_path: Path
) -> None:
    path = Path(bundle)
    if bundle == "sparse":
        path = tmp_path / "ca.pem"
        with path.open("wb") as handle:
            handle.truncate(8 * 1024 * 1024 * 1024)  # 8 GiB of nothing, on no disk
    with pytest.raises(TokenError) as caught:
        manager("https://127.0.0.1:9", path)
    found = caught.value.diagnosis
    assert found.code == "CA_BUNDLE"
    assert f"--ca-bundle {path}" in found.meaning


def test_a_server_ca_bundle_that_never_ends_is_refused_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code = main(["providers", "--url", "https://127.0.0.1:9", "--stack-ca-bundle", "/dev/zero"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--stack-ca-bundle /dev/zero: is a device, not a file" in err
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB


def test_a_server_ca_bundle_past_the_bound_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.pem"
    big.write_bytes(b"-" * (5 * 1024 * 1024))
    code = main(["providers", "--url", "https://127.0.0.1:9", "--stack-ca-bundle", str(big)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--stack-ca-bundle {big}" in err
    assert "4 MiB" in err


@pytest.mark.parametrize(
    "exp", [b"-" + HUGE, HUGE, b"1e999", b"-1e999"], ids=["-10**400", "10**400", "inf", "-inf"]
)
def test_a_rejected_token_whose_exp_is_no_date_is_still_explained(exp: bytes) -> None:
    from console.inference.errors import _token_fault

    token = h.unsigned_jwt(b'{"aud": "https://cognitiveservices.azure.com", "exp": ' + exp + b"}")
    reason, remedy = _token_fault(SecretStr(token))
    assert reason
    assert remedy
