"""Reading an access token someone else acquired (``infer --token-file``), boundedly and strictly.

An Entra ID access token is a JWT of about 2-3 KB, base64url and dots: ASCII. So the file
is read up to `MAX_TOKEN_FILE_BYTES` (64 KiB, twenty times a large token) and no further,
whatever it is: ``/dev/zero`` or a multi-gigabyte file ends in an error naming the limit,
not in memory exhaustion. Its text must be ASCII (a UTF-8 BOM is allowed, as PowerShell
writes one); anything else is named (UTF-16, a binary file, the offset of the first
undecodable byte) without quoting the content, which may be a credential.

The file is opened without blocking, so a named FIFO that nobody writes to reads as empty
instead of hanging; a pipe with a writer (``<(az account get-access-token ...)``, ``-`` for
stdin) is read to its end as usual. A directory is refused by name.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pydantic import SecretStr

from console.shared.azure import COGNITIVE_SERVICES

MAX_TOKEN_FILE_BYTES = 64 * 1024
"""The most a token file may hold: an Entra ID token is 2-3 KB."""

STDIN = "-"

_AZ_HINT = (
    "Write only the token into it: az account get-access-token --resource "
    f"{COGNITIVE_SERVICES} --query accessToken -o tsv > FILE"
)


@dataclass
class TokenFileError(Exception):
    """The token file cannot give one token; nothing was sent anywhere."""

    message: str
    remedy: str

    def __str__(self) -> str:
        return self.message


def read_token_file(path: Path, stdin: BinaryIO | None = None) -> SecretStr:
    """The one token in ``path`` (``-``: stdin), or `TokenFileError` saying why not."""
    if str(path) == STDIN:
        source = stdin if stdin is not None else _stdin()
        data = source.read(MAX_TOKEN_FILE_BYTES + 1)
    else:
        data = _read_path(path)
    if len(data) > MAX_TOKEN_FILE_BYTES:
        raise TokenFileError(
            f"larger than {MAX_TOKEN_FILE_BYTES // 1024} KiB, the most a token file may hold "
            "(an Entra ID access token is 2-3 KB)",
            _AZ_HINT,
        )
    return SecretStr(_one_token(_text(data)))


def _stdin() -> BinaryIO:
    if sys.stdin is None:
        raise TokenFileError("stdin is closed", "Pipe the token in, or name a file.")
    return sys.stdin.buffer


def _read_path(path: Path) -> bytes:
    """At most one byte past the limit, without waiting on a FIFO nobody writes to."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except IsADirectoryError:
        raise TokenFileError("is a folder, not a file", _AZ_HINT) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise TokenFileError("is a folder, not a file", _AZ_HINT)
        if stat.S_ISFIFO(info.st_mode):  # a writer may still be on its way: wait for it
            os.set_blocking(fd, True)  # a FIFO with no writer reads as empty, never blocks
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_TOKEN_FILE_BYTES:
            try:
                chunk = os.read(fd, MAX_TOKEN_FILE_BYTES + 1 - size)
            except BlockingIOError:
                raise TokenFileError(
                    "gave nothing to read yet (a device?)",
                    "Name a regular file, a pipe, or - for stdin.",
                ) from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if not chunks and stat.S_ISFIFO(info.st_mode):
            raise TokenFileError(
                "is a pipe that nobody writes to: it gave no token",
                "Start its writer first, or pass the command's output as <(command), or "
                "pipe it in with --token-file -.",
            )
        return b"".join(chunks)
    finally:
        os.close(fd)


def _text(data: bytes) -> str:
    """The file's text, if it is ASCII (after an optional UTF-8 BOM)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TokenFileError(
            "is UTF-16 text (PowerShell's > writes it); a token file must be ASCII",
            "Write it with | Out-File -Encoding ascii FILE, or with az ... -o tsv from a "
            "POSIX shell.",
        )
    if b"\x00" in data:
        raise TokenFileError(
            "holds NUL bytes: it is binary, not a token",
            _AZ_HINT,
        )
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as error:
        raise TokenFileError(
            f"is not ASCII text (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "an access token is base64url and dots",
            _AZ_HINT,
        ) from None


def _one_token(text: str) -> str:
    """The file's one word: a token, without surrounding blanks or line ends."""
    words = text.split()
    if not words:
        raise TokenFileError("is empty: expected one access token", _AZ_HINT)
    if len(words) > 1:
        raise TokenFileError(f"holds {len(words)} words: expected one access token", _AZ_HINT)
    token = words[0]
    if not token.isprintable():
        raise TokenFileError("holds control characters: expected one access token", _AZ_HINT)
    return token
