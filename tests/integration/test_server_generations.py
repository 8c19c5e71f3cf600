"""What each server generation does with what Lightspeed sends, against the real servers.

llama-stack 0.7.3 (May 2026's Lightspeed), OGX 1.2.5 (what lightspeed-stack 0.7.1 pins) and
the newest OGX on the registry, each from its own uv-built environment, each in front of an
Azure OpenAI stand-in. The console must tell them apart and say what each does
(`console.stack.kind.server_facts`): the header it reads, what the enrichment's
``model_validation`` does there, and TLS. Every sentence of those facts is pinned here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from console.inference.run import run_chat
from console.releases.catalog import LLAMA_STACK_0_7_3, OGX_1_2_5, OGX_LATEST, ServerRelease
from console.sandbox.azure_openai.records import token_fingerprint
from console.sandbox.azure_openai.server import AzureOpenAIServer
from console.sandbox.azure_openai.stand_in import AzureOpenAIStandIn
from console.sandbox.real_stack import RealStack, minimal_run_config
from console.sandbox.tokens import TokenIssuer, new_token_id
from console.shared.azure import COGNITIVE_SERVICES as AZURE_AUDIENCE
from console.stack.kind import LLAMA_STACK_HEADER, OGX_HEADER, release_of, server_facts
from console.stack.session import StackSession
from tests.integration.live_backends import required_real_stack

pytestmark = pytest.mark.real_stack
RELEASES = [LLAMA_STACK_0_7_3, OGX_1_2_5, OGX_LATEST]
NOT_DEPLOYED = "not-deployed"
"""A model run.yaml registers with model_validation: true that Azure does not have."""


@dataclass
class Generation:
    release: ServerRelease
    stack: RealStack
    azure: AzureOpenAIServer
    issuer: TokenIssuer

    @property
    def is_ogx(self) -> bool:
        return self.release.package == "ogx"

    def session(self, **options: object) -> StackSession:
        return StackSession(self.stack.url, ca_bundle=self.stack.ca_pem, **options)  # type: ignore[arg-type]

    def token(self) -> SecretStr:
        now = int(time.time())
        claims = {"aud": AZURE_AUDIENCE, "iss": "https://sts.windows.net/t/", "iat": now,
                  "nbf": now, "exp": now + 3600, "oid": "o", "uti": new_token_id()}  # fmt: skip
        return SecretStr(self.issuer.mint(claims))


@pytest.fixture(scope="module", params=RELEASES, ids=lambda r: r.key)
def generation(request: pytest.FixtureRequest) -> Iterator[Generation]:
    release: ServerRelease = request.param
    issuer = TokenIssuer()
    with AzureOpenAIServer(AzureOpenAIStandIn(issuer, deployments=("gpt-4o-mini",))) as azure:
        config = minimal_run_config(azure.base_url, models=("gpt-4o-mini", NOT_DEPLOYED))
        # As Lightspeed's enrichment leaves it, plus a model Azure does not have that asks
        # for validation: the server must start all the same (see the facts).
        config["providers"]["inference"][0]["config"]["model_validation"] = False
        config["registered_resources"]["models"][1]["model_validation"] = True
        with required_real_stack(config, release) as stack:
            yield Generation(release, stack, azure, issuer)


async def test_the_console_tells_the_generation_and_its_header(generation: Generation) -> None:
    async with generation.session() as session:
        info = await session.info()
    release = release_of(info.version)
    assert release is not None
    if generation.release is LLAMA_STACK_0_7_3:
        assert (info.kind, info.version, info.header_name) == (
            "llama-stack",
            "0.7.3",
            LLAMA_STACK_HEADER,
        )
    elif generation.release is OGX_1_2_5:
        assert (info.kind, info.version, info.header_name) == ("ogx", "1.2.5", OGX_HEADER)
    else:
        assert (info.kind, info.header_name) == ("ogx", OGX_HEADER)
        assert release >= (1, 2, 5)
    facts = server_facts(info.kind)
    assert facts.header.startswith(f"reads {info.header_name} only")


@pytest.mark.parametrize("header", ["own", "other"])
async def test_only_its_own_header_brings_the_token_to_azure(
    generation: Generation, header: str
) -> None:
    other = LLAMA_STACK_HEADER if generation.is_ogx else OGX_HEADER
    forced = {} if header == "own" else {"provider_data_header": other}
    token = generation.token()
    generation.azure.stand_in.clear_requests()
    async with generation.session(**forced) as session:
        result = await run_chat(
            session, token, generation.azure.base_url, model="azure/gpt-4o-mini"
        )
    bearers = {
        r.bearer_sha256
        for r in generation.azure.stand_in.requests
        if r.path.endswith("/chat/completions")
    }
    if header == "own":
        assert result.diagnosis is None, result.diagnosis
        assert bearers == {token_fingerprint(token.get_secret_value())}
    else:  # the server ignores the header it does not read: nothing reaches Azure
        assert result.diagnosis is not None
        assert result.diagnosis.code.startswith("PROVIDER_DATA")
        assert bearers == set()


async def test_model_validation_is_as_the_facts_say(generation: Generation) -> None:
    """The enrichment's provider-level key is ignored, and a run.yaml model passes the check:
    the server started with both, and lists the model Azure does not have."""
    async with generation.session() as session:
        models = {model.model_id for model in await session.models()}
    assert {"azure/gpt-4o-mini", f"azure/{NOT_DEPLOYED}"} <= models
    facts = server_facts("ogx" if generation.is_ogx else "llama-stack").model_validation
    assert "ignored" in facts
    assert "pass the availability check" in facts


async def test_tls_is_as_the_facts_say(generation: Generation) -> None:
    facts = server_facts("ogx" if generation.is_ogx else "llama-stack").tls
    if not generation.is_ogx:
        assert generation.stack.url.startswith("http://")
        assert facts.startswith("plain HTTP")
        return
    assert generation.stack.url.startswith("https://")
    assert facts.startswith("refuses to start without TLS")
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{generation.stack.port}/v1/version", timeout=5)
    from console.shared.diagnosis import DiagnosedError

    untrusted = StackSession(generation.stack.url)  # no --stack-ca-bundle
    with pytest.raises(DiagnosedError) as raised:
        await untrusted.info()
    await untrusted.aclose()
    assert raised.value.diagnosis.code == "TLS_UNTRUSTED"
    assert "--stack-ca-bundle" in raised.value.diagnosis.remedy


def test_check_passes_on_ogx_1_2_5_over_tls_with_an_ogx_config(tmp_path: Path) -> None:
    """The whole doctor, as an operator runs it, against the deployment lightspeed-stack 0.7.1 makes."""
    import json
    import os
    import subprocess
    import sys

    from console.sandbox.demo import DemoSandbox

    with DemoSandbox(server="ogx-1.2.5") as sandbox:
        info = sandbox.info
        assert info is not None
        assert info.stack_kind == "ogx"
        assert "\nogx:\n" in Path(info.lightspeed_config).read_text()
        assert info.stack_ca_bundle is not None
        done = subprocess.run(
            [sys.executable, "-m", "console", "check", "--json",
             "-c", info.lightspeed_config, "-i", info.run_config,
             "--authority", info.authority, "--ca-bundle", info.ca_bundle,
             "--stack-ca-bundle", info.stack_ca_bundle],
            env={**os.environ, **info.environ}, capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    steps = {step["step"]: step for step in json.loads(done.stdout)["steps"]}
    assert all(step["status"] == "pass" for step in steps.values()), steps
    assert "lightspeed-stack 0.7.x" in steps["config"]["summary"]
    assert "ogx 1.2.5" in steps["stack"]["summary"]
    assert OGX_HEADER in steps["stack"]["summary"]
