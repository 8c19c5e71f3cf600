"""Headless commands: each takes parsed arguments, calls the core and prints its results."""
