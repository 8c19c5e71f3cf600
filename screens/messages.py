"""The messages the console's parts send each other, each with what it carries.

Two kinds. The bring-up thread reports to the app (`ServiceChanged`, `TargetReady`,
`BringupFailed`): posting never blocks, so a thread never waits on the event loop. The app
answers a screen's own question (`WriteTargetInspected`, `EnrichedWriteDone`) by posting
to the screen that asked, which renders it; results every screen shares go through the
doctor's state instead (`screens.host.ConsoleHost.revised`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from console.config.enriched_write import EnrichedWrite
    from console.config.enrichment import EnrichmentPreview
    from console.settings.bringup import BringupError, ServiceUpdate
    from console.settings.target import Target
    from console.shared.atomic import TargetFacts


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


class WriteTargetInspected(Message):
    """What is at the path the operator chose, so the screen can ask for consent."""

    bubble = False  # the answer is for the screen that asked, not for the app above it

    def __init__(self, facts: TargetFacts, preview: EnrichmentPreview) -> None:
        super().__init__()
        self.facts = facts
        self.preview = preview


class EnrichedWriteDone(Message):
    """The confirmed write of the enriched run.yaml happened, or why it did not."""

    bubble = False

    def __init__(self, outcome: EnrichedWrite) -> None:
        super().__init__()
        self.outcome = outcome
