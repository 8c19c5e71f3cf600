"""The server releases the console runs (OGX, llama-stack) and lightspeed-stack's package data.

Each in its own uv-built environment, kept in the user's cache.
"""
