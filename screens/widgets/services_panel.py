"""The services the console brought up itself (the demo's sandbox), one line each.

Shown on the home screen above the checks while the sandbox comes up and after: each
service with its state (waiting, starting, installing on a first run, ready in N ms, failed
or replaced by the stand-in, with the reason) and, once ready, its URL. It renders what it
is given; the app owns the updates.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from console.settings.bringup import Phase, ServiceUpdate
from screens.visible import SafeStatic

_MARKS: dict[Phase, tuple[str, str]] = {
    Phase.WAITING: ("·", "dim"),
    Phase.STARTING: ("⟳", "bold cyan"),
    Phase.INSTALLING: ("⇣", "bold cyan"),
    Phase.READY: ("✓", "bold green"),
    Phase.FAILED: ("✗", "bold red"),
    Phase.REPLACED: ("!", "bold yellow"),
}
LABEL_WIDTH = 34


class ServicesPanel(SafeStatic):
    """One line per service; hidden when the console brought nothing up (shown visibly)."""

    DEFAULT_CSS = """
    ServicesPanel {
        height: auto;
        padding: 0 0 1 0;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def show_services(self, services: Iterable[ServiceUpdate]) -> None:
        """Render the services in the order given."""
        lines = [service_line(service) for service in services]
        self.display = bool(lines)
        if lines:
            self.update(Text("\n").join([Text("Sandbox", style="bold"), *lines]))


def service_line(service: ServiceUpdate) -> Text:
    """``✓ OGX 1.2.5 (TLS)   ready in 9,812 ms  https://127.0.0.1:41234``."""
    mark, style = _MARKS[service.phase]
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    line.append(f" {mark} ", style=style)
    label = Text(service.label)
    label.truncate(LABEL_WIDTH - 1, overflow="ellipsis", pad=True)
    line.append_text(label)
    line.append(" ")
    line.append(_state(service), style=style if service.phase is not Phase.READY else "green")
    if service.detail:
        line.append("  ")
        line.append(service.detail, style="dim" if service.phase is Phase.READY else "")
    return line


def _state(service: ServiceUpdate) -> str:
    if service.phase is Phase.READY and service.elapsed_s is not None:
        return f"ready in {service.elapsed_s * 1000:,.0f} ms"
    if service.phase is Phase.REPLACED:
        return "replaced by the stand-in"
    return service.phase.value
