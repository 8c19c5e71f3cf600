"""``serve``'s page loads nothing from another site: its font comes from ``serve`` itself.

textual-serve's template links Google Fonts; every operator opening the console would have
told Google when and from where. The page is fetched from a real ``serve``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.test_serve import Served, start

_LOADS = re.compile(r"""(?:\b(?:href|src)\s*=\s*["']?|url\(\s*["']?)([^"')\s>]+)""", re.IGNORECASE)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = start(tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=10)


def test_the_page_loads_nothing_from_another_site(served: Served) -> None:
    page = httpx.get(served.url, timeout=10)
    assert page.status_code == 200
    loaded = _LOADS.findall(page.text)
    assert loaded, "the page loads nothing at all?"
    own = f"http://127.0.0.1:{served.port}/"
    foreign = [url for url in loaded if "//" in url and not url.startswith(own)]
    assert foreign == []
    assert "fonts.googleapis.com" not in page.text
    assert "fonts.gstatic.com" not in page.text
    assert page.headers["content-security-policy"] == (
        "font-src 'self'; style-src 'self' 'unsafe-inline'"
    )


def test_the_font_the_page_names_is_served_here(served: Served) -> None:
    page = httpx.get(served.url, timeout=10)
    fonts = [url for url in _LOADS.findall(page.text) if url.endswith(".ttf")]
    assert len(fonts) == 2  # regular and italic
    cookie = {"Cookie": f"lightspeed-console-token-{served.port}={served.token}"}
    for url in fonts:
        font = httpx.get(url, headers=cookie, timeout=10)
        assert font.status_code == 200, url
        assert font.content[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert 'font-family: "Roboto Mono"' in page.text
