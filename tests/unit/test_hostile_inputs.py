"""Hostile and broken configuration files, run through the real CLI.

Every file in tests/data/hostile/ has one row below: the role it plays (lightspeed-stack.yaml
given with ``-c``, or run.yaml given with ``-i``), the exit code ``review`` gives and the one
``diff`` gives, and a fragment the message must contain with the line it must point at. Each
row runs through ``review``, ``diff``, ``enrich -o`` and ``providers --static``; a few run
in a separate interpreter so that what reaches a user's terminal is what is checked.
Files that cannot be committed (huge, unreadable, loops, directories) are made per test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from console.cli import main
from tests.conftest import EXAMPLES, ROOT

HOSTILE = ROOT / "tests" / "data" / "hostile"
SERVICE = EXAMPLES / "lightspeed-stack-service.yaml"
RUN = EXAMPLES / "azure-run.yaml"

LIGHTSPEED = "lightspeed"
"""``-c <file> -i examples/azure-run.yaml``"""
LIGHTSPEED_ALONE = "lightspeed-alone"
"""``-c <file>``: the run.yaml is the one the file names."""
RUN_YAML = "run"
"""``-c examples/lightspeed-stack-service.yaml -i <file>``"""


@dataclass(frozen=True)
class Case:
    """One corpus file and what the console must say about it."""

    name: str
    role: str
    review: int
    fragment: str
    line: int | None = None
    diff: int = 2
    """``diff``'s exit code; ``enrich`` and ``providers`` exit 0 unless this is 2."""
    elsewhere: str | None = None
    """What the other commands' error says instead, when they fail for another reason."""

    @property
    def path(self) -> Path:
        return HOSTILE / self.name

    def argv(self) -> list[str]:
        if self.role == LIGHTSPEED:
            return ["-c", str(self.path), "-i", str(RUN)]
        if self.role == LIGHTSPEED_ALONE:
            return ["-c", str(self.path)]
        return ["-c", str(SERVICE), "-i", str(self.path)]

    def __str__(self) -> str:
        return self.name


L, A, R = LIGHTSPEED, LIGHTSPEED_ALONE, RUN_YAML
UNCLOSED_QUOTE = "quoted string that starts at the line shown is never closed"
DUPLICATE = "a key appears twice in the same mapping"
NOT_UTF8 = "the file is not UTF-8 text"
EMPTY = "the file is empty (no YAML document)"
CLEAN = "0 error(s), 0 warning(s), 0 notice(s)"

CASES = [
    # YAML that does not parse
    Case("ls_yaml_unclosed_double_quote.yaml", L, 2, UNCLOSED_QUOTE, 6),
    Case("ls_yaml_unclosed_single_quote.yaml", L, 2, UNCLOSED_QUOTE, 6),
    Case("ls_yaml_unclosed_flow_sequence.yaml", L, 2, "'[' or '{' opened at line 5", 6),
    Case("ls_yaml_unclosed_flow_mapping.yaml", L, 2, "'[' or '{' opened at line 5", 6),
    Case("run_yaml_unclosed_flow_mapping.yaml", R, 2, "'[' or '{' opened at line 7", 8),
    Case("ls_yaml_bad_indentation.yaml", L, 2, "expected <block end>", 7),
    Case("ls_yaml_tab_indentation.yaml", L, 2, "a tab character is used", 6),
    Case("run_yaml_tab_indentation.yaml", R, 2, "replace the tabs with spaces", 10),
    Case("ls_yaml_key_without_colon.yaml", L, 2, "lacks its ':'", 7),
    Case("ls_yaml_mapping_value_in_wrong_place.yaml", L, 2, "mapping values are not allowed", 6),
    Case("ls_yaml_undefined_alias.yaml", L, 2, "found undefined alias 'entra'", 8),
    Case("ls_yaml_duplicate_key_top_level.yaml", L, 2, DUPLICATE, 12),
    Case("ls_yaml_duplicate_key_nested.yaml", L, 2, DUPLICATE, 11),
    Case("ls_yaml_duplicate_merge_key.yaml", L, 2, DUPLICATE, 8),
    Case("run_yaml_duplicate_provider_key.yaml", R, 2, DUPLICATE, 9),
    Case("ls_yaml_alias_bomb.yaml", L, 2, "YAML aliases expand to more than 150,000 nodes"),
    Case("ls_yaml_deep_nesting.yaml", L, 2, "the YAML nests too deeply to read"),
    Case("ls_yaml_multiple_documents.yaml", L, 2, "holds 2 YAML documents"),
    Case("ls_control_character_escape.yaml", L, 2, "control character U+001B", 6),
    # not a configuration at all
    Case("ls_empty.yaml", L, 2, EMPTY),
    Case("run_empty.yaml", R, 2, EMPTY),
    Case("ls_comments_only.yaml", L, 2, EMPTY),
    Case("ls_document_marker_only.yaml", L, 2, EMPTY),
    Case("ls_top_level_list.yaml", L, 2, "the top level is a list, not a mapping", 1),
    Case("ls_top_level_scalar.yaml", L, 2, "the top level is a string, not a mapping", 1),
    Case("run_top_level_scalar.yaml", R, 2, "the top level is a string, not a mapping", 1),
    # tags and keys the services' safe loader refuses (and that must never run)
    Case("ls_tag_python_object.yaml", L, 2, "the tag !!python/object/apply:os.system", 11),
    Case("ls_tag_python_name_scalar.yaml", L, 2, "the tag !!python/name:os.system", 7),
    Case("ls_tag_unknown_local.yaml", L, 2, "the tag !vault is not plain YAML", 11),
    Case("ls_complex_keys.yaml", L, 2, "a list is used as a key", 12),
    Case("ls_tag_int_not_a_number.yaml", L, 2, "cannot be built the way its explicit '!!' tag"),
    Case("ls_tag_set_on_scalar.yaml", L, 2, "cannot be built the way its explicit '!!' tag"),
    # encodings
    Case("ls_invalid_utf8.yaml", L, 2, NOT_UTF8, 9),
    Case("ls_latin1_encoded.yaml", L, 2, NOT_UTF8, 1),
    Case("ls_utf16_encoded.yaml", L, 2, NOT_UTF8, 1),
    Case("ls_nul_bytes.yaml", L, 2, "the file contains NUL bytes"),
    Case("ls_utf8_bom.yaml", L, 0, CLEAN, diff=1),
    Case("ls_crlf_line_endings.yaml", L, 0, CLEAN, diff=1),
    Case("run_crlf_no_final_newline.yaml", R, 0, CLEAN, diff=1),
    Case("run_flow_style_document.yaml", R, 0, CLEAN, diff=1),
    # wrong types where Lightspeed reads lightspeed-stack.yaml
    Case("ls_azure_entra_id_list.yaml", L, 2, "azure_entra_id is a list; expected a mapping", 8),
    Case("ls_azure_entra_id_scalar.yaml", L, 2, "azure_entra_id is a string; expected a map", 8),
    Case("ls_tenant_id_list.yaml", L, 2, "azure_entra_id.tenant_id is a list; expected a str", 9),
    Case("ls_tenant_id_mapping.yaml", L, 2, "azure_entra_id.tenant_id is a mapping; expected", 9),
    Case("ls_client_secret_boolean.yaml", L, 2, "azure_entra_id.client_secret is a boolean", 11),
    Case("ls_scope_list.yaml", L, 2, "azure_entra_id.scope is a list; expected a string", 12),
    Case("ls_odd_scalars.yaml", L, 2, "azure_entra_id.scope is a set; expected a string", 13),
    Case("ls_llama_stack_list.yaml", L, 2, "llama_stack is a list; expected a mapping", 5),
    Case("ls_llama_stack_scalar.yaml", L, 2, "llama_stack is a string; expected a mapping", 5),
    Case("ls_timeout_string.yaml", L, 2, "llama_stack.timeout is a string; expected a number", 8),
    Case("ls_timeout_date.yaml", L, 2, "llama_stack.timeout is a date; expected a number", 8),
    Case("ls_use_as_library_client_string.yaml", L, 2, "is a string; expected true or false", 6),
    Case("ls_library_client_config_path_list.yaml", L, 2, "config_path is a list; expected", 7),
    Case("ls_url_mapping.yaml", L, 2, "llama_stack.url is a mapping; expected a string", 6),
    # wrong types where Llama Stack reads run.yaml
    Case("run_providers_list.yaml", R, 2, "providers is a list; expected a mapping", 5),
    Case(
        "run_inference_mapping.yaml", R, 2, "providers.inference is a mapping; expected a list", 6
    ),
    Case("run_provider_scalar.yaml", R, 2, "providers.inference[0] is a string; expected a pro", 7),
    Case("run_provider_config_list.yaml", R, 2, "providers.inference[0].config is a list", 9),
    Case("run_provider_config_scalar.yaml", R, 2, "providers.inference[0].config is a string", 9),
    Case("run_provider_type_mapping.yaml", R, 2, "[0].provider_type is a mapping; expected", 8),
    Case("run_provider_id_list.yaml", R, 2, "providers.inference[0].provider_id is a list", 7),
    Case("run_base_url_list.yaml", R, 2, "config.base_url is not a URL string", 10),
    Case(
        "run_registered_models_mapping.yaml", R, 2, "registered_resources.models is a mapping", 13
    ),
    Case("run_registered_resources_list.yaml", R, 2, "registered_resources is a list", 12),
    Case("run_model_scalar.yaml", R, 2, "registered_resources.models[0] is a string", 14),
    Case("run_model_id_mapping.yaml", R, 2, "models[0].model_id is a mapping; expected a str", 14),
    # references and paths that do not resolve
    Case("ls_unset_variables.yaml", L, 1, "HOSTILE_UNSET_CLIENT_SECRET is not set", 10, diff=1),
    Case("run_unset_api_key.yaml", R, 1, "HOSTILE_UNSET_AZURE_API_KEY, which is no", 11, diff=1),
    Case("ls_malformed_env_references.yaml", L, 1, "neither a GUID nor a domain", 9, diff=1),
    Case("ls_yaml_recursive_alias.yaml", L, 1, "client_secret is missing or empty", 11, diff=1),
    Case("ls_run_config_path_missing.yaml", A, 1, "hostile/run.yaml, which cannot be used", 7),
    Case("ls_run_config_path_directory.yaml", A, 1, "this is a directory, not a file", 7),
    Case(
        "ls_run_config_path_unset_variable.yaml",
        A,
        1,
        "HOSTILE_UNSET_RUN_YAML is not set",
        7,
        elsewhere="run.yaml: file not found",
    ),
]

COMMANDS = {
    "review": ["review"],
    "diff": ["diff"],
    "providers": ["providers", "--static"],
}


def expected_code(case: Case, command: str) -> int:
    if command == "review":
        return case.review
    if command == "diff":
        return case.diff
    return 2 if case.diff == 2 else 0


def located(text: str, path: Path, line: int | None) -> bool:
    """Whether ``text`` names ``path`` (and ``:line``, not a longer number starting with it)."""
    where = re.escape(str(path)) + (rf":{line}(?![0-9])" if line is not None else "")
    return re.search(where, text) is not None


def assert_told(case: Case, command: str, code: int, out: str, err: str) -> None:
    text = out + err
    assert "Traceback" not in text
    assert code == expected_code(case, command), text
    if code == 0 or (command == "diff" and code == 1):
        if command == "review":
            assert case.fragment in text
        return
    if command != "review" and case.elsewhere is not None:
        assert case.elsewhere in err
        assert "remedy:" in err
        return
    assert case.fragment in text
    assert "remedy:" in text
    assert located(text, case.path, case.line), text


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entra_env: dict[str, str]) -> Path:
    """Run from an empty folder with the examples' variables set."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return int(code), out, err


def test_every_corpus_file_has_a_row_and_is_small() -> None:
    files = sorted(path.name for path in HOSTILE.glob("*.yaml"))
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert sorted(names) == files
    assert len(files) >= 40
    assert all((HOSTILE / name).stat().st_size < 64 * 1024 for name in files)


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", CASES, ids=str)
def test_command_on_hostile_file(
    case: Case, command: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, *COMMANDS[command], *case.argv())
    assert_told(case, command, code, out, err)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_review_json_on_hostile_file(
    case: Case, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "review", "--json", *case.argv())
    assert code == case.review
    assert "Traceback" not in out + err
    if out:  # the file was read: the findings are JSON, each with a file and a line
        findings = json.loads(out)["findings"]
        assert any(case.fragment in f["message"] for f in findings) or case.review == 0
        for finding in findings:
            if case.fragment in finding["message"]:
                assert finding["line"] == case.line
                assert finding["remedy"]
    else:  # the file could not be read at all: one message on stderr
        assert case.review == 2
        assert case.fragment in err
        assert located(err, case.path, case.line)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_enrich_writes_nothing_on_error(
    case: Case, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = in_tmp / "out"
    out_dir.mkdir()
    target = out_dir / "run_.yaml"
    code, out, err = cli(capsys, "enrich", *case.argv(), "-o", str(target))
    assert "Traceback" not in out + err
    assert code == expected_code(case, "enrich")
    if code == 2:
        assert list(out_dir.iterdir()) == []  # no output and no temp file left behind
        assert "remedy:" in err
        return
    written = yaml.safe_load(target.read_text(encoding="utf-8"))
    azure = [
        provider
        for provider in written["providers"]["inference"]
        if provider["provider_type"] == "remote::azure"
    ]
    assert azure
    assert all(provider["config"]["model_validation"] is False for provider in azure)


def test_python_tags_never_run(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in CASES if c.name == "ls_tag_python_object.yaml")
    assert "os.system" in case.path.read_text()
    for argv in (["review"], ["diff"], ["providers", "--static"], ["enrich"]):
        assert cli(capsys, *argv, *case.argv())[0] == 2
    assert not (in_tmp / "hostile-tag-executed").exists()
    assert sorted(p.name for p in in_tmp.iterdir()) == []


def test_unset_variables_are_all_reported(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(c for c in CASES if c.name == "ls_unset_variables.yaml")
    code, out, _ = cli(capsys, "review", *case.argv())
    assert code == 1
    for name, line in (
        ("HOSTILE_UNSET_STACK_URL", 6),
        ("HOSTILE_UNSET_TENANT_ID", 8),
        ("HOSTILE_UNSET_CLIENT_ID", 9),
        ("HOSTILE_UNSET_CLIENT_SECRET", 10),
    ):
        assert f"environment variable {name} is not set" in out
        assert located(out, case.path, line)
    assert "missing or empty" not in out  # an unset variable is not also called missing


def test_wrong_type_is_not_also_called_missing(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ls_llama_stack_list.yaml", "ls_tenant_id_list.yaml", "ls_url_mapping.yaml"):
        case = next(c for c in CASES if c.name == name)
        code, out, _ = cli(capsys, "review", *case.argv())
        assert code == 2
        assert out.count("[wrong-type]") == 1
        assert "1 error(s)" in out


def test_bom_and_crlf_read_like_the_plain_file(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.config.loader import load

    plain = in_tmp / "plain.yaml"
    plain.write_bytes((HOSTILE / "ls_crlf_line_endings.yaml").read_bytes().replace(b"\r\n", b"\n"))
    expected = load(plain, RUN).lightspeed
    assert expected is not None
    for name in ("ls_utf8_bom.yaml", "ls_crlf_line_endings.yaml"):
        loaded = load(HOSTILE / name, RUN).lightspeed
        assert loaded is not None
        assert loaded.sub.value == expected.sub.value, name
        assert loaded.sub.lines == expected.sub.lines, name


def test_enrich_keeps_crlf_line_endings(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = HOSTILE / "run_crlf_no_final_newline.yaml"
    target = in_tmp / "run_.yaml"
    assert cli(capsys, "enrich", "-c", str(SERVICE), "-i", str(source), "-o", str(target))[0] == 0
    data = target.read_bytes()
    assert b"model_validation: false\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")  # no bare LF slipped in
    assert not data.endswith(b"\n")  # nor a final newline the input did not have


# --- files made at test time ---------------------------------------------------------------


def made_cases(tmp_path: Path) -> list[tuple[str, Path, str]]:
    """(what it is, path, fragment of the message) for files too big or odd to commit."""
    tmp_path.mkdir()
    big = tmp_path / "huge.yaml"
    with big.open("wb") as handle:
        handle.write(b"name: ")
        handle.write(b"x" * (20 * 1024 * 1024))
    binary = tmp_path / "image.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    executable = tmp_path / "program.yaml"
    executable.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + b"\x00" * 64)
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    loop_a, loop_b = tmp_path / "loop-a.yaml", tmp_path / "loop-b.yaml"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "gone.yaml")
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("name: x\n")
    return [
        ("a 20 MB file", big, "larger than 16 MiB"),
        ("binary (not UTF-8)", binary, NOT_UTF8),
        ("binary (UTF-8 with NULs)", executable, "NUL bytes"),
        ("a directory given as a file", folder, "this is a directory, not a file"),
        ("a missing file", tmp_path / "missing.yaml", "file not found"),
        ("a symlink loop", loop_a, "Too many levels of symbolic links"),
        ("a dangling symlink", dangling, "file not found"),
        ("a path through a file", not_a_folder / "run.yaml", "Not a directory"),
        ("a device", Path("/dev/zero"), "this is a device, not a file"),
        ("a device", Path("/dev/urandom"), "this is a device, not a file"),
    ]


@pytest.mark.parametrize("command", [*COMMANDS, "enrich"])
def test_files_made_at_test_time(
    command: str, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*COMMANDS.get(command, ["enrich", "-o", str(in_tmp / "never.yaml")])]
    for what, path, fragment in made_cases(in_tmp / "made"):
        for role in (["-c", str(path), "-i", str(RUN)], ["-c", str(SERVICE), "-i", str(path)]):
            code, out, err = cli(capsys, *argv, *role)
            assert code == 2, (what, role, out + err)
            assert "Traceback" not in out + err
            assert f"error: {path}" in err, what
            assert fragment in err, what
            assert "remedy:" in err, what
        assert not (in_tmp / "never.yaml").exists()


def test_unreadable_file(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """chmod 000 stops every user but root, who reads it anyway (CAP_DAC_OVERRIDE).

    As root this asserts that, then shows the permission message by making ``open`` fail
    the way it fails for another user; the real kernel refusal is only exercised when the
    tests run as an ordinary user.
    """
    locked = in_tmp / "locked.yaml"
    locked.write_bytes(SERVICE.read_bytes())
    locked.chmod(0)
    try:
        if os.geteuid() == 0:
            assert cli(capsys, "review", "-c", str(locked), "-i", str(RUN))[0] == 0

            def refuse(self: Path, *args: object, **kwargs: object) -> object:
                raise PermissionError(13, "Permission denied", str(self))

            with monkeypatch.context() as patch:
                patch.setattr(Path, "open", refuse)
                code, out, err = cli(capsys, "review", "-c", str(locked), "-i", str(RUN))
        else:
            code, out, err = cli(capsys, "review", "-c", str(locked), "-i", str(RUN))
    finally:
        locked.chmod(0o600)
    assert code == 2
    assert f"error: {locked}: permission denied while reading" in err
    assert "remedy: Run as a user who can read it" in err
    assert "Traceback" not in out + err


def test_enrich_output_that_cannot_be_written(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = in_tmp / "folder"
    folder.mkdir()
    link = in_tmp / "link.yaml"
    link.symlink_to(in_tmp / "elsewhere.yaml")
    afile = in_tmp / "afile"
    afile.write_text("x\n")
    for target, fragment in (
        (folder, "the target exists and is not a regular file"),
        (link, "the target is a symbolic link"),
        (in_tmp / "nowhere" / "run_.yaml", f"the folder {in_tmp / 'nowhere'} does not exist"),
        (afile / "run_.yaml", f"{afile} is a file, not a folder"),
    ):
        code, out, err = cli(
            capsys, "enrich", "-c", str(SERVICE), "-i", str(RUN), "-o", str(target)
        )
        assert code == 2
        assert f"error: {target}: {fragment}" in err
        assert "remedy:" in err
        assert "Traceback" not in out + err
    assert not (in_tmp / "elsewhere.yaml").exists()
    assert afile.read_text() == "x\n"


# --- what a user's terminal shows ------------------------------------------------------------

SUBPROCESS_CASES = [
    ("review", "ls_yaml_alias_bomb.yaml"),
    ("review", "ls_yaml_deep_nesting.yaml"),
    ("diff", "ls_tag_python_object.yaml"),
    ("providers", "run_provider_scalar.yaml"),
    ("diff", "ls_run_config_path_missing.yaml"),
    ("review", "ls_invalid_utf8.yaml"),
]


SCRIPT = Path(sys.executable).with_name("lightspeed-console")
"""The console script a user runs, installed next to this interpreter."""


def run_console(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [str(SCRIPT), *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("command", "name"), SUBPROCESS_CASES)
def test_no_traceback_reaches_a_terminal(command: str, name: str, in_tmp: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    result = run_console(*COMMANDS[command], *case.argv(), cwd=in_tmp)
    assert_told(case, command, result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert not (in_tmp / "hostile-tag-executed").exists()


def test_a_huge_file_in_a_terminal(in_tmp: Path) -> None:
    huge = in_tmp / "huge.yaml"
    huge.write_bytes(b"a: " + b"b" * (20 * 1024 * 1024))
    result = run_console("review", "-c", str(huge), cwd=in_tmp)
    assert result.returncode == 2
    assert f"error: {huge}: the file is larger than 16 MiB" in result.stderr
    assert "remedy:" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
