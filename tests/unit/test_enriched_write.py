"""The interactive write of the enriched run.yaml: look, then write; outcomes, not exceptions."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from console.config.enriched_write import OS_ERROR_REMEDY, inspect, write
from console.config.enrichment import EnrichmentPreview

ORIGINAL = "providers:\n  inference: []\n"
ENRICHED = "providers:\n  inference: [] # enriched\n"


def preview_of(source: Path) -> EnrichmentPreview:
    source.write_text(ORIGINAL)
    return EnrichmentPreview(
        source=source,
        applies=True,
        reason="test",
        original_text=ORIGINAL,
        enriched_text=ENRICHED,
    )


async def test_a_new_file_is_created_0600(tmp_path: Path) -> None:
    preview = preview_of(tmp_path / "run.yaml")
    facts = await inspect(tmp_path / "run_.yaml", preview)
    assert (facts.exists, facts.is_input, facts.folder_exists) == (False, False, True)
    outcome = await write(facts, preview)
    assert outcome.ok
    assert outcome.written is not None
    assert outcome.written.created
    assert (tmp_path / "run_.yaml").read_text() == ENRICHED
    assert stat.S_IMODE((tmp_path / "run_.yaml").stat().st_mode) == 0o600


async def test_the_input_is_rewritten_with_a_backup(tmp_path: Path) -> None:
    preview = preview_of(tmp_path / "run.yaml")
    facts = await inspect(tmp_path / "run.yaml", preview)
    assert facts.is_input
    outcome = await write(facts, preview)
    assert outcome.written is not None
    assert outcome.written.backup == tmp_path / "run.yaml.bak"
    assert (tmp_path / "run.yaml.bak").read_text() == ORIGINAL
    assert (tmp_path / "run.yaml").read_text() == ENRICHED


async def test_a_refusal_is_an_outcome_with_its_remedy(tmp_path: Path) -> None:
    preview = preview_of(tmp_path / "run.yaml")
    facts = await inspect(tmp_path / "missing" / "run_.yaml", preview)
    assert not facts.folder_exists
    outcome = await write(facts, preview)
    assert not outcome.ok
    assert outcome.problem is not None
    assert "does not exist" in outcome.problem
    assert outcome.remedy == "Create the folder first."
    assert not outcome.appeared
    assert not (tmp_path / "missing").exists()


async def test_a_file_that_appeared_after_the_look_is_not_replaced(tmp_path: Path) -> None:
    preview = preview_of(tmp_path / "run.yaml")
    target = tmp_path / "run_.yaml"
    facts = await inspect(target, preview)
    target.write_text("someone else's\n")
    outcome = await write(facts, preview)
    assert not outcome.ok
    assert outcome.appeared
    assert outcome.problem == "the file already exists"
    assert target.read_text() == "someone else's\n"


async def test_an_os_error_is_an_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    preview = preview_of(tmp_path / "run.yaml")
    facts = await inspect(tmp_path / "run_.yaml", preview)

    def full(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("console.config.enriched_write.write_atomic", full)
    outcome = await write(facts, preview)
    assert not outcome.ok
    assert outcome.problem == "No space left on device"
    assert outcome.remedy == OS_ERROR_REMEDY
