"""The inference screen: a streamed answer, timings, the header sent, failures explained.

Every test drives the app with Pilot against the sandbox, so the request really goes
through the Llama Stack stand-in to the Azure OpenAI stand-in with an Entra ID token.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from textual.widgets import Input, Static

from console.doctor.results import CheckStatus
from console.inference.tail import STREAM_TAIL_CHARS
from console.sandbox.demo import DemoSandbox
from console.shared.redact import MASK
from screens.app import LightspeedConsole
from screens.inference_screen import InferenceScreen
from screens.widgets.footer import KeyFooter
from tests.support.hostile_servers import HostileServers, endless_stream, stack_routes
from tests.tui.conftest import SIZE, all_checks_done, text_of, wait_for

FULL_ANSWER = "Echo: Reply with the single word: pong"


def shown(app: LightspeedConsole, widget_id: str) -> str:
    return text_of(app.screen.query_one(f"#{widget_id}", Static))


def screen(app: LightspeedConsole) -> InferenceScreen:
    assert isinstance(app.screen, InferenceScreen)
    return app.screen


def status_of(app: LightspeedConsole, step: str) -> CheckStatus:
    return app.doctor.state.results[step].status


def token_of(app: LightspeedConsole) -> str:
    assert app.doctor.state.token is not None
    return app.doctor.state.token.token.get_secret_value()


async def open_screen(app: LightspeedConsole, pilot: object) -> None:
    """Wait for the start-up checks, then go to the inference screen."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await wait_for(pilot, lambda: all_checks_done(app))
    await pilot.press("6")
    await wait_for(pilot, lambda: isinstance(app.screen, InferenceScreen))
    await pilot.pause()


async def run_and_wait(app: LightspeedConsole, pilot: object, timeout: float = 15.0) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    previous = app.doctor.state.results.get("inference")
    await pilot.press("r")
    await wait_for_new_result(app, pilot, previous, timeout)


async def wait_for_new_result(
    app: LightspeedConsole, pilot: object, previous: object, timeout: float = 15.0
) -> None:
    """Until the inference step has a new result and the screen has drawn it."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await wait_for(
        pilot,
        lambda: (
            app.doctor.state.results.get("inference") is not previous and not screen(app).running
        ),
        timeout=timeout,
    )
    await pilot.pause()


async def test_streamed_answer_with_timings_and_the_apps_own_token(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    assert sandbox.azure is not None
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        before = len(sandbox.azure.stand_in.chat_requests)
        prompt = app.screen.query_one("#inference-prompt", Input)
        prompt.value = "hello from the console"
        prompt.focus()
        previous = app.doctor.state.results["inference"]
        await pilot.press("enter")  # enter in the prompt runs, like r
        await wait_for_new_result(app, pilot, previous)

        result = app.doctor.state.inference
        assert result is not None
        assert result.ok
        assert result.stream
        assert result.deltas > 1
        assert shown(app, "inference-answer").strip() == "Echo: hello from the console"
        status = shown(app, "inference-status")
        assert "latency" in status
        assert "TTFT" in status
        assert "tokens" in status
        assert result.model in status
        header = shown(app, "inference-header")
        assert 'X-LlamaStack-Provider-Data: {"azure_api_key": "********"' in header
        assert sandbox.info is not None
        assert sandbox.info.azure_base_url in header

        requests = sandbox.azure.stand_in.chat_requests
        assert len(requests) == before + 1
        assert requests[-1].carried(token_of(app))
        assert requests[-1].body is not None
        assert requests[-1].body["model"]


async def test_model_picker_lists_the_server_models_and_defaults_to_azure(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    from textual.widgets import Select

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot)
        select = app.screen.query_one("#inference-model", Select)
        assert app.doctor.state.survey is not None
        llm = [m.model_id for m in app.doctor.state.survey.models if m.model_type in (None, "llm")]
        assert select.value == llm[0]
        assert str(select.value).startswith("azure/")
        select.value = llm[1]
        await run_and_wait(app, pilot)
        assert app.doctor.state.inference is not None
        assert app.doctor.state.inference.model == llm[1]
        assert FULL_ANSWER in shown(app, "inference-answer")


async def test_slow_stream_shows_partial_text_before_it_completes(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    assert sandbox.azure is not None
    app = make_app(stack_timeout=20.0)  # the timeout bounds the whole streamed answer
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        sandbox.azure.faults.stream_delay_s = 0.3  # what the azure-slow-stream fault sets
        await pilot.press("r")
        await wait_for(pilot, lambda: "Echo:" in shown(app, "inference-answer"))
        partial = shown(app, "inference-answer").strip()
        assert screen(app).running
        assert partial != FULL_ANSWER
        assert FULL_ANSWER.startswith(partial)
        status = shown(app, "inference-status")
        # What it waits for, for how long, and how to stop it (the count of characters
        # received follows at the next tick).
        assert re.search(r"waiting for the answer… \d+\.\d s(, \d+ chars received)?  \(x", status)
        await wait_for(pilot, lambda: not screen(app).running)
        await pilot.pause()
        assert shown(app, "inference-answer").strip() == FULL_ANSWER
        assert "✓ answered" in shown(app, "inference-status")


async def test_x_cancels_a_running_inference_and_says_so(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    assert sandbox.azure is not None
    app = make_app(stack_timeout=20.0)
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        sandbox.azure.faults.stream_delay_s = 0.5
        await pilot.press("r")
        await wait_for(pilot, lambda: "Echo:" in shown(app, "inference-answer"))
        assert ("x", "Cancel") in app.screen.query_one(KeyFooter).own_keys
        await pilot.press("x")
        await wait_for(pilot, lambda: not screen(app).running)
        assert not any(w.group == "inference" and w.is_running for w in app.workers)
        result = app.doctor.state.results["inference"]
        assert result.status is CheckStatus.SKIP
        assert result.summary.startswith("cancelled by the operator after ")
        await pilot.pause()
        assert "cancelled by the operator" in shown(app, "inference-status")
        assert ("x", "Cancel") not in app.screen.query_one(KeyFooter).own_keys
        assert any("cancelled by the operator" in e.text for e in app.events.events)


async def test_no_role_is_diagnosed_and_a_rerun_succeeds_once_the_role_is_granted(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    assert sandbox.azure is not None
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        sandbox.azure.faults.no_role = True
        await run_and_wait(app, pilot)
        diagnosis = app.screen.query_one("#inference-diagnosis", Static)
        assert diagnosis.display
        text = shown(app, "inference-diagnosis")
        assert "AZURE_NO_ROLE" in text
        assert "remedy:" in text
        assert "endpoint: POST" in text
        assert "✗ failed" in shown(app, "inference-status")

        sandbox.azure.faults.no_role = False
        await run_and_wait(app, pilot)
        assert status_of(app, "inference") is CheckStatus.PASS
        assert not app.screen.query_one("#inference-diagnosis", Static).display
        assert FULL_ANSWER in shown(app, "inference-answer")


async def test_stripped_provider_data_header_is_diagnosed(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    assert sandbox.stack_stand_in is not None
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        sandbox.stack_stand_in.faults.ignore_provider_data = True
        await run_and_wait(app, pilot)
        assert "PROVIDER_DATA_STRIPPED" in shown(app, "inference-diagnosis")
        sandbox.stack_stand_in.faults.ignore_provider_data = False
        await run_and_wait(app, pilot)
        assert status_of(app, "inference") is CheckStatus.PASS


async def test_a_failed_prerequisite_is_shown_as_what_stopped_the_inference(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    sandbox.entra.faults.expired_secret = True
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        await run_and_wait(app, pilot)  # the failed token step is retried first, and fails
        assert status_of(app, "token") is CheckStatus.FAIL
        assert status_of(app, "inference") is CheckStatus.SKIP
        text = shown(app, "inference-diagnosis")
        assert "stopped at: Entra ID token" in text
        assert "AADSTS7000222" in text
        assert "not sent" in shown(app, "inference-status")
        sandbox.entra.faults.expired_secret = False
        await run_and_wait(app, pilot)
        assert status_of(app, "inference") is CheckStatus.PASS


async def test_copy_as_curl_masks_the_token_and_the_screen_never_shows_it(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        await pilot.press("c")  # nothing run from this screen yet: the doctor's run is copied
        await run_and_wait(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        token = token_of(app)
        clip = app.clipboard
        assert clip.startswith('TOKEN="$(lightspeed-console token ')  # fills $TOKEN
        assert "\ncurl -sS -N" in clip
        assert '"azure_api_key": "\'"$TOKEN"\'"' in clip
        assert token not in clip
        assert token.split(".")[1] not in clip
        assert any("copied" in event.text for event in app.events.events)
        for size in ((80, 24), (160, 50)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            picture = app.export_screenshot()
            assert token not in picture
            assert token.split(".")[1] not in picture
            assert MASK in picture  # where the header shows the token, masked


async def test_the_event_loop_never_stalls_during_a_slow_token_and_a_slow_stream(
    sandbox: DemoSandbox, make_app: Callable[..., LightspeedConsole]
) -> None:
    """A heartbeat every 10 ms keeps beating while Entra ID and the stream are slow.

    The start-up checks run first, so what is measured is the steady state of an
    operator's session: a forced token refresh against a slow Entra ID (azure-identity
    runs in a thread), then a streamed inference whose chunks arrive slowly.
    """
    assert sandbox.azure is not None
    app = make_app(stack_timeout=20.0)  # the timeout bounds the whole streamed answer
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        sandbox.entra.faults.latency_s = 1.5
        sandbox.azure.faults.stream_delay_s = 0.2
        gaps: list[float] = []
        beats_during = {"token": 0, "inference": 0}
        last = time.monotonic()

        def beat() -> None:
            nonlocal last
            now = time.monotonic()
            gaps.append(now - last)
            last = now
            for step in beats_during:
                if step in app.running:
                    beats_during[step] += 1

        heartbeat = app.set_interval(0.01, beat)
        token_before = app.doctor.state.results["token"]
        app.acquire_token(True)
        await wait_for(
            pilot,
            lambda: (
                app.doctor.state.results["token"] is not token_before and "token" not in app.running
            ),
            timeout=20,
        )
        await run_and_wait(app, pilot, timeout=20)
        heartbeat.stop()
        assert status_of(app, "token") is CheckStatus.PASS
        assert status_of(app, "inference") is CheckStatus.PASS
        # The loop kept beating all through both slow calls (Entra ID answers after 1.5 s,
        # the stream sends a chunk every 0.2 s): a call holding the loop would let one beat
        # through while it ran, or none. Counted, not timed (200-300 each here).
        assert beats_during["token"] >= 10, beats_during
        assert beats_during["inference"] >= 10, beats_during
        assert len(gaps) > 100
        worst = max(gaps[1:])
        # Reported, not asserted: the worst gap was 15-23 ms over six runs on a quiet
        # machine and 280 ms with the two cores busy elsewhere; the beats counted above
        # are what a loop held by a 1.5 s call could not produce.
        print(f"max event-loop gap: {worst * 1000:.1f} ms over {len(gaps)} beats")


async def test_an_endless_stream_keeps_only_the_end_of_the_answer(
    make_app: Callable[..., LightspeedConsole], hostile: HostileServers
) -> None:
    # The server streams forever; the screen must neither hold it all nor stop drawing.
    server = hostile(stack_routes(chat=endless_stream("0123456789" * 100)))
    # A timeout far past what 4 MiB takes here, so the bound met is the size's.
    app = make_app(url=server.url, max_answer=4 * 1024 * 1024, stack_timeout=120.0)
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(app, pilot)
        await run_and_wait(app, pilot, timeout=120)
        result = app.doctor.state.inference
        assert result is not None
        assert result.diagnosis is not None
        assert result.diagnosis.code == "ANSWER_TOO_LARGE"
        assert len(result.answer) <= STREAM_TAIL_CHARS
        assert result.dropped_chars > 0
        assert screen(app)._answer.received > 1024 * 1024
        assert len(screen(app)._answer.text()) <= STREAM_TAIL_CHARS
        assert "earlier characters not kept" in shown(app, "inference-answer")
