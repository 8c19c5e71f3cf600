"""5 Token: the Entra ID token Lightspeed would send, what it says, and why it failed.

The operator gets (``r``: the cached one while it is good) or forces (``R``) a token with the same
client-credentials flow Lightspeed uses, and sees: a live countdown to expiry and to the
refresh point (expiry minus the 30 s leeway), ticking on the app's clock; the claims,
decoded locally with dates rendered (the signature is not checked: Azure OpenAI does that);
each check against the configuration with its remedy; every request made so far; and, when
Entra ID refused, the diagnosis (AADSTS code, meaning, remedy, endpoint).

The token itself is only ever shown masked (`console.shared.redact.describe`). Copying it
in clear (``C``: a capital is a key's stronger form, as ``R``) is an explicit act behind a
confirmation, because the clipboard outlives the console; the log records that it was
copied, never what.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Static

from console.doctor.results import CheckStatus
from console.entra.claims import claim_text, claim_time
from console.shared.redact import describe
from console.shared.sanitize import visible
from console.shared.timefmt import countdown, local_time
from screens.base import ConsoleScreen
from screens.host import ConsoleHost
from screens.staleness import token_expired
from screens.visible import SafeStatic
from screens.widgets.confirm import ConfirmDialog
from screens.widgets.countdown import Countdown
from screens.widgets.status_badge import FAIL_STYLE, STALE_STYLE

if TYPE_CHECKING:
    from console.entra.manager import Attempt, TokenStatus

WIDE_AT = 140
"""From this many columns, the claims and the checks sit side by side."""

_CLAIMS: tuple[tuple[str, str], ...] = (
    ("aud", "audience: the resource the token is for"),
    ("iss", "issuer: the Entra ID tenant that signed it"),
    ("tid", "tenant ID"),
    ("appid", "application (client) ID, v1 tokens"),
    ("azp", "authorized party (client) ID, v2 tokens"),
    ("roles", "app roles granted to the client"),
    ("iat", "issued at"),
    ("nbf", "not valid before"),
    ("exp", "expires at"),
    ("ver", "token format version"),
    ("idtyp", "identity type (app: client credentials)"),
)
_DATE_CLAIMS = frozenset({"iat", "nbf", "exp"})


class TokenScreen(ConsoleScreen):
    """The token: countdown, claims, checks, history and diagnosis."""

    TITLE = "5 Token"
    DEFAULT_CSS = """
    TokenScreen {
        #token-status {
            height: auto;
            padding: 0 1;
        }
        #token-scroll {
            height: 1fr;
        }
        #token-diagnosis {
            height: auto;
            border: round $error;
            padding: 0 1;
        }
        #token-columns {
            layout: vertical;
            height: auto;
        }
        #token-left, #token-right {
            height: auto;
            padding: 0 1;
        }
        #token-countdown, #token-claims, #token-checks {
            margin-bottom: 1;
        }
        .token-heading {
            text-style: bold;
        }
        #token-history {
            height: auto;
            max-height: 12;
        }
        &.-wide #token-columns {
            layout: horizontal;
        }
        &.-wide #token-left, &.-wide #token-right {
            width: 1fr;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "acquire", "Get token", id="token.acquire"),
        Binding("R", "force_refresh", "Force new token", id="token.refresh"),
        Binding("C", "copy", "Copy token in clear…", id="token.copy"),
    ]

    def __init__(self, console: ConsoleHost) -> None:
        super().__init__(console)
        self._history_shown: tuple[Attempt, ...] | None = None
        self._clock_ticker: Timer | None = None
        self._expired_shown = False

    def compose_body(self) -> ComposeResult:
        yield SafeStatic(id="token-status")
        with VerticalScroll(id="token-scroll"):
            yield SafeStatic(id="token-diagnosis")
            with Container(id="token-columns"):
                with Vertical(id="token-left"):
                    yield Countdown(self._now, id="token-countdown")
                    yield SafeStatic(id="token-claims")
                with Vertical(id="token-right"):
                    yield SafeStatic(id="token-checks")
                    yield Static("Requests to Entra ID (newest first)", classes="token-heading")
                    yield DataTable(id="token-history", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        history = self.query_one("#token-history", DataTable)
        history.add_column("TIME", key="time")
        history.add_column("DURATION", key="duration")
        history.add_column("OUTCOME", key="outcome")
        history.add_column("CODE", key="code")
        history.add_column("FORCED", key="forced")
        super().on_mount()

    def _now(self) -> float:
        """The app's clock (frozen in tests), read at each tick."""
        return self.console.clock()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE_AT, "-wide")

    # ------------------------------------------------------------------ drawing

    def refresh_view(self) -> None:
        state = self.console.doctor.state
        token = state.token
        self._expired_shown = self._expired is not None
        result = state.results.get("token")
        running = "token" in self.console.running
        self.query_one("#token-status", Static).update(self._status_line(token, running))
        self._show_diagnosis()
        countdown_widget = self.query_one(Countdown)
        if token is None:
            countdown_widget.set_target(None, None)
            failed = result is not None and result.status is CheckStatus.FAIL
            self.query_one("#token-claims", Static).update(
                Text("no valid token" if failed else "no token yet", style="dim")
            )
            self.query_one("#token-checks", Static).update("")
        else:
            countdown_widget.set_target(
                token.expires_on, token.refresh_at, claim_time(token.claims.get("iat"))
            )
            self.query_one("#token-claims", Static).update(self._claims(token))
            checks = _checks(token, self._expired, self.console.files_changed, self.console.clock())
            self.query_one("#token-checks", Static).update(checks)
        self._show_history()

    @property
    def _expired(self) -> str | None:
        return token_expired(self.console.doctor.state.token, self.console.clock())

    def on_screen_resume(self) -> None:
        """Shown: follow the clock, so an expiry is said the second it happens."""
        if self._clock_ticker is None:
            self._clock_ticker = self.set_interval(1.0, self._tick_clock)
        else:
            self._clock_ticker.resume()

    def on_screen_suspend(self) -> None:
        if self._clock_ticker is not None:
            self._clock_ticker.pause()

    def _tick_clock(self) -> None:
        expired = self._expired is not None
        if expired != self._expired_shown:
            self.refresh_view()

    def waiting(self) -> bool:
        return "token" in self.console.running

    def refresh_waiting(self) -> None:
        """Only the status line moves while Entra ID is asked."""
        state = self.console.doctor.state
        self.query_one("#token-status", Static).update(self._status_line(state.token, True))

    def _status_line(self, token: TokenStatus | None, running: bool) -> Text:
        text = Text()
        if running:
            text.append(f"⟳ asking Entra ID for a token… {self.waited('token')}  ", "bold cyan")
        if token is None:
            if not running:
                text.append("no token: ", style="bold")
                text.append("r gets one, R forces a new one", style="dim")
            return text
        expired = self._expired
        if expired is not None:
            text.append(" ✗ EXPIRED ", style=FAIL_STYLE)
            text.append(
                f" {expired}: the claims and checks below describe a token that no longer "
                "works; r gets a new one\n",
                style="bold red",
            )
        text.append("token ", style="bold")
        text.append(describe(token.token), style="bold")
        text.append(f"  {token.token_type}", style="cyan")
        text.append(f"  acquired {local_time(token.acquired_at)}", style="dim")
        text.append(f"\nscope {token.scope}  authority {token.authority}", style="dim")
        text.append_text(self._library_cost())
        return text

    def _library_cost(self) -> Text:
        """In library mode, what each refresh costs Lightspeed: a new library client."""
        state = self.console.doctor.state
        loaded = state.loaded
        if loaded is None or loaded.llama_stack is None or loaded.llama_stack.mode != "library":
            return Text()
        boot = state.library_boot
        if boot is None:
            return Text(
                "\nlibrary mode: at each refresh Lightspeed builds and boots a new library "
                "client (its boot time shows once the stack step ran)",
                style="yellow",
            )
        return Text(
            f"\nlibrary mode: at each refresh Lightspeed builds and boots a new {boot.release} "
            f"library client; booting one took {boot.seconds:.1f} s here",
            style="yellow",
        )

    def _claims(self, token: TokenStatus) -> Group:
        table = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
        table.add_column("CLAIM", no_wrap=True)
        table.add_column("VALUE", overflow="fold", ratio=3)
        table.add_column("MEANING", style="dim", overflow="fold", ratio=2)
        now = self.console.clock()
        for name, meaning in _CLAIMS:
            if name not in token.claims:
                if name in ("appid", "azp"):
                    continue  # one of the two, depending on the token version
                table.add_row(name, Text("(absent)", style="dim"), meaning)
                continue
            table.add_row(name, _claim_value(name, token.claims[name], now), meaning)
        header = ", ".join(
            f"{key}={visible(str(token.header[key]))}"
            for key in ("alg", "typ", "kid")
            if key in token.header
        )
        note = Text.assemble(
            ("claims ", "bold"),
            ("decoded locally; signature NOT checked", "yellow"),
            " (Azure OpenAI verifies it)",
        )
        parts: list[Any] = [note, table]
        if header:
            parts.append(Text(f"header: {header}", style="dim"))
        return Group(*parts)

    def _show_diagnosis(self) -> None:
        """The failure explained, above everything else, only while the last attempt failed."""
        panel = self.query_one("#token-diagnosis", Static)
        result = self.console.doctor.state.results.get("token")
        if result is None or result.status is not CheckStatus.FAIL:
            panel.display = False
            return
        panel.display = True
        parts: list[Text] = []
        diagnosis = result.diagnosis
        if diagnosis is not None:
            parts.append(
                Text.assemble(
                    ("✗ ", "bold red"),
                    (diagnosis.code, "bold red"),
                    "  ",
                    (diagnosis.title, "bold"),
                )
            )
            parts.append(Text.assemble(("meaning  ", "bold"), diagnosis.meaning))
            parts.append(Text.assemble(("remedy   ", "bold green"), diagnosis.remedy))
            if diagnosis.endpoint:
                parts.append(Text.assemble(("endpoint ", "bold"), (diagnosis.endpoint, "cyan")))
        else:
            parts.append(Text.assemble(("✗ ", "bold red"), (result.summary, "bold")))
            if result.remedy:
                parts.append(Text.assemble(("remedy   ", "bold green"), result.remedy))
            parts.extend(Text(f"  {line}", style="dim") for line in result.details[:6])
        panel.update(Group(*parts))

    def _show_history(self) -> None:
        manager = self.console.doctor.state.token_manager
        history = manager.history if manager is not None else ()
        if history == self._history_shown:
            return
        self._history_shown = history
        table = self.query_one("#token-history", DataTable)
        table.clear()
        table.add_rows(_attempt_cells(attempt) for attempt in reversed(history))

    # ------------------------------------------------------------------ actions

    def action_acquire(self) -> None:
        """The cached token if still good, else a new one (what Lightspeed does per request)."""
        self.console.acquire_token(False)

    def action_force_refresh(self) -> None:
        """A new token from a new credential, whatever the cache holds."""
        self.console.acquire_token(True)

    def action_copy(self) -> None:
        """Copy the token in clear, after the operator confirms."""
        if self.console.doctor.state.token is None:
            self.notify("No token to copy: r gets one.", severity="warning")
            return
        message = Text.assemble(
            "The access token will be put in the clipboard ",
            ("in clear", "bold"),
            " (OSC 52: your terminal, and over SSH your local machine). Anyone who gets it "
            "can call Azure OpenAI as this app until it expires.",
        )
        self.app.push_screen(
            ConfirmDialog("Copy the access token?", message, confirm_label="Copy token"),
            self._copy_confirmed,
        )

    def _copy_confirmed(self, confirmed: bool | None) -> None:
        token = self.console.doctor.state.token
        if not confirmed:
            self.notify("Not copied.")
            return
        if token is None:
            self.notify("The token is gone (a refresh failed): nothing copied.", severity="warning")
            return
        self.app.copy_to_clipboard(token.token.get_secret_value())
        self.console.events.add("token copied to clipboard")
        self.notify("Token copied to the clipboard.", severity="warning")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _claim_value(name: str, value: object, now: float) -> Text:
    """A claim's value on one line; whatever the authority put in it is shown visibly."""
    if name in _DATE_CLAIMS and _is_number(value):
        epoch = claim_time(value)
        if epoch is None:
            return Text.assemble((claim_text(value), "bold"), ("  not a time", "red"))
        return Text.assemble(
            (local_time(epoch), "bold"), (f"  {countdown(epoch - now)}  ({int(epoch)})", "dim")
        )
    if isinstance(value, list):
        return Text(visible(", ".join(str(item) for item in value)) or "(none)")
    return Text(visible(str(value)))


def _checks(
    token: TokenStatus, expired: str | None, files_changed: Sequence[str], now: float
) -> Group:
    """One line per check; a failed or undecided one also says what was expected and why.

    The checks were made when the token was acquired: they say so, and once the token has
    expired (or the files it was checked against changed) they are marked out of date,
    the lifetime check first of all, which would still read "90 s left".
    """
    parts: list[Text] = [
        Text.assemble(
            ("checks against the configuration", "bold"),
            (f", as of {local_time(token.as_of)}", "dim"),
        )
    ]
    if expired is not None:
        parts.append(
            Text.assemble(
                (" ↻ out of date ", STALE_STYLE), f" the token {expired}: r gets a new one"
            )
        )
    if files_changed:
        parts.append(
            Text.assemble(
                (" ↻ out of date ", STALE_STYLE),
                f" {', '.join(files_changed)} changed on disk since: r runs the checks again",
            )
        )
    for check in token.checks:
        mark, style = check.look
        actual = check.actual
        if check.name == "lifetime" and check.state == "pass" and expired is not None:
            mark, style = CheckStatus.FAIL.mark, CheckStatus.FAIL.style
            actual = f"{expired} (had {check.actual} at acquisition)"
        parts.append(
            Text.assemble((f"{mark} ", f"bold {style}"), (f"{check.name:<9}", "bold"), actual)
        )
        if check.state != "pass":
            parts.append(Text(f"    expected {check.expected}", style="dim"))
            if check.remedy:
                parts.append(Text.assemble(("    remedy: ", "bold green"), check.remedy))
    return Group(*parts)


def _attempt_cells(attempt: Attempt) -> list[Text]:
    ok = attempt.outcome == "ok"
    return [
        Text(local_time(attempt.started_at)),
        Text(f"{attempt.duration_s * 1000:.0f} ms"),
        Text("✓ ok" if ok else "✗ error", style="green" if ok else "bold red"),
        Text(attempt.code or "-", style="" if ok else "red"),
        Text("forced" if attempt.forced else "-", style="yellow" if attempt.forced else "dim"),
    ]
