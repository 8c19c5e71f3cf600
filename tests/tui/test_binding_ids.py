"""The settings know every binding id without importing the screens: the list they check
``[keymap]`` against (`console.settings.binding_ids`) is the screens' own bindings."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import screens
from console.settings.binding_ids import BINDING_IDS


def _binding_ids_of_the_screens() -> set[str]:
    ids: set[str] = set()
    for module_info in pkgutil.walk_packages(screens.__path__, "screens."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__.startswith("screens"):
                for binding in cls.BINDINGS:
                    if isinstance(binding, Binding) and binding.id is not None:
                        ids.add(binding.id)
    return ids


def test_the_settings_know_every_binding_id_and_no_other() -> None:
    found = _binding_ids_of_the_screens()
    assert len(found) > 20  # the walk found the screens
    assert set(BINDING_IDS) == found
