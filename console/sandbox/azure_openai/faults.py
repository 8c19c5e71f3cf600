"""What the Azure OpenAI stand-in can be made to do wrong, switched while it runs.

The handlers read `AzureFaults` on every request, so a test (or ``demo --fault``, through
`console.sandbox.faults`) changes the stand-in's behaviour without restarting it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from console.sandbox.faults import take_failure


@dataclass
class AzureFaults:
    """Faults read on every request; set attributes (or use `faults.apply`) while it runs.

    ``status`` is answered after authentication, like a backend failure behind Azure's
    gateway; ``fail_count`` limits it to the next N requests (None: every request).
    """

    latency_s: float = 0.0
    status: int | None = None
    retry_after_s: int = 1
    fail_count: int | None = None
    always_401: bool = False
    stream_delay_s: float = 0.0
    drop: bool = False
    no_role: bool = False

    def take_failure(self, lock: threading.Lock) -> bool:
        """Whether this request should get the fault status (``fail_count`` counts down)."""
        return take_failure(self, lock)
