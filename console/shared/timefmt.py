"""How times are shown: az's local-time format, and countdowns an operator reads at a glance."""

from __future__ import annotations

import math
from datetime import datetime

AZ_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def az_local_time(epoch: float) -> str:
    """``expiresOn`` as ``az account get-access-token`` prints it: local time, microseconds."""
    return _formatted(epoch, AZ_FORMAT)


def local_time(epoch: float) -> str:
    """A local time to the second, for summaries."""
    return _formatted(epoch, "%Y-%m-%d %H:%M:%S")


def _formatted(epoch: float, form: str) -> str:
    """``epoch`` as a local time; a moment no calendar holds says so instead of raising."""
    try:
        return datetime.fromtimestamp(epoch).strftime(form)
    except (OverflowError, ValueError, OSError):
        return "(not a date)"


def span(seconds: float) -> str:
    """``1h 02m 03s``, ``59m 12s``, ``12s``: a duration without its sign."""
    if not math.isfinite(seconds):
        return "forever"
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def countdown(seconds: float) -> str:
    """``in 59m 12s``, or ``12s ago`` once the moment has passed."""
    return f"in {span(seconds)}" if seconds >= 0 else f"{span(seconds)} ago"
