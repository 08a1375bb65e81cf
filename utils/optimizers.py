"""Course 2 week 2: mini-batches, exponentially weighted averages, momentum, RMSprop, Adam, learning-rate decay.

Conventions (Courses 1-2): X has shape (n_x, m), examples are columns. ``parameters`` maps names to arrays
(``W1, b1, ...``, or any names), ``grads`` holds ``"d" + name`` for every parameter (``dW1, db1, ...``), and
the optimizer state dicts ``v`` and ``s`` use the gradient names (``v["dW1"]``), as in the course.

The update rules never modify the dicts or arrays they are given: they return new ones.

The course's momentum is ``v = beta * v + (1 - beta) * dW; W -= lr * v``. Keras's ``SGD(momentum=beta)`` keeps
``u = beta * u - lr_k * dW; W += u`` instead; both give the same trajectory when ``lr_k = lr * (1 - beta)``
(see ``keras_momentum_learning_rate``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from utils.validation import (as_array, check_finite, check_keys, check_mapping, check_positive_int, check_range,
                              check_same_columns)

Params = dict[str, np.ndarray]


# --- input checks --------------------------------------------------------------------------------------------

def _check_grads(parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
    """Every parameter ``k`` needs a gradient ``"d" + k`` of the same shape."""
    check_mapping(parameters, "parameters")
    if not parameters:
        raise ValueError("parameters is empty: expected a dict like {'W1': ..., 'b1': ...}")
    _check_state(parameters, grads, "grads", "grads must hold 'd' + name for every parameter, e.g. dW1 for W1")


def _check_state(parameters: Mapping[str, np.ndarray], state: Mapping[str, np.ndarray], name: str,
                 hint: str = "build it with the matching initialize_* function") -> None:
    """A dict keyed like the gradients (grads, v or s) needs ``"d" + k`` of the shape of every parameter ``k``."""
    missing = ["d" + k for k in parameters if "d" + k not in state]
    if missing:
        raise ValueError(f"{name} is missing {missing} for parameters {sorted(parameters)} ({hint})")
    for k, value in parameters.items():
        if np.shape(state["d" + k]) != np.shape(value):
            raise ValueError(f"{name}['d{k}'] has shape {np.shape(state['d' + k])} but parameters['{k}'] has shape "
                             f"{np.shape(value)}")


def _check_lr(learning_rate: float | np.ndarray, name: str = "learning_rate") -> float | np.ndarray:
    """A learning rate > 0: a scalar, or an array of rates (one per stacked run, broadcast over parameters)."""
    if np.ndim(learning_rate) == 0:
        return check_range(learning_rate, name, 0, None, low_inclusive=False)
    lr = as_array(learning_rate, name)
    if not (np.all(np.isfinite(lr)) and np.all(lr > 0)):
        raise ValueError(f"every {name} must be finite and > 0, got {lr.ravel()[:5].tolist()}")
    return lr


def _check_beta(beta: float | np.ndarray, name: str) -> float | np.ndarray:
    """A beta in [0, 1): a scalar, or an array (one per stacked run, broadcast over parameters)."""
    if np.ndim(beta) == 0:
        return check_range(beta, name, 0, 1, high_inclusive=False)
    arr = as_array(beta, name)
    if not (np.all(arr >= 0) and np.all(arr < 1)):
        raise ValueError(f"every {name} must be in [0, 1), got {arr.ravel()[:5].tolist()}")
    return arr


# --- gradient descent and mini-batches -----------------------------------------------------------------------

def update_parameters_with_gd(parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
                              learning_rate: float) -> Params:
    """One step of (mini-batch) gradient descent: ``W = W - learning_rate * dW`` for every parameter.

    Inputs:
    - parameters: dict name -> array (W1 of shape (n_1, n_0), b1 of shape (n_1, 1), ...; any names).
    - grads: dict "d" + name -> array of the same shape (grads["dW1"] for parameters["W1"]).
    - learning_rate: scalar > 0 (every rule also accepts an array of rates that broadcasts against the
      parameters, e.g. shape (R, 1, 1) for R runs stacked along a first axis; see ``model_runs``).
    Returns: new_parameters, a new dict of the updated arrays (``parameters`` itself is left unchanged).
    """
    _check_grads(parameters, grads)
    learning_rate = _check_lr(learning_rate)
    new_parameters = {}
    ### BEGIN SOLUTION
    for name in parameters:
        new_parameters[name] = parameters[name] - learning_rate * grads["d" + name]
    ### END SOLUTION
    return new_parameters


def random_mini_batches(X: np.ndarray, Y: np.ndarray, mini_batch_size: int = 64,
                        seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the columns of (X, Y) together and cut them into mini-batches, the last one possibly smaller.

    Uses ``np.random.RandomState(seed).permutation(m)``, the course's stream, without touching the global state.
    Inputs:
    - X: data of shape (n_x, m). Y: labels of shape (n_y, m). Examples are columns.
    - mini_batch_size: examples per batch (>= 1). seed: shuffling seed.
    Returns: list of (mini_batch_X (n_x, b), mini_batch_Y (n_y, b)); every b is mini_batch_size except
    the last one, which holds the m % mini_batch_size remaining examples when that is not 0.
    """
    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", ndim=2)
    check_same_columns(X, Y)
    mini_batch_size = check_positive_int(mini_batch_size, "mini_batch_size")
    m = X.shape[1]
    permutation = list(np.random.RandomState(seed).permutation(m))  # the new order of the examples
    mini_batches = []
    ### BEGIN SOLUTION
    # Step 1: shuffle the columns of X and Y with the same permutation
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation]
    # Step 2: partition, complete mini-batches first
    num_complete_minibatches = m // mini_batch_size
    for k in range(num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    # then the last, smaller one (when m is not a multiple of mini_batch_size)
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size:]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size:]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    ### END SOLUTION
    return mini_batches


# --- exponentially weighted averages -------------------------------------------------------------------------

def exponentially_weighted_average(theta: np.ndarray, beta: float, bias_correction: bool = False) -> np.ndarray:
    """``v_t = beta * v_{t-1} + (1 - beta) * theta_t`` with ``v_0 = 0``, optionally divided by ``1 - beta**t``.

    It averages over roughly the last ``1 / (1 - beta)`` values. Without bias correction the first values
    are pulled towards 0 (v_0 = 0); the correction ``v_t / (1 - beta**t)`` removes that start-up bias.
    Inputs:
    - theta: the series, shape (T,) (or (T, ...): averaged along axis 0).
    - beta: in [0, 1).
    Returns: v of the shape of theta.
    """
    theta = as_array(theta, "theta")
    if theta.ndim == 0 or theta.shape[0] == 0:
        raise ValueError(f"theta must be a non-empty series of shape (T,), got shape {theta.shape}")
    beta = _check_beta(beta, "beta")
    v = np.zeros_like(theta)
    running = np.zeros_like(theta[0])
    for t in range(theta.shape[0]):
        running = beta * running + (1 - beta) * theta[t]
        v[t] = running / (1 - beta ** (t + 1)) if bias_correction else running
    return v


# --- momentum ------------------------------------------------------------------------------------------------

def initialize_velocity(parameters: Mapping[str, np.ndarray]) -> Params:
    """Velocity for momentum, zeros keyed like the gradients.

    Inputs: parameters, dict name -> array (W1, b1, ...; any names).
    Returns: v, a dict with v["d" + name] = zeros of the shape of parameters[name] (float), for every name.
    """
    check_mapping(parameters, "parameters")
    if not parameters:
        raise ValueError("parameters is empty: expected a dict like {'W1': ..., 'b1': ...}")
    v = {}
    ### BEGIN SOLUTION
    for name in parameters:
        v["d" + name] = np.zeros(np.shape(parameters[name]))
    ### END SOLUTION
    return v


def update_parameters_with_momentum(parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
                                    v: Mapping[str, np.ndarray], beta: float,
                                    learning_rate: float) -> tuple[Params, Params]:
    """One momentum step: ``v = beta * v + (1 - beta) * dW``, then ``W = W - learning_rate * v``.

    Inputs: parameters, grads (as in update_parameters_with_gd), v (from initialize_velocity, keys "d" + name),
    beta in [0, 1) (0 gives plain gradient descent), learning_rate > 0.
    Returns: (new_parameters, new_v), new dicts (the inputs are left unchanged).
    """
    _check_grads(parameters, grads)
    _check_state(parameters, v, "v")
    beta = _check_beta(beta, "beta")
    learning_rate = _check_lr(learning_rate)
    new_parameters, new_v = {}, {}
    ### BEGIN SOLUTION
    for name in parameters:
        new_v["d" + name] = beta * v["d" + name] + (1 - beta) * grads["d" + name]
        new_parameters[name] = parameters[name] - learning_rate * new_v["d" + name]
    ### END SOLUTION
    return new_parameters, new_v


def keras_momentum_learning_rate(learning_rate: float, beta: float) -> float:
    """The learning rate that makes ``keras.optimizers.SGD(lr_k, momentum=beta)`` follow the course's momentum.

    Course: ``v = beta v + (1 - beta) g; W -= lr v``. Keras: ``u = beta u - lr_k g; W += u``. With
    ``u = -lr v`` the two are the same when ``lr_k = lr * (1 - beta)``.
    """
    return _check_lr(learning_rate) * (1 - _check_beta(beta, "beta"))


# --- RMSprop -------------------------------------------------------------------------------------------------

def initialize_rmsprop(parameters: Mapping[str, np.ndarray]) -> Params:
    """RMSprop's running average of squared gradients: s["d" + name] = zeros of the parameter's shape."""
    return initialize_velocity(parameters)


def update_parameters_with_rmsprop(parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
                                   s: Mapping[str, np.ndarray], beta2: float = 0.999,
                                   learning_rate: float = 0.001,
                                   epsilon: float = 1e-8) -> tuple[Params, Params]:
    """One RMSprop step: ``s = beta2 * s + (1 - beta2) * dW**2``, ``W = W - lr * dW / (sqrt(s) + epsilon)``.

    (Keras's RMSprop puts epsilon inside the root, ``sqrt(s + epsilon)``, and calls beta2 ``rho``.)
    Inputs: parameters, grads, s (from initialize_rmsprop), beta2 in [0, 1), learning_rate > 0, epsilon >= 0.
    Returns: (parameters, s), new dicts.
    """
    _check_grads(parameters, grads)
    _check_state(parameters, s, "s")
    beta2 = _check_beta(beta2, "beta2")
    lr = _check_lr(learning_rate)
    eps = check_range(epsilon, "epsilon", 0, None)
    s_new = {"d" + k: beta2 * s["d" + k] + (1 - beta2) * grads["d" + k] ** 2 for k in parameters}
    new = {k: w - lr * grads["d" + k] / (np.sqrt(s_new["d" + k]) + eps) for k, w in parameters.items()}
    return new, s_new


# --- Adam ----------------------------------------------------------------------------------------------------

def initialize_adam(parameters: Mapping[str, np.ndarray]) -> tuple[Params, Params]:
    """Adam's first and second moment estimates, both zeros keyed like the gradients.

    Inputs: parameters, dict name -> array (W1, b1, ...; any names).
    Returns: (v, s), two dicts with v["d" + name] and s["d" + name] = zeros of the shape of parameters[name].
    """
    check_mapping(parameters, "parameters")
    if not parameters:
        raise ValueError("parameters is empty: expected a dict like {'W1': ..., 'b1': ...}")
    v, s = {}, {}
    ### BEGIN SOLUTION
    for name in parameters:
        v["d" + name] = np.zeros(np.shape(parameters[name]))
        s["d" + name] = np.zeros(np.shape(parameters[name]))
    ### END SOLUTION
    return v, s


def update_parameters_with_adam(parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
                                v: Mapping[str, np.ndarray], s: Mapping[str, np.ndarray], t: int,
                                learning_rate: float = 0.01, beta1: float = 0.9, beta2: float = 0.999,
                                epsilon: float = 1e-8) -> tuple[Params, Params, Params, Params, Params]:
    """One Adam step (t counts steps from 1)::

        v = beta1 v + (1 - beta1) dW          v_corrected = v / (1 - beta1**t)
        s = beta2 s + (1 - beta2) dW**2       s_corrected = s / (1 - beta2**t)
        W = W - learning_rate * v_corrected / (sqrt(s_corrected) + epsilon)

    Inputs: parameters, grads, v and s (from initialize_adam, keys "d" + name), t >= 1, learning_rate > 0,
    beta1 and beta2 in [0, 1), epsilon >= 0.
    Returns: (new_parameters, new_v, new_s, v_corrected, s_corrected), new dicts (the inputs are left unchanged).
    """
    _check_grads(parameters, grads)
    _check_state(parameters, v, "v")
    _check_state(parameters, s, "s")
    t = check_positive_int(t, "t (Adam's step counter, starting at 1)")
    learning_rate = _check_lr(learning_rate)
    beta1, beta2 = _check_beta(beta1, "beta1"), _check_beta(beta2, "beta2")
    epsilon = check_range(epsilon, "epsilon", 0, None)
    new_parameters, new_v, new_s, v_corrected, s_corrected = {}, {}, {}, {}, {}
    ### BEGIN SOLUTION
    for name in parameters:
        g = grads["d" + name]
        new_v["d" + name] = beta1 * v["d" + name] + (1 - beta1) * g
        v_corrected["d" + name] = new_v["d" + name] / (1 - beta1 ** t)
        new_s["d" + name] = beta2 * s["d" + name] + (1 - beta2) * g ** 2
        s_corrected["d" + name] = new_s["d" + name] / (1 - beta2 ** t)
        new_parameters[name] = parameters[name] - learning_rate * v_corrected["d" + name] / (
            np.sqrt(s_corrected["d" + name]) + epsilon)
    ### END SOLUTION
    return new_parameters, new_v, new_s, v_corrected, s_corrected


# --- learning-rate decay -------------------------------------------------------------------------------------

def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """Inverse-time decay every epoch: ``learning_rate0 / (1 + decay_rate * epoch_num)``.

    Inputs: learning_rate0 > 0, the initial rate; epoch_num >= 0; decay_rate >= 0. Returns: the rate, a float.
    """
    learning_rate0 = _check_lr(learning_rate0, "learning_rate0")
    epoch_num = _check_epoch(epoch_num)
    decay_rate = check_range(decay_rate, "decay_rate", 0, None)
    ### BEGIN SOLUTION
    learning_rate = learning_rate0 / (1 + decay_rate * epoch_num)
    ### END SOLUTION
    return learning_rate


def schedule_lr_decay(learning_rate0: float, epoch_num: int, decay_rate: float,
                      time_interval: int = 1000) -> float:
    """Inverse-time decay in steps, once every ``time_interval`` epochs:
    ``learning_rate0 / (1 + decay_rate * floor(epoch_num / time_interval))``.

    Inputs: learning_rate0 > 0; epoch_num >= 0; decay_rate >= 0; time_interval >= 1 epochs.
    Returns: the rate, a float.
    """
    learning_rate0 = _check_lr(learning_rate0, "learning_rate0")
    epoch_num = _check_epoch(epoch_num)
    decay_rate = check_range(decay_rate, "decay_rate", 0, None)
    time_interval = check_positive_int(time_interval, "time_interval")
    ### BEGIN SOLUTION
    learning_rate = learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))
    ### END SOLUTION
    return float(learning_rate)


def _check_epoch(epoch_num: int) -> int:
    if isinstance(epoch_num, bool) or not isinstance(epoch_num, (int, np.integer)) or epoch_num < 0:
        raise ValueError(f"epoch_num must be a non-negative integer, got {epoch_num!r}")
    return int(epoch_num)


DecayFn = Callable[[float, int, float], float]

DECAYS: dict[str, DecayFn] = {"update_lr": update_lr, "schedule_lr_decay": schedule_lr_decay}

#: The keys a run of ``model_runs`` may set; another one (a misspelt "learning_rte") is refused, not ignored.
RUN_KEYS = ("optimizer", "learning_rate", "decay", "decay_rate", "beta", "beta1", "beta2")


# --- the course's mini-batch trainer -------------------------------------------------------------------------

def _check_training_inputs(X: np.ndarray, Y: np.ndarray, layers_dims: list[int]) -> tuple[np.ndarray, np.ndarray]:
    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", ndim=2)
    check_same_columns(X, Y)
    if len(layers_dims) < 2 or layers_dims[0] != X.shape[0] or layers_dims[-1] != 1:
        raise ValueError(f"layers_dims must start with n_x = {X.shape[0]} (rows of X) and end with 1, "
                         f"got {layers_dims}")
    return X, Y


def _check_optimizer(optimizer: str) -> str:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    return optimizer


OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")


def initialize_optimizer(parameters: Mapping[str, np.ndarray], optimizer: str) -> dict[str, Any]:
    """The state ``optimizer_step`` carries: {"t": 0} plus velocity (momentum), s (RMSprop) or v, s (Adam)."""
    _check_optimizer(optimizer)
    state: dict[str, Any] = {"t": 0}
    if optimizer == "momentum":
        state["v"] = initialize_velocity(parameters)
    elif optimizer == "rmsprop":
        state["s"] = initialize_rmsprop(parameters)
    elif optimizer == "adam":
        state["v"], state["s"] = initialize_adam(parameters)
    return state


def optimizer_step(optimizer: str, parameters: Params, grads: Mapping[str, np.ndarray], state: dict[str, Any],
                   learning_rate: float, beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                   epsilon: float = 1e-8) -> tuple[Params, dict[str, Any]]:
    """One update with the named rule; ``state`` from ``initialize_optimizer`` (Adam's t counts the steps from 1).

    Returns (new parameters, new state). The one dispatch the trainers and the 2-D optimizer race share.
    """
    state = dict(state, t=state["t"] + 1)
    if optimizer == "gd":
        parameters = update_parameters_with_gd(parameters, grads, learning_rate)
    elif optimizer == "momentum":
        parameters, state["v"] = update_parameters_with_momentum(parameters, grads, state["v"], beta, learning_rate)
    elif optimizer == "rmsprop":
        parameters, state["s"] = update_parameters_with_rmsprop(parameters, grads, state["s"], beta2, learning_rate,
                                                                epsilon)
    elif optimizer == "adam":
        parameters, state["v"], state["s"], _, _ = update_parameters_with_adam(
            parameters, grads, state["v"], state["s"], state["t"], learning_rate, beta1, beta2, epsilon)
    else:
        _check_optimizer(optimizer)
    return parameters, state


def model(X: np.ndarray, Y: np.ndarray, layers_dims: list[int], optimizer: str, learning_rate: float = 0.0007,
          mini_batch_size: int = 64, beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
          epsilon: float = 1e-8, num_epochs: int = 5000, print_cost: bool = False, decay: DecayFn | None = None,
          decay_rate: float = 1.0, seed: int = 10, record_every: int = 100,
          record: str = "epoch") -> tuple[Params, list[float]]:
    """The course's mini-batch trainer for [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID (``utils.deep_nn``).

    Same loop as the course: He initialization with seed 3; epoch i shuffles with seed ``seed + i + 1``;
    after epoch i a ``decay`` function (update_lr or schedule_lr_decay) sets the next learning rate to
    ``decay(learning_rate, i, decay_rate)``; Adam's t counts mini-batch steps from 1.
    Inputs:
    - X (n_x, m), Y (1, m); layers_dims [n_x, ..., 1]; optimizer in ("gd", "momentum", "rmsprop", "adam").
    - learning_rate (the initial one with decay), mini_batch_size, beta (momentum), beta1, beta2, epsilon,
      num_epochs, decay, decay_rate, seed; record_every: epochs between two recorded costs.
    - record: "epoch" (the course) or "batch": then costs holds the cost of every mini-batch step, in order
      (to see how noisy mini-batch training is), and record_every is ignored.
    Returns: (parameters, costs) with costs[k] the mean cross-entropy over the examples in epoch
    k * record_every. Raises ``DivergenceError`` when the cost becomes NaN or infinite.
    """
    from utils.deep_nn import L_model_forward, _L_model_backward_from_logits, compute_cost, initialize_parameters_deep

    dims = list(layers_dims)
    X, Y = _check_training_inputs(X, Y, dims)
    _check_optimizer(optimizer)
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    record_every = check_positive_int(record_every, "record_every")
    if record not in ("epoch", "batch"):
        raise ValueError(f"record must be 'epoch' or 'batch', got {record!r}")
    if decay is not None and not callable(decay):
        raise ValueError(f"decay must be None or a decay function (update_lr, schedule_lr_decay), got {decay!r}")
    parameters = initialize_parameters_deep(dims, init="he", seed=3)
    state = initialize_optimizer(parameters, optimizer)
    lr, lr0, m, costs = learning_rate, learning_rate, X.shape[1], []
    for i in range(num_epochs):
        cost_total = 0.0
        for mb_X, mb_Y in random_mini_batches(X, Y, mini_batch_size, seed + i + 1):
            AL, caches = L_model_forward(mb_X, parameters)
            batch_cost = compute_cost(AL, mb_Y)
            cost_total += batch_cost * mb_X.shape[1]
            if record == "batch":
                costs.append(check_finite(batch_cost, i))
            grads = _L_model_backward_from_logits(AL, mb_Y, caches)
            parameters, state = optimizer_step(optimizer, parameters, grads, state, lr, beta, beta1, beta2, epsilon)
        cost = check_finite(cost_total / m, i)
        if decay is not None:
            lr = decay(lr0, i, decay_rate)
        if i % record_every == 0:
            if record == "epoch":
                costs.append(cost)
            if print_cost:
                print(f"Cost after epoch {i}: {cost:.6f}")
    return parameters, costs


def _stacked_forward_backward(X: np.ndarray, Y: np.ndarray, P: Params, G: Params, L: int) -> np.ndarray:
    """Forward and backward pass of R networks stacked along axis 0 (W_l: (R, n_l, n_{l-1}), b_l: (R, n_l, 1)).

    The vectorized twin of ``L_model_forward`` + ``L_model_backward`` (tested equal to them run by run).
    Writes the gradients into the arrays of G (keys W1, b1, ...) and returns cost_sum (R,), the summed
    cross-entropy of each run over the batch.
    """
    from scipy.special import expit

    b = X.shape[1]
    A, cache = X, []
    for l in range(1, L + 1):
        Z = P[f"W{l}"] @ A + P[f"b{l}"]
        cache.append((A, Z))
        A = np.maximum(Z, 0.0) if l < L else expit(Z)
    ZL = cache[-1][1]
    cost_sum = np.sum(np.logaddexp(0.0, ZL) - Y * ZL, axis=(1, 2))  # cross-entropy from the logits
    dZ = A - Y
    for l in range(L, 0, -1):
        A_prev, Z = cache[l - 1]
        G[f"W{l}"][...] = dZ @ np.swapaxes(A_prev, -1, -2) / b
        G[f"b{l}"][...] = dZ.sum(axis=-1, keepdims=True) / b
        if l > 1:
            dZ = (np.swapaxes(P[f"W{l}"], -1, -2) @ dZ) * (cache[l - 2][1] > 0)
    return cost_sum


def model_runs(X: np.ndarray, Y: np.ndarray, layers_dims: list[int], runs: list[Mapping],
               mini_batch_size: int = 64, beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
               epsilon: float = 1e-8, num_epochs: int = 5000, seed: int = 10,
               record_every: int = 100) -> tuple[list[Params], np.ndarray]:
    """Run several configurations of ``model`` at once, vectorized: same data, same initialization, same
    mini-batches (as in the course, where every run reshuffles with the same seeds).

    The R networks are stacked along a first axis and each run's parameters live in one row of a flat
    (R, number of parameters) buffer (the weights are views into it). Each step does one forward/backward pass
    for all runs, then calls the update rules of this module once per optimizer, on the block of rows that
    use it, with one learning rate per run. Equal to calling ``model`` once per run (tested), several times
    faster. (Its costs come from the logits: where a sigmoid saturates on a wrong answer, ``model``'s
    ``compute_cost`` gives inf and raises ``DivergenceError``, ``model_runs`` records a large finite cost.)
    Inputs: as ``model``; runs: list of dicts with "optimizer" and optionally "learning_rate" (0.0007),
    "decay" (None or a decay function), "decay_rate" (1.0), and "beta", "beta1", "beta2" to override the
    shared values for that run (for hyperparameter searches).
    Returns: (list of R parameter dicts, costs of shape (R, number of recorded epochs)).
    """
    from utils.deep_nn import initialize_parameters_deep

    dims = list(layers_dims)
    X, Y = _check_training_inputs(X, Y, dims)
    if not runs:
        raise ValueError("runs is empty: give a list of dicts like {'optimizer': 'adam'}")
    for j, r in enumerate(runs):
        check_keys(r, f"runs[{j}]", required=("optimizer",), allowed=RUN_KEYS)
        if r.get("decay") is not None and not callable(r["decay"]):
            raise ValueError(f"runs[{j}]['decay'] must be None or a decay function (update_lr, schedule_lr_decay), "
                             f"got {r['decay']!r}")
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    record_every = check_positive_int(record_every, "record_every")
    order = sorted(range(len(runs)), key=lambda j: OPTIMIZERS.index(_check_optimizer(runs[j]["optimizer"])))
    runs = [runs[j] for j in order]  # runs of one optimizer are now a contiguous block of rows
    R, L, m = len(runs), len(dims) - 1, X.shape[1]
    init = initialize_parameters_deep(dims, init="he", seed=3)
    flat, P = _flat_views(init, R)
    flat_grad, G = _flat_views({k: np.zeros_like(w) for k, w in init.items()}, R)
    lr0 = np.array([_check_lr(r.get("learning_rate", 0.0007)) for r in runs], dtype=np.float64)
    lr = lr0.copy()
    blocks = {}
    for name in OPTIMIZERS:
        rows = [j for j, r in enumerate(runs) if r["optimizer"] == name]
        if rows:
            blocks[name] = slice(rows[0], rows[-1] + 1)
    state = {name: initialize_adam({"theta": flat[sl]}) for name, sl in blocks.items()}
    shared = {"beta": beta, "beta1": beta1, "beta2": beta2}
    betas = {name: tuple(_check_beta(np.array([r.get(key, shared[key]) for r in runs[sl]])[:, None], key)
                         for key in ("beta", "beta1", "beta2")) for name, sl in blocks.items()}
    t, costs = 0, []
    for i in range(num_epochs):
        cost_total = np.zeros(R)
        for mb_X, mb_Y in random_mini_batches(X, Y, mini_batch_size, seed + i + 1):
            cost_total += _stacked_forward_backward(mb_X, mb_Y[None], P, G, L)
            t += 1
            for name, sl in blocks.items():
                params, g, rate = {"theta": flat[sl]}, {"dtheta": flat_grad[sl]}, lr[sl, None]
                b, b1, b2 = betas[name]
                v, s = state[name]
                if name == "gd":
                    new = update_parameters_with_gd(params, g, rate)
                elif name == "momentum":
                    new, v = update_parameters_with_momentum(params, g, v, b, rate)
                elif name == "rmsprop":
                    new, s = update_parameters_with_rmsprop(params, g, s, b2, rate, epsilon)
                else:
                    new, v, s, _, _ = update_parameters_with_adam(params, g, v, s, t, rate, b1, b2, epsilon)
                state[name] = (v, s)
                flat[sl] = new["theta"]
        for j in np.flatnonzero(~np.isfinite(cost_total)):
            check_finite(cost_total[j], i, hint=f"the {runs[j]['optimizer']} run with learning_rate "
                                                f"{lr0[j]:g} diverged: try a smaller learning rate")
        for j, r in enumerate(runs):
            if r.get("decay") is not None:
                lr[j] = r["decay"](lr0[j], i, r.get("decay_rate", 1.0))
        if i % record_every == 0:
            costs.append(cost_total / m)
    unsort = np.argsort(order)
    return [{k: w[j].copy() for k, w in P.items()} for j in unsort], np.array(costs).T[unsort]


def _flat_views(template: Params, R: int) -> tuple[np.ndarray, Params]:
    """A (R, total size) buffer holding R copies of ``template``, and views of it shaped (R, *shape) per key."""
    sizes = [w.size for w in template.values()]
    flat = np.concatenate([np.tile(w.ravel(), (R, 1)) for w in template.values()], axis=1)
    views, offset = {}, 0
    for (k, w), size in zip(template.items(), sizes):
        views[k] = flat[:, offset:offset + size].reshape(R, *w.shape)
        offset += size
    return flat, views
