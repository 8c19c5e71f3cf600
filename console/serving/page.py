"""The page ``serve`` sends: textual-serve's, with nothing fetched from another site.

textual-serve's template loads its font from Google Fonts
(``<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto%20Mono">``):
every operator who opens the console would tell Google when, from where and (through the
``Referer``, which `console.serving.server` also turns off) which console. textual-serve
ships the same font (``static/fonts/RobotoMono-*.ttf``), so the link is replaced by
``@font-face`` rules that load it from ``serve`` itself, and any other stylesheet or script
from another site is dropped. The Content-Security-Policy (`CONTENT_SECURITY_POLICY`) tells
the browser to load fonts and stylesheets from this server only, should the template
change.
"""

from __future__ import annotations

import re

FONTS = (
    ("RobotoMono-VariableFont_wght.ttf", "normal"),
    ("RobotoMono-Italic-VariableFont_wght.ttf", "italic"),
)
"""textual-serve's own copies of the font its page names, and their style."""

CONTENT_SECURITY_POLICY = "font-src 'self'; style-src 'self' 'unsafe-inline'"
"""Fonts and stylesheets from ``serve`` only (the page's own ``<style>`` blocks allowed)."""

_FOREIGN = re.compile(
    r"<(?:link|script)\b[^>]*?\b(?:href|src)\s*=\s*[\"']?(?:https?:)?//[^>]*>(?:\s*</script>)?",
    re.IGNORECASE,
)
"""A stylesheet, font or script element that loads from another site (scheme or ``//``)."""


def font_faces(static_url: str) -> str:
    """``@font-face`` rules for Roboto Mono from ``serve``'s static files."""
    rules = [
        f'@font-face {{ font-family: "Roboto Mono"; font-style: {style}; '
        f"font-weight: 100 700; font-display: swap; "
        f'src: url("{static_url}fonts/{name}") format("truetype"); }}'
        for name, style in FONTS
    ]
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def self_contained(page: str, static_url: str) -> str:
    """``page`` without what it loads from other sites, with the font served locally."""
    without = _FOREIGN.sub("", page)
    return without.replace("</head>", f"{font_faces(static_url)}\n</head>", 1)
