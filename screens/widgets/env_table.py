"""The ``${env.…}`` variables the files use: whether each is set, its (masked) value, where used.

One row per variable, sorted by name. No value is shown unless the operator revealed that
one variable (after a confirm); the table says only set, UNSET, default or unset (:+).
It keeps the references it shows, so the screen can ask which variable is on a row and
where it is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text

from console.config.envsubst import EnvReference
from console.shared.redact import MASK
from screens.safe_table import SafeTable

STATE_LABELS = {
    "set": ("set", "green"),
    "unset": ("UNSET", "bold red"),
    "default": ("default", "yellow"),
    "conditional-empty": ("unset (:+)", "dim"),
}


class EnvTable(SafeTable):
    """One row per variable: name, state, value (masked; a revealed one shown visibly), where."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.references: dict[str, list[EnvReference]] = {}

    def on_mount(self) -> None:
        self.add_column("variable", key="name")
        self.add_column("state", key="state", width=10)
        self.add_column("value", key="value")
        self.add_column("used at", key="where")

    def show(
        self,
        references: Iterable[EnvReference],
        environ: Mapping[str, str],
        revealed: str | None = None,
    ) -> str:
        """Replace the rows, keeping the cursor's row; ``revealed`` names the one value shown.

        Returns the tab label.
        """
        cursor = self.cursor_row
        self.clear()
        self.references = {}
        for ref in references:
            self.references.setdefault(ref.name, []).append(ref)
        for name, refs in sorted(self.references.items()):
            label, style = STATE_LABELS[state_of(refs)]
            where = ", ".join(where_of(ref) for ref in refs[:3])
            if len(refs) > 3:
                where += f" +{len(refs) - 3}"
            value = _value(environ.get(name), shown=name == revealed)
            self.add_row(name, Text(label, style=style), value, where, key=name)
        if self.references:
            self.move_cursor(row=min(cursor, len(self.references) - 1))
        return f"Env variables ({len(self.references)})"

    def name_at(self, row: int) -> str | None:
        """The variable on ``row`` (None outside the table)."""
        names = sorted(self.references)
        return names[row] if 0 <= row < len(names) else None

    def describe(self, name: str, environ: Mapping[str, str]) -> tuple[Text, ...]:
        """A variable in full: its state, whether it can be revealed, every use."""
        refs = self.references[name]
        label = STATE_LABELS[state_of(refs)][0]
        hint = "v reveals its value (after a confirm)" if environ.get(name) else "no value"
        return (
            Text.assemble((name, "bold"), f": {label}; {hint}"),
            Text("used at " + ", ".join(f"{where_of(ref)} ({ref.dotted_path})" for ref in refs)),
        )


def _value(value: str | None, *, shown: bool) -> Text:
    if not value:
        return Text("(unset)", style="dim")
    if shown:
        return Text(value, style="bold yellow")
    return Text(MASK, style="dim")


def state_of(refs: list[EnvReference]) -> str:
    """One state for a variable used in several places: unset wins, then set, then default."""
    states = {ref.state for ref in refs}
    for state in ("unset", "set", "default"):
        if state in states:
            return state
    return "conditional-empty"


def where_of(ref: EnvReference) -> str:
    """``file:line`` of a reference (the file alone when the line is unknown)."""
    return f"{ref.file.name}:{ref.line}" if ref.line else ref.file.name
