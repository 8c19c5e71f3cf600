"""The files the demo writes into its temp folder: configs, env files, a settings file.

Besides the lightspeed-stack.yaml and run.yaml of its main deployment, the demo registers
four named deployments in a settings file of its own (never the user's), so the
deployments screen and ``check --all --settings FILE`` show a mixed picture at once:

- ``sandbox``: the server the demo runs (OGX 1.2.5 by default), healthy;
- ``legacy``: a llama-stack 0.7.3 server with May 2026's ``llama_stack:`` file, healthy;
- ``prod-eu``: the main server again, tagged ``prod``, whose env file carries a client
  secret Entra ID refuses, so it fails at the token step (AADSTS7000215);
- ``library``: a lightspeed-stack 0.7.x file in library mode (no server: the console boots
  its run.yaml in OGX 1.2.5's library client, as Lightspeed does), healthy.

The sandbox's credentials reach every deployment through env files, as a pod's Secret
would: the console treats their values as secrets and never shows them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML

from console.shared.azure import DEFAULT_SCOPE

StackKind = Literal["ogx", "llama-stack", "sandbox"]
SETTINGS_FILE = "deployments.toml"
SANDBOX_ENV = "sandbox.env"
WRONG_SECRET_ENV = "wrong-secret.env"  # noqa: S105 - a file name
LEGACY_DIR = "legacy"
LIBRARY_DIR = "library"
WRONG_SECRET = "Wr0ng8Q~DemoFaultNotTheSandboxSecret000000"  # noqa: S105 - refused on purpose
"""The client secret of ``prod-eu``: not the sandbox's, so Entra ID answers AADSTS7000215."""
MAIN, LEGACY, FAULTY, LIBRARY = "sandbox", "legacy", "prod-eu", "library"


@dataclass(frozen=True)
class DemoServer:
    """One Llama Stack server a demo deployment points at."""

    url: str
    kind: StackKind
    label: str
    ca_bundle: str | None = None


@dataclass(frozen=True)
class Credentials:
    """The sandbox identity the env files carry (sandbox-only values)."""

    tenant_id: str
    client_id: str
    client_secret: str
    authority: str
    ca_bundle: str


def write_deployments(
    workdir: Path,
    credentials: Credentials,
    main: DemoServer,
    legacy: DemoServer,
    run_config: dict[str, Any],
) -> Path:
    """Write the env files, the other deployments' files and the settings file; return it."""
    _write_env(workdir / SANDBOX_ENV, credentials, credentials.client_secret)
    _write_env(workdir / WRONG_SECRET_ENV, credentials, WRONG_SECRET)
    legacy_dir = workdir / LEGACY_DIR
    legacy_dir.mkdir(exist_ok=True)
    (legacy_dir / "lightspeed-stack.yaml").write_text(
        lightspeed_yaml_text(legacy.url, "llama-stack", "legacy")
    )
    legacy_config = f"{LEGACY_DIR}/lightspeed-stack.yaml"
    library_dir = workdir / LIBRARY_DIR
    library_dir.mkdir(exist_ok=True)
    library_run = library_dir / "run.yaml"
    library_run.write_text(run_yaml_text(run_config))
    # Absolute: Lightspeed resolves library_client_config_path against its current folder.
    (library_dir / "lightspeed-stack.yaml").write_text(
        lightspeed_yaml_text("", "ogx", "library mode", library_run=library_run)
    )
    tables = [
        _table(MAIN, "lightspeed-stack.yaml", main, credentials, env=SANDBOX_ENV, tag="sandbox"),
        _table(LEGACY, legacy_config, legacy, credentials, env=SANDBOX_ENV, tag="legacy"),
        _table(
            FAULTY, "lightspeed-stack.yaml", main, credentials, env=WRONG_SECRET_ENV, tag="prod"
        ),
        _library_table(f"{LIBRARY_DIR}/lightspeed-stack.yaml", credentials),
    ]
    path = workdir / SETTINGS_FILE
    path.write_text(
        "# Deployments of the lightspeed-console demo (sandbox), removed when the demo stops.\n"
        f"#   lightspeed-console check --all --settings {path}\n"
        f"# {FAULTY} fails at the token step on purpose: its env file has a wrong secret.\n"
        + "\n".join(tables)
    )
    return path


def _table(
    name: str, config: str, server: DemoServer, credentials: Credentials, *, env: str, tag: str
) -> str:
    lines = [
        f"[deployments.{name}]",
        f"config = {_toml(config)}",
        'run_config = "run.yaml"',
        f"url = {_toml(server.url)}",
        f"authority = {_toml(credentials.authority)}",
        f"ca_bundle = {_toml(credentials.ca_bundle)}",
    ]
    if server.ca_bundle:
        lines.append(f"stack_ca_bundle = {_toml(server.ca_bundle)}")
    lines += [f"env_file = {_toml(env)}", f"tag = {_toml(tag)}", ""]
    return "\n".join(lines)


def _library_table(config: str, credentials: Credentials) -> str:
    """A library-mode deployment: no server URL, its run.yaml named in its own file."""
    return "\n".join(
        [
            f"[deployments.{LIBRARY}]",
            f"config = {_toml(config)}",
            f"authority = {_toml(credentials.authority)}",
            f"ca_bundle = {_toml(credentials.ca_bundle)}",
            f"env_file = {_toml(SANDBOX_ENV)}",
            'tag = "library"',
            "",
        ]
    )


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for what a path or URL holds)."""
    return json.dumps(text)


def _write_env(path: Path, credentials: Credentials, secret: str) -> None:
    path.write_text(
        "# The sandbox deployment's pod environment (sandbox-only values).\n"
        f"TENANT_ID={credentials.tenant_id}\n"
        f"CLIENT_ID={credentials.client_id}\n"
        f"CLIENT_SECRET='{secret}'\n"
    )
    path.chmod(0o600)


def run_yaml_text(run_config: dict[str, Any]) -> str:
    """The demo's run.yaml, with a header saying what it points at."""
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(run_config, buffer)
    return (
        "# Llama Stack run.yaml of the lightspeed-console demo (sandbox).\n"
        "# The remote::azure provider points at the local Azure OpenAI stand-in.\n"
        + buffer.getvalue()
    )


def lightspeed_yaml_text(
    stack_url: str, kind: StackKind, variant: str = "", *, library_run: Path | None = None
) -> str:
    """The demo's lightspeed-stack.yaml, in the generation of the server it runs.

    OGX is what lightspeed-stack 0.7.x runs, so its file is 0.7.x's (``ogx:``); llama-stack
    0.7.3 and the stand-in are May 2026's, whose Lightspeed reads ``llama_stack:``. With
    ``library_run`` it is in library mode: no server, that run.yaml booted in-process.
    """
    section = "ogx" if kind == "ogx" else "llama_stack"
    name = (
        f"lightspeed-console demo, {variant} (sandbox)"
        if variant
        else ("lightspeed-console demo (sandbox)")
    )
    server = (
        f"  use_as_library_client: true\n  library_client_config_path: {library_run}\n"
        if library_run is not None
        else f"  use_as_library_client: false\n  url: {stack_url}\n  timeout: 60\n"
    )
    return f"""\
# lightspeed-stack.yaml of the lightspeed-console demo (sandbox).
name: {name}
service:
  host: 127.0.0.1
  port: 8080
  auth_enabled: false

{section}:
{server}
user_data_collection:
  feedback_enabled: false
  transcripts_enabled: false

# Sandbox credentials, set in the environment by `lightspeed-console demo`.
azure_entra_id:
  tenant_id: ${{env.TENANT_ID}}
  client_id: ${{env.CLIENT_ID}}
  client_secret: ${{env.CLIENT_SECRET}}
  scope: {DEFAULT_SCOPE}
"""
