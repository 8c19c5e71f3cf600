"""Named deployments in the settings file: the format, and every way the file can be wrong.

Each problem must name the settings file and the line, and say what to do; a bad entry
makes that deployment unusable and leaves the others usable.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.settings.deployments import MAX_DEPLOYMENTS, is_prod_tag
from console.settings.targets import DeploymentUnusable, deployment_target, usable
from console.settings.toml_lines import KeyLines
from console.settings.user import (
    MAX_SETTINGS_BYTES,
    SETTINGS_ENV,
    UserSettings,
    load_user_settings,
    settings_choice,
)


def write(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text)
    return path


def touch(folder: Path, *names: str) -> None:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x: 1\n")


def test_a_full_deployment_resolves_paths_against_the_settings_folder(tmp_path: Path) -> None:
    touch(tmp_path, "eu/lightspeed-stack.yaml", "eu/run.yaml", "eu/pod.env", "ca.pem", "ogx.pem")
    path = write(
        tmp_path,
        """theme = "textual-dark"

[deployments.prod-eu]
config = "eu/lightspeed-stack.yaml"
run_config = "eu/run.yaml"
url = "https://ogx.example:8321"
authority = "usgov"
ca_bundle = "ca.pem"
stack_ca_bundle = "ogx.pem"
provider_data_header = "X-OGX-Provider-Data"
read_only = true
tag = "prod"
env_file = "eu/pod.env"
baseline = "/abs/default_run.yaml"
""",
    )
    settings, problems = _read(path)
    assert problems == []
    deployment = settings.deployments["prod-eu"]
    assert deployment.config == tmp_path / "eu/lightspeed-stack.yaml"
    assert deployment.env_file == tmp_path / "eu/pod.env"
    assert deployment.baseline == Path("/abs/default_run.yaml")
    assert (deployment.url, deployment.authority, deployment.tag) == (
        "https://ogx.example:8321",
        "usgov",
        "prod",
    )
    assert deployment.read_only is True
    assert deployment.line == 3
    assert deployment.where("tag") == f"{path}:12"
    assert deployment.is_prod


def test_a_target_takes_the_deployment_values_and_the_flags_win(tmp_path: Path) -> None:
    from console.settings.live import LiveOptions

    touch(tmp_path, "ls.yaml")
    path = write(
        tmp_path,
        '[deployments.a]\nconfig = "ls.yaml"\nurl = "http://a:1"\nauthority = "china"\n',
    )
    deployment = load_user_settings(path)[0].deployments["a"]
    target = deployment_target(deployment, {}, LiveOptions(url="http://flag:2", retries=3))
    assert target.options.url == "http://flag:2"
    assert target.options.authority == "china"
    assert target.options.retries == 3
    assert (target.deployment, target.lightspeed_config) == ("a", tmp_path / "ls.yaml")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[deployments.a]\nconfig = 3\n", 2, "config must be the path of a file"),
        ('[deployments.a]\nconfig = "x"\nread_only = "yes"\n', 3, "read_only must be true"),
        ('[deployments.a]\nconfig = "x"\nulr = "http://h"\n', 3, "did you mean 'url'?"),
        ('[deployments.a]\nconfig = "x"\nurl = "ftp://h"\n', 3, "http:// or https://"),
        ('[deployments.a]\nconfig = "x"\ntag = "a\\u001b[31m"\n', 3, "control characters"),
        ('[deployments.a]\nconfig = "x"\ntag = "' + "p" * 40 + '"\n', 3, "longer than"),
        ('[deployments.a]\nurl = "http://h"\n', 1, "has no config"),
        ('[deployments."--url"]\nconfig = "x"\n', 1, "cannot be given to -d"),
        ('[deployments."a b"]\nconfig = "x"\n', 1, "cannot be given to -d"),
        ("[deployments]\na = 3\n", 2, "must be a table of settings"),
        ('[deployments]\nz.config = "x"\nz.tag = 7\n', 3, "tag must be a non-empty text"),
    ],
)
def test_a_bad_entry_names_the_file_and_line_and_leaves_the_others(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    touch(tmp_path, "ok.yaml")
    path = write(tmp_path, text + '\n[deployments.fine]\nconfig = "ok.yaml"\n')
    settings, problems = _read(path)
    assert any(f"{path}:{line}: " in p and words in p for p in problems), problems
    broken = [d for d in settings.deployments.values() if d.problems]
    assert len(broken) == 1
    assert broken[0].problems[0].remedy
    assert usable(settings.deployments["fine"]) == []


def test_deployments_that_is_not_a_table_is_said_once(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\ndeployments = 3\n')
    settings, problems = _read(path)
    assert settings.deployments == {}
    assert problems == [
        f"{path}:2: deployments must be a table of [deployments.NAME] tables; ignored"
    ]


def test_bad_toml_names_the_line_and_uses_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[deployments.a]\nconfig = "x"\nurl = \n')
    settings, problems = _read(path)
    assert settings.deployments == {}
    assert len(problems) == 1
    assert str(path) in problems[0]
    assert problems[0].startswith(f"{path}:3: ")  # tomllib says "(at line 3, column 7)"


def test_a_huge_settings_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with path.open("wb") as handle:
        handle.truncate(MAX_SETTINGS_BYTES + 1)
    settings, problems = _read(path)
    assert settings.deployments == {}
    assert "not read" in problems[0]


def test_a_fifo_as_settings_file_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    os.mkfifo(path)
    _, problems = _read(path)
    assert problems == [f"{path}: not a regular file; using defaults"]


def test_too_many_deployments_are_cut_with_a_message(tmp_path: Path) -> None:
    tables = "".join(f'[deployments.d{n}]\nconfig = "x"\n' for n in range(MAX_DEPLOYMENTS + 5))
    path = write(tmp_path, tables)
    settings, problems = _read(path)
    assert len(settings.deployments) == MAX_DEPLOYMENTS
    assert any(f"more than {MAX_DEPLOYMENTS} deployments" in p for p in problems)


def test_missing_files_are_said_at_use_with_the_line_of_their_key(tmp_path: Path) -> None:
    touch(tmp_path, "ls.yaml")
    (tmp_path / "folder").mkdir()
    path = write(
        tmp_path,
        '[deployments.a]\nconfig = "ls.yaml"\nenv_file = "gone.env"\nca_bundle = "folder"\n',
    )
    settings, problems = _read(path)
    assert problems == []  # files come and go: only when used
    deployment = settings.deployments["a"]
    missing = usable(deployment)
    assert [p.line for p in missing] == [4, 3]
    assert "is a folder" in missing[0].message
    assert "does not exist" in missing[1].message
    with pytest.raises(DeploymentUnusable):
        deployment_target(deployment, {})
    assert usable(deployment, overridden=("env_file", "ca_bundle")) == []


def test_a_named_settings_file_that_does_not_exist_is_said(tmp_path: Path) -> None:
    gone = tmp_path / "nowhere.toml"
    assert load_user_settings(gone) == (load_user_settings(gone)[0], [])
    _, problems = _read(gone, named=True)
    assert problems == [f"{gone}: does not exist; using defaults"]


def test_the_settings_file_is_chosen_by_flag_then_variable_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SETTINGS_ENV, str(tmp_path / "from-env.toml"))
    assert settings_choice(tmp_path / "flag.toml") == (tmp_path / "flag.toml", "--settings")
    assert settings_choice() == (tmp_path / "from-env.toml", SETTINGS_ENV)
    monkeypatch.delenv(SETTINGS_ENV)
    assert settings_choice()[1] == "default"


def test_refresh_setting_is_seconds_or_off(tmp_path: Path) -> None:
    def refresh(text: str) -> float | None:
        return load_user_settings(write(tmp_path, text))[0].deployments_refresh_s

    assert refresh("deployments_refresh = 60\n") == 60
    assert refresh("deployments_refresh = 0\n") is None
    settings, problems = _read(write(tmp_path, "deployments_refresh = 1\n"))
    assert settings.deployments_refresh_s is None
    assert "from 10" in problems[0]


@pytest.mark.parametrize(
    ("tag", "prod"),
    [("prod", True), ("Production", True), ("prod-eu", True), ("eu live", True),
     ("preprod", False), ("staging", False), (None, False), ("legacy", False)],
)  # fmt: skip
def test_prod_like_tags(tag: str | None, prod: bool) -> None:
    assert is_prod_tag(tag) is prod


def test_key_lines_skip_multi_line_strings_and_read_quoted_and_dotted_keys() -> None:
    text = (
        'note = """\n[deployments.fake]\n"""\n'
        '[deployments."we.ird"]\nconfig = "a"\n'
        '[deployments]\nb.url = "http://h"\n'
    )
    lines = KeyLines(text)
    assert lines.line_of("deployments", "fake") == 4  # the string's text is no header
    assert lines.line_of("deployments", "we.ird", "config") == 5
    assert lines.line_of("deployments", "b", "url") == 7
    assert lines.line_of("deployments", "b", "tag") == 7


def _read(path: Path, *, named: bool = False) -> tuple[UserSettings, list[str]]:
    """The settings and their problems as the operator reads them."""
    settings, problems = load_user_settings(path, named=named)
    return settings, [str(problem) for problem in problems]
