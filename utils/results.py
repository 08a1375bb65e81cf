"""Results that notebooks report for the benchmark's "course numbers reproduced" table.

A notebook calls ``record("planar flower, 4 hidden units: train accuracy", acc, reference=90.75, unit="%")``
after computing a number. Nothing is printed; when ``$FACEAPP_RESULTS`` names a file (``make bench`` sets
it while it executes the notebooks), one JSON line is appended to it.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any


def record(name: str, value: float, reference: float | str | None = None, unit: str = "",
           higher_is_better: bool = True, source: str = "") -> dict[str, Any]:
    """Record a measured result beside its reference (a course figure or a baseline); returns the record.

    Inputs: name (what was measured), value (finite number), reference (the course's figure, a baseline
    number, or a text such as "52-56"), unit (e.g. "%"), source (the notebook, filled in by the bench).
    """
    if not name:
        raise ValueError("record needs a non-empty name")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"record {name!r}: value must be finite, got {value}")
    entry = {"name": name, "value": value, "reference": reference, "unit": unit,
             "higher_is_better": higher_is_better, "source": source or os.environ.get("FACEAPP_NOTEBOOK", "")}
    path = os.environ.get("FACEAPP_RESULTS")
    if path:
        with Path(path).open("a") as fh:
            fh.write(json.dumps(entry) + "\n")
    return entry


def load(path: str | Path) -> list[dict[str, Any]]:
    """Read the JSON lines written by ``record`` (an empty list when the file does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
