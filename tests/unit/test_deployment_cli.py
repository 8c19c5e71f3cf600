"""``-d NAME``, ``--env-file`` and ``--settings`` on the commands, without a server.

The deployment supplies the defaults and flags win; an unknown or broken deployment is a
usage error naming the settings file; an env file's values serve ``${env.*}`` like exported
variables, lose to them (said by name), and never appear in any output, text or JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from console.cli import main
from console.settings.launch import Launch
from tests.conftest import EXAMPLES

CANARY_TENANT = "canary-t3nant-9d1e-0000-envfile"
CANARY_CLIENT = "canary-cl13nt-77aa-0000-envfile"
CANARY_SECRET = "canary-s3cr3t~Qx8-0000-envfile"
CANARIES = (CANARY_SECRET,)
"""What must never show: the client secret. The tenant and client IDs are identifiers,
shown as ``az account get-access-token`` shows them."""
DEAD_AUTHORITY = "https://127.0.0.1:9"
"""Nothing listens there: the token request fails at once."""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A settings file with two deployments beside their files, an env file with canaries."""
    for name in ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for folder in ("eu", "us"):
        (tmp_path / folder).mkdir()
        shutil.copy(EXAMPLES / "lightspeed-stack-service.yaml", tmp_path / folder / "ls.yaml")
        shutil.copy(EXAMPLES / "azure-run.yaml", tmp_path / folder / "run.yaml")
    (tmp_path / "eu" / "pod.env").write_text(
        f"TENANT_ID={CANARY_TENANT}\nexport CLIENT_ID={CANARY_CLIENT}\n"
        f"CLIENT_SECRET='{CANARY_SECRET}'\n"
    )
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f"""
[deployments.prod-eu]
config = "eu/ls.yaml"
run_config = "eu/run.yaml"
env_file = "eu/pod.env"
authority = "{DEAD_AUTHORITY}"
url = "http://127.0.0.1:9"
tag = "prod"
read_only = true

[deployments.staging-us]
config = "us/ls.yaml"
run_config = "us/run.yaml"
tag = "staging"
"""
    )
    return settings


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text


def test_an_unknown_deployment_names_the_settings_file_and_a_close_name(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "review", "-d", "prod-ue", "--settings", str(fleet))
    assert code == 2
    assert f"{fleet}: no deployment named 'prod-ue' (did you mean 'prod-eu'?)" in err
    assert "known: prod-eu, staging-us" in err
    assert out == ""


def test_the_settings_variable_names_the_file_as_the_flag_does(
    fleet: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIGHTSPEED_CONSOLE_SETTINGS", str(fleet))
    code, _, err = run(capsys, "review", "-d", "staging-us")
    assert code in (0, 1)
    line = fleet.read_text().splitlines().index('run_config = "us/run.yaml"') + 1
    assert (
        f"{fleet.parent / 'us' / 'run.yaml'} ({fleet}:{line}: deployments.staging-us.run_config)"
        in err
    )
    assert "given on the command line" not in err


def test_the_deployment_supplies_the_files_and_a_flag_wins(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, err = run(capsys, "review", "-d", "staging-us", "--settings", str(fleet))
    assert f"run.yaml: {fleet.parent / 'us' / 'run.yaml'}" in err
    other = str(EXAMPLES / "azure-run.yaml")
    _, _, err = run(capsys, "review", "-d", "staging-us", "--settings", str(fleet), "-i", other)
    assert f"run.yaml: {other}" in err


def test_one_deployment_at_a_time_outside_check(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "review", "-d", "prod-eu", "-d", "staging-us", "--settings", str(fleet)
    )
    assert code == 2
    assert "-d names one deployment here" in err


def test_a_broken_deployment_is_refused_with_its_line(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.write_text(fleet.read_text() + '\n[deployments.gone]\nconfig = "nowhere.yaml"\n')
    code, _, err = run(capsys, "review", "-d", "gone", "--settings", str(fleet))
    assert code == 2
    line = fleet.read_text().splitlines().index('config = "nowhere.yaml"') + 1
    assert f"{fleet}:{line}: deployment 'gone': config {fleet.parent / 'nowhere.yaml'}" in err
    assert "remedy:" in err


def test_an_env_file_serves_env_references_and_its_values_never_show(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "review", "-c", str(fleet.parent / "us" / "ls.yaml"))
    assert "TENANT_ID is not set" in out  # without it: unset
    env = str(fleet.parent / "eu" / "pod.env")
    for extra in ((), ("--json",)):
        _, out, err = run(
            capsys, "review", "-c", str(fleet.parent / "us" / "ls.yaml"), "--env-file", env, *extra
        )
        assert "TENANT_ID is not set" not in out
        assert "3 variables, values never shown" in err
        assert_no_canary(out, err)


def test_exported_variables_win_and_the_console_says_which_by_name(
    fleet: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENANT_ID", "exported-tenant-id")
    _, out, err = run(capsys, "locate", "-d", "prod-eu", "--settings", str(fleet))
    assert "exported variables win over" in err
    assert "TENANT_ID" in err
    assert "CLIENT_ID" not in err.split("exported variables win over")[1].splitlines()[0]
    assert_no_canary(out, err)


EVERY_COMMAND = [
    ["review"],
    ["review", "--json"],
    ["synth"],
    ["diff"],
    ["providers", "--static"],
    ["providers", "--static", "--json"],
    ["locate"],
    ["locate", "--json"],
    ["token"],
    ["token", "--json"],
    ["infer", "--timeout", "2"],
    ["infer", "--json", "--timeout", "2"],
    ["check", "--timeout", "2"],
    ["check", "--json", "--timeout", "2"],
    ["enrich"],
    ["boot"],
]
"""Each command that reads a deployment, as an operator would run it with ``-d``."""


def test_the_list_covers_every_command_that_reads_a_deployment() -> None:
    from console.cli import command_names

    own_tests = {"tui", "serve"}  # below: the TUI's launch and serve's consoles
    makes_its_own = {"demo", "deployments"}  # the sandbox's deployments; the list itself
    assert {argv[0] for argv in EVERY_COMMAND} | own_tests == command_names() - makes_its_own


@pytest.mark.parametrize("argv", EVERY_COMMAND, ids=" ".join)
def test_every_command_takes_d_and_shows_no_env_file_value(
    fleet: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # enrich writes ./run_.yaml
    code, out, err = run(capsys, *argv, "-d", "prod-eu", "--settings", str(fleet))
    assert "deployment: prod-eu" in err
    assert code != 70, err
    assert_no_canary(out, err)
    if argv[0] in ("token", "infer"):  # the narration names the client: shown, as az does
        assert f"token: client {CANARY_CLIENT}" in err
        assert "token: client ********" not in err


def test_check_several_shows_no_env_file_value(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in ((), ("--json",)):
        code, out, err = run(
            capsys, "check", "--all", "--settings", str(fleet), "--timeout", "2", *extra
        )
        assert code == 1
        assert_no_canary(out, err)
    rows = json.loads(out)["deployments"]
    assert [row["deployment"] for row in rows] == ["prod-eu", "staging-us"]


def test_the_tui_gets_the_deployment_its_layered_environment_and_secrets(
    fleet: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    launched: list[Launch] = []
    monkeypatch.setattr(
        "console.commands.tui.launch_tui", lambda launch: launched.append(launch) or 0
    )
    monkeypatch.setenv("CLIENT_ID", "exported-client")
    code, _, _ = run(capsys, "-d", "prod-eu", "--settings", str(fleet))
    assert code == 0
    launch = launched[0]
    target = launch.target
    assert target.lightspeed_config == fleet.parent / "eu" / "ls.yaml"
    assert (target.deployment, target.tag, launch.read_only) == ("prod-eu", "prod", True)
    assert target.environ["TENANT_ID"] == CANARY_TENANT
    assert target.environ["CLIENT_ID"] == "exported-client"
    assert set(target.env_secrets) == {CANARY_SECRET}
    assert target.env_sources["TENANT_ID"] == f"{fleet.parent / 'eu' / 'pod.env'}:1"
    assert "CLIENT_ID" not in target.env_sources  # exported: the environment's
    assert target.options.authority == DEAD_AUTHORITY
    assert "prod-eu" in launch.settings.deployments


def test_serve_passes_the_deployment_on_to_each_console(fleet: Path) -> None:
    from console.cli import build_parser
    from console.commands.serve import tui_arguments

    args = build_parser("serve").parse_args(["serve", "-d", "prod-eu", "--settings", str(fleet)])
    assert isinstance(args, argparse.Namespace)
    words = tui_arguments(args)
    assert words[words.index("--deployment") + 1] == "prod-eu"
    assert words[words.index("--settings") + 1] == str(fleet.resolve())


def test_a_commands_narration_names_the_tag_and_a_prod_one_in_the_warning_colour(
    fleet: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("console.shared.output.use_colour", lambda stream: True)  # a terminal
    lines = {}
    for name in ("prod-eu", "staging-us"):
        _, _, err = run(capsys, "locate", "-d", name, "--settings", str(fleet))
        lines[name] = next(line for line in err.splitlines() if f"deployment: {name}" in line)
    assert "tag prod" in lines["prod-eu"]
    assert "\x1b[33m" in lines["prod-eu"]  # yellow
    assert "\x1b[33m" not in lines["staging-us"]


def test_each_value_says_it_came_from_the_deployment_not_a_flag(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = fleet.read_text().splitlines()
    at = {key: f"{fleet}:{lines.index(text) + 1}" for key, text in (
        ("authority", f'authority = "{DEAD_AUTHORITY}"'),
        ("run_config", 'run_config = "eu/run.yaml"'),
        ("env_file", 'env_file = "eu/pod.env"'),
    )}  # fmt: skip
    _, _, err = run(capsys, "token", "-d", "prod-eu", "--settings", str(fleet))
    assert f"authority: {DEAD_AUTHORITY} ({at['authority']}: deployments.prod-eu.authority)" in err
    assert f"({at['run_config']}: deployments.prod-eu.run_config)" in err
    assert "(--authority)" not in err
    assert "given on the command line" not in err
    # the setting behind each Entra value, with the env file line its value comes from
    pod = fleet.parent / "eu" / "pod.env"
    assert "TENANT_ID (azure_entra_id.tenant_id at ls.yaml:" in err
    assert f"its value from {pod}:1)" in err
    _, out, _ = run(capsys, "locate", "-d", "prod-eu", "--settings", str(fleet), "--json")
    rows = {row["what"]: row for row in json.loads(out)}
    assert rows["authority"]["where"] == DEAD_AUTHORITY  # not the public cloud
    assert rows["authority"]["note"].startswith(f"{at['authority']}: deployments.prod-eu")
    assert rows["env file"]["note"].endswith(f"{at['env_file']}: deployments.prod-eu.env_file")
    # a flag still wins, and says so
    _, _, err = run(
        capsys, "token", "-d", "prod-eu", "--settings", str(fleet), "--authority", "usgov"
    )
    assert "authority: https://login.microsoftonline.us (--authority)" in err
