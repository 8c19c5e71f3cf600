"""Runs inside a server release's environment: its library client, booted as Lightspeed boots it.

`console.library.process` starts this file with the release's own python and talks to it in
JSON lines: one request per line on stdin, one answer per request (and a line per chunk of a
streamed answer) on the original stdout. Everything the library itself prints goes to stderr,
which the console keeps in a file (the library prints its whole resolved config when it
boots). End of stdin means the console is gone, whatever the cause: the runner exits at once.

Only the standard library is imported at module level; the release's own packages are
imported by name, so this file depends on nothing of the console's environment. What it
reports about a failure is what the release says: its own exception, its own message, and the
HTTP status its server would answer with (its own ``translate_exception``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import queue
import re
import shutil
import sys
import threading
import time
import traceback
from importlib import metadata
from typing import Any

MAX_TEXT = 4000
"""Longest message passed on; the console bounds what it reads as well."""
_PACKAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


class Runner:
    """One library client at a time, rebuilt on every ``boot`` (as at each token refresh)."""

    def __init__(self, client_class: Any, package: str, send: Any) -> None:
        self.client_class = client_class
        self.package = package
        self.send = send
        self.client: Any = None

    # --------------------------------------------------------------------- requests

    async def handle(self, request: dict[str, Any]) -> bool:
        """Answer one request; False when the runner should stop."""
        ident = request.get("id")
        op = request.get("op")
        handlers = {
            "boot": self.boot,
            "providers": self.providers,
            "models": self.models,
            "chat": self.chat,
        }
        if op == "shutdown":
            await self.shutdown()
            self.send({"id": ident, "ok": True, "result": None})
            return False
        handler = handlers.get(str(op))
        if handler is None:
            self.send({"id": ident, "ok": False, "error": {"type": "protocol", "message": op}})
            return True
        try:
            result = await handler(ident, request)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
            self.send({"id": ident, "ok": False, "error": self.describe(error, str(op))})
        else:
            self.send({"id": ident, "ok": True, "result": result})
        return True

    async def boot(self, _: Any, request: dict[str, Any]) -> dict[str, Any]:
        """A new client for ``config`` with ``provider_data``, initialized, as Lightspeed does."""
        await self.shutdown()
        started = time.perf_counter()
        try:
            client = self.client_class(
                request["config"], provider_data=request.get("provider_data")
            )
        except BaseException as error:
            raise _Phase("config", error) from error
        dropped = self.drop_missing(client.config) if request.get("drop_missing") else []
        try:
            await client.initialize()
        except BaseException as error:
            raise _Phase("initialize", error, self.provider_of(error, client.config)) from error
        self.client = client
        return {"seconds": time.perf_counter() - started, "dropped": dropped}

    async def providers(self, _: Any, __: dict[str, Any]) -> Any:
        """``providers.list()``, as plain data."""
        return plain(await self.booted().providers.list())

    async def models(self, _: Any, __: dict[str, Any]) -> Any:
        """``models.list()``, as plain data."""
        return plain(await self.booted().models.list())

    async def chat(self, ident: Any, request: dict[str, Any]) -> Any:
        """One chat completion; streamed chunks go out one line each, bounded in bytes."""
        client = self.booted()
        started = time.perf_counter()
        if not request.get("stream"):
            answer = await client.chat.completions.create(
                model=request["model"], messages=request["messages"], stream=False
            )
            return {"answer": plain(answer), "seconds": time.perf_counter() - started}
        limit = int(request.get("max_bytes") or 0)
        sent = 0
        chunks = await client.chat.completions.create(
            model=request["model"],
            messages=request["messages"],
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in chunks:
            line = plain(chunk)
            sent += len(json.dumps(line, default=str))
            if limit and sent > limit:
                raise _Limit(limit)
            self.send({"id": ident, "event": "chunk", "chunk": line})
        return {"seconds": time.perf_counter() - started}

    async def shutdown(self) -> None:
        """Shut the current client down, if any (its stores close; its state is temporary)."""
        client, self.client = self.client, None
        if client is not None:
            # A client that will not shut down is replaced regardless.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.shutdown(), 10)

    def booted(self) -> Any:
        if self.client is None:
            raise RuntimeError("the library client is not booted")
        return self.client

    # ------------------------------------------------------------------ providers

    def registry(self, config: Any) -> dict[Any, Any]:
        module = importlib.import_module(f"{self.package}.core.distribution")
        registry: dict[Any, Any] = module.get_provider_registry(config)
        return registry

    def drop_missing(self, config: Any) -> list[dict[str, Any]]:
        """Leave out the providers whose packages this environment lacks, and say which.

        A release's environment is not the deployment's image: a provider whose packages are
        missing here would still boot there. Left in, one such provider stops the whole boot;
        left out, the rest (the Azure path among it) is checked, and the caller reports the
        providers it could not check.
        """
        try:
            registry = self.registry(config)
        except BaseException:
            return []
        by_name = {getattr(api, "value", str(api)): specs for api, specs in registry.items()}
        dropped: list[dict[str, Any]] = []
        for api, providers in list(config.providers.items()):
            kept = []
            for provider in providers:
                spec = by_name.get(str(api), {}).get(provider.provider_type)
                missing = _missing_packages(spec) if spec is not None else []
                if missing:
                    dropped.append(
                        {
                            "api": str(api),
                            "provider_id": provider.provider_id,
                            "provider_type": provider.provider_type,
                            "missing": missing,
                        }
                    )
                else:
                    kept.append(provider)
            config.providers[api] = kept
        if dropped:
            _forget_providers(config, {entry["provider_id"] for entry in dropped})
        return dropped

    def provider_of(self, error: BaseException, config: Any) -> dict[str, Any] | None:
        """The provider an initialization error belongs to, when the error says so."""
        try:
            registry = self.registry(config)
        except BaseException:
            return None
        by_name = {getattr(api, "value", str(api)): specs for api, specs in registry.items()}
        title = getattr(error, "title", None)  # pydantic: the config class's name
        text = str(error)
        for api, providers in config.providers.items():
            for index, provider in enumerate(providers):
                spec = by_name.get(str(api), {}).get(provider.provider_type)
                found = {
                    "api": str(api),
                    "index": index,
                    "provider_id": provider.provider_id,
                    "provider_type": provider.provider_type,
                }
                if spec is None and f"`{provider.provider_type}`" in text:
                    return found
                config_class = str(getattr(spec, "config_class", "") or "")
                if title and config_class.rpartition(".")[2] == title:
                    return found
                name = getattr(error, "name", None)  # ModuleNotFoundError
                if name and spec is not None and name in _module_names(spec):
                    return found
        return None

    # ------------------------------------------------------------------- failures

    def describe(self, error: BaseException, op: str) -> dict[str, Any]:
        """What went wrong, in the release's own terms, as plain data."""
        phase, provider = op, None
        if isinstance(error, _Phase):
            phase, provider, error = error.phase, error.provider, error.error
        if isinstance(error, _Limit):
            return {"phase": phase, "type": "limit", "message": str(error), "limit": error.limit}
        kind = type(error)
        found: dict[str, Any] = {
            "phase": phase,
            "type": f"{kind.__module__}.{kind.__qualname__}",
            "message": _bounded(str(error)),
            "provider": provider,
        }
        for name in ("var_name", "path", "name", "errno", "filename", "status_code"):
            value = getattr(error, name, None)
            if isinstance(value, str | int) and not isinstance(value, bool):
                found[name] = value if isinstance(value, int) else _bounded(value)
        errors = getattr(error, "errors", None)
        if callable(errors) and kind.__name__ == "ValidationError":
            try:
                found["errors"] = [
                    {
                        "loc": [str(part) for part in item.get("loc", ())],
                        "msg": item.get("msg"),
                        "type": item.get("type"),
                    }
                    for item in errors(include_input=False, include_url=False)[:20]
                ]
                found["title"] = getattr(error, "title", None)
            except Exception:  # noqa: S110 - the message says it anyway
                pass
        found.update(self.as_server_would(error))
        found["where"] = _where(error)
        return found

    def as_server_would(self, error: BaseException) -> dict[str, Any]:
        """The status and detail the release's server answers this exception with."""
        if not isinstance(error, Exception):
            return {}
        try:
            module = importlib.import_module(f"{self.package}.core.exceptions.translation")
            http = module.translate_exception(error)
        except BaseException:
            return {}
        detail = http.detail if isinstance(http.detail, str) else json.dumps(http.detail)
        return {"status": int(http.status_code), "detail": _bounded(detail)}


class _Phase(Exception):
    """An error of one phase of the boot (reading the config, initializing), with its provider."""

    def __init__(
        self, phase: str, error: BaseException, provider: dict[str, Any] | None = None
    ) -> None:
        super().__init__(str(error))
        self.phase = phase
        self.error = error
        self.provider = provider


class _Limit(Exception):
    """A streamed answer grew past the bound the console asked for."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer exceeded {limit} bytes")
        self.limit = limit


# ------------------------------------------------------------------------------ helpers


def plain(value: Any) -> Any:
    """An SDK object (either generation's client) as JSON-ready data."""
    inner = getattr(value, "actual_instance", None)
    if inner is not None:
        return plain(inner)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def _package_names(spec: Any) -> list[str]:
    """The distribution names of a provider's ``pip_packages`` (flags and indexes left out)."""
    names: list[str] = []
    for entry in getattr(spec, "pip_packages", None) or []:
        words = str(entry).split()
        skip = False
        for word in words:
            if skip:
                skip = False
                continue
            if word.startswith("-"):
                skip = word in ("--extra-index-url", "--index-url", "-i")
                continue
            match = _PACKAGE_NAME.match(word)
            if match:
                names.append(match.group(0).rstrip("."))
    return names


def _missing_packages(spec: Any) -> list[str]:
    missing = []
    for name in _package_names(spec):
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def _module_names(spec: Any) -> set[str]:
    """Import names a provider may fail on: its packages' names, as modules."""
    return {name.replace("-", "_").lower() for name in _package_names(spec)} | {
        name.split("-")[0].lower() for name in _package_names(spec)
    }


def _forget_providers(config: Any, gone: set[str]) -> None:
    """Registered resources and defaults that name a provider left out go with it."""
    resources = getattr(config, "registered_resources", None)
    if resources is not None:
        for field in ("models", "vector_stores", "shields", "tool_groups", "benchmarks"):
            items = getattr(resources, field, None)
            if isinstance(items, list):
                setattr(
                    resources,
                    field,
                    [i for i in items if getattr(i, "provider_id", None) not in gone],
                )
    vector_stores = getattr(config, "vector_stores", None)
    if vector_stores is not None:
        default = getattr(vector_stores, "default_provider_id", None)
        embedding = getattr(
            getattr(vector_stores, "default_embedding_model", None), "provider_id", None
        )
        if default in gone or embedding in gone:
            config.vector_stores = None
    for api in [api for api, providers in config.providers.items() if not providers]:
        del config.providers[api]
        config.apis = [a for a in config.apis if getattr(a, "value", a) != str(api)]


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _where(error: BaseException) -> list[str]:
    """The last frames of the error (file:line function), without their variables."""
    frames = traceback.extract_tb(error.__traceback__)[-6:]
    return [f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in frames]


# ---------------------------------------------------------------------------- the loop


def main() -> int:
    """Import the release's client, say so, then answer requests until stdin ends."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # what the library prints goes where the console keeps its log
    sys.stdout = sys.stderr
    lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        line = json.dumps(message, default=str)
        with lock:
            protocol.write(line + "\n")
            protocol.flush()

    spec, package, workdir = sys.argv[1], sys.argv[2], sys.argv[3]
    requests: queue.Queue[bytes] = queue.Queue()
    # Watching stdin starts before the (slow) imports: a console gone meanwhile ends us too.
    threading.Thread(target=_read, args=(requests, workdir), name="requests", daemon=True).start()
    started = time.perf_counter()
    try:
        module_name, _, class_name = spec.partition(":")
        client_class = getattr(importlib.import_module(module_name), class_name)
        version = metadata.version(package.replace("_", "-"))
    except BaseException as error:
        kind = type(error)
        failure = {
            "phase": "import",
            "type": f"{kind.__module__}.{kind.__qualname__}",
            "message": _bounded(str(error)),
            "name": getattr(error, "name", None),
        }
        send({"event": "failed", "error": failure})
        return 1
    send({"event": "ready", "version": version, "import_s": time.perf_counter() - started})
    return asyncio.run(_serve(Runner(client_class, package, send), requests))


def _read(requests: queue.Queue[bytes], workdir: str) -> None:
    """Pass stdin's lines on; at its end the console closed the pipe or is gone: leave now."""
    for line in sys.stdin.buffer:
        requests.put(line)
    shutil.rmtree(workdir, ignore_errors=True)  # its temp folder, whoever removes it first
    os._exit(0)


async def _serve(runner: Runner, requests: queue.Queue[bytes]) -> int:
    while True:
        line = await asyncio.to_thread(requests.get)
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if isinstance(request, dict) and not await runner.handle(request):
            return 0


if __name__ == "__main__":
    sys.exit(main())
