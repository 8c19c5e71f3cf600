"""The provider-data header and what 0.7.3 keeps of it.

Lightspeed sends the Entra token and the Azure base URL in ``X-LlamaStack-Provider-Data``;
0.7.3's ``AzureProviderDataValidator`` drops the whole header when a field is missing or
mistyped (and the server then falls back to the config's ``api_key``), so the stand-in
applies the same validation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

PROVIDER_DATA_HEADER = "x-llamastack-provider-data"


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def azure_provider_data(data: Any) -> dict[str, Any] | None:
    """0.7.3's ``AzureProviderDataValidator``: the data, or None when it would be dropped."""
    if not isinstance(data, dict):
        return None
    if not isinstance(data.get("azure_api_key"), str) or not _is_http_url(
        data.get("azure_api_base")
    ):
        return None
    for optional in ("azure_api_version", "azure_api_type"):
        if data.get(optional) is not None and not isinstance(data[optional], str):
            return None
    return data
