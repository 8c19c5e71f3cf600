"""``check`` against the demo sandbox (real llama-stack server) and its two peers.

- the floor: the same live calls made with plain httpx in a fresh interpreter (token POST
  to the Entra stand-in, GET /v1/version, /v1/providers, /v1/models, POST
  /v1/chat/completions with the provider-data header);
- the peer: ``llama-stack-client --endpoint URL providers list`` (one listing).

All three are fresh processes started from the venv's scripts (no ``uv run`` in front).

Where ``check``'s time goes beyond the floor is reported as notes on its row: the same
command run in-process with stamps (`bench.children.check_breakdown`) in every round, its
phases as medians, and one run of it under ``-X importtime`` split by the same phases.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from bench.common import (
    REPO,
    Measurement,
    child_env,
    median,
    ratio_goal,
    run_child,
    run_command,
    venv_script,
)
from console.sandbox.demo import DemoInfo

BREAKDOWN = "bench.children.check_breakdown"
PHASE_MARK = "bench-phase: "
"""What the child writes to stderr at each phase boundary."""
COUNT_OBJECTS = "BENCH_COUNT_OBJECTS"
FREEZE_AT_EXIT = "BENCH_FREEZE_AT_EXIT"
"""The child's switches (environment variables): count the tracked objects at the end, and
``gc.freeze()`` once ``main`` returned (what the exit costs without its collections)."""
STEPS = ("config", "findings", "enrichment", "stack", "providers", "token", "inference")
SDK_LOAD = "llama_stack_client import and warm-up"
WARM_UP = "console.stack.sdk:load_llama_stack_client"
SYSTEM_TLS = "console.stack.sdk:_system_context"
PREPARE = "prepare the context"
TARGET = "target for the doctor"
CREDENTIAL = "azure-identity credential"
TOKEN_REQUEST = "token request (credential and get_token)"
FLOOR_REQUESTS = 5
"""The floor's HTTP requests: the token, the version, providers, models, one chat."""


def _check_argv(info: DemoInfo) -> list[str]:
    return [venv_script("lightspeed-console"), *_check_words(info)]


def _check_words(info: DemoInfo) -> list[str]:
    return [
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
    floor_calls: list[float] = []
    stamped: list[dict[str, Any]] = []
    frozen_exit: list[float] = []
    for index in range(runs + 1):  # the first round warms caches and is dropped
        seconds, done = run_command(_check_argv(info), env=env)
        if done.returncode != 0:
            raise RuntimeError(f"check failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        calls, _, floor = run_child("bench.children.live_httpx", _httpx_args(info, model), env=env)
        peer, listed = run_command(listing, env=env)
        if listed.returncode != 0:
            raise RuntimeError(f"llama-stack-client failed: {listed.stderr[-1500:]}")
        data, spawned, wall = run_child(BREAKDOWN, _check_words(info), env=env)
        frozen, frozen_spawned, frozen_wall = run_child(
            BREAKDOWN, _check_words(info), env=env | {FREEZE_AT_EXIT: "1"}
        )
        if index:
            check_s.append(seconds)
            httpx_s.append(floor)
            listing_s.append(peer)
            floor_calls.append(calls["calls_s"])
            stamped.append(data | {"spawned": spawned, "wall": wall})
            frozen_exit.append(frozen_spawned + frozen_wall - frozen["returned"])
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
    profile = import_profile(info, env)
    vs_httpx.notes += breakdown_notes(
        stamped,
        median(floor_calls),
        median(httpx_s),
        profile,
        median(frozen_exit),
        plain=info.stack_url.startswith("http://"),
    )
    vs_listing = ratio_goal(
        f"check, fresh process ({kind})",
        check_s,
        listing_s,
        "llama-stack-client providers list",
        factor=1.0,
    )
    return [vs_httpx, vs_listing]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def phases(data: Mapping[str, Any]) -> dict[str, float]:
    """One stamped run's phases in seconds, from the spawn to the exit, with their parts."""
    steps: dict[str, list[float]] = data["steps"]
    blocking = data["blocking"]
    first, last = steps[STEPS[0]][0], steps[STEPS[-1]][1]
    out = {
        "interpreter start": data["start"] - data["spawned"],
        "command start": first - data["start"],
        "command start: prepare": _within(blocking, PREPARE, data["start"], first),
        "command start: target": _within(blocking, TARGET, data["start"], first),
    }
    for step in STEPS:
        began, ended = steps[step]
        out[step] = ended - began
        if step == "stack":
            out["stack: sdk"] = _within(blocking, SDK_LOAD, began, ended)
            out["stack: warm-up client"] = _within(
                data["clients"], "AsyncLlamaStackClient", began, ended, by=WARM_UP
            )
            out["stack: system TLS"] = _tls_within(data["tls"], began, ended, by=SYSTEM_TLS)
            out["stack: version call"] = _calls(data, "/v1/version")
            loads = [e["at"] for e in blocking if e["kind"] == SDK_LOAD and began <= e["at"]]
            out["stack: before the sdk"] = (min(loads) if loads else ended) - began
            out["stack: other"] = (
                out[step]
                - out["stack: before the sdk"]
                - out["stack: sdk"]
                - out["stack: version call"]
            )
        elif step == "providers":
            out["providers: calls"] = _calls(data, "/v1/providers", "/v1/models")
        elif step == "token":
            out["token: credential"] = _within(blocking, CREDENTIAL, began, ended)
            out["token: request"] = _within(blocking, TOKEN_REQUEST, began, ended)
            out["token: calls"] = _calls(data, "/openid-configuration", "/token")
            out["token: TLS"] = _tls_within(data["tls"], began, ended)
        elif step == "inference":
            out["inference: chat call"] = _calls(data, "/chat/completions")
    out["between steps"] = (last - first) - sum(out[step] for step in STEPS)
    out["after the steps"] = data["returned"] - last
    out["exit"] = data["spawned"] + data["wall"] - data["returned"]
    out["collections"] = float(sum(seconds for _, seconds in data["gc"]))
    out["full collections"] = float(sum(seconds for gen, seconds in data["gc"] if gen == 2))
    return out


def _within(
    entries: Iterable[Mapping[str, Any]],
    kind: str,
    began: float,
    ended: float,
    *,
    by: str | None = None,
) -> float:
    return float(
        sum(
            e["s"]
            for e in entries
            if e["kind"] == kind and began <= e["at"] <= ended and by in (None, e["by"])
        )
    )


def _tls_within(
    entries: Iterable[Mapping[str, Any]], began: float, ended: float, *, by: str | None = None
) -> float:
    """TLS contexts built and CA loads, for ``by`` (a console function) or anyone."""
    return float(
        sum(e["s"] for e in entries if began <= e["at"] <= ended and by in (None, e["console"]))
    )


def _calls(data: Mapping[str, Any], *endings: str) -> float:
    return float(sum(h["s"] for h in data["http"] if h["url"].endswith(endings)))


def breakdown_notes(
    runs: list[dict[str, Any]],
    floor_calls: float,
    floor: float,
    profile: Mapping[str, Any],
    frozen_exit: float,
    *,
    plain: bool,
) -> list[str]:
    """Where ``check``'s time goes (medians of the stamped runs), and what it builds."""
    per: dict[str, list[float]] = defaultdict(list)
    for data in runs:
        for name, seconds in phases(data).items():
            per[name].append(seconds)
    m = {name: _ms(median(values)) for name, values in per.items()}
    total = median([data["wall"] for data in runs])
    last = runs[-1]
    full = [seconds for gen, seconds in last["gc"] if gen == 2]
    return [
        f"where check's time goes (the same command in-process with stamps, "
        f"{BREAKDOWN}; medians of {len(runs)} runs, {_ms(total)} ms in all; ms): "
        f"interpreter start {m['interpreter start']}; "
        f"command start {m['command start']} (imports and the argument parser, "
        f"the settings {m['command start: prepare']}, the target {m['command start: target']}); "
        f"config load {m['config']}; findings {m['findings']}; enrichment {m['enrichment']}; "
        f"stack {m['stack']} (before the SDK {m['stack: before the sdk']}: "
        "console.stack.session and httpx imported; "
        f"llama_stack_client import and warm-up {m['stack: sdk']}, "
        f"of which the system's TLS context {m['stack: system TLS']} and the warm-up's "
        f"throwaway client {m['stack: warm-up client']} (with its own TLS context); "
        f"version call {m['stack: version call']}; "
        f"the rest {m['stack: other']}); "
        f"providers {m['providers']} (2 calls {m['providers: calls']}); "
        f"token {m['token']} (azure-identity import and credential {m['token: credential']}, "
        f"2 calls {m['token: calls']}, TLS {m['token: TLS']}, whole request "
        f"{m['token: request']}); "
        f"inference {m['inference']} (chat call {m['inference: chat call']}); "
        f"between steps {m['between steps']}; after the steps {m['after the steps']}; "
        f"exit {m['exit']} (the interpreter's finalization: its collections walk the "
        f"{profile['objects']} objects tracked; with gc.freeze() once main returned: "
        f"{_ms(frozen_exit)}); the floor: its calls {_ms(floor_calls)} "
        f"of {_ms(floor)} ms",
        f"collector during the run: {m['collections']} ms in all, full collections "
        f"{m['full collections']} ms ({len(full)} in the last run, "
        f"{', '.join(_ms(s) for s in full)} ms)",
        "imports (one stamped run under -X importtime, self ms, inflated by it): "
        f"total {profile['total']}; by phase: "
        + "; ".join(profile["by_phase"])
        + f"; by package: {profile['by_package']}",
        f"HTTP requests: {len(last['http'])} (the floor: {FLOOR_REQUESTS}): "
        + ", ".join(f"{h['lib']} {_path(h['url'])} {_ms(h['s'])}" for h in last["http"]),
        "clients built (last run; the warm-up's SDK client builds its own httpx client, "
        "whose time is in both): " + _clients(last["clients"]),
        _tls_note(last["tls"], plain=plain),
        "threads alive when main returned: "
        + (
            ", ".join(f"{t['name']}{' (daemon)' if t['daemon'] else ''}" for t in last["threads"])
            or "none"
        ),
    ]


def _path(url: str) -> str:
    """``METHOD /path``: the host and port are the sandbox's, and the tenant is noise."""
    method, _, address = url.partition(" ")
    path = "/" + address.split("://", 1)[-1].partition("/")[2]
    parts = path.split("/")
    if len(parts) > 2 and len(parts[1]) == 36:  # the tenant id
        parts[1] = "{tenant}"
    return f"{method} {'/'.join(parts)}"


def _counted(items: Iterable[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return ", ".join(f"{n} x {item}" for item, n in counts.items()) or "none"


def _clients(clients: list[dict[str, Any]]) -> str:
    """Count and construction time per kind and caller."""
    groups: dict[str, list[float]] = defaultdict(list)
    for client in clients:
        groups[f"{client['kind']} by {client['by']}"].append(client["s"])
    return ", ".join(
        f"{len(times)} x {name} {_ms(sum(times))} ms" for name, times in groups.items()
    )


def _tls_note(tls: list[dict[str, Any]], *, plain: bool) -> str:
    """TLS contexts built and CA certificates loaded, by caller, in one stamped run."""
    contexts = [t for t in tls if t["kind"] == "context"]
    loads = [t for t in tls if t["kind"] != "context"]
    made = _counted(f"{t['by']} for {t['console']}" for t in contexts)
    loaded = ", ".join(f"{t['kind']} by {t['by']} {_ms(t['s'])} ms" for t in loads)
    seconds = sum(t["s"] for t in tls)
    return (
        f"TLS: {len(contexts)} contexts built ({made}); {len(loads)} CA loads "
        f"({loaded or 'none'}); {_ms(seconds)} ms in all"
        + ("; the stack is plain HTTP here, only the authority's requests use TLS" if plain else "")
        + " (the floor builds 2: its two clients')"
    )


def _top(microseconds: Mapping[str, int], count: int) -> str:
    ranked = sorted(microseconds.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{name} {_ms(us / 1e6)}" for name, us in ranked)


def import_profile(info: DemoInfo, env: dict[str, str]) -> dict[str, Any]:
    """One stamped run under ``-X importtime``: self time by phase (with its top packages) and
    by top-level package, as text, and the objects the collector tracks when ``main`` returns."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", BREAKDOWN, *_check_words(info)],
        cwd=REPO,
        env=child_env(env | {COUNT_OBJECTS: "1"}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{BREAKDOWN} under -X importtime failed: {done.stderr[-1500:]}")
    phase = "before the command"
    by_phase: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_package: dict[str, int] = defaultdict(int)
    for line in done.stderr.splitlines():
        if line.startswith(PHASE_MARK):
            phase = line.removeprefix(PHASE_MARK)
            continue
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_part, _, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        by_phase[phase][package] += int(self_part)
        by_package[package] += int(self_part)
    data = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    lines = [
        f"{p} {_ms(sum(packages.values()) / 1e6)} ({_top(packages, 3)})"
        for p, packages in by_phase.items()
        if sum(packages.values()) >= 1000
    ]
    return {
        "total": _ms(sum(by_package.values()) / 1e6),
        "by_phase": lines,
        "by_package": _top(by_package, 12),
        "objects": data["objects"],
    }
