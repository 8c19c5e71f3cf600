"""What the Azure OpenAI stand-in answers a chat with: deterministic, in Azure's shape.

The reply is ``Echo: <last user message>``, usage counts one token per word, and ids and
``created`` are fixed or derived from a request counter, so screen snapshots are stable.
Azure's own extras are kept (``prompt_filter_results``, ``content_filter_results``, the
leading stream chunk with empty ``choices``), because the clients in between must cope.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from console.sandbox.azure_openai.resource import SANDBOX_CREATED, SYSTEM_FINGERPRINT

_NO_FILTER = {"filtered": False, "severity": "safe"}
_CONTENT_FILTER_RESULTS: dict[str, Any] = {
    "hate": _NO_FILTER,
    "self_harm": _NO_FILTER,
    "sexual": _NO_FILTER,
    "violence": _NO_FILTER,
}
_PROMPT_FILTER_RESULTS: list[dict[str, Any]] = [
    {"prompt_index": 0, "content_filter_results": {**_CONTENT_FILTER_RESULTS, "jailbreak": {
        "filtered": False, "detected": False}}}
]  # fmt: skip


def _text_of(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict)
        ).strip()
    return ""


def echo_reply(messages: Sequence[Any]) -> str:
    """``Echo: <last user message>``: the reply the stand-in gives to every chat."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return f"Echo: {_text_of(message.get('content'))}"
    return "Echo: "


def _count_words(text: str) -> int:
    return len(text.split())


def usage_for(messages: Sequence[Any], reply: str) -> dict[str, Any]:
    """Deterministic usage: one token per whitespace-separated word."""
    prompt = sum(_count_words(_text_of(m.get("content"))) for m in messages if isinstance(m, dict))
    completion = _count_words(reply)
    return {
        "completion_tokens": completion,
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
        "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
        "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
    }


def stream_pieces(reply: str) -> list[str]:
    """How a reply is cut into stream deltas: word by word, keeping the spaces."""
    return re.findall(r"\S+\s*|\s+", reply) or [""]


def completion(completion_id: str, model: str, reply: str, usage: dict[str, Any]) -> dict[str, Any]:
    """The chat completion Azure sends for ``reply`` when the request does not stream."""
    return {
        "choices": [
            {
                "content_filter_results": _CONTENT_FILTER_RESULTS,
                "finish_reason": "stop",
                "index": 0,
                "logprobs": None,
                "message": {
                    "annotations": [],
                    "content": reply,
                    "refusal": None,
                    "role": "assistant",
                },
            }
        ],
        "created": SANDBOX_CREATED,
        "id": completion_id,
        "model": model,
        "object": "chat.completion",
        "prompt_filter_results": _PROMPT_FILTER_RESULTS,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "usage": usage,
    }


def stream_events(
    completion_id: str,
    model: str,
    reply: str,
    usage: dict[str, Any],
    include_usage: bool,
) -> list[dict[str, Any]]:
    """The SSE events Azure streams for ``reply``, in order (``[DONE]`` not included)."""

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "choices": choices,
            "created": SANDBOX_CREATED,
            "id": completion_id,
            "model": model,
            "object": "chat.completion.chunk",
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
        if include_usage:
            body["usage"] = None
        body.update(extra)
        return body

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "content_filter_results": {} if finish or not delta.get("content") else
            _CONTENT_FILTER_RESULTS,
            "delta": delta,
            "finish_reason": finish,
            "index": 0,
            "logprobs": None,
        }  # fmt: skip

    events: list[dict[str, Any]] = [
        # Azure opens every stream with the prompt's filter results and no choices.
        {"choices": [], "created": 0, "id": "", "model": "", "object": "",
         "prompt_filter_results": _PROMPT_FILTER_RESULTS},
        chunk([choice({"content": "", "refusal": None, "role": "assistant"})]),
        *(chunk([choice({"content": piece})]) for piece in stream_pieces(reply)),
        chunk([choice({}, "stop")]),
    ]  # fmt: skip
    if include_usage:
        events.append(chunk([], usage=usage))
    return events
