"""The collector pause: off inside, back as it was after, shared by nested and concurrent users."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.config.loader import load
from console.shared.gcpause import gc_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_off_inside_and_on_after() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_back_on_after_an_error() -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_concurrent_holders_share_one_pause() -> None:
    first_in = threading.Event()
    second_out = threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with gc_paused():
            first_in.set()
            second_out.wait(5)
            seen.append(gc.isenabled())  # the second ended first: still off for this one

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with gc_paused():
        pass
    second_out.set()
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_loading_leaves_the_collector_on(tmp_path: Path) -> None:
    run = tmp_path / "run.yaml"
    run.write_text("version: 2\nproviders: {}\n")
    load(None, run, environ={})
    assert gc.isenabled()
