"""Shared fixtures: paths to the examples and a clean environment for env substitution."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hostile_servers import HostileServers

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

CANARY_SECRET = "canary-Cl13nt-S3cr3t-7f3a"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


CALLERS_VARIABLES = (
    "TENANT_ID",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "OPENAI_API_KEY",
    "SQLITE_STORE_DIR",
)
CALLERS_PREFIXES = ("AZURE_", "LIGHTSPEED_", "LLAMA_STACK_", "OGX_", "LSC_")
"""What an operator's shell often exports, and what the console, azure-identity and the
servers would read: the suite runs as if none were set (each test sets what it needs)."""


MAX_WORKERS = 8


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers a core (up to `MAX_WORKERS`). Most tests wait on servers,
    sockets and subprocesses rather than compute, so a core has room for a second."""
    return min(2 * (os.cpu_count() or 1), MAX_WORKERS)


def pytest_configure(config: pytest.Config) -> None:
    """Leave the caller's variables behind before any fixture or server starts (every
    xdist worker runs this too), so a test sees the same environment in any shell."""
    for name in list(os.environ):
        if name in CALLERS_VARIABLES or name.startswith(CALLERS_PREFIXES):
            del os.environ[name]
    # The CLI, the servers and the library runners the tests start cache their bytecode, as
    # on a user's machine: a shell's PYTHONDONTWRITEBYTECODE would have each of them compile
    # every module it imports from source again.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


@pytest.fixture
def entra_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The variables the examples reference, with a recognisable secret."""
    values = {"TENANT_ID": TENANT, "CLIENT_ID": CLIENT, "CLIENT_SECRET": CANARY_SECRET}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture(autouse=True)
def _no_user_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty settings folder, so the tester's own settings file changes no test.

    The live commands read it (``stack_ca_bundle``), not only the TUI.
    """
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-settings"))
    monkeypatch.delenv("LIGHTSPEED_CONSOLE_SETTINGS", raising=False)


@pytest.fixture(autouse=True)
def _repository_root_untouched() -> Iterator[None]:
    """No test leaves a file in the repository's root.

    Commands write their default output to the working folder (``enrich``: ./run_.yaml),
    which for an in-process test is the root: such a test must run in its tmp_path.
    """
    before = _root_files()
    yield
    left = sorted(_root_files() - before)
    assert not left, f"a test wrote {left} into {ROOT}: run it in tmp_path (monkeypatch.chdir)"


def _root_files() -> set[str]:
    """The repository root's visible entries (hidden ones are tools' caches)."""
    return {entry.name for entry in ROOT.iterdir() if not entry.name.startswith(".")}


_FAULT_MATRIX: list[str] = []
"""The fault matrix's table, as the worker that ran it handed it over (pytest-xdist)."""


def _fault_matrix_lines() -> list[str]:
    """The table of tests/integration/test_fault_matrix.py, when it ran in this process."""
    import sys

    module = next(
        (m for name, m in list(sys.modules.items()) if name.endswith(".test_fault_matrix")), None
    )
    return list(module.table_lines()) if module is not None else []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker hands the table to the controller, which prints the summary."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["fault_matrix"] = _fault_matrix_lines()


def pytest_testnodedown(node: object, error: object) -> None:
    """The controller keeps the table a worker handed over."""
    lines = getattr(node, "workeroutput", {}).get("fault_matrix")
    if lines:
        _FAULT_MATRIX[:] = lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the fault matrix (tests/integration/test_fault_matrix.py) when it ran."""
    lines = _FAULT_MATRIX or _fault_matrix_lines()
    if lines:
        terminalreporter.write_sep("=", "fault matrix: injected -> shown -> cleared at runtime")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def hostile() -> Iterator[HostileServers]:
    """Start hostile servers (`tests.support.hostile_servers`): ``hostile(routes)``; all
    are stopped when the test ends."""
    servers = HostileServers()
    try:
        yield servers
    finally:
        servers.stop_all()
