"""Where a configuration value comes from: the file and line, the variable, the env file.

A diagnosis that says "the variable behind azure_entra_id.client_secret" makes the operator
look it up; the console knows it already: ``client_secret: ${env.CLIENT_SECRET}`` at
``lightspeed-stack.yaml:22``, its value from ``pod.env:3`` (or the environment, or unset).
Values are never part of it, only names and places.
"""

from __future__ import annotations

from collections.abc import Mapping

from console.config.envsubst import EnvReference
from console.config.loaded import Loaded
from console.settings.envfile import source_of_variable


def reference_at(loaded: Loaded, *keys: str) -> EnvReference | None:
    """The ``${env.…}`` reference at ``keys`` of lightspeed-stack.yaml (``azure_entra_id``,
    ``client_secret``), if the value there is one."""
    if loaded.lightspeed is None:
        return None
    for ref in loaded.env_references:
        if ref.file == loaded.lightspeed.path and tuple(ref.path) == keys:
            return ref
    return None


def value_origin(
    loaded: Loaded,
    keys: tuple[str, ...],
    environ: Mapping[str, str],
    env_sources: Mapping[str, str],
) -> str | None:
    """``CLIENT_SECRET (lightspeed-stack.yaml:22 reads ${env.CLIENT_SECRET}; its value from
    pod.env:3)`` for a value read from a variable; ``lightspeed-stack.yaml:22`` for one
    written in the file; None when the file has no such key."""
    dotted = ".".join(keys)
    ref = reference_at(loaded, *keys)
    if ref is not None:
        where = f"{ref.file.name}:{ref.line}" if ref.line else ref.file.name
        source = source_of_variable(ref.name, environ, env_sources)
        if source is None:
            value = "it is unset"
        elif ref.name in env_sources:
            value = f"its value from {source}"  # the env file and line
        else:
            value = "its value from the environment"
        return f"{ref.name} ({dotted} at {where} reads ${{env.{ref.name}}}; {value})"
    if loaded.lightspeed is None:
        return None
    line = loaded.lightspeed.sub.lines.get(keys)
    if line is None:
        return None
    return f"{dotted} as written at {loaded.lightspeed.path.name}:{line}"
