"""The floor of a library-mode check: the release's bare library client, booted and asked once.

Run with the release's own python (not the console's): argv is the run.yaml, the access
token, the Azure base URL and the model id. It builds the client as Lightspeed does at a
token refresh (``provider_data`` with the token and base URL), initializes it, sends one
chat completion and exits. Imports nothing of the console.
"""

from __future__ import annotations

import asyncio
import importlib
import sys

CLIENTS = {
    "ogx": "ogx.core.library_client:AsyncOGXAsLibraryClient",
    "llama_stack": "llama_stack.core.library_client:AsyncLlamaStackAsLibraryClient",
}


async def main(package: str, config: str, token: str, base_url: str, model: str) -> None:
    module, _, name = CLIENTS[package].partition(":")
    client_class = getattr(importlib.import_module(module), name)
    data = {"azure_api_key": token, "azure_api_base": base_url}
    client = client_class(config, provider_data=data)
    await client.initialize()
    answer = await client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Reply with the single word: pong"}]
    )
    if not answer:
        raise SystemExit("no answer")
    await client.shutdown()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
