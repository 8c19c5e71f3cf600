"""The headless config commands as a user runs them: output, exit codes, files written."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from console.cli import main
from tests.conftest import CANARY_SECRET, EXAMPLES

SERVICE = str(EXAMPLES / "lightspeed-stack-service.yaml")
RUN = str(EXAMPLES / "azure-run.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_diff_exits_1_and_adds_only_model_validation(
    capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    code, out, err = run(capsys, "diff", "-c", SERVICE, "-i", RUN)
    assert code == 1
    plus = [
        line for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    assert plus == ["+        model_validation: false"]
    assert "given on the command line" in err


def test_diff_on_enriched_file_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    out_file = tmp_path / "run_.yaml"
    assert run(capsys, "enrich", "-c", SERVICE, "-i", RUN, "-o", str(out_file))[0] == 0
    code, out, _ = run(capsys, "diff", "-c", SERVICE, "-i", str(out_file))
    assert (code, out) == (0, "")


def test_enrich_keeps_comments_and_writes_0600(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    out_file = tmp_path / "run_.yaml"
    code, _, err = run(capsys, "enrich", "-c", SERVICE, "-i", RUN, "-o", str(out_file))
    assert code == 0
    text = out_file.read_text()
    for line in Path(RUN).read_text().splitlines():
        if line.lstrip().startswith("#"):
            assert line in text
    assert yaml.safe_load(text)["providers"]["inference"][0]["config"]["model_validation"] is False
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert "wrote" in err


def test_enrich_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    out_file = tmp_path / "run_.yaml"
    out_file.write_text("precious: true\n")
    code, _, err = run(capsys, "enrich", "-c", SERVICE, "-i", RUN, "-o", str(out_file))
    assert code == 2
    assert "already exists" in err
    assert "--force" in err
    assert out_file.read_text() == "precious: true\n"
    assert run(capsys, "enrich", "-c", SERVICE, "-i", RUN, "-o", str(out_file), "--force")[0] == 0
    assert "model_validation: false" in out_file.read_text()


def test_enrich_in_place_keeps_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    target = tmp_path / "run.yaml"
    shutil.copy(RUN, target)
    target.chmod(0o644)
    assert run(capsys, "enrich", "-c", SERVICE, "-i", str(target), "--in-place")[0] == 0
    assert (tmp_path / "run.yaml.bak").read_text() == Path(RUN).read_text()
    assert "model_validation: false" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_enrich_defaults_are_lightspeeds(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    entra_env: dict[str, str],
) -> None:
    shutil.copy(SERVICE, tmp_path / "lightspeed-stack.yaml")
    shutil.copy(RUN, tmp_path / "run.yaml")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "enrich")[0] == 0
    assert (tmp_path / "run_.yaml").exists()


def test_diff_json(capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]) -> None:
    code, out, _ = run(capsys, "diff", "-c", SERVICE, "-i", RUN, "--json")
    data = json.loads(out)
    assert code == 1
    assert data["changed"] is True
    assert data["changes"] == [{"provider_id": "azure", "line": 19, "action": "add"}]


def test_providers_static_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "providers", "--static", "-i", RUN, "--json")
    data = json.loads(out)
    assert code == 0
    azure = data["providers"][0]
    assert azure["provider_type"] == "remote::azure"
    assert azure["base_url"] == "https://lightspeed-prod.openai.azure.com/openai/v1"
    assert azure["api_key"] == "not set (from ${env.AZURE_API_KEY})"
    assert [m["model_id"] for m in data["models"]] == [
        "gpt-4o-mini",
        "gpt-4.1",
        "all-mpnet-base-v2",
    ]


def test_providers_static_masks_a_set_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_API_KEY", CANARY_SECRET)
    code, out, err = run(capsys, "providers", "--static", "-i", RUN)
    assert code == 0
    assert "******** (from ${env.AZURE_API_KEY})" in out
    assert CANARY_SECRET not in out + err


def test_review_names_unset_client_secret_and_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, entra_env: dict[str, str]
) -> None:
    monkeypatch.delenv("CLIENT_SECRET")
    code, out, _ = run(capsys, "review", "-c", SERVICE, "-i", RUN)
    assert code == 1
    assert f"{SERVICE}:33" in out
    assert "CLIENT_SECRET" in out


def test_review_json_and_secret_never_printed(
    capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    code, out, err = run(capsys, "review", "-c", SERVICE, "-i", RUN, "--json")
    assert code == 0
    assert json.loads(out)["findings"] == []
    assert CANARY_SECRET not in out + err


def test_missing_file_is_exit_2_with_remedy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "review", "-c", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "nope.yaml: file not found" in err
    assert "remedy" in err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    out, _ = capsys.readouterr()
    assert exited.value.code == 0
    for command in ("review", "diff", "enrich", "providers", "token", "infer", "check", "demo"):
        assert command in out
