"""The Llama Stack server over HTTPS with a private CA, as OGX 1.x is run, and its TLS failures.

The stand-in serves real TLS with a certificate from its own CA (`issue_local_tls`); the
Entra stand-in has another CA. Every command that talks to the server is run end to end:
with ``--stack-ca-bundle`` it succeeds, without it (or with only the authority's
``--ca-bundle``) it fails with the untrusted-certificate diagnosis whose remedy names the
flag. The other handshake failures (a certificate for another name, an expired one, the
http/https mix-up both ways) are produced by real servers, never by faking an exception.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.cli import main
from console.doctor.results import CheckStatus
from console.doctor.runner import Doctor
from console.sandbox.azure_openai.server import AzureOpenAIServer
from console.sandbox.azure_openai.stand_in import AzureOpenAIStandIn
from console.sandbox.ca import TlsFiles, issue_local_tls
from console.sandbox.entra.server import EntraServer
from console.sandbox.entra.stand_in import EntraStandIn
from console.sandbox.llama_stack.server import LlamaStackServer
from console.sandbox.real_stack import minimal_run_config
from console.sandbox.servers import LocalServer, Receive, Scope, Send, drop_connection
from console.sandbox.tokens import TokenIssuer
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.diagnosis import DiagnosedError, Diagnosis
from console.stack.session import StackSession
from tests.conftest import CANARY_SECRET, CLIENT, TENANT

ECHO_PREFIX = "Echo: "


@dataclass
class Rig:
    """An HTTPS Llama Stack stand-in (its own CA), an Azure stand-in and an Entra stand-in."""

    stack: LlamaStackServer
    stack_tls: TlsFiles
    azure: AzureOpenAIServer
    entra: EntraServer
    workdir: Path

    @property
    def url(self) -> str:
        return self.stack.url

    def config(self, url: str | None = None) -> str:
        """lightspeed-stack.yaml in service mode pointing at ``url`` (default: the server)."""
        path = self.workdir / "lightspeed-stack.yaml"
        path.write_text(
            "name: t\nllama_stack:\n  use_as_library_client: false\n"
            f"  url: {url or self.url}\n  timeout: 10\n"
            "azure_entra_id:\n  tenant_id: ${env.TENANT_ID}\n  client_id: ${env.CLIENT_ID}\n"
            "  client_secret: ${env.CLIENT_SECRET}\n"
        )
        return str(path)

    def run_yaml(self) -> str:
        path = self.workdir / "run.yaml"
        config = minimal_run_config(self.azure.base_url, storage_dir=str(self.workdir / "store"))
        path.write_text(json.dumps(config))
        return str(path)

    @property
    def entra_options(self) -> list[str]:
        return ["--authority", self.entra.authority, "--ca-bundle", str(self.entra.ca_pem)]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    workdir = tmp_path_factory.mktemp("stack-tls")
    stack_tls = issue_local_tls(workdir / "stack-tls")
    issuer = TokenIssuer()
    azure = AzureOpenAIServer(AzureOpenAIStandIn(issuer, deployments=("gpt-4o-mini",)))
    with azure, EntraServer(EntraStandIn(issuer=issuer), workdir=workdir / "entra") as entra:
        entra.stand_in.add_tenant(TENANT).add_app(CLIENT, secret=CANARY_SECRET)
        run_config = minimal_run_config(azure.base_url)
        with LlamaStackServer(run_config, tls=stack_tls) as stack:
            yield Rig(stack, stack_tls, azure, entra, workdir)


@pytest.fixture
def command_env(entra_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The Entra variables, no AZURE_AUTHORITY_HOST, and an empty settings folder."""
    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "lightspeed-console" / "config.toml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert CANARY_SECRET not in out + err
    return code, out, err


async def diagnosis_of(url: str, ca_bundle: Path | None = None) -> Diagnosis:
    async with StackSession(url, timeout=3, ca_bundle=ca_bundle) as session:
        with pytest.raises(DiagnosedError) as caught:
            await session.info()
    return caught.value.diagnosis


# ------------------------------------------------------------------- the session


async def test_session_trusts_only_the_bundle_it_is_given(rig: Rig) -> None:
    async with StackSession(rig.url, ca_bundle=rig.stack_tls.ca_pem) as session:
        info = await session.info()
        providers = await session.providers()
    assert rig.url.startswith("https://")
    assert info.kind == "sandbox"
    assert [p.provider_id for p in providers] == ["azure"]

    untrusted = await diagnosis_of(rig.url)
    assert untrusted.code == "TLS_UNTRUSTED"
    assert untrusted.endpoint == f"GET {rig.url}/v1/version"
    assert "--stack-ca-bundle PEM" in untrusted.remedy
    assert "Never turn verification off" in untrusted.remedy
    assert "the authority's --ca-bundle is not used" in untrusted.meaning

    wrong = await diagnosis_of(rig.url, rig.entra.ca_pem)
    assert wrong.code == "TLS_UNTRUSTED"
    assert str(rig.entra.ca_pem) in wrong.meaning
    assert "--stack-ca-bundle" in wrong.remedy


@pytest.mark.parametrize(
    ("issue", "code", "meaning", "remedy"),
    [
        (
            {"hostnames": ("ogx.example.test",), "addresses": ()},
            "TLS_HOSTNAME_MISMATCH",
            "not valid for '127.0.0.1'",
            "subjectAltName",
        ),
        ({"expired": True}, "TLS_EXPIRED", "has ended", "Renew the server's certificate"),
    ],
    ids=["another-name", "expired"],
)
async def test_certificate_refused_for_what_it_is(
    tmp_path: Path, issue: dict[str, object], code: str, meaning: str, remedy: str
) -> None:
    tls = issue_local_tls(tmp_path, **issue)  # type: ignore[arg-type]
    with LlamaStackServer(minimal_run_config("http://127.0.0.1:9/openai/v1"), tls=tls) as stack:
        url = stack.url
        found = await diagnosis_of(url, tls.ca_pem)
    assert found.code == code
    assert meaning in found.meaning
    assert remedy in found.remedy
    assert found.endpoint == f"GET {url}/v1/version"


async def test_http_to_a_tls_port_names_the_scheme(rig: Rig) -> None:
    plain = rig.url.replace("https://", "http://")
    found = await diagnosis_of(plain)
    assert found.code == "TLS_HTTP_TO_HTTPS"
    assert f"--url {rig.url}" in found.remedy
    assert "https://" in found.remedy


async def test_https_to_a_plain_port_names_the_scheme() -> None:
    with LlamaStackServer(minimal_run_config("http://127.0.0.1:9/openai/v1")) as stack:
        plain = stack.url
        found = await diagnosis_of(plain.replace("http://", "https://"))
    assert found.code == "TLS_HTTPS_TO_HTTP"
    assert f"--url {plain}" in found.remedy


async def _nginx_on_tls_port(scope: Scope, receive: Receive, send: Send) -> None:
    """What nginx answers to plain HTTP on its TLS port."""
    body = b"<html><center><h1>400 Bad Request</h1></center><center>The plain HTTP request "
    body += b"was sent to HTTPS port</center></html>"
    await send(
        {"type": "http.response.start", "status": 400, "headers": [(b"content-type", b"text/html")]}
    )
    await send({"type": "http.response.body", "body": body})


async def _dropping(scope: Scope, receive: Receive, send: Send) -> None:
    await drop_connection(scope)


async def test_http_to_a_proxys_tls_port_is_told_apart_from_a_drop() -> None:
    with LocalServer(_nginx_on_tls_port) as proxy:
        found = await diagnosis_of(proxy.url)
    assert found.code == "TLS_HTTP_TO_HTTPS"
    with LocalServer(_dropping) as dropping:
        dropped = await diagnosis_of(dropping.url)
    assert dropped.code == "CONNECTION_DROPPED", "a plain port that drops is not a TLS port"


# ------------------------------------------------------------------- the commands


@pytest.mark.usefixtures("command_env")
def test_providers_over_https(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    config = rig.config()
    code, out, err = run(
        capsys, "providers", "-c", config, "--stack-ca-bundle", str(rig.stack_tls.ca_pem)
    )
    assert code == 0, err
    assert f"azure base URL (as Lightspeed discovers it): {rig.azure.base_url}" in out

    code, out, err = run(capsys, "providers", "-c", config, "--json")
    assert code == 1
    assert json.loads(out)["diagnosis"]["code"] == "TLS_UNTRUSTED"
    assert "[TLS_UNTRUSTED]" in err
    assert "--stack-ca-bundle" in err

    # The authority's bundle is for the authority only: the server stays untrusted.
    code, out, err = run(capsys, "providers", "-c", config, *rig.entra_options, "--json")
    assert code == 1
    assert json.loads(out)["diagnosis"]["code"] == "TLS_UNTRUSTED"


@pytest.mark.usefixtures("command_env")
def test_infer_over_https(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    config = rig.config()
    stack_ca = ["--stack-ca-bundle", str(rig.stack_tls.ca_pem)]
    live = [*rig.entra_options, "--retries", "1", "--token-timeout", "5"]
    code, out, err = run(capsys, "infer", "-c", config, *live, *stack_ca)
    assert code == 0, err
    assert out.startswith(ECHO_PREFIX)

    code, out, err = run(capsys, "infer", "-c", config, *live, "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["step"], data["diagnosis"]["code"]) == ("server", "TLS_UNTRUSTED")
    assert "--stack-ca-bundle" in data["diagnosis"]["remedy"]


@pytest.mark.usefixtures("command_env")
def test_check_over_https(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    files = ["-c", rig.config(), "-i", rig.run_yaml()]
    stack_ca = ["--stack-ca-bundle", str(rig.stack_tls.ca_pem)]
    code, out, err = run(capsys, "check", *files, *rig.entra_options, *stack_ca, "--json")
    assert code == 0, out + err
    assert all(step["status"] == "pass" for step in json.loads(out)["steps"]), out

    code, out, err = run(capsys, "check", *files, *rig.entra_options, "--json")
    steps = {step["step"]: step for step in json.loads(out)["steps"]}
    assert code == 1
    assert steps["stack"]["diagnosis"]["code"] == "TLS_UNTRUSTED"
    assert "--stack-ca-bundle" in steps["stack"]["remedy"]
    assert steps["token"]["status"] == "pass", "the authority is trusted with its own bundle"
    assert steps["inference"]["status"] == "skip"


@pytest.mark.usefixtures("command_env")
def test_http_url_for_the_tls_server_through_check(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = rig.url.replace("https://", "http://")
    code, out, _ = run(capsys, "check", "-c", rig.config(plain), *rig.entra_options, "--json")
    steps = {step["step"]: step for step in json.loads(out)["steps"]}
    assert code == 1
    assert steps["stack"]["diagnosis"]["code"] == "TLS_HTTP_TO_HTTPS"
    assert "https://" in steps["stack"]["remedy"]


# ------------------------------------------------------------- the settings file


def test_settings_file_default_and_the_flag_wins(
    rig: Rig, capsys: pytest.CaptureFixture[str], command_env: Path
) -> None:
    command_env.parent.mkdir(parents=True)
    (command_env.parent / "ca.pem").write_bytes(rig.stack_tls.ca_pem.read_bytes())
    command_env.write_text('stack_ca_bundle = "ca.pem"\n')  # relative to the settings file
    config = rig.config()
    code, out, err = run(capsys, "providers", "-c", config)
    assert code == 0, err
    assert rig.azure.base_url in out

    wrong = ["--stack-ca-bundle", str(rig.entra.ca_pem)]
    code, out, err = run(capsys, "providers", "-c", config, *wrong, "--json")
    assert code == 1, "the flag wins over the settings file"
    assert json.loads(out)["diagnosis"]["code"] == "TLS_UNTRUSTED"
    assert str(rig.entra.ca_pem) in err

    command_env.write_text(f'stack_ca_bundle = "{rig.entra.ca_pem}"\n')
    right = ["--stack-ca-bundle", str(rig.stack_tls.ca_pem)]
    code, _, err = run(capsys, "providers", "-c", config, *right)
    assert code == 0, err


@pytest.mark.parametrize(
    ("text", "code", "said"),
    [
        ("stack_ca_bundle = 5\n", 1, "stack_ca_bundle must be the path of a PEM file"),
        ('stack_ca_bundle = "missing.pem"\n', 2, "stack_ca_bundle"),
        ("stack_ca_bundle = [\n", 1, "using defaults"),
    ],
    ids=["wrong-type", "missing-file", "broken-toml"],
)
def test_bad_settings_value_is_a_message_naming_the_file(
    rig: Rig,
    capsys: pytest.CaptureFixture[str],
    command_env: Path,
    text: str,
    code: int,
    said: str,
) -> None:
    command_env.parent.mkdir(parents=True)
    command_env.write_text(text)
    found, _, err = run(capsys, "providers", "-c", rig.config())
    assert found == code, err
    assert f"{command_env}:" in err
    assert said in err
    if code == 1:  # ignored: the server is then asked with the system's CAs
        assert "[TLS_UNTRUSTED]" in err
    else:
        assert f"{command_env.parent / 'missing.pem'}: no such file" in err
        assert "remedy:" in err


# ------------------------------------------------------------------ the doctor


@pytest.mark.usefixtures("command_env")
async def test_doctor_names_an_unusable_bundle_at_the_stack_step(rig: Rig, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    lightspeed = Path(rig.config())
    doctor = Doctor(Target(lightspeed, None, LiveOptions(stack_ca_bundle=missing)))
    try:
        await doctor.run_step("config")
        result = await doctor.run_step("stack")
    finally:
        await doctor.aclose()
    assert result.status is CheckStatus.FAIL
    assert result.diagnosis is not None
    assert result.diagnosis.code == "CA_BUNDLE"
    assert f"--stack-ca-bundle {missing}: no such file" in result.diagnosis.meaning
    assert "--stack-ca-bundle PEM" in result.remedy


@pytest.mark.usefixtures("command_env")
async def test_doctor_uses_the_stack_bundle_of_its_options(rig: Rig) -> None:
    doctor = Doctor(
        Target(Path(rig.config()), None, LiveOptions(stack_ca_bundle=rig.stack_tls.ca_pem))
    )
    try:
        await doctor.run_step("config")
        result = await doctor.run_step("stack")
    finally:
        await doctor.aclose()
    assert result.status is CheckStatus.PASS, result
    assert rig.url in result.summary


@pytest.mark.usefixtures("command_env")
def test_infers_replay_runs_as_pasted_over_https(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    """``replay with`` is a script: it fills $TOKEN the way Lightspeed gets the token and
    trusts the server's private CA with --cacert, so pasting it answers as the console did."""
    if shutil.which("curl") is None:
        pytest.skip("no curl on this machine")
    config = rig.config()
    stack_ca = ["--stack-ca-bundle", str(rig.stack_tls.ca_pem)]
    code, _, err = run(capsys, "infer", "-c", config, *rig.entra_options, *stack_ca)
    assert code == 0, err
    script = err.split("replay with:\n", 1)[1]  # the last lines on stderr: pasted as they are
    assert script.startswith(f'TOKEN="$(lightspeed-console token -c {config} --authority ')
    assert f"--ca-bundle {rig.entra.ca_pem} --raw)" in script
    assert f"--cacert {rig.stack_tls.ca_pem}" in script
    assert '"azure_api_key": "\'"$TOKEN"\'"' in script
    assert CANARY_SECRET not in script
    console_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{console_bin}{os.pathsep}{os.environ['PATH']}"}
    answer = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert answer.returncode == 0, answer.stderr
    reply = json.loads(answer.stdout)
    assert reply["choices"][0]["message"]["content"].startswith(ECHO_PREFIX)
