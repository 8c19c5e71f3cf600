"""The app's work on many deployments: their live status, and switching the console between them.

`DeploymentsWork` extends `screens.workers.ConsoleWorkers` (the one deployment the doctor
checks) with the named deployments of the settings file (or the demo's): the last check of
each (`console.doctor.fleet.DeploymentCheck`, with when it ran), which are being checked,
and two workers a screen asks for through `screens.host.ConsoleHost`:

- `check_deployments`: the fleet's doctor for every deployment (or some), concurrently and
  bounded as ``check --all`` runs it; each row lands as it is known, then ``revised``;
- `switch_deployment`: the deployment made a `console.settings.target.Target` (its env
  file read in a daemon thread, which a quit never waits for) and handed over as the demo's
  bring-up hands its own (`TargetReady`): the doctor is replaced, and every screen follows.

The deployments screen checks at first sight, and on the settings file's
``deployments_refresh`` timer (seconds, off by default), only what may be checked unasked:
nothing when the console is read-only (``--read-only``, ``read_only = true``), and never a
deployment that is read-only itself or tagged production-like. Those are checked when the
operator asks (``r``), a production-like one after a yes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from console.config.watch import Signature, changed, file_signature
from console.settings.deployments import PATH_KEYS, Deployment, is_prod_tag
from console.settings.launch import Launch
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.shared.blocking import run_blocking
from screens.events import Level
from screens.messages import TargetReady
from screens.workers import POLL_SECONDS, ConsoleWorkers

if TYPE_CHECKING:  # the fleet is imported when a deployment is first checked or switched to:
    # the first frame never waits for it (bench/first_frame.py)
    from console.doctor.fleet import DeploymentCheck, FleetEntry

MODE = "deployments"


class DeploymentsWork(ConsoleWorkers):
    """The deployments, their last checks, the checks running, and the switch."""

    def __init__(self, launch: Launch) -> None:
        super().__init__(launch)
        self.deployments: dict[str, Deployment] = dict(launch.settings.deployments)
        """The named deployments, in the settings file's order (or the demo's)."""
        self.deployment_checks: dict[str, DeploymentCheck] = {}
        """The last check of each deployment, by name."""
        self.deployments_running: set[str] = set()
        self.deployments_since: float | None = None
        """When the check under way started (`time.monotonic`)."""
        self.deployments_changed: dict[str, list[str]] = {}
        """The files of each deployment changed on disk since its last check (names)."""
        self._checked_files: dict[str, Signature] = {}
        self._files_poll: Timer | None = None
        self._looked = False
        self.deployment_name: str | None = launch.target.deployment
        """The deployment the console shows, when it is a named one."""
        self.deployment_tag: str | None = launch.target.tag
        self.console_read_only = launch.read_only
        """Read-only as the console was started (``--read-only``, the settings file): a
        deployment switched to can add its own ``read_only``, never take this one away."""
        self._refresh_timer: Timer | None = None
        if launch.target.env_notice:
            self.events.add(launch.target.env_notice, "warning")

    @property
    def deployment_label(self) -> str | None:
        """What the log calls the deployment shown: its name, else its file's."""
        return self.deployment_name or super().deployment_label

    # ------------------------------------------------------------------ the switch

    def target_changed(self, target: Target) -> None:
        """A new deployment is checked: name it, and take its read-only flag and notice."""
        if target.deployments:  # the demo's bring-up registers its own
            self.deployments = dict(target.deployments)
            self.refresh_bindings()  # key 0 is shown once there are deployments
        self.deployment_name, self.deployment_tag = target.deployment, target.tag
        read_only = self.console_read_only or bool(target.read_only)
        if read_only != self.launch.read_only:
            self.launch = replace(self.launch, read_only=read_only)
        if target.env_notice:
            self.events.add(target.env_notice, "warning")

    @work(exclusive=True, group="deployment-switch")
    async def switch_deployment(self, name: str) -> None:
        """Make the console show ``name``: its files, server, token and inference."""
        from console.doctor.fleet import entry_for

        deployment = self.deployments.get(name)
        if deployment is None:
            return
        entry = await run_blocking(entry_for, deployment, dict(os.environ), self._base())
        if entry.target is None:
            reason = entry.unusable.meaning if entry.unusable else "it cannot be used"
            self.events.add(f"deployment {name}: not switched: {reason}", "error")
            self.notify(reason, title=f"{name} cannot be used", severity="error", timeout=8)
            return
        target = replace(entry.target, read_only=deployment.read_only)
        self.events.add(f"switching to deployment {name} ({deployment.where()})")
        self.post_message(TargetReady(target))

    def inference_needs_consent(self) -> str | None:
        """A production-like tag: the question to ask before a test inference is sent."""
        if not is_prod_tag(self.deployment_tag):
            return None
        return f"Send {self.deployment_label} (tagged {self.deployment_tag}) a test inference?"

    def consent_reason(self) -> str:
        return f"{self.deployment_label} is tagged {self.deployment_tag}"

    # ------------------------------------------------------------------ the checks

    async def on_unmount(self) -> None:
        """The fleet's checks end before the app does, each closing its session (a library
        deployment's runner stopped) while the event loop still runs. (Textual calls
        `ConsoleWorkers.on_unmount` after this one.)"""
        from console.doctor.fleet import MARGIN_S

        checks = [w for w in self.workers if w.group == "deployments" and not w.is_finished]
        for check in checks:
            if not check.is_cancelled:  # Textual may have cancelled it already: once is enough
                check.cancel()
        if checks:
            ends = [asyncio.ensure_future(_ended(check)) for check in checks]
            await asyncio.wait(ends, timeout=MARGIN_S)  # a close is bounded by it too

    @work(exclusive=True, group="deployments")
    async def check_deployments(self, names: Iterable[str] | None = None) -> None:
        """Check the deployments (all: None) concurrently; each row shows as it lands."""
        from console.doctor.fleet import DEFAULT_JOBS, check_fleet, entry_for

        wanted = list(self.deployments) if names is None else list(names)
        chosen = [self.deployments[name] for name in wanted if name in self.deployments]
        if not chosen:
            return
        self.deployments_running.update(d.name for d in chosen)
        self.deployments_since = time.monotonic()
        self.revision += 1
        base = self._base()
        exported = dict(os.environ)

        def landed(row: DeploymentCheck) -> None:
            self.deployment_checks[row.name] = row
            self.deployments_running.discard(row.name)
            self.revision += 1

        def prepare() -> list[FleetEntry]:
            # Its files as this check reads them: a later change makes its row out of date.
            for deployment in chosen:
                self._checked_files[deployment.name] = file_signature(_files_of(deployment))
                self.deployments_changed.pop(deployment.name, None)
            return [entry_for(deployment, exported, base) for deployment in chosen]

        try:
            entries = await run_blocking(prepare)
            rows = await check_fleet(entries, jobs=DEFAULT_JOBS, on_done=landed, clock=self.clock)
        finally:
            self.deployments_running.difference_update(d.name for d in chosen)
            if not self.deployments_running:
                self.deployments_since = None
            self.revision += 1
        for row in rows:  # in the settings file's order, whichever landed first
            self.events.add(_row_line(row), _row_level(row), deployment=row.name)
        failed = [row.name for row in rows if row.verdict.failed]
        passed = len(rows) - len(failed)
        if failed:
            self.events.add(
                f"deployments: {passed} passed, {len(failed)} failed: {', '.join(failed)}",
                "error",
                deployment=None,
            )
        else:
            self.events.add(f"deployments: all {passed} passed", "success", deployment=None)

    def watch_deployments(self, watching: bool) -> None:
        """The deployments screen is shown (or left): check at first sight, then on the timer.

        Only what may be checked unasked (`held_back`); a read-only console checks nothing
        until the operator asks, and has no timer.
        """
        if not watching:
            if self._refresh_timer is not None:
                self._refresh_timer.pause()
            if self._files_poll is not None:
                self._files_poll.pause()
            return
        if self._files_poll is None:
            self._files_poll = self.set_interval(POLL_SECONDS, self._check_deployment_files)
        else:
            self._files_poll.resume()
        self._check_deployment_files()
        if not self._looked:
            self._looked = True
            unasked = self.unasked()
            if unasked and not self.deployment_checks and not self.deployments_running:
                self.check_deployments(unasked)
        seconds = self.launch.settings.deployments_refresh_s
        if seconds is None or self.console_read_only:
            return
        if self._refresh_timer is None:
            self._refresh_timer = self.set_interval(
                seconds, lambda: self.check_deployments(self.unasked())
            )
        else:
            self._refresh_timer.resume()

    @work(exclusive=True, group="deployments-watch")
    async def _check_deployment_files(self) -> None:
        """Which checked deployments' files changed on disk since their check (stat only)."""
        checked = dict(self._checked_files)
        if not checked:
            return

        def look() -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for name, before in checked.items():
                now = file_signature(before)
                names = [path.name for path in changed(before, now)]
                if names:
                    found[name] = names
            return found

        found = await run_blocking(look)
        if self.deployments_running:
            found = {n: v for n, v in found.items() if n not in self.deployments_running}
        if found != self.deployments_changed:
            self.deployments_changed = found
            self.revision += 1

    def held_back(self, name: str) -> str | None:
        """Why ``name`` is checked only when the operator asks (None: it may be checked unasked)."""
        deployment = self.deployments.get(name)
        if self.console_read_only:
            return "read-only console"
        if deployment is None:
            return None
        if deployment.read_only:
            return "read-only"
        if deployment.is_prod:
            return f"tagged {deployment.tag}"
        return None

    def unasked(self) -> list[str]:
        """The deployments a look or the timer may check: none held back."""
        return [name for name in self.deployments if self.held_back(name) is None]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Key 0 (the deployments screen) only when there are deployments to show."""
        if action == "switch_mode" and parameters == (MODE,) and not self.deployments:
            return False
        return super().check_action(action, parameters)

    def _base(self) -> LiveOptions:
        """What the console was started with that holds for any deployment (timeouts)."""
        given = self.launch.target.options
        return LiveOptions(
            stack_timeout=given.stack_timeout,
            token_timeout=given.token_timeout,
            max_answer=given.max_answer,
            retries=given.retries,
        )


async def _ended(worker: Worker[None]) -> None:
    """Once ``worker`` has ended, however it ended."""
    with contextlib.suppress(WorkerCancelled, WorkerFailed):
        await worker.wait()


def _row_line(row: DeploymentCheck) -> str:
    """One deployment's check as a line of the log."""
    line = f"deployment check: {row.verdict.value}"
    if row.code:
        line += f": {row.code} at {row.failed_step}: {row.summary}"
    return line


def _row_level(row: DeploymentCheck) -> Level:
    if row.verdict.failed:
        return "error"
    return "success" if row.verdict.value == "pass" else "warning"


def _files_of(deployment: Deployment) -> list[Path]:
    """The files its entry names (a change to any makes its last check out of date)."""
    named = (getattr(deployment, key) for key in PATH_KEYS)
    return [path for path in named if isinstance(path, Path)]
