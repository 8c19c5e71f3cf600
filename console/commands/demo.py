"""``demo``: the console against local stand-ins, so every screen works without a tenant.

Starts Entra ID (HTTPS, ephemeral CA), Azure OpenAI and Llama Stack (the real llama-stack
server when it is installed, else the stand-in) on 127.0.0.1, writes a demo
lightspeed-stack.yaml and run.yaml, opens the console on them, and tears everything down
on exit, Ctrl+C or SIGTERM. ``--fault NAME`` starts with a fault switched on, so the
doctor fails at the step that fault concerns.

``--tour`` runs the headless commands one after another instead of opening the console
(also what happens when stdout is not a terminal). ``--headless`` prints one JSON object
(authority, ca_bundle, sandbox credentials, URLs, config paths) as the first line of
stdout, then waits for SIGINT/SIGTERM: for scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from console.exitcodes import ExitCode
from console.output import narrate


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the CLI."""
    parser = commands.add_parser(
        "demo",
        help="run the console against local Entra ID, Azure OpenAI and Llama Stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="print the sandbox as one JSON line, then wait for SIGINT/SIGTERM",
    )
    parser.add_argument(
        "--tour",
        action="store_true",
        help="run the headless commands on the sandbox instead of opening the console",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=ARG]",
        help="start with a fault switched on (repeatable; --list-faults shows them)",
    )
    parser.add_argument("--list-faults", action="store_true", help="list the faults and exit")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--real-stack",
        dest="real_stack",
        action="store_const",
        const=True,
        default=None,
        help="use the real llama-stack server (needs the 'stack' extra)",
    )
    which.add_argument(
        "--stand-in",
        dest="real_stack",
        action="store_const",
        const=False,
        help="use the Llama Stack stand-in even when llama-stack is installed",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> ExitCode:
    """Start the sandbox, hand it to the user, and stop it whatever happens."""
    from console.sandbox import faults
    from console.sandbox.demo import DemoSandbox
    from console.sandbox.real_stack import RealStackError, real_stack_unavailable_reason

    if args.list_faults:
        for spec in faults.catalogue():
            print(f"{spec.usage:32} {spec.description}")
        return ExitCode.OK
    if args.real_stack and (reason := real_stack_unavailable_reason()):
        narrate(f"error: --real-stack: {reason}", "red")
        narrate("  remedy: uv sync --extra stack (or drop --real-stack to use the stand-in)")
        return ExitCode.ERROR
    try:
        sandbox = DemoSandbox(real_stack=args.real_stack, faults=args.fault)
    except faults.UnknownFaultError as error:
        narrate(f"error: {error}", "red")
        narrate("  remedy: lightspeed-console demo --list-faults")
        return ExitCode.ERROR
    tour = args.tour
    if not args.headless and not tour and not sys.stdout.isatty():
        narrate("stdout is not a terminal: running the tour instead of opening the console")
        tour = True
    narrate("starting the sandbox (Entra ID, Azure OpenAI, Llama Stack) on 127.0.0.1 ...")
    try:
        if args.headless or tour:
            with _stop_on_signals() as stop:
                info = sandbox.start()
                os.environ.update(info.environ)
                if args.headless:
                    print(json.dumps(info.to_dict()), flush=True)
                    narrate("sandbox ready; stop with Ctrl+C or SIGTERM")
                    stop.wait()
                else:
                    _tour(info, args.fault, stop)
        else:
            with _sigterm_interrupts():
                info = sandbox.start()
                os.environ.update(info.environ)
                _console(info, args.fault)
    except RealStackError as error:
        narrate(f"error: the llama-stack server did not start: {error}", "red")
        narrate("  remedy: retry with --stand-in, or look at the log lines above")
        return ExitCode.ERROR
    finally:
        sandbox.stop()
        narrate("sandbox stopped")
    return ExitCode.OK


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, so waiting ends cleanly and teardown runs."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While the console runs, SIGTERM ends it as Ctrl+C would, so teardown still runs.

    The app's event loop turns SIGINT into a clean shutdown (the terminal is restored);
    re-raising SIGTERM as SIGINT gets the same for a ``kill``. Ctrl+C typed in the console
    is a key, not a signal, and quits through the app.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _console(info: object, fault_names: list[str]) -> None:
    """Open the console on the sandbox, as an operator would on a deployment."""
    from pathlib import Path

    from console.cli import launch_tui
    from console.launch import Launch
    from console.live_options import LiveOptions
    from console.sandbox.demo import DemoInfo
    from console.user_settings import load_user_settings, settings_path

    assert isinstance(info, DemoInfo)
    if fault_names:
        narrate(f"faults on: {', '.join(fault_names)}", "yellow")
    settings, problems = load_user_settings(settings_path())
    launch = Launch(
        lightspeed_config=Path(info.lightspeed_config),
        run_config=Path(info.run_config),
        options=LiveOptions(authority=info.authority, ca_bundle=Path(info.ca_bundle)),
        sandbox=info,
        environ=info.environ,
        settings=settings,
        settings_problems=tuple(problems),
    )
    launch_tui(launch)


def _tour(info: object, fault_names: list[str], stop: threading.Event) -> None:
    """Without the TUI: run the headless commands on the sandbox and show how to go on."""
    from console.cli import command_names, main
    from console.sandbox.demo import DemoInfo

    assert isinstance(info, DemoInfo)
    kind = "real llama-stack server" if info.stack_kind == "real" else "Llama Stack stand-in"
    narrate(f"sandbox ready: {kind} at {info.stack_url}; Azure OpenAI at {info.azure_base_url}")
    if fault_names:
        narrate(f"faults on: {', '.join(fault_names)}", "yellow")
    config = ["-c", info.lightspeed_config, "-i", info.run_config]
    live = ["--authority", info.authority, "--ca-bundle", info.ca_bundle]
    available = command_names()
    steps = [
        ["review", *config],
        ["diff", *config],
        ["providers", *config, *([] if "token" in available else ["--static"])],
        ["token", "-c", info.lightspeed_config, *live],
        ["infer", "-c", info.lightspeed_config, *live, "--stream"],
        ["check", *config, *live],
    ]
    for step in steps:
        if step[0] not in available:
            continue
        narrate(f"\n$ lightspeed-console {' '.join(step)}", "bold")
        sys.stdout.flush()
        main(step)
    narrate(
        "\nThe sandbox keeps running. In another shell:\n"
        f"  export TENANT_ID={info.tenant_id} CLIENT_ID={info.client_id} CLIENT_SECRET=<sandbox>"
        f"\n  lightspeed-console review -c {info.lightspeed_config} -i {info.run_config}\n"
        "(demo --headless prints the sandbox secret as JSON for scripts.) Ctrl+C stops it."
    )
    stop.wait()
