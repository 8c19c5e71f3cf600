"""A test inference through the Llama Stack server, carrying the token as Lightspeed does.

Lightspeed sends every inference with the provider-data header
``{"azure_api_key": <Entra token>, "azure_api_base": <discovered base URL>}`` under the
name its server reads (`console.stack_kind.choose_header`), and the server forwards the token
to Azure as ``Authorization: Bearer``. The console sends the same, so a success here means
the deployment's path works end to end, and a failure is diagnosed in terms of what was
sent (`console.inference_errors`).

`run_chat` answers with an `InferenceResult` (never an exception): the answer, timings,
usage, the header used, a diagnosis on failure, and the request as a curl command with
the token masked. `stream_chat` yields the answer's text as it arrives, for a screen that
shows it live; its `result` is ready when the iteration ends. `run_responses` tries the
Responses API, which a server offers only when its run.yaml enables it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

from pydantic import SecretStr

from console.diagnosis import DiagnosedError, Diagnosis
from console.inference_errors import diagnose_inference
from console.inference_request import (
    DEFAULT_PROMPT,
    InferenceResult,
    Usage,
    chat_text,
    make_result,
    pick_model,
    plan_request,
    provider_data,
    response_text,
)
from console.stack import StackSession
from console.stack_errors import not_json_diagnosis, unexpected_diagnosis

# ------------------------------------------------------------------------ chat completions


async def run_chat(
    session: StackSession,
    token: SecretStr | None,
    base_url: str | None,
    *,
    model: str | None = None,
    prompt: str = DEFAULT_PROMPT,
    stream: bool = False,
    on_delta: Callable[[str], object] | None = None,
    exact_model: bool = False,
    reveal: bool = False,
) -> InferenceResult:
    """One chat completion; streamed when ``stream`` (``on_delta`` sees each text piece)."""
    if stream:
        chat = stream_chat(
            session,
            token,
            base_url,
            model=model,
            prompt=prompt,
            exact_model=exact_model,
            reveal=reveal,
        )
        async for delta in chat:
            if on_delta is not None:
                on_delta(delta)
        assert chat.result is not None
        return chat.result
    endpoint = f"POST {session.url}/v1/chat/completions"
    common: dict[str, Any] = {
        "api": "chat.completions",
        "requested": model,
        "stream": False,
        "endpoint": endpoint,
    }
    try:
        plan = await plan_request(
            session,
            token,
            base_url,
            api="chat.completions",
            model=model,
            prompt=prompt,
            stream=False,
            exact_model=exact_model,
            reveal=reveal,
        )
    except DiagnosedError as error:
        return make_result(None, diagnosis=error.diagnosis.scrubbed([token]), **common)
    client = session.client(headers=plan.headers)
    started = time.perf_counter()
    try:
        raw = await client.chat.completions.with_raw_response.create(
            model=plan.model, messages=plan.body["messages"]
        )
        answer = raw.http_response
        elapsed = time.perf_counter() - started
        if "json" not in answer.headers.get("content-type", "").lower():
            found = not_json_diagnosis(
                plan.endpoint, answer.headers.get("content-type", ""), answer.text
            )
            return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
        data = answer.json()
    except Exception as error:
        elapsed = time.perf_counter() - started
        return make_result(
            plan, latency_s=elapsed, diagnosis=diagnose_inference(error, plan.sent), **common
        )
    finally:
        await client.close()
    text = chat_text(data)
    if text is None:
        found = unexpected_diagnosis(plan.endpoint, "a chat completion", data)
        return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
    return make_result(
        plan, answer=text, latency_s=elapsed, usage=Usage.of(data.get("usage")), deltas=1, **common
    )


class ChatStream:
    """A streamed chat completion: ``async for delta in stream`` yields text as it arrives.

    Iterating does everything (asks the server, sends, reads); failures end the
    iteration instead of raising. `result` is set once the iteration is over.
    """

    def __init__(
        self,
        session: StackSession,
        token: SecretStr | None,
        base_url: str | None,
        *,
        model: str | None,
        prompt: str,
        exact_model: bool,
        reveal: bool,
    ) -> None:
        self._args = (session, token, base_url)
        self._options: dict[str, Any] = {
            "model": model,
            "prompt": prompt,
            "exact_model": exact_model,
            "reveal": reveal,
        }
        self.result: InferenceResult | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        return self._run()

    async def _run(self) -> AsyncIterator[str]:
        session, token, base_url = self._args
        requested = self._options["model"]
        common: dict[str, Any] = {
            "api": "chat.completions",
            "requested": requested,
            "stream": True,
            "endpoint": f"POST {session.url}/v1/chat/completions",
        }
        try:
            plan = await plan_request(
                session, token, base_url, api="chat.completions", stream=True, **self._options
            )
        except DiagnosedError as error:
            self.result = make_result(None, diagnosis=error.diagnosis.scrubbed([token]), **common)
            return
        client = session.client(headers=plan.headers)
        pieces: list[str] = []
        usage: Usage | None = None
        ttft: float | None = None
        started = time.perf_counter()
        diagnosis: Diagnosis | None = None
        try:
            raw = await client.chat.completions.with_raw_response.create(
                model=plan.model,
                messages=plan.body["messages"],
                stream=True,
                stream_options={"include_usage": True},
            )
            content_type = raw.http_response.headers.get("content-type", "")
            if "event-stream" not in content_type.lower():
                body = (await raw.http_response.aread()).decode(errors="replace")
                diagnosis = not_json_diagnosis(plan.endpoint, content_type, body)
            else:
                chunks = await raw.parse()
                async for chunk in chunks:
                    if getattr(chunk, "usage", None) is not None:
                        usage = Usage.of(chunk.usage)
                    for choice in chunk.choices or []:
                        text = getattr(choice.delta, "content", None)
                        if text:
                            if ttft is None:
                                ttft = time.perf_counter() - started
                            pieces.append(text)
                            yield text
        except Exception as error:
            diagnosis = diagnose_inference(error, plan.sent)
        finally:
            await client.close()
        elapsed = time.perf_counter() - started
        if diagnosis is None and not pieces:
            diagnosis = unexpected_diagnosis(plan.endpoint, "streamed text", "(empty stream)")
        self.result = make_result(
            plan,
            answer="".join(pieces),
            latency_s=elapsed,
            ttft_s=ttft,
            usage=usage,
            deltas=len(pieces),
            diagnosis=diagnosis,
            **common,
        )


def stream_chat(
    session: StackSession,
    token: SecretStr | None,
    base_url: str | None,
    *,
    model: str | None = None,
    prompt: str = DEFAULT_PROMPT,
    exact_model: bool = False,
    reveal: bool = False,
) -> ChatStream:
    """A streamed chat completion to iterate over (see `ChatStream`)."""
    return ChatStream(
        session, token, base_url, model=model, prompt=prompt, exact_model=exact_model, reveal=reveal
    )


# ---------------------------------------------------------------------------- responses


async def run_responses(
    session: StackSession,
    token: SecretStr | None,
    base_url: str | None,
    *,
    model: str | None = None,
    prompt: str = DEFAULT_PROMPT,
    exact_model: bool = False,
    reveal: bool = False,
) -> InferenceResult:
    """One non-streamed Responses API call; a server without the API says so plainly."""
    endpoint = f"POST {session.url}/v1/responses"
    common: dict[str, Any] = {
        "api": "responses",
        "requested": model,
        "stream": False,
        "endpoint": endpoint,
    }
    try:
        plan = await plan_request(
            session,
            token,
            base_url,
            api="responses",
            model=model,
            prompt=prompt,
            stream=False,
            exact_model=exact_model,
            reveal=reveal,
        )
    except DiagnosedError as error:
        return make_result(None, diagnosis=error.diagnosis.scrubbed([token]), **common)
    client = session.client(headers=plan.headers)
    started = time.perf_counter()
    try:
        raw = await client.responses.with_raw_response.create(
            model=plan.model, input=prompt, stream=False
        )
        data = raw.http_response.json()
    except Exception as error:
        elapsed = time.perf_counter() - started
        found = diagnose_inference(error, plan.sent)
        if found.code == "HTTP_404":
            found = replace(
                found,
                code="RESPONSES_NOT_OFFERED",
                title="This server does not offer the Responses API",
                meaning="POST /v1/responses is not served: its run.yaml does not enable the "
                "agents/responses API (it needs files, vector_io and tool_runtime too).",
                remedy="Use the chat completion test (the default), or enable the API in the "
                "server's run.yaml.",
            )
        return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
    finally:
        await client.close()
    elapsed = time.perf_counter() - started
    text = response_text(data)
    if text is None:
        error_body = data.get("error") if isinstance(data, dict) else None
        found = unexpected_diagnosis(plan.endpoint, "a completed response", error_body or data)
        return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
    usage = Usage.of(data.get("usage"), prompt="input_tokens", completion="output_tokens")
    return make_result(plan, answer=text, latency_s=elapsed, usage=usage, deltas=1, **common)


__all__ = [
    "DEFAULT_PROMPT",
    "ChatStream",
    "InferenceResult",
    "Usage",
    "pick_model",
    "provider_data",
    "run_chat",
    "run_responses",
    "stream_chat",
]
