"""What a screen may ask of the console it runs in: `ConsoleHost`, one explicit interface.

Screens are handed the console through their constructor (data down) and see it only
through this Protocol, never as the App class, so `screens/app.py` imports the screens and
no screen imports it back. Each member is one a screen uses; anything else stays the app's.

- State to draw from (read only): the doctor and its state, what is running, the services
  the console brought up, the event log, the clock, the named deployments and their last
  checks. `revised` is published whenever the doctor's state moves; every screen redraws
  from the state then.
- Requests: each starts a worker on the app and returns at once; none does I/O in the
  caller. Their results arrive as state (``revised`` follows), except where one screen
  asked a question only it cares about (where to write, what happened to that write):
  then the app posts the answer to that screen as a message (`screens.messages`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from textual.message_pump import MessagePump
    from textual.signal import Signal
    from textual.worker import Worker

    from console.config.enrichment import EnrichmentPreview
    from console.doctor.fleet import DeploymentCheck
    from console.doctor.runner import Doctor
    from console.settings.bringup import BringupError, ServiceUpdate
    from console.settings.deployments import Deployment
    from console.settings.launch import Launch
    from console.shared.atomic import TargetFacts
    from screens.events import EventLog
    from screens.widgets.deployment_bar import DeploymentBar


class ConsoleHost(Protocol):
    """The console as the screens see it (implemented by `screens.app.LightspeedConsole`)."""

    # ------------------------------------------------------------------ state

    @property
    def doctor(self) -> Doctor:
        """The checks of the deployment shown, and their state."""

    @property
    def running(self) -> Set[str]:
        """The doctor steps running now."""

    @property
    def running_since(self) -> Mapping[str, float]:
        """When each running step started (`time.monotonic`), for the time it has waited."""

    @property
    def revised(self) -> Signal[int]:
        """Published after every change of the doctor's state (and of what is running)."""

    @property
    def events(self) -> EventLog:
        """The event log, for the log pane and for the acts a screen records itself."""

    @property
    def services(self) -> Mapping[str, ServiceUpdate]:
        """What the console brought up itself (the demo's sandbox), by service."""

    @property
    def awaiting_target(self) -> bool:
        """True until the bring-up produced the deployment: nothing to check before."""

    @property
    def bringup_error(self) -> BringupError | None:
        """Why the bring-up failed, once it has."""

    @property
    def show_events(self) -> bool:
        """Whether the log pane is shown (ctrl+l)."""

    @property
    def clock(self) -> Callable[[], float]:
        """The console's wall clock (frozen in tests)."""

    def fill_deployment_bar(self, bar: DeploymentBar, screen_title: str) -> None:
        """Fill the top bar from what the doctor knows so far."""

    @property
    def deployments(self) -> Mapping[str, Deployment]:
        """The named deployments (the settings file's, or the demo's), in order."""

    @property
    def deployment_checks(self) -> Mapping[str, DeploymentCheck]:
        """The last check of each named deployment, by name."""

    @property
    def deployments_running(self) -> Set[str]:
        """The named deployments being checked now."""

    @property
    def deployments_since(self) -> float | None:
        """When the deployments check under way started (`time.monotonic`; None: none runs)."""

    @property
    def deployments_changed(self) -> Mapping[str, Sequence[str]]:
        """The files of each deployment changed on disk since its last check (names)."""

    def held_back(self, name: str) -> str | None:
        """Why a deployment is checked only on request (read-only, a production-like tag)."""

    @property
    def deployment_name(self) -> str | None:
        """The named deployment the console shows (None: one given by its files)."""

    # ------------------------------------------------------------------ requests

    @property
    def deployment_label(self) -> str | None:
        """What the console calls the deployment shown (its name, else its file's)."""

    @property
    def launch(self) -> Launch:
        """What the console was started with (read-only: ``launch.read_only``)."""

    def run_checks(
        self, steps: Iterable[str] | None, without_inference: bool = False
    ) -> Worker[None]:
        """Run every step (None), or the given ones in order (``without_inference``: but it)."""
        ...

    def ask_before_inference(
        self,
        go: Callable[[], object],
        *,
        declined: Callable[[], object] | None = None,
        cancel_label: str = "Not now",
    ) -> None:
        """``go`` at once, or after a yes on one line for a production-like deployment."""

    def inference_needs_consent(self) -> str | None:
        """The question asked before a test inference to the deployment shown (None: none)."""

    def reload_config(self) -> Worker[None]:
        """Re-read both files and redo what depends on them (no network)."""
        ...

    def reload_files(self, why: str) -> Worker[None]:
        """`reload_config`, then log ``why`` and take the files as they are as the new baseline."""
        ...

    def watch_config_files(self, watching: bool) -> None:
        """Reload when the files change on disk while ``watching`` (a screen showing them)."""

    def watch_for_changes(self, watching: bool) -> None:
        """Note (no reload) when the files change on disk while ``watching`` (the doctor)."""

    @property
    def files_changed(self) -> Sequence[str]:
        """The files changed on disk since the doctor read them (names), not reread yet."""

    def acquire_token(self, force: bool = False) -> Worker[None]:
        """Acquire (or force-refresh) the Entra ID token."""
        ...

    def run_inference(
        self,
        model: str | None,
        prompt: str | None,
        stream: bool,
        on_delta: Callable[[str], object] | None = None,
    ) -> Worker[None]:
        """Run the test inference (prerequisites first when they are not current)."""
        ...

    def cancel_inference(self) -> bool:
        """Cancel the test inference under way; False when none was running."""
        ...

    def inspect_write_target(
        self, path: Path, preview: EnrichmentPreview, reply_to: MessagePump
    ) -> Worker[None]:
        """Look at ``path``; ``reply_to`` gets `screens.messages.WriteTargetInspected`."""
        ...

    def write_enriched(
        self, facts: TargetFacts, preview: EnrichmentPreview, reply_to: MessagePump
    ) -> Worker[None]:
        """Write the confirmed target; ``reply_to`` gets `screens.messages.EnrichedWriteDone`."""
        ...

    def check_deployments(self, names: Iterable[str] | None = None) -> Worker[None]:
        """Check the named deployments (all: None) concurrently, as ``check --all`` does."""
        ...

    def switch_deployment(self, name: str) -> Worker[None]:
        """Make the whole console show the named deployment (a new doctor)."""
        ...

    def watch_deployments(self, watching: bool) -> None:
        """The deployments screen is shown or left: check at first sight, then on a timer."""
