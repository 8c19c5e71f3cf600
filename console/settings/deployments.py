"""Named deployments: the ``[deployments.NAME]`` tables of the settings file.

Each value is the default of the flag of the same name (a flag given on the command line
wins); the README's "Many deployments" shows a table with every key. Each deployment is
parsed on its own: a bad value (a wrong type, an unknown key, a name that cannot be typed
after ``-d``) makes that one unusable, said with the settings file's line and a remedy,
while the others stay usable.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.settings.toml_lines import KeyLines
from console.shared.files import not_a_regular_file

SECTION = "deployments"
MAX_DEPLOYMENTS = 200
"""More than this is a generated file gone wrong, not an on-call engineer's list."""
MAX_TAG_LENGTH = 32
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
"""A name typed after ``-d``: it cannot start with ``-`` (argparse would read a flag)."""
PROD_WORDS = frozenset({"prod", "production", "prd", "live"})
"""A tag with one of these words marks a deployment where a mistake costs (``prod-eu`` too)."""

PATH_KEYS = ("config", "run_config", "baseline", "ca_bundle", "stack_ca_bundle", "env_file")
TEXT_KEYS = ("url", "authority", "provider_data_header", "tag")
KEYS = (*PATH_KEYS, *TEXT_KEYS, "read_only")
"""Every key a deployment may have, each the default of the flag of the same name."""


@dataclass(frozen=True)
class SettingsProblem:
    """Something wrong in the settings file: where, what, and what to do."""

    file: Path
    line: int | None
    message: str
    remedy: str

    @property
    def location(self) -> str:
        """``file:line`` as editors and terminals understand it."""
        return f"{self.file}:{self.line}" if self.line is not None else str(self.file)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True)
class Deployment:
    """One named deployment; paths absolute, None where the table says nothing."""

    name: str
    source: Path
    """The settings file it is written in."""
    line: int | None = None
    """The line of its ``[deployments.NAME]`` header (or first key)."""
    config: Path | None = None
    run_config: Path | None = None
    baseline: Path | None = None
    url: str | None = None
    authority: str | None = None
    ca_bundle: Path | None = None
    stack_ca_bundle: Path | None = None
    provider_data_header: str | None = None
    read_only: bool | None = None
    tag: str | None = None
    env_file: Path | None = None
    problems: tuple[SettingsProblem, ...] = ()
    """Why it cannot be used as written (empty: it can)."""
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_prod(self) -> bool:
        """Whether its tag marks production (shown in a warning colour wherever it is)."""
        return is_prod_tag(self.tag)

    def where(self, key: str | None = None) -> str:
        """``settings.toml:12`` for the deployment, or for one of its keys."""
        line = self.key_lines.get(key, self.line) if key else self.line
        return f"{self.source}:{line}" if line is not None else str(self.source)

    def source_of(self, key: str) -> str:
        """Where one of its values comes from: ``settings.toml:12: deployments.NAME.key``."""
        return f"{self.where(key)}: deployments.{self.name}.{key}"

    def missing_files(self, skip: Collection[str] = ()) -> list[SettingsProblem]:
        """Its files that are not there (or not files), each naming the key's line.

        Asked only when the deployment is used, not when the settings file is read: files
        come and go between runs. ``skip``: keys whose file is not used (a flag gave another).
        """
        problems: list[SettingsProblem] = []
        for key in PATH_KEYS:
            path: Path | None = None if key in skip else getattr(self, key)
            state = None if path is None else not_a_regular_file(path)
            if path is None or state is None:
                continue
            problems.append(
                SettingsProblem(
                    self.source,
                    self.key_lines.get(key, self.line),
                    f"deployment {self.name!r}: {key} {path} {state}",
                    f"Fix {key} (relative paths are relative to {self.source.parent}), "
                    "or create the file.",
                )
            )
        return problems


def is_prod_tag(tag: str | None) -> bool:
    """``prod``, ``production``, ``prod-eu``, ``live``: yes; ``preprod``, ``staging``: no."""
    if not tag:
        return False
    return any(word in PROD_WORDS for word in re.split(r"[^a-z0-9]+", tag.lower()))


def read_deployments(
    value: Any, lines: KeyLines, path: Path
) -> tuple[dict[str, Deployment], list[SettingsProblem]]:
    """The deployments of a parsed settings file, and the problems of the file as a whole.

    ``value`` is what tomllib read under ``deployments``; ``lines`` where the file's keys
    are written. A deployment's own problems are kept on it (`Deployment.problems`), so it is
    listed and refused by name, and are also returned, to be said at start like any other
    problem of the file.
    """
    if not isinstance(value, dict):
        return {}, [
            SettingsProblem(
                path,
                lines.line_of(SECTION),
                f"{SECTION} must be a table of [{SECTION}.NAME] tables; ignored",
                f"Write each deployment as its own [{SECTION}.NAME] table.",
            )
        ]
    found: dict[str, Deployment] = {}
    problems: list[SettingsProblem] = []
    for index, (name, table) in enumerate(value.items()):
        if index >= MAX_DEPLOYMENTS:
            problems.append(
                SettingsProblem(
                    path,
                    lines.line_of(SECTION, name),
                    f"more than {MAX_DEPLOYMENTS} deployments; the rest are ignored",
                    "Split the file, or point --settings at a smaller one.",
                )
            )
            break
        deployment = _deployment(str(name), table, path, lines)
        found[deployment.name] = deployment
        problems.extend(deployment.problems)
    return found, problems


def _deployment(name: str, table: Any, path: Path, lines: KeyLines) -> Deployment:
    line = lines.line_of(SECTION, name)
    problems: list[SettingsProblem] = []

    def problem(key: str | None, message: str, remedy: str) -> None:
        where = lines.line_of(SECTION, name, key) if key else line
        problems.append(SettingsProblem(path, where, f"deployment {name!r}: {message}", remedy))

    if not NAME_PATTERN.match(name):
        problem(
            None,
            "the name cannot be given to -d (letters, digits, '.', '_' and '-', "
            "not starting with '-', at most 63 characters)",
            f"Rename the table, e.g. [{SECTION}.{_suggested_name(name)}].",
        )
    if not isinstance(table, dict):
        problem(None, "must be a table of settings", f"Write it as [{SECTION}.{name}] with keys.")
        return Deployment(_printable(name), path, line, problems=tuple(problems))
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problem(str(key), f"unknown key {key!r}{hint}", f"Known keys: {', '.join(KEYS)}.")
        elif key == "read_only":
            if isinstance(raw, bool):
                values[key] = raw
            else:
                problem(key, "read_only must be true or false", "Write read_only = true.")
        elif not isinstance(raw, str) or not raw.strip():
            kind = "the path of a file" if key in PATH_KEYS else "a non-empty text"
            problem(key, f"{key} must be {kind} (a string)", f'Write {key} = "...".')
        elif key in PATH_KEYS:
            values[key] = _path(raw, path)
        else:
            text_problem = _text_problem(key, raw.strip())
            if text_problem is None:
                values[key] = raw.strip()
            else:
                problem(key, *text_problem)
    if "config" not in table:
        problem(
            None,
            "has no config (its lightspeed-stack.yaml)",
            f'Add config = "path/to/lightspeed-stack.yaml" under [{SECTION}.{name}].',
        )
    key_lines = {key: found for key in table if (found := lines.line_of(SECTION, name, str(key)))}
    return Deployment(
        _printable(name), path, line, **values, problems=tuple(problems), key_lines=key_lines
    )


def _path(value: str, settings_file: Path) -> Path:
    """``~`` expanded; a relative path is relative to the settings file's folder, so the file
    can live beside the deployments' files in a repository."""
    written = Path(value.strip()).expanduser()
    return written if written.is_absolute() else settings_file.parent / written


def _text_problem(key: str, value: str) -> tuple[str, str] | None:
    """(message, remedy) when a text value cannot be what its key names."""
    if any(not character.isprintable() for character in value):
        return f"{key} contains control characters", f"Write {key} as plain text."
    if key == "url" and not value.lower().startswith(("http://", "https://")):
        return (
            f"url must be an http:// or https:// URL, not {value!r}",
            'Write url = "https://host:port" (the Llama Stack / OGX server).',
        )
    if key == "tag" and len(value) > MAX_TAG_LENGTH:
        return (
            f"tag is longer than {MAX_TAG_LENGTH} characters",
            "Use a short tag such as prod, staging or legacy.",
        )
    return None


def _printable(name: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in name)[:80]


def _suggested_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._")[:63]
    return cleaned or "my-deployment"


def did_you_mean(name: str, known: Mapping[str, Deployment]) -> str:
    """`` (did you mean 'prod-eu'?)`` for a mistyped name, else an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
