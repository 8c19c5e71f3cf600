"""The ordered checks behind ``check`` and the console's home screen.

Nothing is imported here: import the module you need, so the first frame pays for
nothing it does not use.
"""
