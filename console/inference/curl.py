"""A request as a curl command an operator can paste into a shell, and it runs.

When a test inference fails, the fastest next step is to replay it by hand (from the
pod, past the proxy, against another server). The command is built from the same header
and body the console sent, with what makes it run as it is: ``--cacert`` for a server whose
certificate comes from a private CA, and the Entra token as ``$TOKEN`` inside the
provider-data header, after the one line that fills it the way Lightspeed gets it
(`token_line`: ``TOKEN="$(lightspeed-console token ... --raw)"``). Other secrets (the
server's own api_key) are masked through `console.shared.redact`; the caller passes
``reveal=True`` only when the operator asked for it explicitly, and the token is then
written as it is.
"""

from __future__ import annotations

import itertools
import json
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from console.shared.redact import scrub

if TYPE_CHECKING:
    from console.settings.target import Target

TOKEN_VARIABLE = "TOKEN"  # noqa: S105 - the name of a shell variable
_SLOT = "LIGHTSPEED_CONSOLE_TOKEN_SLOT"
"""Where the token goes while the command is quoted (letters and underscores only, so
quoting leaves it whole)."""
PROGRAM = "lightspeed-console"


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: Any | None = None,
    *,
    stream: bool = False,
    secrets: Iterable[SecretStr | str | None] = (),
    reveal: bool = False,
    token: SecretStr | None = None,
    fill_token: str | None = None,
    cacert: Path | None = None,
) -> str:
    """``curl`` with one header per line; ``secrets`` (and anything JWT-shaped) masked.

    ``headers`` are given as they would be sent. Unless ``reveal``, ``token`` is written as
    ``$TOKEN`` wherever it is in them (the provider-data JSON included), and ``fill_token``
    (`token_line`) comes first, so the text runs as pasted; masking happens on the finished
    text, so a secret inside a JSON header value is caught as well as one in
    ``Authorization``. ``cacert``: the CA bundle the server's certificate is checked with.
    """
    value = token.get_secret_value() if token is not None else ""
    as_variable = bool(value) and not reveal
    parts = ["curl -sS" + (" -N" if stream else "")]
    if method.upper() != ("POST" if body is not None else "GET"):
        parts[0] += f" -X {method.upper()}"
    if cacert is not None:
        parts.append(f"--cacert {shlex.quote(str(cacert))}")
    parts.append(shlex.quote(url))
    for name, header in headers.items():
        sent = header.replace(value, _SLOT) if as_variable else header
        parts.append(f"-H {_quote_with_token(f'{name}: {sent}')}")
    if body is not None:
        parts.append(f"-d {shlex.quote(json.dumps(body, ensure_ascii=False))}")
    text = " \\\n  ".join(parts)
    if as_variable:
        text = f"{fill_token or _UNFILLED}\n{text}"
    return text if reveal else scrub(text, list(secrets))


_UNFILLED = (
    f"# {TOKEN_VARIABLE}: an Entra ID access token for the deployment ({PROGRAM} token --raw)"
)


def _quote_with_token(word: str) -> str:
    """``word`` quoted for a shell, the token's slot made ``$TOKEN`` (expanded, not quoted)."""
    quoted = shlex.quote(word)
    variable = f'"${TOKEN_VARIABLE}"'
    if quoted.startswith("'"):
        return quoted.replace(_SLOT, f"'{variable}'")
    return quoted.replace(_SLOT, variable)


def token_line(target: Target) -> str:
    """``TOKEN="$(lightspeed-console token ... --raw)"``: the token for ``target``, as
    Lightspeed gets it, with the same deployment, env file, authority and CA bundle."""
    words = [PROGRAM, "token"]
    options = target.options
    if target.deployment is not None and target.settings_file is not None:
        words += ["-d", target.deployment, "--settings", str(target.settings_file)]
        given = [key for key in ("authority", "ca_bundle") if key not in options.sources]
    else:
        if target.lightspeed_config is not None:
            words += ["-c", str(target.lightspeed_config)]
        if target.env_file is not None:
            words += ["--env-file", str(target.env_file)]
        given = ["authority", "ca_bundle"]
    if "authority" in given and options.authority:
        words += ["--authority", options.authority]
    if "ca_bundle" in given and options.ca_bundle is not None:
        words += ["--ca-bundle", str(options.ca_bundle)]
    command = " ".join(shlex.quote(word) for word in [*words, "--raw"])
    return f'{TOKEN_VARIABLE}="$({command})"'


def sent_request(curl: str) -> tuple[list[str], str | None]:
    """The headers (``Name: value``) and the body a rendered `curl_command` sends, read
    back from its text, the token variable shown masked as every secret is."""
    from console.shared.redact import MASK

    words = [word for word in shlex.split(curl, comments=True) if word.strip()]
    pairs = list(itertools.pairwise(words))
    token = f"${TOKEN_VARIABLE}"
    headers = [word.replace(token, MASK) for flag, word in pairs if flag == "-H"]
    body = next((word for flag, word in pairs if flag == "-d"), None)
    return headers, body
