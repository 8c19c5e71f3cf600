"""Where each provider of a synthesized run.yaml came from: one row per provider.

In unified mode Lightspeed writes the run.yaml itself; an operator reading it needs to know
which line of which file put each provider there (lightspeed-stack.yaml, the profile, the
shipped baseline, ``native_override``, the MCP default) and whether the Entra ID
enrichment touched it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from console.config.synthesis import ProviderOrigin
from screens.safe_table import SafeTable


class OriginsTable(SafeTable):
    """One row per provider of the synthesized run.yaml, in the file's order."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.origins: list[ProviderOrigin] = []

    def on_mount(self) -> None:
        self.add_column("provider", key="provider")
        self.add_column("type", key="type")
        self.add_column("from", key="from")

    def show(self, origins: Iterable[ProviderOrigin]) -> str:
        """Replace the rows; return the tab label."""
        self.clear()
        self.origins = list(origins)
        for index, origin in enumerate(self.origins):
            provider = Text(f"{origin.api}/{origin.provider_id}")
            if origin.enriched:
                provider.append(" *", style="bold yellow")
            self.add_row(provider, origin.provider_type, origin.origin, key=str(index))
        return f"Origins ({len(self.origins)})"


def origin_text(origin: ProviderOrigin) -> Text:
    """``providers.inference[0] azure: from lightspeed-stack.yaml:12 (...)``."""
    text = Text.assemble(
        (f"providers.{origin.api}[{origin.index}] {origin.provider_id}", "bold"),
        f": from {origin.origin}",
    )
    if origin.enriched:
        text.append("; enriched (model_validation: false)", style="yellow")
    return text
