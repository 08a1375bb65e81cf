"""Every exercise of the workbook, collected from the per-course spec modules.

Each spec module (``course1``, ``course2``, ...) defines ``EXERCISES``, a list of :class:`Exercise`.
Spec modules import only numpy at import time; references and framework code load on first use.
"""

from __future__ import annotations

import importlib
import json
import re
from functools import lru_cache
from pathlib import Path

from utils.exercises.core import Exercise

ANCHOR = re.compile(r"^show_solution\((\w+)\)$")


def anchor_name(source: str) -> str | None:
    """The function named by a ``show_solution(name)`` cell, or None for any other cell."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if len(lines) != 1:
        return None
    match = ANCHOR.match(lines[0])
    return match.group(1) if match else None


ROOT = Path(__file__).resolve().parents[2]
SPEC_MODULES = ("course1", "course2", "course3", "course4", "course4_detection", "blitz", "faceapp", "gan")


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
    """The exercises of one solution notebook (path relative to the repo root, ".ipynb"), in the order its
    ``show_solution`` cells come."""
    order = _anchor_order(notebook)
    found = [ex for ex in all_exercises().values() if ex.notebook == notebook]
    return sorted(found, key=lambda ex: order.get(ex.name, len(order)))


@lru_cache(maxsize=None)
def _anchor_order(notebook: str) -> dict[str, int]:
    try:
        cells = json.loads((ROOT / notebook).read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return {}
    names = [anchor_name("".join(c["source"])) for c in cells if c.get("cell_type") == "code"]
    return {name: i for i, name in enumerate(n for n in names if n)}


def notebooks_with_exercises() -> list[str]:
    """Solution notebooks that have at least one exercise."""
    return sorted({ex.notebook for ex in all_exercises().values()})
