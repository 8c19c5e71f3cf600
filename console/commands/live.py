"""What the commands that talk to a Llama Stack server share: options, session, failures.

``providers`` and ``infer`` reach the server the same way (``llama_stack.url`` or
``--url``, the provider-data header detected or forced, one timeout) and report a failed
call the same way: the diagnosis on stderr, and in the JSON on stdout for scripts.
Nothing here imports the SDK: `console.stack` does that when a session is used.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console.diagnosis import Diagnosis
from console.live_options import LiveOptions
from console.output import narrate

if TYPE_CHECKING:
    from console.config.loader import Loaded
    from console.stack import NoServer, StackSession


def positive_float(text: str) -> float:
    """An argparse type: a number of seconds greater than zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """``--url``, ``--provider-data-header`` and ``--timeout``."""
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
        help="seconds to wait for each answer (default: llama_stack.timeout, else 30)",
    )


def non_negative_int(text: str) -> int:
    """An argparse type: a count of 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def add_entra_options(parser: argparse.ArgumentParser, *, retries: bool = True) -> None:
    """``--authority`` and ``--ca-bundle`` (and ``--retries``): how the token is requested."""
    parser.add_argument(
        "--authority",
        metavar="URL|public|usgov|china",
        default=None,
        help="Entra ID authority (default: AZURE_AUTHORITY_HOST, else the public cloud)",
    )
    parser.add_argument(
        "--ca-bundle",
        type=Path,
        default=None,
        metavar="PEM",
        help="CA certificates to trust for the authority (a private CA or TLS proxy)",
    )
    if retries:
        parser.add_argument(
            "--retries",
            type=non_negative_int,
            default=0,
            metavar="N",
            help="retries after a failed token request (default: 0, fail fast)",
        )


def add_live_options(parser: argparse.ArgumentParser) -> None:
    """Everything about how the live checks are made: server, header, authority, timeouts."""
    add_server_options(parser)
    add_entra_options(parser)
    parser.add_argument(
        "--token-timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help="connect and read timeout of the token request (default: 5 s connect, 10 s read)",
    )


def live_options(args: argparse.Namespace, **extra: str | None) -> LiveOptions:
    """The `LiveOptions` from arguments registered by `add_live_options` (plus ``extra``)."""
    return LiveOptions(
        url=args.url,
        provider_data_header=args.provider_data_header,
        stack_timeout=args.timeout,
        authority=args.authority,
        ca_bundle=args.ca_bundle,
        token_timeout=args.token_timeout,
        retries=args.retries,
        **extra,
    )


def session_for(args: argparse.Namespace, loaded: Loaded) -> StackSession | NoServer | None:
    """The Llama Stack session the server options ask for; None after a usage error is said."""
    from console.stack import HeaderNameError, open_session

    try:
        return open_session(
            loaded,
            url=args.url,
            provider_data_header=args.provider_data_header,
            timeout=args.timeout,
        )
    except HeaderNameError as error:
        narrate(f"error: --provider-data-header: {error}", "red")
        return None


def report_failure(diagnosis: Diagnosis) -> None:
    """A failed live call on stderr: code and title in red, then meaning, remedy, endpoint."""
    first, *rest = diagnosis.as_text().splitlines()
    narrate(f"error: {first}", "red")
    for line in rest:
        narrate(line)
