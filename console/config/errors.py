"""The error raised when a configuration file cannot be used at all.

A file that cannot be read or parsed stops the command (exit code 2); everything else a
file can get wrong is a `Finding`. The message always names the file, the line where there
is one, and a remedy, because the operator reading it is usually not the one who wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ConfigFileError(Exception):
    """A configuration file that cannot be read or parsed."""

    file: Path
    message: str
    remedy: str
    line: int | None = None
    column: int | None = None

    @property
    def location(self) -> str:
        """``file:line:column`` as editors and terminals understand it."""
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"
