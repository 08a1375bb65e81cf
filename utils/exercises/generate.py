"""Write the exercise twins: ``python -m utils.exercises`` (``make exercises``).

For each solution notebook with exercises, every ``show_solution(fn)`` cell becomes three cells: a heading,
the function's source from ``utils`` as an nbgrader *solution cell*, and a check cell. nbgrader's own
``ClearSolutions`` preprocessor then replaces each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region
with ``# YOUR CODE HERE`` / ``raise NotImplementedError()``; the markers are nbgrader's, so the twins also
work with nbgrader's tools. A progress cell goes under the title.

    python -m utils.exercises [--force] [--solutions] [--out DIR] [NOTEBOOK.ipynb ...]

Existing exercise notebooks hold a learner's work and are kept unless ``--force`` is given.
``--solutions`` keeps the solutions in (used by the tests: the twin must then pass every check).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import inspect
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import numpy as np

from utils.exercises.core import Exercise, check_function
from utils.exercises.registry import anchor_name, exercises_for, notebooks_with_exercises
from utils.exercises.ui import ROOT, solution_source

OUT = ROOT / "exercises"


def global_names(fn: Any) -> dict[str, Any]:
    """The module-level names ``fn``'s code uses, including inside its comprehensions, lambdas and nested
    functions (``inspect.getclosurevars`` looks at the outer code only) and in its default values."""
    fn = inspect.unwrap(fn)
    found: dict[str, Any] = {}
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    defaults = [d for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.Lambda))
                for d in (*node.args.defaults, *node.args.kw_defaults) if d is not None]
    for name in {n.id for d in defaults for n in ast.walk(d) if isinstance(n, ast.Name)}:
        if name in fn.__globals__:  # names in default values are evaluated when the cell runs
            found[name] = fn.__globals__[name]
    stack = [fn.__code__]
    while stack:
        code = stack.pop()
        for name in code.co_names:
            if name in fn.__globals__:
                found[name] = fn.__globals__[name]
        stack += [c for c in code.co_consts if inspect.iscode(c)]
    return found


def import_lines(fn: Any, skip: set[str]) -> list[str]:
    """The imports the reference's body needs in a notebook (and numpy as np), except names in ``skip`` (the
    learner's own functions written earlier in the same notebook)."""
    module = fn.__module__
    names = {"np": np, **global_names(fn)}  # numpy is always at hand, as in the course's notebooks
    lines, plain = [], []
    for name, value in sorted(names.items()):
        if name in skip:
            continue
        if isinstance(value, types.ModuleType):
            lines.append(f"import {value.__name__}" + (f" as {name}" if value.__name__ != name else ""))
        else:
            plain.append(name)
    if plain:
        lines.append(f"from {module} import {', '.join(plain)}")
    return lines


def exercise_cells(ex: Exercise, skip: set[str], solutions: bool) -> list[Any]:
    """Heading, solution cell (the learner's stub once cleared) and check cell for one exercise."""
    import nbformat

    ref = ex.reference
    imports = import_lines(ref, skip)
    public = [n for n in _names(imports) if not n.startswith("_")]  # private ones are the given input checks
    heading = nbformat.v4.new_markdown_cell(
        f"### Exercise: `{ex.name}`\n\n"
        f"Write the lines marked `# YOUR CODE HERE` (the docstring gives the shapes), run the cell, then run "
        f"the check below it." + (f" Names you can use: {', '.join(f'`{n}`' for n in public)}." if public else ""))
    code = "\n".join(["# Exercise: write the missing lines, then run this cell and the check below.",
                      "from __future__ import annotations", *imports, "", solution_source(ref).rstrip()])
    stub = nbformat.v4.new_code_cell(code)
    stub.metadata["nbgrader"] = {"grade": False, "grade_id": ex.key, "locked": False, "schema_version": 3,
                                 "solution": True, "task": False}
    check_src = f'{ex.name} = check("{ex.key}", {ex.name})'
    check = nbformat.v4.new_code_cell(check_src)
    if solutions:
        result = check_function(ex, ref)
        if not result.passed:
            raise AssertionError(f"the reference {ex.key} fails its own check: {result.message}")
        check.source = "# NBVAL_CHECK_OUTPUT\n" + check_src
        check.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"✓ {result.message}\n")]
        check.execution_count = 1
    return [heading, stub, check]


def learner_stub(ex: Exercise, skip: set[str] | None = None) -> str:
    """The stub cell's source exactly as an exercise notebook shows it (solutions cleared by nbgrader)."""
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    nb = nbformat.v4.new_notebook()
    nb.cells = [exercise_cells(ex, skip or set(), solutions=False)[1]]
    nb, _ = ClearSolutions(enforce_metadata=True).preprocess(nb, {})
    return nb.cells[0].source


def _names(imports: list[str]) -> list[str]:
    out = []
    for line in imports:
        if line.startswith("from "):
            out += [n.strip() for n in line.split(" import ", 1)[1].split(",")]
        else:
            out.append(line.split()[-1])
    return out


def _count(n: int) -> str:
    return "One function is left" if n == 1 else f"{n} functions are left"


def build_exercise_notebook(notebook: str, solutions: bool = False) -> Any:
    """The exercise twin of ``notebook`` (relative to the repo root), as an nbformat notebook."""
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    exercises = {ex.name: ex for ex in exercises_for(notebook)}
    if not exercises:
        raise ValueError(f"{notebook} has no exercises")
    nb = nbformat.read(ROOT / notebook, as_version=4)
    cells, done = [], []
    for cell in nb.cells:
        name = anchor_name(cell.source) if cell.cell_type == "code" else None
        if name is None:
            cells.append(cell)
            continue
        if name not in exercises:
            raise ValueError(f"{notebook}: show_solution({name}) has no exercise in utils.exercises")
        cells += exercise_cells(exercises[name], set(done), solutions)
        done.append(name)
    missing = [n for n in exercises if n not in done]
    if missing:
        raise ValueError(f"{notebook}: no show_solution(...) cell for the exercises {missing}")
    solution_link = "../" * (notebook.count("/") + 1) + notebook
    intro = nbformat.v4.new_markdown_cell(
        f"> **Exercise version** of [the solution notebook]({solution_link}). {_count(len(done))} "
        "for you to write, each under a heading *Exercise*. Write the missing lines, run the cell, then "
        "run the check below it: it runs your function beside the workbook's on fixed, random and edge-case "
        "inputs and names the first thing that is wrong. Until a function passes, the notebook uses the "
        "workbook's own version, so the rest of the story still runs. The table below keeps your progress.")
    progress_cell = nbformat.v4.new_code_cell(
        "# Your progress, updated by every check cell below and kept between sessions.\n"
        f'from utils.exercises import check, progress\nprogress("{notebook}")')
    nb.cells = cells[:1] + [intro, progress_cell] + cells[1:]
    nb.metadata.pop("jupytext", None)  # the twins are not paired with scripts
    nb.metadata["faceapp"] = {"exercise_of": notebook}
    if not solutions:
        nb, _ = ClearSolutions(enforce_metadata=True).preprocess(nb, {})
    nb.metadata["faceapp"]["code_hash"] = code_hash(nb)
    return nb


def code_hash(nb: Any) -> str:
    """A hash of every code cell's source: it tells whether a learner has edited a twin since it was written."""
    text = "\n\x00".join(c.source for c in nb.cells if c.cell_type == "code")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _untouched(path: Path) -> bool:
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable file is the learner's business: keep it
        return False
    return nb.metadata.get("faceapp", {}).get("code_hash") == code_hash(nb)


def write_exercises(notebooks: list[str] | None = None, out: Path = OUT, force: bool = False,
                    solutions: bool = False) -> list[Path]:
    """Write the twins under ``out`` (same relative paths).

    An existing twin holds a learner's work and is kept, unless ``force``; a twin nobody has edited since it
    was written is brought up to date when its solution notebook has changed.
    """
    import nbformat

    written = []
    for notebook in notebooks or notebooks_with_exercises():
        target = out / notebook
        nb = None
        if target.exists() and not force:
            if not _untouched(target):
                continue
            nb = build_exercise_notebook(notebook, solutions=solutions)
            if nb.metadata["faceapp"]["code_hash"] == nbformat.read(target, as_version=4).metadata["faceapp"]["code_hash"]:
                continue
        nb = nb or build_exercise_notebook(notebook, solutions=solutions)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.exercises", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="solution notebooks (default: all with exercises)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: exercises/)")
    parser.add_argument("--force", action="store_true", help="overwrite existing exercise notebooks")
    parser.add_argument("--solutions", action="store_true", help="keep the solutions in (for tests)")
    args = parser.parse_args(argv)
    notebooks = [Path(n).with_suffix(".ipynb").resolve().relative_to(ROOT).as_posix() for n in args.notebooks]
    known = notebooks_with_exercises()
    for n in notebooks:
        if n not in known:
            parser.error(f"{n} has no exercises (notebooks with exercises: {', '.join(known)})")
    written = write_exercises(notebooks or None, args.out, args.force, args.solutions)
    kept = len(notebooks or known) - len(written)
    print(f"wrote {len(written)} exercise notebooks under {args.out}"
          + (f"; left {kept} as they are (up to date, or edited by you: --force rewrites them)" if kept else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
