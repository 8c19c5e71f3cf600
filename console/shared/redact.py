"""The one place that decides how a secret is shown.

Every text the console produces (tables, JSON, screens, logs, exceptions, the curl text)
passes secrets through here. Showing a secret in clear is an explicit act: callers ask for
``reveal=True`` and only an operator's command sets it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic costs ~0.3 s to import; the first frame must not pay it here
    from pydantic import SecretStr

MASK = "********"
"""What a hidden secret looks like: the same eight stars llama-stack uses in provider listings."""

_SECRET_KEY_PATTERN = re.compile(
    r"(secret|password|passwd|api[_-]?key|api[_-]?token|access[_-]?token|token|credential)",
    re.IGNORECASE,
)
_JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def _value(secret: SecretStr | str) -> str:
    """The text of a secret, whether held as `SecretStr` or as a plain string."""
    return secret if isinstance(secret, str) else secret.get_secret_value()


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a config key names a secret (so its value is masked wherever it is shown).

    Cached: a large run.yaml asks about the same few key names hundreds of thousands of times.
    """
    return bool(_SECRET_KEY_PATTERN.search(key))


def show(secret: SecretStr | str | None, *, reveal: bool = False) -> str:
    """Render a secret for display: masked unless the operator asked to reveal it."""
    if secret is None:
        return "(not set)"
    value = _value(secret)
    if reveal:
        return value
    if value == "":
        return "(empty)"
    return MASK


def describe(secret: SecretStr | str | None) -> str:
    """A masked secret with its length, so an operator can tell a pasted ID from a value."""
    if secret is None:
        return "(not set)"
    value = _value(secret)
    if value == "":
        return "(empty)"
    return f"{MASK} ({len(value)} chars)"


def scrub(text: str, secrets: Iterable[SecretStr | str | None] = ()) -> str:
    """Remove known secret values and anything shaped like a JWT from free text.

    Used on messages that come from elsewhere (SDK exceptions, server error bodies) before
    they are shown, because those may echo a token or a secret back.
    """
    for secret in secrets:
        if secret is None:
            continue
        value = _value(secret)
        if len(value) >= 4:
            text = text.replace(value, MASK)
    return _JWT_PATTERN.sub(MASK, text)
