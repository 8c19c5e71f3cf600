"""The top bar: which deployment this is, its server and mode, and the marks that matter.

An operator glancing at the screen at 3 a.m. must see at once which deployment it is,
whether it is production or the sandbox, whether the console is read-only, and which
server answered. The bar names the deployment once (its name in the settings file, else
the ``name:`` of its lightspeed-stack.yaml), its tag only when the tag says something
else, then the screen, and ``server:``, ``mode:`` and ``config:`` with their labels.

When the terminal is narrow the least telling segments go first (the console's own name,
the Lightspeed generation, the config's name, an ordinary tag, the mode, the server, the
screen), never the deployment, a production tag, SANDBOX or READ-ONLY; a
deployment name too long for the line is cut with an ellipsis.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events

from console.settings.deployments import is_prod_tag
from screens.visible import SafeStatic

PROD_STYLE = "bold black on dark_orange"
"""A production-like tag, wherever that deployment is on screen (here, the deployments screen)."""
NEVER = 1000
"""The priority of what is never dropped."""


@dataclass(frozen=True)
class Segment:
    """One piece of the bar: its text (with the gap before it) and how much it matters."""

    text: Text
    priority: int

    @property
    def width(self) -> int:
        return cell_len(self.text.plain)


class DeploymentBar(SafeStatic):
    """One line: the deployment, its marks, the screen, the server, the mode, the config.

    The names come from the files and the version from the server: shown visibly.
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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._segments: list[Segment] = []

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

        ``name`` is the config's own name; ``deployment`` and ``tag`` the settings
        file's. ``mode`` is said whole: ``service``, ``library (booted locally)``.
        """
        self._segments = segments(
            name=name,
            mode=mode,
            server=server,
            generation=generation,
            sandbox=sandbox,
            read_only=read_only,
            screen_title=screen_title,
            deployment=deployment,
            tag=tag,
        )
        self._fit()

    @property
    def shown(self) -> str:
        """The bar as drawn now, in plain text."""
        return fit(self._segments, self._room()).plain

    def on_resize(self, _event: events.Resize) -> None:
        self._fit()

    def _room(self) -> int:
        width = self.content_region.width or self.size.width
        return width if width > 0 else 10_000

    def _fit(self) -> None:
        self.update(fit(self._segments, self._room()))


def segments(
    *,
    name: str | None,
    mode: str | None,
    server: str | None,
    generation: str | None,
    sandbox: bool,
    read_only: bool,
    screen_title: str,
    deployment: str | None,
    tag: str | None,
) -> list[Segment]:
    """The bar's pieces in the order they are shown, each with its priority."""
    shown_name = deployment or name or "unnamed deployment"
    parts = [
        Segment(Text(" lightspeed-console ", style="reverse"), 5),
        Segment(Text.assemble(" ", (f" {shown_name} ", "bold reverse")), NEVER),
    ]
    if tag and tag != shown_name:
        prod = is_prod_tag(tag)
        chip = Text(f" {tag} ", style=PROD_STYLE if prod else "bold dim")
        parts.append(Segment(Text.assemble(" ", chip), NEVER if prod else 40))
    if sandbox:
        chip = Text(" SANDBOX ", style="bold black on magenta")
        parts.append(Segment(Text.assemble(" ", chip), NEVER))
    if read_only:
        chip = Text(" READ-ONLY ", style="bold black on yellow")
        parts.append(Segment(Text.assemble(" ", chip), NEVER))
    parts.append(Segment(Text(f"  {screen_title}", style="bold"), 95))  # where you are
    if server is not None:  # None: there is none to name (library mode, before its boot)
        parts.append(_labelled("server", server, 90))
    parts.append(_labelled("mode", mode or "?", 80))
    if deployment and name:  # the config's own name, when the deployment has another one
        parts.append(_labelled("config", name, 30))
    if generation:  # also on the config step and screen
        parts.append(_labelled("", generation, 10))
    return parts


def _labelled(label: str, value: str, priority: int) -> Segment:
    text = Text("  │ ", style="dim")
    if label:
        text.append(f"{label}: ", style="dim")
    text.append(value)
    return Segment(text, priority)


def fit(parts: list[Segment], room: int) -> Text:
    """The segments that fit in ``room`` cells: what is never dropped, then the others from
    the most telling down, each one that still fits (the least telling go first)."""
    kept = {id(part) for part in parts if part.priority >= NEVER}
    used = sum(part.width for part in parts if id(part) in kept)
    for part in sorted(parts, key=lambda part: -part.priority):
        if id(part) not in kept and used + part.width <= room:
            kept.add(id(part))
            used += part.width
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    for part in parts:
        if id(part) in kept:
            line.append_text(part.text)
    if line.cell_len > room:
        line.truncate(room, overflow="ellipsis")
    return line
