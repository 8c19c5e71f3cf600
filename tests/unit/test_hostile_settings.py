"""The settings file's hostile values: nesting, numbers that never end, unknown themes.

A settings file of a kilobyte nested 500 arrays deep made every command exit 70, the
default ``config.toml`` included; ``deployments_refresh = nan`` was accepted (no comparison
refuses NaN) and spun the TUI; an unknown ``theme`` crashed it. Each is now said with the
file and line: defaults for a file that cannot be one, the value ignored for a refresh
that cannot be one, and a usage error (exit 2, with a did-you-mean) for a theme when the
console itself starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli import main
from console.settings.user import THEMES, UserSettings, load_user_settings
from tests.conftest import EXAMPLES

SERVICE = EXAMPLES / "lightspeed-stack-service.yaml"


def write(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 500 + "]" * 500 + "\n",
        "a = " + "{b = " * 400 + "1" + "}" * 400 + "\n",
        "[deployments.x]\nconfig = 'x.yaml'\ntag = " + "[" * 40 + "]" * 40 + "\n",
    ],
    ids=["arrays-500", "tables-400", "arrays-40-in-a-deployment"],
)
def test_a_deeply_nested_file_means_defaults_and_says_so(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    settings, problems = _read(path)
    assert settings == UserSettings()
    assert len(problems) == 1
    assert str(path) in problems[0]
    assert "nested" in problems[0]


def test_every_command_runs_with_a_deep_default_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "xdg" / "lightspeed-console"
    folder.mkdir(parents=True)
    write(folder, "a = " + "[" * 500 + "]" * 500 + "\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.setenv(name, "x")
    assert main(["review", "-c", str(SERVICE)]) in (0, 1)
    assert main(["locate"]) == 0
    err = capsys.readouterr().err
    assert "nested deeper" in err
    assert "internal error" not in err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "5", "86401", '"60"', "true"])
def test_a_refresh_that_is_no_period_is_ignored_with_its_line(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f'theme = "nord"\ndeployments_refresh = {value}\n')
    settings, problems = _read(path)
    assert settings.deployments_refresh_s is None
    assert problems == [
        f"{path}:2: deployments_refresh must be a number of seconds from 10 to 86400, "
        f"or 0 for off, not {_python(value)}; ignored"
    ]


def _python(value: str) -> str:
    import tomllib

    return repr(tomllib.loads(f"v = {value}")["v"])


def test_a_refresh_in_range_is_kept(tmp_path: Path) -> None:
    assert (
        load_user_settings(write(tmp_path, "deployments_refresh = 3600\n"))[0].deployments_refresh_s
        == 3600
    )


def test_an_unknown_theme_is_named_with_its_line_and_a_guess(tmp_path: Path) -> None:
    path = write(tmp_path, 'read_only = true\ntheme = "dracla"\n')
    settings, problems = _read(path)
    assert settings.theme is None
    assert settings.read_only is True
    assert [str(p) for p in settings.refused] == problems
    assert problems == [
        f"{path}:2: theme 'dracla' is not a theme of the console (did you mean 'dracula'?)"
    ]


def test_a_theme_that_is_not_text_is_refused(tmp_path: Path) -> None:
    settings, _ = load_user_settings(write(tmp_path, "theme = [1]\n"))
    assert settings.theme is None
    assert settings.refused[0].line == 1


def test_the_console_does_not_start_with_an_unknown_theme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, 'theme = "dracla"\n')
    assert main(["tui", "--settings", str(path), "-c", str(SERVICE)]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}:1: theme 'dracla'" in err
    assert "did you mean 'dracula'?" in err
    assert "remedy:" in err
    assert "warning:" not in err  # said once, as the error it is


def test_a_headless_command_only_warns_about_the_theme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, 'theme = "dracla"\n')
    assert main(["locate", "--settings", str(path)]) == 0
    assert f"warning: {path}:1: theme 'dracla'" in capsys.readouterr().err


def test_the_themes_are_textuals() -> None:
    from textual.theme import BUILTIN_THEMES

    assert set(BUILTIN_THEMES) == THEMES


def _read(path: Path, *, named: bool = False) -> tuple[UserSettings, list[str]]:
    """The settings and their problems as the operator reads them."""
    settings, problems = load_user_settings(path, named=named)
    return settings, [str(problem) for problem in problems]


def test_an_unknown_binding_id_is_named_with_its_line_and_a_guess(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[keymap]\n"token.refresh" = "ctrl+r"\n"token.refrsh" = "f5"\n"nothing.like.it" = "x"\n',
    )
    settings, problems = load_user_settings(path)
    assert settings.keymap == {"token.refresh": "ctrl+r"}
    assert [(p.line, p.message) for p in problems] == [
        (3, "keymap 'token.refrsh' is not a binding of the console "
            "(did you mean 'token.refresh'?); ignored"),
        (4, "keymap 'nothing.like.it' is not a binding of the console; ignored"),
    ]  # fmt: skip
    assert all("F1" in p.remedy for p in problems)
    assert not settings.refused  # a keymap typo does not stop the console


def test_keys_that_are_not_text_are_named_with_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\n[keymap]\n"app.help" = 5\n')
    settings, problems = load_user_settings(path)
    assert settings.keymap == {}
    assert [(p.line, p.message.split(" must ")[0]) for p in problems] == [(3, "keymap 'app.help'")]


def test_an_unknown_setting_gets_its_line_and_a_guess(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\nread_onyl = true\n')
    _, problems = load_user_settings(path)
    assert [str(p) for p in problems] == [
        f"{path}:2: unknown setting 'read_onyl' (did you mean 'read_only'?); ignored"
    ]
