"""What the doctor's steps produce, and the parameters of one run.

The deployment they work from is a `console.settings.target.Target`; `DoctorState` holds
what the steps found (the screens render these same objects); `RunParameters` travel with
one run of one step, so a forced token refresh or an interactive prompt asked for by one
worker can never be seen by a step another worker started.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from console.doctor.graph import StepId

if TYPE_CHECKING:
    from console.config.enrichment import EnrichmentPreview
    from console.config.errors import ConfigFileError
    from console.config.loaded import Loaded
    from console.doctor.results import CheckResult
    from console.entra.manager import TokenManager, TokenStatus
    from console.inference.request import Api, InferenceResult
    from console.library.session import BootReport, LibrarySession
    from console.stack.session import NoServer, StackInfo, StackSession, StackSurvey


@dataclass(frozen=True)
class InferenceRequest:
    """The operator's choices for one test inference (None: the defaults)."""

    model: str | None = None
    prompt: str | None = None
    stream: bool = False
    on_delta: Callable[[str], object] | None = None
    api: Api = "chat.completions"
    exact_model: bool = False
    """Send ``model`` as given, without mapping a bare name to the server's id."""
    reveal: bool = False
    """Show the token in the request's curl text (the operator asked for it)."""


@dataclass(frozen=True)
class RunParameters:
    """What one run of one step was asked to do differently."""

    force_token: bool = False
    """Ask Entra ID for a new token even when one is cached."""
    inference: InferenceRequest = field(default_factory=InferenceRequest)


@dataclass
class DoctorState:
    """What the steps produced; the screens render these same objects."""

    loaded: Loaded | None = None
    config_error: ConfigFileError | None = None
    enrichment: EnrichmentPreview | None = None
    session: StackSession | LibrarySession | NoServer | None = None
    stack_info: StackInfo | None = None
    survey: StackSurvey | None = None
    token_manager: TokenManager | None = None
    token: TokenStatus | None = None
    inference: InferenceResult | None = None
    results: dict[StepId, CheckResult] = field(default_factory=dict)

    @property
    def library_boot(self) -> BootReport | None:
        """Library mode: the latest boot of the run.yaml in its release, if any."""
        from console.library.session import LibrarySession

        session = self.session
        return session.last_boot if isinstance(session, LibrarySession) else None

    @property
    def checked_loaded(self) -> Loaded:
        """The loaded files; only steps that need the config step call this."""
        assert self.loaded is not None, "the config step runs first"
        return self.loaded

    async def drop_session(self) -> None:
        """Close the Llama Stack session and forget what it found."""
        session = self.session
        if session is not None and hasattr(session, "aclose"):
            await session.aclose()
        self.session = None
        self.stack_info = None
        self.survey = None
