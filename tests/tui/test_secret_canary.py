"""No secret reaches what the console shows, logs, notifies or copies, on any screen.

The console runs on copies of the sandbox files carrying recognisable canaries: the client
secret comes from the environment (and is really accepted by the Entra stand-in, so a
token is issued), run.yaml holds an inline ``api_key``, lightspeed-stack.yaml an inline
``llama_stack.api_key``. The test walks every screen (1-6, F1, the palette), acquires and
force-refreshes the token, runs an inference, opens the env table and the enrichment diff
both ways, copies the inference as curl; after each step it checks the screenshot, the
event log, the notifications and the clipboard. Only the explicit token copy may put the
token in the clipboard. Last, the committed snapshot SVGs are checked for the pinned
sandbox's secret values and for anything shaped like a JWT.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import TextArea

from console.doctor.results import CheckStatus
from console.sandbox.demo import DemoSandbox
from screens.app import LightspeedConsole
from screens.config_screen import ConfigScreen
from screens.doctor_screen import DoctorScreen
from screens.enrichment_screen import EnrichmentScreen
from screens.help import HelpScreen
from screens.inference_screen import InferenceScreen
from screens.providers_screen import ProvidersScreen
from screens.token_screen import TokenScreen
from screens.widgets.confirm import ConfirmDialog
from screens.widgets.text_panel import TextPanel
from tests.tui.conftest import SIZE, all_checks_done, launch_for, wait_for, with_target
from tests.tui.pinned import WRONG_SECRET, pinned_sandbox

CLIENT_SECRET_CANARY = "CanaryClientSecret8Q~4e7b1d"
"""CLIENT_SECRET in the environment; registered with the Entra stand-in, so it works."""
CANARY_CLIENT_ID = "c4a1a2b3-0000-4000-8000-00000000ca11"
RUN_YAML_CANARY = "CanaryRunYamlApiKey5c2f"
"""Inline ``api_key`` of the remote::azure provider in the run.yaml copy."""
STACK_KEY_CANARY = "CanaryStackApiKey9d3a"
"""Inline ``llama_stack.api_key`` in the lightspeed-stack.yaml copy."""
CANARIES = (CLIENT_SECRET_CANARY, RUN_YAML_CANARY, STACK_KEY_CANARY)
CANARY_PREFIX = "Canary"
"""What every canary starts with: a value cut short by a narrow column is caught too."""
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"
JWT_START = re.compile(r"eyJ[A-Za-z0-9_-]{8,}")


def flat(text: str) -> str:
    """Text without any whitespace, so a value wrapped over two lines is still found."""
    return re.sub(r"\s+", "", text.replace("\xa0", " "))


def svg_text(svg: str) -> str:
    """The characters an SVG screenshot shows, in order, without whitespace."""
    return flat(html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S))))


def token_marks(token: str) -> list[str]:
    """The token and pieces of it (payload, signature), so a part shown is caught too."""
    _header, payload, signature = token.split(".")
    return [token, payload[:24], signature[:24], signature[-24:]]


@dataclass
class Watch:
    """What the walk saw: every screenshot, every notification raised, the clipboard."""

    app: LightspeedConsole
    tokens: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)
    screenshots: dict[str, str] = field(default_factory=dict)

    def record_notifications(self) -> None:
        original = self.app.notify

        def notify(message: str, *args: Any, **kwargs: Any) -> None:
            self.notified.append(f"{kwargs.get('title', '')} {message}")
            original(message, *args, **kwargs)

        self.app.notify = notify  # type: ignore[method-assign]

    def remember_token(self) -> None:
        status = self.app.doctor.state.token
        if status is not None:
            value = status.token.get_secret_value()
            if value not in self.tokens:
                self.tokens.append(value)

    def forbidden(self) -> list[str]:
        marks = [*CANARIES, CANARY_PREFIX]
        for token in self.tokens:
            marks.extend(token_marks(token))
        return marks

    def check(self, where: str, *, clipboard_may_hold_token: bool = False) -> None:
        """Screenshot now, then look for every canary and token everywhere."""
        self.remember_token()
        svg = self.app.export_screenshot()
        self.screenshots[where] = svg
        live = [f"{n.title} {n.message}" for n in self.app._notifications]
        places = {
            "screen": svg_text(svg),
            "events": flat("\n".join(event.text for event in self.app.events.events)),
            "notifications": flat("\n".join(self.notified + live)),
        }
        if not clipboard_may_hold_token:
            places["clipboard"] = flat(self.app.clipboard)
        for place, text in places.items():
            for mark in self.forbidden():
                assert mark not in text, f"{where}: a secret shows in the {place}"
            assert not JWT_START.search(text), f"{where}: something like a JWT in the {place}"
        if clipboard_may_hold_token:
            for canary in CANARIES:
                assert canary not in self.app.clipboard, f"{where}: a canary is in the clipboard"
        for area in self.app.screen.query(TextArea):  # the whole text, not only what shows
            for mark in self.forbidden():
                assert mark not in flat(area.text), f"{where}: a secret is in the text panel"
            assert not JWT_START.search(flat(area.text)), f"{where}: a JWT in the text panel"


def canary_app(sandbox: DemoSandbox, folder: Path) -> LightspeedConsole:
    """The console on canary-carrying copies, with a client secret Entra really accepts."""
    info = sandbox.info
    assert info is not None
    tenant = sandbox.entra.stand_in.find_tenant(info.tenant_id)
    assert tenant is not None
    tenant.add_app(
        client_id=CANARY_CLIENT_ID,
        secret=CLIENT_SECRET_CANARY,
        roles=("Cognitive Services OpenAI User",),
    )
    lightspeed = Path(info.lightspeed_config).read_text()
    edited = lightspeed.replace(
        "  timeout: 60\n", f"  timeout: 60\n  api_key: {STACK_KEY_CANARY}\n"
    )
    run = Path(info.run_config).read_text()
    run_edited = run.replace(
        "        base_url:", f"        api_key: {RUN_YAML_CANARY}\n        base_url:", 1
    )
    assert STACK_KEY_CANARY in edited
    assert RUN_YAML_CANARY in run_edited
    (folder / "lightspeed-stack.yaml").write_text(edited)
    (folder / "run.yaml").write_text(run_edited)
    environ = {
        **info.environ,
        "CLIENT_ID": CANARY_CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET_CANARY,
    }
    launch = with_target(
        launch_for(info),
        lightspeed_config=folder / "lightspeed-stack.yaml",
        run_config=folder / "run.yaml",
        environ=environ,
    )
    return LightspeedConsole(launch)


async def go(
    pilot: Pilot[None], key: str, screen: type, watch: Watch, *, after_copy: bool = False
) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen))
    await pilot.pause()
    watch.check(f"screen {key}", clipboard_may_hold_token=after_copy)


async def test_no_secret_on_any_screen_log_notification_or_clipboard(
    sandbox: DemoSandbox, tmp_path: Path
) -> None:
    app = canary_app(sandbox, tmp_path)
    watch = Watch(app)
    watch.record_notifications()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app), timeout=20)
        results = app.doctor.state.results
        # Inline secrets are findings (warnings); everything live works.
        assert results["findings"].status is CheckStatus.WARN
        not_passed = {s: r.summary for s, r in results.items() if r.status is not CheckStatus.PASS}
        assert set(not_passed) == {"findings"}, not_passed
        # The canaries were really read: the doctor holds the two secrets of
        # lightspeed-stack.yaml, and the Azure provider's config the run.yaml api_key.
        held = {
            secret if isinstance(secret, str) else secret.get_secret_value()
            for secret in app.doctor.secrets()
            if secret is not None
        }
        assert {CLIENT_SECRET_CANARY, STACK_KEY_CANARY} <= held
        loaded = app.doctor.state.loaded
        assert loaded is not None
        assert any(str(p.config.get("api_key")) == RUN_YAML_CANARY for p in loaded.azure_providers)
        watch.check("doctor after the checks")
        assert "SANDBOX" in svg_text(watch.screenshots["doctor after the checks"])

        # F1 and the palette, over the doctor.
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        watch.check("help")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"token")
        await pilot.pause(0.3)
        watch.check("palette")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))

        # 2 Config: both files and the env table.
        await go(pilot, "2", ConfigScreen, watch)
        await pilot.press("o")
        await pilot.pause()
        watch.check("config run.yaml")
        await pilot.press("e")
        await pilot.pause()
        watch.check("config env table")

        # 3 Enrichment: the diff, unified and side by side.
        await go(pilot, "3", EnrichmentScreen, watch)
        await pilot.press("s")
        await pilot.pause()
        watch.check("enrichment side by side")

        await go(pilot, "4", ProvidersScreen, watch)
        await pilot.press("m")
        await pilot.pause()
        watch.check("providers models")

        # 5 Token: acquire (cached), then a forced refresh: a second token.
        await go(pilot, "5", TokenScreen, watch)
        first = app.doctor.state.token
        await pilot.press("r")
        await wait_for(pilot, lambda: not app.running)
        watch.check("token acquire")
        await pilot.press("R")
        await wait_for(
            pilot,
            lambda: (
                app.doctor.state.token is not None
                and app.doctor.state.token is not first
                and not app.running
            ),
        )
        await pilot.pause()
        watch.check("token forced refresh")
        assert len(watch.tokens) == 2

        # 6 Inference: run one, streamed, then copy it as curl.
        await go(pilot, "6", InferenceScreen, watch)
        previous = app.doctor.state.results.get("inference")
        screen = app.screen
        assert isinstance(screen, InferenceScreen)
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.doctor.state.results.get("inference") is not previous and not screen.running
            ),
            timeout=15,
        )
        await pilot.pause()
        assert app.doctor.state.results["inference"].status is CheckStatus.PASS
        watch.check("inference after a run")
        await pilot.press("c")
        await pilot.pause()
        assert "\ncurl" in app.clipboard  # after the line that fills $TOKEN
        watch.check("inference copied as curl")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPanel))
        await pilot.pause()
        watch.check("inference as text")
        await pilot.press("escape")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPanel))
        await pilot.pause()
        watch.check("the whole log")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, InferenceScreen))

        # The palette's own actions.
        await run_from_palette(pilot, "token: refresh")
        await wait_for(pilot, lambda: not app.running)
        watch.check("palette token refresh")
        assert len(watch.tokens) == 3, "the palette's token refresh brought a new token"

        # The one explicit act that may put the token in the clipboard.
        await go(pilot, "5", TokenScreen, watch)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        watch.check("token copy confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, TokenScreen))
        await pilot.pause()
        token = app.doctor.state.token
        assert token is not None
        assert app.clipboard == token.token.get_secret_value()
        watch.check("token copied", clipboard_may_hold_token=True)
        await go(pilot, "1", DoctorScreen, watch, after_copy=True)

    assert len(watch.screenshots) >= 18


async def run_from_palette(pilot: Pilot[None], command: str) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    await pilot.press(*command)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, CommandPalette))


def test_committed_snapshots_hold_no_secret() -> None:
    """The SVGs under __snapshots__ show none of the pinned sandbox's secret values."""
    with pinned_sandbox() as pinned:
        secrets = [pinned.info.client_secret, WRONG_SECRET, *CANARIES]
    svgs = sorted(SNAPSHOTS.glob("*.svg"))
    assert len(svgs) >= 9, f"expected the committed snapshots in {SNAPSHOTS}"
    for path in svgs:
        raw = path.read_text()
        shown = svg_text(raw)
        for secret in secrets:
            assert secret not in raw, f"{path.name} holds a sandbox secret"
            assert flat(secret) not in shown, f"{path.name} shows a sandbox secret"
        assert not JWT_START.search(shown), f"{path.name} shows something shaped like a JWT"
