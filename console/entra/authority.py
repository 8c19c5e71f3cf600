"""Which Entra ID authority a token request goes to, and whether to trust its name.

azure-identity takes the authority from its ``authority=`` argument, else from
``AZURE_AUTHORITY_HOST``, else the public cloud; the console resolves it the same way, but
up front, so it can say which one it picked and why, accept sovereign clouds by name, and
refuse ``http://`` with a `Diagnosis` instead of the SDK's ValueError.

Instance discovery (MSAL asking login.microsoftonline.com whether an authority is a real
Microsoft cloud) only helps for the public cloud; for any other authority it is disabled,
as a sovereign or private authority would otherwise fail it or leak a request to the
public cloud.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from console.entra.errors import TokenError, insecure_authority
from console.shared.azure import PUBLIC_AUTHORITY_HOST
from console.shared.diagnosis import Diagnosis
from console.shared.hostnames import url_host_problem

PUBLIC_HOST = PUBLIC_AUTHORITY_HOST
ENV_VAR = "AZURE_AUTHORITY_HOST"

CLOUDS: dict[str, str] = {
    "public": PUBLIC_HOST,
    "azure": PUBLIC_HOST,
    "usgov": "login.microsoftonline.us",
    "china": "login.chinacloudapi.cn",
}
"""Cloud names an operator may type instead of a URL, and their authority hosts."""

ACCEPTED_FORMS = "an https:// URL or host name, or public, usgov, china"
"""What ``--authority`` takes, as the console says it."""


@dataclass(frozen=True, slots=True)
class Authority:
    """A resolved authority: its URL, where the choice came from, and discovery."""

    url: str
    source: str
    """``--authority``, the deployment's entry (``settings.toml:8:
    deployments.NAME.authority``), ``AZURE_AUTHORITY_HOST`` (with the env file and line
    that set it, if one did) or ``default``: shown to the operator."""

    @property
    def described(self) -> str:
        """Its URL and where it was chosen: ``https://login.example (from --authority)``."""
        source = "the default" if self.source == "default" else self.source
        return f"{self.url} (from {source})"

    @property
    def host(self) -> str:
        """The host (and port) part of the URL."""
        return urlsplit(self.url).netloc

    @property
    def is_public(self) -> bool:
        """Whether this is the public Azure cloud (the only one instance discovery is for)."""
        return self.host.lower() == PUBLIC_HOST

    @property
    def disable_instance_discovery(self) -> bool:
        """The ``disable_instance_discovery`` argument the credential gets."""
        return not self.is_public


def resolve_authority(
    value: str | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    source: str | None = None,
    env_source: str | None = None,
) -> Authority:
    """The authority for ``value`` (a URL, a host or a cloud name), else the env, else public.

    ``source`` says where ``value`` came from when not from ``--authority`` (a deployment's
    entry); ``env_source`` where ``AZURE_AUTHORITY_HOST`` came from (an env file's line).

    Raises `TokenError` (code ``INSECURE_AUTHORITY`` or ``BAD_AUTHORITY``) for an authority
    that is not an HTTPS URL, as azure-identity would refuse it with a ValueError.
    """
    env = os.environ if environ is None else environ
    if value is not None and value.strip():
        return Authority(_normalise(value.strip()), source or "--authority")
    from_env = env.get(ENV_VAR, "").strip()
    if from_env:
        return Authority(
            _normalise(from_env), f"{ENV_VAR} ({env_source})" if env_source else ENV_VAR
        )
    return Authority(f"https://{PUBLIC_HOST}", "default")


def authority_problem(value: str) -> str | None:
    """Why ``value`` cannot name an authority at all (a typo, not a URL), or None.

    ``http://`` is a well-formed authority azure-identity refuses: `resolve_authority`
    explains that one as a `Diagnosis` (``INSECURE_AUTHORITY``), so it passes here.
    """
    value = value.strip()
    if not value or value.lower() in CLOUDS:
        return None
    url = value if "://" in value else f"https://{value}"
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("https", "http"):
        return f"{scheme}:// is not https://"
    return url_host_problem(url)


def _normalise(value: str) -> str:
    named = CLOUDS.get(value.lower())
    if named is not None:
        return f"https://{named}"
    parts = urlsplit(value if "://" in value else f"https://{value}")
    if parts.scheme.lower() == "http":
        raise TokenError(insecure_authority(value))
    if parts.scheme.lower() != "https" or authority_problem(value) is not None:
        raise TokenError(_bad_authority(value))
    return f"https://{parts.netloc}{parts.path}".rstrip("/")


def _bad_authority(value: str) -> Diagnosis:
    return Diagnosis(
        "BAD_AUTHORITY",
        "Authority is not a URL",
        "The authority must be an https:// URL, a host name, or a cloud name"
        + (f" ({problem})." if (problem := authority_problem(value)) else "."),
        f"Use --authority (or {ENV_VAR}) with {ACCEPTED_FORMS}.",
        value,
    )
