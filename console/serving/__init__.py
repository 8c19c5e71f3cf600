"""``serve``'s web server: the console in a browser, for the holder of this run's token.

Nothing is imported here: `access` is plain Python (the rules), `server` brings in
textual-serve and aiohttp, which only ``serve`` needs.
"""
