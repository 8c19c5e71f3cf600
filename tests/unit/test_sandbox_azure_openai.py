"""The Azure OpenAI stand-in: who it lets in, how it refuses, what it streams, its faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from console.sandbox import faults
from console.sandbox.azure_openai.errors import MSG_INVALID_KEY, MSG_INVALID_TOKEN
from console.sandbox.azure_openai.records import token_fingerprint
from console.sandbox.azure_openai.server import AzureOpenAIServer
from console.sandbox.azure_openai.stand_in import AzureOpenAIStandIn
from console.sandbox.tokens import TokenIssuer, new_token_id
from console.shared.azure import COGNITIVE_SERVICES as AZURE_AUDIENCE

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "ping pong"}]}


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture(scope="module")
def server(issuer: TokenIssuer) -> Iterator[AzureOpenAIServer]:
    stand_in = AzureOpenAIStandIn(issuer, api_keys={"static-key"})
    with AzureOpenAIServer(stand_in) as running:
        yield running


@pytest.fixture
def azure(server: AzureOpenAIServer) -> Iterator[AzureOpenAIServer]:
    server.stand_in.clear_requests()
    yield server
    faults.reset(server.faults)


def mint(issuer: TokenIssuer, *, expires_in: int = 600, audience: str = AZURE_AUDIENCE) -> str:
    now = int(time.time())
    claims = {"aud": audience, "iat": now, "nbf": now, "exp": now + expires_in}
    return issuer.mint({**claims, "oid": "oid-1", "uti": new_token_id()})


def post(
    azure: AzureOpenAIServer, token: str | None, body: Any = CHAT, **kw: Any
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    headers.update(kw.pop("headers", {}))
    return httpx.post(
        f"{azure.base_url}/chat/completions", json=body, headers=headers, timeout=10, **kw
    )


def test_valid_token_gets_a_deterministic_echo(
    azure: AzureOpenAIServer, issuer: TokenIssuer
) -> None:
    token = mint(issuer)
    first, second = post(azure, token).json(), post(azure, token).json()
    assert first["choices"][0]["message"]["content"] == "Echo: ping pong"
    assert first["usage"]["prompt_tokens"] == 2
    assert first["usage"]["completion_tokens"] == 3
    assert first["created"] == second["created"]
    assert first["id"] != second["id"]
    assert first["id"].startswith("chatcmpl-")
    assert "prompt_filter_results" in first


def test_ids_repeat_across_fresh_resources(issuer: TokenIssuer) -> None:
    ids = []
    for _ in range(2):
        with AzureOpenAIServer(issuer=issuer) as fresh:
            ids.append(post(fresh, mint(issuer)).json()["id"])
    assert ids[0] == ids[1]


def test_request_log_masks_the_bearer_but_identifies_it(
    azure: AzureOpenAIServer, issuer: TokenIssuer
) -> None:
    token = mint(issuer)
    post(azure, token)
    (seen,) = azure.stand_in.requests
    assert seen.headers["authorization"] == "Bearer ********"
    assert token not in repr(seen)
    assert seen.carried(token)
    assert seen.bearer_sha256 == token_fingerprint(token)
    assert seen.token_uti == issuer.verify(token, AZURE_AUDIENCE)["uti"]
    assert seen.body is not None
    assert seen.body["model"] == "gpt-4o-mini"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, MSG_INVALID_KEY),
        ({"api-key": "wrong"}, MSG_INVALID_KEY),
        ({"authorization": "Bearer not-a-jwt"}, MSG_INVALID_TOKEN),
        ({"authorization": "Basic abc"}, MSG_INVALID_KEY),
    ],
)
def test_missing_or_bad_credentials(
    azure: AzureOpenAIServer, headers: dict[str, str], message: str
) -> None:
    answer = post(azure, None, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"error": {"code": "401", "message": message}}


def test_static_key_is_accepted_when_configured(azure: AzureOpenAIServer) -> None:
    assert post(azure, None, headers={"api-key": "static-key"}).status_code == 200
    assert post(azure, "static-key").status_code == 200


@pytest.mark.parametrize("case", ["expired", "wrong_audience", "forged"])
def test_invalid_tokens_get_azures_401(
    azure: AzureOpenAIServer, issuer: TokenIssuer, case: str
) -> None:
    if case == "expired":
        token = mint(issuer, expires_in=-60)
    elif case == "wrong_audience":
        token = mint(issuer, audience="https://management.core.windows.net/")
    else:
        token = mint(TokenIssuer(kid=issuer.kid))
    answer = post(azure, token)
    assert answer.status_code == 401
    body = answer.json()["error"]
    assert body["code"] == "401"
    assert "audience is incorrect" in body["message"]
    assert "have expired" in body["message"]
    (seen,) = azure.stand_in.requests
    assert seen.auth_error is not None
    assert seen.auth_error.startswith(
        {"expired": "expired", "wrong_audience": "wrong_audience", "forged": "bad_signature"}[case]
    )


def test_missing_role_is_permission_denied(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    faults.apply(["azure-no-role"], {"azure": azure.faults})
    answer = post(azure, mint(issuer))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "PermissionDenied"
    assert "`oid-1`" in answer.json()["error"]["message"]


def test_api_version_and_unknown_deployment_and_path(
    azure: AzureOpenAIServer, issuer: TokenIssuer
) -> None:
    token = mint(issuer)
    versioned = post(azure, token, params={"api-version": "2024-10-21"})
    assert versioned.status_code == 400
    missing = post(azure, token, body={**CHAT, "model": "gpt-9"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "DeploymentNotFound"
    legacy = httpx.post(f"{azure.url}/chat/completions", json=CHAT, timeout=10)
    assert legacy.status_code == 404
    assert legacy.json() == {"error": {"code": "404", "message": "Resource not found"}}


def _events(answer: httpx.Response) -> list[Any]:
    return [
        line.removeprefix("data: ")
        for line in answer.text.split("\n\n")
        if line.startswith("data: ")
    ]


def test_stream_chunks_usage_and_done(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    body = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
    answer = post(azure, mint(issuer), body=body)
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = _events(answer)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"] == []
    assert "prompt_filter_results" in chunks[0]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "Echo: ping pong"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["total_tokens"] == 5
    assert all(c["usage"] is None for c in chunks[1:-1])


def test_stream_without_usage(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    chunks = [
        json.loads(e)
        for e in _events(post(azure, mint(issuer), body={**CHAT, "stream": True}))[:-1]
    ]
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_models_listing(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    answer = httpx.get(
        f"{azure.base_url}/models", headers={"authorization": f"Bearer {mint(issuer)}"}
    )
    assert [m["id"] for m in answer.json()["data"]] == ["gpt-4o-mini"]
    assert httpx.get(f"{azure.base_url}/models").status_code == 401


def test_fault_500_with_fail_count(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    azure.faults.status, azure.faults.fail_count = 500, 1
    token = mint(issuer)
    first, second = post(azure, token), post(azure, token)
    assert first.status_code == 500
    assert first.json()["error"]["type"] == "server_error"
    assert second.status_code == 200


def test_fault_429_sends_retry_after(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    faults.apply(["azure-429=7"], {"azure": azure.faults})
    answer = post(azure, mint(issuer))
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "7"
    assert "retry after 7 seconds" in answer.json()["error"]["message"]


def test_fault_401_always(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    faults.apply(["azure-401"], {"azure": azure.faults})
    answer = post(azure, mint(issuer))
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == MSG_INVALID_TOKEN


def test_fault_latency_and_slow_stream(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    token = mint(issuer)
    faults.apply(["azure-latency=0.2"], {"azure": azure.faults})
    started = time.monotonic()
    post(azure, token)
    assert time.monotonic() - started >= 0.2
    faults.reset(azure.faults)
    faults.apply(["azure-slow-stream=0.05"], {"azure": azure.faults})
    started = time.monotonic()
    events = _events(post(azure, token, body={**CHAT, "stream": True}))
    # 7 events after the first: role, three words, finish ... each waited for.
    assert time.monotonic() - started >= 0.05 * (len(events) - 2)


def test_fault_drop(azure: AzureOpenAIServer, issuer: TokenIssuer) -> None:
    faults.apply(["azure-drop"], {"azure": azure.faults})
    with pytest.raises(httpx.TransportError):
        post(azure, mint(issuer))
    (seen,) = azure.stand_in.requests
    assert seen.dropped
