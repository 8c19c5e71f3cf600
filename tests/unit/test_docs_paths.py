"""The docs name only modules, files and names that exist: docs/ARCHITECTURE.md stays the map.

Every path the docs write in backticks (``console/...``, ``commands/parser.py``, a bare
``fleet.py``), every dotted module name (``console.shared.sanitize.visible``) and every
``module.py: name`` must be found in the repository; in a table row about one package
(``| `doctor/` | ...``), each ``name.py`` must be a module of that package.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = (ROOT / "docs" / "ARCHITECTURE.md", ROOT / "docs" / "LIMITS.md", ROOT / "README.md")
TOPS = ("console", "screens", "bench", "tests", "docs")
BASES = (ROOT, ROOT / "console", ROOT / "screens")
"""Where a relative path in the docs may start: the core's and the UI's tables drop the top."""

_QUOTED = re.compile(r"`([^`\n]+)`")
_PATH = re.compile(r"^[\w.-]+(?:/[\w.-]+)*/?$")
_DOTTED = re.compile(rf"^(?:{'|'.join(TOPS[:3])})(?:\.\w+)+$")
_NAMED = re.compile(r"^([\w/]+\.py): (\w+)")


def _words(doc: Path) -> list[str]:
    """Each backticked word of ``doc``, split at spaces, commas and brackets."""
    words = []
    for quoted in _QUOTED.findall(doc.read_text(encoding="utf-8")):
        words += [word.strip(".;:") for word in re.split(r"[\s,()]+", quoted) if word]
    return words


@cache
def _defined(module: Path) -> frozenset[str]:
    """The names a module defines or imports at any level."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return frozenset(names)


def _module_file(parts: list[str]) -> Path | None:
    path = ROOT.joinpath(*parts)
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _find(path: str) -> Path | None:
    """``path`` from the repository's root, or from the core's or the UI's."""
    return next((base / path for base in BASES if (base / path).exists()), None)


def _anywhere(name: str) -> bool:
    """A bare ``name.py`` is some module of the code, the benches or the tests."""
    return any(any((ROOT / top).rglob(name)) for top in TOPS[:4])


def _problems(doc: Path) -> list[str]:
    problems = []
    for word in _words(doc):
        if _DOTTED.match(word):
            parts = word.split(".")
            found = next(
                ((n, f) for n in range(len(parts), 0, -1) if (f := _module_file(parts[:n]))),
                None,
            )
            if found is None or (found[0] < len(parts) and found[1].name == "__init__.py"):
                problems.append(f"no module {word}")  # a package's __init__ imports nothing
            elif found[0] < len(parts) and parts[found[0]] not in _defined(found[1]):
                problems.append(f"{found[1].relative_to(ROOT)} defines no {parts[found[0]]}")
        elif "/" in word and _PATH.match(word) and word.split("/")[0] in TOPS:
            if not (ROOT / word).exists():
                problems.append(f"no {word}")
        elif "/" in word and _PATH.match(word) and (word.endswith((".py", "/"))):
            if _find(word) is None:
                problems.append(f"no {word} under the root, console/ or screens/")
        elif re.fullmatch(r"\w+\.py", word) and not _anywhere(word):
            problems.append(f"no module named {word}")
    named = (_NAMED.match(quoted) for quoted in _QUOTED.findall(doc.read_text("utf-8")))
    for path, name in (match.groups() for match in named if match is not None):
        module = _find(path)
        if module is None:
            problems.append(f"no {path}")
        elif name not in _defined(module):
            problems.append(f"{path} defines no {name}")
    return problems


def _package_rows(doc: Path) -> list[str]:
    """In a table row about one package, each ``name.py`` must be one of its modules."""
    problems = []
    for line in doc.read_text(encoding="utf-8").splitlines():
        cells = line.split("|")
        if not line.startswith("| `") or len(cells) < 3:
            continue
        heads = _QUOTED.findall(cells[1])
        if len(heads) != 1 or not heads[0].endswith("/"):
            continue
        package = _find(heads[0])
        if package is None:
            continue  # said by _problems
        for name in re.findall(r"`(\w+\.py)`", "|".join(cells[2:])):
            if not (package / name).is_file():
                problems.append(f"{heads[0]} has no {name}")
    return problems


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_module_path_and_name_the_docs_give_exists(doc: Path) -> None:
    assert _problems(doc) + _package_rows(doc) == []


def test_the_check_finds_a_path_that_is_gone(tmp_path: Path) -> None:
    doc = tmp_path / "MAP.md"
    doc.write_text(
        "| `doctor/` | `runner.py` (`Doctor`), `gone.py` |\n"
        "`console/doctor/nowhere.py`, `console.doctor.runner.Nobody`, `doctor/runner.py: Nobody`,"
        " `console.nowhere`, `vanished.py`, `stack/missing.py`\n",
        encoding="utf-8",
    )
    assert sorted(_problems(doc) + _package_rows(doc)) == sorted(
        [
            "no console/doctor/nowhere.py",
            "console/doctor/runner.py defines no Nobody",
            "doctor/runner.py defines no Nobody",
            "no module console.nowhere",
            "no module named vanished.py",
            "no module named gone.py",
            "no stack/missing.py under the root, console/ or screens/",
            "doctor/ has no gone.py",
        ]
    )
