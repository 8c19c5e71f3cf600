"""The test inference through the server with the provider-data header, and its diagnosis.

Nothing is imported here: import the module you need, so the first frame pays for
nothing it does not use.
"""
