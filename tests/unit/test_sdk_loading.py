"""Waiting for the SDK waits for all of it: a caller that arrives while another thread is
importing it goes on only once that import, API modules included, is over.

``check --all`` checks deployments side by side: the first one's import runs in a thread,
and a second one used to go on as soon as the package was in ``sys.modules``, importing the
API modules on its own while the first did, which importlib can refuse as a deadlock.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from collections.abc import Iterator

import pytest

from console.stack import sdk
from console.stack.session import sdk_ready


@pytest.fixture
def slow_first_load(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """An SDK not loaded yet, whose load takes a while and says when it starts and ends.

    The package itself is in ``sys.modules``, as it is from the moment its import starts.
    """
    importlib.import_module("llama_stack_client")
    was_loaded = sdk._loaded.is_set()
    sdk._loaded.clear()
    said: list[str] = []
    started = threading.Event()

    def load() -> None:
        said.append("load started")
        started.set()
        time.sleep(0.3)
        said.append("load finished")

    monkeypatch.setattr(sdk, "_load", load)
    first = threading.Thread(target=sdk.load_llama_stack_client)
    first.start()
    assert started.wait(10)
    yield said
    first.join(10)
    if was_loaded:
        sdk._loaded.set()


def test_a_second_caller_goes_on_only_after_the_first_load(slow_first_load: list[str]) -> None:
    asyncio.run(sdk_ready())
    slow_first_load.append("second caller went on")
    assert slow_first_load == ["load started", "load finished", "second caller went on"]


def test_the_load_runs_once_however_many_ask(slow_first_load: list[str]) -> None:
    callers = [threading.Thread(target=sdk.load_llama_stack_client) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(10)
    assert slow_first_load == ["load started", "load finished"]
    assert sdk.sdk_loaded()
