"""The garbage collector paused while the console starts.

Starting is importing and building objects that live as long as the process: a collection
then frees nothing, yet walks everything made so far, again each time a generation fills.
`console.cli.run` pauses it before a command is imported; the command resumes it once its
start is over (the TUI after its first frame, every other command before it runs).
"""

from __future__ import annotations

import gc


def pause() -> None:
    """No collection until `resume`."""
    gc.disable()


def resume() -> None:
    """Collect again, leaving what the start made out of every later collection's walk."""
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()
