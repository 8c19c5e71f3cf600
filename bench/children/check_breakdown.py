"""``check`` through the CLI, in-process, stamped: where its time goes and what it builds.

argv: the CLI words (``check -c ... --authority ... --ca-bundle ...``). Runs
``console.cli.main`` as the console script does and prints, last on stdout, one JSON line:
the monotonic stamps of its start, of each doctor step and of ``main``'s return (the parent
adds the spawn and the exit), the blocking pieces inside the steps (the llama-stack-client
import and warm-up, the azure-identity credential and token request), every HTTP request
(httpx, requests), the SDK clients constructed, every TLS context and CA load with its
caller, each cyclic collection, and the threads alive when ``main`` returned (the exit joins
the non-daemon ones).

A marker line goes to stderr at each phase boundary, so a run under ``-X importtime`` can be
split by phase. A module is patched right after the command itself imports it (a meta path
hook wraps its loader), so each import's cost stays in the phase where ``check`` pays it;
only ssl and the doctor's runner, which ``check`` imports before its first step anyway, are
imported up front.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()

import functools  # noqa: E402 - the stamp above comes first
import gc  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import ssl  # noqa: E402 - check imports it before its first step anyway
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

record: dict[str, Any] = {
    "start": STARTED,
    "steps": {},
    "blocking": [],
    "http": [],
    "clients": [],
    "tls": [],
    "gc": [],
}
COUNT_OBJECTS = "BENCH_COUNT_OBJECTS"
"""Set: also count the objects the collector tracks when ``main`` returns (it takes a while,
so the timed runs do not)."""
FREEZE_AT_EXIT = "BENCH_FREEZE_AT_EXIT"
"""Set: ``gc.freeze()`` once ``main`` has returned, to see what the exit costs without the
finalization's collections."""
OWN_FILES = (__file__, ssl.__file__, functools.__file__)


def mark(phase: str) -> None:
    """A phase boundary, for the ``-X importtime`` run's split (stderr, in import order)."""
    print(f"bench-phase: {phase}", file=sys.stderr, flush=True)


def caller() -> str:
    """``module:function`` of the nearest frame outside ssl and this child."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename in OWN_FILES:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "?"
    return f"{frame.f_globals.get('__name__', '?')}:{frame.f_code.co_name}"


def console_caller() -> str:
    """``module:function`` of the nearest frame in the console's own code."""
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name.startswith("console."):
            return f"{name}:{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


def timed_into(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a function so each call is recorded under ``kind`` with its start and duration."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.monotonic()
            try:
                return original(*args, **kwargs)
            finally:
                record["blocking"].append(
                    {
                        "kind": kind,
                        "at": began,
                        "s": time.monotonic() - began,
                        "by": console_caller(),
                    }
                )

        return wrapper

    return wrap


def patch_ssl() -> None:
    """Count TLS contexts and CA loads, with their callers and the time they take."""
    context = ssl.SSLContext
    original_new = context.__new__

    def new(cls: type[ssl.SSLContext], *args: Any, **kwargs: Any) -> ssl.SSLContext:
        began = time.monotonic()
        made = original_new(cls, *args, **kwargs)
        entry = {"kind": "context", "at": began, "s": time.monotonic() - began, "by": caller()}
        record["tls"].append(entry | {"console": console_caller()})
        return made

    context.__new__ = new  # type: ignore[method-assign, assignment]
    inside = threading.local()  # load_default_certs calls set_default_verify_paths: one load
    for name in ("load_verify_locations", "load_default_certs", "set_default_verify_paths"):
        original = getattr(context, name)

        def load(
            self: ssl.SSLContext, *args: Any, _o: Any = original, _n: str = name, **kw: Any
        ) -> Any:
            if getattr(inside, "loading", False):
                return _o(self, *args, **kw)
            inside.loading = True
            began = time.monotonic()
            try:
                return _o(self, *args, **kw)
            finally:
                inside.loading = False
                entry = {"kind": _n, "at": began, "s": time.monotonic() - began, "by": caller()}
                record["tls"].append(entry | {"console": console_caller()})

        setattr(context, name, load)


def patch_httpx(module: ModuleType) -> None:
    """Each request's method, URL and duration; each client constructed."""
    for cls_name in ("Client", "AsyncClient"):
        cls = getattr(module, cls_name)
        init = cls.__init__

        def construct(self: Any, *args: Any, _i: Any = init, _c: str = cls_name, **kw: Any) -> None:
            began = time.monotonic()
            _i(self, *args, **kw)
            record["clients"].append(
                {
                    "kind": f"httpx.{_c}",
                    "at": began,
                    "s": time.monotonic() - began,
                    "by": console_caller(),
                }
            )

        cls.__init__ = construct
    send = module.AsyncClient.send

    async def asend(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        began = time.monotonic()
        try:
            return await send(self, request, *args, **kwargs)
        finally:
            record["http"].append(
                {
                    "lib": "httpx",
                    "url": f"{request.method} {request.url}",
                    "at": began,
                    "s": time.monotonic() - began,
                }
            )

    module.AsyncClient.send = asend


def patch_requests(module: ModuleType) -> None:
    """Each request azure-identity makes through ``requests``."""
    session = module.sessions.Session
    send = session.send

    def timed_send(self: Any, request: Any, **kwargs: Any) -> Any:
        began = time.monotonic()
        try:
            return send(self, request, **kwargs)
        finally:
            record["http"].append(
                {
                    "lib": "requests",
                    "url": f"{request.method} {request.url}",
                    "at": began,
                    "s": time.monotonic() - began,
                }
            )

    session.send = timed_send


def patch_selection(module: ModuleType) -> None:
    """The command's context: the settings file, ``-d``, the env file."""
    timed = timed_into("prepare the context")(module.prepare)
    setattr(module, "prepare", timed)  # noqa: B010 - a module attribute


def patch_live_options(module: ModuleType) -> None:
    """The deployment the doctor checks, from the options and the context."""
    timed = timed_into("target for the doctor")(module.target_for)
    setattr(module, "target_for", timed)  # noqa: B010 - a module attribute


def watch_collector() -> None:
    """Each cyclic collection while the command runs: its generation and duration."""
    began: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began.append(time.monotonic())
        elif began:
            record["gc"].append([info["generation"], time.monotonic() - began.pop()])

    gc.callbacks.append(callback)


def patch_sdk(module: ModuleType) -> None:
    """The llama-stack-client import and warm-up, timed where the console makes it."""
    timed = timed_into("llama_stack_client import and warm-up")(module.load_llama_stack_client)
    setattr(module, "load_llama_stack_client", timed)  # noqa: B010 - a module attribute


def patch_client(module: ModuleType) -> None:
    """Each SDK client constructed (the console's and the warm-up's)."""
    cls = module.AsyncLlamaStackClient
    init = cls.__init__

    def construct(self: Any, *args: Any, **kwargs: Any) -> None:
        began = time.monotonic()
        init(self, *args, **kwargs)
        record["clients"].append(
            {
                "kind": "AsyncLlamaStackClient",
                "at": began,
                "s": time.monotonic() - began,
                "by": console_caller(),
            }
        )

    cls.__init__ = construct


def patch_manager(module: ModuleType) -> None:
    """The token request's pieces: the credential built, then the whole request."""
    manager = module.TokenManager
    manager._new_credential = timed_into("azure-identity credential")(manager._new_credential)
    manager._request_token = timed_into("token request (credential and get_token)")(
        manager._request_token
    )


HOOKS: dict[str, Callable[[ModuleType], None]] = {
    "httpx": patch_httpx,
    "requests": patch_requests,
    "console.stack.sdk": patch_sdk,
    "llama_stack_client": patch_client,
    "console.entra.manager": patch_manager,
    "console.commands.selection": patch_selection,
    "console.commands.live": patch_live_options,
}


class _Patched(importlib.abc.Loader):
    """The module's own loader, and the hook run right after the module is executed."""

    def __init__(self, loader: Any, hook: Callable[[ModuleType], None]) -> None:
        self.loader = loader
        self.hook = hook

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        made: ModuleType | None = self.loader.create_module(spec)
        return made

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        self.hook(module)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds a hooked module with the other finders and wraps its loader."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        hook = HOOKS.get(fullname)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            spec: importlib.machinery.ModuleSpec | None = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _Patched(spec.loader, hook)
                return spec
        return None


def patch_steps() -> None:
    """Stamp each doctor step (``Doctor.run_step``), and mark the phase for importtime."""
    from console.doctor.runner import Doctor

    run_step = Doctor.run_step

    async def stamped(self: Doctor, step_id: Any, params: Any = None) -> Any:
        mark(str(step_id))
        began = time.monotonic()
        try:
            return await run_step(self, step_id, params)
        finally:
            record["steps"][step_id] = [began, time.monotonic()]
            mark("between and after the steps")

    Doctor.run_step = stamped  # type: ignore[method-assign]


def main(words: list[str]) -> int:
    """Run the command with every stamp in place, then print the record."""
    mark("command start")
    patch_ssl()
    watch_collector()
    sys.meta_path.insert(0, _AfterImport())
    patch_steps()
    from console.cli import main as cli_main
    from console.shared.gcpause import pause_while_starting

    pause_while_starting()  # as `console.cli.run`, the console script, does first
    code = cli_main(words)
    record["returned"] = time.monotonic()
    mark("exit")
    record["code"] = code
    record["threads"] = [
        {"name": t.name, "daemon": t.daemon}
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ]
    record["modules"] = len(sys.modules)
    if os.environ.get(COUNT_OBJECTS):
        record["objects"] = len(gc.get_objects())
    print(json.dumps(record), flush=True)
    if os.environ.get(FREEZE_AT_EXIT):
        gc.freeze()  # the what-if: the finalization's collections then skip every object
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
