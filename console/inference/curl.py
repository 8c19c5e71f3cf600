"""A request as a curl command an operator can paste into a shell.

When a test inference fails, the fastest next step is to replay it by hand (from the
pod, past the proxy, against another server). The command is built from the same header
and body the console sent. Secrets are masked by default through `console.shared.redact`; the
caller passes ``reveal=True`` only when the operator asked for it explicitly.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import SecretStr

from console.shared.redact import scrub


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: Any | None = None,
    *,
    stream: bool = False,
    secrets: Iterable[SecretStr | str | None] = (),
    reveal: bool = False,
) -> str:
    """``curl`` with one header per line; ``secrets`` (and anything JWT-shaped) masked.

    ``headers`` are given as they would be sent; masking happens on the finished text, so
    a secret inside a JSON header value is caught as well as one in ``Authorization``.
    """
    parts = ["curl -sS" + (" -N" if stream else "")]
    if method.upper() != ("POST" if body is not None else "GET"):
        parts[0] += f" -X {method.upper()}"
    parts.append(shlex.quote(url))
    for name, value in headers.items():
        parts.append(f"-H {shlex.quote(f'{name}: {value}')}")
    if body is not None:
        parts.append(f"-d {shlex.quote(json.dumps(body, ensure_ascii=False))}")
    text = " \\\n  ".join(parts)
    return text if reveal else scrub(text, list(secrets))
