"""The top bar names the deployment once, labels the rest, and drops the least telling first."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from screens.app import LightspeedConsole
from screens.widgets.deployment_bar import DeploymentBar, fit, segments
from tests.tui.conftest import all_checks_done, wait_for, with_target


def facts(**given: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "lightspeed-console demo (sandbox)",
        "mode": "service",
        "server": "ogx 1.2.5",
        "generation": "0.7.x",
        "sandbox": False,
        "read_only": False,
        "screen_title": "1 Doctor",
        "deployment": "prod-eu",
        "tag": "prod",
    }
    return base | given


def bar(width: int, **given: object) -> str:
    return fit(segments(**facts(**given)), width).plain  # type: ignore[arg-type]


def test_wide_every_segment_is_there_with_its_label() -> None:
    line = bar(200)
    assert line.startswith(" lightspeed-console   prod-eu   prod   1 Doctor")
    assert "│ server: ogx 1.2.5" in line
    assert "│ mode: service" in line
    assert "│ config: lightspeed-console demo (sandbox)" in line
    assert line.count("prod-eu") == 1


def test_the_tag_shows_only_when_it_says_something_else() -> None:
    assert bar(200, deployment="sandbox", tag="sandbox").count("sandbox ") == 1
    assert " staging " in bar(200, deployment="eu-2", tag="staging")


def test_without_a_named_deployment_the_config_names_it_once() -> None:
    line = bar(200, deployment=None, tag=None)
    assert line.count("lightspeed-console demo (sandbox)") == 1
    assert "config:" not in line


@pytest.mark.parametrize("width", [80, 60, 45])
def test_narrow_the_least_telling_go_first_never_the_deployment(width: int) -> None:
    line = bar(width, read_only=True, sandbox=True)
    assert len(line) <= width
    for kept in ("prod-eu", " prod ", "SANDBOX", "READ-ONLY"):
        assert kept in line, (width, line)
    assert "mode:" not in line  # the mode went before any of them


def test_where_you_are_goes_after_the_server_and_the_mode() -> None:
    line = bar(60, read_only=True, sandbox=True)
    assert "1 Doctor" in line
    assert "server:" not in line


def test_narrower_than_the_marks_the_deployment_still_shows() -> None:
    line = bar(20, read_only=True, sandbox=True)
    assert len(line) == 20
    assert "prod-eu" in line
    assert line.endswith("…")


def test_at_80_columns_the_server_and_mode_stay_and_the_config_name_goes() -> None:
    line = bar(78)
    assert "server: ogx 1.2.5" in line
    assert "mode: service" in line
    assert "config:" not in line  # too long for what is left
    assert "lightspeed-console " not in line  # the console's own name went first


def test_a_long_deployment_name_keeps_the_most_telling_of_the_rest() -> None:
    line = bar(78, deployment="lightspeed-console demo (sandbox)", tag=None, sandbox=True)
    assert "server: ogx 1.2.5" in line
    assert "1 Doctor" in line
    assert "mode:" not in line  # it does not fit after the screen and the server


def test_a_name_too_long_for_the_line_is_cut_with_an_ellipsis() -> None:
    line = bar(20, deployment="a-very-long-deployment-name-indeed", tag=None)
    assert len(line) == 20
    assert line.endswith("…")
    assert "a-very-long" in line


async def test_the_app_fills_it_at_80_columns(
    make_app: Callable[..., LightspeedConsole],
) -> None:
    app = make_app()
    app.launch = with_target(app.launch, deployment=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: all_checks_done(app))
        await pilot.pause()
        widget = app.screen.query_one(DeploymentBar)
        shown = widget.shown
        assert "lightspeed-console demo (sandbox)" in shown
        assert "SANDBOX" in shown
        assert len(shown) <= 78
        await pilot.resize_terminal(200, 24)
        await pilot.pause()
        wide = app.screen.query_one(DeploymentBar).shown
        assert "│ server: " in wide  # its version, or that it was not reached
        assert "mode: service" in wide
        assert "1 Doctor" in wide
