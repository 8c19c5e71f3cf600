"""The UI's own layering: screens and widgets never reach back to the app that shows them.

Read from the source (every import statement, those under ``TYPE_CHECKING`` and inside
functions included), so a type-only import back to the app counts too: the screens know
the console only as `screens.host.ConsoleHost`, and the modules of ``screens`` form no
import cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import screens

ROOT = Path(screens.__file__).parent
APP_SIDE = {"screens.app", "screens.workers", "screens.deployments_work"}
"""The App and its workers: only the app's own modules may import these."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[str]:
    """Every module an import statement in ``path`` names (``from a import b``: a and a.b)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in ROOT.rglob("*.py")}
    return {
        name: {target for target in imports_of(path) if target in modules and target != name}
        for name, path in modules.items()
    }


def test_no_screen_or_widget_imports_the_app() -> None:
    edges = graph()
    offenders = {
        (name, target)
        for name, targets in edges.items()
        for target in targets & APP_SIDE
        if name not in APP_SIDE
    }
    assert offenders == set()


def test_the_screens_modules_form_no_import_cycle() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name) :], name]
            raise AssertionError(" -> ".join(cycle))
        if name in done:
            return
        for target in sorted(edges[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(edges):
        visit(name, [])
