"""Activation functions, their backward passes (the course's week-4 helpers) and their derivatives.

Forward functions map an array ``Z`` of any shape to ``A`` of the same shape. Note a small contract
difference with the course's ``dnn_utils``: there ``sigmoid(Z)`` returns ``(A, cache)``; here
``sigmoid(z)`` returns ``A`` only (week 2's contract, and what a plot needs) and the cache a backward
pass takes is ``Z`` itself, exactly the course's ``activation_cache``::

    A = relu(Z)
    dZ = relu_backward(dA, Z)        # the course's relu_backward(dA, cache) with cache = Z

``*_derivative(z)`` gives g'(z) elementwise (for plots); ``*_backward(dA, cache)`` gives dZ = dA * g'(Z).
``ACTIVATIONS`` maps a name ("sigmoid", "tanh", "relu", "leaky_relu", "linear") to its
``(forward, backward)`` pair; ``get_activation(name)`` looks one up with a clear error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from utils.validation import as_array, check_choice, check_range

#: Slope of leaky ReLU for z < 0 (the course's 0.01).
LEAKY_SLOPE = 0.01


def sigmoid(z: Any) -> np.ndarray:
    """Sigmoid 1 / (1 + exp(-z)), computed without overflow for large |z|.

    Inputs:
    - z: scalar or array of any shape.
    Returns: s, array of the shape of z with values in [0, 1] (a 0-d array for a scalar z).
    """
    z = as_array(z, "z")
    ### BEGIN SOLUTION
    with np.errstate(over="ignore", under="ignore"):  # exp(-z) is inf for z < -709: 1 / (1 + inf) = 0
        s = 1 / (1 + np.exp(-z))
    ### END SOLUTION
    return s


def tanh(z: Any) -> np.ndarray:
    """Hyperbolic tangent. Inputs: z of any shape. Returns: array of the shape of z, values in (-1, 1)."""
    return np.tanh(as_array(z, "z"))


def relu(z: Any) -> np.ndarray:
    """Rectified linear unit max(0, z), elementwise.

    Inputs:
    - z: scalar or array of any shape.
    Returns: a, array of the shape of z: z where z > 0, else 0.
    """
    z = as_array(z, "z")
    ### BEGIN SOLUTION
    a = np.maximum(0, z)
    ### END SOLUTION
    return a


def leaky_relu(z: Any, alpha: float = LEAKY_SLOPE) -> np.ndarray:
    """Leaky ReLU: z for z > 0, alpha * z otherwise.

    Inputs:
    - z: array of any shape.
    - alpha: slope for z <= 0, in [0, 1).
    Returns: array of the shape of z.
    """
    z = as_array(z, "z")
    alpha = check_range(alpha, "alpha", 0, 1, high_inclusive=False)
    return np.where(z > 0, z, alpha * z)


def linear(z: Any) -> np.ndarray:
    """The identity g(z) = z (a "linear activation"; used to show that linear hidden layers collapse)."""
    return as_array(z, "z").copy()


# --- derivatives g'(z), for plots and for the backward passes -----------------------------------------

def sigmoid_derivative(z: Any) -> np.ndarray:
    """g'(z) = s(z) (1 - s(z)) for the sigmoid. Inputs: z of any shape. Returns: array of that shape."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_derivative(z: Any) -> np.ndarray:
    """g'(z) = 1 - tanh(z)^2. Inputs: z of any shape. Returns: array of that shape."""
    return 1.0 - tanh(z) ** 2


def relu_derivative(z: Any) -> np.ndarray:
    """g'(z) = 1 for z > 0, else 0 (the course's convention at z = 0). Returns: array of the shape of z."""
    return (as_array(z, "z") > 0).astype(np.float64)


def leaky_relu_derivative(z: Any, alpha: float = LEAKY_SLOPE) -> np.ndarray:
    """g'(z) = 1 for z > 0, else alpha. Returns: array of the shape of z."""
    alpha = check_range(alpha, "alpha", 0, 1, high_inclusive=False)
    return np.where(as_array(z, "z") > 0, 1.0, alpha)


def linear_derivative(z: Any) -> np.ndarray:
    """g'(z) = 1 for the identity. Returns: array of ones of the shape of z."""
    return np.ones_like(as_array(z, "z"))


# --- backward passes: the course's sigmoid_backward(dA, cache), relu_backward(dA, cache) ---------------

def _dA_and_Z(dA: Any, cache: Any) -> tuple[np.ndarray, np.ndarray]:
    dA = as_array(dA, "dA")
    Z = as_array(cache, "cache (Z)")
    if dA.shape != Z.shape:
        raise ValueError(f"dA must have the shape of the cached Z (cache) {Z.shape}, got shape {dA.shape}")
    return dA, Z


def sigmoid_backward(dA: Any, cache: Any) -> np.ndarray:
    """Backward pass of a sigmoid unit.

    Inputs:
    - dA: upstream gradient dL/dA, any shape.
    - cache: Z, the input of the forward pass, same shape as dA.
    Returns: dZ = dA * s(Z) (1 - s(Z)), same shape as Z.
    """
    dA, Z = _dA_and_Z(dA, cache)
    return dA * sigmoid_derivative(Z)


def tanh_backward(dA: Any, cache: Any) -> np.ndarray:
    """Backward pass of a tanh unit. Inputs: dA and cache = Z of the same shape. Returns: dZ = dA (1 - tanh(Z)^2)."""
    dA, Z = _dA_and_Z(dA, cache)
    return dA * tanh_derivative(Z)


def relu_backward(dA: Any, cache: Any) -> np.ndarray:
    """Backward pass of a ReLU unit.

    Inputs:
    - dA: upstream gradient, any shape.
    - cache: Z, same shape as dA.
    Returns: dZ = dA where Z > 0, 0 elsewhere (same shape as Z).
    """
    dA, Z = _dA_and_Z(dA, cache)
    ### BEGIN SOLUTION
    dZ = np.array(dA, copy=True)  # a copy: setting entries of dA itself would change the caller's array
    dZ[Z <= 0] = 0  # g'(z) = 0 where the ReLU is flat (z <= 0), 1 where z > 0
    ### END SOLUTION
    return dZ


def leaky_relu_backward(dA: Any, cache: Any, alpha: float = LEAKY_SLOPE) -> np.ndarray:
    """Backward pass of a leaky ReLU unit. Inputs: dA, cache = Z (same shape), alpha. Returns: dZ."""
    dA, Z = _dA_and_Z(dA, cache)
    return dA * leaky_relu_derivative(Z, alpha)


def linear_backward_activation(dA: Any, cache: Any) -> np.ndarray:
    """Backward pass of the identity activation: dZ = dA (shape checked against cache = Z)."""
    dA, _ = _dA_and_Z(dA, cache)
    return dA.copy()


Forward = Callable[[Any], np.ndarray]
Backward = Callable[[Any, Any], np.ndarray]

#: name -> (forward g(z), backward (dA, Z) -> dZ, derivative g'(z))
ACTIVATIONS: dict[str, tuple[Forward, Backward, Forward]] = {
    "sigmoid": (sigmoid, sigmoid_backward, sigmoid_derivative),
    "tanh": (tanh, tanh_backward, tanh_derivative),
    "relu": (relu, relu_backward, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_backward, leaky_relu_derivative),
    "linear": (linear, linear_backward_activation, linear_derivative),
}


#: name -> g'(z) written with the activation's output a = g(z), the form of the course's week-3 backward pass
#: (tanh: 1 - a^2), for caches that hold A: the course's own tests pass an A1 that is not tanh(Z1).
DERIVATIVES_FROM_OUTPUT: dict[str, Forward] = {
    "sigmoid": lambda a: a * (1 - a),
    "tanh": lambda a: 1 - a ** 2,
    "relu": lambda a: (a > 0).astype(np.float64),
    "leaky_relu": lambda a: np.where(a > 0, 1.0, LEAKY_SLOPE),
    "linear": np.ones_like,
}


def derivative_from_output(name: str, arg: str = "name") -> Forward:
    """The derivative g' of activation ``name`` as a function of its output a = g(z): tanh gives 1 - a^2.

    For the backward passes whose cache holds A (``utils.shallow_nn``); ValueError for an unknown name (the
    message names ``arg``, the caller's argument).
    """
    get_activation(name, arg)
    return DERIVATIVES_FROM_OUTPUT[name]


def get_activation(name: str, arg: str = "name") -> tuple[Forward, Backward, Forward]:
    """Return ``(forward, backward, derivative)`` for an activation name; ValueError for an unknown name.

    ``arg`` is the argument the caller took the name from ("activation", "hidden_activation"): the message
    names it, e.g. "hidden_activation must be an activation, one of [...], got 'softplus'".
    """
    check_choice(name, arg, ACTIVATIONS, "an activation")
    return ACTIVATIONS[name]
