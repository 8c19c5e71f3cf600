"""The console's own settings file (XDG) and where every file the console uses lives.

``~/.config/lightspeed-console/config.toml`` (or ``$XDG_CONFIG_HOME/...``) may hold::

    theme = "textual-dark"
    read_only = false
    stack_ca_bundle = "~/certs/ogx-ca.pem"   # CA of the Llama Stack / OGX server's certificate

    deployments_refresh = 60   # seconds between checks on the deployments screen (off: 0)

    [keymap]          # binding id = keys (comma-separated), see F1 in the console
    "screen.token" = "5,t"
    "token.refresh" = "ctrl+r"

    [deployments.prod-eu]     # named deployments: see console.settings.deployments
    config = "prod-eu/lightspeed-stack.yaml"
    tag = "prod"

A missing file means defaults; a broken one means defaults plus a message naming the file
and line, never a crash. What the command line gives wins over the file (``--read-only``,
``--stack-ca-bundle``). Another file can be used with ``--settings FILE`` or the
``LIGHTSPEED_CONSOLE_SETTINGS`` variable (the demo hands its deployments over that way).
``lightspeed-console locate`` prints every location.
"""

from __future__ import annotations

import difflib
import math
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.settings.deployments import SECTION, Deployment, SettingsProblem, read_deployments
from console.settings.toml_lines import MAX_KEY_PARTS, KeyLines, overlong_key

APP_NAME = "lightspeed-console"
SETTINGS_ENV = "LIGHTSPEED_CONSOLE_SETTINGS"
"""Names another settings file, as ``--settings FILE`` does (the flag wins)."""
MAX_SETTINGS_BYTES = 1024 * 1024
"""A settings file is a few hundred lines; anything larger is refused unread."""
MAX_SETTINGS_DEPTH = 16
"""A settings file nests three levels (``[deployments.NAME]``, a key); past this it is not one."""
MIN_REFRESH_S = 10.0
MAX_REFRESH_S = 86_400.0
"""A day: a refresh any rarer is off in all but name."""
THEMES = frozenset(
    {
        "ansi-dark", "ansi-light", "atom-one-dark", "atom-one-light", "catppuccin-frappe",
        "catppuccin-latte", "catppuccin-macchiato", "catppuccin-mocha", "dracula", "flexoki",
        "gruvbox", "monokai", "nord", "rose-pine", "rose-pine-dawn", "rose-pine-moon",
        "solarized-dark", "solarized-light", "textual-dark", "textual-light", "tokyo-night",
    }
)  # fmt: skip
"""The themes the console has: Textual's own (``textual.theme.BUILTIN_THEMES``, which a test
holds this to), named here so reading the settings never imports Textual."""


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
    deployments: Mapping[str, Deployment] = field(default_factory=dict)
    """The named deployments (``[deployments.NAME]``), in the file's order."""
    deployments_refresh_s: float | None = None
    """Seconds between automatic checks on the deployments screen (None: only on ``r``)."""
    refused: tuple[SettingsProblem, ...] = ()
    """Values the console cannot start its screens with (an unknown theme): ``tui`` stops
    with them (exit 2); a headless command, which does not use them, only warns."""


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


def settings_path(given: Path | None = None) -> Path:
    """The settings file, which need not exist: ``given`` (``--settings``), else the file
    `SETTINGS_ENV` names, else the one in the OS's settings folder."""
    return settings_choice(given)[0]


def settings_choice(given: Path | None = None) -> tuple[Path, str]:
    """The settings file and what chose it (``--settings``, the variable, or the default)."""
    if given is not None:
        return Path(given).expanduser(), "--settings"
    named = os.environ.get(SETTINGS_ENV, "").strip()
    if named:
        return Path(named).expanduser(), SETTINGS_ENV
    return config_dir() / "config.toml", "default"


def load_user_settings(path: Path, *, named: bool = False) -> tuple[UserSettings, list[str]]:
    """The settings, and the problems found (each naming the file, and line where known).

    ``named``: the file was named (``--settings``, `SETTINGS_ENV`), so its absence is said;
    the default file may well not exist. Only a regular file of at most
    `MAX_SETTINGS_BYTES` is read: a FIFO would block the start, a huge file stall it.
    """
    raw, problem = _read_bounded(path)
    if raw is None:
        if problem is None and named:
            problem = f"{path}: does not exist; using defaults"
        return UserSettings(), [problem] if problem else []
    import tomllib  # only when there is a file: most starts have none, and it is on the start path

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return UserSettings(), [f"{path}: {error}; using defaults"]
    overlong = overlong_key(text)  # refused at once: tomllib is quadratic in a key's parts
    if overlong is not None:
        line, parts = overlong
        return UserSettings(), [
            f"{path}:{line}: a dotted key of about {parts} parts, more than "
            f"{MAX_KEY_PARTS}; not read, using defaults (a setting's key has a few parts, "
            "as deployments.NAME.url: fix that line)"
        ]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return UserSettings(), [f"{path}: {error}; using defaults"]
    except RecursionError:  # arrays or tables nested hundreds deep: a few hundred bytes
        return UserSettings(), [
            f"{path}: nested deeper than Python reads (a settings file nests 3 levels); "
            "using defaults"
        ]
    deepest = _depth_over(data, MAX_SETTINGS_DEPTH)
    if deepest is not None:
        return UserSettings(), [
            f"{path}:{KeyLines(text).line_of(*deepest) or 1}: nested more than "
            f"{MAX_SETTINGS_DEPTH} levels (a settings file nests 3); using defaults"
        ]
    problems: list[str] = []
    refused: list[SettingsProblem] = []
    keymap = _keymap(data.get("keymap", {}), path, problems)
    theme = _theme(data.get("theme"), path, text, refused)
    read_only = data.get("read_only", False)
    if not isinstance(read_only, bool):
        problems.append(f"{path}: read_only must be true or false; ignored")
        read_only = False
    stack_ca_bundle = _stack_ca_bundle(data.get("stack_ca_bundle"), path, problems)
    deployments: dict[str, Deployment] = {}
    if SECTION in data:
        deployments, found = read_deployments(data[SECTION], text, path)
        problems.extend(str(problem) for problem in found)
    refresh = _refresh(data.get("deployments_refresh"), path, text, problems)
    known = {"keymap", "theme", "read_only", "stack_ca_bundle", SECTION, "deployments_refresh"}
    for key in data:
        if key not in known:
            problems.append(f"{path}: unknown setting {key!r}; known: {', '.join(sorted(known))}")
    settings = UserSettings(
        keymap=keymap,
        theme=theme,
        read_only=read_only,
        stack_ca_bundle=stack_ca_bundle,
        path=path,
        deployments=deployments,
        deployments_refresh_s=refresh,
        refused=tuple(refused),
    )
    return settings, [*problems, *(str(problem) for problem in refused)]


def _read_bounded(path: Path) -> tuple[bytes | None, str | None]:
    """The file's bytes, or (None, why not); (None, None) when it does not exist."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, f"{path}: cannot be read ({error.strerror}); using defaults"
    if not stat.S_ISREG(info.st_mode):
        return None, f"{path}: not a regular file; using defaults"
    if info.st_size > MAX_SETTINGS_BYTES:
        return None, (
            f"{path}: {info.st_size} bytes, more than a settings file's "
            f"{MAX_SETTINGS_BYTES} bytes; not read, using defaults"
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SETTINGS_BYTES + 1)
    except OSError as error:
        return None, f"{path}: cannot be read ({error.strerror}); using defaults"
    if len(raw) > MAX_SETTINGS_BYTES:  # it grew between the stat and the read
        return None, f"{path}: more than {MAX_SETTINGS_BYTES} bytes; not read, using defaults"
    return raw, None


def _refresh(value: Any, path: Path, text: str, problems: list[str]) -> float | None:
    """``deployments_refresh``: seconds from `MIN_REFRESH_S` to `MAX_REFRESH_S`, 0 or absent
    for off. ``nan`` (which no comparison refuses), ``inf`` and ``1e300`` are no period."""
    if value is None or value == 0:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not MIN_REFRESH_S <= value <= MAX_REFRESH_S
    ):
        where = f"{path}:{KeyLines(text).line_of('deployments_refresh') or 1}"
        problems.append(
            f"{where}: deployments_refresh must be a number of seconds from {MIN_REFRESH_S:g} "
            f"to {MAX_REFRESH_S:g}, or 0 for off, not {value!r}; ignored"
        )
        return None
    return float(value)


def _theme(value: Any, path: Path, text: str, refused: list[SettingsProblem]) -> str | None:
    """``theme``: the name of a theme the console has; anything else is refused by ``tui``."""
    if value is None or (isinstance(value, str) and value in THEMES):
        return value
    line = KeyLines(text).line_of("theme")
    if not isinstance(value, str):
        message, remedy = "theme must be the name of a theme (a string)", 'Write theme = "nord".'
    else:
        close = difflib.get_close_matches(value, sorted(THEMES), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"theme {value[:60]!r} is not a theme of the console{hint}"
        remedy = f"Write one of: {', '.join(sorted(THEMES))}; or remove the line."
    refused.append(SettingsProblem(path, line, message, remedy))
    return None


def _depth_over(data: dict[str, Any], most: int) -> tuple[str, ...] | None:
    """The key path of a value nested more than ``most`` levels, or None (no recursion)."""
    pending: list[tuple[Any, tuple[str, ...], int]] = [(data, (), 0)]
    while pending:
        value, keys, depth = pending.pop()
        if depth > most:
            return keys
        if isinstance(value, dict):
            pending.extend((item, (*keys, str(key)), depth + 1) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((item, keys, depth + 1) for item in value)
    return None


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
