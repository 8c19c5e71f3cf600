"""Server environments: built once by uv, reused, never half-made, and every failure explained."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from console.releases.catalog import OGX_1_2_5
from console.releases.environments import (
    CACHE_ENV,
    ProvisionError,
    ProvisionProgress,
    cache_root,
    cached_environment,
    environment_dir,
    provision,
)

NO_SUCH = replace(
    OGX_1_2_5,
    key="no-such-server",
    label="no such server",
    requirements=("lightspeed-console-no-such-package-xq7==0.0.1",),
)


def test_cache_root_follows_the_override_else_the_user_cache(tmp_path: Path) -> None:
    assert cache_root({CACHE_ENV: str(tmp_path)}) == tmp_path
    default = cache_root({"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert default.name == "servers"
    assert default.parent.name == "lightspeed-console"


def test_a_pin_change_builds_beside_the_old_environment(tmp_path: Path) -> None:
    other = replace(OGX_1_2_5, requirements=(*OGX_1_2_5.requirements, "six"))
    assert environment_dir(OGX_1_2_5, tmp_path) != environment_dir(other, tmp_path)
    assert environment_dir(OGX_1_2_5, tmp_path) == environment_dir(OGX_1_2_5, tmp_path)


def test_built_once_then_cached_without_calling_uv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[ProvisionProgress] = []
    first = provision(OGX_1_2_5, root=tmp_path, progress=seen.append)
    assert first.built
    assert first.python.exists()
    phases = [p.phase for p in seen]
    assert phases[0] == "checking"
    assert "installing" in phases
    assert phases[-1] == "ready"
    assert any("Installed" in p.detail or "Resolved" in p.detail for p in seen)
    assert not any(p.detail.startswith("+ ") for p in seen)  # not one line per package
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-uv-here"))  # a cached one needs no uv
    second = provision(OGX_1_2_5, root=tmp_path)
    assert not second.built
    assert second.root == first.root
    assert cached_environment(OGX_1_2_5, tmp_path) == second
    assert [p.name for p in tmp_path.iterdir() if ".partial-" in p.name] == []


def test_registry_refusal_is_explained_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ProvisionError) as raised:
        provision(NO_SUCH, root=tmp_path)
    error = raised.value
    assert "uv pip install failed" in error.reason
    assert "lightspeed-console-no-such-package-xq7" in error.reason  # uv's own words
    assert "--stand-in" in error.remedy
    assert not environment_dir(NO_SUCH, tmp_path).exists()
    assert [p.name for p in tmp_path.iterdir() if ".partial-" in p.name] == []


def test_no_uv_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ProvisionError) as raised:
        provision(NO_SUCH, root=tmp_path)
    assert "uv is not installed" in raised.value.reason
    assert "pip install uv" in raised.value.remedy


def test_an_unwritable_cache_is_explained(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ProvisionError) as raised:
        provision(NO_SUCH, root=blocker / "servers")
    assert str(blocker / "servers") in raised.value.reason
    assert CACHE_ENV in raised.value.remedy


def test_a_killed_build_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    stale = tmp_path / f"{OGX_1_2_5.key}.partial-dead"
    (stale / "bin").mkdir(parents=True)
    provision(OGX_1_2_5, root=tmp_path)
    assert not stale.exists()


def test_cancel_stops_waiting_for_another_builder(tmp_path: Path) -> None:
    import fcntl

    tmp_path.mkdir(exist_ok=True)
    with (tmp_path / f"{NO_SUCH.key}.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as another process building it would
        cancel = threading.Event()
        seen: list[ProvisionProgress] = []
        threading.Timer(0.5, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(ProvisionError, match="cancelled"):
            provision(NO_SUCH, root=tmp_path, progress=seen.append, cancel=cancel)
        assert time.monotonic() - started < 5
        assert "waiting" in [p.phase for p in seen]


def test_locate_shows_the_server_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli import main

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    built = provision(OGX_1_2_5, root=tmp_path)
    assert main(["locate", "--json"]) == 0
    rows = {row["what"].strip(): row for row in json.loads(capsys.readouterr().out)}
    assert rows["server environments"]["where"] == str(tmp_path)
    assert (rows["OGX 1.2.5"]["where"], rows["OGX 1.2.5"]["note"]) == (str(built.root), "built")
    assert rows["llama-stack 0.7.3"]["note"] == "not built yet"
