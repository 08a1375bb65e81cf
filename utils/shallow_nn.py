"""Week 3: a network with one hidden layer, with the course's function contract.

Columns are examples: X has shape (n_x, m), Y shape (1, m). The network is
LINEAR -> activation (the course: tanh) -> LINEAR -> SIGMOID, with ``parameters = {"W1", "b1", "W2", "b2"}``
(W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1)) and the cache ``{"Z1", "A1", "Z2", "A2"}``.
Every function that runs the network takes ``activation`` ("tanh", "relu", "leaky_relu", "sigmoid" or
"linear") so the notebook can compare them; ``equivalent_logistic`` shows that a "linear" hidden layer
collapses to one linear model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.activations import derivative_from_output, get_activation, sigmoid
from utils.deep_nn import _cross_entropy_from_logits, accuracy, compute_cost, initialize_parameters_deep
from utils.validation import (as_array, check_binary_labels, check_finite, check_positive_int, check_range,
                              check_same_columns)

__all__ = ["layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
           "update_parameters", "train_nn", "nn_model", "predict", "predict_proba", "equivalent_logistic",
           "accuracy"]

Parameters = dict[str, np.ndarray]


def layer_sizes(X: Any, Y: Any, n_h: int = 4) -> tuple[int, int, int]:
    """Sizes of the input, hidden and output layers.

    Inputs: X of shape (n_x, m), Y of shape (n_y, m), n_h hidden units (the course: 4).
    Returns: (n_x, n_h, n_y).
    """
    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", ndim=2)
    check_same_columns(X, Y)
    n_h = check_positive_int(n_h, "n_h")
    ### BEGIN SOLUTION
    n_x = X.shape[0]  # size of the input layer
    n_y = Y.shape[0]  # size of the output layer
    ### END SOLUTION
    return n_x, n_h, n_y


def initialize_parameters(n_x: int, n_h: int, n_y: int, init: str = "small", seed: int | None = 2) -> Parameters:
    """Random weights (the course: N(0, 1) * 0.01, seed 2) and zero biases.

    Inputs:
    - n_x, n_h, n_y: sizes of the input, hidden and output layers.
    - init: "small" (the course), "sqrt", "he" or "zeros" (see ``utils.deep_nn.initialize_parameters_deep``).
    - seed: random seed (None: numpy's global generator).
    Returns: {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}.
    """
    if init != "small":  # the other schemes of week 4
        return initialize_parameters_deep([n_x, n_h, n_y], init=init, seed=seed)
    n_x, n_h, n_y = check_positive_int(n_x, "n_x"), check_positive_int(n_h, "n_h"), check_positive_int(n_y, "n_y")
    rng = np.random.RandomState(seed) if seed is not None else np.random  # draw with rng.randn(...)
    ### BEGIN SOLUTION
    W1 = rng.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = rng.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    ### END SOLUTION
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def _check_parameters(parameters: Parameters, X: Any) -> tuple[Parameters, np.ndarray]:
    keys = ("W1", "b1", "W2", "b2")
    if not isinstance(parameters, dict) or any(k not in parameters for k in keys):
        raise ValueError(f"parameters must be a dict with keys {keys}")
    W1 = as_array(parameters["W1"], "W1", ndim=2)
    n_h, n_x = W1.shape
    W2 = as_array(parameters["W2"], "W2", shape=(None, n_h))
    p = {"W1": W1, "b1": as_array(parameters["b1"], "b1", shape=(n_h, 1)), "W2": W2,
         "b2": as_array(parameters["b2"], "b2", shape=(W2.shape[0], 1))}
    return p, as_array(X, "X", shape=(n_x, None))


def forward_propagation(X: Any, parameters: Parameters, activation: str = "tanh") -> tuple[np.ndarray, dict]:
    """Forward pass LINEAR -> activation -> LINEAR -> SIGMOID.

    Inputs:
    - X: data, shape (n_x, m).
    - parameters: W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
    - activation: of the hidden layer (the course: "tanh").
    Returns: A2 of shape (n_y, m), and cache = {"Z1": (n_h, m), "A1": (n_h, m), "Z2": (n_y, m), "A2": (n_y, m)}.
    """
    g = get_activation(activation, "activation")[0]  # the hidden activation: tanh for "tanh"
    p, X = _check_parameters(parameters, X)
    W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]
    ### BEGIN SOLUTION
    Z1 = W1 @ X + b1
    A1 = g(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    ### END SOLUTION
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def backward_propagation(parameters: Parameters, cache: dict, X: Any, Y: Any,
                         activation: str = "tanh") -> dict[str, np.ndarray]:
    """Backward pass of the cross-entropy cost.

    Inputs:
    - parameters: as ``forward_propagation``; X (n_x, m); Y labels 0/1 (1, m) (bool labels are fine).
    - cache: the cache of ``forward_propagation``; only A1 and A2 are read (the course's formula), so any
      dict with A1 (n_h, m) and A2 (1, m) works, as in the course's tests whose cache holds random arrays.
    - activation: the hidden activation used in the forward pass.
    Returns: grads = {"dW1": (n_h, n_x), "db1": (n_h, 1), "dW2": (n_y, n_h), "db2": (n_y, 1)}, the
    gradients of the cost averaged over the m examples: dZ2 = A2 - Y, and dZ1 = W2^T dZ2 * g'(Z1) with g'
    written from the cached A1 (``utils.activations.derivative_from_output``): for tanh, the course's
    dZ1 = W2^T dZ2 * (1 - A1^2).
    """
    g_prime_of_a = derivative_from_output(activation, "activation")  # g'(z) from a = g(z): tanh: 1 - a ** 2
    p, X = _check_parameters(parameters, X)
    Y = check_binary_labels(Y)
    check_same_columns(X, Y)
    if not isinstance(cache, dict) or any(k not in cache for k in ("A1", "A2")):
        raise ValueError("cache must be the dict {'Z1', 'A1', 'Z2', 'A2'} returned by forward_propagation "
                         f"(A1 and A2 are needed), got {type(cache).__name__} with keys "
                         f"{sorted(cache) if isinstance(cache, dict) else None}")
    A1, A2 = as_array(cache["A1"], "cache['A1']"), as_array(cache["A2"], "cache['A2']")
    if A2.shape != Y.shape or A1.shape != (p["W1"].shape[0], X.shape[1]):
        raise ValueError(f"cache does not fit X {X.shape} and Y {Y.shape}: A1 {A1.shape}, A2 {A2.shape}")
    W2 = p["W2"]
    m = X.shape[1]
    ### BEGIN SOLUTION
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = W2.T @ dZ2 * g_prime_of_a(A1)  # from the cached A1: for tanh, 1 - A1 ** 2
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    ### END SOLUTION
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters: Parameters, grads: dict[str, np.ndarray], learning_rate: float = 1.2) -> Parameters:
    """One gradient descent step (the course's default learning rate for week 3 is 1.2).

    Inputs: parameters W1, b1, W2, b2; grads dW1, db1, dW2, db2; learning_rate > 0.
    Returns: the updated parameters (a new dict).
    """
    learning_rate = check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False)
    for d, keys in ((parameters, ("W1", "b1", "W2", "b2")), (grads, ("dW1", "db1", "dW2", "db2"))):
        if not isinstance(d, dict) or any(k not in d for k in keys):
            raise ValueError(f"{'grads' if d is grads else 'parameters'} must be a dict with keys {keys}")
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    dW1, db1, dW2, db2 = (grads[k] for k in ("dW1", "db1", "dW2", "db2"))
    for name, value, grad in (("W1", W1, dW1), ("b1", b1, db1), ("W2", W2, dW2), ("b2", b2, db2)):
        if np.shape(grad) != np.shape(value):
            raise ValueError(f"d{name} has shape {np.shape(grad)} but {name} has shape {np.shape(value)}")
    ### BEGIN SOLUTION
    W1 = W1 - learning_rate * dW1
    b1 = b1 - learning_rate * db1
    W2 = W2 - learning_rate * dW2
    b2 = b2 - learning_rate * db2
    ### END SOLUTION
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def train_nn(X: Any, Y: Any, n_h: int, num_iterations: int = 10000, learning_rate: float = 1.2,
             activation: str = "tanh", init: str = "small", seed: int | None = 2, record_every: int = 1000,
             print_cost: bool = False, initial_parameters: Parameters | None = None) -> tuple[Parameters, list[float]]:
    """Train the one-hidden-layer network with batch gradient descent and return its cost history.

    Inputs:
    - X (n_x, m), Y (1, m): data and labels 0/1.
    - n_h: hidden units; num_iterations, learning_rate: hyperparameters of gradient descent.
    - activation, init, seed: hidden activation and initialization (see ``initialize_parameters``).
    - record_every: iterations between two recorded costs; print_cost: print them.
    - initial_parameters: start from these W1, b1, W2, b2 (copied) instead of ``init``/``seed``.
    Returns: parameters and costs (list of floats, recorded at 0, record_every, ...).
    Raises DivergenceError when the cost becomes NaN or infinite.
    """
    n_x, n_h, n_y = layer_sizes(X, Y, n_h)
    X = as_array(X, "X", ndim=2)
    Y = check_binary_labels(Y)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    record_every = check_positive_int(record_every, "record_every")
    learning_rate = check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False)
    get_activation(activation, "activation")
    if initial_parameters is None:
        parameters = initialize_parameters(n_x, n_h, n_y, init=init, seed=seed)
    else:
        parameters, _ = _check_parameters(initial_parameters, X)
        if parameters["W1"].shape[0] != n_h or parameters["W2"].shape[0] != n_y:
            raise ValueError(f"initial_parameters must have {n_h} hidden and {n_y} output units, got W1 "
                             f"{parameters['W1'].shape} and W2 {parameters['W2'].shape}")
        parameters = {k: v.copy() for k, v in parameters.items()}
    costs: list[float] = []
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(num_iterations):
            A2, cache = forward_propagation(X, parameters, activation)
            cost = check_finite(_cross_entropy_from_logits(cache["Z2"], Y), i)  # Y checked above
            grads = backward_propagation(parameters, cache, X, Y, activation)
            parameters = update_parameters(parameters, grads, learning_rate)
            if i % record_every == 0:
                costs.append(cost)
                if print_cost:
                    print(f"Cost after iteration {i}: {cost:.6f}")
    return parameters, costs


def nn_model(X: Any, Y: Any, n_h: int, num_iterations: int = 10000, print_cost: bool = False,
             learning_rate: float = 1.2, activation: str = "tanh", seed: int | None = 2) -> Parameters:
    """The course's ``nn_model``: train and return the parameters (``train_nn`` also returns the costs).

    Inputs: X (n_x, m), Y (1, m), n_h hidden units, num_iterations, print_cost (every 1000 iterations),
    learning_rate, activation, seed.
    Returns: the trained parameters W1, b1, W2, b2.
    """
    parameters, _ = train_nn(X, Y, n_h, num_iterations, learning_rate, activation, seed=seed, print_cost=print_cost)
    return parameters


def predict_proba(parameters: Parameters, X: Any, activation: str = "tanh") -> np.ndarray:
    """Probabilities A2 of shape (1, m) for X of shape (n_x, m)."""
    A2, _ = forward_propagation(X, parameters, activation)
    return A2


def predict(parameters: Parameters, X: Any, activation: str = "tanh") -> np.ndarray:
    """Predicted labels: 1 where A2 > 0.5, else 0; shape (1, m) for X (n_x, m), integers."""
    ### BEGIN SOLUTION
    A2, cache = forward_propagation(X, parameters, activation)
    predictions = (A2 > 0.5).astype(int)
    ### END SOLUTION
    return predictions


def equivalent_logistic(parameters: Parameters) -> tuple[np.ndarray, float]:
    """The one linear model a network with a *linear* hidden layer computes.

    W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2), so the network is logistic regression with
    w = (W2 W1)^T and b = W2 b1 + b2, whatever n_h is.
    Inputs: parameters W1, b1, W2 (1, n_h), b2 (1, 1).
    Returns: w of shape (n_x, 1) and b, a float (use with ``utils.logistic.predict``).
    """
    p, _ = _check_parameters(parameters, np.zeros((np.shape(parameters.get("W1", np.zeros((1, 1))))[1], 1)))
    if p["W2"].shape[0] != 1:
        raise ValueError(f"equivalent_logistic needs one output unit, W2 has shape {p['W2'].shape}")
    return (p["W2"] @ p["W1"]).T, float((p["W2"] @ p["b1"] + p["b2"])[0, 0])
