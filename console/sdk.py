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
import sys
from functools import cache


def load_llama_stack_client() -> None:
    """Import llama_stack_client (the first time) and undo its logging side effect.

    The SDK also imports each API's module on first attribute access
    (``client.chat.completions``...); those are touched here too, so that work happens
    wherever this runs (a thread, for the console) rather than on the first request.
    """
    if "llama_stack_client" in sys.modules:
        return
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from llama_stack_client import AsyncLlamaStackClient

        tls_context()

        client = AsyncLlamaStackClient(base_url="http://127.0.0.1:9", max_retries=0)
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


@cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every Llama Stack client of the process.

    Building one loads the system's CA certificates (tens of milliseconds); a client per
    inference would otherwise pay that on the event loop each time.
    """
    return ssl.create_default_context()
