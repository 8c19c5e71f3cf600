"""``infer``: one test inference through the Llama Stack server, as Lightspeed sends it.

Acquires an Entra ID token with Lightspeed's settings (azure_entra_id), discovers the Azure
base URL from the server (the first remote::azure provider's config.base_url), and sends a
chat completion with the provider-data header {"azure_api_key": <token>, "azure_api_base":
<base url>} under the name the server reads. Prints the answer on stdout (as it arrives
with --stream) and, on stderr, the model, latency, time to first token, usage, the header
used and the request as a curl command with the token masked (--show-token reveals it).

In library mode (no server) the run.yaml is booted in the release's own library client, as
Lightspeed boots it (OGX 1.2.5 for an ``ogx:`` file, llama-stack 0.7.3 for May 2026's),
and, as Lightspeed does at each token, a new client is built with the provider data before
the inference goes through it.

Exit codes: 0 the inference answered; 1 it failed (token, server, library boot or Azure:
the diagnosis with code, meaning, remedy and endpoint is on stderr, and in the JSON); 2
usage or configuration (no llama_stack.url, no azure_entra_id); 3 library mode, but the
release cannot be booted on this machine (not verified, and why).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from console.commands.common import UnusableConfig, add_config_options, load_for
from console.commands.context import CommandContext
from console.commands.live import (
    add_live_options,
    library_session_for,
    live_options,
    narrate_boot,
    report_failure,
    report_not_verified,
    session_for,
)
from console.config.loaded import Loaded
from console.config.loader import RUN_CONFIG_UNREADABLE
from console.settings.live import LiveOptions
from console.shared.diagnosis import DiagnosedError, Diagnosis
from console.shared.exitcodes import ExitCode
from console.shared.interrupts import run_coroutine
from console.shared.output import emit, emit_json, narrate

if TYPE_CHECKING:
    from console.inference.run import InferenceResult
    from console.library.session import LibrarySession
    from console.stack.session import StackSession


class _ConfigProblem(Exception):
    """Said on stderr already; the command exits 2."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``infer`` to the CLI."""
    parser = commands.add_parser(
        "infer",
        help="send a test inference through Llama Stack with the token, as Lightspeed does",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        "e.g. from `az account get-access-token --resource https://cognitiveservices.azure.com"
        " --query accessToken -o tsv`; ASCII, at most 64 KiB",
    )
    parser.add_argument(
        "--show-token",
        action="store_true",
        help="reveal the token in the curl command (it is a credential)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Token, discovery, inference; the exit code says which step failed, if any."""
    from console.library.errors import NotVerified
    from console.stack.session import NoServer

    options = live_options(args, context)
    given: SecretStr | None = None
    if args.token_file is not None:  # a usage error, found before anything is asked of a server
        given = _read_token(args.token_file)
        if given is None:
            return ExitCode.ERROR
    loaded = load_for(args, context, lightspeed_optional=True)
    session = session_for(options, loaded)
    if session is None:
        return ExitCode.ERROR
    if isinstance(session, NoServer) and session.reason == "library-mode":
        if args.responses:
            narrate("error: --responses: library mode tests chat completions only", "red")
            narrate("  remedy: drop --responses (the provider data travels the same way)")
            return ExitCode.ERROR
        if loaded.run is None:
            raise UnusableConfig([f for f in loaded.findings if f.code == RUN_CONFIG_UNREADABLE])
        library = library_session_for(context, options, loaded)
        try:
            return run_coroutine(
                _infer_library(args, options, loaded, library, given, context.environ)
            )
        except _ConfigProblem:
            return ExitCode.ERROR
        except NotVerified as why:
            report_not_verified(why.reason, why.remedy)
            if args.json:
                emit_json({"ok": False, "step": "boot", "not_verified": why.reason})
            return ExitCode.INCOMPLETE
    if isinstance(session, NoServer):
        narrate(f"error: {session.message}", "red")
        narrate(f"  remedy: {session.remedy}")
        return ExitCode.ERROR
    try:
        return run_coroutine(_infer(args, options, loaded, session, given, context.environ))
    except _ConfigProblem:
        return ExitCode.ERROR


async def _infer_library(  # noqa: PLR0917 - one call site, each part of the run
    args: argparse.Namespace,
    options: LiveOptions,
    loaded: Loaded,
    session: LibrarySession,
    given: SecretStr | None,
    environ: Mapping[str, str],
) -> ExitCode:
    """Library mode: boot as Lightspeed starts, discover, token, a new client, the inference."""
    from console.inference.run import DEFAULT_PROMPT

    try:
        try:
            token = given if given is not None else await acquire_token(options, loaded, environ)
        except DiagnosedError as error:
            return _failed(args, error.diagnosis, "token")
        try:
            report = await session.boot(None)
            info = await session.info()
            discovery = await session.discover(loaded)
        except DiagnosedError as error:
            return _failed(args, error.diagnosis.scrubbed([token]), "boot")
        narrate_boot(report)
        narrate(f"provider data in {info.header_name}", "dim")
        narrate(f"azure base URL (as Lightspeed discovers it): {discovery.azure_base_url}", "dim")
        streaming_text = args.stream and not args.json
        result = await session.chat(
            token,
            discovery.azure_base_url,
            model=args.model,
            prompt=args.prompt or DEFAULT_PROMPT,
            stream=args.stream,
            on_delta=emit if streaming_text else None,
        )
    finally:
        await session.aclose()
    if result.client_rebuilt_s is not None:
        narrate(
            f"a new library client with the token took {result.client_rebuilt_s:.1f} s (as "
            "Lightspeed builds one at each token refresh)",
            "dim",
        )
    if streaming_text and result.answer:
        emit("\n")
    return _report(args, result, streamed=streaming_text)


async def _infer(  # noqa: PLR0917 - one call site, each part of the run
    args: argparse.Namespace,
    options: LiveOptions,
    loaded: Loaded,
    session: StackSession,
    given: SecretStr | None,
    environ: Mapping[str, str],
) -> ExitCode:
    from console.inference.run import DEFAULT_PROMPT, run_chat, run_responses

    async with session:
        try:
            token = given if given is not None else await acquire_token(options, loaded, environ)
        except DiagnosedError as error:
            return _failed(args, error.diagnosis, "token")
        narrate(f"llama stack: {session.url}", "dim")
        try:
            info = await session.info()
            discovery = await session.discover(loaded)
        except DiagnosedError as error:
            return _failed(args, error.diagnosis.scrubbed([token]), "server")
        narrate(f"server: {info.kind} {info.version}; header {info.header_name}", "dim")
        narrate(f"azure base URL (as Lightspeed discovers it): {discovery.azure_base_url}", "dim")
        streaming_text = args.stream and not args.json and not args.responses
        request: dict[str, Any] = {
            "model": args.model,
            "prompt": args.prompt or DEFAULT_PROMPT,
            "exact_model": args.exact_model,
            "reveal": args.show_token,
        }
        if args.responses:
            result = await run_responses(session, token, discovery.azure_base_url, **request)
        else:
            result = await run_chat(
                session,
                token,
                discovery.azure_base_url,
                stream=args.stream,
                on_delta=emit if streaming_text else None,
                **request,
            )
    if streaming_text and result.answer:
        emit("\n")
    return _report(args, result, streamed=streaming_text)


async def acquire_token(
    options: LiveOptions, loaded: Loaded, environ: Mapping[str, str]
) -> SecretStr:
    """The access token from Entra ID, as Lightspeed gets it (``run`` reads ``--token-file``).

    The request is made as ``check`` makes it: ``--authority``, ``--ca-bundle``,
    ``--token-timeout`` and ``--retries``.

    Raises `DiagnosedError` when the token request fails, `_ConfigProblem` (already said
    on stderr) when the configuration cannot produce one.
    """
    from console.commands.token import usable_settings
    from console.entra.manager import TokenError, TokenManager

    if loaded.lightspeed is None:
        narrate("error: no lightspeed-stack.yaml to read azure_entra_id from", "red")
        narrate("  remedy: pass -c lightspeed-stack.yaml, or --token-file with a token")
        raise _ConfigProblem
    settings = usable_settings(loaded)
    if settings is None:
        raise _ConfigProblem
    try:
        manager = TokenManager.for_options(settings, options, environ)
        narrate(f"token: client {manager.client_id}, authority {manager.authority.url}", "dim")
        status = await manager.get_token()
    except TokenError as error:
        raise DiagnosedError(error.diagnosis) from None
    for check in status.failed_checks:
        narrate(f"warning: token check {check.name} failed: {check.remedy}", "yellow")
    return status.token


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
