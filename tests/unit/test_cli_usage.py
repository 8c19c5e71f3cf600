"""The command line as its users expect it: no prefix matching, a did-you-mean, ``-q``,
help texts with examples and without the code's markup, a way on when no config is found,
and ``check --all`` showing rows as they are ready."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from console.cli import build_parser, main
from console.commands import check_all
from console.commands.table import COMMANDS
from console.doctor.fleet import DeploymentCheck, Verdict
from console.settings.deployments import Deployment
from tests.conftest import EXAMPLES

SERVICE = str(EXAMPLES / "lightspeed-stack-service.yaml")
RUN = str(EXAMPLES / "azure-run.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as done:  # argparse's usage errors and --help
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


# ------------------------------------------------------------------ no prefix matching


def test_token_show_is_a_usage_error_not_the_token(
    capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    code, out, err = run(capsys, "token", "-c", SERVICE, "--show")
    assert code == 2
    assert out == ""
    assert "unrecognized arguments: --show" in err
    assert "did you mean --show-token?" in err


def test_no_parser_matches_a_prefix() -> None:
    parser = build_parser()
    assert parser.allow_abbrev is False
    commands = subparsers(parser)
    assert set(commands) == {command.name for command in COMMANDS}
    assert all(sub.allow_abbrev is False for sub in commands.values())


# ------------------------------------------------------------------------ did you mean


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["chek"], "did you mean 'check'?"),
        (["deployment"], "did you mean 'deployments'?"),
        (["check", "--jsno"], "--jsno: did you mean --json?"),
        (["infer", "--show-tokn"], "--show-tokn: did you mean --show-token?"),
        (["demo", "--server", "ogx-1.25"], "did you mean 'ogx-1.2.5'?"),
        (["--verison"], "did you mean --version?"),
    ],
)
def test_a_mistyped_command_option_or_choice_gets_a_did_you_mean(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert said in err


# ----------------------------------------------------------------------------- quiet


def test_q_silences_the_narration_not_the_data_or_the_errors(
    capsys: pytest.CaptureFixture[str], entra_env: dict[str, str]
) -> None:
    code, out, err = run(capsys, "review", "-c", SERVICE, "-i", RUN)
    assert "run.yaml:" in err  # the narration: which run.yaml, and why
    quiet_code, quiet_out, quiet_err = run(capsys, "review", "-c", SERVICE, "-i", RUN, "-q")
    assert (quiet_code, quiet_out) == (code, out)
    assert "run.yaml:" not in quiet_err
    assert "written for:" not in quiet_err
    code, _, err = run(capsys, "review", "-c", "/nowhere/lightspeed-stack.yaml", "-q")
    assert code == 2
    assert "error: " in err  # errors are still said
    assert "remedy: " in err


# ------------------------------------------------------------------------------ help


@pytest.mark.parametrize("name", [None, *(command.name for command in COMMANDS)])
def test_every_help_has_examples_and_no_markup_or_module_names(
    capsys: pytest.CaptureFixture[str], name: str | None
) -> None:
    code, out, _ = run(capsys, *([name] if name else []), "--help")
    assert code == 0
    assert "\nEXAMPLES\n" in out
    examples = out.split("\nEXAMPLES\n", 1)[1]
    assert "  lightspeed-console " in examples
    assert "`" not in out
    assert not re.search(r"\bconsole\.[a-z_]+\.", out), "a module path in the help"
    assert "[bold" not in out
    assert "[/" not in out


# ---------------------------------------------------------------- no config found


def test_check_without_a_config_suggests_a_deployment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = tmp_path / "settings.toml"
    settings.write_text('[deployments.prod-eu]\nconfig = "eu.yaml"\n[deployments.staging]\n')
    code, out, err = run(capsys, "check", "--settings", str(settings))
    assert code == 2
    assert out == ""
    assert f"{tmp_path / 'lightspeed-stack.yaml'}: no lightspeed-stack.yaml here" in err
    assert "-d NAME" in err
    assert "(prod-eu, staging)" in err
    assert "lightspeed-console deployments" in err


# --------------------------------------------------------------- check --all, live


def row(name: str, verdict: Verdict = Verdict.PASS) -> DeploymentCheck:
    return DeploymentCheck(name, None, verdict)


def test_check_all_on_a_terminal_prints_each_row_when_it_is_ready(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = [100.0]
    deployments = [Deployment(name, Path("settings.toml")) for name in ("fast", "slow")]
    live = check_all.LiveTable(deployments, clock=lambda: now[0])
    live.started("fast")
    live.started("slow")
    assert capsys.readouterr().out.startswith("DEPLOYMENT")  # the header at once
    now[0] += 3
    live.done(row("fast"))
    out = capsys.readouterr().out
    assert out.startswith("fast ")  # printed while "slow" still runs
    assert "pass" in out
    now[0] += 9
    assert live.progress() == "still checking: slow (12 s)"
    live.done(row("slow", Verdict.FAIL))
    assert capsys.readouterr().out.startswith("slow ")
    assert live.progress() is None
