"""The Llama Stack stand-in's own traits: how to tell it apart, its faults, its config view.

Its agreement with a real 0.7.3 server is pinned by tests/integration/test_stack_contract.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from console.sandbox import faults
from console.sandbox.azure_openai.server import AzureOpenAIServer
from console.sandbox.llama_stack.identity import SANDBOX_HEADER, SANDBOX_VERSION
from console.sandbox.llama_stack.provider_data import azure_provider_data
from console.sandbox.llama_stack.run_config import redact_config
from console.sandbox.llama_stack.server import LlamaStackServer
from console.sandbox.real_stack import minimal_run_config
from console.sandbox.tokens import TokenIssuer
from console.shared.azure import COGNITIVE_SERVICES as AZURE_AUDIENCE


@pytest.fixture(scope="module")
def azure() -> Iterator[AzureOpenAIServer]:
    with AzureOpenAIServer() as running:
        yield running


@pytest.fixture
def stack(azure: AzureOpenAIServer) -> Iterator[LlamaStackServer]:
    with LlamaStackServer(minimal_run_config(azure.base_url)) as running:
        yield running


def _token(issuer: TokenIssuer) -> str:
    now = int(time.time())
    return issuer.mint({"aud": AZURE_AUDIENCE, "iat": now, "nbf": now, "exp": now + 600})


def test_every_answer_says_sandbox(stack: LlamaStackServer) -> None:
    for path in ("/v1/health", "/v1/version", "/v1/providers", "/v1/models", "/v1/nope"):
        assert httpx.get(stack.url + path).headers[SANDBOX_HEADER] == "llama-stack"
    assert httpx.get(stack.url + "/v1/version").json() == {"version": SANDBOX_VERSION}


def test_provider_data_validation() -> None:
    good = {"azure_api_key": "t", "azure_api_base": "https://x.openai.azure.com/openai/v1"}
    assert azure_provider_data(good) == good
    assert azure_provider_data({**good, "extra": 1}) is not None
    assert azure_provider_data({"azure_api_key": "t"}) is None
    assert azure_provider_data({**good, "azure_api_base": "nope"}) is None
    assert azure_provider_data({**good, "azure_api_version": 3}) is None
    assert azure_provider_data(["azure_api_key"]) is None


def test_redaction_matches_llama_stack() -> None:
    config = {"base_url": "u", "api_key": "k", "max_tokens": 3, "nested": {"client_secret": "s"}}
    assert redact_config(config) == {
        "api_key": "********",
        "base_url": "u",
        "max_tokens": 3,
        "nested": {"client_secret": "********"},
    }


def test_env_references_are_resolved(azure: AzureOpenAIServer) -> None:
    config = minimal_run_config("${env.SANDBOX_AZURE_BASE}", api_key="${env.SANDBOX_KEY:=}")
    environ = {"SANDBOX_AZURE_BASE": azure.base_url}
    with LlamaStackServer(config, environ=environ) as stack:
        (provider,) = httpx.get(stack.url + "/v1/providers").json()["data"]
    assert provider["config"]["base_url"] == azure.base_url
    assert provider["config"]["api_key"] == "********"  # masked even when empty, as 0.7.3 does


def test_down_before_start_refuses_connections(azure: AzureOpenAIServer) -> None:
    server = LlamaStackServer(minimal_run_config(azure.base_url))
    faults.apply(["stack-down"], {"stack": server.faults})
    with server, pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/v1/health")


def test_down_while_running_drops(stack: LlamaStackServer) -> None:
    faults.apply(["stack-down"], {"stack": stack.faults})
    with pytest.raises(httpx.TransportError):
        httpx.get(stack.url + "/v1/health")


def test_5xx_and_not_json_and_slow(stack: LlamaStackServer) -> None:
    faults.apply(["stack-500=503"], {"stack": stack.faults})
    assert httpx.get(stack.url + "/v1/providers").status_code == 503
    faults.reset(stack.faults)
    faults.apply(["stack-not-json"], {"stack": stack.faults})
    answer = httpx.get(stack.url + "/v1/version")
    assert answer.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        answer.json()
    faults.reset(stack.faults)
    faults.apply(["stack-slow=0.2"], {"stack": stack.faults})
    started = time.monotonic()
    httpx.get(stack.url + "/v1/health")
    assert time.monotonic() - started >= 0.2


def test_header_dropped_fault(stack: LlamaStackServer, azure: AzureOpenAIServer) -> None:
    data = {"azure_api_key": _token(azure.issuer), "azure_api_base": azure.base_url}
    body = {"model": "azure/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"X-LlamaStack-Provider-Data": json.dumps(data)}
    assert (
        httpx.post(stack.url + "/v1/chat/completions", json=body, headers=headers).status_code
        == 200
    )
    faults.apply(["stack-header-dropped"], {"stack": stack.faults})
    refused = httpx.post(stack.url + "/v1/chat/completions", json=body, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith("API key not provided.")
    assert stack.stand_in.requests[-1].provider_data_keys == ("azure_api_base", "azure_api_key")


def test_responses_only_when_configured(azure: AzureOpenAIServer) -> None:
    data = {"azure_api_key": _token(azure.issuer), "azure_api_base": azure.base_url}
    headers = {"X-LlamaStack-Provider-Data": json.dumps(data)}
    body = {"model": "azure/gpt-4o-mini", "input": "hello"}
    config = minimal_run_config(azure.base_url)
    with LlamaStackServer(config) as stack:
        assert (
            httpx.post(stack.url + "/v1/responses", json=body, headers=headers).status_code == 404
        )
    config["apis"] = ["inference", "responses"]
    with LlamaStackServer(config) as stack:
        answer = httpx.post(stack.url + "/v1/responses", json=body, headers=headers)
        assert answer.status_code == 200
        assert answer.json()["output"][0]["content"][0]["text"] == "Echo: hello"
        faults.apply(["azure-401"], {"azure": azure.faults})
        try:
            failed = httpx.post(stack.url + "/v1/responses", json=body, headers=headers)
            streamed = httpx.post(
                stack.url + "/v1/responses", json={**body, "stream": True}, headers=headers
            )
        finally:
            faults.reset(azure.faults)
        assert failed.status_code == 500
        assert "event: response.failed" in streamed.text
