"""Week 4: an L-layer neural network in numpy, with the course's function contract.

Columns are examples: X has shape (n_x, m), Y shape (1, m). ``parameters`` is the dict
``{"W1", "b1", ..., "WL", "bL"}`` with ``Wl`` of shape (n_l, n_{l-1}) and ``bl`` of shape (n_l, 1).
The network is ``[LINEAR -> hidden_activation] * (L-1) -> LINEAR -> SIGMOID``; the course's default
hidden activation is ReLU, and every function that runs the network takes ``hidden_activation`` so
other notebooks (Course 2) can reuse it with "tanh", "leaky_relu", "sigmoid" or "linear".

Caches follow the course::

    Z, linear_cache = linear_forward(A, W, b)                 # linear_cache = (A, W, b)
    A, cache = linear_activation_forward(A_prev, W, b, "relu")  # cache = (linear_cache, Z)
    AL, caches = L_model_forward(X, parameters)               # one cache per layer
    grads = L_model_backward(AL, Y, caches)                   # keys dA0..dA{L-1}, dW1..dWL, db1..dbL

Initialization (``initialize_parameters_deep(layer_dims, init=...)``):

- ``"sqrt"`` (default, the course's application notebook): W ~ N(0, 1) / sqrt(n_{l-1});
- ``"he"``: W ~ N(0, 1) * sqrt(2 / n_{l-1}) (He et al. 2015, suited to ReLU);
- ``"small"`` (the course's step-by-step exercise): W ~ N(0, 1) * 0.01;
- ``"zeros"``: all zeros (to show that every unit of a layer then learns the same thing).
Biases start at zero.

``TrainingSnapshots.train`` runs ``L_layer_model`` once and keeps the parameters every N iterations, so a
widget can show any iteration count of a run without training on a slider move.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from utils.activations import get_activation, sigmoid
from utils.validation import (DivergenceError, as_array, as_row, check_binary_labels, check_finite,
                              check_positive_int, check_probabilities, check_range, check_same_columns,
                              check_same_keys)

Parameters = dict[str, np.ndarray]
LinearCache = tuple[np.ndarray, np.ndarray, np.ndarray]
Cache = tuple[LinearCache, np.ndarray]

INITS = ("sqrt", "he", "small", "zeros")


def initialize_parameters_deep(layer_dims: Sequence[int], init: str = "sqrt", seed: int | None = 3) -> Parameters:
    """Initialize the weights and biases of an L-layer network.

    Inputs:
    - layer_dims: sizes [n_x, n_1, ..., n_L] (at least two entries, each >= 1).
    - init: "sqrt", "he", "small" or "zeros" (see the module docstring).
    - seed: seed of the random generator (the course uses 3 here); None uses numpy's global generator.
    Returns: parameters, a dict with Wl of shape (layer_dims[l], layer_dims[l-1]) and bl of shape
    (layer_dims[l], 1) for l = 1..L.
    """
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(f"layer_dims needs at least [n_x, n_y], got {dims}")
    for i, n in enumerate(dims):
        dims[i] = check_positive_int(n, f"layer_dims[{i}]")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {INITS}")
    # draw with rng.randn(...); init="zeros" leaves numpy's global generator untouched even with seed=None
    rng = np.random.RandomState(seed) if seed is not None or init == "zeros" else np.random
    L = len(dims) - 1  # number of layers
    parameters: Parameters = {}
    for l in range(1, L + 1):
        scale = 0.0 if init == "zeros" else _init_scale(init, dims[l - 1])  # e.g. 0.01 for init="small"
        ### BEGIN SOLUTION
        parameters["W" + str(l)] = rng.randn(dims[l], dims[l - 1]) * scale
        parameters["b" + str(l)] = np.zeros((dims[l], 1))
        ### END SOLUTION
    if init == "zeros":  # exactly 0.0 (a negative draw times 0 would be -0.0)
        parameters = {k: np.zeros_like(v) for k, v in parameters.items()}
    return parameters


def _init_scale(init: str, n_prev: int) -> float:
    """The factor the weights of a layer with n_prev inputs are drawn with (see the module docstring)."""
    return {"sqrt": 1 / np.sqrt(n_prev), "he": np.sqrt(2 / n_prev), "small": 0.01}[init]


def num_layers(parameters: Parameters) -> int:
    """Number of layers L of ``parameters`` (W1, b1, ..., WL, bL), checking keys and shapes fit together."""
    if not isinstance(parameters, dict) or "W1" not in parameters:
        raise ValueError("parameters must be a dict with keys W1, b1, ..., WL, bL")
    L = sum(1 for k in parameters if k.startswith("W"))
    for l in range(1, L + 1):
        if f"W{l}" not in parameters or f"b{l}" not in parameters:
            raise ValueError(f"parameters must hold W1, b1, ..., W{L}, b{L}; missing W{l} or b{l}")
        W, b = np.shape(parameters[f"W{l}"]), np.shape(parameters[f"b{l}"])
        if len(W) != 2 or b != (W[0], 1):
            raise ValueError(f"W{l} must have shape (n_{l}, n_{l - 1}) and b{l} shape (n_{l}, 1), got {W} and {b}")
        if l > 1 and W[1] != np.shape(parameters[f"W{l - 1}"])[0]:
            raise ValueError(f"W{l} has {W[1]} columns but layer {l - 1} has {np.shape(parameters[f'W{l - 1}'])[0]} units")
    return L


def layer_dims_of(parameters: Parameters) -> list[int]:
    """The sizes [n_x, n_1, ..., n_L] of a network's ``parameters``."""
    L = num_layers(parameters)
    return [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]


def linear_forward(A: Any, W: Any, b: Any) -> tuple[np.ndarray, LinearCache]:
    """The linear part of a layer: Z = W A + b.

    Inputs:
    - A: activations of the previous layer, shape (n_prev, m).
    - W: weights, shape (n, n_prev).
    - b: bias, shape (n, 1).
    Returns: Z of shape (n, m), and cache = (A, W, b).
    """
    W = as_array(W, "W", ndim=2)
    A = as_array(A, "A", shape=(W.shape[1], None))
    b = as_array(b, "b", shape=(W.shape[0], 1))
    ### BEGIN SOLUTION
    Z = W @ A + b
    ### END SOLUTION
    return Z, (A, W, b)


def linear_activation_forward(A_prev: Any, W: Any, b: Any, activation: str) -> tuple[np.ndarray, Cache]:
    """One layer: LINEAR -> ACTIVATION.

    Inputs:
    - A_prev: shape (n_prev, m); W: (n, n_prev); b: (n, 1).
    - activation: "sigmoid", "relu", "tanh", "leaky_relu" or "linear".
    Returns: A of shape (n, m), and cache = (linear_cache, Z) with linear_cache = (A_prev, W, b).
    """
    g = get_activation(activation, "activation")[0]  # relu for "relu", sigmoid for "sigmoid"
    ### BEGIN SOLUTION
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = g(Z)
    ### END SOLUTION
    cache = (linear_cache, Z)
    return A, cache


def L_model_forward(X: Any, parameters: Parameters, hidden_activation: str = "relu"
                    ) -> tuple[np.ndarray, list[Cache]]:
    """Forward pass of [LINEAR -> hidden_activation] * (L-1) -> LINEAR -> SIGMOID.

    Inputs:
    - X: data, shape (n_x, m).
    - parameters: W1, b1, ..., WL, bL (see ``initialize_parameters_deep``).
    - hidden_activation: activation of layers 1..L-1 (the course: "relu").
    Returns: AL of shape (n_L, m), and caches, a list of L caches of ``linear_activation_forward``.
    """
    L = num_layers(parameters)  # number of layers
    X = as_array(X, "X", shape=(parameters["W1"].shape[1], None))
    get_activation(hidden_activation, "hidden_activation")
    caches = []
    A = X
    ### BEGIN SOLUTION
    for l in range(1, L):  # hidden layers: LINEAR -> hidden_activation
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)], parameters["b" + str(l)],
                                             hidden_activation)
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    ### END SOLUTION
    return AL, caches


def _labels_like(AL: Any, Y: Any, name: str = "AL") -> tuple[np.ndarray, np.ndarray]:
    """AL and Y as rows (1, m); either may come flat, (m,), as in some of the course's tests; Y may be bool."""
    AL = as_row(AL, name)
    Y = check_binary_labels(Y, allow_1d=True)
    check_same_columns(AL, Y, name, "Y")
    return AL, Y


def compute_cost(AL: Any, Y: Any) -> float:
    """Cross-entropy cost -1/m sum(Y log AL + (1 - Y) log(1 - AL)).

    Inputs:
    - AL: predicted probabilities, shape (1, m) (or (m,)).
    - Y: true labels 0/1, shape (1, m) (or (m,); bool labels are fine).
    Returns: cost, a Python float (inf when a prediction is exactly wrong with probability 1).
    Raises ValueError when AL holds a value outside [0, 1] (not a probability: its log is NaN).
    """
    AL, Y = _labels_like(AL, Y)
    check_probabilities(AL, "AL")
    m = Y.shape[1]
    with np.errstate(divide="ignore"):  # log(0) = -inf: a confidently wrong prediction costs inf
        ### BEGIN SOLUTION
        # Y log(AL) + (1 - Y) log(1 - AL), picking the term that Y selects (so 0 * log(0) cannot give nan)
        logprobs = np.where(Y == 1, np.log(AL), np.log(1 - AL))
        cost = -np.sum(logprobs) / m
        ### END SOLUTION
    return float(cost)


def cost_from_logits(ZL: Any, Y: Any) -> float:
    """The cross-entropy cost of ``compute_cost(sigmoid(ZL), Y)``, computed from the logits ZL.

    Stable where AL = sigmoid(ZL) rounds to exactly 0 or 1 (|ZL| > ~37): ``compute_cost`` then returns inf
    for a confidently wrong example, this returns its true (large but finite) cost. Training loops use it.

    Inputs:
    - ZL: pre-activation of the output layer, shape (1, m).
    - Y: labels 0/1, shape (1, m).
    Returns: cost, a Python float (NaN or inf only when ZL itself is).
    """
    ZL, Y = _labels_like(ZL, Y, "ZL")
    return _cross_entropy_from_logits(ZL, Y)


def _cross_entropy_from_logits(ZL: np.ndarray, Y: np.ndarray) -> float:
    """``cost_from_logits`` without input checks (for training loops that checked once)."""
    # -log(sigmoid(z)) = log(1 + exp(-z)) and -log(1 - sigmoid(z)) = log(1 + exp(z))
    return float(np.mean(np.logaddexp(0.0, np.where(Y == 1, -ZL, ZL))))


def linear_backward(dZ: Any, cache: LinearCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of the linear part of a layer.

    Inputs:
    - dZ: gradient of the cost with respect to Z, shape (n, m).
    - cache: (A_prev, W, b) from ``linear_forward``; A_prev (n_prev, m), W (n, n_prev), b (n, 1).
    Returns: dA_prev (n_prev, m), dW (n, n_prev), db (n, 1); dW and db are averaged over the m examples.
    """
    A_prev, W, b = cache
    dZ = as_array(dZ, "dZ", shape=(W.shape[0], A_prev.shape[1]))
    m = A_prev.shape[1]
    ### BEGIN SOLUTION
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    ### END SOLUTION
    return dA_prev, dW, db


def linear_activation_backward(dA: Any, cache: Cache, activation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one LINEAR -> ACTIVATION layer.

    Inputs:
    - dA: gradient with respect to the layer's output A, shape (n, m).
    - cache: (linear_cache, Z) from ``linear_activation_forward``.
    - activation: the name used in the forward pass.
    Returns: dA_prev (n_prev, m), dW (n, n_prev), db (n, 1).
    """
    g_backward = get_activation(activation, "activation")[1]  # relu_backward for "relu", ...
    linear_cache, activation_cache = cache
    ### BEGIN SOLUTION
    dZ = g_backward(dA, activation_cache)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    ### END SOLUTION
    return dA_prev, dW, db


def L_model_backward(AL: Any, Y: Any, caches: list[Cache], hidden_activation: str = "relu") -> dict[str, np.ndarray]:
    """Backward pass of the whole network (sigmoid output, cross-entropy cost), the course's steps.

    Inputs:
    - AL: output of ``L_model_forward``, shape (1, m) (or (m,)).
    - Y: labels 0/1, shape (1, m) (or (m,); bool labels are fine).
    - caches: the list of L caches from ``L_model_forward`` (or any caches of that layout: every step reads
      only its cache entries, as the course's tests, whose caches are random arrays, require).
    - hidden_activation: the one used in the forward pass.
    Returns: grads with keys dA0, ..., dA{L-1} (gradients of the layer inputs), dW1..dWL and db1..dbL.
    The output layer starts from the course's dAL = -(Y / AL - (1 - Y) / (1 - AL)) and goes through
    ``sigmoid_backward(dAL, ZL)`` with the cached ZL; every hidden layer through ``hidden_activation``'s
    backward with its cached Z, and ``linear_backward`` with its cached (A_prev, W, b). AL must not be exactly
    0 or 1 (dAL divides by AL and 1 - AL); the trainers, whose AL may saturate, use dZL = AL - Y instead.
    """
    AL, Y = _labels_like(AL, Y)
    _check_caches(AL, caches, hidden_activation)
    if np.any((AL == 0) | (AL == 1)):
        raise ValueError(f"AL must not contain exactly 0 or 1: dAL = -(Y / AL - (1 - Y) / (1 - AL)) divides by AL "
                         f"and 1 - AL, got AL = {AL[(AL == 0) | (AL == 1)][:5].tolist()}")
    grads: dict[str, np.ndarray] = {}
    L = len(caches)  # number of layers
    ### BEGIN SOLUTION
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))  # derivative of the cost with respect to AL
    current_cache = caches[L - 1]  # the output layer: LINEAR -> SIGMOID
    dA_prev, dW, db = linear_activation_backward(dAL, current_cache, "sigmoid")
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = dA_prev, dW, db
    for l in reversed(range(L - 1)):  # hidden layers L-1, ..., 1: caches[l] belongs to layer l + 1
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], hidden_activation)
        grads["dA" + str(l)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
    ### END SOLUTION
    return grads


def _check_caches(AL: np.ndarray, caches: list[Cache], hidden_activation: str) -> None:
    if not caches:
        raise ValueError("caches is empty: pass the caches returned by L_model_forward")
    ZL = np.shape(caches[-1][1])
    if ZL != AL.shape:
        raise ValueError(f"the last cache holds Z of shape {ZL} but AL has shape {AL.shape}")
    get_activation(hidden_activation, "hidden_activation")


def _L_model_backward_from_logits(AL: np.ndarray, Y: np.ndarray, caches: list[Cache],
                                  hidden_activation: str = "relu") -> dict[str, np.ndarray]:
    """``L_model_backward`` for the trainers, whose caches come from ``L_model_forward``: the output layer's
    dZL = AL - Y, what sigmoid_backward(dAL, ZL) gives when AL = sigmoid(ZL), without dividing by an AL
    that rounded to 0 or 1. The hidden layers are L_model_backward's (the same linear_activation_backward)."""
    linear_cache, _ = caches[-1]
    L = len(caches)
    grads: dict[str, np.ndarray] = {}
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_backward(AL - Y, linear_cache)
    for l in reversed(range(L - 1)):
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = linear_activation_backward(
            grads["dA" + str(l + 1)], caches[l], hidden_activation)
    return grads


def update_parameters(parameters: Parameters, grads: dict[str, np.ndarray], learning_rate: float) -> Parameters:
    """One step of gradient descent: W := W - learning_rate * dW for every parameter.

    Inputs:
    - parameters: dict W1, b1, ...; grads: dict with dW1, db1, ... of the same shapes.
    - learning_rate: step size alpha > 0.
    Returns: a new dict of updated parameters (the input dict is not modified).
    """
    learning_rate = check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False)
    check_same_keys(parameters, grads, "parameters", "grads")
    for key, value in parameters.items():
        if np.shape(grads["d" + key]) != np.shape(value):
            raise ValueError(f"d{key} has shape {np.shape(grads['d' + key])} but {key} has shape {np.shape(value)}")
    new_parameters = {}
    ### BEGIN SOLUTION
    for key in parameters:  # "W1", "b1", ..., "WL", "bL"; their gradients are "dW1", "db1", ...
        new_parameters[key] = parameters[key] - learning_rate * grads["d" + key]
    ### END SOLUTION
    return new_parameters


def L_layer_model(X: Any, Y: Any, layers_dims: Sequence[int], learning_rate: float = 0.0075,
                  num_iterations: int = 3000, print_cost: bool = False, hidden_activation: str = "relu",
                  init: str = "sqrt", seed: int | None = 1, record_every: int = 100,
                  initial_parameters: Parameters | None = None) -> tuple[Parameters, list[float]]:
    """Train an L-layer network with batch gradient descent (the course's application trainer).

    Inputs:
    - X: data, shape (n_x, m); Y: labels 0/1, shape (1, m).
    - layers_dims: [n_x, n_1, ..., n_{L-1}, 1].
    - learning_rate, num_iterations: the hyperparameters of gradient descent.
    - print_cost: print the cost every ``record_every`` iterations.
    - hidden_activation, init, seed: passed to the forward/backward passes and the initializer.
    - record_every: iterations between two recorded costs (the last iteration is always recorded).
    - initial_parameters: continue from these parameters (copied; their sizes must match layers_dims)
      instead of initializing with ``init``/``seed``; lets a widget train a few more iterations at a time.
    Returns: parameters (the trained dict) and costs (list of floats; the cost of ``compute_cost``,
    computed from the logits with ``cost_from_logits`` so a saturated sigmoid cannot make it inf).
    Raises DivergenceError when the cost becomes NaN or infinite (the weights overflowed).
    """
    dims = list(layers_dims)
    X = as_array(X, "X", ndim=2)
    Y = check_binary_labels(Y)
    check_same_columns(X, Y)
    if len(dims) < 2 or dims[0] != X.shape[0] or dims[-1] != 1:
        raise ValueError(f"layers_dims must start with n_x = {X.shape[0]} (rows of X) and end with 1, got {dims}")
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    record_every = check_positive_int(record_every, "record_every")
    learning_rate = check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False)
    get_activation(hidden_activation, "hidden_activation")
    if initial_parameters is None:
        parameters = initialize_parameters_deep(dims, init=init, seed=seed)
    else:
        if layer_dims_of(initial_parameters) != dims:
            raise ValueError(f"initial_parameters have layer sizes {layer_dims_of(initial_parameters)}, "
                             f"layers_dims is {dims}")
        parameters = {k: np.array(v, dtype=np.float64) for k, v in initial_parameters.items()}
    costs: list[float] = []
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow shows up as a DivergenceError instead
        for i in range(num_iterations):
            AL, caches = L_model_forward(X, parameters, hidden_activation)
            cost = check_finite(_cross_entropy_from_logits(caches[-1][1], Y), i)  # Y checked above
            grads = _L_model_backward_from_logits(AL, Y, caches, hidden_activation)
            parameters = update_parameters(parameters, grads, learning_rate)
            if i % record_every == 0 or i == num_iterations - 1:
                costs.append(cost)
                if print_cost:
                    print(f"Cost after iteration {i}: {cost:.6f}")
    return parameters, costs


def predict_proba(X: Any, parameters: Parameters, hidden_activation: str = "relu") -> np.ndarray:
    """Probabilities AL of shape (1, m) that each column of X (n_x, m) is class 1."""
    AL, _ = L_model_forward(X, parameters, hidden_activation)
    return AL


def predict(X: Any, parameters: Parameters, hidden_activation: str = "relu", threshold: float = 0.5) -> np.ndarray:
    """Predicted labels 0/1 of shape (1, m) for X of shape (n_x, m) (1 where AL > threshold).

    The course's ``predict(X, y, parameters)`` also prints the accuracy; here call
    ``accuracy(predict(X, parameters), y)``.
    """
    threshold = check_range(threshold, "threshold", 0, 1)
    return (predict_proba(X, parameters, hidden_activation) > threshold).astype(np.int64)


def accuracy(Y_hat: Any, Y: Any) -> float:
    """Percentage of columns where the predicted labels Y_hat (1, m) equal the labels Y (1, m)."""
    Y_hat = check_binary_labels(Y_hat, "Y_hat")
    Y = check_binary_labels(Y)
    check_same_columns(Y_hat, Y, "Y_hat", "Y")
    return float(100.0 * np.mean(Y_hat == Y))


class TrainingSnapshots:
    """One training run of ``L_layer_model`` kept every ``every`` iterations, so a widget can pick any of them.

    ``TrainingSnapshots.train(X, Y, dims, lr, num_iterations, every=100)`` trains once; ``at(iterations)``
    returns the parameters after that many iterations and the costs recorded so far (every
    ``record_every`` iterations from iteration 0). When the run diverged, ``at`` raises the run's
    ``DivergenceError`` for any count past the last good snapshot.
    """

    def __init__(self, every: int, record_every: int, parameters: list[Parameters], costs: list[float],
                 error: DivergenceError | None = None):
        self.every, self.record_every = every, record_every
        self.parameters, self.costs, self.error = parameters, costs, error

    @classmethod
    def train(cls, X: Any, Y: Any, layers_dims: Sequence[int], learning_rate: float, num_iterations: int,
              every: int = 100, record_every: int = 10, init: str = "he", seed: int | None = 1,
              hidden_activation: str = "relu") -> TrainingSnapshots:
        """Train ``num_iterations`` (a multiple of ``every``) in chunks of ``every``, keeping each chunk's end."""
        every = check_positive_int(every, "every")
        record_every = check_positive_int(record_every, "record_every")
        if num_iterations % every or every % record_every:
            raise ValueError(f"num_iterations ({num_iterations}) must be a multiple of every ({every}), "
                             f"and every a multiple of record_every ({record_every})")
        snapshots: list[Parameters] = []
        costs: list[float] = []
        params = None
        for k in range(num_iterations // every):
            try:
                params, more = L_layer_model(X, Y, layers_dims, learning_rate, every, init=init, seed=seed,
                                             hidden_activation=hidden_activation, record_every=record_every,
                                             initial_parameters=params)
            except DivergenceError as exc:
                return cls(every, record_every, snapshots, costs,
                           DivergenceError(f"{exc} (in the chunk after iteration {k * every})"))
            snapshots.append(params)
            costs += more[:every // record_every]  # iterations k*every + 0, record_every, ... (drops the chunk's last)
        return cls(every, record_every, snapshots, costs)

    def at(self, iterations: int) -> tuple[Parameters, list[float]]:
        """The parameters after ``iterations`` (a positive multiple of ``every``) and the costs up to there."""
        k, rest = divmod(int(iterations), self.every)
        if rest or k < 1:
            raise ValueError(f"iterations must be a positive multiple of {self.every}, got {iterations}")
        if k > len(self.parameters):
            if self.error is not None:
                raise self.error
            raise ValueError(f"only {len(self.parameters) * self.every} iterations were trained, got {iterations}")
        return self.parameters[k - 1], self.costs[:k * self.every // self.record_every]
