"""6 Inference: send a test inference the way Lightspeed does, and watch it answer.

The operator picks a model the server lists (the first Azure model by default), types a
prompt, and runs it (``r``, or enter in the prompt). The answer streams in as the server
sends it, so a slow first token is visible as such rather than as a frozen screen; then
latency, time to first token and token counts, and the provider-data header that was sent
with the token masked. When it fails, the diagnosis says what failed and what to do. While it
waits, the status line says what for and for how long; ``x`` cancels it. ``c`` copies the
request as a curl command (token masked) to replay it by hand, and ``t`` shows the curl, the
request and the response as text to select and paste (`screens.last_call`). A deployment
tagged production-like asks on one line before anything is sent to it.

The screen never calls the server itself: it asks the app's ``run_inference`` worker and
renders the `InferenceResult` the core returns.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Select, Static

from console.doctor.graph import prerequisites
from console.doctor.results import CheckResult, CheckStatus
from console.inference.curl import sent_request
from console.inference.tail import AnswerTail
from console.shared.redact import MASK, scrub
from console.shared.sanitize import visible
from screens.base import ConsoleScreen, elapsed_text
from screens.host import ConsoleHost
from screens.visible import SafeStatic

if TYPE_CHECKING:
    from textual.worker import Worker

    from console.inference.request import InferenceResult
    from console.shared.diagnosis import Diagnosis
    from console.stack.providers import ModelView

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
WAITING_FOR = {
    "config": "reading the files",
    "stack": "asking the server",
    "providers": "asking the server for its providers",
    "token": "asking Entra ID for a token",
    "inference": "waiting for the answer",
}
"""What each step of a run waits for, as its status line says it."""
PREREQUISITES = prerequisites("inference")
"""The steps the inference needs, in the order the app runs them before it."""
FLUSH_S = 1 / 30
"""How often streamed text is redrawn: pieces arriving faster are drawn together."""


class InferenceScreen(ConsoleScreen):
    """Model, prompt, the streamed answer, timings, the header sent, and the diagnosis."""

    TITLE = "6 Inference"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", id="inference.run"),
        Binding("x", "cancel", "Cancel", id="inference.cancel"),
        Binding("c", "copy_curl", "Copy as curl", id="inference.copy-curl"),
        Binding("t", "as_text", "As text", id="inference.as-text"),
    ]

    def __init__(self, console: ConsoleHost) -> None:
        super().__init__(console)
        self._models: tuple[str, ...] = ()
        self._worker: Worker[None] | None = None
        self._run_number = 0
        self._answer = AnswerTail()
        """The streamed answer so far: its end, however long the server streams."""
        self._flush_timer: Timer | None = None
        self._spinner: Timer | None = None
        self._frame = 0
        self._started = 0.0
        self._previous_run = 0
        """The inference result's run when this screen asked for a new one."""
        self._was_running = False
        self._remembered: str | None = None
        """The model chosen before the list went away (a reload): chosen again if listed."""

    # ------------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        # Deferred: the inference core pulls in the HTTP stack, and this screen is built
        # only when the operator opens it, never on the way to the first frame.
        from console.inference.request import DEFAULT_PROMPT

        with Horizontal(id="inference-controls"):
            yield Select[str](
                [], prompt="model: server default", id="inference-model", allow_blank=True
            )
            yield Input(DEFAULT_PROMPT, placeholder="prompt (enter runs)", id="inference-prompt")
        yield SafeStatic(id="inference-status")
        yield SafeStatic(id="inference-header")
        with VerticalScroll(id="inference-answer-box") as box:
            box.border_title = "answer"
            yield SafeStatic(id="inference-answer")
        diagnosis = SafeStatic(id="inference-diagnosis")
        diagnosis.border_title = "diagnosis"
        yield diagnosis

    def on_mount(self) -> None:
        self._spinner = self.set_interval(0.1, self._tick, pause=True)
        super().on_mount()

    # ------------------------------------------------------------------ running

    @property
    def running(self) -> bool:
        """An inference started here is under way, or one started elsewhere (the palette)."""
        # Mine runs until the inference step has a new result: the revision that brings
        # it draws it at once, without waiting for the worker to wind down.
        mine = (
            self._worker is not None
            and not self._worker.is_finished
            and self._inference_run() == self._previous_run
        )
        return mine or "inference" in self.console.running

    def _inference_run(self) -> int:
        result = self.console.doctor.state.results.get("inference")
        return result.run if result is not None else 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``x`` is there only while an inference runs."""
        if action == "cancel":
            return self.running
        return super().check_action(action, parameters)

    def waiting(self) -> bool:
        return False  # its own spinner redraws the status ten times a second

    def action_cancel(self) -> None:
        """Stop the inference under way (the app cancels its worker)."""
        if self.console.cancel_inference():
            self._run_number += 1  # pieces still in flight belong to no run
            self.notify("Test inference cancelled.")
        self.refresh_view()

    def action_run(self) -> None:
        """Send the prompt (after a yes for a production-like deployment)."""
        self.console.ask_before_inference(self._run)

    def _run(self) -> None:
        """Send the prompt to the chosen model, streamed; the answer shows as it arrives."""
        select = self.query_one("#inference-model", Select)
        model = select.value if isinstance(select.value, str) else None
        prompt = self.query_one("#inference-prompt", Input).value.strip() or None
        self._run_number += 1
        number = self._run_number
        self._answer = AnswerTail()
        self._started = time.monotonic()
        self._previous_run = self._inference_run()

        def on_delta(text: str) -> None:
            # Called on the event loop for every piece: only collect here, draw on a timer.
            if number != self._run_number:
                return  # a piece of a run that was replaced by a newer one
            self._answer.add(text)
            if self._flush_timer is None:
                self._flush_timer = self.set_timer(FLUSH_S, self._flush)

        self._worker = self.console.run_inference(model, prompt, True, on_delta)
        self.query_one("#inference-answer", Static).update(Text("waiting for the first token…"))
        self.refresh_view()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "inference-prompt":
            event.stop()
            self.action_run()

    def _flush(self) -> None:
        self._flush_timer = None
        if self.running:
            self._show_answer(self._answer.text(), self._answer.dropped)

    def _tick(self) -> None:
        if not self.running:
            self.refresh_view()  # the run ended between two revisions: draw the result
            return
        self._frame = (self._frame + 1) % len(SPINNER)
        self.query_one("#inference-status", Static).update(self._running_status())

    def _running_status(self) -> Text:
        """What the run waits for and for how long: ``asking Entra ID for a token… 3.1 s``."""
        steps = [s for s in (*PREREQUISITES, "inference") if s in self.console.running]
        step = steps[-1] if steps else "inference"
        since = self.console.running_since.get(step)
        now = time.monotonic()
        waited = now - since if since is not None else (now - self._started if self._started else 0)
        count = self._answer.received
        received = f", {count} chars received" if count else ""
        return Text.assemble(
            (f"{SPINNER[self._frame]} ", "bold cyan"),
            (f"{WAITING_FOR[step]}… {elapsed_text(waited)}", "bold cyan"),
            f"{received}  (x cancels)",
        )

    # ------------------------------------------------------------------ copy

    def action_copy_curl(self) -> None:
        """Copy the last inference as curl; the token is masked there and scrubbed again."""
        result = self.console.doctor.state.inference
        if result is None or not result.curl:
            self.notify("Run an inference first (r).", severity="warning")
            return
        self.app.copy_to_clipboard(scrub(result.curl, self.console.doctor.secrets()))
        self.console.events.add("copied the inference as curl (token masked)")
        self.notify("Copied as curl (the token is masked).")

    def action_as_text(self) -> None:
        """The last inference as curl, request and response, in text to select and paste."""
        from screens.last_call import last_call_text
        from screens.widgets.text_panel import TextPanel  # on request only

        result = self.console.doctor.state.inference
        if result is None:
            self.notify("Run an inference first (r).", severity="warning")
            return
        text = last_call_text(result, self.console.doctor.secrets())
        self.console.events.add("showed the last inference as text (token masked)")
        self.app.push_screen(
            TextPanel("The last test inference: curl, request, response", text, copied="it")
        )

    # ------------------------------------------------------------------ drawing

    def refresh_view(self) -> None:
        self._fill_models()
        running = self.running
        if running != self._was_running:
            self._was_running = running
            self.refresh_bindings()  # x (cancel) comes and goes with the run
        if self._spinner is not None:
            if running:
                self._spinner.resume()
            else:
                self._spinner.pause()
        state = self.console.doctor.state
        step = state.results.get("inference")
        # The result belongs to the last run only if the inference step itself ran
        # (a skipped step leaves the previous run's result in place).
        result = state.inference if step and step.status is not CheckStatus.SKIP else None
        status = self.query_one("#inference-status", Static)
        header = self.query_one("#inference-header", Static)
        diagnosis = self.query_one("#inference-diagnosis", Static)
        if running:
            status.update(self._running_status())
            header.update(self._header_preview())
            diagnosis.display = False
            return
        status.update(_metrics(result, step))
        header.update(_sent_header(result) if result is not None else self._header_preview())
        if result is not None and not result.answer and not result.ok:
            self.query_one("#inference-answer", Static).update(Text("(no answer)", "dim"))
        else:
            self._show_answer(
                result.answer if result is not None else None,
                result.dropped_chars if result is not None else 0,
            )
        panel = self._diagnosis_panel(step, result)
        diagnosis.display = panel is not None
        if panel is not None:
            diagnosis.update(panel)

    def _fill_models(self) -> None:
        """The server's models in the picker; the first Azure model chosen by default."""
        from console.inference.request import pick_model

        survey = self.console.doctor.state.survey
        select = self.query_one("#inference-model", Select)
        if survey is None:
            # No server's list (another deployment, a reload): never the last one's models.
            if self._models:
                if isinstance(select.value, str):
                    self._remembered = select.value
                self._models = ()
                select.set_options([])
            return
        models: tuple[ModelView, ...] = tuple(
            m for m in survey.models if m.model_type in (None, "llm")
        )
        ids = tuple(m.model_id for m in models)
        if ids == self._models:
            return
        self._models = ids
        previous = select.value if isinstance(select.value, str) else self._remembered
        # The server names the models: shown visibly, never read as markup.
        select.set_options([(Text(visible(model_id)), model_id) for model_id in ids])
        default = pick_model(None, models, survey.providers)
        if isinstance(previous, str) and previous in ids:
            select.value = previous
        elif isinstance(default, str) and default in ids:
            select.value = default

    def _show_answer(self, answer: str | None, dropped: int = 0) -> None:
        widget = self.query_one("#inference-answer", Static)
        if answer is None:
            widget.update(Text("no inference yet: r runs one", style="dim"))
            return
        shown = Text(scrub(answer, self.console.doctor.secrets()))
        if dropped:
            shown = Text.assemble((f"… {dropped} earlier characters not kept\n", "dim"), shown)
        widget.update(shown)
        box = self.query_one("#inference-answer-box", VerticalScroll)
        box.scroll_end(animate=False)

    def _header_preview(self) -> Text:
        """What will be sent, before anything was: the header name and base URL, masked."""
        state = self.console.doctor.state
        info = state.stack_info
        discovery = state.survey.discovery if state.survey is not None else None
        if info is None or discovery is None or discovery.azure_base_url is None:
            return Text("header: known once the server and its Azure provider answer", "dim")
        value = json.dumps({"azure_api_key": MASK, "azure_api_base": discovery.azure_base_url})
        return Text.assemble(("will send ", "dim"), (f"{info.header_name}: ", "bold"), value)

    def _diagnosis_panel(
        self, step: CheckResult | None, result: InferenceResult | None
    ) -> RenderableType | None:
        """The failure explained: the inference's own, or the prerequisite that stopped it."""
        if step is None:
            return None
        if step.status is CheckStatus.FAIL:
            found = result.diagnosis if result is not None else step.diagnosis
            return _diagnosis_text(found, step)
        if step.status is CheckStatus.SKIP:
            results = self.console.doctor.state.results
            blocker = next(
                (
                    results[s]
                    for s in PREREQUISITES
                    if s in results and results[s].status is CheckStatus.FAIL
                ),
                None,
            )
            if blocker is not None:
                return _diagnosis_text(blocker.diagnosis, blocker)
            return Text(step.summary, style="yellow")
        return None


def _metrics(result: InferenceResult | None, step: CheckResult | None) -> Text:
    """One line: outcome, model, latency, time to first token, tokens."""
    if step is None:
        return Text("ready: r (or enter in the prompt) sends the test inference", "dim")
    if result is None:
        return Text.assemble(("- not sent ", "bold yellow"), step.summary)
    text = Text()
    if result.ok:
        text.append("✓ answered ", "bold green")
    else:
        text.append("✗ failed ", "bold red")
    text.append(result.model or "(no model)", "bold")
    text.append(f"  latency {result.latency_s * 1000:.0f} ms")
    if result.ttft_s is not None:
        text.append(f"  TTFT {result.ttft_s * 1000:.0f} ms")
    usage = result.usage
    if usage is not None:
        text.append(
            f"  tokens {_count(usage.prompt_tokens)} in / {_count(usage.completion_tokens)} out"
            f" / {_count(usage.total_tokens)} total"
        )
    if result.stream and result.deltas:
        text.append(f"  {result.deltas} pieces", "dim")
    return text


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def _sent_header(result: InferenceResult) -> Text:
    """The provider-data header as sent, read back from the curl text, the token masked."""
    if result.header_name is None:
        if not result.curl:
            return Text("header: nothing was sent", "dim")
        return Text("header: no provider data sent (no token or no Azure base URL)", style="yellow")
    prefix = f"{result.header_name}: "
    headers, _ = sent_request(result.curl)
    value = next(
        (line[len(prefix) :] for line in headers if line.lower().startswith(prefix.lower())), None
    )
    shown = scrub(value) if value is not None else "(masked)"
    return Text.assemble(("sent ", "dim"), (prefix, "bold"), shown)


def _diagnosis_text(found: Diagnosis | None, step: CheckResult) -> RenderableType:
    """Code and title, what it means, the remedy, the endpoint."""
    if found is None:
        parts = [Text.assemble((f"{step.title}: ", "bold red"), step.summary)]
        if step.remedy:
            parts.append(Text.assemble(("remedy: ", "bold green"), step.remedy))
        return Group(*parts)
    parts = [
        Text.assemble((f"{found.code}: ", "bold red"), (found.title, "bold")),
        Text(found.meaning),
        Text.assemble(("remedy: ", "bold green"), found.remedy),
    ]
    if found.endpoint:
        parts.append(Text(f"endpoint: {found.endpoint}", style="cyan"))
    if step.step != "inference":
        parts.insert(0, Text(f"stopped at: {step.title}", style="yellow"))
    return Group(*parts)
