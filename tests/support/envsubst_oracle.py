"""The servers' own ``replace_env_vars``, asked through a pipe: the oracle for env substitution.

The console must resolve ``${env.VAR}`` exactly as the server does, but the server cannot be
imported here: each release lives in its own environment (`console.releases.environments`).
An `EnvSubstOracle` runs the release's interpreter once and sends it one JSON line per
question ({yaml text, environment}); the server's function answers with the resolved value,
or with the variable and path of the `EnvVarError` it raised. A round trip costs well under
a millisecond, so a hypothesis run of hundreds of examples stays fast.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import pytest

from console.releases.catalog import ServerRelease
from console.releases.environments import ProvisionError, provision

# Runs in the server's environment. argv: <module of replace_env_vars and EnvVarError>.
_SCRIPT = """\
import importlib, json, os, sys
import yaml
stack = importlib.import_module(sys.argv[1])
for line in sys.stdin:
    question = json.loads(line)
    for name in [n for n in os.environ if n.startswith("LSC_T_")]:
        del os.environ[name]
    os.environ.update(question["env"])
    try:
        answer = {"value": stack.replace_env_vars(yaml.safe_load(question["text"]))}
    except stack.EnvVarError as error:
        answer = {"error": {"var": error.var_name, "path": error.path}}
    sys.stdout.write(json.dumps(answer) + "\\n")
    sys.stdout.flush()
"""


@dataclass(frozen=True)
class Answer:
    """What the server's ``replace_env_vars`` returned, or the `EnvVarError` it raised."""

    value: Any = None
    error_var: str | None = None
    error_path: str | None = None


class EnvSubstOracle:
    """One server release's ``replace_env_vars``, running in that release's environment."""

    def __init__(self, release: ServerRelease) -> None:
        self.release = release
        try:
            environment = provision(release)
        except ProvisionError as error:
            pytest.fail(f"{release.label} is needed as the oracle: {error} ({error.remedy})")
        self._process = subprocess.Popen(
            [str(environment.python), "-c", _SCRIPT, f"{release.package}.core.stack"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, text: str, environ: dict[str, str]) -> Answer:
        """Resolve the YAML ``text`` with exactly ``environ`` set (for the LSC_T_* names)."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(json.dumps({"text": text, "env": environ}) + "\n")
        stdin.flush()
        line = stdout.readline()
        assert line, f"the {self.release.label} oracle stopped (exit {self._process.poll()})"
        answer = json.loads(line)
        if "error" in answer:
            return Answer(error_var=answer["error"]["var"], error_path=answer["error"]["path"])
        return Answer(value=answer["value"])

    def close(self) -> None:
        """End the oracle process."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
