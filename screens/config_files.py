"""The two files the config screen shows: which loaded file a tab is, and what to mask in it.

Which loaded file a tab shows, what to call it before anything loaded, which secrets must
be masked wherever they appear (the console's own and the values of ``${env.…}`` references
under secret-named keys; `screens.widgets.masked_yaml` masks the inline ones field by
field), and whether a finding's file is one of the two. Pure functions of what they are
given: the screen draws the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import SecretStr

    from console.config.loaded import Loaded, LoadedFile

FILE_IDS = ("lightspeed", "run")
"""The two tabs: lightspeed-stack.yaml and run.yaml."""


def file_of(loaded: Loaded | None, file_id: str) -> LoadedFile | None:
    """The loaded file a tab shows (None before loading, or when there is none)."""
    if loaded is None:
        return None
    return loaded.lightspeed if file_id == "lightspeed" else loaded.run


def file_label(loaded: Loaded | None, file_id: str) -> str:
    """A tab's name: the file's, or what the synthesized run.yaml is (it has no file)."""
    file = file_of(loaded, file_id)
    if file is None:
        return default_label(file_id)
    if file_id == "run" and loaded is not None and loaded.synthesis is not None:
        return "run.yaml (synthesized)"
    return file.path.name


def default_label(file_id: str) -> str:
    """A tab's name before its file is known."""
    return "lightspeed-stack.yaml" if file_id == "lightspeed" else "run.yaml"


def held_secrets(
    loaded: Loaded, held: list[SecretStr | str | None], environ: Mapping[str, str]
) -> list[SecretStr | str | None]:
    """The secrets to mask everywhere: the console's own, plus the values of the variables
    the files use as secrets (`console.config.loaded.Loaded.secret_references`)."""
    held.extend(environ.get(ref.name) for ref in loaded.secret_references)
    return held


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (as written, when they cannot be resolved).

    The findings and references carry the loaded files' own paths, so equal paths settle
    it without asking the file system.
    """
    if a == b:
        return True
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b
