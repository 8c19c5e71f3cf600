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

SECRET_KEY_ENDINGS = (
    *("secret", "password", "passwd", "passphrase", "token", "credential", "credentials"),
    *("apikey", "privatekey", "secretkey", "accesskey", "accountkey", "subscriptionkey"),
)
"""How the name of a key that holds a secret ends, once its separators are dropped:
``client_secret``, ``api_key``, ``x-api-key``, ``accessToken``, ``tls_key_password``. The
name must *end* so: ``tokenizer_path``, ``max_tokens``, ``token_endpoint``, ``secret_name``
and ``password_file`` name a path, a count, a URL, a name and a file, not a secret."""

_SEPARATORS = re.compile(r"[^a-z0-9]+")
_JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def _value(secret: SecretStr | str) -> str:
    """The text of a secret, whether held as `SecretStr` or as a plain string."""
    return secret if isinstance(secret, str) else secret.get_secret_value()


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a config key names a secret (so its value is masked wherever it is shown).

    Cached: a large run.yaml asks about the same few key names hundreds of thousands of times.
    """
    return _SEPARATORS.sub("", key.lower()).endswith(SECRET_KEY_ENDINGS)


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


def scrub(text: str, secrets: Iterable[SecretStr | str | None] = (), *, jwts: bool = True) -> str:
    """Remove known secret values and anything shaped like a JWT from free text.

    Used on messages that come from elsewhere (SDK exceptions, server error bodies) before
    they are shown, because those may echo a token or a secret back, and not always as
    written: a form body or a URL echoes it percent-encoded, a JSON body escaped. Each
    secret is masked in all of those forms (`encoded_forms`). ``jwts=False`` leaves
    JWT-shaped text alone, for output where the operator asked to see a token.
    """
    forms: set[str] = set()
    for secret in secrets:
        if secret is not None:
            forms.update(encoded_forms(_value(secret)))
    if forms:  # one pass; the alternation tries a longer form before its parts
        patterns = [_pattern(form) for form in sorted(forms, key=len, reverse=True)]
        text = re.sub("|".join(patterns), MASK, text)
    return _JWT_PATTERN.sub(MASK, text) if jwts else text


def encoded_forms(value: str) -> set[str]:
    """``value`` as written, percent-encoded (``quote``, ``quote_plus``) and JSON-escaped
    (ASCII-only or not); forms under 4 characters are left out, as masking them would mask
    ordinary text. The hex digits of a percent escape match in either case (`scrub`)."""
    import json
    from urllib.parse import quote, quote_plus

    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms.update((quote(value, safe=""), quote(value), quote_plus(value)))
    return {form for form in forms if len(form) >= 4}


_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def _pattern(form: str) -> str:
    """``form`` as a regular expression: literal, but ``%2F`` also matches ``%2f``."""
    parts: list[str] = []
    last = 0
    for escape in _PERCENT.finditer(form):
        parts.append(re.escape(form[last : escape.start()]))
        parts.append(f"(?i:{re.escape(escape.group())})")
        last = escape.end()
    parts.append(re.escape(form[last:]))
    return "".join(parts)
