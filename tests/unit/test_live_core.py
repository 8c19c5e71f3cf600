"""The pure parts of the live view: Lightspeed's base-URL rule, model choice, the curl text."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from pydantic import SecretStr

from console.inference.curl import curl_command
from console.inference.run import pick_model, provider_data
from console.shared.diagnosis import Diagnosis
from console.shared.redact import MASK
from console.stack.discovery import discover, lightspeed_base_url, same_url
from console.stack.providers import ModelView, ProviderView

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"


def provider(pid: str, ptype: str = "remote::azure", base: str | None = None) -> ProviderView:
    return ProviderView("server", "inference", pid, ptype, base, None, None, "-")


def model(mid: str, pid: str, kind: str = "llm") -> ModelView:
    return ModelView("server", mid, pid, mid.rpartition("/")[2], kind)


def test_first_azure_provider_with_a_base_url_wins() -> None:
    live = [
        provider("openai", "remote::openai", "https://api.openai.com/v1"),
        provider("azure-a"),
        provider("azure-b", base="https://b.openai.azure.com/openai/v1"),
        provider("azure-c", base="https://c.openai.azure.com/openai/v1"),
    ]
    chosen = lightspeed_base_url(live)
    assert chosen is not None
    assert chosen.provider_id == "azure-b"
    found = discover(live)
    assert found.azure_base_url == "https://b.openai.azure.com/openai/v1"
    assert [f.code for f in found.findings] == ["live-azure-no-base-url"]


def test_no_azure_provider_means_no_provider_data() -> None:
    found = discover([provider("openai", "remote::openai", "https://x/v1")])
    assert found.azure_base_url is None
    assert [f.code for f in found.findings] == ["live-no-azure-base-url"]


def test_same_url_ignores_slash_and_case_of_host() -> None:
    assert same_url("HTTPS://A.openai.azure.com/openai/v1/", "https://a.openai.azure.com/openai/v1")
    assert not same_url("https://a.openai.azure.com/openai/v1", "https://a.openai.azure.com/v1")


def test_pick_model() -> None:
    providers = [provider("local", "inline::x"), provider("azure", base="https://a/openai/v1")]
    models = [
        model("local/embed", "local", "embedding"),
        model("local/llama", "local"),
        model("azure/gpt-4o-mini", "azure"),
        model("azure/gpt-4.1", "azure"),
    ]
    assert pick_model(None, models, providers) == "azure/gpt-4o-mini"
    assert pick_model("gpt-4.1", models, providers) == "azure/gpt-4.1"
    assert pick_model("azure/gpt-4.1", models, providers) == "azure/gpt-4.1"
    assert pick_model("llama", models, providers) == "local/llama"
    assert pick_model("gpt-4.1", models, providers, exact=True) == "gpt-4.1"
    assert pick_model("unknown", models, providers) == "unknown"
    missing = pick_model(None, [model("local/embed", "local", "embedding")], providers)
    assert isinstance(missing, Diagnosis)
    assert missing.code == "NO_AZURE_MODEL"


def test_provider_data_is_lightspeeds() -> None:
    assert provider_data(SecretStr("t0k"), "https://a/openai/v1") == {
        "azure_api_key": "t0k",
        "azure_api_base": "https://a/openai/v1",
    }


def test_curl_masks_and_quotes() -> None:
    headers = {"X-LlamaStack-Provider-Data": f'{{"azure_api_key": "{TOKEN}"}}'}
    body = {"messages": [{"role": "user", "content": "it's"}]}
    masked = curl_command("POST", "http://h:1/v1/x", headers, body, secrets=[SecretStr(TOKEN)])
    assert TOKEN not in masked
    assert MASK in masked
    words = shlex.split(masked.replace("\\\n", " "))
    assert words[:3] == ["curl", "-sS", "http://h:1/v1/x"]
    assert words[-1] == '{"messages": [{"role": "user", "content": "it\'s"}]}'
    shown = curl_command("POST", "http://h:1/v1/x", headers, body, reveal=True)
    assert TOKEN in shown


def test_curl_replays_as_it_is_with_token_as_a_variable_and_the_server_ca() -> None:
    headers = {
        "Authorization": "Bearer stack-key-canary",
        "X-OGX-Provider-Data": json.dumps({"azure_api_key": TOKEN, "azure_api_base": "https://a"}),
    }
    fill = 'TOKEN="$(lightspeed-console token -d prod --settings s.toml --raw)"'
    text = curl_command(
        "POST",
        "https://ogx:8321/v1/chat/completions",
        headers,
        {"model": "m"},
        secrets=[SecretStr(TOKEN), "stack-key-canary"],
        token=SecretStr(TOKEN),
        fill_token=fill,
        cacert=Path("/etc/ogx ca.pem"),
    )
    assert TOKEN not in text
    assert "stack-key-canary" not in text
    first, rest = text.split("\n", 1)
    assert first == fill
    words = shlex.split(rest.replace("\\\n", " "))
    assert words[:4] == ["curl", "-sS", "--cacert", "/etc/ogx ca.pem"]
    # the shell expands $TOKEN inside the header; shlex (no expansion) shows where it goes
    header = next(w for w in words if w.startswith("X-OGX-Provider-Data: "))
    data = json.loads(header.removeprefix("X-OGX-Provider-Data: "))
    assert data == {"azure_api_key": "$TOKEN", "azure_api_base": "https://a"}
    # with --show-token it is written as it is, without the line that fills it
    shown = curl_command(
        "POST",
        "https://h/v1/x",
        headers,
        None,
        token=SecretStr(TOKEN),
        fill_token=fill,
        reveal=True,
    )
    assert TOKEN in shown
    assert "$TOKEN" not in shown
    assert fill not in shown
