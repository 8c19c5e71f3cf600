"""The demo's own process leaves the shell's Entra and Azure variables behind."""

from __future__ import annotations

from collections.abc import MutableMapping

SANDBOX_VARIABLES = ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET")
"""What the demo's env files set; an operator's shell often exports them for a real tenant."""


def leave_the_shells_credentials(environ: MutableMapping[str, str]) -> tuple[str, ...]:
    """Remove the shell's Entra and Azure variables from the demo's own process.

    Exported variables win over a deployment's env file, so a real tenant's ``TENANT_ID``
    would replace the sandbox's, and ``AZURE_AUTHORITY_HOST`` would send the sandbox's
    token requests elsewhere. The demo's services and deployments are the sandbox's alone,
    and an operator's real secret is never sent to a stand-in. Returns the names removed.
    """
    names = sorted(
        name for name in environ if name in SANDBOX_VARIABLES or name.startswith("AZURE_")
    )
    for name in names:
        del environ[name]
    return tuple(names)
