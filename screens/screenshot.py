"""Where a screenshot goes: a folder that exists and can be written, said by its path.

Textual saves a screenshot (the palette's "Screenshot") in the Downloads folder, which a
server or a container often lacks: the save then failed, and the notification Textual
wrote carried its own markup, shown raw by the console's plain-text notifications. Here
the first usable folder of: the one asked for, Downloads, the current folder, the temp
folder, takes it; the file is created new (never over another one), and the outcome is a
plain sentence naming the path (or why no folder would take it).

Called by the app in a thread (`screens.app.LightspeedConsole.deliver_screenshot`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Saved:
    """Where the screenshot went, or why it went nowhere."""

    path: Path | None
    note: str
    """One plain sentence for the notification and the log."""


def candidate_folders(asked: str | None) -> list[Path]:
    """The folders to try, in order."""
    folders = [Path(asked).expanduser()] if asked else []
    try:
        import platformdirs  # Textual's own choice of folder (a dependency of Textual)

        folders.append(Path(platformdirs.user_downloads_dir()))
    except Exception:  # noqa: S110 - no Downloads folder known: the next ones are tried
        pass
    folders += [Path.cwd(), Path(tempfile.gettempdir())]
    return list(dict.fromkeys(folders))


def file_name(title: str, now: datetime) -> str:
    """``lightspeed-console_2026-01-01T12_00_00.svg``: sortable, no character a shell minds."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in title) or "screenshot"
    return f"{safe}_{now:%Y-%m-%dT%H_%M_%S}.svg"


def save_screenshot(svg: str, name: str, folders: list[Path]) -> Saved:
    """Write ``svg`` as ``name`` in the first folder that takes it (a new file)."""
    tried: list[str] = []
    for folder in folders:
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            tried.append(f"{folder}: not a writable folder")
            continue
        target = folder / name
        try:
            with target.open("x", encoding="utf-8") as file:
                file.write(svg)
        except OSError as error:
            tried.append(f"{folder}: {error.strerror or error}")
            continue
        passed = f"; not in {'; '.join(tried)}" if tried else ""
        return Saved(target, f"Screenshot saved to {target}{passed}")
    return Saved(None, f"Screenshot not saved: {'; '.join(tried)}")
