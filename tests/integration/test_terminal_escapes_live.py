"""No escape sequence from a server, a token or a file reaches the terminal: the live commands.

The sandbox is made hostile (tests/support/hostile_text.py): the Llama Stack stand-in lists a
provider and a model named with every canary, the Entra ID stand-in puts one in a role of
the token, the files carry them, and the Azure stand-in echoes a hostile prompt back as the
answer. ``providers``, ``token``, ``infer`` and ``check`` show all of it escaped, as text
and as JSON (which stays JSON, with the value intact).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.cli import main
from tests.support.hostile_text import (
    HOSTILE,
    SHOWN,
    HostileDeployment,
    assert_safe,
    hostile_deployment,
)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileDeployment]:
    with hostile_deployment(tmp_path_factory.mktemp("hostile")) as found:
        yield found


@pytest.fixture
def env(deployment: HostileDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in deployment.environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_COLOR", "1")


COMMANDS = {
    "providers": (["providers"], "provider"),
    "token": (["token"], "role"),
    "infer": (["infer", "--prompt", HOSTILE], "answer"),
    "check": (["check", "--prompt", HOSTILE], "answer and findings"),
}


def run(
    deployment: HostileDeployment, words: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    code = main([*words[:1], *deployment.cli_live_args(), *words[1:]])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.usefixtures("env")
def test_live_commands_show_what_the_servers_said_escaped(
    name: str, deployment: HostileDeployment, capsys: pytest.CaptureFixture[str]
) -> None:
    words, what = COMMANDS[name]
    code, out, err = run(deployment, words, capsys)
    assert code in (0, 1), err
    assert "internal error" not in err
    assert_safe(out, f"{name}'s stdout")
    assert_safe(err, f"{name}'s stderr")
    assert SHOWN in out, f"the hostile {what} is shown escaped: {out}"


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.usefixtures("env")
def test_live_commands_json_keeps_the_value_and_escapes_it(
    name: str, deployment: HostileDeployment, capsys: pytest.CaptureFixture[str]
) -> None:
    words, _ = COMMANDS[name]
    code, out, err = run(deployment, [*words, "--json"], capsys)
    assert code in (0, 1), err
    assert_safe(out, f"{name} --json")
    assert_safe(err, f"{name}'s stderr")
    assert out.isascii()
    data = json.loads(out)
    if name in ("providers", "token", "infer"):  # the value itself, not a shown form
        assert HOSTILE in "\n".join(_strings(data))


def _strings(data: object) -> list[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for key, value in data.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(data, list):
        return [s for item in data for s in _strings(item)]
    return []


@pytest.mark.usefixtures("env")
def test_a_hostile_authority_answer_is_shown_escaped(
    deployment: HostileDeployment, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A client id the authority does not know is quoted back in its error (AADSTS700016)."""
    hostile = tmp_path / "unknown-app.yaml"
    text = deployment.lightspeed_config.read_text()
    hostile.write_text(text.replace("${env.CLIENT_ID}", json.dumps(f"app-{HOSTILE}")))
    args = deployment.cli_live_args()
    args[1] = str(hostile)
    code = main(["token", *args])
    out, err = capsys.readouterr()
    assert code == 1
    assert_safe(out)
    assert_safe(err)
    assert "\\x1b]0;PWNED\\x07" in err
