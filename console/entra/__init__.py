"""The Entra ID token: Lightspeed's client-credentials flow, its claims, its failures.

Nothing is imported here: import the module you need, so the first frame pays for
nothing it does not use.
"""
