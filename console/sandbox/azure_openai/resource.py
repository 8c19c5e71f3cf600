"""The fixed facts of the one Azure OpenAI resource the stand-in plays.

Fixed on purpose: the audience is the one Entra tokens for Azure OpenAI carry, the API
prefix is the v1 path Llama Stack 0.7.3 calls, and ``created``, the fingerprint and the
region are constants so that answers (and the screens showing them) never vary.
"""

from __future__ import annotations

API_PREFIX = "/openai/v1"
DEFAULT_DEPLOYMENTS: tuple[str, ...] = ("gpt-4o-mini",)
SANDBOX_CREATED = 1767225600  # 2026-01-01T00:00:00Z: a fixed `created` keeps snapshots stable
SYSTEM_FINGERPRINT = "fp_sandbox01"
REGION = "Sweden Central"
