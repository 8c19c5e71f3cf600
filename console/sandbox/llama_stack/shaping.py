"""Upstream completions and chunks re-serialized as 0.7.3 sends them on.

The real server parses Azure's answer into the OpenAI SDK's types and dumps them again:
every OpenAI field in the SDK's order (missing ones as null), then whatever Azure added,
with ``model`` set to the server's model id. Clients see that shape, so the stand-in
reproduces it field for field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

# Field order (and defaults) of the OpenAI types the real server serializes.
_COMPLETION_KEYS = ("id", "choices", "created", "model", "object", "metadata", "moderation",
                    "service_tier", "system_fingerprint", "usage")  # fmt: skip
_CHUNK_KEYS = ("id", "choices", "created", "model", "object", "moderation", "obfuscation",
               "service_tier", "system_fingerprint", "usage")  # fmt: skip
_CHOICE_KEYS = ("finish_reason", "index", "logprobs", "message")
_CHUNK_CHOICE_KEYS = ("delta", "index", "finish_reason", "logprobs")
_MESSAGE_KEYS = ("content", "refusal", "role", "annotations", "audio", "function_call",
                 "tool_calls")  # fmt: skip
_DELTA_KEYS = ("audio", "content", "function_call", "refusal", "role", "tool_calls")
_USAGE_KEYS = ("completion_tokens", "prompt_tokens", "total_tokens", "completion_tokens_details",
               "prompt_tokens_details")  # fmt: skip
_COMPLETION_DETAILS_KEYS = ("accepted_prediction_tokens", "audio_tokens", "reasoning_tokens",
                            "rejected_prediction_tokens", "text_tokens")  # fmt: skip
_PROMPT_DETAILS_KEYS = ("audio_tokens", "cache_write_tokens", "cached_tokens", "image_tokens",
                        "text_tokens")  # fmt: skip


def _ordered(data: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """``keys`` first (None when missing), then whatever else the upstream sent."""
    out = {key: data.get(key) for key in keys}
    out.update({k: v for k, v in data.items() if k not in out})
    return out


def _usage(usage: Any) -> Any:
    if not isinstance(usage, Mapping):
        return usage
    out = _ordered(usage, _USAGE_KEYS)
    for key, keys in (
        ("completion_tokens_details", _COMPLETION_DETAILS_KEYS),
        ("prompt_tokens_details", _PROMPT_DETAILS_KEYS),
    ):
        if isinstance(out[key], Mapping):
            out[key] = _ordered(out[key], keys)
    return out


def shape_completion(data: Mapping[str, Any], model: str) -> dict[str, Any]:
    """An upstream chat completion as the real server re-serializes it."""
    return _shape(data, model, _COMPLETION_KEYS, _CHOICE_KEYS, ("message", _MESSAGE_KEYS))


def shape_chunk(data: Mapping[str, Any], model: str) -> dict[str, Any]:
    """An upstream stream chunk as the real server re-serializes it."""
    return _shape(data, model, _CHUNK_KEYS, _CHUNK_CHOICE_KEYS, ("delta", _DELTA_KEYS))


def _shape(
    data: Mapping[str, Any],
    model: str,
    keys: tuple[str, ...],
    choice_keys: tuple[str, ...],
    inner: tuple[str, tuple[str, ...]],
) -> dict[str, Any]:
    """Keys in the server's order at each level; the model named as the client asked for it;
    each choice's ``message`` (a completion) or ``delta`` (a chunk) ordered too."""
    inner_key, inner_keys = inner
    out = _ordered(data, keys)
    out["model"] = model
    choices = []
    for choice in out["choices"] or []:
        shaped = _ordered(choice, choice_keys)
        if isinstance(shaped[inner_key], Mapping):
            shaped[inner_key] = _ordered(shaped[inner_key], inner_keys)
        choices.append(shaped)
    out["choices"] = choices
    out["usage"] = _usage(out["usage"])
    return out


def dumps(data: Any) -> str:
    """Compact JSON, non-ASCII kept, as the server writes an SSE event's data."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
