"""Every command, in the order ``--help`` lists them: its module and how it runs.

A static table of in-function imports: only the module of the command being run is
imported (the TUI paints before the config loader is), and import-linter and mypy see each
import. A new command is one module with ``register`` and a handler, and one row here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # a command's module imports them when it runs
    from console.commands.context import CommandContext
    from console.shared.exitcodes import ExitCode

type Handler = Callable[[argparse.Namespace, CommandContext], ExitCode]
"""What a command runs: its arguments and its context (`set_defaults(handler=...)`)."""


class CommandModule(Protocol):
    """A command's module: it adds its parser (and handler) to the CLI."""

    def register(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add the command's parser, with ``handler`` set."""


@dataclass(frozen=True)
class Command:
    """One command: where it is, and what it needs before it runs."""

    name: str
    load: Callable[[], ModuleType]
    """Imports and returns the module that registers it."""
    deployment: bool = True
    """It works on a deployment's files: ``-d``, ``--env-file`` and the env file's masking."""
    scrubbed: bool = True
    """Its output is text: an env file's secrets are masked in it (the TUI masks its own)."""
    refusing: bool = False
    """It stops at a settings value it cannot start with, instead of warning."""
    several: bool = False
    """It checks several deployments at once (``--all``, ``-d`` more than once)."""
    starts_itself: bool = False
    """It says itself when its start is over (`console.shared.gcpause.started`)."""


def _review() -> ModuleType:
    from console.commands import review

    return review


def _enrich() -> ModuleType:  # registers diff and enrich
    from console.commands import enrich

    return enrich


def _synth() -> ModuleType:
    from console.commands import synth

    return synth


def _providers() -> ModuleType:
    from console.commands import providers

    return providers


def _token() -> ModuleType:
    from console.commands import token

    return token


def _infer() -> ModuleType:
    from console.commands import infer

    return infer


def _check() -> ModuleType:
    from console.commands import check

    return check


def _boot() -> ModuleType:
    from console.commands import boot

    return boot


def _deployments() -> ModuleType:
    from console.commands import deployments

    return deployments


def _demo() -> ModuleType:
    from console.commands import demo

    return demo


def _tui() -> ModuleType:
    from console.commands import tui

    return tui


def _serve() -> ModuleType:
    from console.commands import serve

    return serve


def _locate() -> ModuleType:
    from console.commands import locate

    return locate


COMMANDS: tuple[Command, ...] = (
    Command("review", _review),
    Command("diff", _enrich),
    Command("enrich", _enrich),
    Command("synth", _synth),
    Command("providers", _providers),
    Command("token", _token),
    Command("infer", _infer),
    Command("check", _check, several=True),
    Command("boot", _boot),
    Command("deployments", _deployments, deployment=False),
    Command("demo", _demo, deployment=False),
    Command("tui", _tui, scrubbed=False, refusing=True, starts_itself=True),
    Command("serve", _serve),
    Command("locate", _locate),
)
BY_NAME = {command.name: command for command in COMMANDS}
