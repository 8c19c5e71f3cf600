"""The run.yaml as the boot reads it: the deployment's, with every store moved to a temp folder.

A booted library writes its registry, its inference log and its files the moment it starts.
None of that may land where the deployment keeps its own (the paths run.yaml names for
production): every storage backend becomes an SQLite file in the boot's folder (a Postgres,
Redis or MongoDB backend included, which the boot then never contacts), and every
``db_path`` or ``storage_dir`` a provider names moves there too. Nothing else changes: the
``${env.*}`` references stay for the release to resolve, so a variable the deployment lacks
still fails the boot as it would fail Lightspeed.

`storage_concerns` looks at the paths as written, resolved, without writing anything: a
store this machine could not write is worth a word, though the deployment's own machine
(a pod, usually) may well allow it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from console.config.envsubst import ConfigPath, format_path

PATH_KEYS = frozenset({"db_path", "storage_dir"})
"""Keys whose value is a file or folder a provider writes (every release's spellings)."""
_SQLITE = {"kv": "kv_sqlite", "sql": "sql_sqlite"}


@dataclass(frozen=True)
class Moved:
    """One store the boot keeps in its own folder instead."""

    path: ConfigPath
    written: str
    """The value as the run.yaml writes it (``${env.*}`` unresolved)."""
    note: str = ""


@dataclass(frozen=True)
class Isolated:
    """The run.yaml to boot, and what was moved to get it."""

    text: str
    moved: tuple[Moved, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


class IsolationError(ValueError):
    """The run.yaml is not a mapping the boot can rewrite (its loading reports why)."""


def isolate(run_yaml: str, state: Path) -> Isolated:
    """``run_yaml`` with every store under ``state`` (which the caller owns and removes)."""
    document = yaml.safe_load(run_yaml)
    if not isinstance(document, dict):
        raise IsolationError("run.yaml is not a mapping")
    moved: list[Moved] = []
    notes: list[str] = []
    storage = document.get("storage")
    backends = storage.get("backends") if isinstance(storage, dict) else None
    if isinstance(backends, dict):
        for name, backend in backends.items():
            if not isinstance(backend, dict):
                continue
            kind = str(backend.get("type") or "")
            family = kind.partition("_")[0]
            written = str(backend.get("db_path") or backend.get("host") or kind)
            target = str(state / f"backend-{_safe(str(name))}.db")
            note = ""
            if kind not in _SQLITE.values() and family in _SQLITE:
                note = (
                    f"a {kind} backend, booted as {_SQLITE[family]}: the database is not contacted"
                )
                notes.append(f"storage.backends.{name}: {note}")
                backends[name] = {"type": _SQLITE[family], "db_path": target}
            elif kind in _SQLITE.values():
                backend["db_path"] = target
            else:
                continue
            moved.append(Moved(("storage", "backends", str(name), "db_path"), written, note))
    providers = document.get("providers")
    if isinstance(providers, dict):
        for path, key, holder in _path_keys(providers, ("providers",)):
            written = str(holder[key])
            holder[key] = str(state / f"{_safe('-'.join(map(str, path[1:])))}")
            moved.append(Moved((*path, key), written))
    text = yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
    return Isolated(text, tuple(moved), tuple(notes))


def _path_keys(node: Any, at: ConfigPath) -> Iterator[tuple[ConfigPath, str, dict[str, Any]]]:
    """(where, key, the mapping holding it) for every path-valued key under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PATH_KEYS and isinstance(value, str | Path):
                yield at, key, node
            else:
                yield from _path_keys(value, (*at, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _path_keys(item, (*at, index))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80] or "store"


# ------------------------------------------------------------------------- concerns


@dataclass(frozen=True)
class StorageConcern:
    """A store the run.yaml names that this machine could not write (nothing was tried)."""

    path: ConfigPath
    value: str
    """The resolved path."""
    problem: str
    """``[Errno 13] Permission denied: '/srv/ro'``, as the release's own open would say."""

    @property
    def dotted(self) -> str:
        return format_path(self.path)

    def sentence(self) -> str:
        """The concern as a warning: true of this machine, to check where the stack runs."""
        return (
            f"on this machine {self.dotted} ({self.value}) cannot be written: {self.problem}; "
            "check it where the stack runs"
        )


def storage_concerns(resolved: Any) -> list[StorageConcern]:
    """The stores of a resolved run.yaml whose file this machine could not create or write."""
    found: list[StorageConcern] = []
    candidates: list[tuple[ConfigPath, str]] = []
    storage = resolved.get("storage") if isinstance(resolved, dict) else None
    backends = storage.get("backends") if isinstance(storage, dict) else None
    if isinstance(backends, dict):
        for name, backend in backends.items():
            if isinstance(backend, dict) and isinstance(backend.get("db_path"), str):
                candidates.append(
                    (("storage", "backends", str(name), "db_path"), backend["db_path"])
                )
    providers = resolved.get("providers") if isinstance(resolved, dict) else None
    if isinstance(providers, dict):
        for path, key, holder in _path_keys(providers, ("providers",)):
            if isinstance(holder[key], str):
                candidates.append(((*path, key), holder[key]))
    for path, value in candidates:
        problem = _unwritable(value, folder=path[-1] == "storage_dir")
        if problem:
            found.append(StorageConcern(path, value, problem))
    return found


def _unwritable(value: str, *, folder: bool) -> str | None:
    """Why the release could not create or write ``value`` here, asking only (no write)."""
    if not value or "\0" in value:
        return "not a usable path"
    target = Path(value).expanduser()
    if folder:
        target = target / "_"  # a folder it creates files in
    if target.exists() and not target.is_dir() and not os.access(target, os.W_OK):
        return _oserror(errno.EACCES, target)
    if target.is_dir() and not folder:
        return _oserror(errno.EISDIR, target)
    parent = target.parent
    while not parent.exists():
        if parent.parent == parent:
            return None
        parent = parent.parent
    if not parent.is_dir():
        return _oserror(errno.ENOTDIR, parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        return _oserror(errno.EACCES, parent)
    return None


def _oserror(code: int, path: Path) -> str:
    """An `OSError`'s text, as the release's open or makedirs would print it."""
    return str(OSError(code, os.strerror(code), str(path)))
