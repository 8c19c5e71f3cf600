"""The catalogue of faults the stand-ins can inject, by the names the CLI and tests use.

Every stand-in keeps a small mutable faults object (e.g. `console.sandbox.entra.faults.EntraFaults`)
that its request handlers read on each request, so a fault can be switched on or off while
the server runs. This module only maps a public name such as ``entra-429`` to the service it
concerns and the attributes it sets on that service's faults object; it knows nothing about
the services themselves. To add a fault, add a `FaultSpec` to `FAULTS` (or call `register`).

A name may carry an argument, ``entra-latency=2.5``: the argument replaces the value of the
spec's ``arg`` attribute, converted with ``convert``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, fields, is_dataclass
from typing import Any, Protocol


class CountsFailures(Protocol):
    """A faults object whose failures may be limited to the first N requests."""

    fail_count: int | None


def take_failure(faults: CountsFailures, lock: threading.Lock) -> bool:
    """Whether this request gets the fault (``fail_count``, when set, counts down to 0)."""
    with lock:
        if faults.fail_count is None:
            return True
        if faults.fail_count <= 0:
            return False
        faults.fail_count -= 1
        return True


class UnknownFaultError(ValueError):
    """A fault name that is not in the catalogue, or an argument it cannot take."""


MAX_FAULT_SECONDS = 3600.0


def seconds(text: str) -> float:
    """A fault's delay: finite, 0 to an hour (``inf`` and ``nan`` parse, and are no delay)."""
    value = float(text)
    if not math.isfinite(value) or not 0 <= value <= MAX_FAULT_SECONDS:
        raise ValueError(f"seconds from 0 to {MAX_FAULT_SECONDS:g}, not {text!r}")
    return value


def whole_seconds(text: str) -> int:
    """A fault's whole number of seconds (a Retry-After, a token lifetime): 0 to an hour."""
    value = int(text)
    if not 0 <= value <= MAX_FAULT_SECONDS:
        raise ValueError(f"seconds from 0 to {MAX_FAULT_SECONDS:g}, not {text!r}")
    return value


def http_status(text: str) -> int:
    """An HTTP status a fault answers with: 100 to 599."""
    value = int(text)
    if not 100 <= value <= 599:
        raise ValueError(f"an HTTP status (100-599), not {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """One named fault: which service it concerns and which attributes it sets there."""

    name: str
    service: str
    description: str
    sets: Mapping[str, Any]
    arg: str | None = None
    convert: Callable[[str], Any] = str
    arg_help: str = ""

    def values(self, argument: str | None = None) -> dict[str, Any]:
        """The attribute values this fault sets, with ``argument`` applied if given."""
        values = dict(self.sets)
        if argument is not None:
            if self.arg is None:
                raise UnknownFaultError(f"fault {self.name!r} takes no argument")
            try:
                values[self.arg] = self.convert(argument)
            except ValueError as exc:
                raise UnknownFaultError(f"bad argument for {self.name!r}: {argument!r}") from exc
        return values

    @property
    def usage(self) -> str:
        return f"{self.name}[={self.arg_help or self.arg}]" if self.arg else self.name


_ENTRA: tuple[FaultSpec, ...] = (
    FaultSpec(
        "entra-latency",
        "entra",
        "delay every Entra ID answer (discovery, token, keys) by N seconds",
        {"latency_s": 0.5},
        arg="latency_s",
        convert=seconds,
        arg_help="seconds",
    ),
    FaultSpec(
        "entra-slow",
        "entra",
        "delay the token endpoint by N seconds, long enough to hit client read timeouts",
        {"token_latency_s": 15.0},
        arg="token_latency_s",
        convert=seconds,
        arg_help="seconds",
    ),
    FaultSpec(
        "entra-429",
        "entra",
        "token endpoint answers 429 with Retry-After and AADSTS50196 (throttled)",
        {"token_status": 429, "retry_after_s": 1},
        arg="retry_after_s",
        convert=whole_seconds,
        arg_help="retry-after seconds",
    ),
    FaultSpec(
        "entra-503",
        "entra",
        "token endpoint answers 503 temporarily_unavailable with Retry-After",
        {"token_status": 503, "retry_after_s": 1},
        arg="retry_after_s",
        convert=whole_seconds,
        arg_help="retry-after seconds",
    ),
    FaultSpec(
        "entra-drop",
        "entra",
        "token endpoint closes the connection without answering",
        {"drop": True},
    ),
    FaultSpec(
        "entra-expired-secret",
        "entra",
        "every client secret is expired (AADSTS7000222)",
        {"expired_secret": True},
    ),
    FaultSpec(
        "entra-discovery-down",
        "entra",
        "OpenID discovery answers 503, so new credentials cannot find the token endpoint",
        {"discovery_status": 503, "retry_after_s": 1},
    ),
    FaultSpec(
        "entra-short-token",
        "entra",
        "issue tokens that live N seconds (the sync credential refetches under 5 minutes)",
        {"token_lifetime_s": 60},
        arg="token_lifetime_s",
        convert=whole_seconds,
        arg_help="seconds",
    ),
    FaultSpec(
        "entra-wrong-audience",
        "entra",
        "issue tokens for another audience than the scope asked for",
        {"wrong_audience": True},
    ),
    FaultSpec(
        "entra-forged",
        "entra",
        "sign tokens with a key nobody trusts (invalid signature downstream)",
        {"forge_signature": True},
    ),
)

FAULTS: dict[str, FaultSpec] = {spec.name: spec for spec in _ENTRA}


def register(*specs: FaultSpec) -> None:
    """Add faults to the catalogue; a name may be registered only once."""
    for spec in specs:
        if spec.name in FAULTS and FAULTS[spec.name] != spec:
            raise ValueError(f"fault {spec.name!r} is already registered")
        FAULTS[spec.name] = spec


def parse(text: str) -> tuple[FaultSpec, dict[str, Any]]:
    """``"entra-latency=2"`` -> (spec, {"latency_s": 2.0})."""
    name, sep, argument = text.strip().partition("=")
    spec = FAULTS.get(name)
    if spec is None:
        known = ", ".join(sorted(FAULTS))
        raise UnknownFaultError(f"unknown fault {name!r}; known faults: {known}")
    return spec, spec.values(argument if sep else None)


def apply(names: Iterable[str], targets: Mapping[str, object]) -> list[FaultSpec]:
    """Switch on the named faults on the faults objects in ``targets`` (service -> object).

    Everything is parsed and checked before anything is set, so a typo changes nothing.
    """
    planned: list[tuple[FaultSpec, dict[str, Any]]] = [parse(name) for name in names]
    for spec, values in planned:
        target = targets.get(spec.service)
        if target is None:
            raise UnknownFaultError(f"fault {spec.name!r} needs the {spec.service} stand-in")
        for attribute in values:
            if not hasattr(target, attribute):
                raise UnknownFaultError(f"{spec.service} faults have no attribute {attribute!r}")
    for spec, values in planned:
        target = targets[spec.service]
        for attribute, value in values.items():
            setattr(target, attribute, value)
    return [spec for spec, _ in planned]


def reset(target: object) -> None:
    """Switch every fault of one faults object off (back to its dataclass defaults)."""
    if not is_dataclass(target) or isinstance(target, type):
        raise TypeError("reset() expects a dataclass instance")
    for f in fields(target):
        if f.default is not MISSING:
            setattr(target, f.name, f.default)
        elif f.default_factory is not MISSING:
            setattr(target, f.name, f.default_factory())


def catalogue(service: str | None = None) -> list[FaultSpec]:
    """The registered faults (of one service, if given), sorted by name, for help texts."""
    return sorted(
        (s for s in FAULTS.values() if service is None or s.service == service),
        key=lambda s: s.name,
    )


# Azure OpenAI stand-in (`console.sandbox.azure_openai.faults.AzureFaults`).
_AZURE: tuple[FaultSpec, ...] = (
    FaultSpec(
        "azure-latency",
        "azure",
        "delay every Azure OpenAI answer by N seconds",
        {"latency_s": 0.5},
        arg="latency_s",
        convert=seconds,
        arg_help="seconds",
    ),
    FaultSpec(
        "azure-500",
        "azure",
        "chat and models answer 500 server_error after authentication (Llama Stack retries 3x)",
        {"status": 500},
    ),
    FaultSpec(
        "azure-503",
        "azure",
        "chat and models answer 503 ServiceUnavailable after authentication",
        {"status": 503},
    ),
    FaultSpec(
        "azure-429",
        "azure",
        "chat and models answer 429 (token rate limit) with Retry-After",
        {"status": 429, "retry_after_s": 1},
        arg="retry_after_s",
        convert=whole_seconds,
        arg_help="retry-after seconds",
    ),
    FaultSpec(
        "azure-401",
        "azure",
        "every bearer token is refused with Azure's 401 (as for a token from another tenant)",
        {"always_401": True},
    ),
    FaultSpec(
        "azure-no-role",
        "azure",
        "valid tokens get 401 PermissionDenied: the app lacks the Cognitive Services OpenAI role",
        {"no_role": True},
    ),
    FaultSpec(
        "azure-slow-stream",
        "azure",
        "wait N seconds between streamed chunks",
        {"stream_delay_s": 0.5},
        arg="stream_delay_s",
        convert=seconds,
        arg_help="seconds",
    ),
    FaultSpec(
        "azure-drop",
        "azure",
        "close the connection without answering",
        {"drop": True},
    ),
)

# Llama Stack stand-in (`console.sandbox.llama_stack.faults.StackFaults`).
_STACK: tuple[FaultSpec, ...] = (
    FaultSpec(
        "stack-down",
        "stack",
        "the server is not running: connection refused (dropped if switched on while running)",
        {"down": True},
    ),
    FaultSpec(
        "stack-500",
        "stack",
        "every route answers 500 Internal server error",
        {"status": 500},
        arg="status",
        convert=http_status,
        arg_help="status",
    ),
    FaultSpec(
        "stack-slow",
        "stack",
        "delay every Llama Stack answer by N seconds",
        {"latency_s": 2.0},
        arg="latency_s",
        convert=seconds,
        arg_help="seconds",
    ),
    FaultSpec(
        "stack-not-json",
        "stack",
        "every route answers 200 with an HTML page (a proxy in the way)",
        {"not_json": True},
    ),
    FaultSpec(
        "stack-header-dropped",
        "stack",
        "the provider-data header is ignored, as behind a proxy that strips it",
        {"ignore_provider_data": True},
    ),
)

register(*_AZURE, *_STACK)
