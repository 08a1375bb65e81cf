"""Caches are the contract: every backward pass of Courses 1, 2 and 4 reads exactly the cache entries the
course's formula reads.

The course's own test cases hand a backward function caches that no forward pass produced (a random A1 next
to a random Z1, an AL outside (0, 1), ...). Each test here builds such an *inconsistent* cache and compares
the workbook's function with a plain transcription of the course's formula, written out below.
"""

import numpy as np
import pytest

from utils.activations import relu_backward, sigmoid_backward
from utils.batchnorm import batchnorm_backward, bn_model_backward
from utils.conv import conv_backward, conv_backward_naive, pool_backward, pool_backward_naive
from utils.deep_nn import L_model_backward, linear_activation_backward, linear_backward
from utils.regularization import backward_propagation_with_dropout, backward_propagation_with_regularization
from utils.shallow_nn import backward_propagation
from utils.softmax import softmax_model_backward


def randn(rs, *shape):
    return rs.randn(*shape)


# --- plain transcriptions of the course's formulas -----------------------------------------------------------

def course_sigmoid_backward(dA, Z):
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def course_relu_backward(dA, Z):
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def course_linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def course_linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = course_relu_backward(dA, activation_cache)
    else:
        dZ = course_sigmoid_backward(dA, activation_cache)
    return course_linear_backward(dZ, linear_cache)


def course_L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = course_linear_activation_backward(
        dAL, caches[L - 1], "sigmoid")
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = course_linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads


def course_shallow_backward(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def course_dropout_backward(X, Y, cache, keep_prob, lambd=0.0):
    """The course's 3-layer backward with dropout masks D1, D2 (and L2 when lambd > 0)."""
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
    m = X.shape[1]
    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T) + lambd / m * W3
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    if D2 is not None:
        dA2 = dA2 * D2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T) + lambd / m * W2
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    if D1 is not None:
        dA1 = dA1 * D1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T) + lambd / m * W1
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
            "dZ1": dZ1, "dW1": dW1, "db1": db1}


def assert_grads(got, want, keys):
    for k in keys:
        assert got[k].shape == want[k].shape, k
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-12, err_msg=k)


# --- Course 1 ------------------------------------------------------------------------------------------------

def test_sigmoid_and_relu_backward_read_the_cached_Z():
    rs = np.random.RandomState(2)
    dA, Z = randn(rs, 1, 2), randn(rs, 1, 2)
    np.testing.assert_allclose(sigmoid_backward(dA, Z), course_sigmoid_backward(dA, Z), rtol=1e-12)
    np.testing.assert_array_equal(relu_backward(dA, Z), course_relu_backward(dA, Z))
    Z[0, 0] = 0.0  # the course's slope at 0 is 0
    np.testing.assert_array_equal(relu_backward(dA, Z), course_relu_backward(dA, Z))


def test_linear_backward_reads_the_cached_A_prev_and_W():
    rs = np.random.RandomState(1)
    dZ = randn(rs, 3, 4)
    cache = (randn(rs, 5, 4), randn(rs, 3, 5), randn(rs, 3, 1))
    for got, want in zip(linear_backward(dZ, cache), course_linear_backward(dZ, cache)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_linear_activation_backward_reads_the_cached_Z_not_W_A_plus_b(activation):
    rs = np.random.RandomState(2)
    dA = randn(rs, 1, 2)
    cache = ((randn(rs, 3, 2), randn(rs, 1, 3), randn(rs, 1, 1)), randn(rs, 1, 2))  # Z unrelated to W A + b
    got = linear_activation_backward(dA, cache, activation)
    for g, w in zip(got, course_linear_activation_backward(dA, cache, activation)):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_L_model_backward_takes_the_courses_dAL_route_through_the_cached_Z():
    rs = np.random.RandomState(3)
    AL = randn(rs, 1, 2)  # not even in (0, 1): the course's test case draws it with randn
    Y = np.array([[1, 0]])
    caches = [((randn(rs, 4, 2), randn(rs, 3, 4), randn(rs, 3, 1)), randn(rs, 3, 2)),
              ((randn(rs, 3, 2), randn(rs, 1, 3), randn(rs, 1, 1)), randn(rs, 1, 2))]
    want = course_L_model_backward(AL, Y, caches)
    assert_grads(L_model_backward(AL, Y, caches), want, ["dA0", "dA1", "dW1", "dW2", "db1", "db2"])
    # The shortcut dZL = AL - Y would differ here: the cached Z2 is not the logit of AL.
    assert not np.allclose(L_model_backward(AL, Y, caches)["dW2"], course_linear_backward(AL - Y, caches[1][0])[1])


def test_L_model_backward_refuses_an_AL_it_would_divide_by_zero_with():
    rs = np.random.RandomState(0)
    caches = [((randn(rs, 3, 2), randn(rs, 1, 3), randn(rs, 1, 1)), randn(rs, 1, 2))]
    with pytest.raises(ValueError, match=r"AL must not contain exactly 0 or 1.*\[1\.0\]"):
        L_model_backward(np.array([[1.0, 0.5]]), np.array([[1, 0]]), caches)


@pytest.mark.parametrize("keys", [("Z1", "A1", "Z2", "A2"), ("A1", "A2")])
def test_shallow_backward_propagation_reads_A1_and_A2_not_Z1(keys):
    rs = np.random.RandomState(1)
    X = randn(rs, 3, 7)
    Y = randn(rs, 1, 7) > 0  # bool labels, as the course's test
    parameters = {"W1": randn(rs, 9, 3), "W2": randn(rs, 1, 9), "b1": np.zeros((9, 1)), "b2": np.zeros((1, 1))}
    full = {"A1": randn(rs, 9, 7), "A2": randn(rs, 1, 7), "Z1": randn(rs, 9, 7), "Z2": randn(rs, 1, 7)}
    cache = {k: full[k] for k in keys}
    want = course_shallow_backward(parameters, cache, X, Y)
    assert_grads(backward_propagation(parameters, cache, X, Y), want, ["dW1", "db1", "dW2", "db2"])


def test_shallow_backward_propagation_other_activations_use_the_cached_A1_too():
    rs = np.random.RandomState(4)
    X, Y = randn(rs, 2, 5), (randn(rs, 1, 5) > 0)
    parameters = {"W1": randn(rs, 3, 2), "W2": randn(rs, 1, 3), "b1": np.zeros((3, 1)), "b2": np.zeros((1, 1))}
    A1 = np.abs(randn(rs, 3, 5)) * np.where(randn(rs, 3, 5) > 0, 1, -0.01)  # what a leaky ReLU could output
    cache = {"A1": A1, "A2": randn(rs, 1, 5), "Z1": randn(rs, 3, 5)}
    slopes = {"relu": (A1 > 0) * 1.0, "leaky_relu": np.where(A1 > 0, 1.0, 0.01), "sigmoid": A1 * (1 - A1),
              "linear": np.ones_like(A1)}
    for activation, slope in slopes.items():
        dZ1 = parameters["W2"].T @ (cache["A2"] - Y) * slope
        grads = backward_propagation(parameters, cache, X, Y, activation)
        np.testing.assert_allclose(grads["dW1"], dZ1 @ X.T / 5, rtol=1e-12, err_msg=activation)


# --- Course 2 ------------------------------------------------------------------------------------------------

def random_three_layer_cache(rs, keep_prob):
    """The course's 3-layer cache of random arrays (with random masks), and the same in this workbook's layout."""
    X = randn(rs, 3, 5)
    W1, b1, W2, b2, W3, b3 = randn(rs, 2, 3), randn(rs, 2, 1), randn(rs, 3, 2), randn(rs, 3, 1), randn(rs, 1, 3), \
        randn(rs, 1, 1)
    Z1, A1, Z2, A2, Z3, A3 = randn(rs, 2, 5), randn(rs, 2, 5), randn(rs, 3, 5), randn(rs, 3, 5), randn(rs, 1, 5), \
        rs.rand(1, 5)
    D1, D2 = (rs.rand(2, 5) < keep_prob, rs.rand(3, 5) < keep_prob) if keep_prob < 1 else (None, None)
    course = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
    ours = (A3, [((X, W1, b1), Z1), ((A1, W2, b2), Z2), ((A2, W3, b3), Z3)], [D1, D2, None], keep_prob)
    return X, course, ours


def test_backward_propagation_with_dropout_uses_the_cached_masks_and_A():
    rs = np.random.RandomState(1)
    X, course, ours = random_three_layer_cache(rs, 0.8)
    Y = np.array([[1, 1, 0, 1, 0]])
    want = course_dropout_backward(X, Y, course, 0.8)
    got = backward_propagation_with_dropout(X, Y, ours, 0.8)
    assert_grads(got, want, ["dW1", "dW2", "dW3", "db1", "db2", "db3"])
    # The workbook's dA_l is the gradient of the layer's (dropped-out) output, before the mask; the course
    # stores dA_l after its mask and 1 / keep_prob.
    for l, D in ((1, course[1]), (2, course[6])):
        np.testing.assert_allclose(got[f"dA{l}"] * D / 0.8, want[f"dA{l}"], rtol=1e-12, atol=1e-12)


def test_backward_propagation_with_regularization_uses_the_cached_W_and_A():
    rs = np.random.RandomState(2)
    X, course, ours = random_three_layer_cache(rs, 1.0)
    Y = np.array([[1, 1, 0, 1, 0]])
    want = course_dropout_backward(X, Y, course, 1.0, lambd=0.7)
    assert_grads(backward_propagation_with_regularization(X, Y, ours, 0.7), want,
                 ["dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"])


def course_batchnorm_backward(dout, x_hat, inv_std, gamma):
    m = dout.shape[1]
    dbeta = np.sum(dout, axis=1, keepdims=True)
    dgamma = np.sum(dout * x_hat, axis=1, keepdims=True)
    dx_hat = dout * gamma
    dx = inv_std / m * (m * dx_hat - np.sum(dx_hat, axis=1, keepdims=True)
                        - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))
    return dx, dgamma, dbeta


def test_batchnorm_backward_reads_x_hat_inv_std_and_gamma_from_the_cache():
    rs = np.random.RandomState(5)
    dout, x_hat, xc = randn(rs, 4, 6), randn(rs, 4, 6), randn(rs, 4, 6)  # x_hat not normalized, xc unrelated
    inv_std, gamma = rs.rand(4, 1) + 0.5, randn(rs, 4, 1)
    got = batchnorm_backward(dout, (x_hat, xc, inv_std, gamma, 1e-5))
    for g, w in zip(got, course_batchnorm_backward(dout, x_hat, inv_std, gamma)):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_bn_model_backward_goes_through_each_layers_cache():
    rs = np.random.RandomState(6)
    m = 4
    bn_cache = (randn(rs, 3, m), randn(rs, 3, m), rs.rand(3, 1) + 0.5, randn(rs, 3, 1), 1e-5)
    caches = [((randn(rs, 2, m), randn(rs, 3, 2), np.zeros((3, 1))), bn_cache, randn(rs, 3, m)),
              (randn(rs, 3, m), randn(rs, 2, 3), randn(rs, 2, 1))]
    AL, Y = rs.rand(2, m), np.eye(2)[:, [0, 1, 1, 0]]
    dA1, dW2, db2 = course_linear_backward(AL - Y, caches[1])
    dZ1, dgamma1, dbeta1 = course_batchnorm_backward(course_relu_backward(dA1, caches[0][2]), bn_cache[0],
                                                     bn_cache[2], bn_cache[3])
    _, dW1, _ = course_linear_backward(dZ1, caches[0][0])
    want = {"dW2": dW2, "db2": db2, "dW1": dW1, "dgamma1": dgamma1 / m, "dbeta1": dbeta1 / m}
    assert_grads(bn_model_backward(AL, Y, caches), want, list(want))


def test_softmax_model_backward_reads_the_cached_Z_of_its_relu_layers():
    rs = np.random.RandomState(7)
    AL, Y = rs.rand(3, 4), np.eye(3)[:, [0, 2, 1, 2]]
    caches = [((randn(rs, 2, 4), randn(rs, 5, 2), randn(rs, 5, 1)), randn(rs, 5, 4)),
              ((randn(rs, 5, 4), randn(rs, 3, 5), randn(rs, 3, 1)), randn(rs, 3, 4))]
    dA1, dW2, db2 = course_linear_backward(AL - Y, caches[1][0])
    dA0, dW1, db1 = course_linear_activation_backward(dA1, caches[0], "relu")
    want = {"dA1": dA1, "dW2": dW2, "db2": db2, "dA0": dA0, "dW1": dW1, "db1": db1}
    assert_grads(softmax_model_backward(AL, Y, caches), want, list(want))


# --- Course 4 ------------------------------------------------------------------------------------------------

def course_conv_backward(dZ, cache):
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dA_prev_pad = np.zeros((m, n_H_prev + 2 * pad, n_W_prev + 2 * pad, n_C_prev))
    dW, db = np.zeros(W.shape), np.zeros(b.shape)
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice = A_prev_pad[i, vs:vs + f, hs:hs + f, :]
                    dA_prev_pad[i, vs:vs + f, hs:hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    return dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW, db


def course_pool_backward(dA, cache, mode):
    (A_prev, hparameters) = cache
    stride, f = hparameters["stride"], hparameters["f"]
    (m, n_H, n_W, n_C) = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "max":
                        window = A_prev[i, vs:vs + f, hs:hs + f, c]
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += (window == np.max(window)) * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += np.ones((f, f)) * dA[i, h, w, c] / (f * f)
    return dA_prev


@pytest.mark.parametrize("fn", [conv_backward, conv_backward_naive])
@pytest.mark.parametrize("stride,pad", [(2, 2), (1, 0), (2, 0)])
def test_conv_backward_reads_A_prev_W_and_hparameters_from_the_cache(fn, stride, pad):
    rs = np.random.RandomState(1)
    A_prev, W, b = randn(rs, 2, 5, 7, 4), randn(rs, 3, 3, 4, 8), randn(rs, 1, 1, 1, 8)
    n_H, n_W = (5 + 2 * pad - 3) // stride + 1, (7 + 2 * pad - 3) // stride + 1
    dZ = randn(rs, 2, n_H, n_W, 8)  # any upstream gradient: no forward pass ran
    cache = (A_prev, W, b, {"stride": stride, "pad": pad})
    for got, want in zip(fn(dZ, cache), course_conv_backward(dZ, cache)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("fn", [pool_backward, pool_backward_naive])
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("f,stride", [(2, 1), (2, 2), (3, 2)])
def test_pool_backward_reads_A_prev_from_the_cache_ties_included(fn, mode, f, stride):
    rs = np.random.RandomState(5)
    A_prev = np.round(randn(rs, 2, 5, 6, 3))  # rounded: windows with tied maxima, every one gets the gradient
    n_H, n_W = (5 - f) // stride + 1, (6 - f) // stride + 1
    dA = randn(rs, 2, n_H, n_W, 3)
    cache = (A_prev, {"f": f, "stride": stride})
    np.testing.assert_allclose(fn(dA, cache, mode), course_pool_backward(dA, cache, mode), rtol=1e-12, atol=1e-12)
