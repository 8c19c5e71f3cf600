"""The core stays importable without Textual, and heavy SDKs stay off the import path."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "console.cli",
    "console.config.loader",
    "console.config.enrichment",
    "console.stack.providers",
    "console.commands.review",
    "console.commands.enrich",
    "console.commands.providers",
    "console.commands.infer",
    "console.commands.live",
    "console.stack.session",
    "console.stack.errors",
    "console.stack.tls_errors",
    "console.shared.ca_bundle",
    "console.stack.kind",
    "console.stack.discovery",
    "console.inference.run",
    "console.inference.errors",
    "console.inference.request",
    "console.inference.curl",
]


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    import json

    return set(json.loads(out))


def test_core_does_not_import_textual() -> None:
    modules = imported_after("\n".join(f"import {name}" for name in CORE_MODULES))
    assert "textual" not in modules
    assert not any(name == "screens" or name.startswith("screens.") for name in modules)


def test_config_commands_do_not_import_heavy_sdks() -> None:
    modules = imported_after(
        "from console.cli import build_parser\nbuild_parser()\n"
        "import console.config.loader, console.config.enrichment"
    )
    for heavy in ("llama_stack_client", "azure.identity", "textual", "llama_stack"):
        assert heavy not in modules, heavy


def test_live_modules_defer_the_llama_stack_client() -> None:
    """Importing the live core costs no SDK: it loads when a session first connects."""
    modules = imported_after(
        "import console.stack.session, console.inference.run, console.stack.discovery, console.inference.curl\n"
        "import console.commands.infer, console.commands.live"
    )
    for heavy in ("llama_stack_client", "azure.identity", "textual", "llama_stack"):
        assert heavy not in modules, heavy


def test_building_a_session_imports_no_sdk() -> None:
    modules = imported_after(
        "from console.stack.session import StackSession\nStackSession('http://127.0.0.1:1')"
    )
    assert "llama_stack_client" not in modules


def test_llama_stack_client_import_leaves_logging_alone() -> None:
    probe = (
        "import logging\n"
        "from console.stack.session import StackSession\n"
        "StackSession('http://127.0.0.1:9').client()\n"
        "import sys\n"
        "assert 'llama_stack_client' in sys.modules\n"
        "print(len(logging.getLogger().handlers), logging.getLogger().level)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert out.split() == ["0", str(30)]  # no handler added, WARNING kept


def test_the_first_frame_imports_no_parser_and_no_settings_reader() -> None:
    """The TUI's start path (CLI, launch, the app and its first screen) leaves the file
    parsers, the help screen and the settings reader for later: the doctor's worker
    thread imports the loader, F1 the help screen, a settings file tomllib; the
    deployments' checks and the tables wait for their first use."""
    modules = imported_after(
        "import console.cli, console.commands.tui, console.settings.launch, screens.app\n"
        "import screens.doctor_screen"
    )
    for deferred in (
        "console.config.loader",
        "ruamel.yaml",
        "yaml",
        "pydantic",
        "tomllib",
        "rich.pretty",
        "screens.help",
        "console.doctor.fleet",
        "textual.widgets._data_table",
        "textual.widgets._text_area",
        "screens.widgets.text_panel",
        "screens.screenshot",
    ):
        assert deferred not in modules, deferred


def test_version_imports_no_command() -> None:
    """``--version`` prints at once: no command module, no config loader, no pydantic."""
    modules = imported_after(
        "import contextlib, io\n"
        "from console.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--version'])\n"
    )
    assert "console.cli" in modules
    commands = {name for name in modules if name.startswith("console.commands.")}
    assert commands <= {
        "console.commands.dispatch",
        "console.commands.parser",
        "console.commands.table",
    }
    assert "pydantic" not in modules
