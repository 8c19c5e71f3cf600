"""`TokenManager`: acquire and refresh Entra ID tokens the way Lightspeed does, and explain them.

Faithful to Lightspeed's ``AzureEntraIDManager`` (the sync ``ClientSecretCredential`` with the
``azure_entra_id`` block's tenant, client, secret and scope, a new credential for every
refresh, a refresh once the clock is past ``expires_on`` minus the leeway), with what an
operator watching needs besides: the SDK call off the event loop, one request however many
ask, a forced refresh, timeouts that fail fast, and every attempt recorded and diagnosed.
Tenant and client IDs are shown, as ``az`` shows them; the client secret and the token only
ever through `console.shared.redact`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

from console.entra import aadsts
from console.entra.authority import Authority, resolve_authority
from console.entra.claims import DecodedToken, NotAJwtError, TokenCheck, check_claims, decode_jwt
from console.entra.errors import TokenError, TokenRequest, diagnose
from console.settings.live import LiveOptions
from console.shared.blocking import run_blocking
from console.shared.diagnosis import Diagnosis
from console.shared.timefmt import az_local_time

if TYPE_CHECKING:
    from azure.identity import ClientSecretCredential

    from console.config.views import EntraIdSettings
    from console.entra.bounded_http import BoundedSession

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_READ_TIMEOUT_S",
    "DEFAULT_RETRIES",
    "TOKEN_EXPIRATION_LEEWAY",
    "Attempt",
    "TokenError",
    "TokenManager",
    "TokenStatus",
]

TOKEN_EXPIRATION_LEEWAY = 30
"""Seconds before ``expires_on`` at which a token counts as expired (Lightspeed's value)."""
# The defaults fail fast where the SDK would retry silently for ~9 s; the authority can be
# overridden (argument, AZURE_AUTHORITY_HOST, cloud names) and its CA trusted (ca_bundle).
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 10.0
DEFAULT_RETRIES = 0
HISTORY_SIZE = 100
MAX_TOKEN_LIFETIME_S = 7 * 24 * 3600
"""An Entra access token lives 60-90 minutes (a lifetime policy: at most a day); an
``expires_on`` further than a week from now, either way, is not one."""
REQUEST_CALLS = 2
"""The sync flow's requests for a token: the OpenID configuration, then the token."""
MARGIN_S = 5.0
TOKEN_TYPE = "Bearer"  # noqa: S105  (the scheme name, not a credential)
"""What Entra issues for client credentials; the sync SDK does not report it."""

Clock = Callable[[], float]
Outcome = Literal["ok", "error"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One token request: when (by the manager's clock), how long, and how it ended.

    ``code`` is the diagnosis code of a failure (``AADSTS7000215``, ``TIMEOUT``, ...).
    """

    started_at: float
    duration_s: float
    outcome: Outcome
    code: str | None
    forced: bool
    expires_on: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "startedAt": self.started_at,
            "durationMs": round(self.duration_s * 1000, 1),
            "outcome": self.outcome,
            "code": self.code,
            "forced": self.forced,
            "expires_on": self.expires_on,
        }


@dataclass(frozen=True, slots=True)
class _Acquired:
    token: SecretStr
    expires_on: int
    acquired_at: float
    decoded: DecodedToken | None
    decode_error: str | None
    lifetime_s: float | None = None
    """``expires_on`` minus the moment it arrived, by the wall clock: its ``expires_in``."""


@dataclass(frozen=True)
class TokenStatus:
    """A token and everything an operator wants to know about it, as of ``as_of``.

    ``header`` and ``claims`` are decoded locally WITHOUT a signature check
    (``signature_checked`` is always False); Azure OpenAI verifies the signature.
    ``seconds_left`` counts to ``expires_on``; the manager refreshes at ``refresh_at``.
    """

    token: SecretStr
    token_type: str
    expires_on: int
    refresh_at: int
    as_of: float
    acquired_at: float
    header: dict[str, Any]
    claims: dict[str, Any]
    tenant: str | None
    checks: tuple[TokenCheck, ...]
    authority: str
    scope: str
    signature_checked: bool = False

    @property
    def seconds_left(self) -> float:
        """Seconds from ``as_of`` to ``expires_on`` (negative once expired)."""
        return self.expires_on - self.as_of

    @property
    def seconds_to_refresh(self) -> float:
        """Seconds from ``as_of`` to the refresh point."""
        return self.refresh_at - self.as_of

    @property
    def ok(self) -> bool:
        """No check failed (a warning, or a check that cannot be decided, is no failure)."""
        return not self.failed_checks

    @property
    def failed_checks(self) -> list[TokenCheck]:
        """The checks whose answer is no."""
        return [check for check in self.checks if check.state == "fail"]

    @property
    def warned_checks(self) -> list[TokenCheck]:
        """The checks that pass with a warning (a token Lightspeed refreshes on every use)."""
        return [check for check in self.checks if check.state == "warn"]

    def to_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        """``az account get-access-token``'s fields, then the console's own.

        ``accessToken`` is present only when ``reveal`` is set: leaving it out (rather than
        masking it) keeps scripts from mistaking a mask for a token.
        """
        data: dict[str, Any] = {}
        if reveal:
            data["accessToken"] = self.token.get_secret_value()
        data |= {
            "expiresOn": az_local_time(self.expires_on),
            "expires_on": self.expires_on,
            "tenant": self.tenant,
            "tokenType": self.token_type,
            "refreshAt": az_local_time(self.refresh_at),
            "refresh_at": self.refresh_at,
            "secondsLeft": int(self.seconds_left),
            "authority": self.authority,
            "scope": self.scope,
            "signatureChecked": self.signature_checked,
            "header": self.header,
            "claims": self.claims,
            "checks": [check.to_dict() for check in self.checks],
        }
        return data


def _settings_value(value: SecretStr | None, name: str, request: TokenRequest) -> str:
    text = value.get_secret_value() if value is not None else ""
    if text:
        return text
    if name == "client_secret":
        entry = aadsts.explain(7000218)
        raise TokenError(
            Diagnosis("AADSTS7000218", entry.title, entry.meaning, entry.remedy, request.token_url)
        )
    raise TokenError(
        Diagnosis(
            f"MISSING_{name.upper()}",
            f"azure_entra_id.{name} is not set",
            f"A token cannot be requested without {name}.",
            f"Set azure_entra_id.{name} (usually as ${{env.{name.upper()}}}) and export the "
            "variable (or pass the pod's env file with --env-file).",
            request.authority,
        )
    )


def _quiet_sdk_logging() -> None:
    """Keep the SDK's own failure warnings off stderr: the console reports failures itself.

    A NullHandler only stops Python's last-resort printing; an application that configures
    logging still receives these records.
    """
    for name in ("azure", "msal"):
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())


def given_token_status(token: SecretStr, *, scope: str, clock: Clock = time.time) -> TokenStatus:
    """A token the operator gave (``--token-file``), described as one that was requested.

    Nothing was asked of Entra ID, so nothing is checked against the configuration; the
    claims are decoded locally, for a rejected token's explanation.
    """
    try:
        decoded = decode_jwt(token.get_secret_value())
    except NotAJwtError:
        decoded = None
    payload = decoded.payload if decoded else {}
    exp = payload.get("exp")
    expires_on = 0  # unknown, or a time claim no date holds
    if isinstance(exp, int) and not isinstance(exp, bool) and 0 < exp < 2**40:
        expires_on = exp
    tid = payload.get("tid")
    now = clock()
    return TokenStatus(
        token=token,
        token_type=TOKEN_TYPE,
        expires_on=expires_on,
        refresh_at=expires_on,
        as_of=now,
        acquired_at=now,
        header=decoded.header if decoded else {},
        claims=payload,
        tenant=tid if isinstance(tid, str) else None,
        checks=(),
        authority="(given, not requested)",
        scope=scope,
    )


class TokenManager:
    """Tokens for one ``azure_entra_id`` configuration, cached until their refresh point.

    Safe to share between tasks of one event loop and between loops or threads: the cache
    and the flight in progress are guarded by a lock held only for bookkeeping, never
    across a network call. Construction validates the settings and the authority and
    raises `TokenError` (never a ValueError) for what the SDK would refuse.
    """

    @classmethod
    def for_options(
        cls,
        settings: EntraIdSettings,
        options: LiveOptions,
        environ: Mapping[str, str],
        env_sources: Mapping[str, str] | None = None,
    ) -> TokenManager:
        """The manager the live options ask for: one rule for the doctor, ``token``, ``infer``.

        ``env_sources`` says which env file (and line) gave a variable, so an authority
        from ``AZURE_AUTHORITY_HOST`` is said with where it was set.

        ``--token-timeout`` bounds both the connect and the read; unset, each has its default.
        """
        seconds = options.token_timeout
        return cls(
            settings,
            authority=options.authority,
            authority_source=options.sources.get("authority"),
            authority_env_source=(env_sources or {}).get("AZURE_AUTHORITY_HOST"),
            ca_bundle=options.ca_bundle,
            retries=options.retries,
            connect_timeout=seconds or DEFAULT_CONNECT_TIMEOUT_S,
            read_timeout=seconds or DEFAULT_READ_TIMEOUT_S,
            environ=environ,
        )

    def __init__(
        self,
        settings: EntraIdSettings,
        *,
        authority: str | None = None,
        ca_bundle: str | Path | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
        read_timeout: float = DEFAULT_READ_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        leeway_s: float = TOKEN_EXPIRATION_LEEWAY,
        clock: Clock = time.time,
        environ: Mapping[str, str] | None = None,
        authority_source: str | None = None,
        authority_env_source: str | None = None,
    ) -> None:
        self.settings = settings
        """The settings this manager was built from (a config reload compares against them)."""
        self._authority: Authority = resolve_authority(
            authority, environ, source=authority_source, env_source=authority_env_source
        )
        tenant_text = settings.tenant_id.get_secret_value() if settings.tenant_id else ""
        self._request = TokenRequest(self._authority.url, tenant_text)
        self._tenant_id = _settings_value(settings.tenant_id, "tenant_id", self._request)
        self._client_id = _settings_value(settings.client_id, "client_id", self._request)
        _settings_value(settings.client_secret, "client_secret", self._request)
        self._client_secret: SecretStr = settings.client_secret or SecretStr("")
        self._scope = settings.scope
        self._ca_bundle = Path(ca_bundle) if ca_bundle is not None else None
        if self._ca_bundle is not None:
            self._check_ca_bundle(self._ca_bundle)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._retries = retries
        self._leeway_s = leeway_s
        self._clock = clock
        self._lock = threading.Lock()
        self._acquired: _Acquired | None = None
        self._flight: concurrent.futures.Future[_Acquired] | None = None
        self._history: deque[Attempt] = deque(maxlen=HISTORY_SIZE)
        self._session: BoundedSession | None = None
        """The latest credential's HTTP session (which URL it asked last)."""

    def _check_ca_bundle(self, bundle: Path) -> None:
        from console.shared.ca_bundle import authority_bundle_problem

        problem = authority_bundle_problem(bundle)
        if problem is not None:
            raise TokenError(
                Diagnosis(
                    "CA_BUNDLE",
                    "CA bundle for the authority cannot be used",
                    f"--ca-bundle {bundle} {problem}.",
                    "Pass the PEM file of the CA that signed the authority's (or the "
                    "TLS-inspecting proxy's) certificate with --ca-bundle PEM.",
                    self._request.authority,
                )
            )

    # -- what the operator sees about the setup

    @property
    def authority(self) -> Authority:
        """The authority token requests go to, and where that choice came from."""
        return self._authority

    @property
    def request(self) -> TokenRequest:
        """Authority and tenant: the endpoints a diagnosis names."""
        return self._request

    @property
    def scope(self) -> str:
        """The scope requested (from the configuration)."""
        return self._scope

    @property
    def tenant_id(self) -> str:
        """The configured tenant (an identifier, shown as ``az`` shows it)."""
        return self._tenant_id

    @property
    def client_id(self) -> str:
        """The configured client (an identifier, shown as ``az`` shows it)."""
        return self._client_id

    @property
    def leeway_s(self) -> float:
        """Seconds before expiry at which the token is refreshed."""
        return self._leeway_s

    @property
    def history(self) -> tuple[Attempt, ...]:
        """Every token request made, oldest first (the last `HISTORY_SIZE`)."""
        with self._lock:
            return tuple(self._history)

    @property
    def is_token_expired(self) -> bool:
        """No token yet, or the clock is past the refresh point (Lightspeed's test)."""
        acquired = self._acquired
        return acquired is None or self._is_due(acquired)

    def current(self) -> TokenStatus | None:
        """The cached token's status as of now, without any request; None before the first."""
        acquired = self._acquired
        return self._status(acquired) if acquired is not None else None

    # -- getting tokens

    async def get_token(self) -> TokenStatus:
        """The cached token, or a new one once the clock is past the refresh point.

        Raises `TokenError` when a needed refresh fails (the old token stays in `current`).
        """
        acquired = self._acquired
        if acquired is not None and not self._is_due(acquired):
            return self._status(acquired)
        return await self._refresh(forced=False)

    async def force_refresh(self) -> TokenStatus:
        """A new token from a new credential (the SDK has no refresh), whatever the cache holds.

        A refresh already in flight is joined rather than doubled: it started after the
        cached token and uses a new credential too.
        """
        return await self._refresh(forced=True)

    # -- internals

    def _is_due(self, acquired: _Acquired) -> bool:
        return self._clock() > acquired.expires_on - self._leeway_s

    async def _refresh(self, *, forced: bool) -> TokenStatus:
        with self._lock:
            fresh = self._acquired
            if not forced and self._flight is None and fresh and not self._is_due(fresh):
                return self._status(fresh)  # a flight landed while this caller looked
            # Single flight: however many callers ask during a refresh, one request is made.
            flight = self._flight
            leader = flight is None
            if flight is None:
                flight = concurrent.futures.Future()
                # RUNNING futures cannot be cancelled: one impatient caller must not cancel
                # the flight the others are waiting for.
                flight.set_running_or_notify_cancel()
                self._flight = flight
        try:
            # Each answer is bounded where it is read (`console.entra.bounded_http`); this
            # bounds what is not: an authority dripping its status line and headers.
            async with asyncio.timeout(self.request_bound_s):
                if leader:
                    # Shielded: if the leader is cancelled, the thread still completes the
                    # flight. A daemon thread, which the process exits without waiting for:
                    # the event loop (the TUI) never stalls, and a quit or Ctrl+C never waits
                    # for an authority that does not answer.
                    await asyncio.shield(run_blocking(self._fly, flight, forced))
                acquired = await asyncio.wrap_future(flight)
        except TokenError as error:
            raise TokenError(error.diagnosis) from None  # a fresh exception per waiter
        except TimeoutError:
            raise TokenError(self._too_long()) from None
        return self._status(acquired)

    @property
    def request_bound_s(self) -> float:
        """The longest a token request may take: each of its calls (and retries) at their
        timeouts, a whole answer counted at twice the read timeout, and a margin."""
        per_call = self._connect_timeout + 2 * self._read_timeout
        return REQUEST_CALLS * per_call * (self._retries + 1) + MARGIN_S

    def _too_long(self) -> Diagnosis:
        return Diagnosis(
            "TIMEOUT",
            "Token request timed out",
            f"No token within {self.request_bound_s:g} s, the bound of a whole token request "
            "from its timeouts: the authority (or a proxy) answers so slowly that no single "
            "read times out.",
            "Check network reachability of the authority and any proxy on the way; raise "
            "--token-timeout if the path is really that slow.",
            self._request.tenant_url,
        )

    def _fly(self, flight: concurrent.futures.Future[_Acquired], forced: bool) -> None:
        """Run one token request in a worker thread and settle ``flight`` with its outcome."""
        started_at = self._clock()
        started = time.perf_counter()
        try:
            token, expires_on = self._request_token()
            lifetime_s = expires_on - time.time()  # the wall clock, as the SDK's expires_on
            self._check_lifetime(expires_on)
            acquired = self._acquire(token, expires_on, lifetime_s)
        except Exception as error:  # every failure becomes a diagnosis, never escapes raw
            diagnosis = self._diagnose(error)
            elapsed = time.perf_counter() - started
            self._settle(flight, Attempt(started_at, elapsed, "error", diagnosis.code, forced))
            flight.set_exception(TokenError(diagnosis))
            return
        except BaseException as error:  # interpreter shutdown and the like: free the waiters
            with self._lock:
                if self._flight is flight:
                    self._flight = None
            flight.set_exception(error)
            raise
        elapsed = time.perf_counter() - started
        attempt = Attempt(started_at, elapsed, "ok", None, forced, expires_on)
        self._settle(flight, attempt, acquired)
        flight.set_result(acquired)

    def _settle(
        self,
        flight: concurrent.futures.Future[_Acquired],
        attempt: Attempt,
        acquired: _Acquired | None = None,
    ) -> None:
        """Record the attempt, cache a new token, and let the next refresh start a flight."""
        with self._lock:
            self._history.append(attempt)
            if acquired is not None:
                self._acquired = acquired
            if self._flight is flight:
                self._flight = None

    def _diagnose(self, error: Exception) -> Diagnosis:
        if isinstance(error, TokenError):
            return error.diagnosis
        session = self._session
        last_url = session.last_url if session is not None else None
        return diagnose(error, self._request, [self._client_secret], last_url=last_url)

    def _request_token(self) -> tuple[str, int]:
        """The blocking SDK call: a new credential, one ``get_token(scope)``, closed after."""
        credential = self._new_credential()
        try:
            access = credential.get_token(self._scope)
        finally:
            credential.close()
        return access.token, int(access.expires_on)

    def _new_credential(self) -> ClientSecretCredential:
        from azure.identity import ClientSecretCredential  # ~0.5 s: never on the first frame

        from console.entra.bounded_http import BoundedSession, bounded_transport

        _quiet_sdk_logging()
        self._session = BoundedSession(seconds=self._read_timeout)
        options: dict[str, Any] = {
            "authority": self._authority.url,
            "disable_instance_discovery": self._authority.disable_instance_discovery,
            "retry_total": self._retries,
            # Every answer of the authority within 4 MiB and the read timeout as a whole.
            "transport": bounded_transport(
                connection_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
                verify=str(self._ca_bundle) if self._ca_bundle is not None else True,
                session=self._session,
            ),
        }
        return ClientSecretCredential(
            self._tenant_id, self._client_id, self._client_secret.get_secret_value(), **options
        )

    def _check_lifetime(self, expires_on: int) -> None:
        """An ``expires_on`` no Entra ID token has (``expires_in`` of 3e14) is a failure:
        nothing could be said about its refresh, and no date holds it."""
        left = expires_on - time.time()  # the wall clock: a test's clock may be anywhere
        if abs(left) <= MAX_TOKEN_LIFETIME_S:
            return
        raise TokenError(
            Diagnosis(
                "TOKEN_LIFETIME",
                "The authority gave the token a lifetime no Entra ID token has",
                f"Its expires_in puts the expiry {left:.3g} s from now; Entra ID access tokens "
                "live 60 to 90 minutes (a lifetime policy allows at most a day). The "
                "authority is not Entra ID, or it is broken.",
                "Check the authority (--authority, AZURE_AUTHORITY_HOST) and any proxy that "
                "answers for it.",
                self._request.token_url,
            )
        )

    def _acquire(self, token: str, expires_on: int, lifetime_s: float | None) -> _Acquired:
        decoded: DecodedToken | None = None
        error: str | None = None
        try:
            decoded = decode_jwt(token)
        except NotAJwtError as problem:
            error = str(problem)
        return _Acquired(SecretStr(token), expires_on, self._clock(), decoded, error, lifetime_s)

    def _status(self, acquired: _Acquired) -> TokenStatus:
        now = self._clock()
        payload = acquired.decoded.payload if acquired.decoded else {}
        if acquired.decoded is not None:
            checks = check_claims(
                payload,
                scope=self._scope,
                tenant_id=self._tenant_id,
                client_id=self._client_id,
                now=now,
                leeway_s=self._leeway_s,
                lifetime_s=acquired.lifetime_s,
                authority=self._authority.described,
            )
        else:
            checks = [
                TokenCheck(
                    "jwt",
                    False,
                    "a JWT (header.payload.signature)",
                    acquired.decode_error or "not decodable",
                    "Entra ID access tokens for Azure OpenAI are JWTs: check the authority.",
                )
            ]
        tid = payload.get("tid")
        return TokenStatus(
            token=acquired.token,
            token_type=TOKEN_TYPE,
            expires_on=acquired.expires_on,
            refresh_at=int(acquired.expires_on - self._leeway_s),
            as_of=now,
            acquired_at=acquired.acquired_at,
            header=acquired.decoded.header if acquired.decoded else {},
            claims=payload,
            tenant=tid if isinstance(tid, str) else self._tenant_id,
            checks=tuple(checks),
            authority=self._authority.url,
            scope=self._scope,
        )
