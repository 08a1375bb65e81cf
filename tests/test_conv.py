"""utils.conv: the numpy convolution and pooling layers against TensorFlow, PyTorch, each other and numerical
gradients."""

import numpy as np
import pytest
import tensorflow as tf
import torch
import torch.nn.functional as F

from utils.conv import (EDGE_FILTERS, check_conv_backward_inputs, check_conv_inputs, check_pool_backward_inputs,
                        check_pool_inputs, conv_backward, conv_backward_naive, conv_forward, conv_forward_naive,
                        conv_forward_tf, conv_output_size, conv_single_step, create_mask_from_window, detect_edges,
                        distribute_value, draw_sliding_window, pool_backward, pool_backward_naive, pool_forward,
                        pool_forward_naive, pool_forward_tf, zero_pad)
from utils.gradcheck import check_gradient, rel_error

# (m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad): square and non-square, stride 1 and 2, pad 0 and 2
CONV_CASES = [
    (2, 5, 5, 3, 3, 4, 1, 0),
    (3, 7, 9, 2, 3, 5, 2, 0),
    (2, 6, 4, 3, 3, 2, 1, 2),
    (1, 8, 6, 4, 4, 3, 2, 2),
    (2, 9, 5, 1, 5, 2, 2, 2),
]
# (m, n_H_prev, n_W_prev, n_C, f, stride)
POOL_CASES = [(2, 4, 4, 3, 2, 2), (3, 7, 9, 2, 3, 2), (2, 6, 5, 3, 2, 1), (1, 9, 6, 2, 3, 3)]


def _conv_inputs(rng, case):
    m, H, W_, C_prev, f, C, stride, pad = case
    return (rng.standard_normal((m, H, W_, C_prev)), rng.standard_normal((f, f, C_prev, C)),
            rng.standard_normal((1, 1, 1, C)), {"stride": stride, "pad": pad})


def _tf_conv(A, W, b, stride, pad):
    A_pad = tf.pad(tf.constant(A), [[0, 0], [pad, pad], [pad, pad], [0, 0]])
    return (tf.nn.conv2d(A_pad, tf.constant(W), strides=stride, padding="VALID") + b).numpy()


# --- sizes and errors ----------------------------------------------------------------------------------

def test_conv_output_size_is_the_courses_formula():
    assert conv_output_size(6, 3, 0, 1) == 4
    assert conv_output_size(7, 3, 0, 2) == 3
    assert conv_output_size(6, 3, 1, 1) == 6  # "same" padding p = (f - 1) / 2
    assert conv_output_size(64, 5, 2, 1) == 64
    assert conv_output_size(8, 3, 0, 2) == 3  # the floor: int((8 - 3) / 2) + 1, the last row is never reached
    assert conv_output_size(28, 5, 0, 2) == 12  # LeNet-style: int((28 - 5) / 2) + 1
    assert conv_output_size(5, 2, 0, 2) == 2  # 5x5 pooled with f = 2, stride 2
    assert conv_output_size(8, 3, 1, 3) == 3  # padded: int((8 + 2 - 3) / 3) + 1
    for n, f, pad, stride in [(8, 3, 0, 2), (28, 5, 0, 2), (5, 2, 0, 2), (8, 3, 1, 3), (6, 3, 1, 1)]:
        assert conv_output_size(n, f, pad, stride) == int((n - f + 2 * pad) / stride) + 1  # the course's line


def test_conv_output_size_rejects_a_filter_larger_than_the_padded_input():
    with pytest.raises(ValueError, match="f must be at most the padded input size.*larger than the padded input"):
        conv_output_size(3, 7, 1, 1)


def test_conv_output_size_exact_is_an_opt_in_refusal_of_the_floor():
    assert conv_output_size(8, 3, 0, 2, exact=False) == 3
    assert conv_output_size(7, 3, 0, 2, exact=True) == 3
    with pytest.raises(ValueError, match=r"exact=True: stride=2 must divide n \+ 2\*pad - f .* = 5"):
        conv_output_size(8, 3, 0, 2, exact=True)


@pytest.mark.parametrize("args", [(0, 3, 0, 1), (5, 0, 0, 1), (5, 3, -1, 1), (5, 3, 0, 0), (5.0, 3, 0, 1)])
def test_conv_output_size_rejects_bad_hyperparameters(args):
    with pytest.raises(ValueError, match="must be an integer"):
        conv_output_size(*args)


def test_conv_forward_rejects_wrong_channel_count(rng):
    A, W, b = rng.standard_normal((1, 5, 5, 3)), rng.standard_normal((3, 3, 2, 4)), np.zeros((1, 1, 1, 4))
    for forward in (conv_forward, conv_forward_naive):
        with pytest.raises(ValueError, match="wrong channel count"):
            forward(A, W, b, {"stride": 1, "pad": 0})


def test_conv_forward_rejects_filter_larger_than_padded_input_but_accepts_an_uneven_stride(rng):
    b = np.zeros((1, 1, 1, 1))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv_forward(rng.standard_normal((1, 3, 3, 1)), rng.standard_normal((7, 7, 1, 1)), b, {"stride": 1, "pad": 1})
    for forward in (conv_forward, conv_forward_naive):  # 8x8, f = 3, stride 2: the floor, 3x3, as the course
        Z, _ = forward(rng.standard_normal((1, 8, 8, 1)), rng.standard_normal((3, 3, 1, 1)), b, {"stride": 2, "pad": 0})
        assert Z.shape == (1, 3, 3, 1)


def test_conv_forward_rejects_bad_shapes_and_hyperparameters(rng):
    A, W = rng.standard_normal((1, 5, 5, 2)), rng.standard_normal((3, 3, 2, 4))
    with pytest.raises(ValueError, match=r"A_prev must have shape \(m, n, k, p\)"):
        conv_forward(A[0], W, np.zeros((1, 1, 1, 4)), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match=r"b must have shape \(1, 1, 1, n_C\)"):
        conv_forward(A, W, np.zeros(4), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="square filters"):
        conv_forward(A, rng.standard_normal((3, 2, 2, 4)), np.zeros((1, 1, 1, 4)), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match="key 'pad'"):
        conv_forward(A, W, np.zeros((1, 1, 1, 4)), {"stride": 1})
    with pytest.raises(ValueError, match=r"hparameters\['stride'\] must be an integer >= 1"):
        conv_forward(A, W, np.zeros((1, 1, 1, 4)), {"stride": 0, "pad": 0})


def test_backward_rejects_a_gradient_of_the_wrong_shape(rng):
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[0])
    Z, cache = conv_forward(A, W, b, hp)
    for backward in (conv_backward, conv_backward_naive):
        with pytest.raises(ValueError, match="dZ must have the shape of the forward output"):
            backward(np.zeros(Z.shape[:-1]), cache)
    P, pcache = pool_forward(A, {"f": 2, "stride": 1})
    for backward in (pool_backward, pool_backward_naive):
        with pytest.raises(ValueError, match="dA must have the shape of the forward output"):
            backward(np.zeros((1, 1, 1, 1)), pcache)


def test_input_checks_of_the_loop_versions_return_float_arrays_and_name_the_problem(rng):
    """The checks the exercises keep outside the learner's lines: they convert and refuse, never compute."""
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[1])
    A_i, W_i, b_i = check_conv_inputs(A.astype(np.float32), W.tolist(), b, hp)
    assert all(x.dtype == np.float64 for x in (A_i, W_i, b_i)) and np.array_equal(W_i, W)
    assert check_conv_inputs(A, W, b, {"stride": 3, "pad": 0})[0].shape == A.shape  # the floor is accepted
    with pytest.raises(ValueError, match="larger than the padded input"):
        check_conv_inputs(A[:, :2], W, b, {"stride": 1, "pad": 0})
    Z, cache = conv_forward(A, W, b, hp)
    dZ, (A_c, W_c, b_c, hp_c) = check_conv_backward_inputs(Z.tolist(), cache)
    assert dZ.shape == Z.shape and hp_c == hp and np.array_equal(A_c, A)
    with pytest.raises(ValueError, match="dZ must have the shape"):
        check_conv_backward_inputs(Z[:1], cache)
    assert check_pool_inputs(A.tolist(), {"f": 3, "stride": 2}, "average").shape == A.shape
    with pytest.raises(ValueError, match="mode must be one of"):
        check_pool_inputs(A, {"f": 3, "stride": 2}, "mean")
    P, pcache = pool_forward(A, {"f": 3, "stride": 2})
    dP, (A_p, hp_p) = check_pool_backward_inputs(P, pcache, "max")
    assert dP.shape == P.shape and hp_p == {"f": 3, "stride": 2}
    with pytest.raises(ValueError, match="dA must have the shape"):
        check_pool_backward_inputs(P[..., :1], pcache, "max")


def test_pool_forward_rejects_unknown_mode_and_bad_window(rng):
    A = rng.standard_normal((1, 4, 4, 1))
    with pytest.raises(ValueError, match="mode must be one of"):
        pool_forward(A, {"f": 2, "stride": 2}, mode="min")
    with pytest.raises(ValueError, match="larger than the padded input"):
        pool_forward(A, {"f": 5, "stride": 1})
    with pytest.raises(ValueError, match=r"hparameters\['f'\] must be at most the padded input size"):
        pool_forward_naive(A, {"f": 5, "stride": 2})
    assert pool_forward_naive(A, {"f": 3, "stride": 2})[0].shape == (1, 1, 1, 1)  # the floor: int((4 - 3) / 2) + 1


# --- building blocks -----------------------------------------------------------------------------------

def test_zero_pad_adds_zeros_around_height_and_width_only(rng):
    X = rng.standard_normal((4, 3, 5, 2))
    X_pad = zero_pad(X, 2)
    assert X_pad.shape == (4, 7, 9, 2)
    np.testing.assert_array_equal(X_pad[:, 2:-2, 2:-2, :], X)
    assert np.count_nonzero(X_pad) == np.count_nonzero(X)
    np.testing.assert_array_equal(zero_pad(X, 0), X)
    with pytest.raises(ValueError, match="pad must be an integer >= 0"):
        zero_pad(X, -1)


def test_conv_single_step_is_sum_of_product_plus_bias(rng):
    a, W, b = rng.standard_normal((4, 4, 3)), rng.standard_normal((4, 4, 3)), rng.standard_normal((1, 1, 1))
    assert conv_single_step(a, W, b) == pytest.approx(float(np.sum(a * W) + b[0, 0, 0]))
    with pytest.raises(ValueError, match="same shape"):
        conv_single_step(a, W[:3], b)


def test_create_mask_from_window_marks_the_maximum():
    x = np.array([[1.0, 3.0], [4.0, 2.0]])
    np.testing.assert_array_equal(create_mask_from_window(x), [[False, False], [True, False]])


def test_distribute_value_spreads_evenly_and_keeps_the_sum():
    d = distribute_value(2.0, (2, 2))
    np.testing.assert_allclose(d, np.full((2, 2), 0.5))
    assert distribute_value(3.0, (3, 4)).sum() == pytest.approx(3.0)
    with pytest.raises(ValueError, match="positive integers"):
        distribute_value(1.0, (0, 2))


# --- forward passes against TensorFlow and each other ---------------------------------------------------

@pytest.mark.parametrize("case", CONV_CASES, ids=[f"s{c[6]}_p{c[7]}_{c[1]}x{c[2]}" for c in CONV_CASES])
def test_conv_forward_matches_tf_conv2d_naive_and_fast(rng, case):
    A, W, b, hp = _conv_inputs(rng, case)
    Z_naive, cache = conv_forward_naive(A, W, b, hp)
    Z_fast, cache_fast = conv_forward(A, W, b, hp)
    Z_tf = _tf_conv(A, W, b, hp["stride"], hp["pad"])
    assert Z_fast.shape == Z_tf.shape == (A.shape[0], conv_output_size(A.shape[1], W.shape[0], hp["pad"], hp["stride"]),
                                          conv_output_size(A.shape[2], W.shape[0], hp["pad"], hp["stride"]), W.shape[3])
    assert rel_error(Z_naive, Z_tf) < 1e-9
    assert rel_error(Z_fast, Z_tf) < 1e-9
    assert rel_error(conv_forward_tf(A, W, b, hp), Z_tf) < 1e-12
    assert cache[0] is not None and len(cache) == len(cache_fast) == 4


def test_conv_forward_matches_keras_conv2d_layer_same_padding(rng):
    import keras

    A = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    layer = keras.layers.Conv2D(4, 3, padding="same", dtype="float32")
    Z_keras = layer(A).numpy()
    W, b = layer.get_weights()
    Z, _ = conv_forward(A, W, b.reshape(1, 1, 1, -1), {"stride": 1, "pad": 1})
    assert rel_error(Z, Z_keras) < 1e-4  # float32 reference


@pytest.mark.parametrize("case", POOL_CASES, ids=[f"f{c[4]}_s{c[5]}_{c[1]}x{c[2]}" for c in POOL_CASES])
@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_forward_matches_tf_max_pool2d_and_avg_pool2d(rng, case, mode):
    m, H, W_, C, f, stride = case
    A = rng.standard_normal((m, H, W_, C))
    hp = {"f": f, "stride": stride}
    op = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    P_tf = op(tf.constant(A), ksize=f, strides=stride, padding="VALID").numpy()
    P_naive, _ = pool_forward_naive(A, hp, mode)
    P_fast, _ = pool_forward(A, hp, mode)
    assert P_fast.shape == P_tf.shape
    assert rel_error(P_naive, P_tf) < 1e-12
    assert rel_error(P_fast, P_tf) < 1e-12
    assert rel_error(pool_forward_tf(A, hp, mode), P_tf) < 1e-12


# --- backward passes: numerical gradients, naive == fast, TensorFlow's autodiff ---------------------------

@pytest.mark.parametrize("case", [CONV_CASES[1], CONV_CASES[2]], ids=["stride2_pad0", "stride1_pad2"])
def test_conv_backward_passes_numerical_gradient_check(rng, case):
    A, W, b, hp = _conv_inputs(rng, case)
    Z, cache = conv_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    dA, dW, db = conv_backward(dZ, cache)
    assert check_gradient(lambda a: conv_forward(a, W, b, hp)[0], A, dA, dZ) < 1e-7
    assert check_gradient(lambda w: conv_forward(A, w, b, hp)[0], W, dW, dZ) < 1e-7
    assert check_gradient(lambda bb: conv_forward(A, W, bb, hp)[0], b, db, dZ) < 1e-7


@pytest.mark.parametrize("case", CONV_CASES[:3])
def test_conv_backward_naive_equals_fast(rng, case):
    A, W, b, hp = _conv_inputs(rng, case)
    Z, cache = conv_forward_naive(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    for g_naive, g_fast in zip(conv_backward_naive(dZ, cache), conv_backward(dZ, cache)):
        assert g_naive.shape == g_fast.shape
        assert rel_error(g_naive, g_fast) < 1e-10


def test_conv_backward_naive_passes_numerical_gradient_check(rng):
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[1])
    Z, cache = conv_forward_naive(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    dA, dW, _ = conv_backward_naive(dZ, cache)
    assert check_gradient(lambda a: conv_forward(a, W, b, hp)[0], A, dA, dZ) < 1e-7
    assert check_gradient(lambda w: conv_forward(A, w, b, hp)[0], W, dW, dZ) < 1e-7


def test_conv_backward_matches_tf_autodiff(rng):
    A, W, b, hp = _conv_inputs(rng, CONV_CASES[3])
    Z, cache = conv_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    A_t, W_t, b_t = tf.Variable(A), tf.Variable(W), tf.Variable(b)
    with tf.GradientTape() as tape:
        A_pad = tf.pad(A_t, [[0, 0], [hp["pad"]] * 2, [hp["pad"]] * 2, [0, 0]])
        Z_t = tf.nn.conv2d(A_pad, W_t, strides=hp["stride"], padding="VALID") + b_t
        loss = tf.reduce_sum(Z_t * dZ)
    for ours, theirs in zip(conv_backward(dZ, cache), tape.gradient(loss, [A_t, W_t, b_t])):
        assert rel_error(ours, theirs.numpy()) < 1e-9


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", [POOL_CASES[1], POOL_CASES[2]], ids=["f3_s2", "f2_s1_overlapping"])
def test_pool_backward_passes_numerical_gradient_check(rng, mode, case):
    m, H, W_, C, f, stride = case
    A = rng.standard_normal((m, H, W_, C))
    hp = {"f": f, "stride": stride}
    P, cache = pool_forward(A, hp, mode)
    dP = rng.standard_normal(P.shape)
    dA = pool_backward(dP, cache, mode)
    assert check_gradient(lambda a: pool_forward(a, hp, mode)[0], A, dA, dP) < 1e-7
    assert rel_error(pool_backward_naive(dP, cache, mode), dA) < 1e-12


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_backward_matches_tf_autodiff(rng, mode):
    A = rng.standard_normal((2, 6, 8, 3))
    hp = {"f": 2, "stride": 2}
    P, cache = pool_forward(A, hp, mode)
    dP = rng.standard_normal(P.shape)
    A_t = tf.Variable(A)
    op = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(op(A_t, ksize=2, strides=2, padding="VALID") * dP)
    assert rel_error(pool_backward(dP, cache, mode), tape.gradient(loss, A_t).numpy()) < 1e-12


def test_max_pool_backward_routes_the_gradient_to_the_maximum_only():
    A = np.array([[1.0, 3.0], [4.0, 2.0]]).reshape(1, 2, 2, 1)
    _, cache = pool_forward(A, {"f": 2, "stride": 2})
    dA = pool_backward(np.full((1, 1, 1, 1), 5.0), cache, "max")
    np.testing.assert_array_equal(dA[0, :, :, 0], [[0, 0], [5, 0]])
    dA_avg = pool_backward(np.full((1, 1, 1, 1), 4.0), cache, "average")
    np.testing.assert_array_equal(dA_avg[0, :, :, 0], np.ones((2, 2)))


# --- the floor: strides that do not fit, against TensorFlow and PyTorch -----------------------------------

# (m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad): the windows never reach the last rows or columns
FLOOR_CONV_CASES = [
    (2, 28, 28, 1, 5, 3, 2, 0),  # LeNet-style: 28x28, 5x5 filters, stride 2 -> 12x12, the last row/column unused
    (2, 7, 9, 2, 4, 3, 2, 0),    # non-square, both directions uneven
    (1, 8, 6, 3, 3, 2, 3, 1),    # padded: (8 + 2 - 3) % 3 = 1 row, (6 + 2 - 3) % 3 = 2 columns never reached
]
# (m, n_H_prev, n_W_prev, n_C, f, stride): stride == f (the reshape path) and stride != f (the strided path)
FLOOR_POOL_CASES = [(2, 5, 5, 3, 2, 2), (2, 7, 6, 3, 3, 3), (2, 8, 7, 2, 3, 2), (1, 6, 7, 2, 2, 3)]
FLOOR_CONV_IDS = [f"{c[1]}x{c[2]}_f{c[4]}_s{c[6]}_p{c[7]}" for c in FLOOR_CONV_CASES]
FLOOR_POOL_IDS = [f"{c[1]}x{c[2]}_f{c[4]}_s{c[5]}" for c in FLOOR_POOL_CASES]


def _nchw(x):
    """(m, H, W, C) numpy -> (m, C, H, W) torch tensor that records gradients."""
    return torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def _never_reached(n, f, pad, stride):
    """Index of the first input row (or column) that no window reaches: the floor drops it and the rest."""
    used = (conv_output_size(n, f, pad, stride) - 1) * stride + f  # rows of the padded input that windows cover
    return used - pad


def _torch_conv(A, W, b, stride, pad):
    A_t, W_t, b_t = _nchw(A), torch.tensor(W.transpose(3, 2, 0, 1).copy(), requires_grad=True), \
        torch.tensor(b.reshape(-1), requires_grad=True)
    return A_t, W_t, b_t, F.conv2d(A_t, W_t, b_t, stride=stride, padding=pad)


@pytest.mark.parametrize("case", FLOOR_CONV_CASES, ids=FLOOR_CONV_IDS)
def test_conv_forward_floor_matches_tf_and_torch(rng, case):
    A, W, b, hp = _conv_inputs(rng, case)
    stride, pad = hp["stride"], hp["pad"]
    n_H, n_W = (int((n - W.shape[0] + 2 * pad) / stride) + 1 for n in A.shape[1:3])  # the course's floor
    A_pad = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z_tf = (tf.nn.conv2d(tf.constant(A_pad), tf.constant(W), strides=stride, padding="VALID") + b).numpy()
    Z_torch = _nhwc(_torch_conv(A, W, b, stride, pad)[3])
    assert Z_tf.shape == Z_torch.shape == (A.shape[0], n_H, n_W, W.shape[3])
    assert ((A.shape[1] + 2 * pad - W.shape[0]) % stride, (A.shape[2] + 2 * pad - W.shape[0]) % stride) != (0, 0)
    for forward in (conv_forward, conv_forward_naive):
        Z, cache = forward(A, W, b, hp)
        assert Z.shape == Z_tf.shape and len(cache) == 4
        assert rel_error(Z, Z_tf) < 1e-9 and rel_error(Z, Z_torch) < 1e-9
    assert rel_error(conv_forward_tf(A, W, b, hp), Z_tf) < 1e-12
    Z32, _ = conv_forward(*(x.astype(np.float32) for x in (A, W, b)), hp)  # the fast path keeps float32
    assert Z32.dtype == np.float32 and np.allclose(Z32, Z_tf, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", FLOOR_CONV_CASES, ids=FLOOR_CONV_IDS)
def test_conv_backward_floor_matches_torch_autograd_and_never_reached_pixels_get_zero(rng, case):
    A, W, b, hp = _conv_inputs(rng, case)
    stride, pad, f = hp["stride"], hp["pad"], W.shape[0]
    A_t, W_t, b_t, Z_t = _torch_conv(A, W, b, stride, pad)
    dZ = rng.standard_normal(_nhwc(Z_t).shape)
    (Z_t * torch.tensor(dZ.transpose(0, 3, 1, 2))).sum().backward()
    theirs = (_nhwc(A_t.grad), W_t.grad.numpy().transpose(2, 3, 1, 0), b_t.grad.numpy().reshape(1, 1, 1, -1))
    row, col = _never_reached(A.shape[1], f, pad, stride), _never_reached(A.shape[2], f, pad, stride)
    assert row < A.shape[1] or col < A.shape[2]
    for forward, backward in ((conv_forward, conv_backward), (conv_forward_naive, conv_backward_naive)):
        _, cache = forward(A, W, b, hp)
        grads = backward(dZ, cache)
        for ours, ref in zip(grads, theirs):
            assert ours.shape == ref.shape
            assert rel_error(ours, ref) < 1e-9
        dA = grads[0]
        assert dA.shape == A.shape
        assert np.all(dA[:, row:] == 0) and np.all(dA[:, :, col:] == 0)  # exactly zero, not just small
        assert np.all(dA[:, :row, :col].any(axis=-1))  # every pixel a window reaches gets some gradient
    _, cache32 = conv_forward(*(x.astype(np.float32) for x in (A, W, b)), hp)
    dA32 = conv_backward(dZ.astype(np.float32), cache32)[0]
    assert dA32.dtype == np.float32 and np.all(dA32[:, row:] == 0) and np.all(dA32[:, :, col:] == 0)


@pytest.mark.parametrize("case", FLOOR_POOL_CASES, ids=FLOOR_POOL_IDS)
@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_floor_matches_tf_and_torch_forward_and_backward(rng, case, mode):
    m, H, W_, C, f, stride = case
    A = rng.standard_normal((m, H, W_, C))
    hp = {"f": f, "stride": stride}
    n_H, n_W = int((H - f) / stride) + 1, int((W_ - f) / stride) + 1
    tf_op = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    torch_op = F.max_pool2d if mode == "max" else F.avg_pool2d
    A_tf = tf.Variable(A)
    with tf.GradientTape() as tape:
        P_tf = tf_op(A_tf, ksize=f, strides=stride, padding="VALID")
        dP = rng.standard_normal(P_tf.shape)
        loss = tf.reduce_sum(P_tf * dP)
    dA_tf = tape.gradient(loss, A_tf).numpy()
    A_t = _nchw(A)
    P_t = torch_op(A_t, kernel_size=f, stride=stride)
    (P_t * torch.tensor(dP.transpose(0, 3, 1, 2))).sum().backward()
    dA_torch = _nhwc(A_t.grad)
    assert P_tf.shape == (m, n_H, n_W, C) and rel_error(_nhwc(P_t), P_tf.numpy()) < 1e-12
    row, col = _never_reached(H, f, 0, stride), _never_reached(W_, f, 0, stride)
    assert row < H or col < W_
    for forward, backward in ((pool_forward, pool_backward), (pool_forward_naive, pool_backward_naive)):
        P, cache = forward(A, hp, mode)
        assert P.shape == (m, n_H, n_W, C)
        assert rel_error(P, P_tf.numpy()) < 1e-12
        dA = backward(dP, cache, mode)
        assert dA.shape == A.shape
        assert rel_error(dA, dA_tf) < 1e-12 and rel_error(dA, dA_torch) < 1e-12
        assert np.all(dA[:, row:] == 0) and np.all(dA[:, :, col:] == 0)
    assert rel_error(pool_forward_tf(A, hp, mode), P_tf.numpy()) < 1e-12
    P32, cache32 = pool_forward(A.astype(np.float32), hp, mode)
    dA32 = pool_backward(dP.astype(np.float32), cache32, mode)
    assert P32.dtype == dA32.dtype == np.float32 and dA32.shape == A.shape
    assert np.all(dA32[:, row:] == 0) and np.all(dA32[:, :, col:] == 0)


_B1 = np.zeros((1, 1, 1, 1))


@pytest.mark.parametrize("call, match", [
    (lambda: conv_forward(np.zeros((1, 3, 3, 1)), np.zeros((7, 7, 1, 1)), _B1, {"stride": 1, "pad": 1}),
     r"W \(shape \(7, 7, 1, 1\)\): its filter size must be at most the padded input size: f=7 .* 5 x 5"),
    (lambda: conv_forward_naive(np.zeros((1, 9, 3, 1)), np.zeros((4, 4, 1, 1)), _B1, {"stride": 1, "pad": 0}),
     r"W \(shape \(4, 4, 1, 1\)\): its filter size must be at most .* 9 x 3"),
    (lambda: conv_backward(np.zeros((1, 1, 1, 1)), (np.zeros((1, 3, 3, 1)), np.zeros((5, 5, 1, 1)), _B1,
                                                   {"stride": 1, "pad": 0})), r"W \(shape .* larger than the padded"),
    (lambda: conv_forward(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), _B1, {"stride": 0, "pad": 0}),
     r"hparameters\['stride'\] must be an integer >= 1, got 0"),
    (lambda: conv_forward(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), _B1, {"stride": 1, "pad": -1}),
     r"hparameters\['pad'\] must be an integer >= 0, got -1"),
    (lambda: conv_forward(np.zeros((1, 0, 5, 1)), np.zeros((1, 1, 1, 1)), _B1, {"stride": 1, "pad": 1}),
     r"A_prev must have n_H_prev >= 1 and n_W_prev >= 1, got shape \(1, 0, 5, 1\)"),
    (lambda: pool_forward(np.zeros((1, 4, 6, 1)), {"f": 5, "stride": 1}),
     r"hparameters\['f'\] must be at most the padded input size: f=5 .* 4 x 6"),
    (lambda: pool_backward_naive(np.zeros((1, 1, 1, 1)), (np.zeros((1, 2, 2, 1)), {"f": 3, "stride": 1})),
     r"hparameters\['f'\] must be at most"),
    (lambda: pool_forward_naive(np.zeros((1, 4, 4, 1)), {"f": 2, "stride": 0}),
     r"hparameters\['stride'\] must be an integer >= 1, got 0"),
    (lambda: pool_forward(np.zeros((1, 4, 4, 1)), {"f": 0, "stride": 1}), r"hparameters\['f'\] must be an integer >= 1"),
    (lambda: conv_output_size(5, 3, 0, 0), r"stride must be an integer >= 1, got 0"),
    (lambda: conv_output_size(5, 3, -1, 1), r"pad must be an integer >= 0, got -1"),
], ids=["conv_f_too_large", "naive_f_too_large_one_axis", "backward_f_too_large", "stride_0", "negative_pad",
        "empty_input", "pool_f_too_large", "pool_backward_f_too_large", "pool_stride_0", "pool_f_0",
        "size_stride_0", "size_negative_pad"])
def test_what_cannot_be_computed_is_refused_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- demos ----------------------------------------------------------------------------------------------

def test_detect_edges_finds_a_vertical_edge_but_not_a_horizontal_one():
    img = np.zeros((6, 6))
    img[:, :3] = 10.0  # light left half, dark right half
    vertical, horizontal = detect_edges(img, "vertical"), detect_edges(img, "horizontal")
    assert vertical.shape == img.shape
    assert vertical[1:-1, 2:4].min() == pytest.approx(30.0)  # the edge: +30 along the boundary columns
    np.testing.assert_allclose(vertical[1:-1, [0, 5]][:, 1], 0.0)  # flat dark region far right gives 0
    np.testing.assert_allclose(horizontal[1:-1, 1:-1], 0.0)
    assert set(EDGE_FILTERS) >= {"vertical", "horizontal", "sobel vertical", "sobel horizontal"}
    with pytest.raises(ValueError, match="kind must be an edge filter"):
        detect_edges(img, "diagonal")


def test_draw_sliding_window_reports_floor_output_size():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    text = draw_sliding_window(ax, np.zeros((8, 10)), f=3, pad=0, stride=2, step=5)
    assert "= 3" in text and "= 4" in text and "not exact" in text
    assert "output 3 x 4" in ax.get_title()
    assert "not exact" not in draw_sliding_window(ax, np.zeros((7, 7)), f=3, pad=1, stride=2)


def test_vectorized_conv_and_pool_keep_float32_and_agree_with_float64():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((2, 7, 5, 3)).astype(np.float32)
    W = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    b = rng.standard_normal((1, 1, 1, 4)).astype(np.float32)
    hp = {"stride": 2, "pad": 1}
    Z32, cache32 = conv_forward(A, W, b, hp)
    Z64, cache64 = conv_forward(A.astype(np.float64), W, b, hp)
    assert Z32.dtype == np.float32 and Z64.dtype == np.float64
    np.testing.assert_allclose(Z32, Z64, rtol=1e-5, atol=1e-5)
    dZ = rng.standard_normal(Z32.shape).astype(np.float32)
    for g32, g64 in zip(conv_backward(dZ, cache32), conv_backward(dZ.astype(np.float64), cache64)):
        assert g32.dtype == np.float32 and g64.dtype == np.float64
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-4)
    for mode in ("max", "average"):
        P, cache = pool_forward(A[:, :6, :4], {"f": 2, "stride": 2}, mode=mode)
        dA = pool_backward(np.ones_like(P), cache, mode=mode)
        assert P.dtype == dA.dtype == np.float32


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("shape, f", [((2, 6, 8, 3), 2), ((1, 9, 6, 2), 3)], ids=["f2", "f3"])
def test_pool_with_stride_equal_to_window_tiles_and_equals_naive(rng, mode, shape, f):
    A = rng.standard_normal(shape)
    A[0, 0, 0, 0] = A[0, 0, 1, 0] = A[0, :f, :f, 0].max() + 1  # a tie: both maxima get the gradient
    hp = {"f": f, "stride": f}
    P, cache = pool_forward(A, hp, mode=mode)
    P_naive, cache_naive = pool_forward_naive(A, hp, mode=mode)
    np.testing.assert_allclose(P, P_naive)
    dP = rng.standard_normal(P.shape)
    dA = pool_backward(dP, cache, mode=mode)
    np.testing.assert_allclose(dA, pool_backward_naive(dP, cache_naive, mode=mode))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_vectorized_conv_keeps_the_callers_dtype_without_copying_its_arrays(dtype):
    rng = np.random.default_rng(7)
    A, W, b = (rng.standard_normal(s).astype(dtype) for s in ((2, 7, 7, 3), (3, 3, 3, 4), (1, 1, 1, 4)))
    Z, cache = conv_forward(A, W, b, {"stride": 2, "pad": 1})
    assert cache[0] is A and cache[1] is W and cache[2] is b  # no float64 round trip of the inputs
    grads = conv_backward(np.ones_like(Z), cache)
    assert Z.dtype == dtype and all(g.dtype == dtype for g in grads)


@pytest.mark.parametrize("shape, f, stride", [((2, 6, 6, 3), 3, 1), ((2, 8, 9, 3), 5, 2), ((1, 7, 7, 2), 2, 2)])
def test_col2im_by_filter_tap_equals_the_scatter_of_the_whole_window_gradient(shape, f, stride):
    from utils.conv import _col2im_product, _scatter_windows

    rng = np.random.default_rng(8)
    m, H, W_, C = shape
    n_H, n_W = (H - f) // stride + 1, (W_ - f) // stride + 1
    W = rng.standard_normal((f, f, C, 4))
    dZ_col = rng.standard_normal((m * n_H * n_W, 4))
    d_cols = (dZ_col @ W.reshape(-1, 4).T).reshape(m, n_H, n_W, f, f, C)
    np.testing.assert_allclose(_col2im_product(dZ_col, W, shape, stride, n_H, n_W),
                               _scatter_windows(d_cols, shape, stride), rtol=1e-12, atol=1e-12)
