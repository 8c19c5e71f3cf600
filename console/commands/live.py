"""What the commands that talk to a Llama Stack server share: options, session, failures.

``providers``, ``infer``, ``check`` and the TUI take the same live options (`add_live_options`)
and reach the server the same way (``llama_stack.url`` or ``--url``, the provider-data header
detected or forced, one timeout, the CA bundle trusted for it); the headless ones report a
failed call the same way: the diagnosis on stderr, and in the JSON on stdout for scripts.
Nothing here imports the SDK: `console.stack.session` does that when a session is used.
"""

from __future__ import annotations

import argparse
import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands.context import CommandContext
from console.commands.options import lightspeed_config_path
from console.settings.live import LiveOptions
from console.settings.target import Target
from console.settings.targets import OPTION_KEYS
from console.shared.diagnosis import Diagnosis
from console.shared.numbers import MAX_RETRIES, MAX_TIMEOUT_S
from console.shared.output import narrate

if TYPE_CHECKING:
    from console.config.loaded import Loaded
    from console.library.session import BootReport, LibrarySession
    from console.releases.catalog import ServerRelease
    from console.stack.session import NoServer, StackSession

_Options = argparse._ActionsContainer
"""A parser or one of its argument groups: where options are added."""


def positive_float(text: str) -> float:
    """An argparse type: a number of seconds, more than 0 and at most `MAX_TIMEOUT_S`.

    ``inf``, ``nan`` and ``1e300`` are numbers to ``float()``; none is a timeout (an
    infinite one never ends, a NaN compares false with everything, so no bound holds).
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f"must be a finite number of seconds (at most {MAX_TIMEOUT_S:g}), not {text}"
        )
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    if value > MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TIMEOUT_S:g} seconds, not {text}")
    return value


def answer_size(text: str) -> int:
    """An argparse type: ``--max-answer``, a size from 64 KiB to 1 GiB (``64MiB``)."""
    from console.stack.bounds import MAX_ANSWER_LIMIT, MIN_ANSWER_LIMIT, parse_size, size_text

    try:
        value = parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if not MIN_ANSWER_LIMIT <= value <= MAX_ANSWER_LIMIT:
        raise argparse.ArgumentTypeError(
            f"must be {size_text(MIN_ANSWER_LIMIT)} to {size_text(MAX_ANSWER_LIMIT)}, not {text}"
        )
    return value


def add_server_options(parser: _Options) -> None:
    """``--url``, ``--provider-data-header``, ``--timeout`` and ``--stack-ca-bundle``."""
    parser.add_argument(
        "--url",
        default=None,
        metavar="URL",
        help="Llama Stack server to ask (default: llama_stack.url); in library mode, a server "
        "started from the same run.yaml",
    )
    parser.add_argument(
        "--provider-data-header",
        default=None,
        metavar="NAME",
        help="send provider data under this header name instead of the one chosen from the "
        "server's version (X-LlamaStack-Provider-Data for llama-stack 0.x, "
        "X-OGX-Provider-Data for OGX >= 1.0)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help="seconds to wait for a whole answer, from the request to its last byte (default: "
        "ogx.timeout or llama_stack.timeout, else 30; at most 3600)",
    )
    parser.add_argument(
        "--max-answer",
        type=answer_size,
        default=None,
        metavar="SIZE",
        help="the most of a test inference's answer to read, e.g. 64MiB (default: 16MiB, "
        "at most 256MiB); the server's listings are held to 8 MiB whatever this says",
    )
    parser.add_argument(
        "--boot-timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help="library mode: seconds to import and boot the release's library client (default: 180)",
    )
    parser.add_argument(
        "--stack-ca-bundle",
        type=Path,
        default=None,
        metavar="PEM",
        help="CA certificates to trust for an https:// Llama Stack / OGX server, instead of "
        "the system's (default: stack_ca_bundle in the settings file); the authority's "
        "--ca-bundle is not used for the server",
    )


def non_negative_int(text: str) -> int:
    """An argparse type: a count of retries, 0 to `MAX_RETRIES`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if not 0 <= value <= MAX_RETRIES:
        raise argparse.ArgumentTypeError(f"must be 0 to {MAX_RETRIES}, not {text}")
    return value


def authority_argument(text: str) -> str:
    """An argparse type: ``--authority`` as given, unless it cannot name an authority.

    A typo (``--authority "not a url"``) is a usage error (exit 2) naming the flag and the
    forms it takes; left to the token request, it would end as a connection failure.
    """
    from console.entra.authority import ACCEPTED_FORMS, authority_problem

    problem = authority_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(
            f"not an authority: {text!r} ({problem}); accepted: {ACCEPTED_FORMS}"
        )
    return text


def add_entra_options(parser: _Options) -> None:
    """``--authority``, ``--ca-bundle`` and ``--retries``: how the token is requested."""
    parser.add_argument(
        "--authority",
        type=authority_argument,
        metavar="URL|public|usgov|china",
        default=None,
        help="Entra ID authority (default: AZURE_AUTHORITY_HOST, else the public cloud)",
    )
    parser.add_argument(
        "--ca-bundle",
        type=Path,
        default=None,
        metavar="PEM",
        help="CA certificates to trust for the authority (a private CA or TLS proxy); not "
        "used for the Llama Stack server (--stack-ca-bundle)",
    )
    parser.add_argument(
        "--retries",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="retries after a failed token request (default: 0, fail fast)",
    )


_UNUSED_ENTRA_HELP = (
    "{name} requests no token: these options are accepted so that every command that talks "
    "to the server takes the same ones, and change nothing here."
)


def add_live_options(parser: argparse.ArgumentParser, *, requests_token: bool = True) -> None:
    """Every live option, the same set on every command that talks to the server.

    ``providers``, ``infer``, ``check`` and the TUI all take them, so a command line can be
    moved from one to another. A command that requests no token (``requests_token=False``)
    accepts the token's options too and says in its help that they change nothing.
    """
    add_server_options(parser.add_argument_group("Llama Stack server"))
    name = parser.prog.split()[-1]
    description = None if requests_token else textwrap.fill(_UNUSED_ENTRA_HELP.format(name=name))
    token = parser.add_argument_group("Entra ID token", description)
    add_entra_options(token)
    token.add_argument(
        "--token-timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help="connect and read timeout of the token request (default: 5 s connect, 10 s read)",
    )


def live_options(
    args: argparse.Namespace,
    context: CommandContext,
    *,
    model: str | None = None,
    prompt: str | None = None,
) -> LiveOptions:
    """The `LiveOptions` from arguments registered by `add_live_options`.

    The settings file supplies the defaults the command line did not override. The Llama
    Stack CA bundle is checked here, before any request, and the authority's is a file:
    `CaBundleError` (exit 2) names the flag, the deployment or the settings file that gave it.
    """
    return LiveOptions(
        url=args.url,
        provider_data_header=args.provider_data_header,
        stack_timeout=args.timeout,
        boot_timeout=args.boot_timeout,
        authority=args.authority,
        ca_bundle=authority_ca_bundle(args, context),
        stack_ca_bundle=stack_ca_bundle(args, context),
        token_timeout=args.token_timeout,
        max_answer=args.max_answer,
        retries=args.retries,
        model=model,
        prompt=prompt,
        sources={key: source for key, source in context.sources.items() if key in OPTION_KEYS},
    )


AUTHORITY_CA_REMEDY = (
    "Pass the PEM file of the CA that signed the authority's (or its proxy's) certificate "
    "with --ca-bundle PEM."
)


def authority_ca_bundle(args: argparse.Namespace, context: CommandContext) -> Path | None:
    """``--ca-bundle`` (or the deployment's ``ca_bundle``), if it is a regular file, else
    `CaBundleError` (exit 2): azure-identity opens it for every token request, and a named
    pipe would hang each of them (a missing file is left to the token step's diagnosis)."""
    from console.shared.ca_bundle import CaBundleError, check_regular
    from console.shared.files import is_missing

    bundle: Path | None = args.ca_bundle
    if bundle is None or is_missing(Path(bundle).expanduser()):
        return bundle
    source = context.source_of("ca_bundle", "--ca-bundle")
    try:
        check_regular(Path(bundle), AUTHORITY_CA_REMEDY)
    except CaBundleError as error:
        raise error.from_source(source) from None
    return bundle


def stack_ca_bundle(args: argparse.Namespace, context: CommandContext) -> Path | None:
    """``--stack-ca-bundle``, else the settings file's; checked, or `CaBundleError`."""
    from console.shared.ca_bundle import STACK_CA_FLAG, STACK_CA_SETTING, CaBundleError
    from console.stack.sdk import tls_context

    settings = context.settings
    bundle = args.stack_ca_bundle
    source = context.source_of("stack_ca_bundle", STACK_CA_FLAG)
    if bundle is None and settings.stack_ca_bundle is not None:
        bundle, source = settings.stack_ca_bundle, f"{settings.path}: {STACK_CA_SETTING}"
    if bundle is None:
        return None
    try:
        tls_context(bundle)  # read once here; the session reuses the cached context
    except CaBundleError as error:
        raise error.from_source(source) from None
    return Path(bundle)


def session_for(options: LiveOptions, loaded: Loaded) -> StackSession | NoServer | None:
    """The Llama Stack session the server options ask for; None after a usage error is said."""
    from console.stack.session import HeaderNameError, open_session

    try:
        return open_session(
            loaded,
            url=options.url,
            provider_data_header=options.provider_data_header,
            timeout=options.stack_timeout,
            ca_bundle=options.stack_ca_bundle,
            max_answer=options.max_answer,
        )
    except HeaderNameError as error:
        narrate(f"error: --provider-data-header: {error}", "red")
        return None


def target_for(
    args: argparse.Namespace,
    context: CommandContext,
    *,
    model: str | None = None,
    prompt: str | None = None,
) -> Target:
    """The deployment the command line names, as the doctor and the console check it."""
    deployment = context.deployment
    return Target(
        lightspeed_config=lightspeed_config_path(args),
        run_config=args.run_config,
        options=live_options(args, context, model=model, prompt=prompt),
        environ=context.environ,
        baseline=args.baseline,
        env_secrets=context.env_secrets,
        deployment=deployment.name if deployment else None,
        tag=deployment.tag if deployment else None,
        env_notice=context.notice,
        sources={key: context.sources[key] for key in FILE_KEYS if key in context.sources},
        env_sources=context.env_sources,
        settings_file=context.settings_file if deployment else None,
        env_file=context.env_file,
    )


FILE_KEYS = ("config", "run_config", "baseline", "env_file")
"""The files a deployment's entry may give, whose source a `Target` keeps."""


def library_session_for(
    context: CommandContext,
    options: LiveOptions,
    loaded: Loaded,
    release: ServerRelease | None = None,
) -> LibrarySession:
    """Library mode's session: the run.yaml booted in its release, as Lightspeed boots it."""
    from console.library.open import library_session, release_for

    release = release or release_for(loaded)
    run = loaded.run.path if loaded.run is not None else "run.yaml"
    narrate(
        f"booting {run} in the {release.label} library client, as Lightspeed's library mode "
        "does (stores in a temporary folder)",
        "dim",
    )
    return library_session(
        loaded,
        options,
        environ=context.environ,
        secrets=context.env_secrets,
        progress=lambda line: narrate(line, "dim"),
        release=release,
    )


def narrate_boot(report: BootReport) -> None:
    """How the library boot went: its time, and what this machine could not boot."""
    imported = f" (import {report.import_s:.1f} s)" if report.import_s is not None else ""
    narrate(f"library: {report.release} booted in {report.seconds:.1f} s{imported}", "dim")
    for warning in report.warnings():
        narrate(f"warning: {warning}", "yellow")


def report_not_verified(reason: str, remedy: str) -> None:
    """A check that could not be made here, on stderr: not a failure of the deployment."""
    narrate(f"not verified: {reason}", "yellow")
    narrate(f"  remedy: {remedy}")


def report_failure(diagnosis: Diagnosis) -> None:
    """A failed live call on stderr: code and title in red, then meaning, remedy, endpoint."""
    first, *rest = diagnosis.as_text().splitlines()
    narrate(f"error: {first}", "red")
    for line in rest:
        narrate(line)
