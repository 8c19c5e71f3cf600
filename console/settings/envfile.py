"""The pod's environment from a file: ``--env-file FILE`` and a deployment's ``env_file``.

In a cluster, ``${env.TENANT_ID}`` and the client secret come from the pod's Secret; on an
engineer's laptop they come from a dotenv file (``KEY=value`` lines, ``export`` allowed,
quotes as a shell has them), read with python-dotenv's ``dotenv_values``. Values are taken
literally, as a pod's Secret gives them: ``${OTHER}`` inside a value is not expanded.

The file's values serve ``${env.*}`` and the Entra credentials exactly as exported
variables would, but never override them: a variable exported in the shell wins, and the
console says which ones did (`Layered.notice`, names only). Every value of the file is
treated as a secret: it is handed on for scrubbing (`Layered.secrets`) and never shown.
"""

from __future__ import annotations

import io
import logging
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MAX_ENV_FILE_BYTES = 1024 * 1024
"""A pod's environment is a few kilobytes; a larger file is refused unread."""


class EnvFileError(Exception):
    """An env file that cannot be used: which file (and line), why, and what to do."""

    def __init__(self, path: Path, message: str, remedy: str, line: int | None = None) -> None:
        self.path, self.message, self.remedy, self.line = path, message, remedy, line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class EnvFile:
    """The variables of one env file (values never shown)."""

    path: Path
    values: Mapping[str, str]
    without_value: tuple[str, ...] = ()
    """Names written without ``=`` (python-dotenv gives them no value): ignored."""


@dataclass(frozen=True)
class Layered:
    """The environment a deployment is checked with: the file under the exported variables."""

    environ: Mapping[str, str]
    secrets: tuple[str, ...]
    """Every value the file gave: masked wherever text is shown."""
    exported_won: tuple[str, ...]
    """Names set both in the file and in the shell, whose exported value was used."""
    file: Path | None = None
    without_value: tuple[str, ...] = ()

    def notice(self) -> str | None:
        """What to tell the operator about the layering (names, never values), if anything."""
        if self.file is None:
            return None
        parts = []
        if self.exported_won:
            parts.append(
                f"exported variables win over {self.file}: {', '.join(self.exported_won)} "
                "(unset them in the shell to use the file's values)"
            )
        if self.without_value:
            parts.append(f"no value in {self.file}, ignored: {', '.join(self.without_value)}")
        return "; ".join(parts) or None


def read_env_file(path: Path) -> EnvFile:
    """The file's variables; `EnvFileError` naming the file (and line) when it cannot be used.

    Only a regular file of at most `MAX_ENV_FILE_BYTES` is read (a FIFO would block).
    """
    path = Path(path).expanduser()
    try:
        info = path.stat()
    except FileNotFoundError:
        raise EnvFileError(path, "does not exist", _REMEDY) from None
    except OSError as error:
        raise EnvFileError(path, f"cannot be read ({error.strerror})", _REMEDY) from None
    if not stat.S_ISREG(info.st_mode):
        raise EnvFileError(path, "is not a regular file", _REMEDY)
    if info.st_size > MAX_ENV_FILE_BYTES:
        raise EnvFileError(
            path,
            f"{info.st_size} bytes, more than an env file's {MAX_ENV_FILE_BYTES}",
            "Give the file with the pod's variables only.",
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_ENV_FILE_BYTES + 1)
        text = raw[:MAX_ENV_FILE_BYTES].decode("utf-8")
    except OSError as error:
        raise EnvFileError(path, f"cannot be read ({error.strerror})", _REMEDY) from None
    except UnicodeDecodeError:
        raise EnvFileError(path, "is not UTF-8 text", "Save the file as UTF-8.") from None
    return _parse(path, text)


_REMEDY = "Give a dotenv file (KEY=value lines) with --env-file or env_file in the settings."


def _parse(path: Path, text: str) -> EnvFile:
    from dotenv import dotenv_values
    from dotenv.parser import parse_stream

    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise EnvFileError(
                path,
                "a line that is not KEY=value (nor a comment or a blank line)",
                "Fix or remove the line (quote values with spaces or #).",
                binding.original.line,
            )
    _quiet_dotenv()
    parsed = dotenv_values(stream=io.StringIO(text), interpolate=False)
    values = {key: value for key, value in parsed.items() if value is not None}
    without = tuple(key for key, value in parsed.items() if value is None)
    return EnvFile(path, values, without)


def layered(env_file: EnvFile | None, exported: Mapping[str, str]) -> Layered:
    """``exported`` over the file's values; the file's values are the secrets."""
    if env_file is None:
        return Layered(dict(exported), (), ())
    environ = {**env_file.values, **exported}
    won = tuple(sorted(name for name in env_file.values if name in exported))
    secrets = tuple(sorted({value for value in env_file.values.values() if value}))
    return Layered(environ, secrets, won, env_file.path, env_file.without_value)


class _NoParseWarnings(logging.Filter):
    """python-dotenv logs "could not parse" itself; `_parse` has said it with a remedy."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "could not parse" not in record.getMessage()


_FILTER = _NoParseWarnings()


def _quiet_dotenv() -> None:
    logger = logging.getLogger("dotenv.main")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
