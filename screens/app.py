"""The console app: seven screens (modes), global bindings, the command palette, themes.

`LightspeedConsole` is what ``lightspeed-console`` runs. Its work (the doctor, the event
log, the workers that run the core, the bring-up of the demo's services) is
`screens.workers.ConsoleWorkers`, and the named deployments' checks and the switch between
them `screens.deployments_work.DeploymentsWork`; it extends them with what the operator
sees and presses:
the modes, the keys (with ids, remappable from the settings file), the palette and the top bar.

Each screen is handed the app as a `screens.host.ConsoleHost` when it is made, and never
imports this module: screens and widgets receive data and ask through that interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme

from console.settings.launch import Launch
from console.shared.blocking import run_blocking
from console.shared.sanitize import visible, visible_lines
from screens.deployments_work import DeploymentsWork
from screens.doctor_screen import DoctorScreen
from screens.events import Level
from screens.host import ConsoleHost
from screens.widgets.deployment_bar import DeploymentBar

SCREENS: tuple[tuple[str, str, str], ...] = (
    ("0", "deployments", "Deployments"),
    ("1", "doctor", "Doctor"),
    ("2", "config", "Config"),
    ("3", "enrichment", "Enrichment"),
    ("4", "providers", "Providers"),
    ("5", "token", "Token"),
    ("6", "inference", "Inference"),
)


WEB_SCREENSHOT = "console-screenshot"
"""The delivery's name in a browser: not Textual's ``screenshot``, whose note has markup."""


def _deployments(host: ConsoleHost) -> Screen[None]:
    from screens.deployments_screen import DeploymentsScreen

    return DeploymentsScreen(host)


def _config(host: ConsoleHost) -> Screen[None]:
    from screens.config_screen import ConfigScreen

    return ConfigScreen(host)


def _enrichment(host: ConsoleHost) -> Screen[None]:
    from screens.enrichment_screen import EnrichmentScreen

    return EnrichmentScreen(host)


def _providers(host: ConsoleHost) -> Screen[None]:
    from screens.providers_screen import ProvidersScreen

    return ProvidersScreen(host)


def _token(host: ConsoleHost) -> Screen[None]:
    from screens.token_screen import TokenScreen

    return TokenScreen(host)


def _inference(host: ConsoleHost) -> Screen[None]:
    from screens.inference_screen import InferenceScreen

    return InferenceScreen(host)


JOB_SCREENS: dict[str, Callable[[ConsoleHost], Screen[None]]] = {
    "deployments": _deployments,
    "config": _config,
    "enrichment": _enrichment,
    "providers": _providers,
    "token": _token,
    "inference": _inference,
}
"""The screens after the home one, by mode: each made by a function that imports its module
on first use and hands the screen its host.

The job screens pull in the config loader, the enrichment and the Llama Stack modules;
importing them only when the operator first opens one keeps them off the first frame. The
imports are written out (not named by a string) so that mypy and import-linter see them.
"""


class LightspeedConsole(DeploymentsWork):
    """lightspeed-console: would this deployment authenticate to Azure and answer?"""

    TITLE = "lightspeed-console"
    CSS_PATH = "app.tcss"
    DEFAULT_MODE = "doctor"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012 - Textual reads it
    BINDINGS: ClassVar[list[BindingType]] = [
        *[
            Binding(key, f"app.switch_mode('{mode}')", title, id=f"screen.{mode}")
            for key, mode, title in SCREENS
        ],
        Binding("f1", "app.help", "Help", id="app.help"),
        Binding("ctrl+l", "app.toggle_events", "Log pane", id="app.events"),
        Binding("l", "app.show_log", "Whole log", id="app.log"),
        Binding("ctrl+r", "app.run_all", "Run checks", id="app.run-checks", show=False),
        Binding("q", "app.quit", "Quit", id="app.quit"),
        # Also from a dialog or while typing: a priority binding, as Textual's own.
        Binding("ctrl+q", "app.quit", "Quit", id="app.quit-now", show=False, priority=True),
    ]

    show_events: reactive[bool] = reactive(True)

    def __init__(self, launch: Launch) -> None:
        super().__init__(launch)
        # Modes are added here, not in MODES: each screen is handed this app as its host.
        for mode, make in JOB_SCREENS.items():
            self.add_mode(mode, functools.partial(make, self))
        from console.settings.state import remembered_theme  # a few names, read bounded

        theme = remembered_theme(launch.settings.theme) or launch.settings.theme
        if theme:
            self.theme = theme

    # ------------------------------------------------------------------ lifecycle

    crash: Exception | None = None
    """The first exception nothing handled: the app ended on it (a bug). The CLI reports it
    in one line with every secret masked and exits 70 (`console.cli.launch_tui`)."""

    def _handle_exception(self, error: Exception) -> None:
        """Textual's handler (the app ends), keeping the error and printing nothing of it.

        Textual would print a Rich traceback with every frame's local variables, an env
        file's values and the doctor's secrets among them, on the terminal (or, from a
        ``serve`` tab, in serve's output), then exit 0. A Textual method, private in
        8.2 (pinned); `tests/integration/test_crash_canary.py` fails if it stops being
        called.
        """
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)
        self._exit_renderables.clear()  # what `panic` prepared for an error with __rich__

    def _fatal_error(self) -> None:
        """Textual's, without its traceback (it shows local variables): bell, then quit."""
        self.bell()
        self._close_messages_no_wait()

    _stop_requested = False
    _loop: asyncio.AbstractEventLoop | None = None

    def request_stop(self) -> None:
        """End the app as ctrl+q would. From any thread, never blocking: the lifeline
        (`console.shared.lifeline`) calls it on SIGTERM, SIGHUP or a gone terminal."""
        self._stop_requested = True
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: the app has ended
                loop.call_soon_threadsafe(self.exit)

    def get_default_screen(self) -> Screen[None]:
        """The doctor: the first mode's screen, made the way Textual makes a default screen.

        A screen named in the modes is mounted inside Textual's start-up batch, and the
        frame it renders there is thrown away; the default screen starts with the first
        frame. `on_mount` then names the doctor a mode, so the keys switch back to it. This
        path reads the screen's DEFAULT_CSS only, never a CSS or CSS_PATH of its own
        (`tests/tui/test_first_screen.py`).
        """
        return DoctorScreen(self)

    def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        # Its stack exists (see above); naming the mode lets switch_mode go back to it.
        self.add_mode(self.DEFAULT_MODE, lambda: DoctorScreen(self))
        if self._stop_requested:  # asked before the app could hear it
            self.exit()
            return
        if self.launch.settings.keymap:
            self.update_keymap(self.launch.settings.keymap)
        self.theme_changed_signal.subscribe(self, self._theme_picked)
        for problem in self.launch.settings_problems:
            self.events.add(str(problem), "warning", deployment=None)
            self.notify(str(problem), title="Settings", severity="warning", timeout=8)
        if self.launch.sandbox:
            self.events.add(
                "sandbox: local Entra ID, Azure OpenAI and Llama Stack on 127.0.0.1",
                deployment=None,
            )
        # Paint first: the checks and the SDK imports start once the first frame is up.
        self.call_after_refresh(self._start)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification (the screens' too) quotes results, paths and servers' words:
        shown with its control characters escaped and never read as markup."""
        del markup  # the console's notifications are plain text
        super().notify(
            visible_lines(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def action_help_quit(self) -> None:
        """Ctrl+C: say how to quit, as Textual does, in plain words (`notify` takes no markup)."""
        quits = [
            active.binding
            for active in self.active_bindings.values()
            if active.binding.action in ("quit", "app.quit")
        ]
        quits.sort(key=lambda binding: not binding.show)  # the key the footer shows first
        keys = [self.get_key_display(binding) for binding in quits]
        if keys:
            shown = " or ".join(dict.fromkeys(keys))
            self.notify(f"Press {shown} to quit the app", title="Do you want to quit?")

    # ------------------------------------------------------------------ remembered

    def _theme_picked(self, theme: Theme) -> None:
        """A theme picked (the palette's "Change theme") is the next run's too."""
        self.remember_theme(theme.name)

    @work(exclusive=True, group="remember-theme")
    async def remember_theme(self, name: str) -> None:
        """Write the pick to the console's state file, off the event loop."""
        from console.settings.state import remember_theme
        from console.shared.atomic import WriteRefused

        try:
            path = await run_blocking(remember_theme, name, self.launch.settings.theme)
        except (OSError, WriteRefused) as error:
            self.events.add(f"theme {name} not remembered: {error}", "warning", deployment=None)
            return
        self.events.add(f"theme {name} remembered in {path}", deployment=None)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """Textual's screenshot, saved in a folder that exists, and the path said plainly.

        In a browser (``serve``) Textual hands the file to the browser; here it is
        written by `screens.screenshot` in a thread: the folder asked for, Downloads, the
        current folder or the temp folder, whichever first takes it.
        """
        from datetime import datetime

        from screens.screenshot import candidate_folders, file_name

        svg = self.export_screenshot()
        name = filename or file_name(self.title, datetime.now())
        if self.is_web:  # the browser saves it; said in plain text when it did (below)
            import io

            return self.deliver_text(
                io.StringIO(svg),
                save_directory=path,
                save_filename=name,
                open_method="browser",
                mime_type="image/svg+xml",
                name=WEB_SCREENSHOT,
            )
        self._save_screenshot(svg, name, candidate_folders(path))
        return None

    @on(events.DeliveryComplete)
    def _web_screenshot_delivered(self, event: events.DeliveryComplete) -> None:
        """Textual's own note has markup in it: the console's says where, in plain text."""
        if event.name == WEB_SCREENSHOT:
            where = f" as {event.path}" if event.path is not None else ""
            self.notify(f"Screenshot handed to the browser{where}", title="Screenshot")

    @on(events.DeliveryFailed)
    def _web_screenshot_failed(self, event: events.DeliveryFailed) -> None:
        if event.name == WEB_SCREENSHOT:
            self.notify("Screenshot not delivered to the browser", severity="error")

    @work(exclusive=True, group="screenshot")
    async def _save_screenshot(self, svg: str, name: str, folders: list[Path]) -> None:
        from screens.screenshot import save_screenshot

        saved = await run_blocking(save_screenshot, svg, name, folders)
        level: Level = "success" if saved.path is not None else "error"
        self.events.add(saved.note, level, deployment=None)
        self.notify(
            saved.note,
            title="Screenshot",
            severity="information" if saved.path is not None else "error",
            timeout=8,
        )

    # ------------------------------------------------------------------ actions

    def action_help(self) -> None:
        from screens.help import HelpScreen  # F1 only: kept off the start path

        self.push_screen(HelpScreen())

    def action_show_log(self) -> None:
        """The whole log, every line in full, as text to select and copy."""
        from screens.events import event_line
        from screens.widgets.text_panel import TextPanel  # on request: off the start path

        lines = [event_line(event) for event in self.events.events]
        self.push_screen(
            TextPanel(
                f"Event log: {len(lines)} line(s), newest last, each with its deployment",
                "\n".join(lines) or "(nothing yet)",
                copied="the log",
                at_end=True,
            )
        )

    def action_toggle_events(self) -> None:
        self.show_events = not self.show_events
        self.revision += 1

    def action_run_all(self) -> None:
        """Every check again; a production-like deployment's inference only on a yes."""
        self.ask_before_inference(
            lambda: self.run_checks(None),
            declined=lambda: self.run_checks(None, without_inference=True),
            cancel_label="Run the rest",
        )

    def ask_before_inference(
        self,
        go: Callable[[], object],
        *,
        declined: Callable[[], object] | None = None,
        cancel_label: str = "Not now",
    ) -> None:
        """``go`` now, or, for a production-like deployment, after a yes on one line."""
        question = self.inference_needs_consent()
        if question is None:
            go()
            return
        from screens.widgets.confirm import ConfirmLine

        def answered(yes: bool | None) -> None:
            if yes:
                self.events.add("test inference confirmed by the operator", "warning")
                go()
            elif declined is not None:
                declined()
            else:
                self.notify("No test inference sent.")

        self.push_screen(
            ConfirmLine(question, confirm_label="Send", cancel_label=cancel_label), answered
        )

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
        if mode is not None:
            # In library mode there is no server: the console boots the run.yaml itself.
            mode = "library (booted locally)" if mode == "library" else mode
        if mode is not None and loaded is not None and loaded.synthesis is not None:
            mode += ", unified"
        generation = loaded.generation.generation.short if loaded and loaded.generation else None
        info = state.stack_info
        server = None
        if info is not None:
            server = f"{info.kind} {info.version}" + (" library" if info.mode == "library" else "")
        library = (
            loaded is not None
            and loaded.llama_stack is not None
            and (loaded.llama_stack.mode == "library")
        )
        if server is None and self.awaiting_target:
            server = "sandbox starting…"
        elif server is None and not library:  # library mode has no server: nothing to say
            server = "not contacted"
        sandbox = self.launch.sandbox or (info is not None and info.kind == "sandbox")
        bar.show(
            name=name,
            mode=mode,
            server=server,
            generation=generation,
            sandbox=sandbox,
            read_only=self.launch.read_only,
            screen_title=screen_title,
            deployment=self.deployment_name,
            tag=self.deployment_tag,
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette: every action of every screen, plus Textual's own (theme, keys...)."""
        yield from super().get_system_commands(screen)
        for _, mode, title in SCREENS:
            if mode == "deployments" and not self.deployments:
                continue
            yield SystemCommand(
                f"screen: {title.lower()}",
                f"Go to the {title} screen",
                lambda mode=mode: self.switch_mode(mode),
            )
        yield SystemCommand("doctor: run all checks", "Run every check again", self.action_run_all)
        for name in self.deployments:
            yield SystemCommand(
                f"deployment: {name}",
                f"Switch the console to the deployment {name}",
                lambda name=name: self.switch_deployment(name),
            )
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
            lambda: self.ask_before_inference(lambda: self.run_inference(None, None, True)),
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
        yield SystemCommand("log: toggle", "Show or hide the log pane", self.action_toggle_events)
        yield SystemCommand(
            "log: show all", "The whole event log as text to copy", self.action_show_log
        )

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
