"""Input checks that fail early with an error naming the expected shape or range."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


class DivergenceError(FloatingPointError):
    """Raised when a training loop produces a NaN or infinite cost (the learning rate is usually too high)."""


def as_array(x: Any, name: str, ndim: int | None = None, shape: Sequence[int | None] | None = None,
             dtype: Any = np.float64) -> np.ndarray:
    """Return ``x`` as an ndarray, checking its number of dimensions and (partial) shape.

    ``shape`` may contain ``None`` for "any size" on that axis, e.g. ``(2, None)`` for X of shape (2, m).
    Raises ``ValueError`` naming ``name`` and the expected shape when the check fails.
    """
    try:
        arr = np.asarray(x, dtype=dtype) if dtype is not None else np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array, got {type(x).__name__}") from exc
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and arr.ndim != ndim:
        want = _fmt_shape(shape) if shape is not None else f"{ndim} dimensions"
        raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    if shape is not None:
        for axis, size in enumerate(shape):
            if size is not None and arr.shape[axis] != size:
                raise ValueError(f"{name} must have shape {_fmt_shape(shape)}, got shape {arr.shape}")
    return arr


def _fmt_shape(shape: Sequence[int | None]) -> str:
    names = iter("mnkpqr")
    parts = [str(s) if s is not None else next(names, "?") for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_same_columns(X: np.ndarray, Y: np.ndarray, x_name: str = "X", y_name: str = "Y") -> None:
    """Check that X (n_x, m) and Y (n_y, m) hold the same number m of examples (columns)."""
    if X.shape[-1] != Y.shape[-1]:
        raise ValueError(f"{x_name} has {X.shape[-1]} examples (columns) but {y_name} has {Y.shape[-1]}: "
                         f"expected {x_name} of shape (n_x, m) and {y_name} of shape (1, m)")


def as_row(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a float array of shape (1, m), accepting a 1-D array of shape (m,) as the row (1, m).

    The course's own tests pass some rows flat, e.g. labels ``np.array([1, 1, 0])``; any other shape than
    (m,) or (1, m) raises ``ValueError`` naming ``name``.
    """
    arr = as_array(x, name)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[0] != 1:
        raise ValueError(f"{name} must have shape (1, m) or (m,), got shape {arr.shape}")
    return arr


def check_binary_labels(Y: Any, name: str = "Y", allow_1d: bool = False) -> np.ndarray:
    """Return Y as a float array of shape (1, m), checking that every label is 0 or 1 (bool labels are fine).

    With ``allow_1d``, labels of shape (m,) are taken as the row (1, m) (see ``as_row``).
    """
    arr = as_row(Y, name) if allow_1d else as_array(Y, name)
    if arr.ndim == 1:
        raise ValueError(f"{name} must have shape (1, m), got shape {arr.shape}; use {name}.reshape(1, -1)")
    if arr.ndim != 2 or arr.shape[0] != 1:
        raise ValueError(f"{name} must have shape (1, m), got shape {arr.shape}")
    bad = ~np.isin(arr, (0.0, 1.0))
    if bad.any():
        raise ValueError(f"{name} must contain only 0 and 1 labels, found {arr[bad][:5].tolist()}")
    return arr


def check_range(value: float, name: str, low: float | None = None, high: float | None = None,
                low_inclusive: bool = True, high_inclusive: bool = True) -> float:
    """Check low <= value <= high (inclusiveness configurable); return value as float."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number, got {value!r}") from exc
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    ok_low = low is None or (v >= low if low_inclusive else v > low)
    ok_high = high is None or (v <= high if high_inclusive else v < high)
    if not (ok_low and ok_high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        interval = f"{'[' if low_inclusive else '('}{lo}, {hi}{']' if high_inclusive else ')'}"
        raise ValueError(f"{name} must be in {interval}, got {v}")
    return v


def check_positive_int(value: Any, name: str) -> int:
    """Check that value is an integer >= 1 and return it as int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_finite(cost: float, iteration: int, hint: str = "try a smaller learning rate") -> float:
    """Raise ``DivergenceError`` when a training cost is NaN or infinite, else return it as float."""
    c = float(cost)
    if not np.isfinite(c):
        raise DivergenceError(f"training diverged at iteration {iteration} (cost = {c}): {hint}")
    return c


def check_same_keys(a: dict, b: dict, a_name: str, b_name: str, prefix: str = "d") -> None:
    """Check that every parameter key ``k`` in ``a`` has a gradient ``prefix + k`` in ``b``.

    Used by the update rules: ``parameters`` holds W1, b1, ... and ``grads`` holds dW1, db1, ...
    """
    missing = [prefix + k for k in a if prefix + k not in b]
    if missing:
        raise ValueError(f"{b_name} is missing {missing} for the keys of {a_name} {sorted(a)}")


def check_choice(value: Any, name: str, choices: Sequence[Any], what: str = "") -> Any:
    """Check that ``value`` is one of ``choices`` (an activation, optimizer or mode name) and return it.

    Raises ``ValueError`` naming ``name``, the choices and what came, so that an unknown name is never
    silently treated as a default. ``what`` describes the choices in the message, e.g. "an activation".
    """
    try:
        ok = value in choices
    except TypeError:  # an unhashable value against a dict or set of names
        ok = False
    if not ok:
        listed = sorted(choices) if all(isinstance(c, str) for c in choices) else list(choices)
        raise ValueError(f"{name} must be {what + ', ' if what else ''}one of {listed}, got {value!r}")
    return value


def check_number(value: Any, name: str) -> float:
    """Check that value is a finite real number (a Python or numpy scalar, or an array of one) and return it."""
    return check_range(value, name)


def check_mapping(value: Any, name: str) -> Mapping:
    """Check that value is a dict-like mapping (parameters, grads, a cache, hparameters) and return it."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a dict, got {type(value).__name__}")
    return value


def check_keys(mapping: Any, name: str, required: Sequence[str] = (), allowed: Sequence[str] | None = None) -> Mapping:
    """Check that a dict holds every ``required`` key and, when ``allowed`` is given, no other key.

    An unknown key is refused rather than ignored (a misspelt "momentun" must not silently fall back to the
    default momentum). Raises ``ValueError`` naming ``name`` and the keys.
    """
    check_mapping(mapping, name)
    missing = [k for k in required if k not in mapping]
    if missing:
        raise ValueError(f"{name} is missing {missing}: expected keys {list(required)}, "
                         f"got {sorted(map(str, mapping))}")
    if allowed is not None:
        unknown = [k for k in mapping if k not in allowed]
        if unknown:
            raise ValueError(f"{name} has unknown keys {unknown}: expected only {list(allowed)}")
    return mapping


def check_layer_parameters(parameters: Any, name: str = "parameters", weights: str = "W",
                           biases: Sequence[str] = ("b",)) -> int:
    """Check that ``parameters`` holds W1..WL and, for every layer, each bias-like key (b1..bL); return L.

    ``biases`` lists the per-layer keys besides the weights (("b",) for a plain network). Raises
    ``ValueError`` naming the first missing key, e.g. "parameters is missing 'b2'".
    """
    check_mapping(parameters, name)
    L = 0
    while f"{weights}{L + 1}" in parameters:
        L += 1
    if L == 0:
        raise ValueError(f"{name} must hold {weights}1, b1, ..., got keys {sorted(map(str, parameters))}")
    for l in range(1, L + 1):
        for key in biases:
            if f"{key}{l}" not in parameters:
                raise ValueError(f"{name} is missing {key + str(l)!r}: every layer l = 1..{L} needs "
                                 f"{weights}l and {' and '.join(k + 'l' for k in biases)}")
    return L


def check_probabilities(p: Any, name: str, open_interval: bool = False) -> np.ndarray:
    """Return ``p`` as a float array, checking every entry is a probability: in [0, 1], or (0, 1) if open.

    For the inputs of a log (a cross-entropy): a value outside [0, 1] is not a probability and its log is
    NaN, so it is refused instead of giving a NaN cost. (Exactly 0 or 1 is allowed by default: the cost is
    then inf for a confidently wrong example, which is the right answer.)
    """
    arr = as_array(p, name)
    bad = ~np.isfinite(arr) | ((arr <= 0) | (arr >= 1) if open_interval else (arr < 0) | (arr > 1))
    if bad.any():
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(f"{name} must hold probabilities in {interval}, found {arr[bad][:5].tolist()}")
    return arr
