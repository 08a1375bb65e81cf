"""Week 2: logistic regression as a one-neuron network, with the course's function contract.

Columns are examples: X has shape (n_x, m), Y shape (1, m) with labels 0/1, w shape (n_x, 1), b a float.
``propagate`` is the vectorized forward + backward pass; ``propagate_loop`` computes the same thing with
explicit Python loops (the "before vectorization" version the notebook times against it).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from utils.activations import sigmoid
from utils.deep_nn import accuracy
from utils.validation import (as_array, check_binary_labels, check_finite, check_positive_int, check_range,
                              check_same_columns)

__all__ = ["sigmoid", "initialize_with_zeros", "propagate", "propagate_loop", "optimize", "descent_path",
           "predict", "predict_proba", "model", "cost_surface", "plot_cost_surface"]


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """Zero weights and bias (fine for logistic regression: there is no symmetry to break).

    Inputs: dim, the number of features n_x.
    Returns: w of shape (dim, 1) and b = 0.0.
    """
    dim = check_positive_int(dim, "dim")
    ### BEGIN SOLUTION
    w = np.zeros((dim, 1))
    b = 0.0
    ### END SOLUTION
    return w, b


def _check(w: Any, b: Any, X: Any, Y: Any | None = None) -> tuple[np.ndarray, float, np.ndarray, np.ndarray | None]:
    w = as_array(w, "w", shape=(None, 1))
    X = as_array(X, "X", ndim=2)
    if X.shape[0] != w.shape[0]:
        raise ValueError(f"X must have shape ({w.shape[0]}, m) for w of shape {w.shape} (one weight per feature, "
                         f"n_x = {w.shape[0]}), got shape {X.shape}: X and w disagree on n_x")
    b_arr = as_array(b, "b")
    if b_arr.size != 1:
        raise ValueError(f"b must be a scalar, got an array of shape {b_arr.shape}")
    if Y is not None:
        Y = check_binary_labels(Y)
        check_same_columns(X, Y)
    return w, float(b_arr.reshape(())), X, Y


def propagate(w: Any, b: Any, X: Any, Y: Any) -> tuple[dict[str, Any], float]:
    """Cost and gradients of logistic regression (forward and backward pass, vectorized).

    Inputs:
    - w: weights, shape (n_x, 1); b: bias, a scalar.
    - X: data, shape (n_x, m); Y: labels 0/1, shape (1, m).
    Returns:
    - grads: {"dw": array (n_x, 1), "db": float}, gradients of the cost.
    - cost: the cross-entropy -1/m sum(Y log A + (1 - Y) log(1 - A)) with A = sigmoid(w^T X + b), a float
      (computed from Z = w^T X + b, so it stays finite when A rounds to 0 or 1).
    """
    w, b, X, Y = _check(w, b, X, Y)
    m = X.shape[1]
    ### BEGIN SOLUTION
    # Forward: A = sigmoid(w^T X + b), then the cost. -log(A) = log(1 + e^-Z) and -log(1 - A) = log(1 + e^Z):
    # np.logaddexp(0, -Z) computes log(e^0 + e^-Z) without rounding A to exactly 0 or 1.
    Z = w.T @ X + b
    A = sigmoid(Z)
    cost = np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / m
    # Backward: dZ = A - Y
    dZ = A - Y
    dw = X @ dZ.T / m
    db = np.sum(dZ) / m
    ### END SOLUTION
    return {"dw": dw, "db": float(db)}, float(cost)


def propagate_loop(w: Any, b: Any, X: Any, Y: Any) -> tuple[dict[str, Any], float]:
    """``propagate`` written with explicit Python loops over examples and features (slow; for comparison).

    Inputs and returns as ``propagate``.
    """
    w, b, X, Y = _check(w, b, X, Y)
    n_x, m = X.shape
    wl, Xl, Yl = w[:, 0].tolist(), X.tolist(), Y[0].tolist()
    dw = [0.0] * n_x
    db = 0.0
    cost = 0.0
    for i in range(m):
        z = b
        for j in range(n_x):
            z += wl[j] * Xl[j][i]
        a = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        # -log(a) = log(1 + exp(-z)), -log(1 - a) = log(1 + exp(z)), computed stably
        cost += (max(-z, 0.0) + math.log1p(math.exp(-abs(z)))) if Yl[i] == 1 else (
            max(z, 0.0) + math.log1p(math.exp(-abs(z))))
        dz = a - Yl[i]
        for j in range(n_x):
            dw[j] += Xl[j][i] * dz
        db += dz
    return {"dw": np.array(dw).reshape(n_x, 1) / m, "db": db / m}, cost / m


def optimize(w: Any, b: Any, X: Any, Y: Any, num_iterations: int = 100, learning_rate: float = 0.009,
             print_cost: bool = False, record_every: int = 100) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """Gradient descent on w and b.

    Inputs:
    - w (n_x, 1), b (scalar), X (n_x, m), Y (1, m): as ``propagate``.
    - num_iterations, learning_rate: the hyperparameters of gradient descent.
    - print_cost: print the cost every ``record_every`` iterations.
    - record_every: iterations between two recorded costs (the course: every 100).
    Returns:
    - params: {"w": (n_x, 1), "b": float}, the learned parameters.
    - grads: {"dw", "db"}, the gradients at the last iteration.
    - costs: the costs recorded at iterations 0, record_every, 2 * record_every, ...
    Raises DivergenceError when the cost becomes NaN or infinite.
    """
    w, b, X, Y = _check(w, b, X, Y)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    record_every = check_positive_int(record_every, "record_every")
    learning_rate = check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False)
    w = w.copy()
    costs: list[float] = []
    grads: dict[str, Any] = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(num_iterations):
            ### BEGIN SOLUTION
            grads, cost = propagate(w, b, X, Y)
            w = w - learning_rate * grads["dw"]
            b = b - learning_rate * grads["db"]
            ### END SOLUTION
            check_finite(cost, i)
            if i % record_every == 0:
                costs.append(cost)
                if print_cost:
                    print(f"Cost after iteration {i}: {cost:.6f}")
    return {"w": w, "b": b}, grads, costs


def descent_path(w: Any, b: Any, X: Any, Y: Any, num_iterations: int, learning_rate: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Every point gradient descent visits, for drawing its path on a cost surface.

    Inputs: as ``optimize``.
    Returns:
    - path: shape (num_iterations + 1, n_x + 1); row i is (w_1, ..., w_{n_x}, b) before step i.
    - costs: shape (num_iterations + 1,), the cost at each row of ``path``.
    Raises DivergenceError when the cost becomes NaN or infinite.
    """
    w, b, X, Y = _check(w, b, X, Y)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    learning_rate = check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False)
    path = np.empty((num_iterations + 1, w.shape[0] + 1))
    costs = np.empty(num_iterations + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(num_iterations + 1):
            grads, cost = propagate(w, b, X, Y)
            path[i, :-1], path[i, -1], costs[i] = w[:, 0], b, check_finite(cost, i)
            w = w - learning_rate * grads["dw"]
            b = b - learning_rate * grads["db"]
    return path, costs


def predict_proba(w: Any, b: Any, X: Any) -> np.ndarray:
    """Probabilities A = sigmoid(w^T X + b) of shape (1, m) for X of shape (n_x, m)."""
    w, b, X, _ = _check(w, b, X)
    return sigmoid(w.T @ X + b)


def predict(w: Any, b: Any, X: Any) -> np.ndarray:
    """Predicted labels: 1.0 where sigmoid(w^T X + b) > 0.5, else 0.0.

    Inputs: w (n_x, 1), b (scalar), X (n_x, m).
    Returns: Y_prediction of shape (1, m), floats 0.0 / 1.0.
    """
    w, b, X, _ = _check(w, b, X)
    ### BEGIN SOLUTION
    A = sigmoid(w.T @ X + b)
    Y_prediction = (A > 0.5).astype(float)
    ### END SOLUTION
    return Y_prediction


def model(X_train: Any, Y_train: Any, X_test: Any, Y_test: Any, num_iterations: int = 2000,
          learning_rate: float = 0.5, print_cost: bool = False) -> dict[str, Any]:
    """Train logistic regression from zeros and evaluate it (the course's ``model``).

    Inputs:
    - X_train (n_x, m_train), Y_train (1, m_train), X_test (n_x, m_test), Y_test (1, m_test).
    - num_iterations, learning_rate, print_cost: passed to ``optimize``.
    Returns: d, a dict with "costs", "Y_prediction_test" (1, m_test), "Y_prediction_train" (1, m_train),
    "w", "b", "learning_rate", "num_iterations", and "train_accuracy", "test_accuracy" in percent.
    """
    X_train = as_array(X_train, "X_train", ndim=2)
    X_test = as_array(X_test, "X_test", shape=(X_train.shape[0], None))
    Y_test = check_binary_labels(Y_test, "Y_test")
    check_same_columns(X_test, Y_test, "X_test", "Y_test")
    w, b = initialize_with_zeros(X_train.shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_train, Y_prediction_test = predict(w, b, X_train), predict(w, b, X_test)
    return {"costs": costs, "Y_prediction_test": Y_prediction_test, "Y_prediction_train": Y_prediction_train,
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations,
            "train_accuracy": accuracy(Y_prediction_train, Y_train),
            "test_accuracy": accuracy(Y_prediction_test, Y_test)}


def cost_surface(X: Any, Y: Any, ws: Any, bs: Any) -> np.ndarray:
    """The cost of one-feature logistic regression over a grid of (w, b), for contour plots.

    Inputs:
    - X: one feature, shape (1, m); Y: labels 0/1, shape (1, m).
    - ws: weights, shape (p,); bs: biases, shape (q,).
    Returns: costs of shape (q, p): entry [i, j] is the cost at w = ws[j], b = bs[i].
    """
    X = as_array(X, "X", shape=(1, None))
    Y = check_binary_labels(Y)
    check_same_columns(X, Y)
    ws, bs = as_array(ws, "ws", ndim=1), as_array(bs, "bs", ndim=1)
    Z = bs[:, None, None] + ws[None, :, None] * X[0][None, None, :]  # (q, p, m)
    y = Y[0][None, None, :]
    losses = np.where(y == 1, np.logaddexp(0.0, -Z), np.logaddexp(0.0, Z))
    return losses.mean(axis=-1)


def plot_cost_surface(X: Any, Y: Any, paths: dict[str, np.ndarray] | None = None, ax: Any = None,
                      w_range: tuple[float, float] = (-5.0, 5.0), b_range: tuple[float, float] = (-5.0, 5.0),
                      resolution: int = 80, title: str = "Cost J(w, b) and gradient descent") -> Any:
    """Contour plot of the cost of one-feature logistic regression, with descent paths drawn on it.

    Inputs:
    - X: one feature, shape (1, m); Y: labels 0/1, shape (1, m).
    - paths: label -> path of shape (k, 2) from ``descent_path`` (rows (w, b)); drawn as lines with markers.
    - ax: matplotlib axes to draw on (a new figure when None).
    - w_range, b_range, resolution: the grid of the contour plot.
    Returns: the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    ws = np.linspace(*w_range, resolution)
    bs = np.linspace(*b_range, resolution)
    C = cost_surface(X, Y, ws, bs)
    levels = np.quantile(C, np.linspace(0, 1, 16) ** 2)
    cs = ax.contourf(ws, bs, C, levels=np.unique(levels), cmap="viridis_r", alpha=0.85)
    ax.contour(ws, bs, C, levels=np.unique(levels), colors="k", linewidths=0.3)
    ax.figure.colorbar(cs, ax=ax, label="cost J(w, b)", format="%.2f")
    for label, path in (paths or {}).items():
        path = as_array(path, f"path {label!r}", shape=(None, 2))
        ax.plot(path[:, 0], path[:, 1], "-o", ms=2.5, lw=1.2, label=label)
        ax.plot(path[-1, 0], path[-1, 1], "*", ms=10, color=ax.lines[-1].get_color(), mec="k")
    ax.set(title=title, xlabel="weight w", ylabel="bias b", xlim=w_range, ylim=b_range)
    if paths:
        ax.legend(loc="lower left", fontsize=8)
    return ax
