"""``check`` against the demo sandbox (real llama-stack server) and its two peers.

- the floor: the same live calls made with plain httpx in a fresh interpreter (token POST
  to the Entra stand-in, GET /v1/version, /v1/providers, /v1/models, POST
  /v1/chat/completions with the provider-data header);
- the peer: ``llama-stack-client --endpoint URL providers list`` (one listing).

All three are fresh processes started from the venv's scripts (no ``uv run`` in front).
"""

from __future__ import annotations

from bench.common import Measurement, ratio_goal, run_child, run_command, venv_script
from console.sandbox.demo import DemoInfo


def _check_argv(info: DemoInfo) -> list[str]:
    return [
        venv_script("lightspeed-console"),
        "check",
        "-c",
        info.lightspeed_config,
        "--authority",
        info.authority,
        "--ca-bundle",
        info.ca_bundle,
    ]


def _httpx_args(info: DemoInfo, model: str) -> list[str]:
    return [
        f"{info.authority}/{info.tenant_id}/oauth2/v2.0/token",
        info.ca_bundle,
        info.client_id,
        info.client_secret,
        info.scope,
        info.stack_url,
        info.azure_base_url,
        model,
    ]


def measure(info: DemoInfo, runs: int = 4) -> list[Measurement]:
    """Interleaved runs of the three; fails loudly if ``check`` does not pass."""
    env = dict(info.environ)
    model = info.model_id
    listing = [venv_script("llama-stack-client"), "--endpoint", info.stack_url, "providers", "list"]
    check_s: list[float] = []
    httpx_s: list[float] = []
    listing_s: list[float] = []
    for index in range(runs + 1):  # the first round warms caches and is dropped
        seconds, done = run_command(_check_argv(info), env=env)
        if done.returncode != 0:
            raise RuntimeError(f"check failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        _, _, floor = run_child("bench.children.live_httpx", _httpx_args(info, model), env=env)
        peer, listed = run_command(listing, env=env)
        if listed.returncode != 0:
            raise RuntimeError(f"llama-stack-client failed: {listed.stderr[-1500:]}")
        if index:
            check_s.append(seconds)
            httpx_s.append(floor)
            listing_s.append(peer)
    kind = info.stack_release
    vs_httpx = ratio_goal(
        f"check, fresh process ({kind})",
        check_s,
        httpx_s,
        "same calls, plain httpx",
        factor=float("inf"),
    )
    vs_httpx.goal = "(reference)"
    vs_httpx.ok = True
    vs_listing = ratio_goal(
        f"check, fresh process ({kind})",
        check_s,
        listing_s,
        "llama-stack-client providers list",
        factor=1.0,
    )
    return [vs_httpx, vs_listing]
