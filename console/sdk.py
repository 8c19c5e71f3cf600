"""Importing llama-stack-client without letting it reconfigure the process's logging.

llama-stack-client 0.7.5 calls ``logging.basicConfig(level=logging.INFO)`` when its
package is imported (``llama_stack_client/lib/tools/mcp_oauth.py``). In a console that
would print every HTTP request httpx and azure-core log, request headers included, over
the operator's screen. The import is therefore made once, here, and the root logger's
handlers and level are put back as they were.
"""

from __future__ import annotations

import logging
import sys


def load_llama_stack_client() -> None:
    """Import llama_stack_client (the first time) and undo its logging side effect."""
    if "llama_stack_client" in sys.modules:
        return
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import llama_stack_client  # noqa: F401 - imported for its side effect on sys.modules
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
