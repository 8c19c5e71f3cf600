"""``infer``: one test inference through the Llama Stack server, as Lightspeed sends it.

Through the server with the provider-data header, or in library mode through the release's
own library client. ``--help`` says what is printed and the exit codes in `INFER_DESCRIPTION`.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from console.commands.common import UnusableConfig, add_config_options, load_for
from console.commands.context import CommandContext
from console.commands.live import (
    add_live_options,
    narrate_boot,
    report_failure,
    report_not_verified,
    target_for,
)
from console.commands.parser import command_help
from console.config.loader import RUN_CONFIG_UNREADABLE
from console.doctor.graph import StepId
from console.doctor.live import LIBRARY_TITLE, url_source
from console.doctor.results import CheckResult, CheckStatus
from console.doctor.runner import Around, Doctor
from console.shared.azure import COGNITIVE_SERVICES
from console.shared.diagnosis import Diagnosis
from console.shared.exitcodes import ExitCode
from console.shared.interrupts import run_coroutine
from console.shared.output import emit, emit_json, narrate

if TYPE_CHECKING:
    from console.inference.run import InferenceResult


INFER_DESCRIPTION = """\
One test inference through the Llama Stack server, as Lightspeed sends it.

Acquires an Entra ID token with Lightspeed's settings (azure_entra_id), discovers the Azure
base URL from the server (the first remote::azure provider's config.base_url), and sends a
chat completion with the provider-data header {"azure_api_key": <token>, "azure_api_base":
<base url>} under the name the server reads. Prints the answer on stdout (as it arrives
with --stream) and, on stderr, the model, latency, time to first token, usage, the header
used and the request as a curl command that runs as pasted: the token as $TOKEN, after the
line that fills it (lightspeed-console token ... --raw), and --cacert for a server's private
CA (--show-token writes the token itself instead). A test inference that times out is
followed by one small request to the Azure deployment itself: if Azure answers 429, the
diagnosis is throttling, with its Retry-After.

In library mode (no server) the run.yaml is booted in the release's own library client, as
Lightspeed boots it (OGX 1.2.5 for an ``ogx:`` file, llama-stack 0.7.3 for May 2026's),
and, as Lightspeed does at each token, a new client is built with the provider data before
the inference goes through it.

Exit codes: 0 the inference answered; 1 it failed (token, server, library boot or Azure:
the diagnosis with code, meaning, remedy and endpoint is on stderr, and in the JSON); 2
usage or configuration (no llama_stack.url, no azure_entra_id); 3 library mode, but the
release cannot be booted on this machine (not verified, and why).
"""
"""What ``--help`` says above the options (`command_help` takes out the markup)."""

INFER_EXAMPLES = (
    (
        "infer -d prod-eu",
        "one test inference with the provider-data header, and how to replay it with curl",
    ),
    (
        'infer -d prod-eu --model gpt-4o-mini --prompt "Say hi" --stream',
        "a chosen model and prompt, streamed",
    ),
    (
        "infer -c lightspeed-stack.yaml --token-file token.txt",
        "with a token got elsewhere instead of requesting one",
    ),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``infer`` to the CLI."""
    parser = commands.add_parser(
        "infer",
        help="send a test inference through Llama Stack with the token, as Lightspeed does",
        **command_help("infer", INFER_DESCRIPTION, INFER_EXAMPLES),
    )
    add_config_options(parser)
    add_live_options(parser)
    parser.add_argument(
        "--model",
        default=None,
        metavar="ID",
        help="model to ask: a server id (azure/gpt-4o-mini) or a bare name (gpt-4o-mini), "
        "mapped to the server's id (default: the first model of the first remote::azure "
        "provider)",
    )
    parser.add_argument(
        "--exact-model",
        action="store_true",
        help="send --model exactly as given, without mapping it to the server's id",
    )
    parser.add_argument(
        "--prompt",
        default=None,
        help="what to ask (default: a short question with a one-word answer)",
    )
    parser.add_argument("--stream", action="store_true", help="stream the answer as it arrives")
    parser.add_argument(
        "--responses",
        action="store_true",
        help="use the Responses API instead of chat completions (if the server offers it)",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="read the access token from a file ('-': stdin) instead of requesting one, "
        f"e.g. from `az account get-access-token --resource {COGNITIVE_SERVICES}"
        " --query accessToken -o tsv`; ASCII, at most 64 KiB",
    )
    parser.add_argument(
        "--show-token",
        action="store_true",
        help="write the token itself in the curl command instead of $TOKEN (a credential)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """The doctor's steps the inference needs, then the inference; the code says what failed."""
    given: SecretStr | None = None
    if args.token_file is not None:  # a usage error, found before anything is asked of a server
        given = _read_token(args.token_file)
        if given is None:
            return ExitCode.ERROR
    target = target_for(args, context, model=args.model, prompt=args.prompt)
    loaded = load_for(args, context, lightspeed_optional=True)
    library = loaded.llama_stack is not None and loaded.llama_stack.mode == "library"
    if library and target.options.url is None:
        if args.responses:
            narrate("error: --responses: library mode tests chat completions only", "red")
            narrate("  remedy: drop --responses (the provider data travels the same way)")
            return ExitCode.ERROR
        if loaded.run is None:
            raise UnusableConfig([f for f in loaded.findings if f.code == RUN_CONFIG_UNREADABLE])
    if given is None and loaded.lightspeed is None:
        narrate("error: no lightspeed-stack.yaml to read azure_entra_id from", "red")
        narrate("  remedy: pass -c lightspeed-stack.yaml, or --token-file with a token")
        return ExitCode.ERROR
    doctor = Doctor(target)
    doctor.adopt(loaded)
    if given is not None:
        doctor.use_token(given)
    return run_coroutine(_infer(args, doctor))


async def _infer(args: argparse.Namespace, doctor: Doctor) -> ExitCode:
    """What the inference needs that is not done (the doctor's graph says), then the call."""
    streaming_text = args.stream and not args.json and not args.responses
    try:
        ran = await doctor.ensure_current("inference", around=_narrated(doctor))
        # The first that failed or could not be done: later ones were skipped because of it.
        for step in ran:
            if step.status in (CheckStatus.FAIL, CheckStatus.SKIP):
                return _stopped(args, doctor, step)
        await doctor.infer(
            model=args.model,
            prompt=args.prompt,
            stream=args.stream,
            on_delta=emit if streaming_text else None,
            api="responses" if args.responses else "chat.completions",
            exact_model=args.exact_model,
            reveal=args.show_token,
        )
    finally:
        await doctor.aclose()
    result = doctor.state.inference
    assert result is not None  # the inference step ran: its prerequisites held
    if result.client_rebuilt_s is not None:
        narrate(
            f"a new library client with the token took {result.client_rebuilt_s:.1f} s (as "
            "Lightspeed builds one at each token refresh)",
            "dim",
        )
    if streaming_text and result.answer:
        emit("\n")
    return _report(args, result, streamed=streaming_text)


def _narrated(doctor: Doctor) -> Around:
    """Each step the inference needs, run, then said on stderr as the operator follows it."""

    async def run(step: StepId, running: Awaitable[CheckResult]) -> CheckResult:
        result = await running
        state = doctor.state
        if step == "token" and state.token_manager is not None:  # asked, answered or not
            manager = state.token_manager
            narrate(f"token: client {manager.client_id}, authority {manager.authority.url}", "dim")
        if result.status not in (CheckStatus.PASS, CheckStatus.WARN):
            return result
        if step == "stack" and state.stack_info is not None:
            info = state.stack_info
            boot = state.library_boot
            if boot is not None:
                narrate_boot(boot)
                narrate(f"provider data in {info.header_name}", "dim")
            else:
                loaded = state.checked_loaded
                narrate(
                    f"llama stack: {info.url} (from {url_source(doctor.target, loaded)})", "dim"
                )
                narrate(f"server: {info.kind} {info.version}; header {info.header_name}", "dim")
        elif step == "providers" and state.survey is not None and state.survey.discovery:
            found = state.survey.discovery.azure_base_url
            narrate(f"azure base URL (as Lightspeed discovers it): {found}", "dim")
        elif step == "token" and state.token is not None:
            for check in state.token.failed_checks:
                narrate(f"warning: token check {check.name} failed: {check.remedy}", "yellow")
            for check in state.token.warned_checks:
                narrate(f"warning: token check {check.name}: {check.remedy}", "yellow")
        return result

    return run


def _stopped(args: argparse.Namespace, doctor: Doctor, result: CheckResult) -> ExitCode:
    """Why the inference could not be sent, and the code that says it.

    A failure with a diagnosis is a live call that failed (1); without one, a configuration
    that cannot make the call (2: no server URL, no azure_entra_id, a bad header name); a
    skipped step is one this machine could not do (3: a release that cannot be booted).
    """
    if result.status is CheckStatus.SKIP:
        report_not_verified(result.summary.removeprefix("not verified: "), result.remedy)
        if args.json:
            emit_json({"ok": False, "step": result.step, "not_verified": result.summary})
        return ExitCode.INCOMPLETE
    if result.diagnosis is not None:
        library = result.title == LIBRARY_TITLE or doctor.state.library_boot is not None
        names = {"stack": "boot" if library else "server", "providers": "server"}
        return _failed(args, result.diagnosis, names.get(result.step, result.step))
    narrate(f"error: {result.summary}", "red")
    for line in result.details[:5]:
        narrate(f"  {line}")
    if result.remedy:
        narrate(f"  remedy: {result.remedy}")
    return ExitCode.ERROR


def _read_token(path: Path) -> SecretStr | None:
    """The token of ``--token-file``, or None once the problem is said on stderr (exit 2)."""
    from console.entra.token_file import TokenFileError, read_token_file

    try:
        return read_token_file(path)
    except TokenFileError as error:
        narrate(f"error: --token-file {path}: {error.message}", "red")
        narrate(f"  remedy: {error.remedy}")
    except OSError as error:
        narrate(f"error: --token-file {path}: {error.strerror or error}", "red")
    return None


def _failed(args: argparse.Namespace, diagnosis: Diagnosis, step: str) -> ExitCode:
    report_failure(diagnosis)
    if args.json:
        emit_json({"ok": False, "step": step, "diagnosis": diagnosis.to_dict()})
    return ExitCode.FOUND


def _report(args: argparse.Namespace, result: InferenceResult, *, streamed: bool) -> ExitCode:
    """The answer on stdout (unless streamed already), the facts and the curl on stderr."""
    if args.json:
        emit_json({"step": "inference", **result.to_dict()})
    elif not streamed and result.ok:
        emit(result.answer + "\n")
    facts = [f"model {result.model}", f"latency {result.latency_s * 1000:.0f} ms"]
    if result.ttft_s is not None:
        facts.append(f"first token {result.ttft_s * 1000:.0f} ms")
    if result.usage is not None:
        facts.append(
            f"tokens {result.usage.prompt_tokens}+{result.usage.completion_tokens}"
            f"={result.usage.total_tokens}"
        )
    facts.append(f"header {result.header_name or '(none sent)'}")
    narrate("; ".join(facts), "dim")
    if not result.curl and result.client_rebuilt_s is not None:
        narrate("library mode: the request ran in-process, so there is no curl to replay", "dim")
    if result.curl:
        narrate("replay with:" + (" (the token is shown)" if args.show_token else ""), "dim")
        narrate(result.curl)
    if result.diagnosis is not None:
        report_failure(result.diagnosis)
        return ExitCode.FOUND
    return ExitCode.OK
