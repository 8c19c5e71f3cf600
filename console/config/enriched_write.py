"""Writing the enriched run.yaml when an interactive caller asks: look at the target, then write.

The console asks the operator twice: where (then says what will happen to that path, from
`inspect`) and whether (then `write` does it, with `console.shared.atomic.write_atomic`, as
``lightspeed-console enrich`` does). Both run their file calls in a thread, so an event loop
stays free while a slow disk answers. `write` returns what happened as a value: a refusal or
an OS error is an outcome to show with its remedy, not an exception for the caller to sort.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.shared.atomic import (
    TargetFacts,
    WriteRefused,
    WriteResult,
    inspect_target,
    write_atomic,
)
from console.shared.blocking import run_blocking

if TYPE_CHECKING:
    from console.config.enrichment import EnrichmentPreview

OS_ERROR_REMEDY = "Check the folder's permissions and free space, or choose another path."


@dataclass(frozen=True)
class EnrichedWrite:
    """The outcome of one write: what was written, or why nothing was."""

    path: Path
    written: WriteResult | None = None
    problem: str | None = None
    """Why nothing was written (None when it was)."""
    remedy: str | None = None
    appeared: bool = False
    """Refused because the file appeared between the look and the write: confirming again
    (now as a replacement) is the way on."""

    @property
    def ok(self) -> bool:
        """Whether the enriched file is now on disk."""
        return self.written is not None


async def inspect(path: Path, preview: EnrichmentPreview) -> TargetFacts:
    """What is at ``path`` now (exists, is the previewed run.yaml itself, folder present).

    Stat calls only, in a daemon thread (`console.shared.blocking`): a hung mount does not
    keep the console alive after a quit.
    """
    return await run_blocking(inspect_target, path, preview.source)


async def write(facts: TargetFacts, preview: EnrichmentPreview) -> EnrichedWrite:
    """Write ``preview``'s enriched text to the target ``facts`` describe, atomically.

    What was confirmed is what is done: an existing file is replaced, the input itself is
    rewritten with a ``.bak`` (if it still holds the previewed text), a new file is created
    (unless one appeared meanwhile); a target that changed since the look is refused by
    `write_atomic`, and nothing is half-written. The write runs in a joinable thread
    (``asyncio.to_thread``), unlike the reads: a quit waits for it to finish, so no temp file
    is left behind.
    """
    try:
        written = await asyncio.to_thread(
            write_atomic,
            facts.path,
            preview.enriched_text,
            overwrite=facts.exists,
            backup=facts.is_input,
            expected=preview.original_text if facts.is_input else None,
        )
    except WriteRefused as error:
        now = await inspect(facts.path, preview)
        return EnrichedWrite(
            facts.path,
            problem=error.message,
            remedy=error.remedy,
            appeared=not facts.exists and now.exists,
        )
    except OSError as error:
        return EnrichedWrite(
            facts.path, problem=error.strerror or str(error), remedy=OS_ERROR_REMEDY
        )
    return EnrichedWrite(facts.path, written=written)
