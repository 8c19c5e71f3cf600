"""How the console is started: the settings file, the live options, the TUI's launch inputs.

Nothing is imported here: import the module you need, so the first frame pays for
nothing it does not use.
"""
