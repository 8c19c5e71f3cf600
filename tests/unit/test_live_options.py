"""The live options: one set on every command that talks to the server, and the stack CA bundle.

Parsed by the real parsers (`console.cli.build_parser`), read by the real settings loader,
and loaded into real TLS contexts from files the sandbox CA writes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from console.cli import build_parser, main
from console.commands.context import CommandContext
from console.commands.live import add_live_options, live_options
from console.sandbox.ca import issue_local_tls
from console.settings.live import LiveOptions
from console.settings.user import UserSettings, load_user_settings
from console.shared.ca_bundle import CaBundleError, bundle_context
from console.stack.sdk import tls_context

LIVE_COMMANDS = ("providers", "infer", "check", "tui")
LIVE_FLAGS = {
    "--url",
    "--provider-data-header",
    "--timeout",
    "--boot-timeout",
    "--stack-ca-bundle",
    "--authority",
    "--ca-bundle",
    "--retries",
    "--token-timeout",
    "--max-answer",
}


@pytest.fixture
def ca(tmp_path: Path) -> Path:
    return issue_local_tls(tmp_path / "tls").ca_pem


@pytest.fixture(autouse=True)
def no_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty settings folder: the operator's own file never changes a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "lightspeed-console" / "config.toml"


def command_parser(command: str) -> argparse.ArgumentParser:
    parser = build_parser(command)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: argparse.ArgumentParser = commands.choices[command]
    return found


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


# ------------------------------------------------------------------ one set of options


def test_the_live_flags_are_registered_in_one_place() -> None:
    reference = argparse.ArgumentParser(prog="x", add_help=False)
    add_live_options(reference)
    assert option_strings(reference) == LIVE_FLAGS


@pytest.mark.parametrize("command", [*LIVE_COMMANDS, "token"])
@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--timeout", "inf"),
        ("--timeout", "nan"),
        ("--timeout", "1e300"),
        ("--timeout", "-5"),
        ("--timeout", "0"),
        ("--token-timeout", "inf"),
        ("--token-timeout", "nan"),
        ("--token-timeout", "3601"),
        ("--retries", "1000000000"),
        ("--retries", "-1"),
        ("--retries", "9" * 5000),
        ("--max-answer", "1e3"),
    ],
)
def test_numbers_that_cannot_bound_anything_are_usage_errors(
    command: str, flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if command == "token" and flag in ("--timeout", "--max-answer"):
        flag = "--token-timeout" if flag == "--timeout" else "--retries"
        value = value if flag == "--token-timeout" else "11"
    with pytest.raises(SystemExit) as exited:
        main([command, flag, value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert flag in err
    assert "Traceback" not in err


def test_every_live_command_accepts_the_same_live_flags() -> None:
    found = {
        command: option_strings(command_parser(command)) & LIVE_FLAGS for command in LIVE_COMMANDS
    }
    assert all(flags == LIVE_FLAGS for flags in found.values()), found


def test_one_command_line_means_the_same_options_everywhere(ca: Path) -> None:
    words = [
        "--url", "https://ogx.example.test:8321", "--provider-data-header", "X-OGX-Provider-Data",
        "--timeout", "7", "--stack-ca-bundle", str(ca), "--authority", "usgov",
        "--ca-bundle", "/etc/entra-ca.pem", "--retries", "2", "--token-timeout", "3",
    ]  # fmt: skip
    expected = LiveOptions(
        url="https://ogx.example.test:8321",
        provider_data_header="X-OGX-Provider-Data",
        stack_timeout=7.0,
        authority="usgov",
        ca_bundle=Path("/etc/entra-ca.pem"),
        stack_ca_bundle=ca,
        token_timeout=3.0,
        retries=2,
    )
    for command in LIVE_COMMANDS:
        args = build_parser(command).parse_args([command, *words])
        assert (
            live_options(args, CommandContext(UserSettings(), Path("settings.toml"))) == expected
        ), command


def test_providers_help_says_the_token_options_change_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["providers", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "providers requests no token" in text
    assert "change nothing here" in text
    with pytest.raises(SystemExit):
        main(["infer", "--help"])
    assert "requests no token" not in capsys.readouterr().out


# ------------------------------------------------------------------ a bad bundle


def _not_pem(path: Path) -> Path:
    path.write_text("not a certificate\n")
    return path


def _der(path: Path, ca: Path) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    path.write_bytes(x509.load_pem_x509_certificate(ca.read_bytes()).public_bytes(Encoding.DER))
    return path


@pytest.mark.parametrize("command", LIVE_COMMANDS)
@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("missing", "no such file"),
        ("folder", "is a folder, not a PEM file"),
        ("not-pem", "holds no PEM certificate"),
        ("der", "is DER (binary), not PEM"),
        ("key", "holds a private key, not a CA certificate"),
    ],
)
def test_an_unusable_bundle_is_a_usage_error(
    command: str,
    kind: str,
    problem: str,
    tmp_path: Path,
    ca: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = {
        "missing": lambda: tmp_path / "nowhere" / "ca.pem",
        "folder": lambda: tmp_path,
        "not-pem": lambda: _not_pem(tmp_path / "ca.pem"),
        "der": lambda: _der(tmp_path / "ca.der", ca),
        "key": lambda: ca.parent / "server.key",
    }[kind]()
    # The URL would refuse the connection: exit 2 proves nothing was asked.
    code = main([command, "--url", "https://127.0.0.1:9", "--stack-ca-bundle", str(bundle)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"error: --stack-ca-bundle {bundle}: {problem}" in err
    assert "remedy:" in err
    assert "CONNECTION_REFUSED" not in err


def test_serve_checks_the_bundle_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "ca.pem"
    assert main(["serve", "--port", "1", "--stack-ca-bundle", str(missing)]) == 2
    assert f"error: --stack-ca-bundle {missing}: no such file" in capsys.readouterr().err


def test_a_cut_short_bundle_is_named(tmp_path: Path, ca: Path) -> None:
    text = ca.read_text()
    broken = tmp_path / "broken.pem"
    broken.write_text(text[: len(text) // 2] + "\n-----END CERTIFICATE-----\n")
    with pytest.raises(CaBundleError) as caught:
        bundle_context(broken)
    assert "cannot be parsed" in str(caught.value)
    assert caught.value.diagnosis().code == "CA_BUNDLE"


# ------------------------------------------------------------ the cached contexts


def test_one_cached_context_per_bundle(tmp_path: Path, ca: Path) -> None:
    other = issue_local_tls(tmp_path / "other").ca_pem
    assert tls_context() is tls_context(None)
    first = tls_context(ca)
    assert tls_context(ca) is first, "cached: built once per bundle"
    assert tls_context(other) is not first
    assert first is not tls_context()
    assert first.get_ca_certs()[0]["subject"] != ()
    assert len(first.get_ca_certs()) == 1, "the bundle replaces the system's CAs"


def test_a_bundle_fixed_on_disk_is_read_again(tmp_path: Path, ca: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("oops\n")
    with pytest.raises(CaBundleError):
        tls_context(bundle)
    bundle.write_bytes(ca.read_bytes())
    assert len(tls_context(bundle).get_ca_certs()) == 1


# ------------------------------------------------------------------ the settings file


def test_settings_file_gives_the_stack_bundle(no_settings_file: Path, ca: Path) -> None:
    no_settings_file.parent.mkdir(parents=True)
    no_settings_file.write_text('stack_ca_bundle = "certs/ca.pem"\nread_only = true\n')
    settings, problems = load_user_settings(no_settings_file)
    assert problems == []
    assert settings.stack_ca_bundle == no_settings_file.parent / "certs" / "ca.pem"
    assert settings.path == no_settings_file

    no_settings_file.write_text(f'stack_ca_bundle = "{ca}"\n')
    settings, _ = load_user_settings(no_settings_file)
    args = build_parser("check").parse_args(["check"])
    assert live_options(args, CommandContext(settings, no_settings_file)).stack_ca_bundle == ca
    flag = ca.parent / "server.pem"  # a PEM certificate, so a usable bundle
    args = build_parser("check").parse_args(["check", "--stack-ca-bundle", str(flag)])
    assert live_options(args, CommandContext(settings, no_settings_file)).stack_ca_bundle == flag, (
        "the flag wins"
    )


@pytest.mark.parametrize("value", ["5", '""', "true", '["a.pem"]'])
def test_a_bad_settings_value_is_ignored_with_a_message(no_settings_file: Path, value: str) -> None:
    no_settings_file.parent.mkdir(parents=True)
    no_settings_file.write_text(f"stack_ca_bundle = {value}\n")
    settings, problems = load_user_settings(no_settings_file)
    assert settings.stack_ca_bundle is None
    assert [str(problem) for problem in problems] == [
        f"{no_settings_file}:1: stack_ca_bundle must be the path of a PEM file (a string); ignored"
    ]


def test_a_missing_bundle_in_the_settings_file_names_the_file(
    no_settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_settings_file.parent.mkdir(parents=True)
    no_settings_file.write_text('stack_ca_bundle = "~/no-such-dir/ca.pem"\n')
    assert main(["tui", "--url", "https://127.0.0.1:9"]) == 2, "the TUI is not opened"
    err = capsys.readouterr().err
    missing = Path("~/no-such-dir/ca.pem").expanduser()
    assert f"error: {no_settings_file}: stack_ca_bundle {missing}: no such file" in err
    assert "remedy:" in err
