"""Exit codes every command shares, so scripts can branch on them.

``diff`` follows diff(1): 0 nothing would change, 1 something would. ``review`` and ``check``:
0 all good, 1 a problem was found. 2 always means the command could not do its job (usage,
a file that cannot be read or written). 3: ``check`` found nothing wrong but could not verify
the test inference (a step it needs did not run); it says which and why. 70 is a bug in the
console itself. 141: the reader of stdout went away before everything was written
(``| head``), as a shell reports a command ended by a closed pipe (128 + SIGPIPE); nothing is
said then. A stdout closed from the start
(``>&-``) is taken as ``>/dev/null``: the command's own code. 130: stopped by Ctrl+C
(128 + SIGINT), said as "interrupted"; a second Ctrl+C ends it at once with the same code
(`console.shared.interrupts`).
"""

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes."""

    OK = 0
    FOUND = 1
    """``review``: an error finding; ``diff``: the file would change; ``check``: a check failed."""
    ERROR = 2
    """Usage error, or a file that cannot be read, parsed or written."""
    INCOMPLETE = 3
    """``check``: nothing failed, but the test inference was not verified (a step did not run)."""
    INTERNAL = 70
    """An unexpected exception: a bug in the console (EX_SOFTWARE)."""
    INTERRUPTED = 130
    """Stopped by Ctrl+C (128 + SIGINT), as a shell reports it."""
    BROKEN_PIPE = 141
    """The reader of stdout went away (128 + SIGPIPE): its choice, ended quietly."""
