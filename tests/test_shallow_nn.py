import numpy as np
import pytest

from utils import logistic
from utils.gradcheck import check_gradient
from utils.shallow_nn import (accuracy, backward_propagation, compute_cost, equivalent_logistic,
                              forward_propagation, initialize_parameters, layer_sizes, nn_model, predict,
                              predict_proba, train_nn, update_parameters)
from utils.validation import DivergenceError

tf = pytest.importorskip("tensorflow")

TF_ACT = {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu, "linear": tf.identity,
          "leaky_relu": lambda z: tf.maximum(z, tf.constant(0.01, tf.float64) * z)}
ACTS = sorted(TF_ACT)


def random_problem(rng, n_x=3, n_h=5, m=8):
    p = initialize_parameters(n_x, n_h, 1, init="he", seed=int(rng.integers(1000)))
    p["b1"] = 0.1 * rng.standard_normal((n_h, 1))
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(int)
    return p, X, Y


def test_layer_sizes_and_initialize_parameters_match_the_course():
    X, Y = np.zeros((5, 3)), np.zeros((2, 3))
    assert layer_sizes(X, Y) == (5, 4, 2)
    p = initialize_parameters(2, 4, 1)
    np.testing.assert_allclose(p["W1"][:, 0], [-0.00416758, -0.02136196, -0.01793436, 0.00502881], atol=1e-8)
    np.testing.assert_allclose(p["W2"], [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]], atol=1e-8)
    assert p["b1"].shape == (4, 1) and p["b2"].shape == (1, 1) and not p["b1"].any()


@pytest.mark.parametrize("activation", ACTS)
def test_forward_propagation_matches_tensorflow_and_returns_the_courses_cache(activation, rng):
    p, X, _ = random_problem(rng)
    A2, cache = forward_propagation(X, p, activation)
    a1 = TF_ACT[activation](tf.constant(p["W1"]) @ X + p["b1"])
    a2 = tf.sigmoid(tf.constant(p["W2"]) @ a1 + p["b2"])
    assert sorted(cache) == ["A1", "A2", "Z1", "Z2"] and A2.shape == (1, 8) and cache["A1"].shape == (5, 8)
    np.testing.assert_allclose(A2, a2.numpy(), rtol=1e-12)
    np.testing.assert_allclose(cache["A1"], a1.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ACTS)
def test_backward_propagation_matches_numerical_gradients(activation, rng):
    p, X, Y = random_problem(rng)
    _, cache = forward_propagation(X, p, activation)
    grads = backward_propagation(p, cache, X, Y, activation)
    for key in p:
        cost = lambda v, key=key: compute_cost(forward_propagation(X, {**p, key: v}, activation)[0], Y)  # noqa: E731
        assert check_gradient(cost, p[key], grads["d" + key]) < 1e-7, key


@pytest.mark.parametrize("activation", ACTS)
def test_backward_propagation_matches_tensorflow_autodiff(activation, rng):
    p, X, Y = random_problem(rng, n_x=4, n_h=6, m=10)
    _, cache = forward_propagation(X, p, activation)
    grads = backward_propagation(p, cache, X, Y, activation)
    tp = {k: tf.Variable(v) for k, v in p.items()}
    with tf.GradientTape() as tape:
        logits = tp["W2"] @ TF_ACT[activation](tp["W1"] @ X + tp["b1"]) + tp["b2"]
        cost = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(Y, tf.float64),
                                                                      logits=logits))
    tgrads = tape.gradient(cost, tp)
    for key in p:
        np.testing.assert_allclose(grads["d" + key], tgrads[key].numpy(), rtol=1e-9, atol=1e-14, err_msg=key)


def test_update_parameters_uses_the_courses_default_learning_rate(rng):
    p, _, _ = random_problem(rng)
    grads = {"d" + k: np.ones_like(v) for k, v in p.items()}
    new = update_parameters(p, grads)
    np.testing.assert_allclose(new["W1"], p["W1"] - 1.2)


def test_nn_model_reaches_the_courses_accuracy_on_the_flower():
    from utils.data import load_planar_dataset

    X, Y = load_planar_dataset()
    params, costs = train_nn(X, Y, n_h=4, num_iterations=1001)
    # the course prints these costs at iterations 0 and 1000
    assert costs[0] == pytest.approx(0.693048, abs=1e-6) and costs[1] == pytest.approx(0.288083, abs=1e-6)
    assert accuracy(predict(params, X), Y) > 85
    assert predict_proba(params, X).shape == (1, 400)


def test_nn_model_returns_parameters_only_and_learns_xor(rng):
    X = rng.uniform(-1, 1, (2, 200))
    Y = (X[0] * X[1] > 0).astype(int).reshape(1, -1)
    params = nn_model(X, Y, n_h=6, num_iterations=2000)
    assert sorted(params) == ["W1", "W2", "b1", "b2"]
    assert accuracy(predict(params, X), Y) > 90


def test_a_linear_hidden_layer_collapses_to_logistic_regression(rng):
    p, X, _ = random_problem(rng, n_h=7, m=50)
    w, b = equivalent_logistic(p)
    assert w.shape == (3, 1)
    np.testing.assert_allclose(predict_proba(p, X, "linear"), logistic.predict_proba(w, b, X), rtol=1e-12)


def test_zero_initialization_keeps_every_hidden_unit_identical(rng):
    X = rng.standard_normal((2, 40))
    Y = (X[0] > 0).astype(int).reshape(1, -1)
    params, _ = train_nn(X, Y, n_h=5, num_iterations=200, activation="sigmoid", init="zeros")
    # identical up to round-off (BLAS may sum rows in different orders); they did learn, all the same thing
    assert np.ptp(params["W1"], axis=0).max() < 1e-10 * np.abs(params["W1"]).max()
    assert np.ptp(params["W2"]) < 1e-10 * np.abs(params["W2"]).max() and np.abs(params["W1"]).max() > 0.1


def test_identical_nonzero_initial_units_stay_identical_and_match_one_unit(rng):
    X = rng.standard_normal((2, 60))
    Y = (X[0] - X[1] > 0).astype(int).reshape(1, -1)
    start = {"W1": np.tile([[0.5, -0.3]], (3, 1)), "b1": np.zeros((3, 1)), "W2": np.full((1, 3), 0.1),
             "b2": np.zeros((1, 1))}
    params, _ = train_nn(X, Y, n_h=3, num_iterations=300, learning_rate=0.5, initial_parameters=start)
    assert np.ptp(params["W1"], axis=0).max() < 1e-10 and np.abs(params["W1"] - start["W1"]).max() > 0.01
    assert start["W1"][0, 0] == 0.5  # the caller's dict is not modified
    # three identical units behave as one unit with three times the output weight
    one = {"W1": params["W1"][:1], "b1": params["b1"][:1], "W2": 3 * params["W2"][:, :1], "b2": params["b2"]}
    np.testing.assert_allclose(predict_proba(params, X), predict_proba(one, X), rtol=1e-10)
    with pytest.raises(ValueError, match="initial_parameters must have 4 hidden"):
        train_nn(X, Y, n_h=4, initial_parameters=start)


def test_train_nn_raises_divergence_error_on_nan(rng):
    X, Y = rng.standard_normal((2, 10)), (rng.random((1, 10)) > 0.5).astype(int)
    X[0, 0] = np.nan
    with pytest.raises(DivergenceError, match="diverged at iteration 0"):
        train_nn(X, Y, 3, num_iterations=5)


def test_bad_input_gets_clear_errors(rng):
    p, X, Y = random_problem(rng)
    with pytest.raises(ValueError, match=r"X must have shape \(3, m\)"):
        forward_propagation(X.T, p)
    with pytest.raises(ValueError, match="keys"):
        forward_propagation(X, {"W1": p["W1"]})
    with pytest.raises(ValueError, match=r"b1 must have shape \(5, 1\)"):
        forward_propagation(X, {**p, "b1": np.zeros(5)})
    _, cache = forward_propagation(X, p)
    with pytest.raises(ValueError, match="only 0 and 1"):
        backward_propagation(p, cache, X, Y * 3)
    with pytest.raises(ValueError, match="X has 8 examples"):
        backward_propagation(p, cache, X, Y[:, :5])
    with pytest.raises(ValueError, match="cache must be the dict"):
        backward_propagation(p, {}, X, Y)
    with pytest.raises(ValueError, match="activation must be an activation, one of"):
        train_nn(X, Y, 3, activation="swish")
    with pytest.raises(ValueError, match="n_h must be a positive integer"):
        train_nn(X, Y, 0)


def test_predict_returns_integer_labels_and_0_where_A2_is_exactly_one_half(rng):
    p, X, _ = random_problem(rng)
    labels = predict(p, X)
    assert labels.dtype.kind == "i" and np.array_equal(labels, (predict_proba(p, X) > 0.5).astype(int))
    p["W2"], p["b2"] = np.zeros_like(p["W2"]), np.zeros_like(p["b2"])  # A2 = sigmoid(0) = 0.5 exactly
    assert not predict(p, X).any()


def test_update_parameters_rejects_missing_keys_and_misshapen_gradients(rng):
    p, X, Y = random_problem(rng)
    A2, cache = forward_propagation(X, p)
    grads = backward_propagation(p, cache, X, Y)
    with pytest.raises(ValueError, match="grads must be a dict with keys"):
        update_parameters(p, {k: v for k, v in grads.items() if k != "db2"})
    with pytest.raises(ValueError, match="parameters must be a dict with keys"):
        update_parameters({k: v for k, v in p.items() if k != "W1"}, grads)
    with pytest.raises(ValueError, match=r"db1 has shape \(5,\) but b1 has shape \(5, 1\)"):
        update_parameters(p, {**grads, "db1": grads["db1"].ravel()})
