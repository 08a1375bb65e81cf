"""Course 2 week 3: batch normalization from scratch, with running averages for inference.

Axis convention (Courses 1-2: examples are columns). ``x`` has shape (n, m): n units (features) of one
layer, m examples of the mini-batch. Batch norm normalizes **each row** (each unit) over the **examples**,
i.e. along ``axis=1``, and learns one ``gamma`` and one ``beta`` per unit, shape (n, 1)::

    mu = mean(x, axis=1)        var = mean((x - mu)**2, axis=1)     (the biased variance, as Keras uses)
    x_hat = (x - mu) / sqrt(var + eps)        out = gamma * x_hat + beta

``keras.layers.BatchNormalization`` stores examples as rows, (m, n), and normalizes over the batch axis with
one gamma/beta per feature (its default ``axis=-1``): so ``batchnorm_forward(x, ...)`` equals
``BatchNormalization(epsilon=eps, momentum=momentum)(x.T).T``. Its running averages follow the same rule,
``running = momentum * running + (1 - momentum) * batch_statistic``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.validation import as_array, check_keys, check_layer_parameters, check_positive_int, check_range

BNCache = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


#: The keys a ``bn_param`` may hold; any other (a misspelt "momentun") is refused, not ignored.
BN_PARAM_KEYS = ("mode", "eps", "momentum", "running_mean", "running_var")


def init_bn_param(n: int, eps: float = 1e-5, momentum: float = 0.9) -> dict[str, Any]:
    """A fresh ``bn_param`` for a layer of n units: mode "train", running_mean 0 and running_var 1, shape (n, 1).

    Inputs: n >= 1 units; eps > 0; momentum in [0, 1].
    """
    n = check_positive_int(n, "n")
    eps = check_range(eps, "eps", 0, None, low_inclusive=False)
    momentum = check_range(momentum, "momentum", 0, 1)
    return {"mode": "train", "eps": eps, "momentum": momentum,
            "running_mean": np.zeros((n, 1)), "running_var": np.ones((n, 1))}


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                      bn_param: dict[str, Any]) -> tuple[np.ndarray, BNCache | None]:
    """Batch normalization of each unit (row) over the examples (columns).

    Inputs:
    - x: pre-activations of shape (n, m), examples are columns.
    - gamma, beta: scale and shift, shape (n, 1).
    - bn_param: dict with "mode" ("train" or "test"); optional "eps" (default 1e-5), "momentum" (0.9),
      "running_mean" and "running_var" (n, 1) (created as 0 and 1 when missing). In train mode the batch
      statistics normalize x and update the running averages **in bn_param**; in test mode the running
      averages normalize x (so one example at a time gives the same answer as a whole batch).
    Returns: (out (n, m), cache); cache is None in test mode (no backward at inference).
    """
    x = as_array(x, "x", ndim=2)
    n = x.shape[0]
    gamma = as_array(gamma, "gamma", shape=(n, 1))
    beta = as_array(beta, "beta", shape=(n, 1))
    check_keys(bn_param, "bn_param", allowed=BN_PARAM_KEYS)
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = check_range(bn_param.get("eps", 1e-5), "bn_param['eps']", 0, None, low_inclusive=False)
    momentum = check_range(bn_param.get("momentum", 0.9), "bn_param['momentum']", 0, 1)
    running_mean = as_array(bn_param.get("running_mean", np.zeros((n, 1))), "bn_param['running_mean']",
                            shape=(n, 1))
    running_var = as_array(bn_param.get("running_var", np.ones((n, 1))), "bn_param['running_var']", shape=(n, 1))
    if mode == "train":
        if x.shape[1] < 1:
            raise ValueError(f"x must hold at least one example (column), got shape {x.shape}")
        ### BEGIN SOLUTION
        mu = np.mean(x, axis=1, keepdims=True)               # (n, 1): the mean of each unit over the examples
        var = np.mean((x - mu) ** 2, axis=1, keepdims=True)  # (n, 1): its (biased) variance
        x_hat = (x - mu) / np.sqrt(var + eps)
        out = gamma * x_hat + beta
        ### END SOLUTION
        # the running averages that test mode normalizes with
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
        cache = (x_hat, x - mu, 1.0 / np.sqrt(var + eps), gamma, eps)
        return out, cache
    # test mode: normalize with the running averages
    ### BEGIN SOLUTION
    x_hat = (x - running_mean) / np.sqrt(running_var + eps)
    out = gamma * x_hat + beta
    ### END SOLUTION
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, None


def batchnorm_backward(dout: np.ndarray, cache: BNCache | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of batch normalization (train mode), in the compact form.

    Inputs:
    - dout: upstream gradient, shape (n, m).
    - cache: from batchnorm_forward in train mode.
    - cache: (x_hat, x - mu, inv_std, gamma, eps) from batchnorm_forward in train mode; inv_std = 1 / sqrt(var + eps),
      all (n, m) or (n, 1).
    Returns: (dx (n, m), dgamma (n, 1), dbeta (n, 1)), with dx_hat = dout * gamma and
    ``dx = inv_std / m * (m * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))``, sums over the examples
    (axis 1, keepdims).
    """
    if cache is None:
        raise ValueError("cache is None: batchnorm_backward needs the cache of a train-mode forward pass")
    x_hat, xc, inv_std, gamma, eps = cache
    dout = as_array(dout, "dout", shape=x_hat.shape)
    m = dout.shape[1]
    ### BEGIN SOLUTION
    dbeta = np.sum(dout, axis=1, keepdims=True)
    dgamma = np.sum(dout * x_hat, axis=1, keepdims=True)
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - np.sum(dx_hat, axis=1, keepdims=True)
                        - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))
    ### END SOLUTION
    return dx, dgamma, dbeta



def running_statistics(batches: np.ndarray, momentum: float = 0.9, eps: float = 1e-5) -> dict[str, np.ndarray]:
    """Feed one unit's pre-activations, batch after batch, through ``batchnorm_forward`` in train mode.

    Inputs: batches (steps, m), row t the unit's values on the m examples of step t; momentum and eps of the
    layer (``init_bn_param``: the running mean starts at 0, the running variance at 1).
    Returns: dict of arrays (steps,): "batch_mean" and "batch_var" (the statistics that normalize step t's
    batch) and "running_mean" and "running_var" (the averages after step t, what test mode would use).
    """
    batches = as_array(batches, "batches", ndim=2)
    if batches.shape[1] < 2:
        raise ValueError(f"batches must have at least 2 examples per batch (shape (steps, m >= 2)), got "
                         f"{batches.shape}: a batch of {batches.shape[1]} example has variance 0, every normalized "
                         f"value would be 0 (x - mu = 0)")
    bn_param = init_bn_param(1, eps=eps, momentum=momentum)
    one, zero = np.ones((1, 1)), np.zeros((1, 1))
    out = {k: np.empty(batches.shape[0]) for k in ("batch_mean", "batch_var", "running_mean", "running_var")}
    for t, row in enumerate(batches):
        batchnorm_forward(row[None, :], one, zero, bn_param)  # train mode: updates the running averages
        out["batch_mean"][t], out["batch_var"][t] = row.mean(), row.var()  # what normalized this batch
        out["running_mean"][t], out["running_var"][t] = bn_param["running_mean"][0, 0], bn_param["running_var"][0, 0]
    return out

# --- a deep softmax network with batch norm in every hidden layer ---------------------------------------------

def initialize_bn_network(layers_dims: list[int], batchnorm: bool = True, seed: int = 3) -> dict[str, np.ndarray]:
    """He-initialized weights for [LINEAR -> (BN) -> RELU] * (L-1) -> LINEAR -> SOFTMAX.

    With batchnorm, hidden layer l has W_l, gamma_l (ones) and beta_l (zeros), shape (n_l, 1), and no bias
    (BN's beta takes its role: a bias would be subtracted away with the mean); the output layer has W_L, b_L.
    Without, every layer has W_l and b_l (zeros). Both draw the same W's from ``seed``.
    """
    from utils.deep_nn import initialize_parameters_deep
    from utils.initialization import check_layers_dims

    layers_dims = check_layers_dims(layers_dims)
    base = initialize_parameters_deep(layers_dims, init="he", seed=seed)
    L = len(layers_dims) - 1
    if not batchnorm:
        return base
    params: dict[str, np.ndarray] = {}
    for l in range(1, L):
        params[f"W{l}"] = base[f"W{l}"]
        params[f"gamma{l}"] = np.ones((layers_dims[l], 1))
        params[f"beta{l}"] = np.zeros((layers_dims[l], 1))
    params[f"W{L}"], params[f"b{L}"] = base[f"W{L}"], base[f"b{L}"]
    return params


def bn_model_forward(X: np.ndarray, parameters: dict[str, np.ndarray], bn_params: list[dict[str, Any]] | None,
                     ) -> tuple[np.ndarray, list]:
    """Forward pass of [LINEAR -> BN -> RELU] * (L-1) -> LINEAR -> SOFTMAX (plain hidden layers when bn_params
    is None: then ``utils.softmax.softmax_model_forward``).

    Inputs: X (n_x, m); parameters from ``initialize_bn_network``; bn_params: one dict per hidden layer
    (``init_bn_param``), whose "mode" selects train (batch statistics) or test (running averages).
    Returns: (AL (C, m), caches).
    """
    from utils.activations import relu
    from utils.deep_nn import linear_forward
    from utils.softmax import softmax, softmax_model_forward

    if bn_params is None:
        return softmax_model_forward(X, parameters)
    if not isinstance(bn_params, (list, tuple)):
        raise ValueError(f"bn_params must be a list of one bn_param dict per hidden layer, "
                         f"got {type(bn_params).__name__}")
    L = len(bn_params) + 1
    hidden = check_layer_parameters(parameters, "parameters", biases=()) - 1
    if hidden != len(bn_params):
        raise ValueError(f"bn_params must hold one dict per hidden layer: parameters has {hidden} hidden layers, "
                         f"got {len(bn_params)} bn_params")
    for l in range(1, L):
        check_keys(parameters, "parameters", required=(f"W{l}", f"gamma{l}", f"beta{l}"))
    check_keys(parameters, "parameters", required=(f"W{L}", f"b{L}"))
    A, caches = as_array(X, "X", ndim=2), []
    for l in range(1, L):
        W = parameters[f"W{l}"]
        Z, linear_cache = linear_forward(A, W, np.zeros((W.shape[0], 1)))
        Z_tilde, bn_cache = batchnorm_forward(Z, parameters[f"gamma{l}"], parameters[f"beta{l}"], bn_params[l - 1])
        A = relu(Z_tilde)
        caches.append((linear_cache, bn_cache, Z_tilde))
    ZL, linear_cache = linear_forward(A, parameters[f"W{L}"], parameters[f"b{L}"])
    caches.append(linear_cache)
    return softmax(ZL), caches


def bn_model_backward(AL: np.ndarray, Y: np.ndarray, caches: list, batchnorm: bool = True) -> dict[str, np.ndarray]:
    """Backward pass of ``bn_model_forward`` (train mode) with the cross-entropy cost; Y one-hot (C, m).

    Returns: grads dW_l, dgamma_l, dbeta_l for the hidden layers and dW_L, db_L (or dW_l, db_l for every layer
    without batch norm, from ``utils.softmax.softmax_model_backward``).
    """
    from utils.activations import relu_backward
    from utils.deep_nn import linear_backward
    from utils.softmax import softmax_model_backward

    if not batchnorm:
        return softmax_model_backward(AL, Y, caches)
    AL = as_array(AL, "AL", ndim=2)
    Y = as_array(Y, "Y", shape=AL.shape)
    L = len(caches)
    grads: dict[str, np.ndarray] = {}
    dA, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(AL - Y, caches[-1])
    for l in range(L - 1, 0, -1):
        linear_cache, bn_cache, Z_tilde = caches[l - 1]
        # As in utils.deep_nn, the dA's and dZ's are per-example gradients (m times those of the mean cost):
        # linear_backward divides dW by m, so divide dgamma and dbeta by m here.
        dZ, dgamma, dbeta = batchnorm_backward(relu_backward(dA, Z_tilde), bn_cache)
        m = dZ.shape[1]
        grads[f"dgamma{l}"], grads[f"dbeta{l}"] = dgamma / m, dbeta / m
        dA, grads[f"dW{l}"], _ = linear_backward(dZ, linear_cache)
    return grads


def train_deep_net(X: np.ndarray, Y: np.ndarray, layers_dims: list[int], batchnorm: bool = True,
                   learning_rate: float = 0.1, num_epochs: int = 10, mini_batch_size: int = 64,
                   momentum: float = 0.9, seed: int = 3) -> tuple[dict[str, np.ndarray], list | None, list[float]]:
    """Mini-batch gradient descent on [LINEAR -> (BN) -> RELU] * (L-1) -> LINEAR -> SOFTMAX.

    Inputs: X (n_x, m); Y one-hot (C, m); layers_dims [n_x, ..., C]; batchnorm on or off; learning_rate;
    num_epochs; mini_batch_size; momentum: the running-average momentum of batch norm; seed (weights and
    shuffling; the same weights with and without batch norm).
    Returns: (parameters, bn_params switched to "test" mode (None without batch norm), cost of every
    mini-batch step). Raises ``DivergenceError`` when the cost becomes NaN or infinite.
    """
    from utils.optimizers import random_mini_batches, update_parameters_with_gd
    from utils.softmax import softmax_cost
    from utils.validation import check_finite

    X = as_array(X, "X", ndim=2)
    Y = as_array(Y, "Y", shape=(layers_dims[-1], X.shape[1]))
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    learning_rate = check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False)
    mini_batch_size = check_positive_int(mini_batch_size, "mini_batch_size")
    parameters = initialize_bn_network(layers_dims, batchnorm, seed)
    bn_params = [init_bn_param(n, momentum=momentum) for n in layers_dims[1:-1]] if batchnorm else None
    costs: list[float] = []
    for epoch in range(num_epochs):
        for mb_X, mb_Y in random_mini_batches(X, Y, mini_batch_size, seed + epoch):
            AL, caches = bn_model_forward(mb_X, parameters, bn_params)
            costs.append(check_finite(softmax_cost(AL, mb_Y), len(costs)))
            grads = bn_model_backward(AL, mb_Y, caches, batchnorm)
            parameters = update_parameters_with_gd(parameters, grads, learning_rate)
    if bn_params is not None:
        for p in bn_params:
            p["mode"] = "test"
    return parameters, bn_params, costs
