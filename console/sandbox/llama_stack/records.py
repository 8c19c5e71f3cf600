"""What the Llama Stack stand-in keeps of each request: which provider-data keys came.

The header carries a token, so only its keys are kept: enough to check that the console
sent ``azure_api_key`` and ``azure_api_base`` without storing either.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StackRequest:
    """One request as the stand-in saw it: which provider-data keys came, never their values."""

    method: str
    path: str
    provider_data_keys: tuple[str, ...] | None
    status: int | None
    started_at: float
