"""Batch norm from scratch: gradient-checked, and equal to keras.layers.BatchNormalization on x.T."""

import numpy as np
import pytest

from utils.batchnorm import batchnorm_backward, batchnorm_forward, init_bn_param
from utils.gradcheck import check_gradient, numerical_gradient, rel_error


def _inputs(rng, n=4, m=7):
    x = 3 * rng.standard_normal((n, m)) + rng.standard_normal((n, 1)) * 5
    return x, 1 + rng.standard_normal((n, 1)), rng.standard_normal((n, 1))


def test_train_forward_gives_each_unit_zero_mean_unit_variance_over_examples_then_gamma_beta(rng):
    x, gamma, beta = _inputs(rng)
    out, _ = batchnorm_forward(x, np.ones_like(gamma), np.zeros_like(beta), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)  # rows = units, normalized over columns
    np.testing.assert_allclose(out.var(axis=1), 1, rtol=1e-4)
    out2, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out2.mean(axis=1, keepdims=True), beta, atol=1e-12)
    np.testing.assert_allclose(out2.std(axis=1, keepdims=True), np.abs(gamma), rtol=1e-4)


@pytest.mark.parametrize("shape", [(4, 7), (1, 3), (6, 3)])
def test_backward_matches_numerical_gradient_for_x_gamma_and_beta(rng, shape):
    x, gamma, beta = _inputs(rng, *shape)
    dout = rng.standard_normal(shape)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert check_gradient(lambda v: batchnorm_forward(v, gamma, beta, {"mode": "train"})[0], x, dx, dout) < 1e-7
    assert check_gradient(lambda g: batchnorm_forward(x, g, beta, {"mode": "train"})[0], gamma, dgamma,
                          dout) < 1e-7
    assert check_gradient(lambda b: batchnorm_forward(x, gamma, b, {"mode": "train"})[0], beta, dbeta,
                          dout) < 1e-7


def test_backward_gradient_check_catches_the_naive_mistake_of_ignoring_the_batch_statistics(rng):
    x, gamma, beta = _inputs(rng)
    dout = rng.standard_normal(x.shape)
    out, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    wrong_dx = dout * gamma * cache[2]  # treats mu and var as constants
    num = numerical_gradient(lambda v: batchnorm_forward(v, gamma, beta, {"mode": "train"})[0], x, dout)
    assert rel_error(wrong_dx, num) > 1e-2


def test_running_averages_update_in_train_mode_and_are_used_in_test_mode(rng):
    x, gamma, beta = _inputs(rng, 3, 50)
    bn_param = init_bn_param(3, momentum=0.8)
    batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.2 * x.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(bn_param["running_var"], 0.8 + 0.2 * x.var(axis=1, keepdims=True))
    for _ in range(100):
        batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], x.mean(axis=1, keepdims=True), rtol=1e-6)
    bn_param["mode"] = "test"
    frozen = {k: np.copy(v) for k, v in bn_param.items() if k.startswith("running")}
    single, cache = batchnorm_forward(x[:, :1], gamma, beta, bn_param)
    batch, _ = batchnorm_forward(x, gamma, beta, bn_param)
    assert cache is None
    np.testing.assert_allclose(single, batch[:, :1])  # one example gets the same answer as in a batch
    np.testing.assert_allclose(bn_param["running_mean"], frozen["running_mean"])  # test mode does not update
    train_out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(batch, train_out, rtol=1e-3, atol=1e-3)


def test_forward_backward_and_running_stats_match_keras_batchnormalization_on_the_transpose(rng):
    import keras
    import tensorflow as tf

    n, m, eps, momentum = 5, 16, 1e-3, 0.99
    x, gamma, beta = _inputs(rng, n, m)
    dout = rng.standard_normal((n, m))
    layer = keras.layers.BatchNormalization(axis=-1, epsilon=eps, momentum=momentum, dtype="float64")
    layer.build((m, n))  # Keras: examples are rows, so it sees x.T of shape (m, n)
    layer.gamma.assign(gamma[:, 0])
    layer.beta.assign(beta[:, 0])
    xt = tf.constant(x.T)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out_k = layer(xt, training=True)
        loss = tf.reduce_sum(out_k * dout.T)
    dx_k, dgamma_k, dbeta_k = tape.gradient(loss, [xt, layer.gamma, layer.beta])

    bn_param = init_bn_param(n, eps=eps, momentum=momentum)
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert rel_error(out, out_k.numpy().T) < 1e-10
    assert rel_error(dx, dx_k.numpy().T) < 1e-8
    assert rel_error(dgamma[:, 0], dgamma_k.numpy()) < 1e-10
    assert rel_error(dbeta[:, 0], dbeta_k.numpy()) < 1e-10
    assert rel_error(bn_param["running_mean"][:, 0], layer.moving_mean.numpy()) < 1e-10
    assert rel_error(bn_param["running_var"][:, 0], layer.moving_variance.numpy()) < 1e-10
    bn_param["mode"] = "test"
    x_new = rng.standard_normal((n, 3))
    out_test, _ = batchnorm_forward(x_new, gamma, beta, bn_param)
    assert rel_error(out_test, layer(tf.constant(x_new.T), training=False).numpy().T) < 1e-10


def test_bad_inputs_raise_clear_errors(rng):
    x, gamma, beta = _inputs(rng)
    with pytest.raises(ValueError, match=r"gamma must have shape \(4, 1\)"):
        batchnorm_forward(x, gamma.ravel(), beta, {"mode": "train"})
    with pytest.raises(ValueError, match="mode"):
        batchnorm_forward(x, gamma, beta, {"mode": "eval"})
    with pytest.raises(ValueError, match="train-mode"):
        batchnorm_backward(x, None)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 7\)"):
        batchnorm_backward(x.T, cache)


# --- the batch-norm network ------------------------------------------------------------------------------------

def test_bn_network_backward_matches_numerical_gradient_for_every_parameter(rng):
    from utils.batchnorm import bn_model_backward, bn_model_forward, initialize_bn_network
    from utils.softmax import one_hot, softmax_cost

    dims = [5, 6, 4, 3]
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in initialize_bn_network(dims).items()}
    assert sorted(params) == ["W1", "W2", "W3", "b3", "beta1", "beta2", "gamma1", "gamma2"]
    X, Y = rng.standard_normal((5, 8)), one_hot(rng.integers(0, 3, 8), 3)
    AL, caches = bn_model_forward(X, params, [init_bn_param(6), init_bn_param(4)])
    grads = bn_model_backward(AL, Y, caches)
    for k in params:
        def cost(v, k=k):
            return softmax_cost(bn_model_forward(X, {**params, k: v}, [init_bn_param(6), init_bn_param(4)])[0], Y)
        assert check_gradient(cost, params[k], grads["d" + k]) < 1e-7, k


def test_batchnorm_trains_a_deep_net_faster_than_the_same_net_without_it():
    from utils.batchnorm import train_deep_net
    from utils.softmax import digits_dataset

    X, Y, *_ = digits_dataset()
    dims = [64] + [32] * 8 + [10]
    _, _, plain = train_deep_net(X, Y, dims, batchnorm=False, learning_rate=0.2, num_epochs=2)
    _, bn_params, with_bn = train_deep_net(X, Y, dims, batchnorm=True, learning_rate=0.2, num_epochs=2)
    assert np.mean(with_bn[-10:]) < 0.7 * np.mean(plain[-10:])
    assert all(p["mode"] == "test" for p in bn_params)


def test_running_statistics_follow_the_batch_statistics_and_the_ewa_rule(rng):
    from utils.batchnorm import running_statistics

    batches = rng.normal(3.0, 2.0, size=(50, 16))
    stats = running_statistics(batches, momentum=0.8)
    np.testing.assert_allclose(stats["batch_mean"], batches.mean(axis=1))
    np.testing.assert_allclose(stats["batch_var"], batches.var(axis=1))
    running_mean, running_var = 0.0, 1.0  # init_bn_param's starting values
    for t in range(50):
        running_mean = 0.8 * running_mean + 0.2 * batches[t].mean()
        running_var = 0.8 * running_var + 0.2 * batches[t].var()
        assert stats["running_mean"][t] == pytest.approx(running_mean)
        assert stats["running_var"][t] == pytest.approx(running_var)


def test_running_mean_is_less_noisy_than_batch_means_and_batch_noise_shrinks_with_batch_size(rng):
    from utils.batchnorm import running_statistics

    small = running_statistics(rng.normal(0.0, 1.0, size=(3000, 8)), momentum=0.9)
    large = running_statistics(rng.normal(0.0, 1.0, size=(3000, 128)), momentum=0.9)
    assert np.std(small["batch_mean"]) == pytest.approx(1 / np.sqrt(8), rel=0.1)  # sigma / sqrt(m)
    assert np.std(large["batch_mean"]) == pytest.approx(1 / np.sqrt(128), rel=0.1)
    # an EWA of independent values has (1 - momentum) / (1 + momentum) of their variance
    assert np.std(small["running_mean"][100:]) == pytest.approx(np.sqrt(0.1 / 1.9 / 8), rel=0.15)


def test_running_statistics_refuses_batches_of_one_example(rng):
    from utils.batchnorm import running_statistics

    with pytest.raises(ValueError, match="a batch of 1 example has variance 0"):
        running_statistics(rng.normal(size=(10, 1)))
