"""The ``${env.…}`` variables the files use: whether each is set, its value, its source, where used.

One row per variable, sorted by name. Its source says where its value comes from: the env
file and line (``pod.env:3``), the environment, the file's own default, or nowhere. No value
is shown unless the operator revealed that one variable (after a confirm), except the Entra
ID tenant and client IDs, which are identifiers (``az`` shows them) and shown as they are.
It keeps the references it shows, so the screen can ask which variable is on a row and
where it is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text

from console.config.envsubst import EnvReference
from console.config.loaded import is_secret_place
from console.settings.envfile import is_secret_variable, source_of_variable
from console.shared.redact import MASK
from screens.safe_table import SafeTable

IDENTITY_PLACES = (("azure_entra_id", "tenant_id"), ("azure_entra_id", "client_id"))
"""Where a variable's value is an identifier, not a credential: shown as it is."""

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
        self.sources: Mapping[str, str] = {}

    def on_mount(self) -> None:
        self.add_column("variable", key="name")
        self.add_column("state", key="state", width=10)
        self.add_column("value", key="value")
        self.add_column("used at", key="where")
        self.add_column("source", key="source")

    def show(
        self,
        references: Iterable[EnvReference],
        environ: Mapping[str, str],
        revealed: str | None = None,
        sources: Mapping[str, str] | None = None,
    ) -> str:
        """Replace the rows, keeping the cursor's row; ``revealed`` names the one value shown.

        ``sources``: the env file and line of each variable an env file gave (a `Target`'s
        ``env_sources``); any other set variable comes from the environment. Returns the
        tab label.
        """
        cursor = self.cursor_row
        self.clear()
        self.references = {}
        self.sources = sources or {}
        for ref in references:
            self.references.setdefault(ref.name, []).append(ref)
        for name, refs in sorted(self.references.items()):
            label, style = STATE_LABELS[state_of(refs)]
            where = ", ".join(where_of(ref) for ref in refs[:3])
            if len(refs) > 3:
                where += f" +{len(refs) - 3}"
            value = _value(environ.get(name), shown=name == revealed or is_identity(name, refs))
            source = variable_source(name, refs, environ, self.sources)
            self.add_row(name, Text(label, style=style), value, where, source, key=name)
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
        if environ.get(name) and is_identity(name, refs):
            hint = "an identifier, shown as az shows it"
        source = source_of_variable(name, environ, self.sources) if environ.get(name) else None
        origin = f"its value from {source}" if source else "no value set"
        return (
            Text.assemble((name, "bold"), f": {label}; {origin}; {hint}"),
            Text("used at " + ", ".join(f"{where_of(ref)} ({ref.dotted_path})" for ref in refs)),
        )


def _value(value: str | None, *, shown: bool) -> Text:
    if not value:
        return Text("(unset)", style="dim")
    if shown:
        return Text(value, style="bold yellow")
    return Text(MASK, style="dim")


def is_identity(name: str, refs: list[EnvReference]) -> bool:
    """Whether a variable holds only the Entra ID tenant or client ID (shown, never a secret)."""
    return (
        not is_secret_variable(name)
        and all(tuple(ref.path) in IDENTITY_PLACES for ref in refs)
        and not any(is_secret_place(ref) for ref in refs)
    )


def variable_source(
    name: str, refs: list[EnvReference], environ: Mapping[str, str], sources: Mapping[str, str]
) -> Text:
    """Where a variable's value comes from: ``pod.env:3``, ``environment``, ``default``
    (the file's ``${env.X:=…}``), or ``unset``."""
    found = source_of_variable(name, environ, sources) if environ.get(name) else None
    if found is not None:
        return Text(found.rpartition("/")[2] if name in sources else found)
    if any(ref.operator == "=" for ref in refs):
        return Text("default", style="yellow")
    return Text("unset", style="dim")


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
