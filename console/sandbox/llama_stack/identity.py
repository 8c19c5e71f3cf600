"""How the Llama Stack stand-in tells itself apart from a real server.

The console shows which kind of server it is talking to: every answer carries the header
``x-lightspeed-sandbox: llama-stack``, and ``/v1/version`` answers ``0.7.3+sandbox`` (a PEP
440 local version: it still compares as 0.7.3).
"""

from __future__ import annotations

from console.sandbox.choice import STAND_IN_VERSION

SANDBOX_VERSION = STAND_IN_VERSION
SANDBOX_HEADER = "x-lightspeed-sandbox"
SANDBOX_HEADER_VALUE = "llama-stack"
SANDBOX_CREATED = 1767225600
"""2026-01-01T00:00:00Z: a fixed ``created`` keeps snapshots stable."""
