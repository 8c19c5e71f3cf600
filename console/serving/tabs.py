"""How many tabs ``serve`` opens, and how a tab's console knows its ``serve``.

Each browser tab is its own ``lightspeed-console tui`` process with the deployment's
credentials loaded, so their number is capped (`MAX_TABS` by default, ``--max-tabs``):
a tab beyond it is refused before its console starts. ``serve`` tells its consoles its
process id (`SERVE_PID_VARIABLE`); a console started by a ``serve`` ends when that
``serve`` does, however it ended (`console.shared.lifeline`), so none is left running
with credentials loaded after a SIGKILL.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

MAX_TABS = 8
"""Browser tabs (each a console process) one ``serve`` runs at once, by default."""
TABS_LIMIT = 64
"""The most ``--max-tabs`` accepts."""
SERVE_PID_VARIABLE = "LIGHTSPEED_CONSOLE_SERVE_PID"
"""Set by ``serve`` for the consoles it starts: its process id."""

TOO_MANY_TABS = (
    "refused: {count} browser tabs of this console are open, the most it runs at once "
    "(lightspeed-console serve --max-tabs); close one and reload"
)


def serving_parent(environ: Mapping[str, str] | None = None) -> int | None:
    """The ``serve`` this console was started by (its parent), or None.

    Only the parent that set the variable counts: a variable inherited from further up
    (a shell started inside a tab, say) names a process that is not this one's parent.
    """
    value = (os.environ if environ is None else environ).get(SERVE_PID_VARIABLE, "")
    parent = os.getppid()
    return parent if value.isdigit() and int(value) == parent else None
