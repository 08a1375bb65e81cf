"""Course 2 week 1: weight initialization, and how the scale of the weights makes activations explode or vanish.

Networks are ``utils.deep_nn``'s [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID with ``parameters`` W1, b1, ...
(Wl of shape (n_l, n_{l-1}), bl of shape (n_l, 1)); columns are examples. The three initializations of the
course, all with biases at zero and the course's seed 3:

- zeros: every W is 0, so every unit of a layer computes the same thing and gets the same gradient
  (the symmetry is never broken);
- random: ``randn * 10``, far too large: sigmoid outputs saturate at 0 or 1 and learning is slow;
- He: ``randn * sqrt(2 / n_{l-1})`` (He et al. 2015), which keeps the variance of ReLU activations
  constant from layer to layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from utils.deep_nn import initialize_parameters_deep, linear_activation_forward, linear_activation_backward
from utils.validation import as_array, check_positive_int, check_range

Parameters = dict[str, np.ndarray]


def check_layers_dims(layers_dims: Sequence[int]) -> list[int]:
    """layers_dims [n_x, n_1, ..., n_L]: at least two sizes, each a positive integer. Returns it as a list."""
    dims = list(layers_dims)
    if len(dims) < 2:
        raise ValueError(f"layers_dims needs at least [n_x, n_y], got {dims}")
    return [check_positive_int(n, f"layers_dims[{i}]") for i, n in enumerate(dims)]


def initialize_parameters_zeros(layers_dims: Sequence[int]) -> Parameters:
    """All weights and biases zero.

    Inputs: layers_dims [n_x, n_1, ..., n_L], the size of every layer (the input first).
    Returns: parameters with Wl of shape (n_l, n_{l-1}) and bl of shape (n_l, 1), all zeros, l = 1..L.
    """
    layers_dims = check_layers_dims(layers_dims)
    parameters = {}
    L = len(layers_dims)  # number of layers, counting the input layer
    ### BEGIN SOLUTION
    for l in range(1, L):
        parameters["W" + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    ### END SOLUTION
    return parameters


def initialize_parameters_random(layers_dims: Sequence[int], scale: float = 10.0, seed: int = 3) -> Parameters:
    """Large random weights ``randn(n_l, n_{l-1}) * scale`` (the course: scale 10, seed 3), biases zero.

    Inputs: layers_dims [n_x, n_1, ..., n_L]; scale > 0; seed of the generator ``rng``.
    Returns: parameters with Wl of shape (n_l, n_{l-1}) drawn with ``rng.randn`` layer by layer, and bl of
    shape (n_l, 1), zeros.
    """
    layers_dims = check_layers_dims(layers_dims)
    scale = check_range(scale, "scale", 0, None, low_inclusive=False)
    rng = np.random.RandomState(seed)  # the course's np.random.seed(3), without touching numpy's global state
    parameters = {}
    L = len(layers_dims)
    ### BEGIN SOLUTION
    for l in range(1, L):
        parameters["W" + str(l)] = rng.randn(layers_dims[l], layers_dims[l - 1]) * scale
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    ### END SOLUTION
    return parameters


def initialize_parameters_he(layers_dims: Sequence[int], seed: int = 3) -> Parameters:
    """He initialization ``randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1})``, biases zero (the course: seed 3).

    Inputs: layers_dims [n_x, n_1, ..., n_L]; seed of the generator ``rng``.
    Returns: parameters with Wl of shape (n_l, n_{l-1}) drawn with ``rng.randn`` layer by layer and scaled
    by sqrt(2 / n_{l-1}) (n_{l-1}: the number of inputs of layer l), and bl of shape (n_l, 1), zeros.
    """
    layers_dims = check_layers_dims(layers_dims)
    rng = np.random.RandomState(seed)
    parameters = {}
    L = len(layers_dims)
    ### BEGIN SOLUTION
    for l in range(1, L):
        parameters["W" + str(l)] = rng.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    ### END SOLUTION
    return parameters


INITIALIZERS = {"zeros": initialize_parameters_zeros, "random": initialize_parameters_random,
                "he": initialize_parameters_he}


def initialize(layers_dims: Sequence[int], initialization: str = "he") -> Parameters:
    """Dispatch on the course's names: "zeros", "random" (x10), "he", or "sqrt" (randn / sqrt(n_{l-1}))."""
    if initialization == "sqrt":
        return initialize_parameters_deep(layers_dims, init="sqrt", seed=3)
    if initialization not in INITIALIZERS:
        raise ValueError(f"initialization must be one of {sorted(INITIALIZERS) + ['sqrt']}, got {initialization!r}")
    return INITIALIZERS[initialization](layers_dims)


def signal_through_depth(X: np.ndarray, depth: int = 20, width: int = 64, gain: float = 1.0,
                         activation: str = "relu", seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Push X through a deep stack of random layers and back, and measure the signal at every layer.

    Weights are ``randn(width, n_prev) * gain * sqrt(c / n_prev)`` with c = 2 for ReLU (He) and c = 1
    otherwise (Xavier), so ``gain = 1`` is the variance-preserving scale and gain != 1 multiplies the
    variance of the activations by roughly gain**2 per layer: they explode (gain > 1) or vanish (gain < 1)
    exponentially with depth. The backward pass sends dA = 1 from the top and shows the same for gradients.
    Inputs: X (n_x, m); depth >= 1 layers of ``width`` units; gain > 0; activation "relu", "tanh", ...
    Returns: (act_std (depth,), the standard deviation of A_l, l = 1..depth; grad_std (depth,), that of the
    gradient dA_{l-1} reaching the input of layer l).
    """
    X = as_array(X, "X", ndim=2)
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    gain = check_range(gain, "gain", 0, None, low_inclusive=False)
    c = 2.0 if activation == "relu" else 1.0
    rng = np.random.RandomState(seed)
    A, caches, act_std = X, [], np.empty(depth)
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(depth):
            W = rng.randn(width, A.shape[0]) * gain * np.sqrt(c / A.shape[0])
            A, cache = linear_activation_forward(A, W, np.zeros((width, 1)), activation)
            caches.append(cache)
            act_std[l] = A.std()
        dA, grad_std = np.ones_like(A), np.empty(depth)
        for l in reversed(range(depth)):
            dA, _, _ = linear_activation_backward(dA, caches[l], activation)
            grad_std[l] = dA.std()
    return act_std, grad_std
