"""Learner mode: the workbook's from-scratch functions as exercises with instant, specific feedback.

- The solutions live in ``utils``; the part a learner writes is marked ``### BEGIN SOLUTION`` /
  ``### END SOLUTION`` (nbgrader's markers).
- Solution notebooks show each one with ``show_solution(fn)``; ``make exercises`` turns those cells into
  stubs (nbgrader's ``ClearSolutions``) followed by ``check(key, fn)`` cells (``generate``).
- ``check`` compares the learner's function with the reference (``core.check_function``) and names the
  first thing that is wrong; the specs (inputs, common mistakes) are in ``course1`` ... ``faceapp``.
"""

from utils.exercises.core import Case, CheckResult, Exercise, Mistake, check_function, compare
from utils.exercises.registry import all_exercises, exercises_for, get_exercise, notebooks_with_exercises
from utils.exercises.ui import check, load_progress, progress, record_progress, show_solution

__all__ = ["Case", "CheckResult", "Exercise", "Mistake", "all_exercises", "check", "check_function", "compare",
           "exercises_for", "get_exercise", "load_progress", "notebooks_with_exercises", "progress",
           "record_progress", "show_solution"]
