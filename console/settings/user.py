"""The console's own settings file (XDG) and where every file the console uses lives.

``~/.config/lightspeed-console/config.toml`` (or ``$XDG_CONFIG_HOME/...``) holds the theme,
``read_only``, ``stack_ca_bundle``, ``deployments_refresh``, a ``[keymap]`` of binding ids
and the named ``[deployments.NAME]``, as the README shows. A missing file means defaults; a
broken value means its default plus a problem naming the file and line, never a crash.
What the command line gives wins over the file; ``--settings FILE`` or
``LIGHTSPEED_CONSOLE_SETTINGS`` name another file. The values are checked one by one
into frozen dataclasses, not a pydantic model: the file is read before the first frame.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.settings.binding_ids import BINDING_IDS
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
KNOWN_SETTINGS = frozenset(
    {"keymap", "theme", "read_only", "stack_ca_bundle", SECTION, "deployments_refresh"}
)


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
    operator runs it, platformdirs' answer is computed here without importing it;
    `tests/unit/test_settings_paths.py` holds the two to the same answer.
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


def load_user_settings(
    path: Path, *, named: bool = False
) -> tuple[UserSettings, list[SettingsProblem]]:
    """The settings, and the problems found, each naming the file and, where known, the line.

    ``named``: the file was named (``--settings``, `SETTINGS_ENV`), so its absence is said;
    the default file may well not exist. Only a regular file of at most
    `MAX_SETTINGS_BYTES` is read: a FIFO would block the start, a huge file stall it.
    """
    raw, problem = _read_bounded(path)
    if raw is None:
        if problem is None and named:
            problem = _unread(path, None, "does not exist", "Create it, or name another file.")
        return UserSettings(), [problem] if problem else []
    import tomllib  # only when there is a file: most starts have none, and it is on the start path

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return UserSettings(), [_unread(path, None, str(error), "Save the file as UTF-8.")]
    overlong = overlong_key(text)  # refused at once: tomllib is quadratic in a key's parts
    if overlong is not None:
        line, parts = overlong
        return UserSettings(), [
            _unread(
                path,
                line,
                f"a dotted key of about {parts} parts, more than {MAX_KEY_PARTS}, not read",
                "A setting's key has a few parts, as deployments.NAME.url: fix that line.",
            )
        ]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at, message = _toml_error(str(error))
        return UserSettings(), [_unread(path, at, message, "Fix the TOML at that line.")]
    except RecursionError:  # arrays or tables nested hundreds deep: a few hundred bytes
        return UserSettings(), [
            _unread(
                path,
                None,
                "nested deeper than Python reads (a settings file nests 3 levels)",
                "Remove the nesting.",
            )
        ]
    deepest = _depth_over(data, MAX_SETTINGS_DEPTH)
    if deepest is not None:
        return UserSettings(), [
            _unread(
                path,
                KeyLines(text).line_of(*deepest) or 1,
                f"nested more than {MAX_SETTINGS_DEPTH} levels (a settings file nests 3)",
                "Remove the nesting.",
            )
        ]
    return _settings_of(data, _Source(path, KeyLines(text)))


@dataclass(frozen=True)
class _Source:
    """The file being read and where its keys are written, for problems that name the line."""

    path: Path
    lines: KeyLines

    def problem(self, keys: tuple[str, ...], message: str, remedy: str) -> SettingsProblem:
        """A problem at the line that writes ``keys`` (the file as a whole if none does)."""
        return SettingsProblem(self.path, self.lines.line_of(*keys), message, remedy)


def _settings_of(
    data: dict[str, Any], source: _Source
) -> tuple[UserSettings, list[SettingsProblem]]:
    """The settings a parsed file gives: each value checked on its own, a bad one ignored
    (or, for a theme, refused) with a problem that says where and what to write instead."""
    problems: list[SettingsProblem] = []
    refused: list[SettingsProblem] = []
    for key in data:
        if key not in KNOWN_SETTINGS:
            close = _did_you_mean(key, KNOWN_SETTINGS)
            problems.append(
                source.problem(
                    (key,),
                    f"unknown setting {key[:60]!r}{close}; ignored",
                    f"Settings are: {', '.join(sorted(KNOWN_SETTINGS))}.",
                )
            )
    read_only = data.get("read_only", False)
    if not isinstance(read_only, bool):
        problems.append(
            source.problem(("read_only",), "read_only must be true or false; ignored", "")
        )
        read_only = False
    deployments: dict[str, Deployment] = {}
    if SECTION in data:
        deployments, found = read_deployments(data[SECTION], source.lines, source.path)
        problems.extend(found)
    settings = UserSettings(
        keymap=_keymap(data.get("keymap", {}), source, problems),
        theme=_theme(data.get("theme"), source, refused),
        read_only=read_only,
        stack_ca_bundle=_stack_ca_bundle(data.get("stack_ca_bundle"), source, problems),
        path=source.path,
        deployments=deployments,
        deployments_refresh_s=_refresh(data.get("deployments_refresh"), source, problems),
        refused=tuple(refused),
    )
    return settings, [*problems, *refused]


def _unread(path: Path, line: int | None, why: str, remedy: str) -> SettingsProblem:
    """The file could not be used at all: the console starts on defaults."""
    return SettingsProblem(path, line, f"{why}; using defaults", remedy)


def _toml_error(text: str) -> tuple[int | None, str]:
    """tomllib's "Expected ... (at line 3, column 5)" as the line and the words before it."""
    match = re.search(r"\s*\(at line (\d+), column \d+\)$", text)
    if match is None:
        return None, text
    return int(match.group(1)), text[: match.start()]


def _did_you_mean(value: str, choices: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _read_bounded(path: Path) -> tuple[bytes | None, SettingsProblem | None]:
    """The file's bytes, or (None, why not); (None, None) when it does not exist."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, _unread(path, None, f"cannot be read ({error.strerror})", _READABLE)
    if not stat.S_ISREG(info.st_mode):
        return None, _unread(path, None, "not a regular file", "Name a regular file.")
    if info.st_size > MAX_SETTINGS_BYTES:
        return None, _unread(
            path,
            None,
            f"{info.st_size} bytes, more than a settings file's {MAX_SETTINGS_BYTES} bytes, "
            "not read",
            "Name the right file: a settings file is a few hundred lines.",
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SETTINGS_BYTES + 1)
    except OSError as error:
        return None, _unread(path, None, f"cannot be read ({error.strerror})", _READABLE)
    if len(raw) > MAX_SETTINGS_BYTES:  # it grew between the stat and the read
        return None, _unread(
            path, None, f"more than {MAX_SETTINGS_BYTES} bytes, not read", "Name the right file."
        )
    return raw, None


_READABLE = "Make it readable by this user, or name another file with --settings."


def _refresh(value: Any, source: _Source, problems: list[SettingsProblem]) -> float | None:
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
        problems.append(
            source.problem(
                ("deployments_refresh",),
                f"deployments_refresh must be a number of seconds from {MIN_REFRESH_S:g} "
                f"to {MAX_REFRESH_S:g}, or 0 for off, not {_shown(value)}; ignored",
                "Write deployments_refresh = 60, or 0 for checks only on r.",
            )
        )
        return None
    return float(value)


def _theme(value: Any, source: _Source, refused: list[SettingsProblem]) -> str | None:
    """``theme``: the name of a theme the console has; anything else is refused by ``tui``."""
    if value is None or (isinstance(value, str) and value in THEMES):
        return value
    if not isinstance(value, str):
        message, remedy = "theme must be the name of a theme (a string)", 'Write theme = "nord".'
    else:
        close = difflib.get_close_matches(value, sorted(THEMES), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"theme {value[:60]!r} is not a theme of the console{hint}"
        remedy = f"Write one of: {', '.join(sorted(THEMES))}; or remove the line."
    refused.append(source.problem(("theme",), message, remedy))
    return None


def _shown(value: Any) -> str:
    """A value quoted in a message, cut to a line (a hostile file may hold a long one)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


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


def _stack_ca_bundle(value: Any, source: _Source, problems: list[SettingsProblem]) -> Path | None:
    """The bundle's path (``~`` expanded, relative to the settings file); None if unset or bad.

    Whether the file is a usable bundle is checked where it is used, so the message can
    say which command needed it.
    """
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(
            source.problem(
                ("stack_ca_bundle",),
                "stack_ca_bundle must be the path of a PEM file (a string); ignored",
                'Write stack_ca_bundle = "~/certs/ogx-ca.pem".',
            )
        )
        return None
    bundle = Path(value.strip()).expanduser()
    return bundle if bundle.is_absolute() else source.path.parent / bundle


def _keymap(value: Any, source: _Source, problems: list[SettingsProblem]) -> dict[str, str]:
    """``[keymap]``: binding id = keys. An id the console has no binding for, or keys that
    are not a string, is ignored with a problem (F1 lists every id)."""
    if not isinstance(value, dict):
        problems.append(
            source.problem(
                ("keymap",),
                "[keymap] must be a table of binding id = keys; ignored",
                'Write [keymap] and, under it, lines such as "token.refresh" = "ctrl+r".',
            )
        )
        return {}
    keymap: dict[str, str] = {}
    for binding_id, keys in value.items():
        if binding_id not in BINDING_IDS:
            problems.append(
                source.problem(
                    ("keymap", binding_id),
                    f"keymap {binding_id[:60]!r} is not a binding of the console"
                    f"{_did_you_mean(binding_id, BINDING_IDS)}; ignored",
                    "F1 in the console lists every binding id; fix or remove the line.",
                )
            )
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(
                source.problem(
                    ("keymap", binding_id),
                    f'keymap {binding_id!r} must be keys in a string, as "ctrl+r" '
                    'or "5,t"; ignored',
                    f'Write "{binding_id}" = "ctrl+r".',
                )
            )
        else:
            keymap[binding_id] = keys
    return keymap
