"""What the notebooks call: ``show_solution`` (solution notebooks), ``progress`` and ``check`` (exercise
notebooks).

Progress is kept in a small JSON file (``exercises/.progress.json``, or ``$FACEAPP_PROGRESS``) so the
progress cell at the top of an exercise notebook shows where a learner stands when the notebook is opened
again, and it is updated live as each check cell runs.
"""

from __future__ import annotations

import html
import inspect
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from utils.exercises.core import BEGIN, END, check_function
from utils.exercises.registry import exercises_for, get_exercise

ROOT = Path(__file__).resolve().parents[2]
_HANDLES: dict[str, Any] = {}


def progress_path() -> Path:
    """Where progress is stored: ``$FACEAPP_PROGRESS`` or ``<repo>/exercises/.progress.json``."""
    return Path(os.environ.get("FACEAPP_PROGRESS") or ROOT / "exercises" / ".progress.json")


def load_progress() -> dict[str, dict[str, Any]]:
    """Stored results by exercise key: ``{"passed": bool, "summary": str, "time": str}``."""
    try:
        data = json.loads(progress_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_progress(key: str, passed: bool, summary: str) -> None:
    """Store one check's result (best effort: a read-only folder only loses the record)."""
    data = load_progress()
    data[key] = {"passed": bool(passed), "summary": summary, "time": time.strftime("%Y-%m-%d %H:%M")}
    path = progress_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, sort_keys=True))
    except OSError:
        pass


class ProgressTable:
    """The progress of one notebook's exercises; renders as an HTML table and as plain text."""

    def __init__(self, notebook: str) -> None:
        self.notebook = notebook
        self.keys = [ex.key for ex in exercises_for(notebook)]
        if not self.keys:
            raise ValueError(f"{notebook!r} has no exercises")
        stored = load_progress()
        self.rows = [(k.rsplit(".", 1)[1], stored.get(k)) for k in self.keys]

    @property
    def passed(self) -> int:
        return sum(1 for _, r in self.rows if r and r["passed"])

    def _status(self, record: dict[str, Any] | None) -> tuple[str, str]:
        if record is None:
            return "·", "not checked yet"
        return ("✓", "passed") if record["passed"] else ("✗", record["summary"])

    def __repr__(self) -> str:
        lines = [f"Exercises passed: {self.passed} of {len(self.rows)}"]
        lines += [f"  {self._status(r)[0]} {name}: {self._status(r)[1]}" for name, r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{mark}</td><td style='text-align:left'><code>{html.escape(name)}</code></td>"
            f"<td style='text-align:left'>"
            f"{html.escape(text)}</td></tr>"
            for name, r in self.rows for mark, text in [self._status(r)])
        return (f"<div class='faceapp-progress'><b>Exercises passed: {self.passed} of {len(self.rows)}</b>"
                f"<table>{rows}</table></div>")


def progress(notebook: str) -> None:
    """Show which of ``notebook``'s exercises pass (the top cell of an exercise notebook).

    The table is displayed with a display id, so every later ``check`` updates it in place.
    """
    from IPython.display import display

    table = ProgressTable(notebook)
    _HANDLES[notebook] = display(table, display_id=True)


def check(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Check a learner's function and print the verdict; the check cell after every exercise.

    Returns the function the rest of the notebook should use: the learner's when it passes, otherwise the
    workbook's reference (so the story keeps running while the exercise is unsolved).
    """
    exercise = get_exercise(key)
    result = check_function(exercise, fn)
    mark = "✓" if result.passed else "✗"
    print(f"{mark} {result.message}")
    if not result.passed:
        print(f"  Until it passes, the rest of this notebook uses the workbook's own `{exercise.name}`.")
    record_progress(key, result.passed, "not written yet" if result.not_written else result.message.splitlines()[0])
    handle = _HANDLES.get(exercise.notebook)
    if handle is not None:
        handle.update(ProgressTable(exercise.notebook))
    return fn if result.passed else exercise.reference


def solution_source(fn: Callable[..., Any]) -> str:
    """The source of ``fn`` as written in ``utils`` (solution markers included)."""
    return inspect.getsource(inspect.unwrap(fn))


class _Source:
    def __init__(self, fn: Callable[..., Any]) -> None:
        self.name = fn.__name__
        self.path = Path(inspect.getsourcefile(fn) or "").relative_to(ROOT).as_posix()
        self.source = solution_source(fn)

    def _repr_markdown_(self) -> str:
        return (f"**The workbook's `{self.name}`** (from `{self.path}`). In the exercise version of this "
                f"notebook you write the lines between `{BEGIN}` and `{END}` yourself.\n\n"
                f"```python\n{self.source}```\n")

    def __repr__(self) -> str:
        return f"# {self.name}, from {self.path}\n{self.source}"


def show_solution(fn: Callable[..., Any]) -> _Source:
    """Show the workbook's implementation of ``fn`` (solution notebooks).

    In the exercise twin (``make exercises``) this cell becomes the learner's stub and a check cell.
    """
    if BEGIN not in solution_source(fn):
        raise ValueError(f"{fn.__name__} has no `{BEGIN}` marker: it is not an exercise")
    return _Source(fn)
