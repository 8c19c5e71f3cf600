"""How many examples a property test draws: the suite's share, or more for a deep run.

The suite runs in minutes on two cores, so each property draws its share there;
``FUZZ_DEPTH=10 uv run pytest -k fuzz`` draws ten times as many, for a change to the limits
or the parsers. Hypothesis keeps every failure it finds in ``.hypothesis`` and replays it
first on the next run, whatever the depth.
"""

from __future__ import annotations

import os

DEPTH = max(1, int(os.environ.get("FUZZ_DEPTH", "").strip() or "1"))


def examples(share: int) -> int:
    """``share`` examples in the suite, ``share * FUZZ_DEPTH`` in a deep run."""
    return share * DEPTH
