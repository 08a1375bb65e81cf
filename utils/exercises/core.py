"""The checker behind learner mode: run a learner's function beside the workbook's reference on fixed,
random and edge-case inputs, and say in words what is wrong first.

An :class:`Exercise` names the reference (a dotted path into ``utils``), the inputs to try (``cases``) and
the common mistakes it knows (:class:`Mistake`, each a small wrong implementation with a hint). When the
learner's result differs from the reference, every mistake is run on the same inputs; if one reproduces
the learner's result exactly, its hint is reported ("forgot the 1/m"), since that is more useful than an
index and two numbers.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import random
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


class NotWritten(Exception):
    """Internal: the learner's function still raises ``NotImplementedError``."""


@dataclass(frozen=True)
class Case:
    """One call to try: ``fn(*args, **kwargs)``.

    ``label`` says what kind of input it is ("fixed", "random", "edge: m = 1"); ``seed`` (when given) is
    applied to numpy's global generator before each call, for functions that draw random numbers.
    """

    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    label: str = "fixed"
    seed: int | None = None


@dataclass(frozen=True)
class Mistake:
    """A common mistake: ``name`` (short), ``hint`` (what to change), ``fn`` (a wrong implementation
    with the reference's signature that makes exactly this mistake)."""

    name: str
    hint: str
    fn: Callable[..., Any]


@dataclass(frozen=True)
class Exercise:
    """A function a learner writes.

    Inputs:
    - key: unique id "<utils module>.<function>", e.g. "deep_nn.linear_forward".
    - notebook: the solution notebook it belongs to, relative to the repo root (".ipynb").
    - cases: ``cases(rng) -> iterable of Case``: fixed, random and edge-case inputs. Keep them small; the
      check runs in well under a second.
    - mistakes: the common mistakes this check recognises (at least one).
    - rtol, atol: tolerances for float outputs (``np.allclose``).
    - outcome: optional ``outcome(result, args, kwargs) -> comparable`` applied to reference, learner and
      mistake results before comparing (e.g. a Keras layer summary instead of a model object).
    - mutates: names of arguments the function may change in place by contract.
    """

    key: str
    notebook: str
    cases: Callable[[np.random.Generator], Iterable[Case]]
    mistakes: Sequence[Mistake]
    rtol: float = 1e-5
    atol: float = 1e-7
    outcome: Callable[[Any, tuple, Mapping[str, Any]], Any] | None = None
    mutates: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The function's name, e.g. "linear_forward"."""
        return self.key.rsplit(".", 1)[1]

    @property
    def module(self) -> str:
        """The reference's module, e.g. "utils.deep_nn"."""
        return "utils." + self.key.rsplit(".", 1)[0]

    @property
    def reference(self) -> Callable[..., Any]:
        """The workbook's implementation (imported on first use)."""
        return getattr(importlib.import_module(self.module), self.name)

    def inputs(self) -> list[Case]:
        """The cases, drawn from a generator seeded by the key (the same inputs on every run)."""
        seed = sum(ord(c) * (i + 1) for i, c in enumerate(self.key)) % (2**32)
        return list(self.cases(np.random.default_rng(seed)))


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one function: ``passed``, the ``message`` shown to the learner, the ``mistake`` it
    recognised (name or None), and how many cases ran."""

    key: str
    passed: bool
    message: str
    mistake: str | None = None
    cases_run: int = 0
    not_written: bool = False


# --------------------------------------------------------------------------------------------- comparing
def _fmt(x: Any) -> str:
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    return repr(x.item() if isinstance(x, np.generic) else x)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, complex, np.number, np.bool_, bool)) and not isinstance(x, str)


def _kind(x: Any) -> str:
    return {"f": "float", "i": "int", "u": "int", "b": "bool", "c": "complex"}.get(np.asarray(x).dtype.kind, "object")


def compare(expected: Any, got: Any, where: str = "the return value", rtol: float = 1e-5,
            atol: float = 1e-7) -> str | None:
    """Compare a learner's ``got`` with ``expected``; return the first difference in words, or None.

    Walks tuples, lists and dicts; for arrays checks type, shape, dtype, then values (NaNs equal). Torch and
    TensorFlow tensors compare as numpy arrays.
    """
    expected, got = as_numpy(expected), as_numpy(got)
    if expected is None:
        return None if got is None else f"{where} should be None, got {type(got).__name__}"
    if got is None:
        return f"{where} is None; did you forget a `return` (or return the result of an in-place operation)?"
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return f"{where} should be a dict with keys {list(expected)}, got {type(got).__name__}"
        missing = [k for k in expected if k not in got]
        if missing:
            return (f"{where} is missing the key {missing[0]!r} (expected keys: "
                    f"{', '.join(map(repr, expected))}; got: {', '.join(map(repr, got)) or 'none'})")
        for k in expected:
            problem = compare(expected[k], got[k], f"{where}[{k!r}]", rtol, atol)
            if problem:
                return problem
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return f"{where} should be a {type(expected).__name__} of {len(expected)} values, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"{where} should hold {len(expected)} value{'s' * (len(expected) != 1)}, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = compare(e, g, f"{where}[{i}]", rtol, atol)
            if problem:
                return problem
        return None
    if isinstance(expected, str):
        return None if got == expected else f"{where} should be {expected!r}, got {_fmt(got)}"
    if isinstance(expected, np.ndarray) or _is_number(expected):
        return _compare_numeric(expected, got, where, rtol, atol)
    try:
        equal = bool(got == expected)
    except Exception:  # noqa: BLE001 - objects that cannot be compared are reported as different
        equal = False
    return None if equal else f"{where} should be {_fmt(expected)}, got {_fmt(got)}"


def _compare_numeric(expected: Any, got: Any, where: str, rtol: float, atol: float) -> str | None:
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            if _is_number(got) or isinstance(got, (list, tuple)):
                return (f"{where} should be a numpy array of shape {expected.shape}, got a "
                        f"{type(got).__name__}; wrap it with np.array(...) or keep numpy operations")
            return f"{where} should be a numpy array of shape {expected.shape}, got {type(got).__name__}"
        if got.shape != expected.shape:
            return f"{where} has the wrong shape: expected {expected.shape}, got {got.shape}"
    else:
        if isinstance(got, np.ndarray) and got.size == 1 and got.ndim > 0:
            return (f"{where} should be a number, got an array of shape {got.shape}; "
                    "use float(...) or np.squeeze(...) to turn it into a number")
        if not _is_number(got) and not (isinstance(got, np.ndarray) and got.ndim == 0):
            return f"{where} should be a number, got {type(got).__name__}"
    e_kind, g_kind = _kind(expected), _kind(got)
    if e_kind != g_kind:
        return (f"{where} has the wrong dtype: expected {e_kind} values "
                f"({np.asarray(expected).dtype}), got {g_kind} ({np.asarray(got).dtype})")
    e, g = np.asarray(expected), np.asarray(got)
    if e_kind == "float" and isinstance(expected, np.ndarray) and e.dtype.itemsize != g.dtype.itemsize:
        return f"{where} has the wrong dtype: expected {e.dtype}, got {g.dtype}"
    if e_kind in ("float", "complex"):
        close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    else:
        close = g == e
    if np.all(close):
        return None
    bad = np.argwhere(~np.asarray(close))
    if e.ndim == 0:
        return f"{where} is wrong: expected {_fmt(e[()])}, got {_fmt(g[()])}"
    idx = tuple(int(i) for i in bad[0])
    return (f"{where} has a wrong value at index {idx}: expected {_fmt(e[idx])}, got {_fmt(g[idx])} "
            f"({len(bad)} of {e.size} values differ)")


def as_numpy(x: Any) -> Any:
    """Framework tensors (torch, TensorFlow) as numpy arrays, so they compare like arrays; others as they are."""
    if isinstance(x, np.ndarray) or not hasattr(x, "numpy") or not hasattr(x, "shape"):
        return x
    try:
        if hasattr(x, "detach"):
            x = x.detach().cpu()
        return np.asarray(x.numpy())
    except Exception:  # noqa: BLE001 - not a tensor after all
        return x


def _brief(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"array {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of {len(x)}"
    if isinstance(x, Mapping):
        return "dict"
    return describe(x)


def describe(x: Any) -> str:
    """A short description of an input for messages: "shape (3, 4) float64", "dict with keys [...]"."""
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} ({x.dtype})"
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return f"{type(x).__name__} of shape {tuple(x.shape)} ({x.dtype})"
    if isinstance(x, Mapping):
        return f"dict with keys {list(x)}"
    if isinstance(x, (list, tuple)) and any(isinstance(v, (np.ndarray, list, tuple, Mapping)) for v in x):
        parts = [_brief(v) for v in x[:4]] + (["..."] if len(x) > 4 else [])
        return f"{type(x).__name__} of {len(x)}: ({', '.join(parts)})"
    if inspect.isfunction(x) or inspect.ismethod(x):
        return f"function {x.__name__}"
    text = repr(x)
    if "\n" in text:
        return f"a {type(x).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------------- running
class _QuietRandom:
    """Save numpy's and Python's global random state and restore it afterwards, so checking a function
    does not change the random numbers the rest of the notebook draws."""

    def __enter__(self) -> None:
        self.np_state = np.random.get_state()
        self.py_state = random.getstate()

    def __exit__(self, *exc: Any) -> None:
        np.random.set_state(self.np_state)
        random.setstate(self.py_state)


def _call(fn: Callable[..., Any], case: Case) -> tuple[Any, tuple, dict]:
    args, kwargs = copy.deepcopy(tuple(case.args)), copy.deepcopy(dict(case.kwargs))
    if case.seed is not None:
        np.random.seed(case.seed)
        random.seed(case.seed)
    return fn(*args, **kwargs), args, kwargs


def _arg_names(fn: Callable[..., Any], case: Case) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"argument {i + 1}" for i in range(len(case.args))]


def _inputs_text(ref: Callable[..., Any], case: Case) -> str:
    names = _arg_names(ref, case)
    parts = [f"{n} = {describe(a)}" for n, a in zip(names, case.args)]
    parts += [f"{k} = {describe(v)}" for k, v in case.kwargs.items()]
    return "; ".join(parts)


def _where(outcome_used: bool) -> str:
    return "the result" if outcome_used else "the return value"


def check_function(exercise: Exercise, fn: Callable[..., Any]) -> CheckResult:
    """Run ``fn`` against ``exercise``'s reference on every case; return the first problem found.

    Checks in order: not written yet (NotImplementedError), exceptions, changed inputs, then the result
    (type, shape, dtype, values), naming a known mistake when one reproduces the learner's result (or raises
    the same error).
    """
    name, ref = exercise.name, exercise.reference
    if not callable(fn):
        return CheckResult(exercise.key, False, f"`{name}` should be a function, got {type(fn).__name__}.")
    cases = exercise.inputs()
    with _QuietRandom(), np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n_run, case in enumerate(cases, start=1):
            result = _check_case(exercise, ref, fn, case)
            if result is not None:
                return CheckResult(exercise.key, False, result[0], mistake=result[1], cases_run=n_run,
                                   not_written=result[2])
    labels = ", ".join(dict.fromkeys(c.label for c in cases))
    return CheckResult(exercise.key, True,
                       f"All checks passed for `{name}` ({len(cases)} cases: {labels}).", cases_run=len(cases))


def _check_case(exercise: Exercise, ref: Callable[..., Any], fn: Callable[..., Any],
                case: Case) -> tuple[str, str | None, bool] | None:
    name = exercise.name
    expected, ref_args, ref_kwargs = _call(ref, case)
    try:
        got, args, kwargs = _call(fn, case)
    except NotImplementedError:
        return (f"`{name}` is not written yet: replace the `raise NotImplementedError()` line in its cell "
                "with your code, run that cell, then run this check again.", None, True)
    except Exception as exc:  # noqa: BLE001 - any error in learner code is reported, not raised
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        problem = (f"`{name}` raised {type(exc).__name__}: {exc}\n  at line {frame.lineno}: {frame.line}\n"
                   f"  (case \u201c{case.label}\u201d, with {_inputs_text(ref, case)})")
        for mistake in exercise.mistakes:
            if _raises_alike(mistake, case, exc):
                return f"Looks like a common mistake: {mistake.name}. {mistake.hint}\n{problem}", mistake.name, False
        return problem, None, False
    names = _arg_names(ref, case)
    for arg_name, before, after in zip(names, case.args, args):
        if arg_name in exercise.mutates or not _value_like(before):
            continue
        changed = compare(before, after, arg_name, 0.0, 0.0)
        if changed:
            return (f"`{name}` changed its input `{arg_name}` in place (after the call, {changed}). Work on a copy "
                    f"(e.g. `{arg_name} = {arg_name}.copy()`) or build a new array with `=` instead of "
                    "`+=`, `-=` or slice assignment.", None, False)
    outcome = exercise.outcome
    exp_view = outcome(expected, ref_args, ref_kwargs) if outcome else expected
    try:
        got_view = outcome(got, args, kwargs) if outcome else got
    except Exception as exc:  # noqa: BLE001 - a result of the wrong kind is reported, not raised
        return (f"`{name}` returned {describe(got)}, which is not what the course's contract asks for "
                f"({type(exc).__name__}: {exc}); see the docstring for what to return\n"
                f"  (case \u201c{case.label}\u201d, with {_inputs_text(ref, case)})", None, False)
    problem = compare(exp_view, got_view, _where(outcome is not None), exercise.rtol, exercise.atol)
    if problem is None:
        return None
    inputs = f"case \u201c{case.label}\u201d, with {_inputs_text(ref, case)}"
    for mistake in exercise.mistakes:
        if _reproduces(exercise, mistake, case, got_view):
            return (f"Looks like a common mistake: {mistake.name}. {mistake.hint}\n  ({problem}, {inputs})",
                    mistake.name, False)
    return f"{problem}\n  ({inputs})", None, False


def _value_like(x: Any) -> bool:
    """Whether ``x`` is a value whose change in place can be judged: arrays, numbers, strings, None, and
    lists, tuples and dicts of them (not models or symbolic tensors)."""
    if x is None or isinstance(x, (np.ndarray, str)) or _is_number(x):
        return True
    if isinstance(x, Mapping):
        return all(_value_like(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return all(_value_like(v) for v in x)
    return False


def _raises_alike(mistake: Mistake, case: Case, exc: Exception) -> bool:
    try:
        _call(mistake.fn, case)
    except Exception as other:  # noqa: BLE001 - the same error as the learner's names the mistake
        return type(other) is type(exc) and str(other) == str(exc)
    return False


def _reproduces(exercise: Exercise, mistake: Mistake, case: Case, got_view: Any) -> bool:
    try:
        wrong, args, kwargs = _call(mistake.fn, case)
        view = exercise.outcome(wrong, args, kwargs) if exercise.outcome else wrong
        return compare(view, got_view, "x", exercise.rtol, exercise.atol) is None
    except Exception:  # noqa: BLE001 - a mistake that cannot run on this case does not match
        return False
