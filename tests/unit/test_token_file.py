"""``infer --token-file``: read at most 64 KiB, ASCII only, never hanging, never quoting the file.

Real files of every troublesome kind: /dev/zero, a sparse file of gigabytes, binary, UTF-16,
Latin-1, a FIFO nobody writes to, a folder; and the ones that must work: a token with a
line end, a BOM, a pipe with its writer, stdin.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from console.cli import main
from console.entra.token_file import MAX_TOKEN_FILE_BYTES, TokenFileError, read_token_file

TOKEN = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl" + "A" * 2000
"""Shaped like an Entra ID token, and as long."""


def refusal(path: Path | str) -> str:
    with pytest.raises(TokenFileError) as refused:
        read_token_file(Path(path))
    assert TOKEN not in str(refused.value)
    return refused.value.message


def test_a_token_file_as_az_writes_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    assert read_token_file(path).get_secret_value() == TOKEN
    path.write_bytes(b"\xef\xbb\xbf" + TOKEN.encode() + b"\r\n")
    assert read_token_file(path).get_secret_value() == TOKEN


def test_dev_zero_is_refused_at_the_limit() -> None:
    assert "larger than 64 KiB" in refusal("/dev/zero")


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    huge = tmp_path / "huge"
    with huge.open("wb") as handle:
        handle.truncate(8 * 1024**3)  # sparse: 8 GiB on paper, nothing on disk
    assert "larger than 64 KiB" in refusal(huge)
    just_over = tmp_path / "over"
    just_over.write_bytes(b"A" * (MAX_TOKEN_FILE_BYTES + 1))
    assert "larger than 64 KiB" in refusal(just_over)
    at_limit = tmp_path / "at"
    at_limit.write_bytes(b"A" * MAX_TOKEN_FILE_BYTES)
    assert len(read_token_file(at_limit).get_secret_value()) == MAX_TOKEN_FILE_BYTES


def test_binary_and_other_encodings_are_named(tmp_path: Path) -> None:
    binary = tmp_path / "binary"
    binary.write_bytes(bytes(range(256)))
    assert "binary" in refusal(binary)
    utf16 = tmp_path / "utf16"
    utf16.write_text(TOKEN, encoding="utf-16")
    assert "UTF-16" in refusal(utf16)
    latin1 = tmp_path / "latin1"
    latin1.write_bytes(TOKEN.encode()[:10] + b"\xe9" + TOKEN.encode()[10:])
    assert "byte 0xe9 at offset 10" in refusal(latin1)
    accented = tmp_path / "utf8"
    accented.write_text("é" + TOKEN, encoding="utf-8")
    assert "not ASCII" in refusal(accented)


def test_a_fifo_nobody_writes_to_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "nobody writes to" in refusal(fifo)


def test_a_pipe_with_its_writer_is_read_to_the_end() -> None:
    """``--token-file <(az ...)``: the writer may be slower than the reader."""
    read_end, write_end = os.pipe()

    def writer() -> None:
        with os.fdopen(write_end, "wb") as handle:
            handle.write(TOKEN[:100].encode())
            handle.flush()
            handle.write(TOKEN[100:].encode() + b"\n")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert read_token_file(Path(f"/dev/fd/{read_end}")).get_secret_value() == TOKEN
    finally:
        thread.join(timeout=10)
        os.close(read_end)


def test_stdin_is_bounded_too() -> None:
    assert read_token_file(Path("-"), io.BytesIO(TOKEN.encode())).get_secret_value() == TOKEN
    with pytest.raises(TokenFileError, match="64 KiB"):
        read_token_file(Path("-"), io.BytesIO(b"A" * (MAX_TOKEN_FILE_BYTES + 10)))


def test_a_folder_empty_file_and_several_words_are_refused(tmp_path: Path) -> None:
    assert "folder" in refusal(tmp_path)
    empty = tmp_path / "empty"
    empty.write_text(" \n")
    assert "empty" in refusal(empty)
    two = tmp_path / "two"
    two.write_text(f"Bearer {TOKEN}\n")
    assert "2 words" in refusal(two)
    escape = tmp_path / "escape"
    escape.write_text(TOKEN + "\x1b]0;title\x07\n")
    assert "control characters" in refusal(escape)


@pytest.mark.parametrize("kind", ["/dev/zero", "huge", "binary", "folder", "utf16"])
def test_the_command_exits_2_naming_the_file_and_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = {
        "/dev/zero": Path("/dev/zero"),
        "huge": tmp_path / "huge",
        "binary": tmp_path / "binary",
        "folder": tmp_path,
        "utf16": tmp_path / "utf16",
    }[kind]
    if kind == "huge":
        with path.open("wb") as handle:
            handle.truncate(3 * 1024**3)
    elif kind == "binary":
        path.write_bytes(b"\x7fELF\x00\x01")
    elif kind == "utf16":
        path.write_text(TOKEN, encoding="utf-16")
    code = main(["infer", "--url", "http://127.0.0.1:9", "--token-file", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert f"error: --token-file {path}: " in err
    assert "remedy:" in err
    assert "internal error" not in err


def test_the_command_does_not_hang_on_a_fifo_nobody_writes_to(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "console", "infer", "--url", "http://127.0.0.1:9",
         "--token-file", str(fifo)],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "nobody writes to" in done.stderr
