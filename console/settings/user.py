"""The console's own settings file (XDG) and where every file the console uses lives.

``~/.config/lightspeed-console/config.toml`` (or ``$XDG_CONFIG_HOME/...``) may hold::

    theme = "textual-dark"
    read_only = false
    stack_ca_bundle = "~/certs/ogx-ca.pem"   # CA of the Llama Stack / OGX server's certificate

    [keymap]          # binding id = keys (comma-separated), see F1 in the console
    "screen.token" = "5,t"
    "token.refresh" = "ctrl+r"

A missing file means defaults; a broken one means defaults plus a message naming the file
and line, never a crash. What the command line gives wins over the file (``--read-only``,
``--stack-ca-bundle``). ``lightspeed-console locate`` prints every location.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_NAME = "lightspeed-console"


@dataclass(frozen=True)
class UserSettings:
    """What the settings file says; defaults where it says nothing."""

    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    read_only: bool = False
    stack_ca_bundle: Path | None = None
    """Default of ``--stack-ca-bundle``; a relative path is relative to the settings file."""
    path: Path | None = None
    """The file these were read from (None: no file), for messages about its values."""


def config_dir() -> Path:
    """The OS's folder for the user's settings, as platformdirs knows it.

    Linux and the BSDs: ``$XDG_CONFIG_HOME/lightspeed-console``, else
    ``~/.config/lightspeed-console``; macOS: ``~/Library/Application Support/...``;
    Windows: ``%APPDATA%\\lightspeed-console``.

    The path is read before the console's first frame. On Linux, where nearly every
    operator runs it, platformdirs' answer is computed here without importing it (about
    4 ms of the first frame); `tests/unit/test_settings_paths.py` holds the two to the
    same answer.
    """
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
        return Path(base) / APP_NAME
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def settings_path() -> Path:
    """The settings file, which need not exist."""
    return config_dir() / "config.toml"


def load_user_settings(path: Path) -> tuple[UserSettings, list[str]]:
    """The settings, and the problems found (each naming the file, and line where known)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return UserSettings(), []
    except OSError as error:
        return UserSettings(), [f"{path}: cannot be read ({error.strerror}); using defaults"]
    import tomllib  # only when there is a file: most starts have none, and it is on the start path

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return UserSettings(), [f"{path}: {error}; using defaults"]
    problems: list[str] = []
    keymap = _keymap(data.get("keymap", {}), path, problems)
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        problems.append(f"{path}: theme must be a string; ignored")
        theme = None
    read_only = data.get("read_only", False)
    if not isinstance(read_only, bool):
        problems.append(f"{path}: read_only must be true or false; ignored")
        read_only = False
    stack_ca_bundle = _stack_ca_bundle(data.get("stack_ca_bundle"), path, problems)
    known = {"keymap", "theme", "read_only", "stack_ca_bundle"}
    for key in data:
        if key not in known:
            problems.append(f"{path}: unknown setting {key!r}; known: {', '.join(sorted(known))}")
    settings = UserSettings(
        keymap=keymap,
        theme=theme,
        read_only=read_only,
        stack_ca_bundle=stack_ca_bundle,
        path=path,
    )
    return settings, problems


def _stack_ca_bundle(value: Any, path: Path, problems: list[str]) -> Path | None:
    """The bundle's path (``~`` expanded, relative to the settings file); None if unset or bad.

    Whether the file is a usable bundle is checked where it is used, so the message can
    say which command needed it.
    """
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(
            f"{path}: stack_ca_bundle must be the path of a PEM file (a string); ignored"
        )
        return None
    bundle = Path(value.strip()).expanduser()
    return bundle if bundle.is_absolute() else path.parent / bundle


def _keymap(value: Any, path: Path, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(f"{path}: [keymap] must be a table of binding id = keys; ignored")
        return {}
    keymap: dict[str, str] = {}
    for binding_id, keys in value.items():
        if isinstance(keys, str) and keys.strip():
            keymap[str(binding_id)] = keys
        else:
            problems.append(f"{path}: keymap {binding_id!r} must be a non-empty string; ignored")
    return keymap
