"""The pod's environment from a file: ``--env-file FILE`` and a deployment's ``env_file``.

In a cluster, ``${env.TENANT_ID}`` and the client secret come from the pod's Secret; on an
engineer's laptop they come from a dotenv file (``KEY=value`` lines, ``export`` allowed,
quotes as a shell has them), read with python-dotenv's ``dotenv_values``. Values are taken
literally, as a pod's Secret gives them: ``${OTHER}`` inside a value is not expanded.

The file's values serve ``${env.*}`` and the Entra credentials exactly as exported
variables would, but never override them: a variable exported in the shell wins, and the
console says which ones did (`Layered.notice`, names only). The values of the variables
whose names say they are secrets (`is_secret_variable`: ``CLIENT_SECRET``,
``AZURE_API_KEY``) are handed on to be masked wherever they appear (`Layered.secrets`), and
the loader adds the values the config files use as secrets, whatever their names. The Entra
ID tenant and client IDs (``TENANT_ID``, ``CLIENT_ID``) are identifiers, not credentials:
they are shown, as ``az account get-access-token`` shows them. A value such as ``true``,
``pass`` or ``info`` in ``ENABLE_TLS=true`` is no secret: masking it in every text would
mask the console's own words and break its JSON.
"""

from __future__ import annotations

import io
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    lines: Mapping[str, int] = field(default_factory=dict)
    """The line each variable's value comes from (the last binding of its name)."""

    def source_of(self, name: str) -> str:
        """``pod.env:3``: where the file gives ``name``."""
        line = self.lines.get(name)
        return f"{self.path}:{line}" if line is not None else str(self.path)


SECRET_VARIABLE_ENDINGS = ("key", "pass", "pwd", "connectionstring")
"""How a variable's name ends, separators dropped, when its value is a secret beyond what
a config key's name says (`console.shared.redact.is_secret_key`): ``AZURE_OPENAI_KEY``,
``DB_PASS``, ``STORAGE_CONNECTION_STRING``. Not ``TENANT_ID`` or ``CLIENT_ID``: the Entra ID
identity is shown (``az`` shows it), only its secret is not."""


def is_secret_variable(name: str) -> bool:
    """Whether an environment variable's name says its value is a secret."""
    from console.shared.redact import is_secret_key

    folded = "".join(char for char in name.lower() if char.isalnum())
    return is_secret_key(name) or folded.endswith(SECRET_VARIABLE_ENDINGS)


@dataclass(frozen=True)
class Layered:
    """The environment a deployment is checked with: the file under the exported variables."""

    environ: Mapping[str, str]
    secrets: tuple[str, ...]
    """The values of the file's secret-named variables (`is_secret_variable`): masked
    wherever text is shown."""
    exported_won: tuple[str, ...]
    """Names set both in the file and in the shell, whose exported value was used."""
    file: Path | None = None
    without_value: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    """Every value the file gave, secret or not: what a crash report masks, being text
    nobody chose."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """For each variable whose value the file gave (not one an exported variable won):
    ``pod.env:3``. Any other variable comes from the environment (`source_of_variable`)."""

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
    """python-dotenv's reading, in one pass: what ``dotenv_values(interpolate=False)``
    gives (a later line wins), each line that is not a binding refused with its number."""
    from dotenv.parser import parse_stream

    parsed: dict[str, str | None] = {}
    lines: dict[str, int] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise EnvFileError(
                path,
                "a line that is not KEY=value (nor a comment or a blank line)",
                "Fix or remove the line (quote values with spaces or #).",
                binding.original.line,
            )
        if binding.key is not None:
            parsed[binding.key] = binding.value
            lines[binding.key] = binding.original.line
    values = {key: value for key, value in parsed.items() if value is not None}
    without = tuple(key for key, value in parsed.items() if value is None)
    return EnvFile(path, values, without, {key: lines[key] for key in values})


def layered(env_file: EnvFile | None, exported: Mapping[str, str]) -> Layered:
    """``exported`` over the file's values; the secret-named variables' are the secrets."""
    if env_file is None:
        return Layered(dict(exported), (), ())
    environ = {**env_file.values, **exported}
    won = tuple(sorted(name for name in env_file.values if name in exported))
    secrets = {value for name, value in env_file.values.items() if is_secret_variable(name)}
    values = {value for value in env_file.values.values() if value}
    return Layered(
        environ,
        tuple(sorted(secret for secret in secrets if secret)),
        won,
        env_file.path,
        env_file.without_value,
        tuple(sorted(values)),
        {name: env_file.source_of(name) for name in env_file.values if name not in exported},
    )


def source_of_variable(
    name: str, environ: Mapping[str, str], sources: Mapping[str, str]
) -> str | None:
    """Where a variable's value comes from: its env file and line (``pod.env:3``), else
    ``environment``; None when it is not set at all."""
    if name in sources:
        return sources[name]
    return "environment" if name in environ else None
