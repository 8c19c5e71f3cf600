"""Which server answers, and which provider-data header it reads.

Lightspeed must send the Azure token under the header name its server reads, and the two
names are exclusive: llama-stack 0.x reads only ``X-LlamaStack-Provider-Data`` and OGX
(the project's new name, releases from 1.0) reads only ``X-OGX-Provider-Data``; each
silently ignores the other. Neither says its own name in ``GET /v1/version`` (the answer is
``{"version": "<release>"}``), so the release number decides: 1.0 or later is OGX,
anything else llama-stack. The sandbox stand-in emulates llama-stack 0.7.3 and says so
with an ``x-lightspeed-sandbox: llama-stack`` answer header and a ``+sandbox`` local
version. A version that is not a release number is treated as llama-stack, and the reason
says so; ``--provider-data-header`` forces a name when the version cannot be trusted (a
gateway that answers for the server, a build with a custom version string).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from console.config.azure_rule import PROVIDER_LEVEL_IGNORED

StackKind = Literal["llama-stack", "ogx", "sandbox"]

LLAMA_STACK_HEADER = "X-LlamaStack-Provider-Data"
OGX_HEADER = "X-OGX-Provider-Data"
SANDBOX_MARKER = ("x-lightspeed-sandbox", "llama-stack")
OGX_FIRST_MAJOR = 1
"""OGX releases start at 1.0; every llama-stack release is 0.x."""

_HEADER_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
MAX_RELEASE_DIGITS = 9
"""A release number's part is a few digits; a longer one is not a release."""
_RELEASE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")


class HeaderNameError(ValueError):
    """A ``--provider-data-header`` value that is not a valid HTTP header name."""


def check_header_name(name: str) -> str:
    """``name`` when it is a legal HTTP field name (RFC 9110 token), else `HeaderNameError`."""
    if not _HEADER_TOKEN.match(name):
        raise HeaderNameError(f"{name!r} is not a valid HTTP header name")
    return name


def release_of(version: str) -> tuple[int, ...] | None:
    """The numeric release of a version string (``"0.7.3+sandbox"`` -> (0, 7, 3))."""
    match = _RELEASE.match(version)
    if match is None:
        return None
    parts = match.group(1).split(".")
    if any(len(part) > MAX_RELEASE_DIGITS for part in parts):
        return None  # not a release number (and int() refuses 4,300 digits and more)
    return tuple(int(part) for part in parts)


def stack_kind(version: str, *, sandbox_marker: bool = False) -> StackKind:
    """Which server this is, from the version answer (and the sandbox's answer header)."""
    if sandbox_marker or "sandbox" in version.partition("+")[2]:
        return "sandbox"
    release = release_of(version)
    if release is not None and release[0] >= OGX_FIRST_MAJOR:
        return "ogx"
    return "llama-stack"


def choose_header(version: str, kind: StackKind, forced: str | None = None) -> tuple[str, str, str]:
    """(header to send, why, header the server reads) for a server of ``kind``."""
    if kind == "ogx":
        reads = OGX_HEADER
        why = f"version {version} is OGX (1.0 or later), which reads only {OGX_HEADER}"
    elif kind == "sandbox":
        reads = LLAMA_STACK_HEADER
        why = f"the sandbox stand-in emulates llama-stack 0.7.3, which reads {reads}"
    elif release_of(version) is None:
        reads = LLAMA_STACK_HEADER
        why = (
            f"version {version!r} is not a release number; assuming llama-stack 0.x "
            "(force another with --provider-data-header)"
        )
    else:
        reads = LLAMA_STACK_HEADER
        why = f"llama-stack {version} (0.x) reads only {reads}"
    if forced is not None:
        name = check_header_name(forced)
        return name, f"forced with --provider-data-header (the server reads {reads})", reads
    return reads, why, reads


@dataclass(frozen=True)
class ServerFacts:
    """What a server generation does with what Lightspeed sends it, for the operator.

    Each sentence is pinned by ``tests/integration/test_server_generations.py`` against the
    real servers (llama-stack 0.7.3, OGX 1.2.5 and the newest OGX).
    """

    header: str
    """The provider-data header it reads, and that it ignores the other one."""
    model_validation: str
    """What Lightspeed's ``model_validation: false`` enrichment does there."""
    tls: str
    """Whether it serves TLS."""

    def lines(self, *, library: bool = False) -> tuple[str, ...]:
        """The facts, labelled, for a detail list (in library mode there is no TLS to serve)."""
        facts = (f"provider data: {self.header}", f"model_validation: {self.model_validation}")
        return facts if library else (*facts, f"TLS: {self.tls}")


_MODEL_VALIDATION = PROVIDER_LEVEL_IGNORED


def server_facts(kind: StackKind) -> ServerFacts:
    """The facts of a server of ``kind`` (the sandbox stand-in answers like llama-stack 0.7.3)."""
    if kind == "ogx":
        return ServerFacts(
            header=f"reads {OGX_HEADER} only; {LLAMA_STACK_HEADER} is ignored",
            model_validation=_MODEL_VALIDATION,
            tls="refuses to start without TLS (server.tls_certfile/tls_keyfile) unless "
            "--insecure; trust a private CA with --stack-ca-bundle",
        )
    return ServerFacts(
        header=f"reads {LLAMA_STACK_HEADER} only; {OGX_HEADER} is ignored",
        model_validation=_MODEL_VALIDATION,
        tls="plain HTTP unless server.tls_certfile/tls_keyfile are set",
    )
