import numpy as np
import pytest

from utils.deep_nn import (L_layer_model, L_model_backward, L_model_forward, accuracy, compute_cost, cost_from_logits,
                           initialize_parameters_deep, layer_dims_of, linear_activation_backward,
                           linear_activation_forward, linear_backward, linear_forward, num_layers, predict,
                           predict_proba, update_parameters)
from utils.gradcheck import check_gradient, numerical_gradient, rel_error
from utils.validation import DivergenceError

tf = pytest.importorskip("tensorflow")

TF_ACT = {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu, "linear": tf.identity,
          "leaky_relu": lambda z: tf.maximum(z, tf.constant(0.01, tf.float64) * z)}
HIDDEN = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"]


def random_network(rng, dims=(4, 5, 3, 1), m=7):
    params = initialize_parameters_deep(list(dims), init="he", seed=int(rng.integers(1000)))
    params = {k: v + (0.1 * rng.standard_normal(v.shape) if k.startswith("b") else 0) for k, v in params.items()}
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return params, X, Y


# --- initialization -------------------------------------------------------------------------------------

def test_initialize_parameters_deep_matches_the_courses_small_init():
    p = initialize_parameters_deep([5, 4, 3], init="small", seed=3)
    np.testing.assert_allclose(p["W1"][0], [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388], atol=1e-8)
    np.testing.assert_allclose(p["W2"][0], [-0.01185047, -0.0020565, 0.01486148, 0.00236716], atol=1e-8)
    assert {k: v.shape for k, v in p.items()} == {"W1": (4, 5), "b1": (4, 1), "W2": (3, 4), "b2": (3, 1)}
    assert not any(p["b1"]) and not any(p["b2"])


@pytest.mark.parametrize("init, std", [("sqrt", 1 / np.sqrt(400)), ("he", np.sqrt(2 / 400)), ("small", 0.01)])
def test_initialize_parameters_deep_scales_weights_by_the_chosen_rule(init, std):
    p = initialize_parameters_deep([400, 300, 1], init=init, seed=0)
    assert p["W1"].std() == pytest.approx(std, rel=0.02)
    assert layer_dims_of(p) == [400, 300, 1] and num_layers(p) == 2


def test_zero_initialization_gives_identical_units():
    p = initialize_parameters_deep([3, 4, 1], init="zeros")
    assert not p["W1"].any() and not p["W2"].any()


def test_initialize_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least"):
        initialize_parameters_deep([5])
    with pytest.raises(ValueError, match=r"layer_dims\[1\] must be a positive integer"):
        initialize_parameters_deep([5, 0, 1])
    with pytest.raises(ValueError, match="unknown init 'xavier'"):
        initialize_parameters_deep([5, 1], init="xavier")


# --- forward ------------------------------------------------------------------------------------------------

def test_linear_forward_matches_tensorflow_and_caches_its_inputs(rng):
    A, W, b = rng.standard_normal((3, 2)), rng.standard_normal((1, 3)), rng.standard_normal((1, 1))
    Z, cache = linear_forward(A, W, b)
    expected = (tf.constant(W) @ tf.constant(A) + tf.constant(b)).numpy()
    assert Z.shape == (1, 2) and rel_error(Z, expected) < 1e-12
    assert all(np.array_equal(c, x) for c, x in zip(cache, (A, W, b)))


@pytest.mark.parametrize("activation", HIDDEN)
def test_linear_activation_forward_matches_tensorflow(activation, rng):
    A, W, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    out, (linear_cache, Z) = linear_activation_forward(A, W, b, activation)
    expected = TF_ACT[activation](tf.constant(W) @ tf.constant(A) + tf.constant(b)).numpy()
    assert out.shape == (2, 4) and rel_error(out, expected) < 1e-12
    np.testing.assert_allclose(Z, W @ A + b)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_L_model_forward_matches_a_tensorflow_network_and_keeps_one_cache_per_layer(hidden, rng):
    params, X, _ = random_network(rng)
    AL, caches = L_model_forward(X, params, hidden)
    a = tf.constant(X)
    for l in range(1, 4):
        z = tf.constant(params[f"W{l}"]) @ a + tf.constant(params[f"b{l}"])
        a = TF_ACT[hidden if l < 3 else "sigmoid"](z)
    assert AL.shape == (1, 7) and len(caches) == 3
    assert rel_error(AL, a.numpy()) < 1e-12


def test_compute_cost_matches_the_course_and_tensorflow(rng):
    assert compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])) == pytest.approx(0.2797765635793422)
    AL, Y = rng.uniform(0.01, 0.99, (1, 20)), (rng.random((1, 20)) > 0.5).astype(float)
    a, y = tf.constant(AL), tf.constant(Y)
    expected = -tf.reduce_mean(y * tf.math.log(a) + (1 - y) * tf.math.log(1 - a)).numpy()
    assert compute_cost(AL, Y) == pytest.approx(expected, rel=1e-12)


def test_compute_cost_is_finite_for_confident_right_answers_and_infinite_for_confident_wrong_ones():
    assert compute_cost(np.array([[1.0, 0.0]]), np.array([[1, 0]])) == 0.0
    assert compute_cost(np.array([[0.0, 0.5]]), np.array([[1, 0]])) == np.inf


def test_cost_from_logits_matches_compute_cost_and_tensorflow_and_stays_finite_when_saturated(rng):
    Z, Y = rng.standard_normal((1, 15)) * 3, (rng.random((1, 15)) > 0.5).astype(float)
    expected = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(Y), logits=tf.constant(Z)))
    assert cost_from_logits(Z, Y) == pytest.approx(compute_cost(1 / (1 + np.exp(-Z)), Y), rel=1e-12)
    assert cost_from_logits(Z, Y) == pytest.approx(expected.numpy(), rel=1e-12)
    assert cost_from_logits(np.array([[50.0, 3.0]]), np.array([[0, 1]])) == pytest.approx((50 + np.log1p(np.exp(-3))) / 2)
    assert compute_cost(1 / (1 + np.exp(-np.array([[50.0]]))), np.array([[0]])) == np.inf


def test_accuracy_is_the_percentage_of_matching_labels():
    assert accuracy(np.array([[1, 0, 1, 1]]), np.array([[1, 1, 1, 0]])) == 50.0
    with pytest.raises(ValueError, match="Y_hat has 3 examples"):
        accuracy(np.array([[1, 0, 1]]), np.array([[1, 0]]))


# --- backward -----------------------------------------------------------------------------------------------

def test_linear_backward_matches_numerical_gradients(rng):
    A, W, b = rng.standard_normal((3, 5)), rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    dZ = rng.standard_normal((2, 5))
    dA_prev, dW, db = linear_backward(dZ, (A, W, b))
    m = A.shape[1]  # dW and db are averaged over the examples, dA_prev is not (the course's convention)
    assert rel_error(dA_prev, numerical_gradient(lambda a: linear_forward(a, W, b)[0], A, dZ)) < 1e-7
    assert rel_error(dW, numerical_gradient(lambda w: linear_forward(A, w, b)[0], W, dZ) / m) < 1e-7
    assert rel_error(db, numerical_gradient(lambda v: linear_forward(A, W, v)[0], b, dZ) / m) < 1e-7


@pytest.mark.parametrize("activation", HIDDEN)
def test_linear_activation_backward_matches_tensorflow_autodiff(activation, rng):
    A, W, b = rng.standard_normal((3, 6)), rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    dA = rng.standard_normal((4, 6))
    _, cache = linear_activation_forward(A, W, b, activation)
    dA_prev, dW, db = linear_activation_backward(dA, cache, activation)
    ta, tw, tb = tf.Variable(A), tf.Variable(W), tf.Variable(b)
    with tf.GradientTape() as tape:
        out = TF_ACT[activation](tw @ ta + tb)
    ga, gw, gb = tape.gradient(out, [ta, tw, tb], output_gradients=tf.constant(dA))
    m = A.shape[1]  # the course averages dW and db over the m examples
    assert rel_error(dA_prev, ga.numpy()) < 1e-10
    assert rel_error(dW, gw.numpy() / m) < 1e-10 and rel_error(db, gb.numpy() / m) < 1e-10


@pytest.mark.parametrize("activation", HIDDEN)
def test_linear_activation_backward_matches_numerical_gradients(activation, rng):
    A, W, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    dA = rng.standard_normal((2, 4))
    _, cache = linear_activation_forward(A, W, b, activation)
    dA_prev, dW, db = linear_activation_backward(dA, cache, activation)
    fwd = linear_activation_forward
    assert check_gradient(lambda a: fwd(a, W, b, activation)[0], A, dA_prev, dA) < 1e-7
    assert check_gradient(lambda w: fwd(A, w, b, activation)[0] / 4, W, dW, dA) < 1e-7
    assert check_gradient(lambda v: fwd(A, W, v, activation)[0] / 4, b, db, dA) < 1e-7


@pytest.mark.parametrize("hidden", HIDDEN)
def test_L_model_backward_matches_numerical_gradients_of_the_cost(hidden, rng):
    params, X, Y = random_network(rng)
    AL, caches = L_model_forward(X, params, hidden)
    grads = L_model_backward(AL, Y, caches, hidden)
    assert sorted(grads) == sorted(["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"])

    def cost_with(key):
        return lambda v: compute_cost(L_model_forward(X, {**params, key: v}, hidden)[0], Y)

    # the course's check ||grad - approx|| / (||grad|| + ||approx||): elementwise errors of entries near 1e-5
    # are dominated by the finite difference's round-off
    for key in params:
        assert check_gradient(cost_with(key), params[key], grads["d" + key]) < 1e-7, key
    # dA0 is the per-example gradient with respect to X: m times the gradient of the mean cost
    m_times_cost = lambda x: X.shape[1] * compute_cost(L_model_forward(x, params, hidden)[0], Y)  # noqa: E731
    assert check_gradient(m_times_cost, X, grads["dA0"]) < 1e-7


@pytest.mark.parametrize("hidden", HIDDEN)
def test_L_model_backward_matches_tensorflow_autodiff(hidden, rng):
    params, X, Y = random_network(rng, dims=(6, 8, 4, 1), m=11)
    AL, caches = L_model_forward(X, params, hidden)
    grads = L_model_backward(AL, Y, caches, hidden)
    tparams = {k: tf.Variable(v) for k, v in params.items()}
    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        a = x
        for l in range(1, 4):
            a = TF_ACT[hidden if l < 3 else "sigmoid"](tparams[f"W{l}"] @ a + tparams[f"b{l}"])
        cost = -tf.reduce_mean(Y * tf.math.log(a) + (1 - Y) * tf.math.log(1 - a))
    tgrads = tape.gradient(cost, {**tparams, "X": x})
    assert compute_cost(AL, Y) == pytest.approx(cost.numpy(), rel=1e-12)
    for key in params:
        assert rel_error(grads["d" + key], tgrads[key].numpy()) < 1e-9, key
    assert rel_error(grads["dA0"], X.shape[1] * tgrads["X"].numpy()) < 1e-9


def test_L_model_backward_output_layer_equals_the_courses_dAL_route(rng):
    params, X, Y = random_network(rng)
    AL, caches = L_model_forward(X, params)
    grads = L_model_backward(AL, Y, caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA_prev, dW, db = linear_activation_backward(dAL, caches[-1], "sigmoid")
    assert rel_error(grads["dW3"], dW) < 1e-10 and rel_error(grads["dA2"], dA_prev) < 1e-10


# --- update, training, prediction ------------------------------------------------------------------------

def test_update_parameters_takes_one_step_and_leaves_the_input_untouched(rng):
    params, X, Y = random_network(rng)
    before = {k: v.copy() for k, v in params.items()}
    grads = {"d" + k: np.ones_like(v) for k, v in params.items()}
    new = update_parameters(params, grads, 0.1)
    for k in params:
        np.testing.assert_allclose(new[k], before[k] - 0.1)
        np.testing.assert_array_equal(params[k], before[k])


def test_update_parameters_rejects_missing_or_misshapen_gradients(rng):
    params, _, _ = random_network(rng)
    with pytest.raises(ValueError, match="missing"):
        update_parameters(params, {"dW1": params["W1"]}, 0.1)
    grads = {"d" + k: np.ones_like(v) for k, v in params.items()}
    grads["dW2"] = np.ones((2, 2))
    with pytest.raises(ValueError, match=r"dW2 has shape \(2, 2\)"):
        update_parameters(params, grads, 0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        update_parameters(params, {"d" + k: v for k, v in params.items()}, -1.0)


def test_L_layer_model_learns_xor_that_a_linear_model_cannot(rng):
    X = rng.uniform(-1, 1, (2, 200))
    Y = (X[0] * X[1] > 0).astype(int).reshape(1, -1)
    params, costs = L_layer_model(X, Y, [2, 8, 4, 1], learning_rate=0.5, num_iterations=1500, record_every=100)
    assert len(costs) == 16 and costs[-1] < 0.5 * costs[0]
    assert accuracy(predict(X, params), Y) > 90
    assert predict_proba(X, params).shape == (1, 200)


def test_L_layer_model_continued_from_initial_parameters_equals_one_longer_run(rng):
    X = rng.standard_normal((3, 40))
    Y = (X[0] > X[1]).astype(int).reshape(1, -1)
    full, _ = L_layer_model(X, Y, [3, 4, 1], 0.1, 30)
    half, _ = L_layer_model(X, Y, [3, 4, 1], 0.1, 12)
    before = {k: v.copy() for k, v in half.items()}
    rest, _ = L_layer_model(X, Y, [3, 4, 1], 0.1, 18, initial_parameters=half)
    for k in full:
        np.testing.assert_allclose(rest[k], full[k], rtol=1e-12)
        np.testing.assert_array_equal(half[k], before[k])
    with pytest.raises(ValueError, match="initial_parameters have layer sizes"):
        L_layer_model(X, Y, [3, 5, 1], 0.1, 5, initial_parameters=half)


def test_L_layer_model_raises_divergence_error_for_a_huge_learning_rate(rng):
    X = rng.standard_normal((3, 50)) * 10
    Y = (rng.random((1, 50)) > 0.5).astype(int)
    with pytest.raises(DivergenceError, match="diverged"):
        L_layer_model(X, Y, [3, 5, 1], learning_rate=1e6, num_iterations=50)


def test_L_layer_model_prints_the_cost_when_asked(rng, capsys):
    X, Y = rng.standard_normal((2, 10)), (rng.random((1, 10)) > 0.5).astype(int)
    L_layer_model(X, Y, [2, 3, 1], num_iterations=3, print_cost=True, record_every=1)
    assert capsys.readouterr().out.count("Cost after iteration") == 3


def test_bad_input_gets_clear_errors(rng):
    params, X, Y = random_network(rng)
    with pytest.raises(ValueError, match=r"X must have shape \(4, m\)"):
        L_model_forward(X.T, params)
    with pytest.raises(ValueError, match=r"A must have shape \(3, m\)"):
        linear_forward(np.ones((2, 5)), np.ones((1, 3)), np.ones((1, 1)))
    with pytest.raises(ValueError, match=r"b must have shape \(1, 1\)"):
        linear_forward(np.ones((3, 5)), np.ones((1, 3)), np.ones(1))
    with pytest.raises(ValueError, match="only 0 and 1"):
        compute_cost(np.full((1, 3), 0.5), np.array([[0, 2, 1]]))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m\) or \(m,\), got shape \(3, 1\)"):
        compute_cost(np.full((1, 3), 0.5), np.array([[0], [1], [1]]))  # (m,) is accepted, as the course's tests pass it
    with pytest.raises(ValueError, match="AL has 3 examples"):
        compute_cost(np.full((1, 3), 0.5), np.array([[0, 1]]))
    with pytest.raises(ValueError, match="layers_dims must start with n_x = 4"):
        L_layer_model(X, Y, [3, 2, 1])
    with pytest.raises(ValueError, match="only 0 and 1"):
        L_layer_model(X, Y * 2, [4, 2, 1])
    with pytest.raises(ValueError, match=r"dZ must have shape \(2, 5\)"):
        linear_backward(np.ones((2, 4)), (np.ones((3, 5)), np.ones((2, 3)), np.ones((2, 1))))
    with pytest.raises(ValueError, match="activation must be an activation, one of"):
        linear_activation_forward(X, params["W1"], params["b1"], "softmax")
    with pytest.raises(ValueError, match="missing W2 or b2"):
        num_layers({"W1": params["W1"], "b1": params["b1"], "W3": params["W3"], "b3": params["b3"]})
    with pytest.raises(ValueError, match="W2 has 5 columns but layer 1 has 3 units"):
        num_layers({"W1": np.ones((3, 4)), "b1": np.ones((3, 1)), "W2": np.ones((1, 5)), "b2": np.ones((1, 1))})


def test_zero_initialization_gives_plus_zeros_and_leaves_numpys_global_generator_alone():
    np.random.seed(0)
    expected = np.random.rand(3)
    np.random.seed(0)
    p = initialize_parameters_deep([4, 3, 1], init="zeros", seed=None)
    assert np.array_equal(np.random.rand(3), expected)
    assert all(not np.signbit(v).any() and not v.any() for v in p.values())  # no -0.0 from negative draws


def test_training_snapshots_match_separate_runs_and_report_divergence(rng):
    from utils.deep_nn import TrainingSnapshots
    X = rng.standard_normal((3, 40))
    Y = (X[0] > X[1]).astype(int).reshape(1, -1)
    snaps = TrainingSnapshots.train(X, Y, [3, 4, 1], 0.1, 30, every=10, record_every=5, init="sqrt", seed=1)
    for n in (10, 20, 30):
        params, costs = snaps.at(n)
        alone, alone_costs = L_layer_model(X, Y, [3, 4, 1], 0.1, n, init="sqrt", seed=1, record_every=5)
        for k in alone:
            np.testing.assert_allclose(params[k], alone[k], rtol=1e-12)
        assert len(costs) == n // 5
        np.testing.assert_allclose(costs, alone_costs[:n // 5], rtol=1e-12)
    with pytest.raises(ValueError, match="multiple of 10"):
        snaps.at(15)
    with pytest.raises(ValueError, match="only 30 iterations"):
        snaps.at(40)
    with pytest.raises(ValueError, match="multiple of every"):
        TrainingSnapshots.train(X, Y, [3, 4, 1], 0.1, 25, every=10)
    Xbig = rng.standard_normal((3, 50)) * 10
    Ybig = (rng.random((1, 50)) > 0.5).astype(int)
    bad = TrainingSnapshots.train(Xbig, Ybig, [3, 5, 1], 1e6, 50, every=10, record_every=5)
    with pytest.raises(DivergenceError, match="diverged"):
        bad.at(50)
