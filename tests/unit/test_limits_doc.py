"""docs/LIMITS.md names every limit's variable and default as the code has them."""

from __future__ import annotations

import re

from console.config.limits import ENVIRONMENT, Limits
from tests.conftest import ROOT


def _shown(value: int) -> str:
    """A default as the table writes it: MiB for sizes, thousands separated otherwise."""
    return f"{value // 2**20} MiB" if value % 2**20 == 0 else f"{value:,}"


def test_every_limit_is_in_the_table_with_its_default() -> None:
    rows = {
        match.group(1): match.group(2)
        for match in re.finditer(r"^\| \w[\w ]* \(`(\w+)`\) \| ([^|]+?) \|", _doc(), re.MULTILINE)
    }
    defaults = Limits()
    assert rows == {
        variable: _shown(getattr(defaults, field)) for field, variable in ENVIRONMENT.items()
    }


def _doc() -> str:
    return (ROOT / "docs" / "LIMITS.md").read_text(encoding="utf-8")
