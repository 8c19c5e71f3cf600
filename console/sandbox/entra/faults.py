"""What the Entra ID stand-in can be made to do wrong, switched while it runs.

The handlers read `EntraFaults` on every request, so a test (or ``demo --fault``, through
`console.sandbox.faults`) changes the stand-in's behaviour without restarting it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from console.sandbox.faults import take_failure


@dataclass
class EntraFaults:
    """Faults read on every request; set attributes (or use `faults.apply`) while it runs."""

    latency_s: float = 0.0  # added to every answer
    token_latency_s: float = 0.0  # added to token answers only
    token_status: int | None = None  # 429 (AADSTS50196) or 5xx (AADSTS90033) from the token POST
    discovery_status: int | None = None  # 5xx from OpenID discovery
    retry_after_s: int = 1  # Retry-After sent with either status
    fail_count: int | None = None  # answer token_status this many times, then recover
    drop: bool = False  # token POST: close the connection without answering
    expired_secret: bool = False  # the right secret gets AADSTS7000222
    token_lifetime_s: int | None = None  # overrides the stand-in's token lifetime
    wrong_audience: bool = False  # tokens carry another aud than the scope's resource
    forge_signature: bool = False  # tokens are signed by a key nobody trusts (same kid)

    def take_failure(self, lock: threading.Lock) -> bool:
        """Whether this request should get the fault status (``fail_count`` counts down)."""
        return take_failure(self, lock)
