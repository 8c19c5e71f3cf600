"""The pod's environment from a dotenv file, and the streams that never show its values."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from console.settings.envfile import (
    MAX_ENV_FILE_BYTES,
    EnvFileError,
    layered,
    read_env_file,
    source_of_variable,
)
from console.shared.secret_streams import ScrubbingStream, scrubbed_output

SECRET = "canary-Env-S3cret/value+1"


def env_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pod.env"
    path.write_text(text)
    return path


def test_dotenv_forms_are_read_literally(tmp_path: Path) -> None:
    path = env_file(
        tmp_path,
        "# the pod's Secret\nA=1\nexport B='two words'\nC=\"x\\ny\"\nD=${A}\nEMPTY=\nNAKED\n",
    )
    found = read_env_file(path)
    assert found.values == {"A": "1", "B": "two words", "C": "x\ny", "D": "${A}", "EMPTY": ""}
    assert found.without_value == ("NAKED",)


def test_exported_variables_win_and_are_named_never_valued(tmp_path: Path) -> None:
    found = read_env_file(
        env_file(tmp_path, f"CLIENT_SECRET={SECRET}\nCLIENT_ID=from-file\nTENANT_ID=t\n")
    )
    layer = layered(found, {"TENANT_ID": "exported", "HOME": "/root"})
    assert layer.environ["TENANT_ID"] == "exported"
    assert layer.environ["CLIENT_SECRET"] == SECRET
    assert layer.environ["CLIENT_ID"] == "from-file"
    assert layer.environ["HOME"] == "/root"
    assert layer.exported_won == ("TENANT_ID",)
    notice = layer.notice()
    assert notice is not None
    assert "TENANT_ID" in notice
    assert SECRET not in notice
    assert "exported" not in notice.split(":", 1)[1].split("(")[0].replace("exported variables", "")
    # Only the secret: the tenant and client IDs are identifiers, shown as az shows them.
    assert set(layer.secrets) == {SECRET}
    # Each variable says where it comes from: the file's line, or the environment.
    path = tmp_path / "pod.env"
    assert dict(layer.sources) == {"CLIENT_SECRET": f"{path}:1", "CLIENT_ID": f"{path}:2"}
    assert source_of_variable("TENANT_ID", layer.environ, layer.sources) == "environment"
    assert source_of_variable("CLIENT_ID", layer.environ, layer.sources) == f"{path}:2"
    assert source_of_variable("NOWHERE", layer.environ, layer.sources) is None


def test_no_file_is_the_exported_environment_and_no_secret() -> None:
    layer = layered(None, {"A": "1"})
    assert (dict(layer.environ), layer.secrets, layer.notice()) == ({"A": "1"}, (), None)


@pytest.mark.parametrize(
    ("text", "words", "line"),
    [
        ("A=1\nthis is not a pair\n", "not KEY=value", 2),
        ("A='unterminated\n", "not KEY=value", 1),
    ],
)
def test_a_bad_line_is_an_error_naming_the_line(
    tmp_path: Path, text: str, words: str, line: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(EnvFileError) as raised:
        read_env_file(env_file(tmp_path, text))
    assert raised.value.line == line
    assert words in raised.value.message
    assert f"pod.env:{line}:" in str(raised.value)
    assert capsys.readouterr().err == ""  # python-dotenv's own warning is not printed


def test_missing_fifo_binary_and_huge_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(EnvFileError, match="does not exist"):
        read_env_file(tmp_path / "gone.env")
    fifo = tmp_path / "fifo.env"
    os.mkfifo(fifo)
    with pytest.raises(EnvFileError, match="not a regular file"):
        read_env_file(fifo)
    (tmp_path / "bin.env").write_bytes(b"A=\xff\xfe\n")
    with pytest.raises(EnvFileError, match="UTF-8"):
        read_env_file(tmp_path / "bin.env")
    huge = tmp_path / "huge.env"
    with huge.open("wb") as handle:
        handle.truncate(MAX_ENV_FILE_BYTES + 1)
    with pytest.raises(EnvFileError, match="more than"):
        read_env_file(huge)


def test_a_value_split_over_writes_is_still_masked() -> None:
    sink = io.StringIO()
    stream = ScrubbingStream(sink, [SECRET])  # type: ignore[arg-type]
    for piece in ("answer: canary-Env", "-S3cret/va", "lue+1 done", " and more"):
        stream.write(piece)
    stream.release()
    assert sink.getvalue() == "answer: ******** done and more"


def test_encoded_forms_are_masked_and_other_text_passes_at_once() -> None:
    sink = io.StringIO()
    quoted = 'canary"Env\\S3cret/value+1'
    stream = ScrubbingStream(sink, [quoted])  # type: ignore[arg-type]
    stream.write(json.dumps({"v": quoted}) + f" q={quote(quoted, safe='')}\n")
    stream.write("plain text\n")
    assert "canary" not in sink.getvalue()
    assert sink.getvalue().endswith("plain text\n")  # nothing held back after a newline


def test_scrubbed_output_restores_the_streams_and_flushes_what_it_held(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sys

    before = sys.stdout
    with scrubbed_output([SECRET]):
        print(f"x {SECRET} y", end="")
        sys.stdout.write(" canary")  # could begin the secret: held until the end
        sys.stderr.write(f"{SECRET}\n")
    assert sys.stdout is before
    out, err = capsys.readouterr()
    assert out == "x ******** y canary"
    assert err == "********\n"
