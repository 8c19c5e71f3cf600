"""The server section's timeout: numbers no wait can be, found and never used.

``ogx.timeout: .inf`` (or ``.nan``, ``-5``, ``1e300``) made ``check --all`` wait forever
and ``review`` said nothing. Each is a finding at its line whose remedy names the key as
the file writes it (``ogx.timeout`` or ``llama_stack.timeout``); the console then waits its
default (refused values) or at most an hour (``1e300``), and every bound derived from the
timeout is finite.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from console.config.loader import load
from console.doctor.fleet import time_bound
from console.doctor.runner import Doctor
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.findings import Severity
from console.stack.session import DEFAULT_TIMEOUT_S, StackSession, open_session

CONFIG = """\
name: t
service: {{}}
user_data_collection: {{}}
{section}:
  url: http://127.0.0.1:9
  timeout: {value}
"""


def written(folder: Path, section: str, value: str) -> Path:
    path = folder / "lightspeed-stack.yaml"
    path.write_text(CONFIG.format(section=section, value=value))
    return path


@pytest.mark.parametrize("section", ["ogx", "llama_stack"])
@pytest.mark.parametrize(
    ("value", "severity", "waits"),
    [
        (".inf", Severity.ERROR, DEFAULT_TIMEOUT_S),
        ("-.inf", Severity.ERROR, DEFAULT_TIMEOUT_S),
        (".nan", Severity.ERROR, DEFAULT_TIMEOUT_S),
        ("-5", Severity.ERROR, DEFAULT_TIMEOUT_S),
        ("0", Severity.ERROR, DEFAULT_TIMEOUT_S),
        ("1e300", Severity.WARNING, 3600.0),
        ("86400", Severity.WARNING, 3600.0),
    ],
)
def test_a_timeout_no_wait_can_be_is_a_finding_and_never_used(
    tmp_path: Path, section: str, value: str, severity: Severity, waits: float
) -> None:
    path = written(tmp_path, section, value)
    loaded = load(path, environ={})
    found = [f for f in loaded.findings if f.code == "BAD_TIMEOUT"]
    assert len(found) == 1, [f.message for f in loaded.findings]
    assert found[0].severity is severity
    assert (found[0].file, found[0].line) == (path, 6)
    assert found[0].message.startswith(f"{section}.timeout is ")
    assert f"{section}.timeout: 180" in found[0].remedy
    other = "llama_stack" if section == "ogx" else "ogx"
    assert f"{other}." not in found[0].message + found[0].remedy
    session = open_session(loaded)
    assert isinstance(session, StackSession)
    assert session.timeout == waits
    assert session.section == section


@pytest.mark.parametrize("value", ["30", "180", "2.5", "3600"])
def test_a_timeout_in_range_is_used_as_written(tmp_path: Path, value: str) -> None:
    loaded = load(written(tmp_path, "ogx", value), environ={})
    assert not [f for f in loaded.findings if f.code == "BAD_TIMEOUT"]
    session = open_session(loaded)
    assert isinstance(session, StackSession)
    assert session.timeout == float(value)


@pytest.mark.parametrize("value", [".inf", ".nan", "-5", "1e300"])
async def test_the_fleets_bound_is_finite_whatever_the_file_says(
    tmp_path: Path, value: str
) -> None:
    path = written(tmp_path, "ogx", value)
    doctor = Doctor(Target(path, None, LiveOptions(), environ={}))
    await doctor.run_step("config")
    assert doctor.state.loaded is not None
    bound = time_bound(doctor)
    assert math.isfinite(bound)
    assert bound <= 5 * 3600 + 120  # five calls at the longest wait the console takes
