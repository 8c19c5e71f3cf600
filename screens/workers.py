"""The console's work: the doctor, the event log, and every worker that runs the core.

`ConsoleWorkers` is the half of the app that does things (`screens.app.LightspeedConsole`
adds the screens, keys and palette). It owns one `console.doctor.runner.Doctor` for the
deployment being inspected. Every live action (run the checks, acquire or refresh the token,
run an inference, reload the files) runs the core in a worker and then bumps ``revision``,
published to the screens as ``revised``; they redraw from the doctor's state. Nothing here
blocks the event loop: the core is async and runs the one synchronous SDK (azure-identity)
and every file call in a thread.

The file work the screens ask for is here too: polling the config files while the config
screen is shown (`watch_config_files`, a `console.config.watch.FileWatcher`), and looking
at and writing the enriched run.yaml (`inspect_write_target`, `write_enriched`, with
`console.config.enriched_write`), each answer posted to the screen that asked.

With a `console.settings.bringup.Bringup` (the demo), there is nothing to check yet: the app
paints, brings the services up in a thread worker that posts `ServiceChanged` messages, and
when `TargetReady` arrives it gives the doctor the deployment the services make and runs it.
Switching to a named deployment (`screens.deployments_work`) posts the same message.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.reactive import reactive
from textual.signal import Signal
from textual.timer import Timer
from textual.worker import WorkerCancelled, WorkerFailed

from console.config.watch import FileWatcher
from console.doctor.graph import OFFLINE_STEPS, STEP_IDS, StepId, title_of
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.runner import Doctor
from console.settings.bringup import BringupError, Phase, ServiceUpdate
from console.settings.launch import Launch
from console.settings.target import Target
from console.shared.blocking import run_blocking
from console.shared.gcpause import started
from screens.events import EventLog, Level
from screens.messages import (
    BringupFailed,
    EnrichedWriteDone,
    ServiceChanged,
    TargetReady,
    WriteTargetInspected,
)

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from console.config.enrichment import EnrichmentPreview
    from console.shared.atomic import TargetFacts

POLL_SECONDS = 1.0
"""How often the config files are looked at while the config screen is shown (a stat each)."""

_SERVICE_LEVELS: dict[Phase, Level] = {
    Phase.READY: "success",
    Phase.FAILED: "error",
    Phase.REPLACED: "warning",
}
"""The service states worth a line in the event log (not every installer line)."""


class ConsoleWorkers(App[None]):
    """The app's state and workers; the screens see them through `screens.host.ConsoleHost`."""

    revision: reactive[int] = reactive(0)
    """Moves whenever the doctor's state changes; ``revised`` tells the screens."""

    def __init__(self, launch: Launch) -> None:
        super().__init__()
        self.revised: Signal[int] = Signal(self, "revised")
        """Published with each new ``revision``: the screens redraw on it."""
        self.launch = launch
        self.clock: Callable[[], float] = launch.clock or time.time
        self.events = EventLog()
        self.doctor = Doctor(launch.target)
        self.events.secrets = self.doctor.secrets
        self.events.shown = lambda: self.deployment_label
        self.running: set[str] = set()
        self.running_since: dict[str, float] = {}
        """When each running step started (`time.monotonic`): how long it has been waiting."""
        self.services: dict[str, ServiceUpdate] = {
            service.service: service
            for service in (launch.bringup.services if launch.bringup else ())
        }
        """What the app brought up itself (the demo's sandbox), for the home screen."""
        self.awaiting_target = launch.bringup is not None
        """True until the bring-up produced the deployment: nothing to check before."""
        self.bringup_error: BringupError | None = None
        """Why the bring-up failed, once it has."""
        self._file_watcher = FileWatcher()
        self._file_poll: Timer | None = None
        self._file_watchers: set[str] = set()
        """Who asks for the files to be watched: ``reload`` (the config screen reloads on
        a change) and ``note`` (the doctor only says its results are out of date)."""
        self.files_changed: list[str] = []
        """The files changed on disk since the doctor read them, not reloaded yet."""

    @property
    def deployment_label(self) -> str | None:
        """What the log calls the deployment shown: its file's name (a named one: its name)."""
        path = self.doctor.lightspeed_config
        return path.name if path is not None else None

    def watch_revision(self, revision: int) -> None:
        """Tell the screens (subscribed to ``revised``), which never see this class."""
        self.revised.publish(revision)

    # ------------------------------------------------------------------ lifecycle

    def _start(self) -> None:
        started()  # the first frame is up
        if self.launch.bringup is not None:
            self.bring_up()
        else:
            self._run_first_checks()
        self.preload_sdks()

    def _run_first_checks(self) -> None:
        if self.launch.read_only:
            self.events.add("read-only: no live call until you ask (ctrl+r runs the checks)")
            self.run_checks(OFFLINE_STEPS)
        else:
            # A production-like deployment gets no test inference without a yes.
            self.run_checks(None, without_inference=self.inference_needs_consent() is not None)

    def inference_needs_consent(self) -> str | None:
        """The question to ask before a test inference to the deployment shown (None: go).

        The named deployments add theirs (`screens.deployments_work`): a production-like tag.
        """
        return None

    def consent_reason(self) -> str:
        """Why a test inference waits for a yes, as the doctor's inference step says it."""
        return "it was not confirmed"

    @work(thread=True, exclusive=True, group="bringup")
    def bring_up(self) -> None:
        """Bring the services up (blocking calls, so in a thread), reporting each as it moves.

        Messages, not ``call_from_thread``: posting never blocks, so a quit while a server
        is still starting cannot leave this thread waiting on a loop that has stopped.
        """
        bringup = self.launch.bringup
        assert bringup is not None
        try:
            target = bringup.start(lambda update: self.post_message(ServiceChanged(update)))
        except BringupError as error:
            self.post_message(BringupFailed(error))
            return
        except Exception as error:  # a bug in a stand-in: say it on screen, keep the console
            bug = BringupError(
                f"internal error ({type(error).__name__}): {error}",
                "this is a bug in lightspeed-console; please report it",
            )
            self.post_message(BringupFailed(bug))
            return
        self.post_message(TargetReady(target))

    @on(ServiceChanged)
    def _service_changed(self, message: ServiceChanged) -> None:
        update = message.update
        self.services[update.service] = update
        level = _SERVICE_LEVELS.get(update.phase)
        if level is not None:
            timing = f" in {update.elapsed_s * 1000:.0f} ms" if update.elapsed_s else ""
            detail = f": {update.detail}" if update.detail else ""
            self.events.add(f"{update.label}: {update.phase.value}{timing}{detail}", level)
        self.revision += 1

    @on(TargetReady)
    async def _target_ready(self, message: TargetReady) -> None:
        target = message.target
        previous = self.doctor
        # What still runs for the deployment shown so far ends here: its late results
        # would otherwise land (and show as running) under the new one.
        for group in ("doctor", "token", "inference", "config-reload"):
            self.workers.cancel_group(self, group)
        self.running = set()
        self.running_since = {}
        self.files_changed = []
        self._file_watcher = FileWatcher()  # other files: the first look takes them as they are
        self.doctor = Doctor(target)
        self.target_changed(target)
        self.events.secrets = self.doctor.secrets
        self.awaiting_target = False
        await previous.aclose()
        self.events.add(f"checking {target.lightspeed_config}")
        self._run_first_checks()

    def target_changed(self, target: Target) -> None:
        """A new deployment replaced the doctor's (the app names it; see `DeploymentsWork`)."""

    @on(BringupFailed)
    def _bringup_failed(self, message: BringupFailed) -> None:
        error = self.bringup_error = message.error
        self.events.add(f"sandbox: {error} (remedy: {error.remedy})", "error")
        self.notify(f"{error}\nremedy: {error.remedy}", title="Sandbox failed", severity="error")
        self.revision += 1

    def _waiting_for_target(self) -> bool:
        """Say so when asked to check before the bring-up made the deployment."""
        if not self.awaiting_target:
            return False
        if self.bringup_error is not None:
            self.notify(
                f"The sandbox did not come up: {self.bringup_error}", severity="error", timeout=8
            )
        else:
            self.notify("The sandbox is still coming up; the checks start when it is ready.")
        return True

    @work(exclusive=True, group="preload")
    async def preload_sdks(self) -> None:
        """Import the two heavy SDKs after the first frame, off the event loop.

        Loading them now means the first token or inference the operator asks for does not
        wait for them. In a daemon thread
        (`console.shared.blocking`), not a thread worker: a quit meanwhile does not wait
        for the imports to finish.
        """
        await run_blocking(_preload_sdks)

    async def on_unmount(self) -> None:
        if self.launch.bringup is not None:
            self.launch.bringup.cancel()  # a start still running gives up; exit waits for it
        await self.doctor.aclose()
        import gc

        gc.unfreeze()  # the process may outlive the app (tests, textual-serve): collect again

    # ------------------------------------------------------------------ workers

    @work(exclusive=True, group="doctor")
    async def run_checks(
        self, steps: Iterable[StepId] | None, without_inference: bool = False
    ) -> None:
        """Run every step (None), or the given ones in order, redrawing after each.

        ``without_inference``: every step but the test inference, which then says why it
        was not sent (the operator did not confirm it for a production-like deployment).
        """
        if self._waiting_for_target():
            return
        order = list(STEP_IDS if steps is None else steps)
        if without_inference:
            order = [step for step in order if step != "inference"]
        if steps is None:
            self.events.add("doctor: running every check from scratch (files, token, calls)")
            await self.doctor.reset()
        for step in order:
            await self._step(step, self.doctor.run_step(step))
        if without_inference:
            self._inference_not_sent()

    def _inference_not_sent(self) -> None:
        """The inference step says it was held back, and why (never the last run's answer)."""
        self._inference_skipped(
            f"not sent: {self.consent_reason()}; r asks, and sends it on a yes",
            "Press r (doctor or inference screen) and answer y to send it.",
        )

    def _inference_skipped(self, summary: str, remedy: str) -> None:
        """The inference step says why it has no answer, in place of the last run's."""
        self.doctor.state.results["inference"] = CheckResult(
            "inference", title_of("inference"), CheckStatus.SKIP, summary, remedy=remedy
        )
        self.events.add(f"Test inference: {summary}", "warning")
        self.revision += 1

    @work(exclusive=True, group="token")
    async def acquire_token(self, force: bool = False) -> None:
        """Acquire (or force-refresh) the Entra ID token."""
        if self._waiting_for_target():
            return
        if self.doctor.state.loaded is None:
            await self._step("config", self.doctor.run_step("config"))
        await self._step("token", self.doctor.refresh_token(force=force))

    @work(exclusive=True, group="inference")
    async def run_inference(
        self,
        model: str | None,
        prompt: str | None,
        stream: bool,
        on_delta: Callable[[str], object] | None = None,
    ) -> None:
        """Run the test inference; prerequisites run first when they have not."""
        if self._waiting_for_target():
            return
        await self.doctor.ensure_current("inference", around=self._step)
        await self._step(
            "inference",
            self.doctor.infer(model=model, prompt=prompt, stream=stream, on_delta=on_delta),
        )

    def cancel_inference(self) -> bool:
        """Stop the test inference under way (and what it waits for); False: none was.

        The worker is cancelled: the HTTP request is dropped, a library-mode runner is
        killed. The step then says it was cancelled, never the previous run's answer.
        """
        if "inference" not in self.running and not any(
            worker.group == "inference" and worker.is_running for worker in self.workers
        ):
            return False
        since = self.running_since.get("inference")
        for worker in list(self.workers):
            if not worker.is_running:
                continue
            if worker.group == "inference" or (
                worker.group == "doctor" and "inference" in self.running
            ):
                worker.cancel()
        waited = f" after {time.monotonic() - since:.1f} s" if since is not None else ""
        self._inference_skipped(f"cancelled by the operator{waited}: no answer", "r sends it again")
        return True

    @work(exclusive=True, group="doctor")
    async def reload_config(self) -> None:
        """Re-read both files and redo what depends on them (no network)."""
        if self._waiting_for_target():
            return
        self.events.add("config: reloading the files")
        for step in OFFLINE_STEPS:
            await self._step(step, self.doctor.run_step(step))

    @work(exclusive=True, group="config-reload")
    async def reload_files(self, why: str) -> None:
        """Re-read the files (the doctor's worker), then say why and take them as the baseline."""
        try:
            await self.reload_config().wait()
        except (WorkerCancelled, WorkerFailed):
            self.events.add("config: reload interrupted", "warning")
            return
        await self._file_watcher.rebase(self._watched_files())
        self.events.add(f"config: {why}")

    def watch_config_files(self, watching: bool) -> None:
        """The config screen is shown (or left): reload the files when they change on disk."""
        self._watch_files("reload", watching)

    def watch_for_changes(self, watching: bool) -> None:
        """The doctor is shown (or left): say when the files it read changed on disk."""
        self._watch_files("note", watching)

    def _watch_files(self, who: str, watching: bool) -> None:
        """Poll the files every `POLL_SECONDS` while a screen showing them asks, not otherwise.

        Starting looks at once, so changes made while nobody watched are caught up with.
        """
        if watching:
            self._file_watchers.add(who)
        else:
            self._file_watchers.discard(who)
        if not self._file_watchers:
            if self._file_poll is not None:
                self._file_poll.pause()
            return
        if self._file_poll is None:
            self._file_poll = self.set_interval(POLL_SECONDS, self._check_files)
        else:
            self._file_poll.resume()
        if "reload" in self._file_watchers or self._file_watcher.baseline is not None:
            self._check_files()  # at once; the doctor's very first look waits for the tick

    @work(exclusive=True, group="config-watch")
    async def _check_files(self) -> None:
        """A file changed on disk (decided only while no step runs): reload it for the
        config screen, or mark the doctor's results out of date."""
        changed = await self._file_watcher.poll(
            self._watched_files(), busy=lambda: bool(self.running)
        )
        names = ", ".join(path.name for path in changed)
        if not names:
            return  # unchanged, or only a newly watched file (the run.yaml the config names)
        if "reload" in self._file_watchers:
            self.notify(f"{names} changed on disk: reloaded.", timeout=3)
            self.reload_files(f"reloaded after change on disk ({names})")
            return
        known = dict.fromkeys([*self.files_changed, *(path.name for path in changed)])
        self.files_changed = list(known)
        self.events.add(
            f"config: {names} changed on disk: the checks describe the file(s) as they were; "
            "r runs them again",
            "warning",
        )
        self.revision += 1

    def _watched_files(self) -> list[Path]:
        """The files the doctor was given, and the run.yaml the config names when none was."""
        doctor = self.doctor
        paths = [p for p in (doctor.lightspeed_config, doctor.run_config) if p is not None]
        loaded = doctor.state.loaded
        if loaded is not None and loaded.run is not None and loaded.run.path not in paths:
            paths.append(loaded.run.path)
        return paths

    @work(exclusive=True, group="enrichment-write")
    async def inspect_write_target(
        self, path: Path, preview: EnrichmentPreview, reply_to: MessagePump
    ) -> None:
        """Look at the chosen path off the event loop; the screen that asked gets the facts."""
        from console.config.enriched_write import inspect

        facts = await inspect(path, preview)
        reply_to.post_message(WriteTargetInspected(facts, preview))

    @work(exclusive=True, group="enrichment-write")
    async def write_enriched(
        self, facts: TargetFacts, preview: EnrichmentPreview, reply_to: MessagePump
    ) -> None:
        """The same atomic write as ``lightspeed-console enrich``, of the preview still shown."""
        from console.config.enriched_write import write
        from screens.enrichment_write import current_preview, outcome_line, remedy, stale

        if current_preview(self.doctor.state) is not preview:
            outcome = stale(facts.path)
        else:
            outcome = await write(facts, preview)
        line = outcome_line(outcome)
        if outcome.ok:
            self.events.add(f"enrichment: {line}", "success")
            self.notify(line, title="Enriched run.yaml written")
        else:
            self.events.add(f"enrichment: {line}", "error")
            self.notify(
                f"{outcome.problem}\n{remedy(outcome)}",
                title="Not written",
                severity="error",
                timeout=8,
            )
        reply_to.post_message(EnrichedWriteDone(outcome))
        if outcome.ok and facts.is_input:
            self.reload_config()

    async def _step(self, step: StepId, run: Awaitable[CheckResult]) -> CheckResult:
        # The deployment and the running set of the doctor this step runs for: a switch
        # meanwhile gives the console new ones, which this step's end must not touch.
        about, running, since = self.deployment_label, self.running, self.running_since
        if step == "config":
            self.files_changed = []  # read again: what changed is what this run reads
        running.add(step)
        since[step] = time.monotonic()
        self.revision += 1
        try:
            result = await run
        finally:
            running.discard(step)
            since.pop(step, None)
        self.events.add(
            f"{result.title}: {result.status.value}: {result.summary}",
            result.status.level,
            deployment=about,
        )
        if result.status is CheckStatus.FAIL and running is self.running:
            self.notify(result.summary, title=f"{result.title} failed", severity="error")
        self.revision += 1
        return result


def _preload_sdks() -> None:
    """The imports `ConsoleWorkers.preload_sdks` runs in a thread."""
    import gc

    from console.stack.sdk import load_llama_stack_client

    load_llama_stack_client()
    import azure.identity  # noqa: F401 - imported for the module cache

    # Everything loaded so far (Textual, the SDKs, their pydantic models) lives as long
    # as the app. Frozen, it is left out of the collector's full passes, which otherwise
    # walk it all and hold the event loop for 40-60 ms each.
    gc.freeze()
