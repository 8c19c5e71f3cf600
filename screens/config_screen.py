"""2 Config: both files as written, secrets masked in place, the env variables, the findings.

The operator sees lightspeed-stack.yaml and run.yaml exactly as on disk (comments, order,
``${env.…}`` references), except that every inline secret reads ``********``. One value can
be revealed at a time, after a confirm; ``h`` hides it again, and leaving the screen or a
reload masks it too. The env table says which variables are set without showing any value
(the same reveal applies). Selecting a finding or a variable moves the file view to the line.

The files are re-read on ``r`` and whenever they change on disk: while this screen is
shown it asks the app to watch them (the app polls their signatures in its worker and
reloads, like every step); the screen only redraws from what the reload produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from console.shared.redact import MASK
from console.shared.sanitize import visible
from screens.base import ConsoleScreen
from screens.config_files import (
    FILE_IDS,
    default_label,
    file_label,
    file_of,
    held_secrets,
    same_file,
)
from screens.host import ConsoleHost
from screens.visible import SafeStatic
from screens.widgets.confirm import ConfirmDialog
from screens.widgets.env_table import STATE_LABELS, EnvTable
from screens.widgets.findings_table import FindingsTable, describe_finding, finding_text
from screens.widgets.masked_yaml import SecretField, mask_text, secret_fields
from screens.widgets.origins_table import OriginsTable, origin_text
from screens.widgets.yaml_view import YamlView

if TYPE_CHECKING:
    from console.config.loaded import Loaded


@dataclass(frozen=True)
class RevealedField:
    """A masked value of a file shown in clear: which file tab, and which of its fields."""

    file: str
    key: str


@dataclass(frozen=True)
class RevealedVariable:
    """An environment variable shown in clear in the env table."""

    name: str


Revealed = RevealedField | RevealedVariable
"""What the operator revealed: at most one at a time."""


class ConfigScreen(ConsoleScreen):
    """Both files with secrets masked, the env variables, the findings by line."""

    TITLE = "2 Config"
    # Screen declares this as an instance attribute, so it cannot be marked ClassVar here.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    DEFAULT_CSS = """
    ConfigScreen #config-main { height: 1fr; }
    ConfigScreen #config-files { width: 3fr; height: 1fr; }
    ConfigScreen #config-side { width: 2fr; height: 1fr; }
    ConfigScreen.-narrow #config-main { layout: vertical; }
    ConfigScreen.-narrow #config-files { width: 1fr; height: 1fr; min-height: 6; }
    ConfigScreen.-narrow #config-side { width: 1fr; height: 40%; min-height: 5; }
    ConfigScreen TabbedContent > ContentSwitcher { height: 1fr; }
    ConfigScreen TabPane { height: 1fr; padding: 0; }
    ConfigScreen YamlView, ConfigScreen DataTable { height: 1fr; }
    ConfigScreen #config-detail-scroll {
        height: auto; max-height: 9; border-top: solid $primary-darken-2;
    }
    ConfigScreen.-narrow #config-detail-scroll { max-height: 6; }
    ConfigScreen #config-detail { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload", id="config.reload"),
        Binding("o", "other_file", "Other file", id="config.other-file"),
        Binding("f", "focus_findings", "Findings", id="config.findings"),
        Binding("e", "focus_env", "Env vars", id="config.env"),
        Binding("v", "reveal", "Reveal…", id="config.reveal"),
        Binding("h", "hide", "Hide again", id="config.hide"),
        Binding("t", "as_text", "Findings as text", id="config.as-text"),
    ]

    def __init__(self, console: ConsoleHost) -> None:
        super().__init__(console)
        self._shown: tuple[object, object] | None = None
        self._fields: dict[str, list[SecretField]] = {name: [] for name in FILE_IDS}
        self._revealed: Revealed | None = None

    # ------------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="config-main"):
            with TabbedContent(id="config-files"):
                with TabPane("lightspeed-stack.yaml", id="file-lightspeed"):
                    yield YamlView(id="view-lightspeed")
                with TabPane("run.yaml", id="file-run"):
                    yield YamlView(id="view-run")
            with TabbedContent(id="config-side"):
                with TabPane("Findings", id="side-findings"):
                    yield FindingsTable(id="findings")
                with TabPane("Env variables", id="side-env"):
                    yield EnvTable(id="env")
                with TabPane("Origins", id="side-origins"):
                    yield OriginsTable(id="origins")
        with VerticalScroll(id="config-detail-scroll"):
            yield SafeStatic(id="config-detail")

    def on_screen_suspend(self) -> None:
        """Leaving the screen masks a revealed value and stops watching the files."""
        if self._revealed is not None:
            self._set_revealed(None)
        self.console.watch_config_files(False)

    def on_screen_resume(self) -> None:
        """Shown (first or again): watch the files, catching up with changes made meanwhile."""
        self.console.watch_config_files(True)

    # ------------------------------------------------------------------ drawing

    def refresh_view(self) -> None:
        state = self.console.doctor.state
        running = "config" in self.console.running
        self.query_one("#config-main").loading = running
        current = (state.loaded, state.config_error)
        if (
            self._shown is not None
            and current[0] is self._shown[0]
            and current[1] is self._shown[1]
        ):
            return
        if running and state.loaded is None and state.config_error is None:
            return
        self._shown = current
        if self._revealed is not None:
            self._revealed = None
            self.refresh_bindings()
        self._rebuild(state.loaded)

    def _rebuild(self, loaded: Loaded | None) -> None:
        error = self.console.doctor.state.config_error
        for file_id in FILE_IDS:
            file = file_of(loaded, file_id)
            self._fields[file_id] = secret_fields(file.document) if file is not None else []
            pane = "file-lightspeed" if file_id == "lightspeed" else "file-run"
            label = Text(visible(file_label(loaded, file_id)))  # a file's name: never markup
            self.query_one("#config-files", TabbedContent).get_tab(pane).label = label
        self._draw_files()
        if loaded is None:
            message = "not loaded yet"
            if error is not None:
                message = f"{error.location}: {error.message}\n\nremedy: {error.remedy}"
            view = self._view("lightspeed")
            view.show_message(message, "red" if error is not None else "dim")
            self._view("run").show_message(message, "red" if error is not None else "dim")
        self._fill_findings(loaded)
        self._fill_env(loaded)
        self._fill_origins(loaded)
        self._describe_line()

    def _draw_files(self) -> None:
        loaded = self.console.doctor.state.loaded
        if loaded is None:
            return
        held = held_secrets(loaded, self.console.doctor.secrets(), self._environ())
        for file_id in FILE_IDS:
            view = self._view(file_id)
            file = file_of(loaded, file_id)
            if file is None:
                reason = loaded.run_choice.reason if file_id == "run" else "no file given"
                view.show_message(f"No {default_label(file_id)} loaded: {reason}")
                continue
            shown = self._revealed
            revealed = (
                shown.key if isinstance(shown, RevealedField) and shown.file == file_id else None
            )
            view.show_text(
                mask_text(file.yaml.text, self._fields[file_id], held, revealed=revealed)
            )

    def _fill_findings(self, loaded: Loaded | None) -> None:
        table = self.query_one("#findings", FindingsTable)
        label = table.show(loaded.findings if loaded is not None else [])
        self.query_one("#config-side", TabbedContent).get_tab("side-findings").label = label

    def _fill_origins(self, loaded: Loaded | None) -> None:
        """The Origins tab exists only for a synthesized run.yaml (unified mode)."""
        side = self.query_one("#config-side", TabbedContent)
        synthesis = loaded.synthesis if loaded is not None else None
        if synthesis is None:
            side.hide_tab("side-origins")
            return
        side.show_tab("side-origins")
        side.get_tab("side-origins").label = self.query_one("#origins", OriginsTable).show(
            synthesis.origins
        )

    def _fill_env(self, loaded: Loaded | None) -> None:
        shown = self._revealed
        revealed = shown.name if isinstance(shown, RevealedVariable) else None
        references = loaded.env_references if loaded is not None else []
        target = self.console.doctor.target
        label = self._env_table().show(references, self._environ(), revealed, target.env_sources)
        self.query_one("#config-side", TabbedContent).get_tab("side-env").label = label

    def _environ(self) -> Mapping[str, str]:
        return self.console.doctor.target.environ

    # ------------------------------------------------------------------ describing

    def _active_file(self) -> str:
        active = self.query_one("#config-files", TabbedContent).active
        return "run" if active == "file-run" else "lightspeed"

    def _view(self, file_id: str) -> YamlView:
        return self.query_one(f"#view-{file_id}", YamlView)

    def _env_table(self) -> EnvTable:
        return self.query_one("#env", EnvTable)

    def _field_at(self, file_id: str, line: int) -> SecretField | None:
        return next((f for f in self._fields[file_id] if f.line == line), None)

    def _detail(self, *parts: Text) -> None:
        self.query_one("#config-detail", Static).update(Group(*parts))

    def _describe_line(self) -> None:
        file_id = self._active_file()
        file = file_of(self.console.doctor.state.loaded, file_id)
        if file is None:
            self._detail(Text(""))
            return
        line = self._view(file_id).cursor_line
        parts = [Text(f"{file.path}:{line}", style="bold")]
        field = self._field_at(file_id, line)
        if field is not None:
            if self._revealed == RevealedField(file_id, field.key):
                parts.append(Text(f"{field.path}: revealed (h hides it again)", style="yellow"))
            else:
                parts.append(Text(f"{field.path}: masked secret (v reveals it, after a confirm)"))
        loaded = self.console.doctor.state.loaded
        synthesis = loaded.synthesis if loaded is not None and file_id == "run" else None
        origin = synthesis.origin_at(line, file.sub.line) if synthesis is not None else None
        if origin is not None:
            parts.append(origin_text(origin))
        refs = [ref for ref in file.sub.references if ref.line == line]
        for ref in refs:
            parts.append(Text(f"${{env.{ref.name}}}: {STATE_LABELS[ref.state][0]}", style="dim"))
        for finding in self.query_one("#findings", FindingsTable).findings:
            if finding.file == file.path and finding.line == line:
                parts.append(finding_text(finding))
        self._detail(*parts)

    @on(YamlView.CursorMoved)
    def _cursor_moved(self, event: YamlView.CursorMoved) -> None:
        if event.view.id == f"view-{self._active_file()}":
            self._describe_line()

    @on(TabbedContent.TabActivated, "#config-files")
    def _file_switched(self) -> None:
        self._describe_line()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The detail line follows whatever has focus: a finding, a variable, a file line."""
        if event.widget.id == "findings":
            self._describe_finding(self.query_one("#findings", FindingsTable).cursor_row)
        elif event.widget.id == "env":
            self._describe_env(self._env_table().cursor_row)
        elif isinstance(event.widget, YamlView):
            self._describe_line()

    @on(DataTable.RowHighlighted, "#findings")
    def _finding_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.has_focus:
            self._describe_finding(event.cursor_row)

    @on(DataTable.RowHighlighted, "#env")
    def _env_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.has_focus:
            self._describe_env(event.cursor_row)

    def _describe_finding(self, row: int) -> None:
        finding = self.query_one("#findings", FindingsTable).finding_at(row)
        if finding is not None:
            self._detail(*describe_finding(finding))

    def _describe_env(self, row: int) -> None:
        table = self._env_table()
        name = table.name_at(row)
        if name is not None:
            self._detail(*table.describe(name, self._environ()))

    @on(DataTable.RowSelected, "#findings")
    def _finding_selected(self, event: DataTable.RowSelected) -> None:
        finding = self.query_one("#findings", FindingsTable).finding_at(event.cursor_row)
        if finding is None:
            return
        if finding.file is None:
            self.notify("This finding is not tied to a file.", severity="warning")
            return
        self.jump_to(finding.file, finding.line or 1)

    @on(DataTable.RowSelected, "#env")
    def _env_selected(self, event: DataTable.RowSelected) -> None:
        table = self._env_table()
        name = table.name_at(event.cursor_row)
        if name is not None:
            ref = table.references[name][0]
            self.jump_to(ref.file, ref.line or 1)

    def jump_to(self, file: Path, line: int) -> None:
        """Show ``file`` at ``line`` with the cursor on it, and focus the view."""
        loaded = self.console.doctor.state.loaded
        for file_id in FILE_IDS:
            loaded_file = file_of(loaded, file_id)
            if loaded_file is not None and same_file(loaded_file.path, file):
                break
        else:
            self.notify(f"{file} is not one of the files shown here.", severity="warning")
            return
        self.query_one("#config-files", TabbedContent).active = f"file-{file_id}"
        view = self._view(file_id)
        view.focus()
        self.call_after_refresh(view.go_to_line, line)

    # ------------------------------------------------------------------ actions

    def action_other_file(self) -> None:
        tabs = self.query_one("#config-files", TabbedContent)
        tabs.active = "file-lightspeed" if tabs.active == "file-run" else "file-run"
        self._view(self._active_file()).focus()

    def action_focus_findings(self) -> None:
        self.query_one("#config-side", TabbedContent).active = "side-findings"
        self.query_one("#findings", FindingsTable).focus()

    def action_focus_env(self) -> None:
        self.query_one("#config-side", TabbedContent).active = "side-env"
        self._env_table().focus()

    def action_reveal(self) -> None:
        """Reveal the env variable under the cursor, or the masked value on the file's line."""
        if self.focused is self._env_table():
            self._reveal_env()
            return
        file_id = self._active_file()
        line = self._view(file_id).cursor_line
        field = self._field_at(file_id, line)
        if field is None:
            self.notify(
                f"Nothing is masked on line {line}. Put the cursor on a {MASK} value, "
                "or pick a variable in the env table (e), then press v.",
                severity="warning",
            )
            return
        self._confirm_reveal(
            RevealedField(file_id, field.key),
            Text.assemble(
                "Show the value of ",
                (field.path, "bold"),
                f" (line {field.line}) in clear on this screen?\n\n",
                "Anyone who can see the screen will see it. h hides it again; leaving the "
                "screen or a reload masks it too.",
            ),
            f"{field.path} (line {field.line})",
        )

    def _reveal_env(self) -> None:
        table = self._env_table()
        name = table.name_at(table.cursor_row)
        if name is None:
            self.notify("No variable selected.", severity="warning")
            return
        if not self._environ().get(name):
            self.notify(f"{name} is not set: there is no value to reveal.", severity="warning")
            return
        if self._environ().get(name) in self.console.doctor.target.env_secrets:
            self.notify(
                f"{name} comes from the env file, whose values are never shown.",
                severity="warning",
            )
            return
        self._confirm_reveal(
            RevealedVariable(name),
            Text.assemble(
                "Show the value of the environment variable ",
                (name, "bold"),
                " in clear on this screen?\n\n",
                "Anyone who can see the screen will see it. h hides it again.",
            ),
            f"${name}",
        )

    def _confirm_reveal(self, target: Revealed, message: Text, what: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._set_revealed(target)
                self.console.events.add(f"config: revealed {what} on screen", "warning")

        self.app.push_screen(
            ConfirmDialog("Reveal a secret?", message, confirm_label="Reveal"),
            answered,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``h`` (hide again) is there only while a value is revealed."""
        if action == "hide":
            return self._revealed is not None
        return super().check_action(action, parameters)

    def action_hide(self) -> None:
        if self._revealed is None:
            self.notify("Nothing is revealed.", timeout=2)
            return
        self._set_revealed(None)
        self.console.events.add("config: masked again")

    def _set_revealed(self, target: Revealed | None) -> None:
        self._revealed = target
        self.refresh_bindings()  # h (hide again) comes or goes
        self._draw_files()
        self._fill_env(self.console.doctor.state.loaded)
        self._describe_line()

    def action_as_text(self) -> None:
        """Every finding in full (where, what, the remedy with its did-you-mean) as text."""
        from screens.widgets.text_panel import TextPanel  # on request only

        findings = self.query_one("#findings", FindingsTable).findings
        if not findings:
            self.notify("No findings: the review found nothing to say.")
            return
        blocks = [
            f"{f.severity.value}  {f.location}\n  {f.message}\n  remedy: {f.remedy}"
            for f in findings
        ]
        self.app.push_screen(
            TextPanel(f"Findings ({len(findings)})", "\n\n".join(blocks), copied="the findings")
        )

    def action_reload(self) -> None:
        """Re-read the files now (the app's worker logs that it was asked)."""
        self.console.reload_files("reloaded on request")
