import numpy as np
import pytest

from utils.gradcheck import check_gradient, numerical_gradient, rel_error
from utils.logistic import (cost_surface, descent_path, initialize_with_zeros, model, optimize, predict,
                            predict_proba, propagate, propagate_loop, sigmoid)
from utils.validation import DivergenceError

tf = pytest.importorskip("tensorflow")

# the course's test case
W, B = np.array([[1.0], [2.0]]), 2.0
X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
Y = np.array([[1, 0, 1]])


def random_problem(rng, n_x=4, m=9):
    return (rng.standard_normal((n_x, 1)), float(rng.standard_normal()), rng.standard_normal((n_x, m)),
            (rng.random((1, m)) > 0.5).astype(int))


def test_initialize_with_zeros_shapes():
    w, b = initialize_with_zeros(3)
    assert w.shape == (3, 1) and not w.any() and b == 0.0 and isinstance(b, float)


def test_propagate_matches_the_courses_values():
    grads, cost = propagate(W, B, X, Y)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], atol=1e-8)
    assert grads["db"] == pytest.approx(0.00145557813678)
    assert cost == pytest.approx(5.801545319394553)


def test_propagate_gradients_match_numerical_gradients(rng):
    w, b, Xr, Yr = random_problem(rng)
    grads, _ = propagate(w, b, Xr, Yr)
    assert check_gradient(lambda v: propagate(v, b, Xr, Yr)[1], w, grads["dw"]) < 1e-7
    num_db = numerical_gradient(lambda v: propagate(w, v, Xr, Yr)[1], np.array(b))
    assert rel_error(np.array(grads["db"]), num_db) < 1e-7


def test_propagate_matches_tensorflow_autodiff(rng):
    w, b, Xr, Yr = random_problem(rng, n_x=6, m=13)
    grads, cost = propagate(w, b, Xr, Yr)
    tw, tb = tf.Variable(w), tf.Variable(b, dtype=tf.float64)
    with tf.GradientTape() as tape:
        logits = tf.transpose(tw) @ Xr + tb
        tcost = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(Yr, tf.float64),
                                                                      logits=logits))
    dw, db = tape.gradient(tcost, [tw, tb])
    assert cost == pytest.approx(tcost.numpy(), rel=1e-12)
    assert rel_error(grads["dw"], dw.numpy()) < 1e-10 and grads["db"] == pytest.approx(db.numpy(), rel=1e-10)


def test_loop_version_computes_the_same_as_the_vectorized_one(rng):
    w, b, Xr, Yr = random_problem(rng, n_x=5, m=20)
    (g1, c1), (g2, c2) = propagate(w, b, Xr, Yr), propagate_loop(w, b, Xr, Yr)
    assert rel_error(g1["dw"], g2["dw"]) < 1e-12 and g1["db"] == pytest.approx(g2["db"]) and c1 == pytest.approx(c2)
    # and stays finite where the sigmoid saturates
    (g3, c3), (g4, c4) = propagate(w * 100, b, Xr, Yr), propagate_loop(w * 100, b, Xr, Yr)
    assert np.isfinite(c3) and c3 == pytest.approx(c4) and rel_error(g3["dw"], g4["dw"]) < 1e-12


def test_optimize_matches_the_courses_values():
    params, grads, costs = optimize(W, B, X, Y, num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], atol=1e-8)
    assert params["b"] == pytest.approx(1.92535983008)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], atol=1e-8)
    assert grads["db"] == pytest.approx(0.219194504541) and len(costs) == 1


def test_optimize_lowers_the_cost_and_does_not_modify_w(rng):
    w, b, Xr, Yr = random_problem(rng)
    w0 = w.copy()
    _, _, costs = optimize(w, b, Xr, Yr, num_iterations=500, learning_rate=0.1, record_every=100)
    assert len(costs) == 5 and costs[-1] < costs[0]
    np.testing.assert_array_equal(w, w0)


def test_optimize_raises_divergence_error_on_nan_cost(rng):
    w, b, Xr, Yr = random_problem(rng)
    with pytest.raises(DivergenceError, match="diverged at iteration 0"):
        optimize(w * np.nan, b, Xr, Yr, num_iterations=5)


def test_predict_matches_the_course_and_probabilities_are_sigmoids():
    w, b = np.array([[0.1124579], [0.23106775]]), -0.3
    Xp = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    np.testing.assert_array_equal(predict(w, b, Xp), [[1.0, 1.0, 0.0]])
    np.testing.assert_allclose(predict_proba(w, b, Xp), sigmoid(w.T @ Xp + b))


def test_model_learns_a_separable_problem(rng):
    Xs = rng.standard_normal((2, 100))
    Ys = (Xs[0] + 2 * Xs[1] > 0).astype(int).reshape(1, -1)
    d = model(Xs[:, :80], Ys[:, :80], Xs[:, 80:], Ys[:, 80:], num_iterations=500, learning_rate=0.5)
    assert d["train_accuracy"] > 95 and d["test_accuracy"] > 90
    assert d["Y_prediction_test"].shape == (1, 20) and d["w"].shape == (2, 1) and len(d["costs"]) == 5


def test_descent_path_records_every_step_and_agrees_with_optimize(rng):
    w, b, Xr, Yr = random_problem(rng, n_x=1)
    path, costs = descent_path(w, b, Xr, Yr, num_iterations=30, learning_rate=0.5)
    params, _, _ = optimize(w, b, Xr, Yr, num_iterations=30, learning_rate=0.5)
    assert path.shape == (31, 2) and costs.shape == (31,)
    assert path[-1, 0] == pytest.approx(params["w"][0, 0]) and path[-1, 1] == pytest.approx(params["b"])
    assert costs[0] == pytest.approx(propagate(w, b, Xr, Yr)[1])


def test_cost_surface_agrees_with_propagate(rng):
    _, _, Xr, Yr = random_problem(rng, n_x=1)
    ws, bs = np.linspace(-3, 3, 4), np.linspace(-1, 1, 3)
    C = cost_surface(Xr, Yr, ws, bs)
    assert C.shape == (3, 4)
    assert C[2, 1] == pytest.approx(propagate(np.array([[ws[1]]]), bs[2], Xr, Yr)[1])


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match=r"X must have shape \(2, m\)"):
        propagate(W, B, X.T, Y)
    with pytest.raises(ValueError, match="only 0 and 1"):
        propagate(W, B, X, np.array([[1, 0, 3]]))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m\)"):
        propagate(W, B, X, np.array([1, 0, 1]))
    with pytest.raises(ValueError, match="X has 3 examples"):
        propagate(W, B, X, np.array([[1, 0]]))
    with pytest.raises(ValueError, match="b must be a scalar"):
        propagate(W, np.ones(2), X, Y)
    with pytest.raises(ValueError, match=r"w must have shape \(m, 1\)"):
        predict(np.ones(2), 0.0, X)
    with pytest.raises(ValueError, match="learning_rate"):
        optimize(W, B, X, Y, learning_rate=0)
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        initialize_with_zeros(0)
    with pytest.raises(ValueError, match=r"X_test must have shape \(2, m\)"):
        model(X, Y, X.T, Y)


def test_plot_cost_surface_draws_each_path_and_checks_its_shape(rng):
    from utils.logistic import plot_cost_surface

    _, _, Xr, Yr = random_problem(rng, n_x=1)
    path, _ = descent_path(np.array([[-3.0]]), 3.0, Xr, Yr, 10, 0.5)
    ax = plot_cost_surface(Xr, Yr, {"lr 0.5": path}, resolution=20)
    assert ax.get_xlabel() == "weight w" and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_xydata(), path)
    with pytest.raises(ValueError, match=r"path 'bad' must have shape \(m, 2\)"):
        plot_cost_surface(Xr, Yr, {"bad": np.zeros((3, 3))}, resolution=10)


def test_propagate_cost_is_the_courses_formula_and_stays_finite_when_the_sigmoid_saturates(rng):
    w, b, X_r, Y_r = random_problem(rng)
    A = sigmoid(w.T @ X_r + b)
    course = -np.mean(Y_r * np.log(A) + (1 - Y_r) * np.log(1 - A))
    assert np.isclose(propagate(w, b, X_r, Y_r)[1], course, rtol=1e-12)
    # w^T x + b = +-50: A rounds to exactly 1 or 0, where the course's formula gives inf for a wrong label
    grads, cost = propagate(np.array([[50.0]]), 0.0, np.array([[1.0, -1.0]]), np.array([[0, 1]]))
    assert np.isclose(cost, 50.0) and np.allclose(grads["dw"], [[1.0]]) and grads["db"] == 0.0
