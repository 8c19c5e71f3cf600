"""Which release boots a deployment's run.yaml, and the `LibrarySession` that boots it.

Lightspeed 0.7.x (``ogx:``) runs OGX 1.2.5, the release it pins; May 2026's Lightspeed
(``llama_stack:``) ran llama-stack 0.7.3. The file booted is the one Lightspeed boots: the
enriched run.yaml in legacy library mode, the synthesized one in unified mode (the same
text ``synth`` prints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from pydantic import SecretStr

from console.config.lightspeed import Generation
from console.config.loaded import Loaded
from console.library.session import (
    DEFAULT_BOOT_TIMEOUT_S,
    DEFAULT_CALL_TIMEOUT_S,
    MAX_STREAM_BYTES,
    LibrarySession,
)
from console.releases.catalog import LLAMA_STACK_0_7_3, OGX_1_2_5, ServerRelease
from console.settings.live import LiveOptions


def release_for(loaded: Loaded) -> ServerRelease:
    """The release the deployment's Lightspeed runs (0.7.x unless the file says May 2026)."""
    reading = loaded.generation
    if reading is not None and reading.generation is Generation.MAY_2026:
        return LLAMA_STACK_0_7_3
    return OGX_1_2_5


def booted_text(loaded: Loaded) -> str:
    """The run.yaml as the stack starts from it.

    Synthesized (unified mode) or enriched (library mode): what Lightspeed writes and boots.
    A service-mode server starts from its own file as written.
    """
    from console.config.enrichment import preview

    assert loaded.run is not None
    settings = loaded.llama_stack
    library = settings is not None and settings.mode == "library"
    if loaded.synthesis is not None or library:
        return preview(loaded).enriched_text
    return loaded.run.yaml.text


def library_session(
    loaded: Loaded,
    options: LiveOptions,
    *,
    environ: Mapping[str, str] | None = None,
    secrets: Iterable[SecretStr | str | None] = (),
    progress: Callable[[str], object] | None = None,
    release: ServerRelease | None = None,
) -> LibrarySession:
    """The session that boots ``loaded``'s run.yaml; `ValueError` when there is none to boot."""
    if loaded.run is None:
        raise ValueError("no run.yaml to boot")
    settings = loaded.llama_stack
    configured = settings.timeout if settings is not None else None
    return LibrarySession(
        loaded,
        release or release_for(loaded),
        booted_text(loaded),
        environ=environ,
        timeout=options.stack_timeout or configured or DEFAULT_CALL_TIMEOUT_S,
        boot_timeout=options.boot_timeout or DEFAULT_BOOT_TIMEOUT_S,
        secrets=tuple(secrets),
        progress=progress,
        max_stream_bytes=options.max_answer or MAX_STREAM_BYTES,
    )
