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
from typing import Literal

StackKind = Literal["llama-stack", "ogx", "sandbox"]

LLAMA_STACK_HEADER = "X-LlamaStack-Provider-Data"
OGX_HEADER = "X-OGX-Provider-Data"
SANDBOX_MARKER = ("x-lightspeed-sandbox", "llama-stack")
OGX_FIRST_MAJOR = 1
"""OGX releases start at 1.0; every llama-stack release is 0.x."""

_HEADER_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
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
    return tuple(int(part) for part in match.group(1).split("."))


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
