"""Hostile text for the terminal-escape suites: canaries, where they go, how to look for them.

`HOSTILE` carries every canary at once: an OSC 0 that retitles the terminal, a CSI that
clears the screen, an OSC 52 that writes the clipboard, a CR that overwrites the line, a
bidi override that reverses what follows, a BEL, a C1 CSI and DEL. `hostile_deployment`
puts it everywhere the console reads text it did not write: the deployment's name, a
provider and a model in run.yaml (and in what the Llama Stack stand-in lists), an
environment variable the run.yaml uses, a role in the Entra ID token, a comment of the
file (raw bidi), and the prompt the Azure stand-in echoes back.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from console.sandbox.demo import DemoInfo, DemoSandbox
from console.sandbox.llama_stack.run_config import ModelEntry, ProviderEntry

TITLE = "\x1b]0;PWNED\x07"
CLEAR = "\x1b[2J"
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
BIDI = "\u202e"
HOSTILE = f"h0st{TITLE}{CLEAR}{CLIPBOARD}\rfake{BIDI}evil\x9b31m\x7fend"
"""Every canary in one value (the text around them keeps it recognisable)."""

SHOWN = "h0st\\x1b]0;PWNED\\x07\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07\\rfake\\u202eevil\\x9b31m\\x7fend"
"""`HOSTILE` as the console shows it: every control escaped, on one line."""
SHOWN_START = "h0st\\x1b]0;PWNED\\x07"
"""The start of `SHOWN`: what must be seen where a long value is cut to its column."""

FORBIDDEN = {
    "ESC": "\x1b",
    "BEL": "\x07",
    "CR": "\r",
    "BS": "\x08",
    "DEL": "\x7f",
    "C1 CSI": "\x9b",
    **{f"U+{ord(c):04X}": c for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"},
}
"""What must never reach a terminal from input (the console's own colours aside)."""

VARIABLE = "HOSTILE_VALUE"
"""The environment variable the hostile run.yaml uses (its value is `HOSTILE`)."""


def forbidden_in(text: str) -> list[str]:
    """The names of the forbidden characters found in ``text`` (empty: it is safe)."""
    return [name for name, char in FORBIDDEN.items() if char in text]


def assert_safe(text: str, where: str = "output") -> None:
    """``text`` holds no control character or bidi control that came from input."""
    found = forbidden_in(text)
    assert not found, f"{where} holds {', '.join(found)}: {text[:2000]!r}"


@dataclass
class HostileDeployment:
    """A sandbox whose files, server, token and environment all carry `HOSTILE`."""

    sandbox: DemoSandbox
    info: DemoInfo
    lightspeed_config: Path
    run_config: Path

    @property
    def environ(self) -> dict[str, str]:
        """The sandbox's variables and the hostile one the run.yaml uses."""
        return {**self.info.environ, VARIABLE: HOSTILE}

    def cli_live_args(self) -> list[str]:
        """``-c``, ``-i``, the authority and its CA: what a live command needs here."""
        return [
            "-c",
            str(self.lightspeed_config),
            "-i",
            str(self.run_config),
            "--authority",
            self.info.authority,
            "--ca-bundle",
            self.info.ca_bundle,
        ]


def hostile_run_yaml(text: str, base_url_host: str = "hostile.example") -> str:
    """The demo's run.yaml with a second remote::azure provider and a model named `HOSTILE`.

    Dumped by ruamel: the controls are written as YAML escapes (``"\\e]0;..."``), the bidi
    control raw (YAML allows it), and a comment carries one raw too.
    """
    yaml = YAML()
    yaml.width = 4096
    data = yaml.load(text)
    data["providers"]["inference"].append(
        {
            "provider_id": HOSTILE,
            "provider_type": "remote::azure",
            "config": {
                "base_url": f"https://{base_url_host}/openai/v1?{HOSTILE}",
                "api_version": f"${{env.{VARIABLE}}}",
            },
        }
    )
    data.setdefault("registered_resources", {}).setdefault("models", []).append(
        {
            "model_id": HOSTILE,
            "provider_id": HOSTILE,
            "provider_model_id": HOSTILE,
            "model_type": "llm",
        }
    )
    data[HOSTILE] = HOSTILE  # a key of its own: the file view and the findings quote it
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return f"# a comment with a bidi override {BIDI} in it\n" + buffer.getvalue()


@contextmanager
def hostile_deployment(workdir: Path) -> Iterator[HostileDeployment]:
    """The stand-in sandbox, made hostile (see the module docstring)."""
    with DemoSandbox(server="stand-in") as sandbox:
        info = sandbox.info
        assert info is not None
        stack = sandbox.stack_stand_in
        assert stack is not None
        stack.stand_in.providers.append(
            ProviderEntry(
                "inference",
                HOSTILE,
                "remote::azure",
                {
                    "base_url": f"https://hostile.example/openai/v1?{HOSTILE}",
                    "api_version": HOSTILE,
                },
            )
        )
        stack.stand_in.models.append(ModelEntry(f"{HOSTILE}/{HOSTILE}", HOSTILE, HOSTILE))
        tenant = sandbox.entra.stand_in.find_tenant(info.tenant_id)
        assert tenant is not None
        tenant.apps[info.client_id.lower()].roles.append(HOSTILE)
        lightspeed = workdir / "lightspeed-stack.yaml"
        text = Path(info.lightspeed_config).read_text()
        lightspeed.write_text(
            text.replace(
                "name: lightspeed-console demo (sandbox)", f'name: "{_yaml_escaped(HOSTILE)}"'
            )
        )
        run = workdir / "run.yaml"
        run.write_text(hostile_run_yaml(Path(info.run_config).read_text()))
        yield HostileDeployment(sandbox, info, lightspeed, run)


def _yaml_escaped(value: str) -> str:
    """``value`` inside a YAML double-quoted scalar: every non-printable as an escape."""
    out = []
    for char in value:
        if char == '"' or char == "\\":
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) > 0xFF else f"\\x{ord(char):02x}")
    return "".join(out)
