"""``demo``: the console against local stand-ins, so every screen works without a tenant.

Starts the sandbox, opens the console on it (or runs the tour, or prints the sandbox for
scripts and waits), and tears it all down on exit or a signal. ``--help`` says it all in
`DEMO_DESCRIPTION`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands.context import CommandContext
from console.commands.parser import command_help
from console.sandbox.choice import SERVER_CHOICES
from console.shared.exitcodes import ExitCode
from console.shared.output import narrate

if TYPE_CHECKING:
    from console.sandbox.demo import DemoInfo, DemoSandbox
    from console.settings.bringup import ServiceUpdate

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
TOUR_STEPS = "review, diff, providers, token, infer and check, then check --all"
NOT_A_TERMINAL = (
    "stdout is not a terminal, so the demo does not open the console: it runs its tour "
    "instead. It starts the sandbox (a local Entra ID, Azure OpenAI and Llama Stack on "
    f"127.0.0.1), runs {TOUR_STEPS} against it, prints what each says, then stops the "
    "sandbox and ends. (demo --headless keeps the sandbox running for scripts; run demo on "
    "a terminal for the console.)"
)


DEMO_DESCRIPTION = """\
The console against local stand-ins, so every screen works without a tenant.

Starts Entra ID (HTTPS, ephemeral CA), Azure OpenAI and a Llama Stack on 127.0.0.1, writes
a demo lightspeed-stack.yaml and run.yaml, opens the console on them, and tears everything
down on exit, Ctrl+C, SIGTERM or SIGHUP (a closed terminal). The Llama Stack is a real OGX
1.2.5 server over TLS with its own CA, what today's Lightspeed runs; ``--server
llama-stack-0.7.3`` runs the previous generation and ``--stand-in`` the instant stand-in.
A real server runs from its own environment, built by uv on the first run (a download of
about 170 MB for OGX, 470 MB for llama-stack) and reused after; when it cannot be had and
none was named, the stand-in takes its place and the console says why.

The console opens at once and shows the sandbox coming up (each service starting, ready in
N ms, or failed with the reason), then runs the doctor. ``--fault NAME`` starts with a
fault switched on, so the doctor fails at the step that fault concerns.

The demo registers four named deployments in a settings file of its own, in its temp folder
(never the user's): ``sandbox`` (the server it runs), ``legacy`` (llama-stack 0.7.3 beside
an OGX one), ``prod-eu`` (tagged prod, with a wrong client secret in its env file, so it
fails at the token step) and ``library`` (a 0.7.x file in library mode). The console's
deployments screen (key 0) shows them; ``lightspeed-console check --all --settings FILE``
checks them all.

``--tour`` runs the headless commands one after another instead of opening the console, then
stops the sandbox and ends (also what happens when stdout is not a terminal). ``--headless``
prints one JSON object (authority, CA bundles, sandbox credentials, URLs, config paths,
``settings_file``) as the first line of stdout, then waits for SIGINT/SIGTERM/SIGHUP: for
scripts.
"""
"""What ``--help`` says above the options (`command_help` takes out the markup)."""

DEMO_EXAMPLES = (
    ("demo", "the console on local stand-ins and a real OGX 1.2.5; nothing leaves the machine"),
    (
        "demo --fault azure-429=30",
        "with Azure OpenAI throttling (demo --list-faults lists the faults)",
    ),
    ("demo --headless --stand-in", "the sandbox as one JSON line for scripts, until Ctrl+C"),
    ("demo --tour", "the headless commands on the sandbox, then it ends"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the CLI."""
    parser = commands.add_parser(
        "demo",
        help="run the console against local Entra ID, Azure OpenAI and a Llama Stack (OGX)",
        **command_help("demo", DEMO_DESCRIPTION, DEMO_EXAMPLES),
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="print the sandbox as one JSON line, then wait for SIGINT/SIGTERM/SIGHUP",
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
        "--server",
        choices=SERVER_CHOICES,
        default=None,
        help="the Llama Stack to run (default: ogx-1.2.5, the stand-in when it cannot be had)",
    )
    which.add_argument(
        "--stand-in",
        dest="server",
        action="store_const",
        const="stand-in",
        help="use the Llama Stack stand-in (instant; same as --server stand-in)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Start the sandbox, hand it to the user, and stop it whatever happens."""
    from console.sandbox import faults
    from console.sandbox.shell_variables import leave_the_shells_credentials

    if args.list_faults:
        for spec in faults.catalogue():
            print(f"{spec.usage:32} {spec.description}")
        return ExitCode.OK
    left = leave_the_shells_credentials(os.environ)
    if left:
        narrate(f"the sandbox ignores the shell's {', '.join(left)} (it has its own)")
    tour = args.tour
    if not args.headless and not tour and not sys.stdout.isatty():
        narrate(NOT_A_TERMINAL)
        tour = True
    try:
        if args.headless or tour:
            return _headless(args, tour)
        return _console(args)
    except faults.UnknownFaultError as error:
        narrate(f"error: {error}", "red")
        narrate("  remedy: lightspeed-console demo --list-faults")
        return ExitCode.ERROR


def _headless(args: argparse.Namespace, tour: bool) -> ExitCode:
    """``--headless`` and ``--tour``: start the sandbox here, narrating each service.

    A closed terminal ends it as SIGTERM or SIGHUP do, with its sandbox stopped and its
    temp folders removed (`_lifeline`), whichever thread the signal lands on.
    """
    from console.sandbox.demo import DemoSandbox
    from console.settings.bringup import BringupCancelled, BringupError

    sandbox = DemoSandbox(server=args.server, faults=args.fault)
    try:
        with _stop_on_signals(sandbox) as stop, _lifeline(stop, sandbox):
            narrate("starting the sandbox (Entra ID, Azure OpenAI, Llama Stack) on 127.0.0.1")
            info = sandbox.start(_narrate_update())
            _say_notes(info)
            if tour:
                _tour(info, args.fault, stop, quiet=getattr(args, "quiet", False))
            else:
                print(json.dumps(info.to_dict()), flush=True)
                narrate("sandbox ready; stop with Ctrl+C, SIGTERM or SIGHUP")
                wait_for(stop)
    except BringupCancelled:
        narrate("interrupted while the sandbox was starting")
    except BringupError as error:
        narrate(f"error: {error}", "red")
        narrate(f"  remedy: {error.remedy}")
        return ExitCode.ERROR
    finally:
        sandbox.stop()
        narrate("sandbox stopped")
    return ExitCode.OK


def _console(args: argparse.Namespace) -> ExitCode:
    """Open the console at once; it brings the sandbox up behind its first frame."""
    from console.commands.tui import launch_tui
    from console.sandbox.bringup import DemoBringup
    from console.settings.launch import Launch
    from console.settings.user import load_user_settings, settings_path

    bringup = DemoBringup(args.server, args.fault)
    if args.fault:
        narrate(f"faults on: {', '.join(args.fault)}", "yellow")
    settings, problems = load_user_settings(settings_path())
    launch = Launch(
        bringup=bringup,
        sandbox=True,
        settings=settings,
        settings_problems=tuple(problems),
    )
    with _signals_wait_for_teardown():
        try:
            code = launch_tui(launch, cleanup=bringup.stop)  # ends on SIGTERM, SIGHUP too
        finally:
            bringup.stop()
            narrate("sandbox stopped")
    return code


def _narrate_update() -> Callable[[ServiceUpdate], None]:
    """Each service's progress as one stderr line (installer lines only when they change)."""
    from console.settings.bringup import Phase

    def say(update: ServiceUpdate) -> None:
        if update.phase is Phase.WAITING:
            return
        timing = f" in {update.elapsed_s * 1000:.0f} ms" if update.elapsed_s is not None else ""
        detail = f": {update.detail}" if update.detail else ""
        style = {Phase.FAILED: "red", Phase.REPLACED: "yellow", Phase.READY: "green"}
        narrate(f"  {update.label}: {update.phase.value}{timing}{detail}", style.get(update.phase))

    return say


def _say_notes(info: DemoInfo) -> None:
    for note in info.notes:
        narrate(f"note: {note}", "yellow")


@contextmanager
def _stop_on_signals(sandbox: DemoSandbox) -> Iterator[threading.Event]:
    """An event set by SIGINT, SIGTERM or SIGHUP, so waiting ends cleanly and teardown runs.

    A signal that comes while the sandbox is still starting cancels the start too (a first
    run may be downloading a server for minutes).
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(*_: object) -> None:
        stop.set()
        sandbox.cancel()

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


WAKE_S = 0.25
"""How often the main thread wakes while it waits: a signal's Python handler runs only on
the main thread, at its next wake-up, and a signal the kernel gives another thread (the
servers' threads; what happens under ``uv run`` when a terminal closes) does not wake it."""


def wait_for(stop: threading.Event) -> None:
    """Wait until ``stop`` is set, waking every `WAKE_S` so signal handlers can run."""
    while not stop.wait(WAKE_S):
        pass


@contextmanager
def _lifeline(stop: threading.Event, sandbox: DemoSandbox) -> Iterator[None]:
    """SIGTERM, SIGHUP or a terminal gone without a signal stop the headless demo; if its
    teardown cannot finish within the grace period, the sandbox is stopped and the process
    ends anyway (`console.shared.lifeline`, as for the TUI)."""
    from console.shared.lifeline import Lifeline, terminal_of

    def ask_to_stop() -> None:
        stop.set()
        sandbox.cancel()

    terminal = next(
        (
            fd
            for fd in map(terminal_of, (sys.__stdin__, sys.__stderr__, sys.__stdout__))
            if fd is not None
        ),
        None,
    )
    with Lifeline(ask_to_stop, cleanup=sandbox.stop, terminal_fd=terminal):
        yield


@contextmanager
def _signals_wait_for_teardown() -> Iterator[None]:
    """SIGTERM and SIGHUP ignored while the console is not running: a closed terminal may
    send SIGHUP twice, and the second must not kill the demo halfway through stopping its
    servers. While the console runs, its lifeline takes them (`console.cli.launch_tui`),
    and what it starts is not affected (a handled signal is reset in a child, an ignored
    one would not be, so nothing is started while they are ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _tour(
    info: DemoInfo, fault_names: list[str], stop: threading.Event, *, quiet: bool = False
) -> None:
    """Without the TUI: run the headless commands on the sandbox and show how to go on."""
    from console.commands.dispatch import command_names, main
    from console.sandbox.demo_files import MAIN, SANDBOX_ENV

    narrate(
        f"sandbox ready: {info.stack_release} at {info.stack_url}; "
        f"Azure OpenAI at {info.azure_base_url}"
    )
    if fault_names:
        narrate(f"faults on: {', '.join(fault_names)}", "yellow")
    env = ["--env-file", str(Path(info.lightspeed_config).parent / SANDBOX_ENV)]
    config = ["-c", info.lightspeed_config, "-i", info.run_config, *env]
    live = ["--authority", info.authority, "--ca-bundle", info.ca_bundle]
    if info.stack_ca_bundle:
        live += ["--stack-ca-bundle", info.stack_ca_bundle]
    available = command_names()
    steps = [
        ["review", *config],
        ["diff", *config],
        ["providers", *config, *live],
        ["token", "-c", info.lightspeed_config, *env, "--authority", info.authority,
         "--ca-bundle", info.ca_bundle],
        ["infer", "-c", info.lightspeed_config, *env, *live, "--stream"],
        ["check", *config, *live],
    ]  # fmt: skip
    if info.settings_file:
        steps += [
            ["deployments", "--settings", info.settings_file],
            ["check", "--all", "--settings", info.settings_file],
        ]
    for step in steps:
        if step[0] not in available or stop.is_set():
            continue
        narrate(f"\n$ lightspeed-console {' '.join(step)}", "bold")
        sys.stdout.flush()
        main([*step, "-q"] if quiet else step)
    narrate(
        "\nThe tour is over; the sandbox stops now. To try commands of your own on it, "
        "start it with `lightspeed-console demo --headless` (it prints the sandbox, its "
        f"settings file among it, as JSON, and runs until Ctrl+C), then e.g.\n"
        "  lightspeed-console check --all --settings <settings_file>\n"
        f"  lightspeed-console --settings <settings_file> -d {MAIN}   (the console; 0 lists "
        "the deployments)"
    )
