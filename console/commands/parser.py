"""The command line's parser: what its users expect of one.

- No prefix matching of options (``allow_abbrev=False``): ``token --show`` is a usage error,
  never ``--show-token`` (which prints a credential).
- A did-you-mean for a mistyped command, option or choice (difflib's close matches).
- ``-q`` on every command silences the narration (what the console is doing, which file
  it read); errors, warnings and remedies are still said.
- Help texts written for the people who read them: the command's text without the markup
  of the code's docstrings or the names of its modules, and an EXAMPLES section.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


def close_to(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` was most likely meant as, if one is close enough."""
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


class CommandParser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` without prefix matching, with a did-you-mean."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def format_help(self) -> str:
        """The help, every option's text included, without the code's markup."""
        return strip_markup(super().format_help())

    def error(self, message: str) -> NoReturn:
        """Exit 2 with the usage and ``message``, and the close match of a bad choice."""
        found = _INVALID_CHOICE.search(message)
        if found is not None:
            choices = re.findall(r"'([^']*)'", found.group(2))
            guess = close_to(found.group(1), choices)
            if guess is not None:
                message += f"; did you mean {guess!r}?"
        super().error(message)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """Parse all of ``args``; an unknown option is named by the command it was given to,
        with the option it most likely meant."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = self.command_parser(getattr(parsed, "command", None)) or self
            parser.error(unrecognized(extras, parser))
        return parsed

    def command_parser(self, name: str | None) -> argparse.ArgumentParser | None:
        """The parser of the command ``name``, if this parser has commands."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name is not None:
                found = action.choices.get(name)
                return found if isinstance(found, argparse.ArgumentParser) else None
        return None


def unrecognized(extras: list[str], parser: argparse.ArgumentParser) -> str:
    """``unrecognized arguments: --shwo-token (did you mean --show-token?)``."""
    options = [
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--")
    ]
    if parser.prog.endswith(" tui"):  # the default command: the program's own options too
        options.append("--version")
    hints = []
    for word in extras:
        if word.startswith("--"):
            guess = close_to(word.split("=", 1)[0], options)
            if guess is not None:
                hints.append(f"{word}: did you mean {guess}?")
    said = f"unrecognized arguments: {' '.join(extras)}"
    return f"{said} ({'; '.join(hints)})" if hints else said


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    """``-q/--quiet``: no narration, only data, errors, warnings and remedies."""
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=False,
        help="say nothing of what is being done (which files, which deployment); errors, "
        "warnings, remedies and the data on stdout are still printed",
    )


_MARKUP = (
    (re.compile(r"\s*\(`console\.[\w.:]+`\)"), ""),  # (`console.commands.check_all`)
    (re.compile(r"`console\.[\w.:]+`"), ""),
    (re.compile(r"``([^`]*)``"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"::\n"), ":\n"),
)


def strip_markup(text: str) -> str:
    """``text`` without reStructuredText's literals and references, nor module names."""
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return text


def plain(doc: str | None, name: str) -> str:
    """A command's text (its module docstring, or a longer ``*_DESCRIPTION`` beside it) as its
    description: no ``literal`` or `reference` markup, no module names, and without the
    leading ``name``: it repeats."""
    text = (doc or "").strip()
    text = strip_markup(re.sub(rf"^``{re.escape(name)}``(?: \(the default\))?:\s*", "", text))
    return text[:1].upper() + text[1:]


def command_help(name: str, doc: str | None, examples: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``add_parser`` keywords: the plain description and an EXAMPLES section.

    ``examples``: (command line without the program name, what it does).
    """
    lines = ["EXAMPLES"]
    for words, what in examples:
        lines.append(f"  lightspeed-console {words}".rstrip())
        lines.append(f"      {what}")
    return {
        "description": plain(doc, name),
        "epilog": "\n".join(lines),
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
