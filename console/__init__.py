"""lightspeed-console core: plain Python, async-first, no Textual."""

__version__ = "0.1.0"
