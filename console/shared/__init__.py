"""What every domain uses: findings, diagnoses, redaction, output, exit codes, atomic writes.

Nothing is imported here: import the module you need, so the first frame pays for
nothing it does not use.
"""
