"""Test inferences and the ``infer`` command against a stand-in AND a real llama-stack 0.7.3.

Every diagnosis is the answer to a real failure: an expired or wrong-audience token that
Azure refuses, an app without its role, a bare or unknown model, Azure failing with 500,
provider data dropped by the server's validator or sent under the name it does not read,
a server slower than the timeout. The stand-in adds what only it can fake: a proxy that
strips the header, a stopped or failing server. The canary tests run the command end to
end (Entra stand-in -> token -> server -> Azure stand-in) and search everything printed.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from console.cli import main
from console.inference.run import DEFAULT_PROMPT, run_chat, run_responses, stream_chat
from console.sandbox.entra.server import EntraServer
from console.sandbox.entra.stand_in import EntraStandIn
from console.sandbox.llama_stack.server import LlamaStackServer
from console.sandbox.real_stack import minimal_run_config
from console.sandbox.servers import port_is_listening
from console.sandbox.tokens import TokenIssuer
from console.shared.azure import COGNITIVE_SERVICES
from console.stack.session import LLAMA_STACK_HEADER, OGX_HEADER, StackSession
from tests.conftest import CANARY_SECRET, CLIENT, EXAMPLES, TENANT
from tests.integration.live_backends import (
    MODEL,
    PRINCIPAL,
    Backend,
)

pytestmark = pytest.mark.real_stack

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
ECHO = f"Echo: {DEFAULT_PROMPT}"


def no_secret(result: Any, token: SecretStr) -> None:
    text = json.dumps(result.to_dict())
    assert token.get_secret_value() not in text
    assert not JWT.search(text), "nothing token-shaped in the result"


# ------------------------------------------------------------------------- success


async def test_chat_carries_the_token_to_azure(backend: Backend) -> None:
    token = backend.token()
    async with backend.session() as session:
        result = await run_chat(session, token, backend.base_url)
    assert result.ok, result.diagnosis
    assert (result.answer, result.model, result.requested_model) == (ECHO, MODEL, None)
    assert result.header_name == LLAMA_STACK_HEADER
    assert result.usage is not None
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens
    assert result.latency_s > 0  # measured (how long it took belongs in bench/)
    assert result.ttft_s is None
    [seen] = backend.azure.stand_in.chat_requests
    assert seen.carried(token.get_secret_value()), "Azure got exactly the token we used"
    assert seen.body is not None
    assert seen.body["model"] == "gpt-4o-mini"
    no_secret(result, token)


async def test_curl_masks_the_token_unless_revealed(backend: Backend) -> None:
    token = backend.token()
    async with backend.session() as session:
        masked = await run_chat(session, token, backend.base_url)
        shown = await run_chat(session, token, backend.base_url, reveal=True)
    assert token.get_secret_value() not in masked.curl
    # the token as $TOKEN, filled by the line before the curl (here: no one-liner given)
    assert '"azure_api_key": "\'"$TOKEN"\'"' in masked.curl
    assert masked.curl.startswith("# TOKEN: an Entra ID access token")
    assert f'"azure_api_base": "{backend.base_url}"' in masked.curl
    assert f"{backend.url}/v1/chat/completions" in masked.curl
    assert "-H 'Content-Type: application/json'" in masked.curl
    assert f"'{LLAMA_STACK_HEADER}: " in masked.curl
    assert token.get_secret_value() in shown.curl


@pytest.mark.parametrize("model", [None, "gpt-4o-mini", "azure/gpt-4o-mini", "gpt-4.1"])
async def test_model_names_map_to_server_ids(backend: Backend, model: str | None) -> None:
    token = backend.token()
    async with backend.session() as session:
        result = await run_chat(session, token, backend.base_url, model=model, prompt="hi")
    if model == "gpt-4.1":  # Azure has it, run.yaml does not register it: the server's 404
        assert result.diagnosis is not None
        assert result.diagnosis.code == "MODEL_NOT_FOUND"
        return
    assert result.ok, result.diagnosis
    assert (result.model, result.answer) == (MODEL, "Echo: hi")


async def test_stream_arrives_incrementally(backend: Backend) -> None:
    backend.azure.faults.stream_delay_s = 0.05
    token = backend.token()
    arrivals: list[tuple[float, str]] = []
    async with backend.session() as session:
        started = time.perf_counter()
        chat = stream_chat(session, token, backend.base_url)
        assert chat.result is None
        async for delta in chat:
            arrivals.append((time.perf_counter() - started, delta))
    result = chat.result
    assert result is not None
    assert result.ok, result.diagnosis
    assert result.stream
    assert "".join(d for _, d in arrivals) == result.answer == ECHO
    assert result.deltas == len(arrivals) > 3
    assert result.ttft_s is not None
    assert result.ttft_s < result.latency_s
    # Azure sends a piece every 50 ms: the pieces must not arrive as one burst at the end.
    assert arrivals[-1][0] - arrivals[0][0] > 0.1, arrivals
    assert result.latency_s - result.ttft_s > 0.1
    assert result.usage is not None
    assert result.usage.total_tokens
    [seen] = backend.azure.stand_in.chat_requests
    assert seen.carried(token.get_secret_value())


async def test_run_chat_streams_through_a_callback(backend: Backend) -> None:
    seen: list[str] = []
    async with backend.session() as session:
        result = await run_chat(
            session, backend.token(), backend.base_url, stream=True, on_delta=seen.append
        )
    assert result.ok
    assert "".join(seen) == result.answer == ECHO


# ------------------------------------------------------------- diagnoses, both servers


async def _failed(backend: Backend, token: SecretStr, **options: Any) -> Any:
    base_url = options.pop("base_url", backend.base_url)
    async with backend.session(**options.pop("session", {})) as session:
        result = await run_chat(session, token, base_url, **options)
    assert not result.ok
    assert result.diagnosis is not None
    assert result.answer == ""
    no_secret(result, token)
    server = f"POST {backend.url}/v1/chat/completions"
    if result.diagnosis.code.startswith("AZURE_"):  # what Azure refused, at Azure's endpoint
        azure = f"POST {base_url}/chat/completions"
        assert result.diagnosis.endpoint == f"{azure} (through {server})"
    else:
        assert result.diagnosis.endpoint == server
    assert result.diagnosis.remedy
    return result.diagnosis


@pytest.mark.parametrize("stream", [False, True])
async def test_expired_token(backend: Backend, stream: bool) -> None:
    found = await _failed(backend, backend.token(expires_in=-120), stream=stream)
    assert found.code == "AZURE_TOKEN_REJECTED"
    assert "expired" in found.meaning
    assert len(backend.azure.stand_in.chat_requests) == 1, "a 401 is not retried"


async def test_wrong_audience(backend: Backend) -> None:
    token = backend.token(audience="https://management.core.windows.net/")
    found = await _failed(backend, token)
    assert found.code == "AZURE_TOKEN_REJECTED"
    assert "audience is https://management.core.windows.net/" in found.meaning
    assert "cognitiveservices.azure.com/.default" in found.remedy


async def test_forged_token(backend: Backend) -> None:
    forger = TokenIssuer(kid=backend.issuer.kid)
    good = backend.token().get_secret_value()
    claims = backend.issuer.verify(good, "https://cognitiveservices.azure.com")
    found = await _failed(backend, SecretStr(forger.mint(claims)))
    assert found.code == "AZURE_TOKEN_REJECTED"
    assert "signature or issuer" in found.meaning


async def test_app_without_role(backend: Backend) -> None:
    backend.azure.faults.no_role = True
    claims = backend.issuer.verify(backend.token().get_secret_value(), COGNITIVE_SERVICES)
    app = "5ca1ab1e-0000-4000-8000-00000000a991"
    found = await _failed(backend, SecretStr(backend.issuer.mint({**claims, "appid": app})))
    assert found.code == "AZURE_NO_ROLE"
    assert "Cognitive Services OpenAI User" in found.remedy
    assert PRINCIPAL in found.detail
    # the client ID, read from the token's appid, in the command to paste
    assert f"az role assignment create --assignee {app} --role" in found.remedy


@pytest.mark.parametrize("model", ["gpt-4o-mini", "nope"])
async def test_unknown_model_lists_the_ids(backend: Backend, model: str) -> None:
    found = await _failed(backend, backend.token(), model=model, exact_model=True)
    assert found.code == "MODEL_NOT_FOUND"
    assert MODEL in found.meaning
    assert ("bare name" in found.meaning) == (model == "gpt-4o-mini")
    assert backend.azure.stand_in.requests == [], "Azure is never asked"


async def test_azure_server_error_after_three_tries(backend: Backend) -> None:
    backend.azure.faults.status = 500
    found = await _failed(backend, backend.token())
    assert found.code == "AZURE_SERVER_ERROR"
    assert "Azure answered 500" in found.meaning
    assert len(backend.azure.stand_in.chat_requests) == 3


async def test_base_url_that_is_not_a_url(backend: Backend) -> None:
    found = await _failed(backend, backend.token(), base_url="azure-resource")
    assert found.code == "PROVIDER_DATA_DROPPED"
    assert "'azure-resource'" in found.meaning


async def test_header_the_server_does_not_read(backend: Backend) -> None:
    found = await _failed(backend, backend.token(), session={"provider_data_header": OGX_HEADER})
    assert found.code == "PROVIDER_DATA_WRONG_HEADER"
    assert f"sent {OGX_HEADER}" in found.meaning
    assert f"reads {LLAMA_STACK_HEADER}" in found.meaning


async def test_no_base_url_no_header(backend: Backend) -> None:
    found = await _failed(backend, backend.token(), base_url=None)
    assert found.code == "PROVIDER_DATA_NOT_SENT"


async def test_azure_slower_than_the_timeout(backend: Backend) -> None:
    backend.azure.faults.latency_s = 1.0
    found = await _failed(backend, backend.token(), session={"timeout": 0.3})
    assert found.code == "TIMEOUT"  # Azure, asked itself, is slow but not throttling
    assert "did not answer in time" in found.title
    # The server still waits for Azure; let that request end so no later test sees it.
    deadline = time.monotonic() + 5
    while len(backend.azure.stand_in.chat_requests) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    # the server's request, and the console's own one-token question to Azure
    assert [r.status for r in backend.azure.stand_in.chat_requests] == [200, 200]


# ------------------------------------------------------------- diagnoses, stand-in only


async def test_proxy_strips_the_header(faulty: Backend) -> None:
    assert faulty.stack is not None
    faulty.stack.faults.ignore_provider_data = True
    found = await _failed(faulty, faulty.token())
    assert found.code == "PROVIDER_DATA_STRIPPED"
    assert "proxy" in found.meaning


async def test_stopped_server_is_a_result(issuer: TokenIssuer) -> None:
    stopped = LlamaStackServer(minimal_run_config("http://127.0.0.1:9/openai/v1"))
    stopped.faults.down = True
    with stopped:
        url = stopped.url
    async with StackSession(url, timeout=2) as session:
        result = await run_chat(session, SecretStr("x" * 40), "http://127.0.0.1:9/openai/v1")
    assert result.diagnosis is not None
    assert result.diagnosis.code == "CONNECTION_REFUSED"
    assert result.diagnosis.endpoint == f"GET {url}/v1/version"


@pytest.mark.parametrize("fault", [{"status": 500}, {"not_json": True}])
async def test_failing_server_is_a_result(faulty: Backend, fault: dict[str, Any]) -> None:
    assert faulty.stack is not None
    for name, value in fault.items():
        setattr(faulty.stack.faults, name, value)
    token = faulty.token()
    async with faulty.session() as session:
        result = await run_chat(session, token, faulty.base_url, stream=True)
    assert result.diagnosis is not None
    assert result.diagnosis.code == ("HTTP_500" if "status" in fault else "NOT_JSON")
    no_secret(result, token)


# ------------------------------------------------------------------------ responses API


async def test_responses_api(backend: Backend, issuer: TokenIssuer) -> None:
    token = backend.token()
    async with backend.session() as session:
        result = await run_responses(session, token, backend.base_url)
    no_secret(result, token)
    # Neither server's run.yaml enables the Responses API (the real one would need files,
    # vector_io, tool_runtime and an offline tokenizer): both say so.
    assert result.diagnosis is not None
    assert result.diagnosis.code == "RESPONSES_NOT_OFFERED"
    if backend.name == "real":
        return
    with LlamaStackServer(
        {**minimal_run_config(backend.base_url), "apis": ["inference", "responses"]}
    ) as srv:
        async with StackSession(srv.url) as session:
            result = await run_responses(session, token, backend.base_url)
    assert result.ok, result.diagnosis
    assert (result.api, result.answer, result.model) == ("responses", ECHO, MODEL)
    assert result.usage is not None
    assert result.usage.total_tokens


# ------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def entra(issuer: TokenIssuer) -> Iterator[EntraServer]:
    with EntraServer(EntraStandIn(issuer=issuer)) as server:
        server.stand_in.add_tenant(TENANT).add_app(CLIENT, secret=CANARY_SECRET)
        yield server
    assert not port_is_listening(server.port)


def _config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "lightspeed-stack.yaml"
    path.write_text(
        "name: t\nllama_stack:\n  use_as_library_client: false\n"
        f"  url: {url}\n  timeout: 10\n"
        "azure_entra_id:\n  tenant_id: ${env.TENANT_ID}\n  client_id: ${env.CLIENT_ID}\n"
        "  client_secret: ${env.CLIENT_SECRET}\n"
    )
    return str(path)


def _infer(
    capsys: pytest.CaptureFixture[str], entra: EntraServer, config: str, *extra: str
) -> tuple[int, str, str]:
    live = ["--authority", entra.authority, "--ca-bundle", str(entra.ca_pem)]
    code = main(["infer", "-c", config, *live, *extra])
    out, err = capsys.readouterr()
    assert CANARY_SECRET not in out + err
    return code, out, err


@pytest.fixture
def command_env(
    entra_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, entra: EntraServer
) -> None:
    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)


@pytest.mark.usefixtures("command_env")
def test_infer_command_streams_and_hides_the_token(
    backend: Backend, entra: EntraServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, backend.url)
    code, out, err = _infer(capsys, entra, config, "--stream")
    assert code == 0, err
    assert out == ECHO + "\n"
    assert "first token" in err
    assert f"{LLAMA_STACK_HEADER}: " in err
    assert '"azure_api_key": "\'"$TOKEN"\'"' in err  # filled by the line before the curl
    assert f'TOKEN="$(lightspeed-console token -c {config} --authority ' in err
    assert not JWT.search(out + err), "no token in the output"
    [seen] = backend.azure.stand_in.chat_requests
    assert seen.token_uti is not None, "Azure got an Entra stand-in token"

    code, out, err = _infer(capsys, entra, config, "--json", "--model", "gpt-4o-mini")
    assert code == 0, err
    data = json.loads(out)
    assert (data["ok"], data["answer"], data["model"]) == (True, ECHO, MODEL)
    assert data["header_name"] == LLAMA_STACK_HEADER
    assert not JWT.search(out + err)

    code, out, err = _infer(capsys, entra, config, "--show-token")
    assert code == 0
    assert JWT.search(err), "--show-token puts the token in the curl"


@pytest.mark.usefixtures("command_env")
def test_infer_command_failures(
    backend: Backend, entra: EntraServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, backend.url)
    backend.azure.faults.no_role = True
    code, out, err = _infer(capsys, entra, config, "--json")
    assert code == 1
    data = json.loads(out)
    assert data["diagnosis"]["code"] == "AZURE_NO_ROLE"
    assert "[AZURE_NO_ROLE]" in err
    assert "remedy:" in err
    azure = f"POST {backend.base_url}/chat/completions"
    assert f"endpoint: {azure} (through POST {backend.url}/v1/chat/completions)" in err
    assert not JWT.search(out + err)
    backend.azure.faults.no_role = False

    token_file = tmp_path / "token"
    expired = backend.token(expires_in=-60)
    token_file.write_text(expired.get_secret_value() + "\n")
    code, out, err = _infer(capsys, entra, config, "--token-file", str(token_file))
    assert code == 1
    assert "[AZURE_TOKEN_REJECTED]" in err
    assert expired.get_secret_value() not in out + err


@pytest.mark.usefixtures("command_env")
def test_infer_command_token_failure(
    stand_in: Backend,
    entra: EntraServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrong = "wrong8Q~" + "s" * 32
    monkeypatch.setenv("CLIENT_SECRET", wrong)
    code, out, err = _infer(capsys, entra, _config(tmp_path, stand_in.url), "--json")
    assert code == 1
    assert json.loads(out)["diagnosis"]["code"] == "AADSTS7000215"
    assert wrong not in out + err
    assert stand_in.azure.stand_in.requests == []


def test_infer_command_usage_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    library = str(EXAMPLES / "lightspeed-stack-library.yaml")
    assert main(["infer", "-c", library, "--responses"]) == 2
    err = capsys.readouterr().err
    assert "--responses: library mode tests chat completions only" in err
    assert main(["infer", "--token-file", "/nonexistent", "--url", "http://127.0.0.1:9"]) == 2
    assert "--token-file" in capsys.readouterr().err
