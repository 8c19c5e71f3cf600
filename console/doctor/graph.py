"""The doctor's steps: their order, what each needs, and what a re-run takes along or drops.

config -> findings -> enrichment -> stack -> providers -> token -> inference. The token does
not need the Llama Stack server, so a dead server still lets the operator see whether Entra
ID answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StepId = Literal["config", "findings", "enrichment", "stack", "providers", "token", "inference"]
"""The doctor's steps: a misspelt one is a type error, not a silent miss."""


@dataclass(frozen=True)
class Step:
    """A step of the doctor: its id, its title and the steps it needs."""

    id: StepId
    title: str
    needs: tuple[StepId, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("config", "Configuration files"),
    Step("findings", "Review findings", ("config",)),
    Step("enrichment", "Azure enrichment", ("config",)),
    Step("stack", "Llama Stack server", ("config",)),
    Step("providers", "Providers and Azure base URL", ("stack",)),
    Step("token", "Entra ID token", ("config",)),
    Step("inference", "Test inference", ("providers", "token")),
)
STEP_IDS: tuple[StepId, ...] = tuple(step.id for step in STEPS)
BY_ID: dict[StepId, Step] = {step.id: step for step in STEPS}

OFFLINE_STEPS: tuple[StepId, ...] = ("config", "findings", "enrichment")
"""The steps that only read the files: no network."""

RERUN_TOGETHER: dict[StepId, tuple[StepId, ...]] = {
    "config": OFFLINE_STEPS,
    "stack": ("stack", "providers"),
}
"""What re-running one step re-runs with it: what reads the same files, or the same server."""

DROPS: dict[StepId, tuple[StepId, ...]] = {
    "config": ("stack", "providers"),
    "stack": ("providers",),
}
"""Steps whose products a re-run throws away (the Llama Stack session and its survey)."""


def title_of(step_id: StepId) -> str:
    """The title of a step, as the doctor shows it."""
    return BY_ID[step_id].title


def prerequisites(step_id: StepId) -> tuple[StepId, ...]:
    """Every step ``step_id`` needs, directly or through another, in the doctor's order."""
    needed: set[StepId] = set()
    pending = list(BY_ID[step_id].needs)
    while pending:
        need = pending.pop()
        if need not in needed:
            needed.add(need)
            pending.extend(BY_ID[need].needs)
    return tuple(step for step in STEP_IDS if step in needed)
