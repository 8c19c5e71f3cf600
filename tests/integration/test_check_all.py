"""``check --all`` against the sandbox: healthy deployments beside a black hole.

The black hole is a server that accepts connections and never answers. Its deployment's
own timeout (``timeout: 1`` in its lightspeed-stack.yaml) is its bound: it is reported as
failed at the server step with the timeout's code, while every healthy deployment beside it
finishes, passes and is printed. Nothing here asserts how long anything took.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.cli import main
from console.sandbox.demo import DemoSandbox
from tests.support import hostile_servers as h
from tests.support.hostile_servers import HostileServers, stack_routes

HEALTHY = ("eu", "us", "apac")


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A URL where the connection is accepted (the kernel's backlog) and nothing answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def fleet(tmp_path: Path, sandbox: DemoSandbox, black_hole: str) -> Path:
    info = sandbox.info
    assert info is not None
    (tmp_path / "pod.env").write_text(
        "".join(f"{name}={value}\n" for name, value in info.environ.items())
    )
    hole = Path(info.lightspeed_config).read_text().replace(info.stack_url, black_hole)
    (tmp_path / "hole.yaml").write_text(hole.replace("timeout: 60", "timeout: 1"))
    common = (
        f'run_config = "{info.run_config}"\nauthority = "{info.authority}"\n'
        f'ca_bundle = "{info.ca_bundle}"\nenv_file = "pod.env"\n'
    )
    tables = [f'[deployments.{name}]\nconfig = "{info.lightspeed_config}"\n' for name in HEALTHY]
    tables.insert(1, '[deployments.hole]\nconfig = "hole.yaml"\ntag = "prod"\n')
    settings = tmp_path / "settings.toml"
    settings.write_text("\n".join(table + common for table in tables))
    return settings


@pytest.fixture
def sandbox() -> Iterator[DemoSandbox]:
    with DemoSandbox(server="stand-in") as running:
        yield running


def test_a_black_hole_is_reported_at_its_own_bound_and_the_others_print(
    fleet: Path, sandbox: DemoSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--all", "--settings", str(fleet), "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    rows = {row["deployment"]: row for row in json.loads(out)["deployments"]}
    assert list(rows) == ["eu", "hole", "us", "apac"]
    for name in HEALTHY:
        assert rows[name]["verdict"] == "pass", rows[name]
        assert rows[name]["inference"] == "pass"
    hole = rows["hole"]
    assert (hole["verdict"], hole["failed_step"], hole["code"]) == ("fail", "stack", "TIMEOUT")
    assert hole["token"] == "pass"  # the token does not need the server: it still ran
    assert hole["inference"] == "skip"
    assert "failed: hole" in err
    info = sandbox.info
    assert info is not None
    for value in info.environ.values():
        assert value not in out + err


def test_the_table_has_a_row_for_every_deployment(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "-d", "eu", "-d", "hole", "--settings", str(fleet), "--jobs", "2"])
    out, _ = capsys.readouterr()
    assert code == 1
    header, *lines = out.splitlines()
    assert header.split()[0] == "DEPLOYMENT"
    assert [line.split()[:2] for line in lines] == [["eu", "-"], ["hole", "prod"]]
    assert "TIMEOUT (stack)" in lines[1]


def test_one_healthy_deployment_alone_exits_0(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "-d", "eu", "-d", "us", "--settings", str(fleet)]) == 0
    assert "every deployment passed" in capsys.readouterr().err


@pytest.fixture
def hostile_fleet(tmp_path: Path, sandbox: DemoSandbox, hostile: HostileServers) -> Path:
    """Healthy deployments beside an endless server, a dripping one and infinite timeouts."""
    info = sandbox.info
    assert info is not None
    (tmp_path / "pod.env").write_text(
        "".join(f"{name}={value}\n" for name, value in info.environ.items())
    )
    text = Path(info.lightspeed_config).read_text()
    endless = hostile(stack_routes(version=h.endless(b'{"version": "', b"9" * h.CHUNK)))
    dripping = hostile(stack_routes(providers=h.drip(b'{"data": []}', 4.0)))
    (tmp_path / "endless.yaml").write_text(text.replace(info.stack_url, endless.url))
    (tmp_path / "drip.yaml").write_text(
        # 5 s: the other calls answer within it on a busy machine; the dripped answer (a
        # byte every 4 s) never could.
        text.replace(info.stack_url, dripping.url).replace("timeout: 60", "timeout: 5")
    )
    for name, value in (("inf", ".inf"), ("nan", ".nan"), ("huge", "1e300"), ("neg", "-5")):
        (tmp_path / f"{name}.yaml").write_text(text.replace("timeout: 60", f"timeout: {value}"))
    common = (
        f'run_config = "{info.run_config}"\nauthority = "{info.authority}"\n'
        f'ca_bundle = "{info.ca_bundle}"\nenv_file = "pod.env"\n'
    )
    names = ("eu", "endless", "drip", "inf", "nan", "huge", "neg", "us")
    tables = [
        f'[deployments.{name}]\nconfig = "{info.lightspeed_config if name in HEALTHY else name + ".yaml"}"\n'
        for name in names
    ]
    settings = tmp_path / "settings.toml"
    settings.write_text("\n".join(table + common for table in tables))
    return settings


def test_hostile_servers_and_numbers_keep_every_other_row(
    hostile_fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--all", "--settings", str(hostile_fleet), "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    rows = {row["deployment"]: row for row in json.loads(out)["deployments"]}
    assert list(rows) == ["eu", "endless", "drip", "inf", "nan", "huge", "neg", "us"]
    for name in ("eu", "us"):
        assert rows[name]["verdict"] == "pass", rows[name]
    endless = rows["endless"]
    assert (endless["failed_step"], endless["code"]) == ("stack", "ANSWER_TOO_LARGE")
    assert "8 MiB" in json.dumps(endless["steps"])
    drip = rows["drip"]
    assert (drip["failed_step"], drip["code"]) == ("providers", "TIMEOUT")
    for name in ("inf", "nan", "neg"):  # refused by Lightspeed: an error finding, the default used
        assert rows[name]["failed_step"] == "findings", rows[name]
        assert rows[name]["inference"] == "pass", rows[name]
        assert rows[name]["bound_s"] < 3600
    assert rows["huge"]["verdict"] == "warn", rows["huge"]
    assert "internal error" not in err
