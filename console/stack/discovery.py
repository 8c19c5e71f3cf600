"""The Azure base URL as Lightspeed discovers it, compared with the run.yaml under review.

Lightspeed does not read run.yaml for the base URL it puts in the provider data: at
startup it asks the server (``providers.list()``) and takes ``config.base_url`` of the
first ``remote::azure`` provider that has one. When the server runs another run.yaml than
the one the operator reviewed and enriched (another file, other env values, an older
deployment), both still "work" on their own, and only a side-by-side comparison shows it.
This module is that comparison; it is pure (no I/O), so the CLI and the screens share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from console.config.loaded import Loaded
from console.config.review import V1_SUFFIX
from console.shared.azure import AZURE_PROVIDER_TYPE
from console.shared.findings import Finding, Severity
from console.stack.providers import ProviderView


@dataclass(frozen=True)
class Discovery:
    """What Lightspeed would discover, what run.yaml says, and what differs.

    ``azure_base_url`` is None when Lightspeed would find none: it then builds no provider
    data and sends no header at all. ``mismatch`` is True only when both sides have a URL
    and they differ (beyond a trailing slash or the case of scheme and host).
    """

    azure_base_url: str | None
    provider_id: str | None
    static_base_url: str | None
    static_provider_id: str | None
    mismatch: bool
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "azure_base_url": self.azure_base_url,
            "provider_id": self.provider_id,
            "static_base_url": self.static_base_url,
            "static_provider_id": self.static_provider_id,
            "mismatch": self.mismatch,
            "findings": [finding.to_dict() for finding in self.findings],
        }


def lightspeed_base_url(providers: Sequence[ProviderView]) -> ProviderView | None:
    """The provider whose base URL Lightspeed uses: the first remote::azure one with one.

    Same rule as Lightspeed's ``get_azure_base_url``: providers in the server's order,
    ``provider_type == "remote::azure"``, ``config.base_url`` not None.
    """
    for provider in providers:
        if provider.provider_type == AZURE_PROVIDER_TYPE and provider.base_url is not None:
            return provider
    return None


def same_url(left: str, right: str) -> bool:
    """Equal as endpoints: a trailing slash and the case of scheme and host do not matter."""

    def key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url.strip().rstrip("/"))
        return (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"))

    return key(left) == key(right)


def discover(live: Sequence[ProviderView], loaded: Loaded | None = None) -> Discovery:
    """Compare the server's providers with the loaded run.yaml (when there is one)."""
    chosen = lightspeed_base_url(live)
    chosen_url = chosen.base_url if chosen is not None else None
    findings: list[Finding] = []
    skipped = [
        p
        for p in live
        if p.provider_type == AZURE_PROVIDER_TYPE
        and p.base_url is None
        and (chosen is None or live.index(p) < live.index(chosen))
    ]
    for provider in skipped:
        findings.append(
            Finding(
                code="live-azure-no-base-url",
                severity=Severity.WARNING,
                file=None,
                line=None,
                message=(
                    f"the server's remote::azure provider {provider.provider_id} has no "
                    "config.base_url; Lightspeed skips it"
                ),
                remedy="Set config.base_url to https://<resource>.openai.azure.com/openai/v1 "
                "in the run.yaml the server runs.",
            )
        )
    if chosen_url is None:
        findings.append(
            Finding(
                code="live-no-azure-base-url",
                severity=Severity.ERROR,
                file=None,
                line=None,
                message=(
                    "the server lists no remote::azure provider with a config.base_url: "
                    "Lightspeed discovers no base URL, builds no provider data and sends no "
                    "token, so Azure inference fails (400 'API key not provided')"
                ),
                remedy="Add a remote::azure inference provider with config.base_url to the "
                "run.yaml the server runs, and restart it.",
            )
        )
    elif not chosen_url.rstrip("/").endswith(V1_SUFFIX):
        findings.append(
            Finding(
                code="live-base-url-not-v1",
                severity=Severity.ERROR,
                file=None,
                line=None,
                message=(
                    f"the server's base_url {chosen_url} does not end in {V1_SUFFIX}; "
                    "llama-stack 0.7 sends no api-version, so only the v1 endpoint answers"
                ),
                remedy=f"Set config.base_url to https://<resource>.openai.azure.com{V1_SUFFIX} "
                "in the run.yaml the server runs.",
            )
        )

    static = loaded.azure_providers[0] if loaded is not None and loaded.azure_providers else None
    static_url = static.config.get("base_url") if static is not None else None
    static_text = static_url if isinstance(static_url, str) else None
    mismatch = (
        chosen_url is not None and static_text is not None and not same_url(chosen_url, static_text)
    )
    if mismatch and loaded is not None and loaded.run is not None and static is not None:
        findings.append(
            Finding(
                code="base-url-mismatch",
                severity=Severity.ERROR,
                file=loaded.run.path,
                line=static.line,
                message=(
                    f"the server uses {chosen_url} but this run.yaml "
                    f"says {static_text}: the server runs another run.yaml (or other env "
                    "values) than the one reviewed here"
                ),
                remedy="Review the run.yaml the server actually runs (pass it with "
                "--run-config), or restart the server from this one.",
            )
        )
    elif chosen is not None and loaded is not None and loaded.run is not None and static is None:
        findings.append(
            Finding(
                code="static-no-azure-provider",
                severity=Severity.WARNING,
                file=loaded.run.path,
                line=None,
                message="the server has a remote::azure provider but this run.yaml has none: "
                "it is not the file the server runs",
                remedy="Pass the server's run.yaml with --run-config.",
            )
        )
    return Discovery(
        azure_base_url=chosen_url,
        provider_id=chosen.provider_id if chosen else None,
        static_base_url=static_text,
        static_provider_id=static.provider_id if static else None,
        mismatch=mismatch,
        findings=tuple(findings),
    )
