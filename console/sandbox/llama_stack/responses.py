"""A small Responses API for the Llama Stack stand-in: text in, one message out.

Served only when ``responses`` is among the run.yaml's ``apis``. The input becomes one chat
completion upstream; an Azure failure is a 500 (or, streamed, a ``response.failed`` event),
as on the real server. Streams are named SSE events with sequence numbers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from console.sandbox.llama_stack.errors import (
    MSG_INTERNAL,
    MSG_MODEL_NOT_FOUND,
    MSG_NO_KEY,
    validation_error,
)
from console.sandbox.llama_stack.handlers import StackHandlers
from console.sandbox.llama_stack.identity import (
    SANDBOX_CREATED,
    SANDBOX_HEADER,
    SANDBOX_HEADER_VALUE,
)
from console.sandbox.llama_stack.shaping import dumps
from console.sandbox.llama_stack.upstream import UpstreamError


def response_object(
    response_id: str,
    *,
    model: str,
    status: str,
    text: str | None,
    usage: Mapping[str, Any],
    error: str | None,
) -> dict[str, Any]:
    """A Responses API ``response`` object: ``text`` as its one message, if any."""
    output: list[dict[str, Any]] = []
    if text is not None:
        output.append(
            {
                "content": [{"text": text, "type": "output_text", "annotations": []}],
                "role": "assistant",
                "type": "message",
                "id": response_id.replace("resp_", "msg_"),
                "status": "completed",
            }
        )
    return {
        "created_at": SANDBOX_CREATED,
        "error": None if error is None else {"code": "server_error", "message": error},
        "id": response_id,
        "model": model,
        "object": "response",
        "output": output,
        "parallel_tool_calls": False,
        "previous_response_id": None,
        "status": status,
        "text": {"format": {"type": "text"}},
        "usage": {
            "input_tokens": int(usage.get("prompt_tokens") or 0),
            "output_tokens": int(usage.get("completion_tokens") or 0),
            "total_tokens": int(usage.get("total_tokens") or 0),
        }
        if usage
        else None,
    }


class ResponsesApi(StackHandlers):
    """``POST /v1/responses``."""

    async def responses(self, request: Request) -> Response:
        """A small Responses API: text input in, one message out; Azure errors become 500."""
        refused = await self._gate(request)
        if refused is not None:
            return refused
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict) or "model" not in body or "input" not in body:
            return self._error(
                request, 400, validation_error(body) or "input required", closes=False
            )
        model_id = str(body["model"])
        model = self.stand_in.model(model_id)
        if model is None:
            return self._error(
                request, 404, MSG_MODEL_NOT_FOUND.format(model=model_id), closes=False
            )
        provider = self.stand_in.provider(model.provider_id)
        key = self._api_key(request, provider) if provider else None
        if provider is None or key is None:
            return self._error(
                request, 400 if provider else 500, MSG_NO_KEY if provider else MSG_INTERNAL
            )
        raw_input = body["input"]
        messages = (
            [{"role": "user", "content": raw_input}]
            if isinstance(raw_input, str)
            else list(raw_input)
        )
        if body.get("instructions"):
            messages.insert(0, {"role": "system", "content": body["instructions"]})
        number = self.stand_in.next_number()
        response_id = f"resp_sandbox{number:06d}"
        upstream = self.upstream()
        try:
            answer = await upstream.send(
                "POST",
                f"{provider.base_url}/chat/completions",
                key,
                {"model": model.provider_resource_id, "messages": messages},
                stream=False,
            )
            completion = answer.json()
            text = str(completion["choices"][0]["message"]["content"] or "")
            usage = completion.get("usage") or {}
        except (UpstreamError, ValueError, KeyError, IndexError, TypeError) as exc:
            if body.get("stream"):
                failed = response_object(
                    response_id,
                    model=model_id,
                    status="failed",
                    text=None,
                    usage={},
                    error=str(exc),
                )
                return self._sse(request, [("response.failed", {"response": failed})])
            return self._error(request, 500, MSG_INTERNAL)
        finally:
            await upstream.aclose()
        done = response_object(
            response_id, model=model_id, status="completed", text=text, usage=usage, error=None
        )
        if not body.get("stream"):
            return self._json(request, done)
        started = response_object(
            response_id, model=model_id, status="in_progress", text=None, usage={}, error=None
        )
        events: list[tuple[str, dict[str, Any]]] = [
            ("response.created", {"response": started}),
            ("response.output_text.delta", {"delta": text, "item_id": f"msg_sandbox{number:06d}",
                                             "output_index": 0, "content_index": 0}),
            ("response.completed", {"response": done}),
        ]  # fmt: skip
        return self._sse(request, events)

    def _sse(self, request: Request, events: list[tuple[str, dict[str, Any]]]) -> Response:
        self._record(request, 200)

        async def body() -> AsyncIterator[str]:
            for number, (kind, data) in enumerate(events, start=1):
                payload = dumps({**data, "type": kind, "sequence_number": number})
                yield f"event: {kind}\ndata: {payload}\n\n"

        return StreamingResponse(
            body(), media_type="text/event-stream", headers={SANDBOX_HEADER: SANDBOX_HEADER_VALUE}
        )
