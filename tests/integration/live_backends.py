"""Backends for the live tests: a Llama Stack (stand-in or real 0.7.3) with its own Azure stand-in.

Both Azure stand-ins trust the module's `TokenIssuer`, so a token minted here (or issued by
the Entra stand-in built on the same issuer) is accepted by Azure behind either server.
The real server is required: when its environment cannot be built the fixture FAILS.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from console.releases.catalog import LLAMA_STACK_0_7_3, ServerRelease
from console.releases.environments import ProvisionError, ServerEnvironment, provision
from console.sandbox import faults
from console.sandbox.azure_openai.server import AzureOpenAIServer
from console.sandbox.azure_openai.stand_in import AzureOpenAIStandIn
from console.sandbox.llama_stack.server import LlamaStackServer
from console.sandbox.real_stack import RealStack, minimal_run_config, run_real_stack
from console.sandbox.servers import port_is_listening
from console.sandbox.tokens import TokenIssuer, new_token_id
from console.shared.azure import COGNITIVE_SERVICES as AZURE_AUDIENCE
from console.stack.session import StackSession

BACKENDS = ("stand-in", "real")
MODEL = "azure/gpt-4o-mini"
PRINCIPAL = "11111111-1111-1111-1111-111111111111"


@dataclass
class Backend:
    """A server under test, its Azure stand-in, and (stand-in only) its fault switches."""

    name: str
    url: str
    azure: AzureOpenAIServer
    issuer: TokenIssuer
    stack: LlamaStackServer | None = None

    @property
    def base_url(self) -> str:
        return self.azure.base_url

    def token(self, *, expires_in: int = 3600, audience: str = AZURE_AUDIENCE) -> SecretStr:
        now = int(time.time())
        return SecretStr(
            self.issuer.mint(
                {
                    "aud": audience,
                    "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000001/",
                    "iat": now - 60,
                    "nbf": now - 60,
                    "exp": now + expires_in,
                    "oid": PRINCIPAL,
                    "uti": new_token_id(),
                }
            )
        )

    def session(self, **options: Any) -> StackSession:
        return StackSession(self.url, **options)

    def reset(self) -> None:
        faults.reset(self.azure.faults)
        if self.stack is not None:
            faults.reset(self.stack.faults)
        self.azure.stand_in.clear_requests()


def _azure(issuer: TokenIssuer) -> AzureOpenAIServer:
    return AzureOpenAIServer(AzureOpenAIStandIn(issuer, deployments=("gpt-4o-mini", "gpt-4.1")))


@contextmanager
def required_real_stack(
    run_config: dict[str, Any], release: ServerRelease = LLAMA_STACK_0_7_3
) -> Iterator[RealStack]:
    """A real server of ``release``, its environment built by uv on first use.

    The tests provision what they need; when that fails the test FAILS with uv's reason
    and the remedy, it is never skipped.
    """
    environment = required_environment(release)
    with run_real_stack(run_config, release=release, environment=environment) as stack:
        yield stack


def required_environment(release: ServerRelease) -> ServerEnvironment[ServerRelease]:
    """The uv-built environment of ``release``, built now if it is not yet (the test FAILS,
    never skips, with uv's reason and the remedy when it cannot be)."""
    try:
        return provision(release)
    except ProvisionError as error:
        pytest.fail(f"the real {release.label} server is required: {error} ({error.remedy})")


@contextmanager
def stand_in_backend(issuer: TokenIssuer) -> Iterator[Backend]:
    """The Llama Stack stand-in in front of an Azure stand-in; both stopped after."""
    with _azure(issuer) as azure, LlamaStackServer(minimal_run_config(azure.base_url)) as stack:
        port = stack.port
        yield Backend("stand-in", stack.url, azure, issuer, stack)
    assert not port_is_listening(port), "the stand-in's port is still open"


@contextmanager
def real_backend(issuer: TokenIssuer) -> Iterator[Backend]:
    """A real llama-stack 0.7.3 server in front of an Azure stand-in; both stopped after.

    Its environment is built by uv on first use (the tests provision what they need); when
    that fails the test FAILS with uv's reason, it is never skipped.
    """
    with _azure(issuer) as azure:
        with required_real_stack(minimal_run_config(azure.base_url)) as stack:
            yield Backend("real", stack.url, azure, issuer)
        assert not stack.group_alive(), "the real server outlived its stop()"
        assert not port_is_listening(stack.port), "the real server's port is still open"
