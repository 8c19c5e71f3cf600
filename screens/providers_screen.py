"""4 Providers: what the server runs next to what run.yaml says, and the Azure base URL.

Lightspeed never reads run.yaml for the base URL it sends: it asks the server and takes
the first remote::azure provider's ``config.base_url``. So this screen puts the server's
providers and models beside run.yaml's (one row each, with a STATE column), shows the URL
Lightspeed would discover with any mismatch in red and the run.yaml line to fix, the
provider-data header the console sends and why, and who answered (kind, version, SANDBOX).
In library mode there is no server: the screen says so, with the remedy, and shows run.yaml.

Deployments can be large (a thousand providers, ten thousand models): rows go into two
DataTables in bulk, only when the survey or the loaded files actually changed, never as
one widget per row. ``r`` asks the server again (the stack and providers steps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TabbedContent, TabPane

from console.doctor.results import CheckResult, CheckStatus
from console.shared.diagnosis import Diagnosis
from console.shared.findings import Severity
from console.stack.compare import ModelRow, ProviderRow, compare_models, compare_providers
from console.stack.discovery import Discovery, lightspeed_base_url
from console.stack.providers import ModelView, ProviderView, static_models, static_providers
from console.stack.session import NoServer
from screens.base import ConsoleScreen
from screens.host import ConsoleHost
from screens.visible import SafeStatic
from screens.widgets.bulk_table import BulkTable, LazyText

if TYPE_CHECKING:
    from console.config.loaded import Loaded
    from console.stack.session import StackInfo, StackSurvey

LIVE_STEPS = ("stack", "providers")
"""The doctor steps `r` re-runs: the server's version, then its providers and models."""

_STATE_STYLES = {
    "same": "green",
    "MISMATCH": "bold white on red",
    "MISMATCH (type)": "bold white on red",
    "server only": "yellow",
    "run.yaml only": "yellow",
    "-": "dim",
}
_WHERE_STYLES = {"both": "green", "server": "yellow", "run.yaml": "yellow"}


class ProvidersScreen(ConsoleScreen):
    """Providers and models, live and from run.yaml, side by side."""

    TITLE = "4 Providers"
    DEFAULT_CSS = """
    ProvidersScreen {
        #providers-summary {
            height: auto;
            max-height: 45%;
            padding: 0 1;
        }
        #providers-tabs {
            height: 1fr;
        }
        TabPane {
            padding: 0;
        }
        #providers-table, #models-table {
            height: 1fr;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="providers.refresh"),
        Binding("p", "show_tab('providers-pane')", "Providers", id="providers.show-providers"),
        Binding("m", "show_tab('models-pane')", "Models", id="providers.show-models"),
    ]

    def __init__(self, console: ConsoleHost) -> None:
        super().__init__(console)
        self._shown: tuple[object, object] = (object(), object())
        self._static_for: object = None
        self._static: tuple[list[ProviderView], list[ModelView]] = ([], [])

    def compose_body(self) -> ComposeResult:
        yield SafeStatic(id="providers-summary")
        with TabbedContent(id="providers-tabs", initial="providers-pane"):
            with TabPane("Providers", id="providers-pane"):
                yield BulkTable(id="providers-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Models", id="models-pane"):
                yield BulkTable(id="models-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        providers = self.query_one("#providers-table", BulkTable)
        for label, key in (
            ("STATE", "state"),
            ("API", "api"),
            ("ID", "id"),
            ("TYPE", "type"),
            ("SERVER BASE_URL", "server_url"),
            ("RUN.YAML BASE_URL", "static_url"),
            ("LINE", "line"),
            ("API_VERSION", "api_version"),
            ("VALIDATION", "validation"),
            ("API_KEY", "api_key"),
        ):
            providers.add_column(label, key=key)
        models = self.query_one("#models-table", BulkTable)
        for label, key in (
            ("WHERE", "where"),
            ("MODEL_ID (server)", "model_id"),
            ("PROVIDER", "provider"),
            ("PROVIDER_MODEL_ID", "provider_model_id"),
            ("TYPE", "type"),
            ("LINE", "line"),
        ):
            models.add_column(label, key=key)
        super().on_mount()

    # ------------------------------------------------------------------ drawing

    def refresh_view(self) -> None:
        state = self.console.doctor.state
        loaded = state.loaded
        survey = state.survey
        static = self._static_rows(loaded)
        live_providers = list(survey.providers) if survey is not None else []
        live_models = list(survey.models) if survey is not None else []
        self.query_one("#providers-summary", Static).update(self._summary(loaded, survey, static))
        if self._shown[0] is not survey or self._shown[1] is not loaded:
            # Rebuild only when what the rows come from changed: ``revision`` moves on every
            # step of every worker, and a 10,000-row table is not redrawn for nothing.
            self._shown = (survey, loaded)
            self._fill_providers(compare_providers(live_providers, static[0]))
            self._fill_models(compare_models(live_models, static[1]))

    def _static_rows(self, loaded: Loaded | None) -> tuple[list[ProviderView], list[ModelView]]:
        if loaded is not self._static_for:
            self._static_for = loaded
            self._static = (static_providers(loaded), static_models(loaded)) if loaded else ([], [])
        return self._static

    def _fill_providers(self, rows: list[ProviderRow]) -> None:
        self.query_one("#providers-table", BulkTable).replace_rows(map(_provider_cells, rows))
        mismatches = sum(1 for row in rows if row.mismatch)
        label = f"Providers ({len(rows)})" + (f" ✗ {mismatches} mismatch" if mismatches else "")
        self.query_one(TabbedContent).get_tab("providers-pane").label = label

    def _fill_models(self, rows: list[ModelRow]) -> None:
        self.query_one("#models-table", BulkTable).replace_rows(map(_model_cells, rows))
        self.query_one(TabbedContent).get_tab("models-pane").label = f"Models ({len(rows)})"

    def _summary(
        self,
        loaded: Loaded | None,
        survey: StackSurvey | None,
        static: tuple[list[ProviderView], list[ModelView]],
    ) -> Group:
        """Who answered, the header sent, the discovered base URL, and what is wrong."""
        state = self.console.doctor.state
        parts: list[Text] = []
        running = any(step in self.console.running for step in LIVE_STEPS)
        stack_result = state.results.get("stack")
        if running:
            library = (
                loaded is not None
                and loaded.llama_stack is not None
                and (loaded.llama_stack.mode == "library")
            )
            doing = "booting the run.yaml in its release" if library else "asking the server"
            step = next(step for step in LIVE_STEPS if step in self.console.running)
            parts.append(Text(f"⟳ {doing}… {self.waited(step)}", style="bold cyan"))
        if isinstance(state.session, NoServer):
            parts.extend(_no_server(state.session, loaded, static[0]))
            return Group(*parts)
        info = survey.info if survey is not None else state.stack_info
        if info is not None:
            parts.extend(_server_lines(info))
        elif stack_result is None and not running:
            parts.append(Text("server not contacted yet: r asks it", style="dim"))
        diagnosis = survey.diagnosis if survey is not None else None
        if diagnosis is not None:
            parts.extend(_failure_lines(diagnosis))
        elif stack_result is not None and stack_result.status is CheckStatus.FAIL:
            parts.extend(_failure_lines(stack_result.diagnosis or stack_result))
        providers_result = state.results.get("providers")
        if survey is None and not running and providers_result and providers_result.out_of_date:
            parts.append(Text(f"server's providers {providers_result.summary}", style="yellow"))
        discovery = survey.discovery if survey is not None else None
        if discovery is not None:
            parts.extend(_discovery_lines(discovery, loaded))
        elif loaded is not None and loaded.run is None:
            parts.append(Text("no run.yaml loaded: nothing to compare with", style="dim"))
        return Group(*parts)

    def waiting(self) -> bool:
        return any(step in self.console.running for step in LIVE_STEPS)

    def refresh_waiting(self) -> None:
        """Only the summary moves while the server is asked (the tables stay as they are)."""
        state = self.console.doctor.state
        static = self._static_rows(state.loaded)
        summary = self._summary(state.loaded, state.survey, static)
        self.query_one("#providers-summary", Static).update(summary)

    # ------------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        """Ask the server again: its version, then its providers and models."""
        self.console.events.add("providers: asking the server again")
        self.console.run_checks(list(LIVE_STEPS))

    def action_show_tab(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane


def _no_server(session: NoServer, loaded: Loaded | None, static: list[ProviderView]) -> list[Text]:
    """Library mode (or no URL) said plainly, with the remedy and run.yaml's base URL."""
    if session.reason == "library-mode":
        head = Text.assemble((" LIBRARY MODE ", "bold black on yellow"), "  no server to ask")
    else:
        head = Text.assemble((" NO SERVER ", "bold white on red"), "  nothing to ask")
    lines = [head, Text(session.message), Text.assemble(("remedy: ", "bold green"), session.remedy)]
    chosen = lightspeed_base_url(static)
    if session.reason == "library-mode" and chosen is not None:
        lines.append(
            Text.assemble(
                ("Azure base URL ", "bold"),
                "(the in-process Llama Stack reads run.yaml): ",
                (chosen.base_url or "", "bold green"),
                f"  [provider {chosen.provider_id}, {_where(loaded, chosen)}]",
            )
        )
    return lines


def _server_lines(info: StackInfo) -> list[Text]:
    """Kind, version (SANDBOX marked), and the provider-data header with the reason."""
    if info.mode == "library":
        line = Text.assemble(
            (" LIBRARY ", "bold black on yellow"),
            f"  {info.url} {info.version}, booted locally in {info.latency_s:.1f} s",
        )
        line.append("  (no server: Lightspeed loads the run.yaml in-process)", style="dim")
        header = Text.assemble(("provider data ", "bold"), (info.header_name, "cyan"))
        header.append(f"  ({info.header_reason})", style="dim")
        return [line, header]
    line = Text.assemble(("server ", "bold"), f"{info.kind} {info.version}")
    if info.kind == "sandbox":
        line.append(" ")
        line.append(" SANDBOX ", style="bold black on magenta")
    line.append(f"  at {info.url}  ({info.latency_s * 1000:.0f} ms)", style="dim")
    header = Text.assemble(("provider data ", "bold"), (info.header_name, "cyan"))
    header.append(f"  ({info.header_reason})", style="dim")
    if info.header_forced_differs:
        header.append(f"  ✗ forced: this server reads {info.server_reads}", style="bold red")
    return [line, header]


def _failure_lines(failure: Diagnosis | CheckResult) -> list[Text]:
    """Why the server could not be asked, and what to do."""
    if isinstance(failure, Diagnosis):
        lines = [
            Text.assemble(("✗ ", "bold red"), (f"{failure.code}: ", "bold red"), failure.title),
            Text(failure.meaning),
        ]
        if failure.endpoint:
            lines.append(Text(f"endpoint: {failure.endpoint}", style="cyan"))
        lines.append(Text.assemble(("remedy: ", "bold green"), failure.remedy))
    else:
        lines = [Text.assemble(("✗ ", "bold red"), failure.summary)]
        if failure.remedy:
            lines.append(Text.assemble(("remedy: ", "bold green"), failure.remedy))
    lines.append(Text("showing run.yaml only until the server answers (r)", style="dim"))
    return lines


def _discovery_lines(discovery: Discovery, loaded: Loaded | None) -> list[Text]:
    """The base URL Lightspeed would send, run.yaml's beside it, and the findings."""
    live = Text.assemble(("Azure base URL ", "bold"), "(as Lightspeed discovers it): ")
    if discovery.azure_base_url is None:
        live.append("none: Lightspeed would send no provider data", style="bold red")
    else:
        live.append(
            discovery.azure_base_url,
            style="bold white on red" if discovery.mismatch else "bold green",
        )
        live.append(f"  [provider {discovery.provider_id}]", style="dim")
    lines = [live]
    if discovery.static_base_url is not None:
        local = Text.assemble(("run.yaml ", "bold"), f"{_static_where(loaded)}: ")
        if discovery.mismatch:
            local.append(discovery.static_base_url, style="bold white on red")
            local.append("  ✗ MISMATCH", style="bold red")
        else:
            local.append(discovery.static_base_url)
            local.append("  ✓ same", style="green")
        lines.append(local)
    for finding in discovery.findings:
        if finding.severity is Severity.INFO:
            continue
        style = "red" if finding.severity is Severity.ERROR else "yellow"
        lines.append(
            Text.assemble((f"{finding.severity.value}: ", f"bold {style}"), finding.message)
        )
        lines.append(Text.assemble(("  remedy: ", "bold green"), finding.remedy))
    return lines


def _static_where(loaded: Loaded | None) -> str:
    """``path:line`` of the base_url Lightspeed's enrichment reads in run.yaml."""
    if loaded is None or loaded.run is None or not loaded.azure_providers:
        return "(no remote::azure provider)"
    provider = loaded.azure_providers[0]
    line = loaded.run.sub.line((*provider.path, "config", "base_url")) or provider.line
    return f"{loaded.run.path}:{line}" if line else str(loaded.run.path)


def _where(loaded: Loaded | None, provider: ProviderView) -> str:
    if loaded is None or loaded.run is None:
        return "run.yaml"
    return f"{loaded.run.path.name}:{provider.line}" if provider.line else loaded.run.path.name


def _provider_cells(row: ProviderRow) -> list[LazyText]:
    """One table row; cells are drawn as plain text, so brackets are never read as markup."""
    either = row.either
    server_url = (row.server.base_url or "-") if row.server else "(absent)"
    static_url = (row.local.base_url or "-") if row.local else "(absent)"
    url_style = "bold red" if row.state == "MISMATCH" else ""
    validation = "-" if either.model_validation is None else str(either.model_validation).lower()
    line = row.local.line if row.local is not None else None
    return [
        LazyText(row.state if row.state != "-" else "- not compared", _STATE_STYLES[row.state]),
        LazyText(row.api),
        LazyText(row.provider_id),
        LazyText(either.provider_type),
        LazyText(server_url, url_style),
        LazyText(static_url, url_style),
        LazyText(str(line) if line else "-", "dim"),
        LazyText(either.api_version or "-"),
        LazyText(validation),
        LazyText(either.api_key),
    ]


def _model_cells(row: ModelRow) -> list[LazyText]:
    either = row.either
    line = row.local.line if row.local is not None else None
    where = row.where
    return [
        LazyText(where if where == "both" else f"{where} only", _WHERE_STYLES[where]),
        LazyText(row.model_id),
        LazyText(either.provider_id),
        LazyText(either.provider_model_id or "-"),
        LazyText(either.model_type or "-"),
        LazyText(str(line) if line else "-", "dim"),
    ]
