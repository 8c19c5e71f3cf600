"""Which results on screen no longer hold, and why: said as such, never shown as current.

A result is out of date when:

- the token it describes has expired (the checks made at acquisition, "lifetime 90 s
  left", are about a token that no longer works);
- lightspeed-stack.yaml or run.yaml changed on disk since the steps read them (the app
  notices while the doctor or the config screen is shown);
- the core threw away what it found (a re-run of a step it depends on:
  `console.doctor.results.CheckResult.out_of_date`, already said in its summary).

A switch of deployment gives the console a new doctor, so nothing of the previous one is
left to be stale; the log names each line's deployment (`screens.events`).

Pure functions of the doctor's state, the console's clock and what the app noticed, so the
doctor, the token screen and the tests ask the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from console.doctor.results import CheckStatus
from console.shared.timefmt import countdown, local_time

if TYPE_CHECKING:
    from console.doctor.state import DoctorState
    from console.entra.manager import TokenStatus


def token_expired(token: TokenStatus | None, now: float) -> str | None:
    """``expired 5s ago (at 2026-01-01 12:59:59)`` once the token's ``expires_on`` passed."""
    if token is None or token.expires_on > now:
        return None
    return f"expired {countdown(token.expires_on - now)} (at {local_time(token.expires_on)})"


def stale_reasons(
    state: DoctorState, now: float, files_changed: Sequence[str] = ()
) -> dict[str, str]:
    """For each step whose result no longer holds, why (the steps not listed still hold)."""
    reasons: dict[str, str] = {}
    if files_changed:
        names = ", ".join(files_changed)
        verb = "changes" if len(files_changed) == 1 else "change"
        why = f"{names} changed on disk since this ran (r reads the {verb})"
        for step, result in state.results.items():
            if result.status is not CheckStatus.SKIP:
                reasons[step] = why
    expired = token_expired(state.token, now)
    token = state.results.get("token")
    if expired and token is not None and token.status in (CheckStatus.PASS, CheckStatus.WARN):
        reasons.setdefault("token", f"the token {expired}; r gets a new one")
    return reasons
