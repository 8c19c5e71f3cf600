"""Heartbeat gaps while a slow token call and a slow inference run, in a fresh interpreter.

argv: the DemoInfo JSON. The parent has set the Entra stand-in's token latency and the
Azure stand-in's latency; nothing is imported beforehand, so the first ("cold") call of
each pays its imports the way the TUI's first live action does. Prints the longest gap
between 5 ms heartbeat ticks for each phase.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

TICK_S = 0.005


class Heartbeat:
    """An asyncio task ticking every 5 ms; remembers the longest gap since `reset`."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.ticks = 0
        self._last = time.perf_counter()
        self._stop = False

    def reset(self) -> None:
        self.longest = 0.0
        self.ticks = 0
        self._last = time.perf_counter()

    async def run(self) -> None:
        for _ in range(100_000):  # bounded: ~8 minutes of ticks at most
            if self._stop:
                return
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            self.longest = max(self.longest, now - self._last)
            self.ticks += 1
            self._last = now

    def stop(self) -> None:
        self._stop = True


async def phase(beat: Heartbeat, call: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    beat.reset()
    started = time.perf_counter()
    await call()
    elapsed = time.perf_counter() - started
    return {"longest_gap_s": beat.longest, "elapsed_s": elapsed, "ticks": beat.ticks}


async def main(info: dict[str, str]) -> dict[str, Any]:
    from pydantic import SecretStr

    from console.config.loader import load
    from console.entra.manager import TokenManager
    from console.inference.run import run_chat
    from console.stack.session import StackSession

    beat = Heartbeat()
    task = asyncio.create_task(beat.run())
    out: dict[str, Any] = {}
    out["idle"] = await phase(beat, lambda: asyncio.sleep(1.0))
    loaded = load(Path(info["lightspeed_config"]), environ=info["environ"])  # type: ignore[arg-type]
    assert loaded.entra is not None
    manager = TokenManager(
        loaded.entra,
        authority=info["authority"],
        ca_bundle=info["ca_bundle"],
        environ=info["environ"],  # type: ignore[arg-type]
    )
    token: SecretStr | None = None

    async def get_token() -> None:
        nonlocal token
        token = (await manager.get_token()).token

    session = StackSession(info["stack_url"])

    async def infer() -> None:
        result = await run_chat(session, token, info["azure_base_url"])
        if not result.ok:
            raise RuntimeError(f"inference failed: {result.diagnosis}")

    async def refresh() -> None:
        await manager.force_refresh()

    out["token_cold"] = await phase(beat, get_token)
    out["inference_cold"] = await phase(beat, infer)
    out["token_warm"] = await phase(beat, refresh)
    out["inference_warm"] = await phase(beat, infer)
    await session.aclose()
    beat.stop()
    await task
    return out


if __name__ == "__main__":
    given = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(main(given))))
