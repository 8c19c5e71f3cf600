"""The token screen: acquire and refresh, a live countdown, failures explained, a guarded copy."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable, OptionList, Static

from console.doctor.results import CheckStatus
from console.sandbox.demo import DemoSandbox
from console.shared.timefmt import countdown
from screens.app import LightspeedConsole
from screens.doctor_screen import DoctorScreen
from screens.token_screen import TokenScreen
from screens.widgets.confirm import ConfirmDialog
from screens.widgets.countdown import Countdown
from tests.support import hostile_servers as h
from tests.support.hostile_servers import HostileServers
from tests.tui.conftest import SIZE, launch_for, text_of, wait_for, with_target


def token_done(app: LightspeedConsole) -> bool:
    return "token" in app.doctor.state.results and "token" not in app.running


async def open_token_screen(app: LightspeedConsole, pilot: object) -> TokenScreen:
    await pilot.press("5")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, TokenScreen)
    return app.screen


async def test_acquire_then_force_refresh_makes_exactly_two_requests(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_token_screen(app, pilot)
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        assert sandbox.entra.stand_in.token_requests == []
        await pilot.press("r")
        await wait_for(pilot, lambda: app.doctor.state.token is not None and not app.running)
        await pilot.press("r")  # cached: no new request
        await pilot.pause(0.2)
        await wait_for(pilot, lambda: not app.running)
        first = app.doctor.state.token
        assert first is not None
        await pilot.press("R")
        await wait_for(
            pilot,
            lambda: (
                app.doctor.state.token is not None
                and app.doctor.state.token is not first
                and not app.running
            ),
        )
        assert len(sandbox.entra.stand_in.token_requests) == 2
        await pilot.pause()
        history = screen.query_one("#token-history", DataTable)
        assert history.row_count == 2
        newest = [str(cell) for cell in history.get_row_at(0)]
        assert newest[2] == "✓ ok"
        assert newest[4] == "forced"
        claims = text_of(screen.query_one("#token-claims", Static))
        for claim in ("aud", "iss", "tid", "roles", "iat", "nbf", "exp", "ver", "idtyp"):
            assert claim in claims
        assert "signature NOT checked" in claims
        checks = text_of(screen.query_one("#token-checks", Static))
        assert "✓ aud" in checks
        assert "✗" not in checks


async def test_countdown_follows_the_frozen_clock(sandbox: DemoSandbox) -> None:
    assert sandbox.info is not None
    now = [time.time()]
    launch = dataclasses.replace(launch_for(sandbox.info, read_only=True), clock=lambda: now[0])
    app = LightspeedConsole(launch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_token_screen(app, pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.doctor.state.token is not None and not app.running)
        token = app.doctor.state.token
        assert token is not None
        widget = screen.query_one(Countdown)
        await pilot.pause()
        before = text_of(widget)
        assert countdown(token.expires_on - now[0]) in before
        assert countdown(token.refresh_at - now[0]) in before
        now[0] += 125
        # No redraw is asked for: the widget's own one-second tick must pick the clock up.
        await wait_for(
            pilot, lambda: countdown(token.expires_on - now[0]) in text_of(widget), timeout=3
        )
        after = text_of(widget)
        assert after != before
        assert countdown(token.refresh_at - now[0]) in after
        now[0] = token.refresh_at + 5
        await wait_for(pilot, lambda: "due" in text_of(widget), timeout=3)


async def test_wrong_secret_shows_the_aadsts_diagnosis(sandbox: DemoSandbox) -> None:
    assert sandbox.info is not None
    launch = with_target(
        launch_for(sandbox.info, read_only=True),
        environ={**sandbox.info.environ, "CLIENT_SECRET": "wrong"},
    )
    app = LightspeedConsole(launch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_token_screen(app, pilot)
        panel = screen.query_one("#token-diagnosis", Static)
        assert not panel.display
        await pilot.press("r")
        await wait_for(pilot, lambda: token_done(app))
        assert app.doctor.state.results["token"].status is CheckStatus.FAIL
        await pilot.pause()
        assert panel.display
        text = text_of(panel)
        assert "AADSTS7000215" in text
        assert "remedy" in text
        assert "endpoint" in text
        history = screen.query_one("#token-history", DataTable)
        assert [str(cell) for cell in history.get_row_at(0)][3] == "AADSTS7000215"


async def test_copy_needs_confirmation_and_the_token_never_shows(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_token_screen(app, pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.doctor.state.token is not None and not app.running)
        token = app.doctor.state.token
        assert token is not None
        secret = token.token.get_secret_value()
        await pilot.pause()
        assert "chars)" in text_of(screen.query_one("#token-status", Static))

        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen
        assert app.clipboard == ""

        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # the focused button is Cancel: a reflex Enter is harmless
        await pilot.pause()
        assert app.clipboard == ""

        await pilot.press("C")
        await pilot.pause()
        await pilot.click("#confirm-ok")
        await pilot.pause()
        assert app.screen is screen
        assert app.clipboard == secret

        texts = [event.text for event in app.events.events]
        assert "token copied to clipboard" in texts
        assert not any(secret in text for text in texts)
        screenshot = app.export_screenshot()
        assert secret not in screenshot
        assert secret[:40] not in screenshot


async def test_stays_responsive_during_a_slow_token_call(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    sandbox.entra.faults.token_latency_s = 1.5
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_token_screen(app, pilot)
        await wait_for(pilot, lambda: not app.running)
        await pilot.press("r")
        await wait_for(pilot, lambda: "token" in app.running, timeout=2)
        await pilot.pause()
        assert "⟳" in text_of(screen.query_one("#token-status", Static))
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, DoctorScreen)
        await pilot.press("down", "down", "5")
        await pilot.pause()
        assert app.screen is screen
        # Every key was handled while the call was still on its way: Entra ID holds its
        # answer 1.5 s and none has come back yet. An order of events, not a stopwatch.
        assert "token" in app.running
        assert "token" not in app.doctor.state.results
        assert sandbox.entra.stand_in.token_requests == []  # recorded once answered
        await wait_for(pilot, lambda: token_done(app))
        await pilot.pause()
        assert app.doctor.state.token is not None
        assert "⟳" not in text_of(screen.query_one("#token-status", Static))


async def test_a_token_request_shows_how_long_it_has_waited(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    sandbox.entra.faults.token_latency_s = 3.0
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_token_screen(app, pilot)
        await wait_for(pilot, lambda: not app.running)
        await pilot.press("r")

        def waited() -> float:
            status = text_of(screen.query_one("#token-status", Static))
            found = re.search(r"asking Entra ID for a token… (\d+\.\d) s", status)
            return float(found.group(1)) if found else -1.0

        # The line moves on its own while Entra ID holds the answer (3 s): it reaches 1 s.
        await wait_for(pilot, lambda: waited() >= 1.0 or token_done(app))
        assert not token_done(app)
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, DoctorScreen))
        checks = app.screen.query_one("#checks", OptionList)
        row = lambda: str(checks.get_option("token").prompt)  # noqa: E731
        await wait_for(pilot, lambda: "⟳ running" in row() or token_done(app))
        assert re.search(r"⟳ running\s+Entra ID token\s+\d+\.\d s", row())
        await wait_for(pilot, lambda: token_done(app))


async def test_claims_no_date_holds_are_shown_as_such(
    sandbox: DemoSandbox,
    make_app: Callable[..., LightspeedConsole],
    hostile: HostileServers,
    tmp_path: Path,
) -> None:
    # An authority whose token says exp and iat are 10**400: no float, no date holds them.
    assert sandbox.info is not None
    huge = b"1" + b"0" * 400
    claims = b'{"aud": "https://cognitiveservices.azure.com", "exp": ' + huge
    claims += b', "iat": ' + huge + b"}"
    context, ca = h.tls_context(tmp_path)
    authority = hostile(
        h.authority_routes(
            sandbox.info.environ["TENANT_ID"], token=h.token_answer(h.unsigned_jwt(claims))
        ),
        tls=context,
    )
    app = make_app(read_only=True, authority=authority.url, ca_bundle=ca)
    async with app.run_test(size=SIZE) as pilot:
        await open_token_screen(app, pilot)
        await wait_for(pilot, lambda: "enrichment" in app.doctor.state.results and not app.running)
        await pilot.press("r")
        await wait_for(pilot, lambda: token_done(app))
        await pilot.pause()
        assert app.doctor.state.token is not None
        claims_text = text_of(app.screen.query_one("#token-claims", Static))
        assert "not a time" in claims_text
        assert "401 digits" in claims_text
        checks = text_of(app.screen.query_one("#token-checks", Static))
        assert "lifetime" in checks
