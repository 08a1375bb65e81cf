"""Learner mode: every exercise's reference passes its check, its untouched stub says it is not written yet,
and every named common mistake gets its own hint; the checker's messages; the exercise notebooks."""

from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pytest

from utils.exercises import Case, Exercise, Mistake, check, check_function, compare, get_exercise, progress
from utils.exercises.core import BEGIN, END
from utils.exercises.generate import (anchor_name, build_exercise_notebook, code_hash, exercise_cells, import_lines,
                                      learner_stub, write_exercises)
from utils.exercises.registry import all_exercises, exercises_by_spec, exercises_for, notebooks_with_exercises
from utils.exercises.ui import ROOT, ProgressTable, load_progress, record_progress, show_solution, solution_source

SPECS = [(spec, ex) for spec, exercises in exercises_by_spec().items() for ex in exercises]
MISTAKES = [(spec, ex, m) for spec, ex in SPECS for m in ex.mistakes]


def _id(spec: str, ex: Exercise, mistake: Mistake | None = None) -> str:
    return f"{spec}:{ex.key}" + (f":{mistake.name}" if mistake else "")


def _define(source: str, name: str):
    namespace: dict = {"__name__": "__exercise__"}
    exec(compile(source, f"<exercise {name}>", "exec"), namespace)  # noqa: S102 - generated exercise cells
    return namespace[name]


# ------------------------------------------------------------------------------------ every exercise
@pytest.mark.parametrize("spec, ex", SPECS, ids=[_id(s, e) for s, e in SPECS])
def test_exercise_is_wired_to_a_marked_reference_and_a_notebook_anchor(spec, ex):
    ref = ex.reference
    assert ref.__name__ == ex.name and ref.__module__ == ex.module, "key must be <defining module>.<name>"
    source = solution_source(ref)
    assert source.count(BEGIN) == source.count(END) >= 1
    assert source.index(BEGIN) < source.index(END)
    assert ex.mistakes, "every exercise names at least one common mistake"
    assert len({m.name for m in ex.mistakes}) == len(ex.mistakes)
    nb = nbformat.read(ROOT / ex.notebook, as_version=4)
    anchors = [anchor_name(c.source) for c in nb.cells if c.cell_type == "code"]
    assert anchors.count(ex.name) == 1, f"{ex.notebook} needs exactly one `show_solution({ex.name})` cell"
    labels = [c.label for c in ex.inputs()]
    assert len(labels) >= 2 and any("random" in lab for lab in labels), "fixed and random cases at least"


@pytest.mark.parametrize("spec, ex", SPECS, ids=[_id(s, e) for s, e in SPECS])
def test_reference_passes_its_own_check(spec, ex):
    result = check_function(ex, ex.reference)
    assert result.passed, result.message
    assert result.message.startswith(f"All checks passed for `{ex.name}`")


@pytest.mark.parametrize("spec, ex", SPECS, ids=[_id(s, e) for s, e in SPECS])
def test_the_solution_cell_runs_on_its_own_and_passes(spec, ex):
    """The stub cell with the solution left in (what a learner pastes back) needs nothing else."""
    cell = exercise_cells(ex, set(), solutions=False)[1]
    result = check_function(ex, _define(cell.source, ex.name))
    assert result.passed, result.message


@pytest.mark.parametrize("spec, ex", SPECS, ids=[_id(s, e) for s, e in SPECS])
def test_untouched_stub_says_the_function_is_not_written_yet(spec, ex):
    stub = learner_stub(ex)
    assert BEGIN not in stub and "raise NotImplementedError()" in stub
    result = check_function(ex, _define(stub, ex.name))
    assert not result.passed and result.not_written
    assert "is not written yet" in result.message


@pytest.mark.parametrize("spec, ex, mistake", MISTAKES, ids=[_id(*t) for t in MISTAKES])
def test_each_common_mistake_fails_with_its_own_hint(spec, ex, mistake):
    result = check_function(ex, mistake.fn)
    assert not result.passed
    assert result.mistake == mistake.name, result.message
    assert mistake.hint in result.message


def test_exercise_keys_are_unique_and_every_notebook_with_exercises_exists():
    keys = [ex.key for _, ex in SPECS]
    assert len(keys) == len(set(keys)) == len(all_exercises())
    for notebook in notebooks_with_exercises():
        assert (ROOT / notebook).exists(), notebook


# ------------------------------------------------------------------------------------ the checker
SIGMOID = get_exercise("activations.sigmoid")


def _toy(key: str, cases, mistakes=(), **kw) -> Exercise:
    return Exercise(key, SIGMOID.notebook, cases, list(mistakes), **kw)


def _sig(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def test_compare_names_the_first_difference_in_words():
    assert compare(np.zeros((2, 3)), np.zeros((3, 2))) == \
        "the return value has the wrong shape: expected (2, 3), got (3, 2)"
    assert "wrong dtype: expected float values (float64), got int" in compare(np.zeros(2), np.zeros(2, int))
    assert compare(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.5])) == (
        "the return value has a wrong value at index (1,): expected 2, got 2.5 (2 of 3 values differ)")
    assert "is missing the key 'db1'" in compare({"dW1": 1.0, "db1": 2.0}, {"dW1": 1.0})
    assert compare((1.0, 2.0), (1.0,)) == "the return value should hold 2 values, got 1"
    assert "forget a `return`" in compare(np.zeros(2), None)
    assert compare({"a": (np.ones(2), 3)}, {"a": (np.ones(2), 4)}) == \
        "the return value['a'][1] is wrong: expected 3, got 4"
    assert compare("high bias", "high variance") == "the return value should be 'high bias', got 'high variance'"
    assert "should be a number, got an array of shape (1, 1)" in compare(0.5, np.array([[0.5]]))
    assert compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0 + 1e-9])) is None


def test_check_reports_exceptions_with_the_line_and_the_inputs():
    def broken(z):
        return z.T @ np.ones(7)

    result = check_function(SIGMOID, broken)
    assert not result.passed and "raised ValueError" in result.message
    assert "return z.T @ np.ones(7)" in result.message and "z = array of shape (2,)" in result.message


def test_check_reports_inputs_changed_in_place_unless_the_contract_allows_it():
    def in_place(z):
        z *= -1
        return 1 / (1 + np.exp(z))

    result = check_function(SIGMOID, in_place)
    assert "changed its input `z` in place" in result.message
    allowed = _toy("activations.sigmoid", SIGMOID.cases, mutates=("z",))
    assert check_function(allowed, in_place).passed

    from utils.exercises.core import _value_like

    class Model:  # objects that are not plain values (models, symbolic tensors) are not judged
        def __eq__(self, other):
            raise TypeError("ambiguous")

    assert _value_like({"W": [np.ones(2), 3.0, None, "relu"]}) and not _value_like((np.ones(2), Model()))


def test_check_restores_the_notebooks_random_state():
    def draws(z):
        np.random.rand(5)
        return _sig(z)

    ex = _toy("activations.sigmoid", lambda rng: [Case((np.ones(2),), label="fixed", seed=3),
                                                 Case((rng.normal(size=3),), label="random")])
    np.random.seed(11)
    expected = np.random.rand(3)
    np.random.seed(11)
    assert check_function(ex, draws).passed
    np.testing.assert_array_equal(np.random.rand(3), expected)


def test_check_names_a_mistake_that_raises_the_same_error():
    def transposed(z):
        return _sig(z) @ np.ones((3, 3))

    ex = _toy("activations.sigmoid", SIGMOID.cases, [Mistake("multiplied by a 3x3 matrix", "Don't.", transposed)])
    result = check_function(ex, lambda z: _sig(z) @ np.ones((3, 3)))
    assert result.mistake == "multiplied by a 3x3 matrix" and "raised ValueError" in result.message
    assert check_function(ex, lambda z: _sig(z) @ np.ones((4, 4))).mistake is None  # another message


def test_check_names_a_mistake_only_when_it_reproduces_the_result():
    result = check_function(SIGMOID, lambda z: _sig(z) * 2)
    assert result.mistake is None and "wrong value at index" in result.message


def test_check_applies_an_outcome_before_comparing():
    ex = _toy("activations.sigmoid", SIGMOID.cases, outcome=lambda r, a, k: np.shape(r))
    assert check_function(ex, lambda z: _sig(z) + 0.01).passed
    assert "the result should hold 1 value, got 2" in check_function(ex, lambda z: np.atleast_2d(_sig(z))).message


def test_check_reports_a_result_the_outcome_cannot_read():
    ex = _toy("activations.sigmoid", SIGMOID.cases, outcome=lambda r, a, k: np.asarray(r).shape[0])
    message = check_function(ex, lambda z: 0.5).message
    assert message.startswith("`sigmoid` returned 0.5, which is not what the course's contract asks for (IndexError")


def _names_inside_comprehensions():
    return [np.sqrt(i) for i in range(2)], (lambda: compare)()


def test_global_names_see_inside_comprehensions_and_lambdas():
    from utils.exercises.generate import global_names

    assert set(global_names(_names_inside_comprehensions)) == {"np", "compare"}


def test_tensors_compare_as_arrays_and_are_described_by_shape():
    import torch

    from utils.exercises.core import describe

    assert compare(torch.ones(2, 3), torch.ones(2, 3)) is None
    assert compare(np.ones((2, 3), np.float32), torch.ones(3, 2)) == \
        "the return value has the wrong shape: expected (2, 3), got (3, 2)"
    assert describe(torch.zeros(6, 5)) == "Tensor of shape (6, 5) (torch.float32)"
    assert describe(torch.nn.Sequential(torch.nn.Linear(2, 2))) == "a Sequential"
    assert describe(_sig) == "function _sig"
    cache = (np.zeros((5, 4)), [np.zeros(3)] * 2, {"a": 1}, 0.5, "relu")
    assert describe(cache) == "tuple of 5: (array (5, 4), list of 2, dict, 0.5, ...)"


def _default_uses_a_global(x=SIGMOID.key):
    return x


def test_global_names_include_names_in_default_values():
    from utils.exercises.generate import global_names

    assert set(global_names(_default_uses_a_global)) == {"SIGMOID"}


def test_check_rejects_something_that_is_not_a_function():
    assert "should be a function" in check_function(SIGMOID, 3).message


def test_check_in_a_notebook_prints_records_and_falls_back_to_the_reference(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FACEAPP_PROGRESS", str(tmp_path / "p.json"))
    progress(SIGMOID.notebook)
    shown = capsys.readouterr().out
    assert shown.startswith("Exercises passed: 0 of ") and "\n  · sigmoid: not checked yet" in shown
    used = check("activations.sigmoid", lambda z: np.tanh(z))
    assert used is SIGMOID.reference
    out = capsys.readouterr().out
    assert out.startswith("✗ Looks like a common mistake: tanh instead of sigmoid.")
    assert "uses the workbook's own `sigmoid`" in out
    assert load_progress()["activations.sigmoid"]["passed"] is False
    assert check("activations.sigmoid", _sig) is _sig
    assert "✓ All checks passed for `sigmoid`" in capsys.readouterr().out
    table = ProgressTable(SIGMOID.notebook)
    assert table.passed == 1 and "\n  ✓ sigmoid: passed" in repr(table) and "<table>" in table._repr_html_()


def test_progress_survives_a_broken_or_unwritable_store(tmp_path, monkeypatch):
    store = tmp_path / "p.json"
    store.write_text("not json")
    monkeypatch.setenv("FACEAPP_PROGRESS", str(store))
    assert load_progress() == {}
    record_progress("activations.sigmoid", True, "ok")
    assert json.loads(store.read_text())["activations.sigmoid"]["passed"] is True
    monkeypatch.setenv("FACEAPP_PROGRESS", str(tmp_path / "file" / "p.json"))
    (tmp_path / "file").write_text("a file, not a folder")
    record_progress("activations.sigmoid", True, "ok")  # no error: only the record is lost


def test_unknown_exercise_key_suggests_the_right_one():
    with pytest.raises(KeyError, match="did you mean 'activations.sigmoid'"):
        get_exercise("logistic.sigmoid")


def test_show_solution_shows_the_marked_source_and_refuses_unmarked_functions():
    shown = show_solution(SIGMOID.reference)
    assert BEGIN in shown._repr_markdown_() and "utils/activations.py" in repr(shown)
    with pytest.raises(ValueError, match="not an exercise"):
        show_solution(compare)


# ------------------------------------------------------------------------------ exercise notebooks
def test_anchor_name_recognises_only_a_lone_show_solution_call():
    assert anchor_name("# comment\nshow_solution(sigmoid)\n") == "sigmoid"
    assert anchor_name("x = show_solution(sigmoid)") is None
    assert anchor_name("show_solution(sigmoid)\nprint(1)") is None


def test_import_lines_bring_the_references_globals_except_the_learners_own():
    lines = import_lines(SIGMOID.reference, skip=set())
    assert "import numpy as np" in lines and "from utils.activations import as_array" in lines
    assert import_lines(SIGMOID.reference, skip={"as_array"}) == ["import numpy as np"]


@pytest.mark.parametrize("notebook", notebooks_with_exercises())
def test_exercise_notebook_has_a_progress_cell_stubs_and_checks(notebook):
    nb = build_exercise_notebook(notebook)
    sources = [c.source for c in nb.cells]
    assert "Exercise version" in sources[1] and f'progress("{notebook}")' in sources[2]
    assert "jupytext" not in nb.metadata and nb.metadata["faceapp"]["exercise_of"] == notebook
    assert not any(BEGIN in s or "show_solution(" in s for s in sources)
    for ex in exercises_for(notebook):
        i = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == ex.key)
        assert "raise NotImplementedError()" in nb.cells[i].source
        assert nb.cells[i + 1].source == f'{ex.name} = check("{ex.key}", {ex.name})'
    link = re.search(r"\]\(([^)]+)\)", sources[1]).group(1)
    assert (ROOT / "exercises" / notebook).parent.joinpath(link).resolve() == (ROOT / notebook).resolve()
    nbformat.validate(nb)


def test_write_exercises_keeps_a_learners_work_unless_forced(tmp_path):
    notebook = SIGMOID.notebook
    [path] = write_exercises([notebook], out=tmp_path)
    assert write_exercises([notebook], out=tmp_path) == []  # up to date: nothing to do
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source += "\n# an old version of the twin"
    nb.metadata["faceapp"]["code_hash"] = code_hash(nb)  # ... that nobody edited
    nbformat.write(nb, path)
    assert write_exercises([notebook], out=tmp_path) == [path]  # brought up to date
    path.write_text("my work")
    assert write_exercises([notebook], out=tmp_path) == []
    assert path.read_text() == "my work"
    assert write_exercises([notebook], out=tmp_path, force=True) == [path]
    assert nbformat.read(path, as_version=4).metadata["faceapp"]["exercise_of"] == notebook


def test_solved_twin_stores_the_expected_all_passed_output_in_checked_cells():
    nb = build_exercise_notebook(SIGMOID.notebook, solutions=True)
    checks = [c for c in nb.cells if c.source.startswith("# NBVAL_CHECK_OUTPUT\nsigmoid = check(")]
    assert len(checks) == 1 and checks[0].outputs[0]["text"].startswith("✓ All checks passed for `sigmoid`")
    assert not any("raise NotImplementedError()" in c.source for c in nb.cells)


def test_command_line_writes_twins_and_refuses_a_notebook_without_exercises(tmp_path, capsys):
    from utils.exercises.generate import main

    assert main([SIGMOID.notebook, "--out", str(tmp_path)]) == 0
    assert (tmp_path / SIGMOID.notebook).exists() and "wrote 1 exercise notebooks" in capsys.readouterr().out
    assert main([SIGMOID.notebook, "--out", str(tmp_path)]) == 0
    assert "left 1 as they are" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["index.ipynb", "--out", str(tmp_path)])
    assert "index.ipynb has no exercises" in capsys.readouterr().err
