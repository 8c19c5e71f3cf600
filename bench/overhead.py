"""In-process overhead of the token refresh and of the test inference over bare calls.

- `TokenManager.force_refresh` against a bare ``ClientSecretCredential(...).get_token``
  with a new credential each time (same authority, CA, discovery setting, scope);
- `run_chat` as the doctor calls it (model chosen by the console) and with the model given,
  against a bare httpx POST to /v1/chat/completions with the same provider-data header
  (a new client per request, as `run_chat` builds one per request).

Runs are interleaved, after warm-up calls, so imports and first connections are not counted.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from bench.common import Measurement, median, ratio_goal
from console.config.loader import load
from console.entra.manager import TokenManager
from console.inference.run import run_chat
from console.sandbox.demo import DemoInfo
from console.stack.session import StackSession


def _bare_token(manager: TokenManager, info: DemoInfo) -> str:
    from azure.identity import ClientSecretCredential

    credential = ClientSecretCredential(
        info.tenant_id,
        info.client_id,
        info.client_secret,
        authority=manager.authority.url,
        disable_instance_discovery=manager.authority.disable_instance_discovery,
        connection_verify=info.ca_bundle,
    )
    try:
        return credential.get_token(info.scope).token
    finally:
        credential.close()


async def _measure(info: DemoInfo, runs: int) -> list[Measurement]:
    loaded = load(Path(info.lightspeed_config), environ=info.environ)
    assert loaded.entra is not None
    manager = TokenManager(
        loaded.entra, authority=info.authority, ca_bundle=info.ca_bundle, environ=info.environ
    )
    ours_token: list[float] = []
    bare_token: list[float] = []
    for index in range(runs + 2):
        started = time.perf_counter()
        status = await manager.force_refresh()
        mine = time.perf_counter() - started
        started = time.perf_counter()
        _bare_token(manager, info)
        bare = time.perf_counter() - started
        if index >= 2:
            ours_token.append(mine)
            bare_token.append(bare)
    token_row = ratio_goal(
        "token refresh (TokenManager.force_refresh)",
        ours_token,
        bare_token,
        "new ClientSecretCredential.get_token",
        factor=1.1,
        slack_s=0.010,
    )

    model = info.model_id
    header = json.dumps(
        {"azure_api_key": status.token.get_secret_value(), "azure_api_base": info.azure_base_url}
    )
    session = StackSession(info.stack_url)
    stack_info = await session.info()
    chosen: list[float] = []
    given: list[float] = []
    bare_chat: list[float] = []
    body = {
        "model": model,
        "messages": [{"role": "user", "content": "Reply with the single word: pong"}],
    }
    # The floor keeps one client (one TLS context, kept-alive connection): the best a bare
    # httpx caller can do.
    bare_client = httpx.AsyncClient(base_url=info.stack_url, timeout=30)
    try:
        for index in range(runs + 2):
            started = time.perf_counter()
            result = await run_chat(session, status.token, info.azure_base_url)
            mine = time.perf_counter() - started
            if not result.ok:
                raise RuntimeError(f"run_chat failed: {result.diagnosis}")
            started = time.perf_counter()
            result = await run_chat(session, status.token, info.azure_base_url, model=model)
            mine_given = time.perf_counter() - started
            started = time.perf_counter()
            answer = await bare_client.post(
                "/v1/chat/completions", json=body, headers={stack_info.header_name: header}
            )
            answer.raise_for_status()
            bare = time.perf_counter() - started
            if index >= 2:
                chosen.append(mine)
                given.append(mine_given)
                bare_chat.append(bare)
    finally:
        await session.aclose()
        await bare_client.aclose()
    chat_row = ratio_goal(
        "test inference (run_chat, model chosen)",
        chosen,
        bare_chat,
        "bare httpx POST /v1/chat/completions",
        factor=1.1,
        slack_s=0.010,
    )
    given_row = ratio_goal(
        "test inference (run_chat, model given)",
        given,
        bare_chat,
        "bare httpx POST /v1/chat/completions",
        factor=1.1,
        slack_s=0.010,
    )
    chat_row.notes.append(
        "run_chat reuses the session's version, model and provider listings, and builds a "
        "new SDK client (a new connection) per request; the floor keeps one connection alive"
    )
    given_row.notes.append(f"median bare POST {median(bare_chat) * 1000:.1f} ms")
    return [token_row, chat_row, given_row]


def measure(info: DemoInfo, runs: int = 15) -> list[Measurement]:
    """Both overheads, in one event loop of this process."""
    return asyncio.run(_measure(info, runs))
