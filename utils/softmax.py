"""Course 2 week 3: softmax regression and a softmax-output network, in numpy (columns are examples).

A C-class problem stores labels one-hot, Y of shape (C, m). The network is ``utils.deep_nn``'s hidden layers
[LINEAR -> RELU] * (L-1) followed by LINEAR -> SOFTMAX; with L = 1 it is softmax regression. With the
cross-entropy cost J = -1/m sum_i sum_c Y[c, i] log AL[c, i], the output layer's gradient is dZL = AL - Y
(then ``linear_backward`` averages over the m examples), the same form as for the sigmoid.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.deep_nn import linear_activation_backward, linear_activation_forward, linear_backward, num_layers
from utils.validation import as_array, check_positive_int, check_probabilities, check_same_columns

Parameters = dict[str, np.ndarray]


def softmax(Z: Any) -> np.ndarray:
    """Column-wise softmax exp(Z) / sum(exp(Z)) over the C rows, computed stably (max subtracted).

    Inputs: Z of shape (C, m). Returns: A of shape (C, m), each column non-negative and summing to 1.
    """
    Z = as_array(Z, "Z", ndim=2)
    ### BEGIN SOLUTION
    t = np.exp(Z - np.max(Z, axis=0, keepdims=True))  # subtract each column's max: exp never overflows
    A = t / np.sum(t, axis=0, keepdims=True)
    ### END SOLUTION
    return A


def one_hot(labels: Any, C: int) -> np.ndarray:
    """Labels of shape (m,) or (1, m) with values in 0..C-1 -> one-hot matrix Y of shape (C, m) (float).

    Column i of Y is example i: 1 in row labels[i], 0 elsewhere.
    """
    C = check_positive_int(C, "C")
    y = np.asarray(labels).reshape(-1)
    if y.size and (not np.issubdtype(y.dtype, np.integer) and not np.all(y == np.round(y))):
        raise ValueError("labels must be integers 0..C-1")
    labels = y.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= C):
        raise ValueError(f"labels must lie in 0..{C - 1}, got values from {labels.min()} to {labels.max()}")
    m = labels.size
    ### BEGIN SOLUTION
    Y = np.zeros((C, m))
    Y[labels, np.arange(m)] = 1.0  # column i gets its 1 in row labels[i]
    ### END SOLUTION
    return Y


def softmax_cost(AL: Any, Y: Any) -> float:
    """Cross-entropy J = -1/m sum_i sum_c Y[c, i] log AL[c, i].

    Inputs: AL, the softmax probabilities, and one-hot Y, both (C, m). Returns: cost, a float.
    """
    AL = check_probabilities(as_array(AL, "AL", ndim=2), "AL")
    Y = as_array(Y, "Y", shape=AL.shape)
    m = AL.shape[1]
    with np.errstate(divide="ignore"):
        log_AL = np.where(Y > 0, np.log(AL), 0.0)  # log of the probabilities; 0 where Y = 0 (no 0 * log 0 = nan)
    ### BEGIN SOLUTION
    cost = -np.sum(Y * log_AL) / m
    ### END SOLUTION
    return float(cost)


def softmax_model_forward(X: Any, parameters: Parameters) -> tuple[np.ndarray, list]:
    """Forward pass of [LINEAR -> RELU] * (L-1) -> LINEAR -> SOFTMAX.

    Inputs: X (n_x, m); parameters W1, b1, ..., WL, bL with WL of shape (C, n_{L-1}).
    Returns: AL (C, m) class probabilities, and the list of L caches (the last one is (linear_cache, ZL)).
    """
    L = num_layers(parameters)
    A = as_array(X, "X", shape=(parameters["W1"].shape[1], None))
    caches = []
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    ZL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "linear")
    caches.append(cache)
    return softmax(ZL), caches


def softmax_model_backward(AL: Any, Y: Any, caches: list) -> dict[str, np.ndarray]:
    """Backward pass of ``softmax_model_forward`` with the cross-entropy cost.

    Inputs: AL (C, m); one-hot Y (C, m); caches from the forward pass.
    Returns: grads dA0.., dW1.., db1.. (dZL = AL - Y at the output).
    """
    AL = as_array(AL, "AL", ndim=2)
    Y = as_array(Y, "Y", shape=AL.shape)
    L = len(caches)
    grads: dict[str, np.ndarray] = {}
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(AL - Y, caches[-1][0])
    for l in range(L - 1, 0, -1):
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            grads[f"dA{l}"], caches[l - 1], "relu")
    return grads


def predict_classes(X: Any, parameters: Parameters) -> np.ndarray:
    """The most probable class of each column of X: an int array of shape (m,)."""
    AL, _ = softmax_model_forward(X, parameters)
    return np.argmax(AL, axis=0)


def class_accuracy(labels_hat: Any, labels: Any) -> float:
    """Percentage of equal entries of two label arrays of shape (m,)."""
    a, b = np.asarray(labels_hat).reshape(-1), np.asarray(labels).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"got {a.size} predictions for {b.size} labels")
    return float(100.0 * np.mean(a == b))


def digits_dataset(test_size: int = 297, seed: int = 0) -> tuple[np.ndarray, ...]:
    """scikit-learn's digits in Course 2 layout: pixels scaled to [0, 1] and stacked as columns.

    Returns: X_train (64, m_train), Y_train one-hot (10, m_train), X_test (64, test_size), Y_test (10, test_size),
    labels_train (m_train,), labels_test (test_size,), split with a seeded permutation.
    """
    from utils.data import load_digits

    images, labels = load_digits()
    test_size = check_positive_int(test_size, "test_size")
    if test_size >= labels.size:
        raise ValueError(f"test_size must be below {labels.size}, got {test_size}")
    X = images.reshape(len(images), -1).T / 16.0
    perm = np.random.RandomState(seed).permutation(labels.size)
    test, train = perm[:test_size], perm[test_size:]
    Y = one_hot(labels, 10)
    check_same_columns(X, Y)
    return X[:, train], Y[:, train], X[:, test], Y[:, test], labels[train], labels[test]
