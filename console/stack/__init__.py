"""The Llama Stack / OGX server: its session, kind and header, providers, TLS, failures.

Nothing is imported here: import the module you need, so the first frame pays for
nothing it does not use.
"""
