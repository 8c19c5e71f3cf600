"""One probe suite, run against the Llama Stack stand-in AND a real llama-stack 0.7.3 server.

Each backend has its own Azure OpenAI stand-in behind it; both trust the same token issuer.
Every probe goes through the real `llama_stack_client` and observes what a caller can see:
status code, exception class, error text, the (normalised) payload, and what Azure received
(method, path, query, whether the bearer was exactly our token, any api-key header, the
model sent). Each probe is checked against the 0.7.3 facts per backend, then
`test_backends_agree` compares the two observations field by field.

The real server is required: if its environment cannot be built, these tests FAIL.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from llama_stack_client import APIConnectionError, APIStatusError, LlamaStackClient

from console.sandbox import faults
from console.sandbox.azure_openai.server import AzureOpenAIServer
from console.sandbox.azure_openai.stand_in import AzureOpenAIStandIn
from console.sandbox.llama_stack.identity import SANDBOX_VERSION
from console.sandbox.llama_stack.server import LlamaStackServer
from console.sandbox.real_stack import minimal_run_config
from console.sandbox.servers import port_is_listening
from console.sandbox.tokens import TokenIssuer, new_token_id
from console.shared.azure import COGNITIVE_SERVICES as AZURE_AUDIENCE
from tests.integration.live_backends import required_real_stack

pytestmark = pytest.mark.real_stack

MODEL = "azure/gpt-4o-mini"
NO_KEY = (
    "API key not provided. Please provide a valid API key in the provider data header, e.g. "
    'x-llamastack-provider-data: {"azure_api_key": "<API_KEY>"}.'
)
AZURE_401 = (
    "Error code: 401 - Unauthorized. Access token is missing, invalid, audience is incorrect "
    f"({AZURE_AUDIENCE}), or have expired."
)
BACKENDS = ("stand-in", "real")


@dataclass
class Backend:
    """A Llama Stack under test with its own Azure stand-in."""

    name: str
    url: str
    azure: AzureOpenAIServer
    issuer: TokenIssuer

    def token(self, *, expires_in: int = 3600, audience: str = AZURE_AUDIENCE) -> str:
        now = int(time.time())
        return self.issuer.mint(
            {
                "aud": audience,
                "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000001/",
                "iat": now - 60,
                "nbf": now - 60,
                "exp": now + expires_in,
                "oid": "11111111-1111-1111-1111-111111111111",
                "uti": new_token_id(),
            }
        )

    def provider_data(self, token: str) -> dict[str, str]:
        return {"azure_api_key": token, "azure_api_base": self.azure.base_url}

    def client(self, **kwargs: Any) -> LlamaStackClient:
        # A fresh client per call: after an error both servers close the keep-alive
        # connection, and max_retries=0 keeps upstream request counts exact.
        return LlamaStackClient(base_url=self.url, max_retries=0, timeout=30.0, **kwargs)


@dataclass
class Observation:
    """Everything a caller and Azure could see of one probe, normalised across backends."""

    status: int | None = None
    error_class: str | None = None
    error_text: str | None = None
    payload: Any = None
    azure: list[dict[str, Any]] = field(default_factory=list)


def _normalise(value: Any, backend: Backend) -> Any:
    """Replace what legitimately differs per run: Azure's URL, ids, timestamps."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "created":
                out[key] = "<created>"
            elif key == "id" and isinstance(item, str) and item.startswith("chatcmpl"):
                out[key] = "<chatcmpl-id>"
            else:
                out[key] = _normalise(item, backend)
        return out
    if isinstance(value, list):
        return [_normalise(item, backend) for item in value]
    if isinstance(value, str):
        return value.replace(backend.azure.base_url, "<azure>")
    return value


def observe(backend: Backend, call: Callable[[], Any], token: str | None = None) -> Observation:
    """Run ``call`` with fresh Azure faults/log, and record what it and Azure saw."""
    backend.azure.stand_in.clear_requests()
    observation = Observation()
    try:
        result = call()
    except APIStatusError as exc:
        observation.status = exc.status_code
        observation.error_class = type(exc).__name__
        observation.error_text = exc.message
    except APIConnectionError as exc:
        observation.error_class = type(exc).__name__
        observation.error_text = str(exc)
    else:
        observation.status = 200
        observation.payload = _normalise(_dump(result), backend)
    finally:
        faults.reset(backend.azure.faults)
    for seen in backend.azure.stand_in.requests:
        observation.azure.append(
            {
                "method": seen.method,
                "path": seen.path,
                "query": seen.query,
                "bearer_is_token": token is not None and seen.carried(token),
                "api_key_header": "api-key" in seen.headers,
                "model": (seen.body or {}).get("model"),
                "status": seen.status,
            }
        )
    return observation


def _dump(result: Any) -> Any:
    if hasattr(result, "model_dump"):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [_dump(item) for item in result]
    return result


# --------------------------------------------------------------------------- the backends


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer()


def _azure(issuer: TokenIssuer) -> AzureOpenAIServer:
    # Azure lists one more model than run.yaml registers: models.list() with provider data
    # shows both on a 0.7.3 server.
    return AzureOpenAIServer(AzureOpenAIStandIn(issuer, deployments=("gpt-4o-mini", "gpt-4.1")))


@pytest.fixture(scope="module")
def stand_in_backend(issuer: TokenIssuer) -> Iterator[Backend]:
    with _azure(issuer) as azure:
        with LlamaStackServer(minimal_run_config(azure.base_url)) as server:
            port = server.port
            yield Backend("stand-in", server.url, azure, issuer)
        assert not port_is_listening(port), "the stand-in's port is still open"


@pytest.fixture(scope="module")
def real_backend(issuer: TokenIssuer) -> Iterator[Backend]:
    with _azure(issuer) as azure:
        with required_real_stack(minimal_run_config(azure.base_url)) as stack:
            yield Backend("real", stack.url, azure, issuer)
        assert not stack.group_alive(), "the real server's process group outlived its stop()"
        assert not port_is_listening(stack.port), "the real server's port is still open"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    name = "stand_in_backend" if request.param == "stand-in" else "real_backend"
    found: Backend = request.getfixturevalue(name)
    return found


# ------------------------------------------------------------------------------ the probes


def probe_providers(b: Backend) -> Observation:
    return observe(b, b.client().providers.list)


def probe_provider_retrieve(b: Backend) -> Observation:
    return observe(b, lambda: b.client().providers.retrieve("azure"))


def probe_provider_unknown(b: Backend) -> Observation:
    return observe(b, lambda: b.client().providers.retrieve("nope"))


def probe_models_without_header(b: Backend) -> Observation:
    return observe(b, b.client().models.list)


def probe_models_with_header(b: Backend) -> Observation:
    token = b.token()
    return observe(b, b.client(provider_data=b.provider_data(token)).models.list, token)


def _chat(client: LlamaStackClient, model: str = MODEL, **kwargs: Any) -> Any:
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hello there"}], **kwargs
    )


def probe_chat(b: Backend) -> Observation:
    token = b.token()
    return observe(b, lambda: _chat(b.client(provider_data=b.provider_data(token))), token)


def probe_chat_extra_headers(b: Backend) -> Observation:
    token = b.token()
    header = {"X-LlamaStack-Provider-Data": json.dumps(b.provider_data(token))}
    return observe(b, lambda: _chat(b.client(), extra_headers=header), token)


def probe_chat_stream(b: Backend) -> Observation:
    token = b.token()

    def call() -> list[Any]:
        client = b.client(provider_data=b.provider_data(token))
        return list(_chat(client, stream=True))

    return observe(b, call, token)


def probe_chat_stream_usage(b: Backend) -> Observation:
    token = b.token()

    def call() -> list[Any]:
        client = b.client(provider_data=b.provider_data(token))
        return list(_chat(client, stream=True, stream_options={"include_usage": True}))

    return observe(b, call, token)


def probe_bare_model(b: Backend) -> Observation:
    token = b.token()
    client = b.client(provider_data=b.provider_data(token))
    return observe(b, lambda: _chat(client, model="gpt-4o-mini"), token)


def probe_missing_header(b: Backend) -> Observation:
    return observe(b, lambda: _chat(b.client()))


def probe_key_only_header(b: Backend) -> Observation:
    token = b.token()
    return observe(b, lambda: _chat(b.client(provider_data={"azure_api_key": token})), token)


def probe_non_json_header(b: Backend) -> Observation:
    header = {"X-LlamaStack-Provider-Data": "azure_api_key=abc"}
    return observe(b, lambda: _chat(b.client(), extra_headers=header))


def probe_non_object_header(b: Backend) -> Observation:
    header = {"X-LlamaStack-Provider-Data": '["azure_api_key"]'}
    return observe(b, lambda: _chat(b.client(), extra_headers=header))


def probe_bad_base_url_header(b: Backend) -> Observation:
    token = b.token()
    data = {"azure_api_key": token, "azure_api_base": "not a url"}
    return observe(b, lambda: _chat(b.client(provider_data=data)), token)


def probe_ogx_header_only(b: Backend) -> Observation:
    token = b.token()
    header = {"X-OGX-Provider-Data": json.dumps(b.provider_data(token))}
    return observe(b, lambda: _chat(b.client(), extra_headers=header), token)


def probe_expired_token(b: Backend) -> Observation:
    token = b.token(expires_in=-120)
    return observe(b, lambda: _chat(b.client(provider_data=b.provider_data(token))), token)


def probe_forged_token(b: Backend) -> Observation:
    forger = TokenIssuer(kid=b.issuer.kid)
    good = b.token()
    claims = b.issuer.verify(good, AZURE_AUDIENCE)
    token = forger.mint(claims)
    return observe(b, lambda: _chat(b.client(provider_data=b.provider_data(token))), token)


def probe_wrong_audience(b: Backend) -> Observation:
    token = b.token(audience="https://management.core.windows.net/")
    return observe(b, lambda: _chat(b.client(provider_data=b.provider_data(token))), token)


def probe_expired_token_stream(b: Backend) -> Observation:
    token = b.token(expires_in=-120)

    def call() -> list[Any]:
        return list(_chat(b.client(provider_data=b.provider_data(token)), stream=True))

    return observe(b, call, token)


def probe_azure_500(b: Backend) -> Observation:
    token = b.token()
    b.azure.faults.status = 500
    return observe(b, lambda: _chat(b.client(provider_data=b.provider_data(token))), token)


def probe_azure_no_role(b: Backend) -> Observation:
    token = b.token()
    b.azure.faults.no_role = True
    return observe(b, lambda: _chat(b.client(provider_data=b.provider_data(token))), token)


def _raw(b: Backend, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """The answer as bytes on the wire (key order, nulls, SSE framing), normalised."""
    with httpx.Client(base_url=b.url, timeout=30.0, trust_env=False) as client:
        answer = client.request(method, path, **kwargs)
    text = answer.text.replace(b.azure.base_url, "<azure>")
    text = re.sub(r'"created":\d+', '"created":0', text)
    text = re.sub(r'"id":"chatcmpl-[^"]*"', '"id":"<chatcmpl-id>"', text)
    return {"status": answer.status_code, "type": answer.headers["content-type"], "text": text}


def _raw_chat(b: Backend, token: str | None, **extra: Any) -> Observation:
    headers = {"X-LlamaStack-Provider-Data": json.dumps(b.provider_data(token))} if token else {}
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hello there"}], **extra}
    return observe(b, lambda: _raw(b, "POST", "/v1/chat/completions", json=body, headers=headers),
                   token)  # fmt: skip


def probe_raw_providers(b: Backend) -> Observation:
    return observe(b, lambda: _raw(b, "GET", "/v1/providers"))


def probe_raw_models(b: Backend) -> Observation:
    return observe(b, lambda: _raw(b, "GET", "/v1/models"))


def probe_raw_chat(b: Backend) -> Observation:
    return _raw_chat(b, b.token())


def probe_raw_chat_stream(b: Backend) -> Observation:
    return _raw_chat(b, b.token(), stream=True, stream_options={"include_usage": True})


def probe_raw_missing_header(b: Backend) -> Observation:
    return _raw_chat(b, None)


def probe_raw_azure_401(b: Backend) -> Observation:
    return _raw_chat(b, b.token(expires_in=-120), stream=True)


def probe_raw_unknown_route(b: Backend) -> Observation:
    return observe(b, lambda: _raw(b, "GET", "/v1/nope"))


def probe_raw_invalid_body(b: Backend) -> Observation:
    return observe(b, lambda: _raw(b, "POST", "/v1/chat/completions", json={"messages": []}))


PROBES: dict[str, Callable[[Backend], Observation]] = {
    name.removeprefix("probe_"): fn for name, fn in dict(globals()).items()
    if name.startswith("probe_") and callable(fn)
}  # fmt: skip

_OBSERVED: dict[tuple[str, str], Observation] = {}


def observed(probe: str, b: Backend) -> Observation:
    """Each probe runs once per backend; the per-backend checks and the comparison share it."""
    key = (probe, b.name)
    if key not in _OBSERVED:
        _OBSERVED[key] = PROBES[probe](b)
    return _OBSERVED[key]


def _chat_to_azure(obs: Observation, tries: int = 1, model: str = "gpt-4o-mini") -> None:
    assert len(obs.azure) == tries, obs.azure
    for seen in obs.azure:
        assert seen["method"] == "POST"
        assert seen["path"] == "/openai/v1/chat/completions"
        assert seen["query"] == "", "no api-version query string"
        assert seen["bearer_is_token"], "Azure must receive exactly the token we sent"
        assert not seen["api_key_header"]
        assert seen["model"] == model


def _client_error(obs: Observation, status: int, cls: str, message: str) -> None:
    assert (obs.status, obs.error_class) == (status, cls), obs
    assert obs.error_text == f"Error code: {status} - {{'error': {{'message': {message!r}}}}}"


# ------------------------------------------------------------------- per-backend checks


def test_providers_list_base_url(backend: Backend) -> None:
    obs = observed("providers", backend)
    assert obs.status == 200
    assert obs.payload == [
        {
            "api": "inference",
            "provider_id": "azure",
            "provider_type": "remote::azure",
            "config": {"base_url": "<azure>"},
            "health": {
                "status": "Not Implemented",
                "message": "Provider does not implement health check",
            },
        }
    ]
    assert obs.azure == []
    assert observed("provider_retrieve", backend).payload == obs.payload[0]
    _client_error(
        observed("provider_unknown", backend), 400, "BadRequestError", "Provider nope not found"
    )


def test_model_ids(backend: Backend) -> None:
    plain = observed("models_without_header", backend)
    assert [m["id"] for m in plain.payload] == [MODEL]
    assert plain.payload[0]["custom_metadata"] == {
        "model_type": "llm",
        "provider_id": "azure",
        "provider_resource_id": "gpt-4o-mini",
    }
    assert plain.azure == []
    enriched = observed("models_with_header", backend)
    assert [m["id"] for m in enriched.payload] == [MODEL, "azure/gpt-4.1"]
    assert [(a["method"], a["path"], a["bearer_is_token"]) for a in enriched.azure] == [
        ("GET", "/openai/v1/models", True)
    ]


def test_chat_with_valid_token(backend: Backend) -> None:
    for probe in ("chat", "chat_extra_headers"):
        obs = observed(probe, backend)
        assert obs.status == 200, obs
        assert obs.payload["model"] == MODEL
        assert obs.payload["choices"][0]["message"]["content"] == "Echo: hello there"
        _chat_to_azure(obs)


def test_chat_streaming(backend: Backend) -> None:
    obs = observed("chat_stream", backend)
    assert obs.status == 200, obs
    text = "".join(
        (choice["delta"].get("content") or "")
        for chunk in obs.payload
        for choice in chunk["choices"]
    )
    assert text == "Echo: hello there"
    assert all(chunk["model"] == MODEL for chunk in obs.payload)
    assert all(chunk["usage"] is None for chunk in obs.payload)
    _chat_to_azure(obs)
    with_usage = observed("chat_stream_usage", backend)
    assert with_usage.payload[-1]["choices"] == []
    assert with_usage.payload[-1]["usage"]["total_tokens"] == 5


def test_bare_model_name_is_404(backend: Backend) -> None:
    obs = observed("bare_model", backend)
    message = "Model 'gpt-4o-mini' not found. Use 'client.models.list()' to list available Models."
    _client_error(obs, 404, "NotFoundError", message)
    assert obs.azure == []


@pytest.mark.parametrize(
    "probe",
    ["missing_header", "key_only_header", "non_json_header", "bad_base_url_header",
     "ogx_header_only"],
)  # fmt: skip
def test_dropped_provider_data_is_400(backend: Backend, probe: str) -> None:
    obs = observed(probe, backend)
    _client_error(obs, 400, "BadRequestError", NO_KEY)
    assert obs.azure == []


def test_non_object_provider_data_is_500(backend: Backend) -> None:
    obs = observed("non_object_header", backend)
    message = "Internal server error: An unexpected error occurred."
    _client_error(obs, 500, "InternalServerError", message)


@pytest.mark.parametrize(
    "probe", ["expired_token", "forged_token", "wrong_audience", "expired_token_stream"]
)
def test_azure_401_is_401_without_retry(backend: Backend, probe: str) -> None:
    obs = observed(probe, backend)
    _client_error(obs, 401, "AuthenticationError", AZURE_401)
    _chat_to_azure(obs, tries=1)
    assert obs.azure[0]["status"] == 401


def test_azure_permission_denied(backend: Backend) -> None:
    obs = observed("azure_no_role", backend)
    assert (obs.status, obs.error_class) == (401, "AuthenticationError")
    assert "lacks the required data action" in (obs.error_text or "")
    _chat_to_azure(obs, tries=1)


def test_azure_500_after_three_tries(backend: Backend) -> None:
    obs = observed("azure_500", backend)
    assert (obs.status, obs.error_class) == (500, "InternalServerError")
    assert (obs.error_text or "").startswith(
        "Error code: 500 - {'error': {'message': 'Error code: 500 - The server had an error"
    )
    _chat_to_azure(obs, tries=3)


def test_stream_has_no_done_marker(backend: Backend) -> None:
    obs = observed("raw_chat_stream", backend)
    assert obs.payload["type"].startswith("text/event-stream")
    assert obs.payload["text"].startswith("data: {")
    assert "[DONE]" not in obs.payload["text"]


def test_version_tells_the_stand_in_apart(backend: Backend) -> None:
    version = backend.client().inspect.version().version
    if backend.name == "real":
        assert version == "0.7.3"
    else:
        assert version == SANDBOX_VERSION
        assert "sandbox" in version
    assert backend.client().inspect.health().status == "OK"


# ---------------------------------------------------------------- the comparison itself


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_backends_agree(probe: str, stand_in_backend: Backend, real_backend: Backend) -> None:
    """Status, exception class, error text, payload and Azure's view are identical."""
    stand_in = observed(probe, stand_in_backend)
    real = observed(probe, real_backend)
    assert stand_in.status == real.status
    assert stand_in.error_class == real.error_class
    assert stand_in.error_text == real.error_text
    assert stand_in.azure == real.azure
    assert stand_in.payload == real.payload
