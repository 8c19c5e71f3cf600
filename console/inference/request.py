"""What a test inference sends and what it reports: the request plan and `InferenceResult`.

Deciding the request is separate from sending it because both the plain and the streamed
chat completion, and the Responses API, send the same thing: the provider data Lightspeed
builds (``{"azure_api_key": <token>, "azure_api_base": <base url>}``) under the header
name the server reads, to a model id the server lists. `plan_request` asks the server what
it needs for that (version, models), picks the model, and renders the curl text with the
token masked, once, before anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from pydantic import SecretStr

from console.inference.curl import curl_command
from console.inference.errors import SentRequest, no_model
from console.shared.azure import AZURE_PROVIDER_TYPE
from console.shared.diagnosis import DiagnosedError, Diagnosis
from console.stack.providers import ModelView, ProviderView
from console.stack.session import StackInfo, StackSession

DEFAULT_PROMPT = "Reply with the single word: pong"
"""Short and deterministic: cheap on tokens, and an echo or a real model both answer fast."""

Api = Literal["chat.completions", "responses"]


def provider_data(token: SecretStr, base_url: str) -> dict[str, str]:
    """Lightspeed's provider data. Holds the token in clear: build it only to send it."""
    return {"azure_api_key": token.get_secret_value(), "azure_api_base": base_url}


@dataclass(frozen=True)
class Usage:
    """Token counts as the server reported them (None when it did not)."""

    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None

    @classmethod
    def of(
        cls, data: Any, *, prompt: str = "prompt_tokens", completion: str = "completion_tokens"
    ) -> Usage | None:
        """From a ``usage`` object or dict (chat: prompt/completion, responses: input/output)."""
        if data is None:
            return None
        names = (prompt, completion, "total_tokens")
        if isinstance(data, dict):
            values = [data.get(name) for name in names]
        else:
            values = [getattr(data, name, None) for name in names]
        ints = [v if isinstance(v, int) and not isinstance(v, bool) else None for v in values]
        return cls(ints[0], ints[1], ints[2])


@dataclass(frozen=True)
class InferenceResult:
    """One test inference: what came back, how fast, and how to replay it.

    ``ok`` is False when ``diagnosis`` is set; ``answer`` then holds whatever text arrived
    before the failure. ``curl`` masks the token unless the caller asked to reveal it.
    """

    api: Api
    model: str
    requested_model: str | None
    stream: bool
    answer: str
    latency_s: float
    ttft_s: float | None
    usage: Usage | None
    header_name: str | None
    server_kind: str | None
    endpoint: str
    curl: str
    diagnosis: Diagnosis | None = None
    deltas: int = 0
    """How many text pieces the answer arrived in (1 for a non-streamed answer)."""
    client_rebuilt_s: float | None = None
    """Library mode: the seconds a new library client with the token took, as at each refresh."""
    dropped_chars: int = 0
    """Characters of a long streamed answer not kept: ``answer`` is its last part."""

    @property
    def ok(self) -> bool:
        """The inference returned an answer."""
        return self.diagnosis is None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        data = asdict(self)
        data["ok"] = self.ok
        data["diagnosis"] = self.diagnosis.to_dict() if self.diagnosis else None
        return data


# ------------------------------------------------------------------------ choosing a model


def pick_model(
    requested: str | None,
    models: Sequence[ModelView],
    providers: Sequence[ProviderView] = (),
    *,
    exact: bool = False,
) -> str | Diagnosis:
    """The model id to send.

    None: the first model of the first remote::azure provider (the server's order). A
    listed id is sent as is; a bare name (``gpt-4o-mini``) maps to the listed id of that
    model, Azure providers first. Anything else, or with ``exact``, is sent unchanged so
    the server's own 404 can be shown.
    """
    ids = [m.model_id for m in models]
    if requested is None:
        azure_ids = [p.provider_id for p in providers if p.provider_type == AZURE_PROVIDER_TYPE]
        for provider_id in azure_ids or sorted({m.provider_id for m in models}):
            for model in models:
                if model.provider_id == provider_id and model.model_type in (None, "llm"):
                    return model.model_id
        return no_model(ids)
    if exact or requested in ids:
        return requested
    azure = {p.provider_id for p in providers if p.provider_type == AZURE_PROVIDER_TYPE}
    candidates = [
        m
        for m in models
        if m.model_id.rpartition("/")[2] == requested or m.provider_model_id == requested
    ]
    candidates.sort(key=lambda m: m.provider_id not in azure)
    return candidates[0].model_id if candidates else requested


# ----------------------------------------------------------------------------- the request


@dataclass
class Plan:
    """Everything decided before sending: endpoint, headers, body, and how to diagnose."""

    api: Api
    endpoint: str
    model: str
    requested: str | None
    stream: bool
    headers: dict[str, str]
    body: dict[str, Any]
    sent: SentRequest
    info: StackInfo
    curl: str = ""
    secrets: list[SecretStr | None] = field(default_factory=list)


async def plan_request(
    session: StackSession,
    token: SecretStr | None,
    base_url: str | None,
    *,
    api: Api,
    model: str | None,
    prompt: str,
    stream: bool,
    exact_model: bool,
    reveal: bool,
    fill_token: str | None = None,
) -> Plan:
    """Ask the server who it is and what it serves, then decide the request.

    ``fill_token`` is the shell line that fills ``$TOKEN`` in the curl text
    (`console.inference.curl.token_line`).

    Raises `DiagnosedError` when the server cannot be asked or has no model to use.
    """
    info = await session.info()
    models = await session.models(cached=True)
    providers = await session.providers(cached=True) if model is None or "/" not in model else []
    chosen = pick_model(model, models, providers, exact=exact_model)
    if isinstance(chosen, Diagnosis):
        raise DiagnosedError(replace(chosen, endpoint=f"GET {session.url}/v1/models"))
    path = "/v1/chat/completions" if api == "chat.completions" else "/v1/responses"
    headers: dict[str, str] = {}
    # Lightspeed builds provider data only with both a token and a base URL.
    if token is not None and token.get_secret_value() and base_url is not None:
        headers[info.header_name] = json.dumps(provider_data(token, base_url))
    body: dict[str, Any] = {"model": chosen}
    if api == "chat.completions":
        body["messages"] = [{"role": "user", "content": prompt}]
        if stream:
            body |= {"stream": True, "stream_options": {"include_usage": True}}
    else:
        body |= {"input": prompt, "stream": stream}
    sent = SentRequest(
        endpoint=f"POST {session.url}{path}",
        model=chosen,
        header_name=info.header_name if headers else None,
        server_reads=info.server_reads,
        server_kind=info.kind,
        server_version=info.version,
        base_url=base_url,
        token=token,
        known_models=tuple(m.model_id for m in models),
        stack_api_key=session.api_key,
        ca_bundle=session.ca_bundle,
        section=session.section,
        provider_model_id=next((m.provider_model_id for m in models if m.model_id == chosen), None),
    )
    secrets: list[SecretStr | None] = [token, session.api_key]
    curl_headers = {"Content-Type": "application/json"}
    if session.api_key is not None:
        curl_headers["Authorization"] = f"Bearer {session.api_key.get_secret_value()}"
    curl = curl_command(
        "POST",
        f"{session.url}{path}",
        curl_headers | headers,
        body,
        stream=stream,
        secrets=secrets,
        reveal=reveal,
        token=token,
        fill_token=fill_token,
        cacert=session.ca_bundle,
    )
    return Plan(api, sent.endpoint, chosen, model, stream, headers, body, sent, info, curl, secrets)


def make_result(
    plan: Plan | None,
    *,
    api: Api,
    requested: str | None,
    stream: bool,
    endpoint: str,
    answer: str = "",
    latency_s: float = 0.0,
    ttft_s: float | None = None,
    usage: Usage | None = None,
    deltas: int = 0,
    diagnosis: Diagnosis | None = None,
    dropped_chars: int = 0,
) -> InferenceResult:
    return InferenceResult(
        api=api,
        model=plan.model if plan else (requested or ""),
        requested_model=requested,
        stream=stream,
        answer=answer,
        latency_s=latency_s,
        ttft_s=ttft_s,
        usage=usage,
        header_name=plan.sent.header_name if plan else None,
        server_kind=plan.info.kind if plan else None,
        endpoint=plan.endpoint if plan else endpoint,
        curl=plan.curl if plan else "",
        diagnosis=diagnosis.scrubbed(plan.secrets) if plan and diagnosis else diagnosis,
        deltas=deltas,
        dropped_chars=dropped_chars,
    )


# ------------------------------------------------------------------------------ parsing


def chat_text(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else None


def response_text(data: Any) -> str | None:
    if not isinstance(data, dict) or data.get("status") not in (None, "completed"):
        return None
    texts = [
        part.get("text", "")
        for item in data.get("output") or []
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]
    return "".join(texts) if texts else None
