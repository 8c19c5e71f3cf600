"""textual-serve's page made self-contained (`console.serving.page`), on its own template."""

from __future__ import annotations

from pathlib import Path

import textual_serve

from console.serving.page import FONTS, self_contained

TEMPLATE = Path(textual_serve.__file__).parent / "templates" / "app_index.html"
STATIC = Path(textual_serve.__file__).parent / "static"


def test_the_template_links_a_font_site_and_the_page_does_not() -> None:
    template = TEMPLATE.read_text()
    assert "https://fonts.googleapis.com" in template  # what this module exists to remove
    page = self_contained(template, "http://127.0.0.1:8000/static/")
    assert "googleapis" not in page
    assert page.count("@font-face") == len(FONTS)
    assert '<script src="{{ config.static.url }}js/textual.js"></script>' in page  # kept


def test_the_fonts_it_names_ship_with_textual_serve() -> None:
    for name, _ in FONTS:
        assert (STATIC / "fonts" / name).is_file(), name


def test_any_other_foreign_stylesheet_or_script_is_dropped() -> None:
    page = (
        "<html><head>"
        '<link rel="stylesheet" href="//cdn.example/x.css">'
        '<script src="https://cdn.example/x.js"></script>'
        '<link rel="stylesheet" href="/static/css/xterm.css" />'
        "</head><body></body></html>"
    )
    result = self_contained(page, "/static/")
    assert "cdn.example" not in result
    assert '<link rel="stylesheet" href="/static/css/xterm.css" />' in result
