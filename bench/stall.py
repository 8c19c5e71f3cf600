"""Event-loop stall: the longest heartbeat gap while slow live calls run (goal <= 50 ms).

The Entra stand-in answers tokens after 2 s and the Azure stand-in answers after 2 s; a
fresh interpreter runs `TokenManager.get_token` and `run_chat` (cold: first use, imports
included; warm: second use) beside a 5 ms heartbeat. The floor is the same heartbeat on
an idle loop.
"""

from __future__ import annotations

import json

from bench.common import Measurement, run_child
from console.sandbox.demo import DemoSandbox

GOAL_S = 0.050
LATENCY_S = 2.0


def measure(sandbox: DemoSandbox) -> list[Measurement]:
    """One child run with both stand-ins slowed down; rows per phase."""
    info = sandbox.info
    assert info is not None
    assert sandbox.azure is not None
    payload = info.to_dict() | {"environ": info.environ}
    sandbox.entra.faults.token_latency_s = LATENCY_S
    sandbox.azure.faults.latency_s = LATENCY_S
    try:
        data, _, _ = run_child("bench.children.stall", [json.dumps(payload)], timeout=120)
    finally:
        sandbox.entra.faults.token_latency_s = 0.0
        sandbox.azure.faults.latency_s = 0.0
    idle = data["idle"]["longest_gap_s"]
    rows = []
    for key, label in (
        ("token_cold", "stall: TokenManager.get_token, 2 s, first use"),
        ("inference_cold", "stall: run_chat, 2 s, first use"),
        ("token_warm", "stall: TokenManager.force_refresh, 2 s, warm"),
        ("inference_warm", "stall: run_chat, 2 s, warm"),
    ):
        gap = data[key]["longest_gap_s"]
        row = Measurement(
            name=label,
            ours_s=gap,
            floor_s=idle,
            floor_label="idle loop, same heartbeat",
            goal=f"<= {GOAL_S * 1000:.0f} ms",
            ok=gap <= GOAL_S,
            ratio=gap / idle if idle else None,
        )
        row.notes.append(f"call took {data[key]['elapsed_s']:.2f} s, {data[key]['ticks']} ticks")
        rows.append(row)
    return rows
