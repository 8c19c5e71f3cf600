"""What the Llama Stack stand-in can be made to do wrong, switched while it runs.

The handlers read `StackFaults` on every request, so a test (or ``demo --fault``, through
`console.sandbox.faults`) changes the stand-in's behaviour without restarting it; ``down``
set before `start` means nothing listens at all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StackFaults:
    """Faults read on every request; set attributes (or use `faults.apply`) while it runs."""

    down: bool = False
    status: int | None = None
    latency_s: float = 0.0
    not_json: bool = False
    ignore_provider_data: bool = False
