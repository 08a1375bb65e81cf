"""The one numerical gradient checker that every backward pass in the workbook is tested with.

The functions take the array to differentiate *as an argument* and pass the perturbed copy to ``f``:
a lambda that ignores its argument would measure nothing, so write ``lambda w: layer(x, w, b)[0]``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """Largest relative error max |x - y| / max(1e-8, |x| + |y|), elementwise; x and y of the same shape."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got x of shape {x.shape} and y of shape {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def relative_difference(grad: np.ndarray, gradapprox: np.ndarray) -> float:
    """The course's check: ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2), 0 when both are 0."""
    grad = np.asarray(grad, dtype=np.float64).ravel()
    gradapprox = np.asarray(gradapprox, dtype=np.float64).ravel()
    if grad.shape != gradapprox.shape:
        raise ValueError(f"grad and gradapprox must have the same size, got {grad.size} and {gradapprox.size}")
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - gradapprox) / denominator)


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray | float], x: np.ndarray,
                       dout: np.ndarray | None = None, h: float = 1e-5) -> np.ndarray:
    """Two-sided numerical gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    Inputs:
    - f: called as ``f(x_perturbed)``; returns a scalar, or an array of the shape of ``dout``.
    - x: array of any shape (copied to float64; the caller's array is not modified).
    - dout: upstream gradient of the shape of ``f(x)``; ``None`` when ``f`` returns a scalar.
    - h: step size.
    Returns: array of the shape of ``x``.
    """
    if h <= 0:
        raise ValueError(f"h must be positive, got {h}")
    x = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x)
    out0 = np.asarray(f(x.copy()), dtype=np.float64)
    if dout is None:
        if out0.size != 1:
            raise ValueError(f"f returns an array of shape {out0.shape}: pass dout of that shape")
        dout = np.ones_like(out0)
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != out0.shape:
        raise ValueError(f"dout must have the shape of f(x), {out0.shape}, got {dout.shape}")
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.asarray(f(x), dtype=np.float64)
        x[ix] = old - h
        neg = np.asarray(f(x), dtype=np.float64)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * dout) / (2 * h)
        it.iternext()
    return grad


def check_gradient(f: Callable[[np.ndarray], np.ndarray | float], x: np.ndarray, analytic: np.ndarray,
                   dout: np.ndarray | None = None, h: float = 1e-5) -> float:
    """Relative difference (``relative_difference``) between ``analytic`` and the numerical gradient of f at x."""
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != np.shape(x):
        raise ValueError(f"analytic gradient has shape {analytic.shape}, expected the shape of x {np.shape(x)}")
    return relative_difference(analytic, numerical_gradient(f, x, dout, h))
