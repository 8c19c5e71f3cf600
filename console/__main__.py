"""``python -m console``: the same entry point as the ``lightspeed-console`` script."""

from console.cli import run

run()
