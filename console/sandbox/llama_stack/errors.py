"""The Llama Stack stand-in's error texts and request validation, worded as 0.7.3's.

The console's diagnosis reads these texts, so they are the real server's, down to the
``str()`` of a pydantic error list in a 400.
"""

from __future__ import annotations

from typing import Any

MSG_INTERNAL = "Internal server error: An unexpected error occurred."
MSG_NO_KEY = (
    "API key not provided. Please provide a valid API key in the provider data header, e.g. "
    'x-llamastack-provider-data: {"azure_api_key": "<API_KEY>"}.'
)
MSG_MODEL_NOT_FOUND = (
    "Model '{model}' not found. Use 'client.models.list()' to list available Models."
)
NOT_JSON_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The proxy could not reach the upstream.</p></body></html>"
)


def validation_error(body: Any) -> str | None:
    """The 400 text for a body 0.7.3 rejects, for the two mistakes a client makes."""
    errors: list[dict[str, Any]] = []
    if not isinstance(body, dict):
        return str({"errors": [{"loc": ["body"], "msg": "Field required", "type": "missing"}]})
    if "model" not in body:
        errors.append({"loc": ["body", "model"], "msg": "Field required", "type": "missing"})
    messages = body.get("messages")
    if messages is None:
        errors.append({"loc": ["body", "messages"], "msg": "Field required", "type": "missing"})
    elif isinstance(messages, list) and not messages:
        errors.append(
            {
                "loc": ["body", "messages"],
                "msg": "List should have at least 1 item after validation, not 0",
                "type": "too_short",
            }
        )
    return str({"errors": errors}) if errors else None
