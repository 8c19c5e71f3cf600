"""``token``: acquire an Entra ID token the way Lightspeed does, decode it and check it.

Like ``az account get-access-token``, with Lightspeed's settings (azure_entra_id in
lightspeed-stack.yaml): ``--json`` prints accessToken (only with --show-token), expiresOn,
expires_on, tenant and tokenType, then the refresh point, the decoded claims (signature not
checked) and the checks against the configuration.

Exit codes: 0 a token was acquired and no check failed (a warning, such as a lifetime so
short that Lightspeed asks Entra ID on every request, is said on stderr); 1 the token
request failed (the diagnosis is printed on stderr) or a check failed; 2 the configuration
cannot be used (no azure_entra_id block, an unset variable, a missing setting).
"""

from __future__ import annotations

import argparse

from console.commands.common import UnusableConfig, add_config_options, load_for
from console.commands.context import CommandContext
from console.commands.live import add_entra_options, positive_float
from console.commands.parser import command_help
from console.config.loaded import Loaded
from console.config.views import EntraIdSettings
from console.entra.claims import claim_text, claim_time
from console.entra.errors import with_origins
from console.entra.manager import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_READ_TIMEOUT_S,
    TokenError,
    TokenManager,
    TokenStatus,
)
from console.entra.settings import entra_origins, entra_problems, wrong_types
from console.settings.live import LiveOptions
from console.shared.diagnosis import Diagnosis
from console.shared.exitcodes import ExitCode
from console.shared.interrupts import run_coroutine
from console.shared.output import Piece, emit, emit_json, narrate, paint, plain
from console.shared.redact import describe
from console.shared.sanitize import visible
from console.shared.timefmt import countdown, local_time

TOKEN_EXAMPLES = (
    (
        "token -d prod-eu",
        "a token as Lightspeed gets it, its claims and checks (the token itself masked)",
    ),
    (
        "token -c lightspeed-stack.yaml --env-file pod.env --json",
        "the pod's variables from a file; az's JSON fields",
    ),
    (
        "token -d prod-eu --raw",
        'the access token alone, for TOKEN="$(lightspeed-console token -d prod-eu --raw)"',
    ),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``token`` to the CLI."""
    parser = commands.add_parser(
        "token",
        help="acquire an Entra ID token as Lightspeed does; show its claims and checks",
        **command_help("token", __doc__, TOKEN_EXAMPLES),
    )
    add_config_options(parser)
    add_entra_options(parser)
    parser.add_argument(
        "--token-timeout",
        "--timeout",
        dest="timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help=f"connect and read timeout in seconds (default: connect "
        f"{DEFAULT_CONNECT_TIMEOUT_S:g}, read {DEFAULT_READ_TIMEOUT_S:g}); --token-timeout "
        "as on the commands that also talk to the server, which the remedies name",
    )
    parser.add_argument(
        "--show-token", action="store_true", help="print the access token itself (a credential)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print as JSON (az's field names)")
    output.add_argument(
        "--raw",
        action="store_true",
        help='print the access token alone (a credential), for TOKEN="$(lightspeed-console '
        'token --raw)"; the curl an inference prints fills $TOKEN with it',
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, context: CommandContext) -> ExitCode:
    """Load the settings, request a token, print it; the exit code says whether all is well."""
    loaded = load_for(args, context, allow_unusable=True)
    settings = usable_settings(loaded)
    if settings is None:
        return ExitCode.ERROR
    options = LiveOptions(
        authority=args.authority,
        ca_bundle=args.ca_bundle,
        token_timeout=args.timeout,
        retries=args.retries,
        sources={key: context.sources[key] for key in ("authority",) if key in context.sources},
    )
    origins = entra_origins(loaded, context.environ, context.env_sources)
    try:
        manager = TokenManager.for_options(settings, options, context.environ, context.env_sources)
    except TokenError as error:
        return _failed(with_origins(error.diagnosis, origins), args, [])
    narrate(
        f"token: client {manager.client_id} in tenant {manager.tenant_id}, scope {manager.scope}",
        "dim",
    )
    for key, origin in origins.items():
        narrate(f"  {key}: {origin}", "dim")
    narrate(f"authority: {manager.authority.url} ({manager.authority.source})", "dim")
    try:
        status = run_coroutine(manager.get_token())
    except TokenError as error:
        diagnosis = with_origins(error.diagnosis, origins)
        return _failed(diagnosis, args, [a.to_dict() for a in manager.history])
    narrate(f"acquired in {manager.history[-1].duration_s * 1000:.0f} ms", "dim")
    if args.raw:
        emit(status.token.get_secret_value() + "\n")
    elif args.json:
        data = status.to_dict(reveal=args.show_token)
        data["attempts"] = [attempt.to_dict() for attempt in manager.history]
        emit_json(data)
    else:
        emit(*summary_pieces(status, reveal=args.show_token))
    for check in status.warned_checks:
        narrate(f"warning: token check {check.name}: {check.actual}", "yellow")
    if not status.ok:
        names = ", ".join(check.name for check in status.failed_checks)
        narrate(f"token acquired, but {len(status.failed_checks)} check(s) failed: {names}", "red")
        return ExitCode.FOUND
    return ExitCode.OK


def usable_settings(loaded: Loaded) -> EntraIdSettings | None:
    """The azure_entra_id settings, or None after saying on stderr what is missing (exit 2)."""
    if bad := wrong_types(loaded):
        raise UnusableConfig(bad)
    problems = entra_problems(loaded)
    for problem in problems:
        narrate(f"error: {problem.message}", "red")
        narrate(f"  remedy: {problem.remedy}")
    return None if problems else loaded.entra


def _failed(diagnosis: Diagnosis, args: argparse.Namespace, attempts: list[object]) -> ExitCode:
    """Say what went wrong on stderr (and as JSON on stdout for scripts); exit 1."""
    first, *rest = diagnosis.as_text().splitlines()
    narrate(f"error: {first}", "red")
    for line in rest:
        narrate(line)
    if args.json:
        emit_json({"error": diagnosis.to_dict(), "attempts": attempts})
    return ExitCode.FOUND


def summary(status: TokenStatus, *, reveal: bool = False) -> str:
    """The readable view: the token masked unless revealed, times local, checks marked."""
    return plain(*summary_pieces(status, reveal=reveal))


def summary_pieces(status: TokenStatus, *, reveal: bool = False) -> list[Piece]:
    """`summary` as `emit` takes it: each check's mark coloured, every value on one line.

    The claims come from the token (whatever the authority put there) and are shown with
    their control characters escaped, like every value the console did not write.
    """
    claims = status.claims
    token = status.token.get_secret_value() if reveal else describe(status.token)
    rows: list[tuple[str, str]] = [
        ("token", token),
        ("type", status.token_type),
        ("tenant", str(status.tenant)),
        ("app", str(claims.get("appid") or claims.get("azp") or "-")),
        ("audience", str(claims.get("aud", "-"))),
        ("scope", status.scope),
        ("authority", status.authority),
    ]
    if isinstance(claims.get("roles"), list):
        rows.append(("roles", ", ".join(str(role) for role in claims["roles"]) or "-"))
    issued = claim_time(claims.get("iat"))
    if issued is not None:
        rows.append(("issued", f"{local_time(issued)} ({countdown(issued - status.as_of)})"))
    elif "iat" in claims:
        rows.append(("issued", f"{claim_text(claims['iat'])} (not a time)"))
    rows.append(("expires", f"{local_time(status.expires_on)} ({countdown(status.seconds_left)})"))
    leeway = status.expires_on - status.refresh_at
    rows.append(
        (
            "refresh at",
            f"{local_time(status.refresh_at)} ({countdown(status.seconds_to_refresh)}, "
            f"{leeway} s before expiry)",
        )
    )
    width = max(len(name) for name, _ in rows) + 2
    pieces: list[Piece] = [f"{name.ljust(width)}{visible(value)}\n" for name, value in rows]
    pieces.append("claims decoded locally; the signature is not checked (Azure OpenAI checks it)\n")
    pieces.append("checks\n")
    for check in status.checks:
        mark, style = check.look
        shown = check.actual if check.ok else f"expected {check.expected}, got {check.actual}"
        pieces.extend(("  ", paint(mark, style), f" {check.name.ljust(9)}{visible(shown)}\n"))
        if check.remedy:
            pieces.append(f"    {' ' * 9}remedy: {visible(check.remedy)}\n")
    return pieces
