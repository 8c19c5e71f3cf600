"""Importing llama-stack-client without letting it reconfigure the process's logging.

llama-stack-client 0.7.5 calls ``logging.basicConfig(level=logging.INFO)`` when its
package is imported (``llama_stack_client/lib/tools/mcp_oauth.py``). In a console that
would print every HTTP request httpx and azure-core log, request headers included, over
the operator's screen. The import is therefore made once, here, and the root logger's
handlers and level are put back as they were.
"""

from __future__ import annotations

import logging
import ssl
import threading
from functools import cache, lru_cache
from pathlib import Path


def load_llama_stack_client() -> None:
    """Import llama_stack_client (the first time) and undo its logging side effect.

    The SDK also imports each API's module on first attribute access
    (``client.chat.completions``...); those are touched here too, so that work happens
    wherever this runs (a thread, for the console) rather than on the first request.
    """
    if _loaded.is_set():
        return
    with _loading:  # a second caller waits for the whole of the first's work (see `_loading`)
        if not _loaded.is_set():
            _load()
            _loaded.set()


_loading = threading.Lock()
"""One import at a time. The package is in ``sys.modules`` as soon as its import starts, and
the API modules load on first use: a caller that went on at that point would import them
while the loading thread does, and two threads importing modules that import each other
can meet in importlib's deadlock check (`RuntimeError`), a failed call for no reason."""
_loaded = threading.Event()


def sdk_loaded() -> bool:
    """The SDK is imported and its API modules loaded (`load_llama_stack_client` returned)."""
    return _loaded.is_set()


def _load() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import httpx
        from llama_stack_client import AsyncLlamaStackClient

        # The system's context, which the sessions' clients use too: without a client of
        # its own, the SDK would build one that loads certifi's CAs, never to be used.
        unused = httpx.AsyncClient(verify=tls_context())
        client = AsyncLlamaStackClient(
            base_url="http://127.0.0.1:9", max_retries=0, http_client=unused
        )
        for resource in (
            client.chat.completions,
            client.responses,
            client.models,
            client.providers,
            client.inspect,
        ):
            _ = resource.with_raw_response
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def tls_context(ca_bundle: Path | None = None) -> ssl.SSLContext:
    """The TLS context for Llama Stack clients: the system's CAs, or only ``ca_bundle``'s.

    One context per bundle for the whole process: building the default one loads the
    system's CA certificates, which a client per inference would otherwise pay on the event
    loop each time. A bundle replaces the system's CAs, as the
    authority's ``--ca-bundle`` does for azure-identity: the operator names what to trust.
    Raises `console.shared.ca_bundle.CaBundleError` for a bundle that cannot be used.
    """
    if ca_bundle is None:
        return _system_context()
    from console.shared.ca_bundle import CaBundleError, bundle_key

    try:
        return _bundle_context(*bundle_key(ca_bundle))
    except CaBundleError as error:
        error.path = ca_bundle  # the path as the operator wrote it, not the resolved one
        raise


@cache
def _system_context() -> ssl.SSLContext:
    return ssl.create_default_context()


@lru_cache(maxsize=16)
def _bundle_context(path: str, mtime_ns: int, size: int) -> ssl.SSLContext:
    """A context trusting only the bundle at ``path`` as it was at ``mtime_ns``/``size``.

    The stamp is in the key so a bundle fixed on disk is read again; a failure is not
    cached (an exception never is), so the next attempt reads the file again too.
    """
    from console.shared.ca_bundle import bundle_context

    return bundle_context(Path(path))
