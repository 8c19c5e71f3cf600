"""A test inference through the Llama Stack server, carrying the token as Lightspeed does.

Lightspeed sends every inference with the provider-data header
``{"azure_api_key": <Entra token>, "azure_api_base": <discovered base URL>}`` under the
name its server reads (`console.stack.kind.choose_header`), and the server forwards the token
to Azure as ``Authorization: Bearer``. The console sends the same, so a success here means
the deployment's path works end to end, and a failure is diagnosed in terms of what was
sent (`console.inference.errors`).

`run_chat` answers with an `InferenceResult` (never an exception): the answer, timings,
usage, the header used, a diagnosis on failure, and the request as a curl command with
the token masked. `stream_chat` yields the answer's text as it arrives, for a screen that
shows it live; its `result` is ready when the iteration ends. `run_responses` tries the
Responses API, which a server offers only when its run.yaml enables it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from console.inference.errors import diagnose_inference
from console.inference.request import (
    DEFAULT_PROMPT,
    Api,
    InferenceResult,
    Plan,
    Usage,
    chat_text,
    make_result,
    pick_model,
    plan_request,
    provider_data,
    response_text,
)
from console.inference.tail import AnswerTail
from console.shared.diagnosis import DiagnosedError, Diagnosis
from console.stack.bounds import (
    UnreadableJson,
    bound_diagnosis,
    parse_json,
    whole_answer_timeout,
)
from console.stack.errors import not_json_diagnosis, unexpected_diagnosis
from console.stack.session import StackSession

if TYPE_CHECKING:
    from llama_stack_client import AsyncLlamaStackClient

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
    fill_token: str | None = None,
) -> InferenceResult:
    """One chat completion; streamed when ``stream`` (``on_delta`` sees each text piece).

    ``fill_token``: the shell line the curl text fills ``$TOKEN`` with.
    """
    if stream:
        chat = stream_chat(
            session,
            token,
            base_url,
            model=model,
            prompt=prompt,
            exact_model=exact_model,
            reveal=reveal,
            fill_token=fill_token,
        )
        async for delta in chat:
            if on_delta is not None:
                on_delta(delta)
        assert chat.result is not None
        return chat.result
    return await _one_request(
        session,
        token,
        base_url,
        api="chat.completions",
        model=model,
        prompt=prompt,
        exact_model=exact_model,
        reveal=reveal,
        fill_token=fill_token,
        send=lambda client, plan: client.chat.completions.with_raw_response.create(
            model=plan.model, messages=plan.body["messages"]
        ),
        reading="a chat completion",
        read=lambda data: (chat_text(data), Usage.of(data.get("usage")), data),
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
        fill_token: str | None = None,
    ) -> None:
        self._args = (session, token, base_url)
        self._options: dict[str, Any] = {
            "model": model,
            "prompt": prompt,
            "exact_model": exact_model,
            "reveal": reveal,
            "fill_token": fill_token,
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
        tail = AnswerTail()
        usage: Usage | None = None
        ttft: float | None = None
        started = time.perf_counter()
        diagnosis: Diagnosis | None = None
        try:
            # Until the answer's headers; its body is held to the same bound by the client.
            async with asyncio.timeout(session.timeout):
                raw = await client.chat.completions.with_raw_response.create(
                    model=plan.model,
                    messages=plan.body["messages"],
                    stream=True,
                    stream_options={"include_usage": True},
                )
            content_type = raw.http_response.headers.get("content-type", "")
            if "event-stream" not in content_type.lower():
                body = (await raw.http_response.aread()).decode(errors="replace")
                diagnosis = not_json_diagnosis(plan.endpoint, content_type, body, session.section)
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
                            tail.add(text)
                            yield text
        except TimeoutError:
            timed_out = whole_answer_timeout(plan.endpoint, session.timeout)
            diagnosis = bound_diagnosis(timed_out, session.setting)
        except Exception as error:
            diagnosis = diagnose_inference(error, plan.sent)
        finally:
            await client.close()
        elapsed = time.perf_counter() - started
        if diagnosis is not None and not tail.pieces:
            diagnosis = await _explained(diagnosis, plan, session, elapsed)
        if diagnosis is None and not tail.pieces:
            diagnosis = unexpected_diagnosis(plan.endpoint, "streamed text", "(empty stream)")
        self.result = make_result(
            plan,
            answer=tail.text(),
            latency_s=elapsed,
            ttft_s=ttft,
            usage=usage,
            deltas=tail.pieces,
            diagnosis=diagnosis,
            dropped_chars=tail.dropped,
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
    fill_token: str | None = None,
) -> ChatStream:
    """A streamed chat completion to iterate over (see `ChatStream`)."""
    return ChatStream(
        session,
        token,
        base_url,
        model=model,
        prompt=prompt,
        exact_model=exact_model,
        reveal=reveal,
        fill_token=fill_token,
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
    fill_token: str | None = None,
) -> InferenceResult:
    """One non-streamed Responses API call; a server without the API says so plainly."""

    def read(data: Any) -> tuple[str | None, Usage | None, Any]:
        usage = Usage.of(data.get("usage"), prompt="input_tokens", completion="output_tokens")
        error_body = data.get("error") if isinstance(data, dict) else None
        return response_text(data), usage, error_body or data

    return await _one_request(
        session,
        token,
        base_url,
        api="responses",
        model=model,
        prompt=prompt,
        exact_model=exact_model,
        reveal=reveal,
        fill_token=fill_token,
        send=lambda client, plan: client.responses.with_raw_response.create(
            model=plan.model, input=prompt, stream=False
        ),
        reading="a completed response",
        read=read,
        adjust=_responses_not_offered,
    )


def _responses_not_offered(found: Diagnosis) -> Diagnosis:
    if found.code != "HTTP_404":
        return found
    return replace(
        found,
        code="RESPONSES_NOT_OFFERED",
        title="This server does not offer the Responses API",
        meaning="POST /v1/responses is not served: its run.yaml does not enable the "
        "agents/responses API (it needs files, vector_io and tool_runtime too).",
        remedy="Use the chat completion test (the default), or enable the API in the "
        "server's run.yaml.",
    )


_PATHS = {"chat.completions": "/v1/chat/completions", "responses": "/v1/responses"}


async def _one_request(
    session: StackSession,
    token: SecretStr | None,
    base_url: str | None,
    *,
    api: Api,
    model: str | None,
    prompt: str,
    exact_model: bool,
    reveal: bool,
    send: Callable[[AsyncLlamaStackClient, Plan], Awaitable[Any]],
    fill_token: str | None = None,
    reading: str,
    read: Callable[[Any], tuple[str | None, Usage | None, Any]],
    adjust: Callable[[Diagnosis], Diagnosis] = lambda found: found,
) -> InferenceResult:
    """One non-streamed request: plan it, send it with the header, time it, read or diagnose.

    ``send`` makes the SDK call, ``read`` takes (text, usage, what to show if no text) from
    the JSON answer, ``adjust`` refines a diagnosis for this API.
    """
    common: dict[str, Any] = {
        "api": api,
        "requested": model,
        "stream": False,
        "endpoint": f"POST {session.url}{_PATHS[api]}",
    }
    try:
        plan = await plan_request(
            session,
            token,
            base_url,
            api=api,
            model=model,
            prompt=prompt,
            stream=False,
            exact_model=exact_model,
            reveal=reveal,
            fill_token=fill_token,
        )
    except DiagnosedError as error:
        return make_result(None, diagnosis=error.diagnosis.scrubbed([token]), **common)
    client = session.client(headers=plan.headers)
    started = time.perf_counter()
    try:
        # The whole answer, headers and body, within the timeout (each read has it too).
        async with asyncio.timeout(session.timeout):
            answer = (await send(client, plan)).http_response
        elapsed = time.perf_counter() - started
        content_type = answer.headers.get("content-type", "")
        if "json" not in content_type.lower():
            found = not_json_diagnosis(plan.endpoint, content_type, answer.text, session.section)
            return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
        data = parse_json(answer.text)
    except TimeoutError:
        elapsed = time.perf_counter() - started
        found = bound_diagnosis(
            whole_answer_timeout(plan.endpoint, session.timeout), session.setting
        )
        found = await _explained(found, plan, session, elapsed)
        return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
    except UnreadableJson as problem:
        elapsed = time.perf_counter() - started
        found = unexpected_diagnosis(plan.endpoint, "JSON Python can read", str(problem))
        return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
    except Exception as error:
        elapsed = time.perf_counter() - started
        found = adjust(diagnose_inference(error, plan.sent))
        found = await _explained(found, plan, session, elapsed)
        return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
    finally:
        await client.close()
    text, usage, shown = read(data)
    if text is None:
        found = unexpected_diagnosis(plan.endpoint, reading, shown)
        return make_result(plan, latency_s=elapsed, diagnosis=found, **common)
    return make_result(plan, answer=text, latency_s=elapsed, usage=usage, deltas=1, **common)


async def _explained(
    found: Diagnosis, plan: Plan, session: StackSession, elapsed: float
) -> Diagnosis:
    """A timeout explained by Azure's own 429, if Azure is throttling (`throttle`)."""
    from console.inference.throttle import explain_timeout

    return await explain_timeout(
        found,
        plan.sent,
        waited_s=elapsed,
        via=f"the server at {session.url}",
        timeout_key=session.setting("timeout"),
    )


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
