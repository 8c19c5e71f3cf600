"""The bounds of the numbers the console is given: timeouts and retries.

A number that parses is not yet a number the console can use: ``inf`` never ends, ``nan``
compares false with everything (so no bound holds), ``1e300`` overflows the clocks it is
added to, and a billion retries is a loop. Flags, the settings file and the configuration
are checked against the same bounds, each where it is read, with its own message.
"""

from __future__ import annotations

MAX_TIMEOUT_S = 3600.0
"""The longest timeout taken: an hour is past any answer worth waiting for."""
MAX_RETRIES = 10
