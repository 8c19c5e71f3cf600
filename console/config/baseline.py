"""Lightspeed's default synthesis baseline: read from where Lightspeed keeps it, never copied.

Unified mode starts from ``data/default_run.yaml`` of the lightspeed-stack package unless
the file names a profile or ``baseline: empty``. The console does not carry a copy (it
would drift from the Lightspeed that operators run); it reads the file of a lightspeed-stack
distribution, as files (the 0.7.1 wheel installs but cannot be imported): the one given
with ``--baseline``, else one installed beside the console, else lightspeed-stack 0.7.1's,
which it builds on first use in the server cache it keeps for the releases (uv, under a
lock, never half-made; a few MB, read as files). When none can be had (offline, no uv, a
cache that cannot be written) it says why, and what that leaves out.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.config.yamlio import line_at, read_yaml_file, to_plain

DISTRIBUTION = "lightspeed-stack"
BASELINE_FILE = "data/default_run.yaml"
"""Where the shipped baseline sits in the distribution (a top-level ``data`` package)."""


@dataclass(frozen=True)
class DefaultBaseline:
    """The shipped default baseline, or why it is not known."""

    document: dict[str, Any] | None
    where: str
    """``lightspeed-stack 0.7.1 (.../data/default_run.yaml)``, ``--baseline FILE``, or ``-``."""
    reason: str = ""
    """Why ``document`` is None."""
    source: Any = field(default=None, repr=False, compare=False)
    """The round-trip document, for line numbers."""
    path: Path | None = None
    """The file it was read from (for messages naming its lines)."""

    def line(self, path: tuple[str | int, ...]) -> int | None:
        """The line of ``path`` in the baseline file."""
        return line_at(self.source, path) if self.source is not None else None


UNKNOWN = DefaultBaseline(
    None,
    "-",
    "no lightspeed-stack distribution is installed beside the console and no --baseline was given",
)


def read_baseline_file(path: Path, where: str | None = None) -> DefaultBaseline:
    """A baseline file (``--baseline``, or the distribution's); `ConfigFileError` if unusable."""
    parsed = read_yaml_file(path)
    plain = to_plain(parsed.document)
    return DefaultBaseline(plain, where or str(path), source=parsed.document, path=path)


def installed_baseline_path(search_path: Sequence[str] | None = None) -> tuple[Path, str] | None:
    """(file, "lightspeed-stack <version>") of an installed distribution's baseline, if any.

    ``search_path`` lists the site folders to look in (default: this interpreter's).
    """
    if search_path is None:
        found = importlib.metadata.distributions(name=DISTRIBUTION)
    else:
        found = importlib.metadata.distributions(name=DISTRIBUTION, path=list(search_path))
    for dist in found:
        for entry in dist.files or ():
            if entry.as_posix() == BASELINE_FILE:
                located = Path(str(dist.locate_file(entry)))
                if located.is_file():
                    return located, f"{DISTRIBUTION} {dist.version}"
    return None


def find_default_baseline(
    explicit: Path | None = None, search_path: Sequence[str] | None = None
) -> DefaultBaseline:
    """``--baseline FILE``, else an installed distribution's, else 0.7.1's from the cache.

    ``search_path`` (the tests') limits the search to those site folders: nothing is built.
    """
    if explicit is not None:
        return read_baseline_file(explicit, f"--baseline {explicit}")
    installed = installed_baseline_path(search_path)
    if installed is None and search_path is None:
        return cached_baseline()
    if installed is None:
        return UNKNOWN
    path, version = installed
    return read_baseline_file(path, f"{version} ({path})")


def cached_baseline() -> DefaultBaseline:
    """lightspeed-stack 0.7.1's baseline from the release cache, built there on first use."""
    from console.releases.catalog import LIGHTSPEED_STACK_0_7_1
    from console.releases.environments import ProvisionError, provision

    try:
        environment = provision(LIGHTSPEED_STACK_0_7_1)
    except ProvisionError as error:
        return DefaultBaseline(
            None,
            "-",
            f"lightspeed-stack 0.7.1 could not be had ({error.reason}; {error.remedy}) and "
            "no --baseline was given",
        )
    found = installed_baseline_path([str(environment.site_packages)])
    if found is None:
        return DefaultBaseline(None, "-", f"{environment.root} holds no {BASELINE_FILE}")
    path, version = found
    built = " (built now)" if environment.built else ""
    return read_baseline_file(path, f"{version}{built} ({path})")
