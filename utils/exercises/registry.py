"""Every exercise of the workbook, collected from the per-course spec modules.

Each spec module (``course1``, ``course2``, ...) defines ``EXERCISES``, a list of :class:`Exercise`.
Spec modules import only numpy at import time; references and framework code load on first use.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from utils.exercises.core import Exercise

SPEC_MODULES = ("course1", "course2", "course3", "course4", "course4_detection", "blitz", "faceapp")


@lru_cache(maxsize=None)
def exercises_by_spec() -> dict[str, list[Exercise]]:
    """The exercises of each spec module (``{"course1": [...], ...}``), as listed there."""
    found: dict[str, list[Exercise]] = {}
    for name in SPEC_MODULES:
        try:
            module = importlib.import_module(f"utils.exercises.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"utils.exercises.{name}":
                raise
            continue
        found[name] = list(module.EXERCISES)
    return found


@lru_cache(maxsize=None)
def all_exercises() -> dict[str, Exercise]:
    """Every exercise by key, in reading order (spec modules in course order, then as listed)."""
    found: dict[str, Exercise] = {}
    for exercises in exercises_by_spec().values():
        for ex in exercises:
            if ex.key in found:
                raise ValueError(f"exercise {ex.key!r} is defined twice")
            found[ex.key] = ex
    return found


def get_exercise(key: str) -> Exercise:
    """The exercise with this key ("deep_nn.linear_forward"); a clear error lists close keys."""
    exercises = all_exercises()
    if key not in exercises:
        near = [k for k in exercises if k.endswith("." + key.rsplit(".", 1)[-1])]
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise KeyError(f"no exercise {key!r}{hint}")
    return exercises[key]


def exercises_for(notebook: str) -> list[Exercise]:
    """The exercises of one solution notebook (path relative to the repo root, ".ipynb")."""
    return [ex for ex in all_exercises().values() if ex.notebook == notebook]


def notebooks_with_exercises() -> list[str]:
    """Solution notebooks that have at least one exercise."""
    return sorted({ex.notebook for ex in all_exercises().values()})
