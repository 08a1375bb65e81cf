"""L2 and inverted dropout: costs, gradients checked numerically, the dropout expectation, and bad input."""

import numpy as np
import pytest

from utils.deep_nn import L_model_backward, L_model_forward, compute_cost
from utils.gradcheck import check_gradient
from utils.gradient_checking import dictionary_to_vector, gradients_to_vector, vector_to_dictionary
from utils.regularization import (backward_propagation_with_dropout, backward_propagation_with_regularization,
                                  compute_cost_with_regularization,
                                  diagnose_bias_variance, forward_propagation, forward_propagation_with_dropout,
                                  model, model_grid, train_dev_test_split)


def _net(rng, dims=(3, 6, 4, 1), m=10):
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
        params[f"b{l}"] = rng.standard_normal((dims[l], 1))
    return params, rng.standard_normal((dims[0], m)), (rng.random((1, m)) > 0.5).astype(float)


def test_regularized_cost_adds_lambda_over_2m_times_squared_weights(rng):
    params, X, Y = _net(rng)
    A3, _ = forward_propagation(X, params)
    squares = sum(np.sum(params[f"W{l}"] ** 2) for l in (1, 2, 3))
    assert compute_cost_with_regularization(A3, Y, params, 0.7) == pytest.approx(
        compute_cost(A3, Y) + 0.7 / (2 * 10) * squares)
    assert compute_cost_with_regularization(A3, Y, params, 0.0) == pytest.approx(compute_cost(A3, Y))


def test_l2_backward_matches_numerical_gradient_of_the_regularized_cost(rng):
    params, X, Y = _net(rng)
    A3, cache = forward_propagation(X, params)
    grads = backward_propagation_with_regularization(X, Y, cache, 0.7)
    theta, _ = dictionary_to_vector(params)

    def cost(t):
        p = vector_to_dictionary(t, params)
        return compute_cost_with_regularization(forward_propagation(X, p)[0], Y, p, 0.7)

    assert check_gradient(cost, theta, gradients_to_vector(grads), h=1e-6) < 1e-7
    unreg = L_model_backward(A3, Y, L_model_forward(X, params)[1])
    np.testing.assert_allclose(grads["dW2"] - unreg["dW2"], 0.7 / 10 * params["W2"])
    np.testing.assert_allclose(grads["db2"], unreg["db2"])  # biases are not regularized


def test_dropout_backward_matches_numerical_gradient_with_frozen_masks(rng):
    params, X, Y = _net(rng)
    A3, cache = forward_propagation_with_dropout(X, params, 0.6, np.random.RandomState(0))
    grads = backward_propagation_with_dropout(X, Y, cache, 0.6)
    theta, _ = dictionary_to_vector(params)

    def cost(t):
        p = vector_to_dictionary(t, params)
        return compute_cost(forward_propagation_with_dropout(X, p, 0.6, np.random.RandomState(0))[0], Y)

    assert check_gradient(cost, theta, gradients_to_vector(grads), h=1e-6) < 1e-7


def test_dropout_masks_scale_kept_units_and_preserve_the_expected_activation(rng):
    params, X, Y = _net(rng, dims=(3, 400, 1), m=50)
    A_full = np.maximum(params["W1"] @ X + params["b1"], 0)
    _, cache = forward_propagation_with_dropout(X, params, 0.8, np.random.RandomState(1))
    D1 = cache[2][0]
    assert D1.shape == (400, 50) and cache[2][1] is None  # no mask on the output layer
    assert abs(D1.mean() - 0.8) < 0.01
    A1_dropped = cache[1][1][0][0]  # the input of layer 2 = dropped-out A1
    np.testing.assert_allclose(A1_dropped, A_full * D1 / 0.8)
    runs = [forward_propagation_with_dropout(X, params, 0.8, np.random.RandomState(s))[1][1][1][0][0]
            for s in range(200)]
    assert abs(np.mean(runs) / A_full.mean() - 1) < 0.01  # E[A * D / keep_prob] = A


def test_keep_prob_one_is_the_plain_network_and_dropout_backward_equals_deep_nn(rng):
    params, X, Y = _net(rng)
    A3, cache = forward_propagation_with_dropout(X, params, 1.0)
    AL, caches = L_model_forward(X, params)
    np.testing.assert_allclose(A3, AL)
    grads = backward_propagation_with_dropout(X, Y, cache, 1.0)
    ref = L_model_backward(AL, Y, caches)
    for k in ref:
        np.testing.assert_allclose(grads[k], ref[k], err_msg=k)


@pytest.mark.parametrize("keep_prob", [0.0, -0.2, 1.5])
def test_keep_prob_outside_zero_one_is_a_value_error(rng, keep_prob):
    params, X, Y = _net(rng)
    with pytest.raises(ValueError, match=r"keep_prob must be in \(0, 1\]"):
        forward_propagation_with_dropout(X, params, keep_prob)
    with pytest.raises(ValueError, match="keep_prob"):
        model(X, Y, [3, 6, 4, 1], num_iterations=1, keep_prob=keep_prob)


def test_negative_lambda_and_mismatched_caches_are_value_errors(rng):
    params, X, Y = _net(rng)
    A3, cache = forward_propagation(X, params)
    with pytest.raises(ValueError, match=r"lambd must be in \[0"):
        compute_cost_with_regularization(A3, Y, params, -0.1)
    with pytest.raises(ValueError, match="lambd"):
        backward_propagation_with_regularization(X, Y, cache, -1.0)
    _, dcache = forward_propagation_with_dropout(X, params, 0.5)
    with pytest.raises(ValueError, match="differs"):
        backward_propagation_with_dropout(X, Y, dcache, 0.7)


def test_l2_backward_through_a_dropout_cache_adds_lambd_over_m_w_to_the_dropout_gradients(rng):
    params, X, Y = _net(rng)
    _, dcache = forward_propagation_with_dropout(X, params, 0.5, np.random.RandomState(4))
    plain = backward_propagation_with_dropout(X, Y, dcache, 0.5)
    reg = backward_propagation_with_regularization(X, Y, dcache, 0.3)
    for l in (1, 2, 3):
        np.testing.assert_allclose(reg[f"dW{l}"] - plain[f"dW{l}"], 0.3 / X.shape[1] * params[f"W{l}"], atol=1e-12)
        np.testing.assert_array_equal(reg[f"db{l}"], plain[f"db{l}"])


def test_model_records_a_finite_cost_even_when_the_x10_start_saturates_the_sigmoid(rng):
    params, X, Y = _net(rng, m=40)
    _, costs = model(X, Y, [3, 6, 4, 1], 0.01, 3, initialization="random", record_every=1)
    assert np.isfinite(costs).all() and costs[0] > 1


def test_model_with_l2_shrinks_the_weights(rng):
    params, X, Y = _net(rng, m=40)
    p0, _ = model(X, Y, [3, 6, 4, 1], 0.1, 300, initialization="he")
    p1, costs = model(X, Y, [3, 6, 4, 1], 0.1, 300, lambd=5.0, initialization="he", record_every=100)
    assert len(costs) == 4
    assert np.sum(p1["W1"] ** 2) < 0.8 * np.sum(p0["W1"] ** 2)


def test_split_and_diagnosis():
    X, Y = np.arange(20.0).reshape(2, 10), np.arange(10.0).reshape(1, 10) % 2
    Xtr, Ytr, Xd, Yd, Xte, Yte = train_dev_test_split(X, Y, (0.6, 0.2, 0.2))
    assert Xtr.shape == (2, 6) and Xd.shape == (2, 2) and Yte.shape == (1, 2)
    np.testing.assert_array_equal(np.sort(np.r_[Xtr[0], Xd[0], Xte[0]]), X[0])
    np.testing.assert_array_equal(Ytr, Xtr[:1] % 2)  # columns stay paired
    assert diagnose_bias_variance(1.0, 11.0) == "high variance"
    assert diagnose_bias_variance(15.0, 16.0) == "high bias"
    assert diagnose_bias_variance(15.0, 30.0) == "high bias & high variance"
    assert diagnose_bias_variance(0.5, 1.0) == "low bias & low variance"
    assert diagnose_bias_variance(15.0, 16.0, base_error=14.0) == "low bias & low variance"
    with pytest.raises(ValueError, match="fractions"):
        train_dev_test_split(X, Y, (0.5, 0.5, 0.5))


def test_model_raises_divergence_error_when_weight_decay_overshoots(rng):
    """With learning_rate * lambd / m > 2 the decay step W -= lr * lambd / m * W flips and grows W every step."""
    from utils.validation import DivergenceError

    _, X, Y = _net(rng, m=40)
    with pytest.raises(DivergenceError, match="diverged"):
        model(X, Y, [3, 6, 4, 1], learning_rate=1.0, lambd=4000.0, num_iterations=400, record_every=1,
              initialization="he")


@pytest.mark.parametrize("workers", [1, 2])
def test_model_grid_gives_what_model_gives_setting_by_setting(rng, workers):
    _, X, Y = _net(rng, m=30)
    settings = [(0.0, 1.0), (0.7, 1.0), (0.0, 0.6), (0.7, 0.6), (3.0, 0.8)]
    grid = model_grid(X, Y, [3, 6, 4, 1], settings, learning_rate=0.3, num_iterations=300, record_every=50,
                      workers=workers)
    assert list(grid) == settings
    for lambd, keep_prob in settings:
        params, costs = model(X, Y, [3, 6, 4, 1], learning_rate=0.3, num_iterations=300, lambd=lambd,
                              keep_prob=keep_prob, record_every=50)
        grid_params, grid_costs = grid[(lambd, keep_prob)]
        assert set(grid_params) == set(params)
        for k in params:
            np.testing.assert_allclose(grid_params[k], params[k], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grid_costs, costs, rtol=1e-10)


def test_model_grid_reports_the_setting_that_diverged_and_trains_the_others(rng):
    from utils.validation import DivergenceError

    _, X, Y = _net(rng, m=40)
    grid = model_grid(X, Y, [3, 6, 4, 1], [(0.0, 1.0), (4000.0, 1.0)], learning_rate=1.0, num_iterations=400,
                      record_every=1, initialization="he", workers=1)
    assert isinstance(grid[(4000.0, 1.0)], DivergenceError) and "lambd = 4000.0" in str(grid[(4000.0, 1.0)])
    params, costs = grid[(0.0, 1.0)]
    assert np.all(np.isfinite(costs)) and np.isfinite(params["W1"]).all()


def test_model_grid_refuses_bad_settings(rng):
    _, X, Y = _net(rng)
    with pytest.raises(ValueError, match="keep_prob"):
        model_grid(X, Y, [3, 6, 4, 1], [(0.0, 1.5)])
    with pytest.raises(ValueError, match="settings"):
        model_grid(X, Y, [3, 6, 4, 1], [])
    with pytest.raises(ValueError, match="layers_dims"):
        model_grid(X, Y, [2, 6, 1], [(0.0, 1.0)])
    with pytest.raises(ValueError, match="workers"):
        model_grid(X, Y, [3, 6, 4, 1], [(0.0, 1.0)], workers=0)
