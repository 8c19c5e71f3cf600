"""How times are shown: az's local-time format, and countdowns an operator reads at a glance."""

from __future__ import annotations

from datetime import datetime

AZ_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def az_local_time(epoch: float) -> str:
    """``expiresOn`` as ``az account get-access-token`` prints it: local time, microseconds."""
    return datetime.fromtimestamp(epoch).strftime(AZ_FORMAT)


def local_time(epoch: float) -> str:
    """A local time to the second, for summaries."""
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def span(seconds: float) -> str:
    """``1h 02m 03s``, ``59m 12s``, ``12s``: a duration without its sign."""
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
