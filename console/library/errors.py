"""Why a library boot or call failed, in the release's own words, placed in the operator's files.

The runner reports what the release raised (its exception, its message, the status its
server would answer with); this module says what that means for the deployment, where in
run.yaml (or, in unified mode, in lightspeed-stack.yaml or the profile) it comes from, and
what to do, naming the release's own command line (``ogx run`` / ``llama stack run``).

Some failures are facts of this machine, not of the deployment: a release that cannot be
built here, a provider whose packages the release's environment lacks. Those are
`NotVerified`, never a failure the deployment would not share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console.config.envsubst import ConfigPath, format_path
from console.config.loaded import Loaded
from console.releases.catalog import ServerRelease
from console.shared.diagnosis import Diagnosis

_INDEXED = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL")


class NotVerified(Exception):
    """The boot could not be done here; nothing is known about the deployment's own."""

    def __init__(self, reason: str, remedy: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.remedy = remedy


@dataclass(frozen=True)
class Placer:
    """Finds where a config path of the booted run.yaml is written, for messages."""

    loaded: Loaded

    def where(self, path: ConfigPath) -> str | None:
        """``file:line`` of ``path`` (a provider's in unified mode: where it came from)."""
        loaded = self.loaded
        synthesis = loaded.synthesis
        if synthesis is not None and len(path) >= 3 and path[0] == "providers":
            for origin in synthesis.origins:
                if origin.api == path[1] and origin.index == path[2]:
                    return origin.origin
        run = loaded.run
        if run is None:
            return None
        for cut in range(len(path), 0, -1):
            line = run.sub.line(path[:cut])
            if line is not None:
                return f"{run.path}:{line}"
        return str(run.path)

    def provider(self, api: str, provider_id: str | None, index: int | None) -> ConfigPath:
        """Where a provider of the booted file is written in the operator's run.yaml.

        The runner counts providers after ``${env.*}`` conditionals removed some, so its
        index may not be the written one: the id decides (`RunProvider.written_path`).
        """
        for provider in self.loaded.providers:
            if provider.api == api and provider.provider_id == provider_id:
                return provider.written_path
        return ("providers", api, index if index is not None else 0)

    def reference(self, name: str) -> str | None:
        """Where an unset ``${env.NAME}`` is written."""
        for reference in self.loaded.env_references:
            if reference.name == name and reference.is_missing:
                return (
                    f"{reference.file}:{reference.line}" if reference.line else str(reference.file)
                )
        return None


def parse_path(dotted: str) -> ConfigPath:
    """``providers.inference[0].config.api_version`` as a config path."""
    parts: list[str | int] = []
    for name, index in _INDEXED.findall(dotted):
        parts.append(int(index) if index else name)
    return tuple(parts)


def boot_diagnosis(
    error: Mapping[str, Any], release: ServerRelease, placer: Placer, run_label: str
) -> Diagnosis:
    """A failed boot (reading the config, or initializing it), explained."""
    kind = str(error.get("type") or "")
    message = str(error.get("message") or kind)
    short = kind.rpartition(".")[2]
    endpoint = f"{release.label} library client: {run_label}"
    provider = error.get("provider") if isinstance(error.get("provider"), dict) else None
    where_provider = None
    provider_path: ConfigPath = ()
    if provider is not None:
        provider_path = placer.provider(
            str(provider.get("api")), provider.get("provider_id"), provider.get("index")
        )
        where_provider = placer.where(provider_path)
    detail = f"{short}: {message}"
    run = f"`{release.cli} run {run_label}`"
    if short == "EnvVarError":
        name = str(error.get("var_name") or "?")
        at = placer.reference(name) or placer.where(parse_path(str(error.get("path") or "")))
        secret = any(word in name.upper() for word in _SECRET_WORDS)
        default = "" if secret else f", or give it a default there (${{env.{name}:=value}})"
        return Diagnosis(
            "LIBRARY_ENV_UNSET",
            f"${{env.{name}}} is unset and has no default" + (f" ({at})" if at else ""),
            f"{release.label} resolves every ${{env.*}} reference when its library client is "
            f"built, and refuses to start when a bare one is unset or empty: {message}",
            f"Set {name} in the deployment's environment (for this check: export it, or "
            f"--env-file with the pod's env file){default}.",
            endpoint,
            detail,
        )
    if short == "ValueError" and "is not available for API" in message:
        if provider is not None:
            where_provider = placer.where((*provider_path, "provider_type"))
        listed = f"`{release.cli} list-providers {provider.get('api') if provider else '<api>'}`"
        return Diagnosis(
            "LIBRARY_UNKNOWN_PROVIDER",
            f"{release.label} has no such provider type"
            + (f" ({where_provider})" if where_provider else ""),
            f"The library client refused to start: {message}",
            f"Use a provider type {release.label} ships ({listed} lists them), or fix its "
            "spelling in run.yaml.",
            endpoint,
            detail,
        )
    if short == "ValidationError":
        return _invalid(
            error,
            release=release,
            placer=placer,
            provider=provider,
            where_provider=where_provider,
            endpoint=endpoint,
            detail=detail,
        )
    if short == "ModuleNotFoundError":
        raise NotVerified(
            f"the {release.label} environment here lacks the module {error.get('name')!r}"
            + (f" for provider {provider.get('provider_type')}" if provider else "")
            + f" ({where_provider})" * bool(where_provider)
            + "; this machine's environment is not the deployment's, so this says nothing "
            "about it",
            f"To boot it here, install the provider's packages into the release's environment "
            f"(`{release.cli} list-deps {run_label}` lists them), or check it where Lightspeed "
            "runs.",
        )
    if (
        error.get("errno") is not None
        or "sqlite" in kind.lower()
        or short
        in (
            "OperationalError",
            "FileExistsError",
            "NotADirectoryError",
            "PermissionError",
        )
    ):
        filename = error.get("filename")
        return Diagnosis(
            "LIBRARY_STORAGE",
            "The library could not open its storage",
            f"{release.label} failed to open a store while starting: {message}"
            + (f" ({filename})" if filename else "")
            + ". The console boots with every store in a temporary folder, so this is a path "
            "it did not move, or that folder itself.",
            "Check the storage paths of run.yaml (storage.backends.*.db_path, providers' "
            "db_path and storage_dir) and that TMPDIR is writable here.",
            endpoint,
            detail,
        )
    return Diagnosis(
        "LIBRARY_BOOT_FAILED",
        f"{release.label} failed to start from this run.yaml"
        + (f" ({where_provider})" if where_provider else ""),
        f"Its library client raised {short} while {_phase(error)}: {message}",
        f"Fix what the message names; {run} fails the same way and shows the whole traceback.",
        endpoint,
        detail + _frames(error),
    )


def _invalid(
    error: Mapping[str, Any],
    *,
    release: ServerRelease,
    placer: Placer,
    provider: Mapping[str, Any] | None,
    where_provider: str | None,
    endpoint: str,
    detail: str,
) -> Diagnosis:
    """A pydantic error: the provider's config (with its provider) or the file's shape."""
    listed = error.get("errors")
    errors: list[Any] = listed if isinstance(listed, list) else []
    lines: list[str] = []
    first_at: str | None = None
    for item in errors[:5]:
        if not isinstance(item, dict):
            continue
        loc = tuple(_loc_part(part) for part in item.get("loc") or ())
        if provider is not None:
            base = placer.provider(
                str(provider.get("api")), provider.get("provider_id"), provider.get("index")
            )
            path: ConfigPath = (*base, "config", *loc)
        else:
            path = loc
        at = placer.where(path)
        first_at = first_at or at
        dotted = format_path(path) or "(the file)"
        lines.append(f"{dotted}: {item.get('msg')}" + (f" ({at})" if at else ""))
    title = str(error.get("title") or "the configuration")
    what = (
        f"the config of provider {provider.get('provider_id')} ({provider.get('provider_type')})"
        if provider is not None
        else "run.yaml"
    )
    return Diagnosis(
        "LIBRARY_INVALID_CONFIG",
        f"{release.label} rejects {what}"
        + (f" ({first_at or where_provider})" if (first_at or where_provider) else ""),
        f"Its {title} model refused: " + ("; ".join(lines) if lines else str(error.get("message"))),
        "Correct the value named (its type and allowed values are in the release's provider "
        f"docs; `{release.cli} list-providers` names each provider's config).",
        endpoint,
        detail,
    )


def _loc_part(part: Any) -> str | int:
    text = str(part)
    return int(text) if text.isdigit() else text


def _phase(error: Mapping[str, Any]) -> str:
    return {
        "config": "reading the run.yaml",
        "initialize": "initializing its providers",
        "import": "being imported",
    }.get(str(error.get("phase")), str(error.get("phase") or "booting"))


def _frames(error: Mapping[str, Any]) -> str:
    frames = error.get("where")
    if not isinstance(frames, Sequence) or isinstance(frames, str) or not frames:
        return ""
    return "\nat " + " < ".join(str(frame) for frame in reversed(list(frames)[-4:]))
