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

from utils.validation import as_array, check_range

BNCache = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def init_bn_param(n: int, eps: float = 1e-5, momentum: float = 0.9) -> dict[str, Any]:
    """A fresh ``bn_param`` for a layer of n units: mode "train", running_mean 0 and running_var 1, shape (n, 1)."""
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
        mu = x.mean(axis=1, keepdims=True)
        xc = x - mu
        var = np.mean(xc ** 2, axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = xc * inv_std
        out = gamma * x_hat + beta
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
        return out, (x_hat, xc, inv_std, gamma, eps)
    x_hat = (x - running_mean) / np.sqrt(running_var + eps)
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return gamma * x_hat + beta, None


def batchnorm_backward(dout: np.ndarray, cache: BNCache | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of batch normalization (train mode), in the compact form.

    Inputs:
    - dout: upstream gradient, shape (n, m).
    - cache: from batchnorm_forward in train mode.
    Returns: (dx (n, m), dgamma (n, 1), dbeta (n, 1)), with
    ``dx = inv_std / m * (m * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))``, sums over examples.
    """
    if cache is None:
        raise ValueError("cache is None: batchnorm_backward needs the cache of a train-mode forward pass")
    x_hat, _, inv_std, gamma, _ = cache
    dout = as_array(dout, "dout", shape=x_hat.shape)
    m = dout.shape[1]
    dbeta = dout.sum(axis=1, keepdims=True)
    dgamma = np.sum(dout * x_hat, axis=1, keepdims=True)
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))
    return dx, dgamma, dbeta
