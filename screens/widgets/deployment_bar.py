"""The top bar: which deployment this is, its mode, the server answering, and a sandbox mark.

An operator glancing at the screen at 3 a.m. must see at once whether it is production or
the sandbox, and which server version answered.
"""

from __future__ import annotations

from rich.text import Text

from console.settings.deployments import is_prod_tag
from screens.visible import SafeStatic

PROD_STYLE = "bold black on dark_orange"
"""A production-like tag, wherever that deployment is on screen (here, the deployments screen)."""


class DeploymentBar(SafeStatic):
    """One line: name, mode, server, and SANDBOX when the stand-ins are in use.

    The name comes from the file and the version from the server: shown visibly.
    """

    DEFAULT_CSS = """
    DeploymentBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def show(
        self,
        *,
        name: str | None,
        mode: str | None,
        server: str | None,
        generation: str | None = None,
        sandbox: bool,
        read_only: bool,
        screen_title: str,
        deployment: str | None = None,
        tag: str | None = None,
    ) -> None:
        """Render the bar from plain facts (the app gathers them from the doctor's state).

        ``mode`` is said whole: ``service mode``, ``library (booted locally)``.
        ``deployment`` and ``tag``: the settings file's name for it, first after the
        console's own mark; a production-like tag in the warning colour (`PROD_STYLE`).
        """
        text = Text()
        text.append(" lightspeed-console ", style="bold reverse")
        if deployment:
            text.append(" ")
            text.append(f" {deployment} ", style="bold reverse")
            if tag:
                text.append(" ")
                text.append(f" {tag} ", style=PROD_STYLE if is_prod_tag(tag) else "bold dim")
        if sandbox:
            text.append(" ")
            text.append(" SANDBOX ", style="bold black on magenta")
        if read_only:
            text.append(" ")
            text.append(" READ-ONLY ", style="bold black on yellow")
        text.append(f"  {screen_title}", style="bold")
        # Most telling first: a narrow terminal cuts the deployment name, not the server.
        text.append(f"  │ {server or 'server not contacted'}")
        text.append(f"  │ {mode or '? mode'}")
        text.append(f"  │ {name or 'unnamed deployment'}")
        if generation:  # also on the config step and screen: the first to go when narrow
            text.append(f"  │ {generation}")
        self.update(text)
