"""Files that are not files: stdin (``-``), pipes (``<(kubectl ...)``, a named FIFO),
terminals, devices and directories.

A pipe is read once, within the same byte limit as a file (at most limit + 1 bytes are
taken from it), and what was read is kept: loading the same path again (the TUI reloads,
the doctor re-runs its config step) gives the same text instead of waiting on an empty
pipe. A terminal or a device is refused before anything is read from it.
"""

from __future__ import annotations

import contextlib
import io
import os
import pty
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.cli import main
from console.config.errors import ConfigFileError
from console.config.limits import ENVIRONMENT
from console.config.loader import load
from console.config.yamlio import read_yaml_file
from tests.conftest import EXAMPLES

SERVICE = EXAMPLES / "lightspeed-stack-service.yaml"
RUN = EXAMPLES / "azure-run.yaml"


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch: pytest.MonkeyPatch, entra_env: dict[str, str]) -> None:
    for variable in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)


def piped(data: bytes) -> int:
    """The read end of a pipe that holds ``data`` and whose writer is gone."""
    read, write = os.pipe()
    with os.fdopen(write, "wb") as writer:
        writer.write(data)
    return read


def feeding(data: bytes) -> tuple[int, threading.Thread]:
    """The read end of a pipe a thread is writing ``data`` into (more than a pipe holds)."""
    read, write = os.pipe()

    def feed() -> None:
        # the console stops reading at its limit: the rest cannot be written
        with contextlib.suppress(BrokenPipeError), os.fdopen(write, "wb") as writer:
            writer.write(data)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return read, thread


StdinFrom = Callable[[int], io.TextIOWrapper]


@pytest.fixture
def stdin_from(monkeypatch: pytest.MonkeyPatch) -> Iterator[StdinFrom]:
    """Replace stdin with a real descriptor (a pipe, a terminal, a device) for one test."""
    opened: list[io.TextIOWrapper] = []

    def use(descriptor: int) -> io.TextIOWrapper:
        stream = os.fdopen(descriptor, "r", encoding="utf-8")
        opened.append(stream)
        monkeypatch.setattr(sys, "stdin", stream)
        return stream

    yield use
    for stream in opened:
        stream.close()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return int(code), out, err


@pytest.mark.parametrize("role", ["-c", "-i"])
def test_stdin_is_read_like_the_file(
    role: str, stdin_from: StdinFrom, capsys: pytest.CaptureFixture[str]
) -> None:
    source = SERVICE if role == "-c" else RUN
    expected = cli(capsys, "review", "-c", str(SERVICE), "-i", str(RUN))
    stdin_from(piped(source.read_bytes()))
    argv = ["-c", "-", "-i", str(RUN)] if role == "-c" else ["-c", str(SERVICE), "-i", "-"]
    code, out, err = cli(capsys, "review", *argv)
    assert code == expected[0]
    assert out.replace("-:", f"{source}:") == expected[1]
    assert "Traceback" not in out + err


def test_stdin_gives_its_text_again_to_a_second_load(stdin_from: StdinFrom) -> None:
    stdin_from(piped(RUN.read_bytes()))
    first = load(SERVICE, Path("-"))
    again = load(SERVICE, Path("-"))  # the writer is gone: a second read would find nothing
    assert first.run is not None
    assert again.run is not None
    assert again.run.yaml.text == first.run.yaml.text == RUN.read_text()


def test_a_pipe_given_as_dev_fd_is_read_once(capsys: pytest.CaptureFixture[str]) -> None:
    """``-i <(kubectl get configmap ...)``: the shell passes /dev/fd/N."""
    descriptor = piped(RUN.read_bytes())
    try:
        path = Path(f"/dev/fd/{descriptor}")
        code, out, err = cli(capsys, "diff", "-c", str(SERVICE), "-i", str(path))
        assert code == 1, err
        assert "+        model_validation: false" in out
        loaded = load(SERVICE, path)  # again, as the TUI's reload does
        assert loaded.run is not None
        assert loaded.run.yaml.text == RUN.read_text()
    finally:
        os.close(descriptor)


def test_a_named_fifo_is_read_once(tmp_path: Path) -> None:
    fifo = tmp_path / "run.yaml"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as writer:
            writer.write(RUN.read_bytes())

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    first = read_yaml_file(fifo)
    writer.join()
    again = read_yaml_file(fifo)  # no writer now: opening it would wait for ever
    assert again.text == first.text == RUN.read_text()


def test_a_pipe_larger_than_the_limit_is_refused_after_limit_plus_one_bytes(
    monkeypatch: pytest.MonkeyPatch, stdin_from: StdinFrom, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENVIRONMENT["max_bytes"], "100000")
    descriptor, writer = feeding(b"# comment\n" * 100_000)  # 1,000,000 bytes
    stream = stdin_from(descriptor)
    code, _, err = cli(capsys, "review", "-c", str(SERVICE), "-i", "-")
    assert code == 2
    assert "error: -: the file is larger than 100,000 bytes" in err
    assert "LIGHTSPEED_CONSOLE_MAX_BYTES" in err
    rest = stream.buffer.read()  # what the console left in the pipe
    writer.join()
    assert len(rest) == 1_000_000 - 100_001


def test_stdin_for_both_files_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "review", "-c", "-", "-i", "-")
    assert code == 2
    assert "error: -: stdin is given for both -c and -i, and it can be read only once" in err
    assert "remedy:" in err


def test_stdin_is_not_rewritten_in_place(
    tmp_path: Path,
    stdin_from: StdinFrom,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    stdin_from(piped(RUN.read_bytes()))
    code, _, err = cli(capsys, "enrich", "-c", str(SERVICE), "-i", "-", "--in-place")
    assert code == 2
    assert "error: -: a run.yaml read from stdin cannot be rewritten in place" in err
    assert "-o FILE" in err
    assert list(tmp_path.iterdir()) == []  # no file named '-' (nor '-.bak')


def test_stdin_can_be_enriched_to_a_file(
    tmp_path: Path, stdin_from: StdinFrom, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin_from(piped(RUN.read_bytes()))
    target = tmp_path / "run_.yaml"
    code, _, err = cli(capsys, "enrich", "-c", str(SERVICE), "-i", "-", "-o", str(target))
    assert code == 0, err
    assert "model_validation: false" in target.read_text()


def test_a_terminal_on_stdin_is_refused_not_waited_on(
    stdin_from: StdinFrom, capsys: pytest.CaptureFixture[str]
) -> None:
    leader, follower = pty.openpty()
    try:
        stdin_from(follower)
        code, _, err = cli(capsys, "review", "-c", "-", "-i", str(RUN))
    finally:
        os.close(leader)
    assert code == 2
    assert "error: -: stdin is a terminal, not a file piped in" in err
    assert "remedy: Pipe the file in" in err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_on_stdin_is_refused(
    device: str, stdin_from: StdinFrom, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin_from(os.open(device, os.O_RDONLY))
    code, _, err = cli(capsys, "review", "-c", str(SERVICE), "-i", "-")
    assert code == 2
    assert "error: -: this is a device, not a file" in err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/tty", "/dev/stdin"])
def test_a_device_path_is_refused_before_it_is_opened(
    device: str,
    stdin_from: StdinFrom,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """/dev/tty (when there is one) and /dev/stdin on a terminal would wait on a keyboard."""
    leader, follower = pty.openpty()
    stdin_from(follower)
    if device == "/dev/tty" and not Path(device).exists():
        pytest.skip("no /dev/tty here")

    def never(self: Path, *args: object, **kwargs: object) -> object:
        raise AssertionError(f"{self} was opened")

    try:
        with monkeypatch.context() as patch:
            patch.setattr(Path, "open", never)
            with pytest.raises(ConfigFileError) as raised:
                read_yaml_file(Path(device))
    finally:
        os.close(leader)
    assert raised.value.message.startswith("this is a device, not a file")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as raised:
        read_yaml_file(tmp_path)
    assert raised.value.message == "this is a directory, not a file"
