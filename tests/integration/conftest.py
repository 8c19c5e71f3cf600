"""Fixtures shared by the live-call tests: the stand-in and the real Llama Stack backends.

Module-scoped: each test module starts its own backends once (the real server takes a few
seconds) and stops them when the module is done. A module may define fixtures of the same
name to set its backends up differently (the contract suite does).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.sandbox.tokens import TokenIssuer
from tests.integration.live_backends import BACKENDS, Backend, real_backend, stand_in_backend


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture(scope="module")
def stand_in(issuer: TokenIssuer) -> Iterator[Backend]:
    with stand_in_backend(issuer) as backend:
        yield backend


@pytest.fixture(scope="module")
def real(issuer: TokenIssuer) -> Iterator[Backend]:
    with real_backend(issuer) as backend:
        yield backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    found: Backend = request.getfixturevalue("stand_in" if request.param == "stand-in" else "real")
    found.reset()
    yield found
    found.reset()


@pytest.fixture
def faulty(stand_in: Backend) -> Iterator[Backend]:
    stand_in.reset()
    yield stand_in
    stand_in.reset()
