"""The console app: six screens (modes), global bindings, the command palette, the workers.

The app owns one `console.doctor.runner.Doctor` for the deployment being inspected. Every live
action (run the checks, acquire or refresh the token, run an inference, reload the files)
runs the core in a worker and then bumps ``revision``; the screens redraw from the
doctor's state when it moves. Nothing here blocks the event loop: the core is async and
runs the one synchronous SDK (azure-identity) in a thread.

With a `console.settings.bringup.Bringup` (the demo), there is nothing to check yet: the app paints,
brings the services up in a thread worker that posts `ServiceChanged` messages, and when
`TargetReady` arrives it gives the doctor the deployment the services make and runs it.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable
from typing import ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen

from console.doctor.graph import OFFLINE_STEPS, STEP_IDS
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.runner import Doctor
from console.settings.bringup import BringupError, Phase, ServiceUpdate, Target
from console.settings.launch import Launch
from screens.doctor_screen import DoctorScreen
from screens.events import EventLog, Level
from screens.widgets.deployment_bar import DeploymentBar

SCREENS: tuple[tuple[str, str, str], ...] = (
    ("1", "doctor", "Doctor"),
    ("2", "config", "Config"),
    ("3", "enrichment", "Enrichment"),
    ("4", "providers", "Providers"),
    ("5", "token", "Token"),
    ("6", "inference", "Inference"),
)


def _lazy(module: str, name: str) -> Callable[[], Screen[None]]:
    """A screen factory that imports its module on first use.

    The job screens pull in the config loader, the enrichment and the Llama Stack modules;
    importing them only when the operator first opens one keeps them off the first frame.
    """

    def make() -> Screen[None]:
        screen_class: type[Screen[None]] = getattr(importlib.import_module(module), name)
        return screen_class()

    return make


_SERVICE_LEVELS: dict[Phase, Level] = {
    Phase.READY: "success",
    Phase.FAILED: "error",
    Phase.REPLACED: "warning",
}
"""The service states worth a line in the event log (not every installer line)."""


class ServiceChanged(Message):
    """A service the app brings up moved (posted from the bring-up thread)."""

    def __init__(self, update: ServiceUpdate) -> None:
        super().__init__()
        self.update = update


class TargetReady(Message):
    """Every service is up: here is the deployment to check."""

    def __init__(self, target: Target) -> None:
        super().__init__()
        self.target = target


class BringupFailed(Message):
    """The services could not be brought up."""

    def __init__(self, error: BringupError) -> None:
        super().__init__()
        self.error = error


class LightspeedConsole(App[None]):
    """lightspeed-console: would this deployment authenticate to Azure and answer?"""

    TITLE = "lightspeed-console"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {
        "doctor": DoctorScreen,
        "config": _lazy("screens.config_screen", "ConfigScreen"),
        "enrichment": _lazy("screens.enrichment_screen", "EnrichmentScreen"),
        "providers": _lazy("screens.providers_screen", "ProvidersScreen"),
        "token": _lazy("screens.token_screen", "TokenScreen"),
        "inference": _lazy("screens.inference_screen", "InferenceScreen"),
    }
    DEFAULT_MODE = "doctor"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012 - Textual reads it
    BINDINGS: ClassVar[list[BindingType]] = [
        *[
            Binding(key, f"app.switch_mode('{mode}')", title, id=f"screen.{mode}")
            for key, mode, title in SCREENS
        ],
        Binding("f1", "app.help", "Help", id="app.help"),
        Binding("ctrl+l", "app.toggle_events", "Log", id="app.events"),
        Binding("ctrl+r", "app.run_all", "Run checks", id="app.run-checks", show=False),
        Binding("ctrl+q", "app.quit", "Quit", id="app.quit", priority=True),
    ]

    revision: reactive[int] = reactive(0)
    """Moves whenever the doctor's state changes; screens watch it to redraw."""
    show_events: reactive[bool] = reactive(True)

    def __init__(self, launch: Launch) -> None:
        super().__init__()
        self.launch = launch
        self.clock: Callable[[], float] = launch.clock or time.time
        self.events = EventLog()
        self.doctor = Doctor(
            launch.lightspeed_config, launch.run_config, launch.options, environ=launch.environ
        )
        self.events.secrets = self.doctor.secrets
        self.running: set[str] = set()
        self.services: dict[str, ServiceUpdate] = {
            service.service: service
            for service in (launch.bringup.services if launch.bringup else ())
        }
        """What the app brought up itself (the demo's sandbox), for the home screen."""
        self.awaiting_target = launch.bringup is not None
        """True until the bring-up produced the deployment: nothing to check before."""
        self.bringup_error: BringupError | None = None
        """Why the bring-up failed, once it has."""
        if launch.settings.theme:
            self.theme = launch.settings.theme

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        if self.launch.settings.keymap:
            self.update_keymap(self.launch.settings.keymap)
        for problem in self.launch.settings_problems:
            self.events.add(problem, "warning")
            self.notify(problem, title="Settings", severity="warning", timeout=8)
        if self.launch.sandbox:
            self.events.add("sandbox: local Entra ID, Azure OpenAI and Llama Stack on 127.0.0.1")
        # Paint first: the checks and the SDK imports start once the first frame is up.
        self.call_after_refresh(self._start)

    def _start(self) -> None:
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
            self.run_checks(None)

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
        self.doctor = Doctor(
            target.lightspeed_config, target.run_config, target.options, environ=target.environ
        )
        self.events.secrets = self.doctor.secrets
        self.awaiting_target = False
        await previous.aclose()
        self.events.add(f"checking {target.lightspeed_config}")
        self._run_first_checks()

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

    @work(thread=True, exclusive=True, group="preload")
    def preload_sdks(self) -> None:
        """Import the two heavy SDKs after the first frame, off the event loop.

        They cost 1-3 s together; loading them now means the first token or inference
        the operator asks for does not wait for them.
        """
        import gc

        from console.stack.sdk import load_llama_stack_client

        load_llama_stack_client()
        import azure.identity  # noqa: F401 - imported for the module cache

        # Everything loaded so far (Textual, the SDKs, their pydantic models) lives as long
        # as the app. Frozen, it is left out of the collector's full passes, which otherwise
        # walk it all and hold the event loop for 40-60 ms each.
        gc.freeze()

    async def on_unmount(self) -> None:
        if self.launch.bringup is not None:
            self.launch.bringup.cancel()  # a start still running gives up; exit waits for it
        await self.doctor.aclose()
        import gc

        gc.unfreeze()  # the process may outlive the app (tests, textual-serve): collect again

    # ------------------------------------------------------------------ workers

    @work(exclusive=True, group="doctor")
    async def run_checks(self, steps: Iterable[str] | None) -> None:
        """Run every step (None), or the given ones in order, redrawing after each."""
        if self._waiting_for_target():
            return
        order = list(STEP_IDS if steps is None else steps)
        if steps is None:
            self.events.add("doctor: running every check from scratch (files, token, calls)")
            await self.doctor.reset()
        for step in order:
            await self._step(step, self.doctor.run_step(step))

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
        for step in ("config", "stack", "providers", "token"):
            if not self.doctor.is_current(step):
                await self._step(step, self.doctor.run_step(step))
        await self._step(
            "inference",
            self.doctor.infer(model=model, prompt=prompt, stream=stream, on_delta=on_delta),
        )

    @work(exclusive=True, group="doctor")
    async def reload_config(self) -> None:
        """Re-read both files and redo what depends on them (no network)."""
        if self._waiting_for_target():
            return
        self.events.add("config: reloading the files")
        for step in OFFLINE_STEPS:
            await self._step(step, self.doctor.run_step(step))

    async def _step(self, step: str, run: object) -> CheckResult:
        self.running.add(step)
        self.revision += 1
        try:
            result: CheckResult = await run  # type: ignore[misc]
        finally:
            self.running.discard(step)
        level = {
            CheckStatus.PASS: "success",
            CheckStatus.WARN: "warning",
            CheckStatus.FAIL: "error",
            CheckStatus.SKIP: "info",
        }[result.status]
        self.events.add(f"{result.title}: {result.status.value}: {result.summary}", level)  # type: ignore[arg-type]
        if result.status is CheckStatus.FAIL:
            self.notify(result.summary, title=f"{result.title} failed", severity="error")
        self.revision += 1
        return result

    # ------------------------------------------------------------------ actions

    def action_help(self) -> None:
        from screens.help import HelpScreen  # F1 only: kept off the start path

        self.push_screen(HelpScreen())

    def action_toggle_events(self) -> None:
        self.show_events = not self.show_events
        self.revision += 1

    def action_run_all(self) -> None:
        self.run_checks(None)

    # ------------------------------------------------------------------ shared views

    def fill_deployment_bar(self, bar: DeploymentBar, screen_title: str) -> None:
        """The top bar from what the doctor knows so far."""
        state = self.doctor.state
        loaded = state.loaded
        name = None
        if loaded is not None and loaded.lightspeed is not None:
            value = loaded.lightspeed.sub.value.get("name")
            name = str(value) if value is not None else None
        mode = loaded.llama_stack.mode if loaded is not None and loaded.llama_stack else None
        info = state.stack_info
        server = f"{info.kind} {info.version}" if info is not None else None
        if server is None and self.awaiting_target:
            server = "sandbox starting…"
        sandbox = self.launch.sandbox or (info is not None and info.kind == "sandbox")
        bar.show(
            name=name,
            mode=mode,
            server=server,
            sandbox=sandbox,
            read_only=self.launch.read_only,
            screen_title=screen_title,
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette: every action of every screen, plus Textual's own (theme, keys...)."""
        yield from super().get_system_commands(screen)
        for _, mode, title in SCREENS:
            yield SystemCommand(
                f"screen: {title.lower()}",
                f"Go to the {title} screen",
                lambda mode=mode: self.switch_mode(mode),
            )
        yield SystemCommand("doctor: run all checks", "Run every check again", self.action_run_all)
        yield SystemCommand(
            "config: reload", "Re-read lightspeed-stack.yaml and run.yaml", self.reload_config
        )
        yield SystemCommand(
            "token: refresh",
            "Ask Entra ID for a new token now (force refresh)",
            lambda: self.acquire_token(True),
        )
        yield SystemCommand(
            "inference: run",
            "Send a test inference with the provider-data header",
            lambda: self.run_inference(None, None, True),
        )
        yield SystemCommand(
            "enrichment: write…",
            "Write the enriched run.yaml (asks where, confirms)",
            self._write_enriched,
        )
        yield SystemCommand(
            "copy as curl",
            "Copy the last inference as a curl command (token masked)",
            self._copy_curl,
        )
        yield SystemCommand("log: toggle", "Show or hide the event log", self.action_toggle_events)

    def _write_enriched(self) -> None:
        self.switch_mode("enrichment")
        self.call_after_refresh(lambda: self.screen.run_action("write"))

    def _copy_curl(self) -> None:
        result = self.doctor.state.inference
        if result is None or not result.curl:
            self.notify("Run an inference first (6, then r).", severity="warning")
            return
        self.copy_to_clipboard(result.curl)
        self.events.add("copied the inference as curl (token masked)")
        self.notify("Copied as curl (the token is masked).")
