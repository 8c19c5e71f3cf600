"""The fleet's isolation: a hung run ends at its own bound, a crashing one as its own error.

The doctors here are stand-ins that pass, hang or raise, so the test says what the fleet
does with each without a server; the real thing is in tests/integration/test_check_all.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from console.doctor import fleet
from console.doctor.fleet import FleetEntry, Verdict, check_deployment, check_fleet, time_bound
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.runner import Doctor
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.diagnosis import Diagnosis

SECRET = "canary-fleet-s3cr3t-value"


class ScriptedDoctor(Doctor):
    """Passes every step, or hangs after the config step, or raises in the token step."""

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self.behaviour = target.deployment or "pass"

    async def run(self) -> AsyncIterator[CheckResult]:
        for step in ("config", "findings", "enrichment", "stack", "providers", "token"):
            if step == "stack" and self.behaviour == "hang":
                await asyncio.Event().wait()
            if step == "token" and self.behaviour == "crash":
                raise RuntimeError(f"boom with {SECRET} in it")
            yield CheckResult(step, step, CheckStatus.PASS, "ok")
        yield CheckResult("inference", "inference", CheckStatus.PASS, "ok")


def entry(behaviour: str) -> FleetEntry:
    target = Target(
        Path("/nowhere/ls.yaml"),
        None,
        LiveOptions(),
        deployment=behaviour,
        env_secrets=(SECRET,),
    )
    return FleetEntry(behaviour, None, target)


async def test_a_hang_ends_at_its_bound_and_a_crash_is_its_own_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fleet, "time_bound", lambda doctor: 0.3)
    done: list[str] = []
    rows = await check_fleet(
        [entry("pass"), entry("hang"), entry("crash"), entry("pass")],
        jobs=2,
        on_done=lambda row: done.append(row.name),
        make_doctor=ScriptedDoctor,
    )
    assert [row.verdict for row in rows] == [
        Verdict.PASS,
        Verdict.TIMEOUT,
        Verdict.ERROR,
        Verdict.PASS,
    ]
    hang, crash = rows[1], rows[2]
    assert (hang.failed_step, hang.code) == ("stack", "TIMEOUT")
    assert "this deployment's bound" in hang.summary
    assert (crash.failed_step, crash.code) == ("token", "INTERNAL")
    assert "RuntimeError" in crash.summary
    assert SECRET not in crash.summary
    assert sorted(done) == ["crash", "hang", "pass", "pass"]


async def test_an_unusable_deployment_is_a_failed_row_not_an_exception() -> None:
    unusable = Diagnosis("SETTINGS", "unusable", "settings.toml:3: config missing", "fix it")
    row = await check_deployment(FleetEntry("gone", "prod", unusable=unusable))
    assert (row.verdict, row.failed_step, row.code) == (Verdict.FAIL, "settings", "SETTINGS")
    assert row.remedy == "fix it"
    assert row.to_dict()["ok"] is False


def test_the_bound_grows_with_the_deployments_own_timeouts() -> None:
    quick = Doctor(Target(None, options=LiveOptions(stack_timeout=1, token_timeout=1)))
    slow = Doctor(Target(None, options=LiveOptions(stack_timeout=60, token_timeout=20, retries=2)))
    assert time_bound(quick) < time_bound(slow)
    assert time_bound(slow) >= 5 * 60 + 3 * 2 * 2 * 20
