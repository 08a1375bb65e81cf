"""Course 2 week 1: bias and variance, L2 regularization and inverted dropout, on ``utils.deep_nn``'s network.

The network is [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID (the course's 3-layer net is L = 3); columns are
examples, X (n_x, m), Y (1, m). The course's functions keep their names and arguments; their ``cache`` is
``(AL, caches, masks, keep_prob)``: AL (1, m), ``caches`` the per-layer caches of
``utils.deep_nn.linear_activation_forward``, ``masks`` the dropout masks D_l of the hidden layers (None
without dropout), and the keep_prob they were drawn with.

- L2: cost + lambd / (2 m) * sum_l ||W_l||_F^2, so every dW_l gains lambd / m * W_l ("weight decay").
- Inverted dropout: each hidden unit is kept with probability keep_prob (D_l = rand < keep_prob), and the
  kept activations are divided by keep_prob, so the expected activation is unchanged and nothing needs
  rescaling at test time (where dropout is off: predict with ``utils.deep_nn.predict``).

Unlike the course's version, ``forward_propagation_with_dropout`` does not reseed numpy on every call (which
would draw the same masks at every iteration): pass a ``rng`` to make the masks reproducible.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from scipy.special import expit

from utils.deep_nn import _cross_entropy_from_logits, compute_cost, cost_from_logits, num_layers
from utils.initialization import initialize
from utils.validation import (DivergenceError, as_array, check_binary_labels, check_finite, check_positive_int,
                              check_probabilities, check_range, check_same_columns)

Parameters = dict[str, np.ndarray]
Cache = tuple[np.ndarray, list, list, float]


def check_keep_prob(keep_prob: float) -> float:
    """keep_prob must be in (0, 1] (1 = no dropout)."""
    return check_range(keep_prob, "keep_prob", 0, 1, low_inclusive=False)


def check_lambd(lambd: float) -> float:
    """The L2 strength lambd must be >= 0 (0 = no regularization)."""
    return check_range(lambd, "lambd", 0, None)


# --- bias and variance ---------------------------------------------------------------------------------------

def train_dev_test_split(X: np.ndarray, Y: np.ndarray, fractions: Sequence[float] = (0.6, 0.2, 0.2),
                         seed: int = 0) -> tuple[np.ndarray, ...]:
    """Shuffle the columns of (X, Y) and split them into train / dev / test sets by ``fractions`` (sum 1).

    Returns: (X_train, Y_train, X_dev, Y_dev, X_test, Y_test), columns are examples.
    """
    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", ndim=2)
    check_same_columns(X, Y)
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three non-negative numbers that sum to 1, got {tuple(fractions)}")
    m = X.shape[1]
    perm = np.random.RandomState(seed).permutation(m)
    n_train, n_dev = int(round(fractions[0] * m)), int(round(fractions[1] * m))
    parts = np.split(perm, [n_train, n_train + n_dev])
    return tuple(a for idx in parts for a in (X[:, idx], Y[:, idx]))


def diagnose_bias_variance(train_error: float, dev_error: float, base_error: float = 0.0,
                           tolerance: float = 2.0) -> str:
    """The course's reading of train/dev error (in %) against the base (Bayes, human) error.

    High bias when train error exceeds base error by more than ``tolerance`` points (fix: bigger network,
    train longer); high variance when dev error exceeds train error by more than ``tolerance`` points
    (fix: more data, regularization). Returns one of "high bias & high variance", "high bias",
    "high variance", "low bias & low variance".
    """
    for v, name in ((train_error, "train_error"), (dev_error, "dev_error"), (base_error, "base_error")):
        check_range(v, name, 0, 100)
    tolerance = check_range(tolerance, "tolerance", 0, None)
    bias = train_error - base_error > tolerance
    variance = dev_error - train_error > tolerance
    if bias and variance:
        return "high bias & high variance"
    return "high bias" if bias else "high variance" if variance else "low bias & low variance"


# --- L2 regularization ---------------------------------------------------------------------------------------

def l2_penalty(parameters: Parameters, lambd: float, m: int) -> float:
    """lambd / (2 m) * sum of the squared weights of every W (biases are not regularized)."""
    lambd = check_lambd(lambd)
    m = check_positive_int(m, "m")
    L = num_layers(parameters)
    return lambd / (2 * m) * sum(float(np.sum(np.square(parameters[f"W{l}"]))) for l in range(1, L + 1))


def compute_cost_with_regularization(A3: np.ndarray, Y: np.ndarray, parameters: Parameters, lambd: float) -> float:
    """Cross-entropy (``utils.deep_nn.compute_cost``) plus the L2 penalty lambd / (2 m) * sum_l ||W_l||_F^2.

    Inputs: A3 (1, m) the network's output and Y (1, m), either may be flat (m,); parameters W1, b1, ..., WL,
    bL; lambd >= 0.
    Returns: cost, a float. Only the weights W1..WL are penalized, not the biases.
    """
    Y = check_binary_labels(Y, allow_1d=True)
    check_probabilities(A3, "A3")
    lambd = check_lambd(lambd)
    L = num_layers(parameters)
    m = Y.shape[1]
    cross_entropy_cost = compute_cost(A3, Y)  # the cross-entropy part of the cost
    ### BEGIN SOLUTION
    squares = 0.0
    for l in range(1, L + 1):
        squares = squares + np.sum(np.square(parameters["W" + str(l)]))
    L2_regularization_cost = lambd / (2 * m) * squares
    ### END SOLUTION
    cost = cross_entropy_cost + L2_regularization_cost
    return float(cost)


def forward_propagation(X: np.ndarray, parameters: Parameters) -> tuple[np.ndarray, Cache]:
    """The network without dropout: returns (A3 (1, m), cache) in this module's cache format."""
    return forward_propagation_with_dropout(X, parameters, keep_prob=1.0)


def backward_propagation_with_regularization(X: np.ndarray, Y: np.ndarray, cache: Cache,
                                             lambd: float) -> dict[str, np.ndarray]:
    """Backward pass of cross-entropy + L2: the cross-entropy's gradients plus lambd / m * W_l on every dW_l.

    Inputs: X (n_x, m); Y (1, m); cache = (A3, caches, masks, keep_prob) from ``forward_propagation`` (or from
    ``forward_propagation_with_dropout``: then the gradients go through its masks); lambd >= 0.
    ``caches[l - 1]`` is layer l's ((A_prev, W, b), Z), so layer l's weights are ``caches[l - 1][0][1]``.
    Returns: gradients with dA0.., dW1.., db1.. (as ``utils.deep_nn.L_model_backward``).
    """
    lambd = check_lambd(lambd)
    AL, caches, masks, keep_prob = _unpack(cache, X)
    m = X.shape[1]
    L = len(caches)
    # the gradients of the cross-entropy alone (L_model_backward's; through the dropout masks if there are any)
    grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)
    ### BEGIN SOLUTION
    for l in range(1, L + 1):
        (A_prev, W, b), Z = caches[l - 1]
        grads["dW" + str(l)] = grads["dW" + str(l)] + lambd / m * W
    ### END SOLUTION
    return grads


# --- inverted dropout ----------------------------------------------------------------------------------------

def forward_propagation_with_dropout(X: np.ndarray, parameters: Parameters, keep_prob: float = 0.5,
                                     rng: np.random.RandomState | None = None) -> tuple[np.ndarray, Cache]:
    """Forward pass with inverted dropout on every hidden layer (not on the input, not on the output).

    For each hidden layer: A = relu(W A_prev + b); D = (rand(*A.shape) < keep_prob); A = A * D / keep_prob.
    Inputs: X (n_x, m); parameters W1, b1, ..., WL, bL; keep_prob in (0, 1] (1: no dropout, no masks);
    rng: a ``np.random.RandomState`` for the masks (default: numpy's global generator); draw the masks with
    ``rng.rand(n, m)``.
    Returns: (A3 (1, m), cache = (A3, caches, masks, keep_prob)); caches[l - 1] = ((A_prev, W, b), Z) of layer l
    (as ``utils.deep_nn.linear_activation_forward``), masks[l - 1] the boolean mask D_l of hidden layer l
    (None for the output layer and when keep_prob = 1).
    """
    keep_prob = check_keep_prob(keep_prob)
    L = num_layers(parameters)
    X = as_array(X, "X", shape=(parameters["W1"].shape[1], None))
    for l in range(1, L + 1):
        as_array(parameters[f"W{l}"], f"W{l}", ndim=2)
    rng = np.random if rng is None else rng
    A, caches, masks = X, [], []
    for l in range(1, L + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = W @ A + b
        caches.append(((A, W, b), Z))
        A = np.maximum(Z, 0.0) if l < L else expit(Z)
        D = None
        if l < L and keep_prob < 1:  # a hidden layer, with dropout
            ### BEGIN SOLUTION
            D = rng.rand(A.shape[0], A.shape[1])  # step 1: a random matrix of the shape of A
            D = D < keep_prob                     # step 2: keep each unit with probability keep_prob
            A = A * D                             # step 3: shut down the other units
            A = A / keep_prob                     # step 4: scale the kept ones up (inverted dropout)
            ### END SOLUTION
        masks.append(D)
    return A, (A, caches, masks, keep_prob)


def backward_propagation_with_dropout(X: np.ndarray, Y: np.ndarray, cache: Cache,
                                      keep_prob: float) -> dict[str, np.ndarray]:
    """Backward pass through the dropout forward: the same masks D_l switch off the same units.

    The course's steps, each from its cache entries: dZL = A3 - Y from the cached A3; dW_l = dZ_l A_{l-1}^T / m,
    db_l, dA_{l-1} = W_l^T dZ_l from layer l's cached (A_prev, W, b); then dA_{l-1} = dA_{l-1} * D_{l-1} / keep_prob
    with the cached mask, and dZ_{l-1} = dA_{l-1} * (A_{l-1} > 0) from the cached (dropped-out) A_{l-1}, as the
    course does (not from Z: the course's tests pass caches of random arrays).
    Inputs: X (n_x, m), Y (1, m), cache = (A3, caches, masks, keep_prob) from ``forward_propagation_with_dropout``
    and the keep_prob used there (1: no masks, then this is ``utils.deep_nn.L_model_backward``).
    Returns: gradients dA0.., dW1.., db1...
    """
    keep_prob = check_keep_prob(keep_prob)
    AL, caches, masks, cache_keep = _unpack(cache, X)
    if keep_prob != cache_keep:
        raise ValueError(f"keep_prob {keep_prob} differs from the {cache_keep} the forward pass used")
    Y = check_binary_labels(Y)
    check_same_columns(AL, Y, "A3", "Y")
    L = len(caches)
    m = AL.shape[1]
    grads: dict[str, np.ndarray] = {}
    dZ = AL - Y  # the output layer: sigmoid with the cross-entropy
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        grads["dW" + str(l)] = dZ @ A_prev.T / m
        grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
        dA = W.T @ dZ
        grads["dA" + str(l - 1)] = dA
        if l > 1:  # dA is the gradient of hidden layer l - 1's output, A_{l-1}
            D = masks[l - 2]  # the mask of hidden layer l - 1 (None without dropout)
            if D is not None:
                ### BEGIN SOLUTION
                dA = dA * D           # the units shut down in the forward pass get no gradient
                dA = dA / keep_prob   # and the kept ones are scaled as in the forward pass
                ### END SOLUTION
            dZ = np.where(A_prev > 0, dA, 0.0)  # the course's dA * (A > 0), from the cached A_{l-1} = A_prev
    return grads


def _unpack(cache: Any, X: np.ndarray) -> Cache:
    if not (isinstance(cache, tuple) and len(cache) == 4):
        raise ValueError("cache must be the (A3, caches, masks, keep_prob) returned by this module's forward pass")
    AL, caches, masks, keep_prob = cache
    X = as_array(X, "X", ndim=2)
    if caches[0][0][0].shape != X.shape:
        raise ValueError(f"X has shape {X.shape} but the forward pass ran on shape {caches[0][0][0].shape}")
    return AL, caches, masks, keep_prob


# --- the trainer ---------------------------------------------------------------------------------------------

def model(X: np.ndarray, Y: np.ndarray, layers_dims: Sequence[int], learning_rate: float = 0.3,
          num_iterations: int = 30000, print_cost: bool = False, lambd: float = 0.0, keep_prob: float = 1.0,
          initialization: str | Parameters = "sqrt", seed: int = 1,
          record_every: int = 1000) -> tuple[Parameters, list[float]]:
    """Batch gradient descent with optional L2 (lambd > 0) and inverted dropout (keep_prob < 1).

    The course's trainer for weeks 1a and 1b (initialization: "zeros", "random", "he", "sqrt" (the
    regularization lab's randn / sqrt(n_prev)), or a parameters dict to start from).
    Inputs: X (n_x, m); Y (1, m); layers_dims [n_x, ..., 1]; learning_rate > 0; num_iterations;
    lambd >= 0; keep_prob in (0, 1]; seed of the dropout masks; record_every: iterations between costs.
    Returns: (parameters, costs), the cost (cross-entropy from the logits, ``utils.deep_nn.cost_from_logits``,
    finite even when the sigmoid saturates; + the L2 penalty) every ``record_every``
    iterations. Raises ``DivergenceError`` when the cost becomes NaN or infinite.
    """
    lambd, keep_prob = check_lambd(lambd), check_keep_prob(keep_prob)
    X, Y, dims, num_iterations, record_every, lr = _check_trainer_inputs(X, Y, layers_dims, num_iterations,
                                                                         record_every, learning_rate)
    if isinstance(initialization, dict):
        parameters = {k: np.array(v, dtype=np.float64) for k, v in initialization.items()}
    else:
        parameters = initialize(dims, initialization)
    rng = np.random.RandomState(seed)
    costs: list[float] = []
    m = X.shape[1]
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run ends in DivergenceError, not warnings
        for i in range(num_iterations):
            AL, cache = forward_propagation_with_dropout(X, parameters, keep_prob, rng)
            if i % record_every == 0 or i == num_iterations - 1:
                cost = cost_from_logits(cache[1][-1][1], Y) + (l2_penalty(parameters, lambd, m) if lambd else 0)
                costs.append(check_finite(cost, i))
                if print_cost:
                    print(f"Cost after iteration {i}: {cost:.6f}")
            if lambd:
                grads = backward_propagation_with_regularization(X, Y, cache, lambd)
            else:
                grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)
            parameters = {k: w - lr * grads["d" + k] for k, w in parameters.items()}
    return parameters, costs


GridResult = tuple[Parameters, list[float]] | DivergenceError


def model_grid(X: np.ndarray, Y: np.ndarray, layers_dims: Sequence[int],
               settings: Sequence[tuple[float, float]], learning_rate: float = 0.3, num_iterations: int = 30000,
               initialization: str = "sqrt", seed: int = 1, record_every: int = 1000,
               workers: int | None = None) -> dict[tuple[float, float], GridResult]:
    """``model`` for many (lambd, keep_prob) settings at once: one stacked network per setting, trained together.

    Every setting starts from the same initialization and draws its dropout masks from the same ``seed``, as
    ``model`` does run by run, so each result is ``model(X, Y, layers_dims, learning_rate, num_iterations,
    lambd=lambd, keep_prob=keep_prob, ...)`` up to rounding; a widget's grid trains in the time of a few runs.
    Weights are stacked to (S, n_l, n_{l-1}) for S settings; ``workers`` threads (default: one per CPU core)
    each train a share of the settings (numpy releases the GIL in the stacked products).
    Returns: {(lambd, keep_prob): (parameters, costs)}, or the ``DivergenceError`` of a setting whose cost
    became NaN or infinite (the others go on).
    """
    settings = [(check_lambd(lam), check_keep_prob(kp)) for lam, kp in settings]
    if not settings:
        raise ValueError("settings must hold at least one (lambd, keep_prob) pair, got none")
    X, Y, dims, num_iterations, record_every, lr = _check_trainer_inputs(X, Y, layers_dims, num_iterations,
                                                                         record_every, learning_rate)
    workers = check_positive_int((os.cpu_count() or 1) if workers is None else workers, "workers")
    init = initialize(dims, initialization)
    chunks = [settings[i::workers] for i in range(min(workers, len(settings)))]
    with ThreadPoolExecutor(len(chunks)) as pool:
        parts = list(pool.map(lambda chunk: _train_stack(X, Y, init, chunk, lr, num_iterations, seed, record_every),
                              chunks))
    return {setting: part[setting] for setting in settings for part in parts if setting in part}


def _train_stack(X: np.ndarray, Y: np.ndarray, init: Parameters, settings: list[tuple[float, float]], lr: float,
                 num_iterations: int, seed: int, record_every: int) -> dict[tuple[float, float], GridResult]:
    """``model_grid``'s loop for one share of the settings (checked inputs), weights stacked on axis 0."""
    S, L, m = len(settings), num_layers(init), X.shape[1]
    Ws = [np.repeat(init[f"W{l}"][None], S, axis=0) for l in range(1, L + 1)]
    bs = [np.repeat(init[f"b{l}"][None], S, axis=0) for l in range(1, L + 1)]
    lambd = np.array([s[0] for s in settings])[:, None, None]
    keep = np.array([s[1] for s in settings])[:, None, None]
    dropout = bool(np.any(keep < 1))
    rng = np.random.RandomState(seed)
    costs: list[list[float]] = [[] for _ in settings]
    failed: dict[int, DivergenceError] = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(num_iterations):
            A, inputs, masks = X, [], []
            for l in range(L):
                inputs.append(A)
                Z = Ws[l] @ A + bs[l]
                if l < L - 1:
                    A = np.maximum(Z, 0.0)
                    if dropout:  # the same draws as model's rng.rand(n, m); keep_prob = 1 keeps every unit
                        D = rng.rand(A.shape[1], A.shape[2])[None] < keep
                        A = A * D / keep
                        masks.append(D)
            if i % record_every == 0 or i == num_iterations - 1:
                penalty = lambd[:, 0, 0] / (2 * m) * sum(np.sum(W ** 2, axis=(1, 2)) for W in Ws)
                for s in range(S):
                    cost = _cross_entropy_from_logits(Z[s], Y) + penalty[s]
                    costs[s].append(float(cost))
                    if s not in failed and not np.isfinite(cost):
                        failed[s] = DivergenceError(f"training diverged at iteration {i} (cost = {cost}) with "
                                                    f"lambd = {settings[s][0]}, keep_prob = {settings[s][1]}: "
                                                    f"try a smaller learning rate")
            dZ = expit(Z) - Y
            for l in range(L - 1, -1, -1):
                A_prev = inputs[l]
                dW = dZ @ np.swapaxes(A_prev, -1, -2) / m + lambd / m * Ws[l]
                db = np.sum(dZ, axis=2, keepdims=True) / m
                if l > 0:
                    dA = np.swapaxes(Ws[l], 1, 2) @ dZ
                    if dropout:
                        dA = dA * masks[l - 1] / keep
                    dZ = np.where(A_prev > 0, dA, 0.0)
                Ws[l] = Ws[l] - lr * dW
                bs[l] = bs[l] - lr * db
    results: dict[tuple[float, float], GridResult] = {}
    for s, setting in enumerate(settings):
        params = {k: v for l in range(L) for k, v in ((f"W{l + 1}", Ws[l][s]), (f"b{l + 1}", bs[l][s]))}
        results[setting] = failed.get(s) or (params, costs[s])
    return results


def _check_trainer_inputs(X: Any, Y: Any, layers_dims: Sequence[int], num_iterations: int, record_every: int,
                          learning_rate: float) -> tuple[np.ndarray, np.ndarray, list[int], int, int, float]:
    """The trainers' shared checks: X (n_x, m), Y (1, m) of 0/1, layers_dims [n_x, ..., 1], positive counts and rate."""
    X = as_array(X, "X", ndim=2)
    Y = check_binary_labels(Y)
    check_same_columns(X, Y)
    dims = list(layers_dims)
    if len(dims) < 2 or dims[0] != X.shape[0] or dims[-1] != 1:
        raise ValueError(f"layers_dims must start with n_x = {X.shape[0]} (rows of X) and end with 1, got {dims}")
    return (X, Y, dims, check_positive_int(num_iterations, "num_iterations"),
            check_positive_int(record_every, "record_every"),
            check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False))
