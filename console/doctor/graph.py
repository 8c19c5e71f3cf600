"""The doctor's steps: their order, what each needs, and what a re-run takes along or drops.

config -> findings -> enrichment -> stack -> providers -> token -> inference. The token does
not need the Llama Stack server, so a dead server still lets the operator see whether Entra
ID answers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """A step of the doctor: its id, its title and the steps it needs."""

    id: str
    title: str
    needs: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("config", "Configuration files"),
    Step("findings", "Review findings", ("config",)),
    Step("enrichment", "Azure enrichment", ("config",)),
    Step("stack", "Llama Stack server", ("config",)),
    Step("providers", "Providers and Azure base URL", ("stack",)),
    Step("token", "Entra ID token", ("config",)),
    Step("inference", "Test inference", ("providers", "token")),
)
STEP_IDS = tuple(step.id for step in STEPS)
BY_ID = {step.id: step for step in STEPS}

OFFLINE_STEPS = ("config", "findings", "enrichment")
"""The steps that only read the files: no network."""

RERUN_TOGETHER: dict[str, tuple[str, ...]] = {
    "config": OFFLINE_STEPS,
    "stack": ("stack", "providers"),
}
"""What re-running one step re-runs with it: what reads the same files, or the same server."""

DROPS: dict[str, tuple[str, ...]] = {"config": ("stack", "providers"), "stack": ("providers",)}
"""Steps whose products a re-run throws away (the Llama Stack session and its survey)."""


def title_of(step_id: str) -> str:
    """The title of a step, as the doctor shows it."""
    return BY_ID[step_id].title
