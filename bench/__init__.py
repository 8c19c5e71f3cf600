"""Benchmarks that print the console's costs as ratios against their floors (`python -m bench`)."""
