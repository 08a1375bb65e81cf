"""The course's gradient checks, built on utils.gradcheck: correct backprop passes, a planted bug does not."""

import numpy as np
import pytest

from utils.deep_nn import L_model_backward, L_model_forward
from utils.gradient_checking import (dictionary_to_vector, gradient_check, gradient_check_cost, gradient_check_n,
                                     gradients_to_vector, vector_to_dictionary)
from utils.regularization import backward_propagation_with_dropout, forward_propagation_with_dropout


def _net(rng, dims=(4, 5, 3, 1), m=6):
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
        params[f"b{l}"] = rng.standard_normal((dims[l], 1))  # non-zero biases keep every ReLU input off its kink
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return params, X, Y


def test_one_dimensional_check_passes_for_the_right_derivative():
    assert gradient_check(3.0, 4.0) < 2e-7
    assert gradient_check(-2.0, 0.5, epsilon=1e-4) < 2e-7


def test_one_dimensional_check_uses_the_two_sided_difference(monkeypatch):
    import utils.gradient_checking as gc

    monkeypatch.setattr(gc, "backward_propagation", lambda x, theta: x + 1.0)  # a wrong derivative
    assert gc.gradient_check(3.0, 4.0) > 0.1


def test_vector_round_trip_keeps_order_shapes_and_names(rng):
    params, _, _ = _net(rng)
    theta, names = dictionary_to_vector(params)
    assert theta.shape == (sum(v.size for v in params.values()), 1)
    assert names[:20] == ["W1"] * 20 and names[20:25] == ["b1"] * 5
    back = vector_to_dictionary(theta, params)
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])
    grads = {"d" + k: v for k, v in params.items()} | {"dA0": np.ones(3)}
    np.testing.assert_array_equal(gradients_to_vector(grads), theta)  # dA entries are ignored


def test_gradient_check_n_passes_for_deep_nn_backprop_and_catches_planted_bugs(rng):
    params, X, Y = _net(rng)
    AL, caches = L_model_forward(X, params)
    grads = L_model_backward(AL, Y, caches)
    assert gradient_check_n(params, grads, X, Y) < 2e-7
    assert gradient_check_n(params, {**grads, "dW2": 2 * grads["dW2"]}, X, Y) > 1e-3  # the course's bug
    assert gradient_check_n(params, {**grads, "db1": 4 * grads["db1"]}, X, Y) > 1e-3


def test_dropout_backward_passes_the_check_only_with_the_masks_frozen(rng):
    params, X, Y = _net(rng, m=8)
    from utils.deep_nn import compute_cost

    AL, cache = forward_propagation_with_dropout(X, params, 0.7, np.random.RandomState(3))
    grads = backward_propagation_with_dropout(X, Y, cache, 0.7)

    def frozen(p):  # the same masks at every evaluation: J is a function of theta
        return compute_cost(forward_propagation_with_dropout(X, p, 0.7, np.random.RandomState(3))[0], Y)

    def fresh(p):  # new masks at every evaluation, as during training: J is random
        return compute_cost(forward_propagation_with_dropout(X, p, 0.7)[0], Y)

    assert gradient_check_cost(frozen, params, grads) < 2e-7
    assert gradient_check_cost(fresh, params, grads) > 1e-3


def test_mismatched_keys_and_shapes_raise_value_error(rng):
    params, X, Y = _net(rng)
    AL, caches = L_model_forward(X, params)
    grads = L_model_backward(AL, Y, caches)
    with pytest.raises(ValueError, match=r"gradients is missing \['db3'\]"):
        gradient_check_n(params, {k: v for k, v in grads.items() if k != "db3"}, X, Y)
    with pytest.raises(ValueError, match=r"gradients\['dW1'\] has shape"):
        gradient_check_n(params, {**grads, "dW1": grads["dW1"].T}, X, Y)
    with pytest.raises(ValueError, match="theta has 3 entries"):
        vector_to_dictionary(np.zeros((3, 1)), params)
    with pytest.raises(ValueError, match="epsilon"):
        gradient_check(1.0, 2.0, epsilon=0.0)


def test_gradient_check_n_loop_agrees_with_gradient_check_cost_and_forward_propagation_n_is_the_cost(rng):
    from utils.deep_nn import compute_cost
    from utils.gradient_checking import forward_propagation_n

    params, X, Y = _net(rng)
    AL, caches = L_model_forward(X, params)
    J, _ = forward_propagation_n(X, Y, params)
    assert J == compute_cost(AL, Y)
    grads = L_model_backward(AL, Y, caches)
    buggy = dict(grads, dW1=grads["dW1"] * 1.5)
    for g in (grads, buggy):
        loop = gradient_check_n(params, g, X, Y, epsilon=1e-6)
        generic = gradient_check_cost(lambda p: forward_propagation_n(X, Y, p)[0], params, g, epsilon=1e-6)
        assert loop == pytest.approx(generic, rel=1e-6, abs=1e-9)
    assert gradient_check_n(params, buggy, X, Y) > 1e-3


# --- the panel's helpers: planted bugs, a sweep of epsilons ---------------------------------------------------

def _square_net(rng):
    """[4, 5, 5, 1] with small weights: W2 is square (a transposed dW2 keeps its shape), no sigmoid saturates."""
    params, X, Y = _net(rng, dims=(4, 5, 5, 1), m=3)
    return {k: 0.5 * v for k, v in params.items()}, X, np.array([[1.0, 1.0, 0.0]])


def _cost(X, Y):
    from utils.deep_nn import compute_cost

    return lambda p: compute_cost(L_model_forward(X, p)[0], Y)


def test_backward_with_no_bug_is_l_model_backward_and_every_planted_bug_keeps_the_shapes(rng):
    from utils.gradient_checking import PLANTED_BUGS, backward_with_bug

    params, X, Y = _square_net(rng)
    AL, caches = L_model_forward(X, params)
    right = L_model_backward(AL, Y, caches)
    for k, v in backward_with_bug(AL, Y, caches, "none").items():
        np.testing.assert_array_equal(v, right[k])
    for bug in PLANTED_BUGS:
        grads = backward_with_bug(AL, Y, caches, bug)
        assert all(grads[k].shape == right[k].shape for k in right if k.startswith(("dW", "db"))), bug
        if bug != "none":
            assert not np.array_equal(gradients_to_vector(grads), gradients_to_vector(right)), bug


def test_gradient_check_catches_every_planted_bug_and_only_suspects_the_one_percent_one(rng):
    from utils.gradient_checking import PLANTED_BUGS, backward_with_bug

    params, X, Y = _square_net(rng)
    AL, caches = L_model_forward(X, params)
    for bug in PLANTED_BUGS:
        difference = gradient_check_cost(_cost(X, Y), params, backward_with_bug(AL, Y, caches, bug))
        if bug == "none":
            assert difference < 2e-7
        elif bug == "one entry 1 % off":
            assert 2e-7 < difference < 1e-3
        else:
            assert difference > 1e-3, bug


def test_backward_with_bug_rejects_unknown_bugs_and_a_transpose_without_a_square_w(rng):
    from utils.gradient_checking import backward_with_bug

    params, X, Y = _net(rng)  # [4, 5, 3, 1]: no square W
    AL, caches = L_model_forward(X, params)
    with pytest.raises(ValueError, match="unknown bug 'typo'"):
        backward_with_bug(AL, Y, caches, "typo")
    with pytest.raises(ValueError, match="needs a square W"):
        backward_with_bug(AL, Y, caches, "swapped transpose")


def test_numerical_gradients_rows_are_numerical_gradient_at_each_epsilon(rng):
    from utils.gradcheck import numerical_gradient
    from utils.gradient_checking import numerical_gradients

    params, X, Y = _square_net(rng)
    theta, _ = dictionary_to_vector(params)
    epsilons = np.array([1e-3, 1e-6])
    rows = numerical_gradients(_cost(X, Y), params, epsilons)
    assert rows.shape == (2, theta.shape[0])
    for row, eps in zip(rows, epsilons):
        expected = numerical_gradient(lambda t: _cost(X, Y)(vector_to_dictionary(t, params)), theta, h=eps)
        np.testing.assert_array_equal(row, expected.ravel())
    with pytest.raises(ValueError, match="positive steps"):
        numerical_gradients(_cost(X, Y), params, [1e-3, 0.0])


def test_difference_curve_is_the_v_of_truncation_and_round_off(rng):
    from utils.gradcheck import relative_difference
    from utils.gradient_checking import difference_curve, numerical_gradients

    params, X, Y = _square_net(rng)
    AL, caches = L_model_forward(X, params)
    grads = L_model_backward(AL, Y, caches)
    epsilons = 10.0 ** np.arange(-14, -1.0)
    rows = numerical_gradients(_cost(X, Y), params, epsilons)
    curve = difference_curve(grads, rows)
    assert curve[3] == relative_difference(gradients_to_vector(grads), rows[3])
    bottom = int(np.argmin(curve))
    assert 1e-8 <= epsilons[bottom] <= 1e-4 and curve[bottom] < 1e-9  # the bottom of the V
    assert curve[0] > 1e3 * curve[bottom] and curve[-1] > 1e3 * curve[bottom]  # round-off left, truncation right
    with pytest.raises(ValueError, match="entries per row"):
        difference_curve(grads, rows[:, :-1])


def test_check_step_resolves_refuses_an_epsilon_below_float64_resolution(rng):
    from utils.gradient_checking import check_step_resolves

    params, _, _ = _square_net(rng)
    check_step_resolves(params, 1e-7)  # fine
    with pytest.raises(ValueError, match="below float64's resolution"):
        check_step_resolves(params, 1e-17)


def test_verdict_reads_the_course_thresholds():
    from utils.gradient_checking import verdict

    assert verdict(1e-9).startswith("passes") and verdict(1e-2).startswith("fails")
    assert verdict(1e-5).startswith("suspicious")
    with pytest.raises(ValueError):
        verdict(float("nan"))


def test_plot_errors_by_parameter_draws_one_bar_per_entry_coloured_by_parameter(rng):
    import matplotlib.pyplot as plt

    from utils.gradient_checking import plot_errors_by_parameter

    params, _, _ = _net(rng)
    _, names = dictionary_to_vector(params)
    fig, ax = plt.subplots()
    plot_errors_by_parameter(np.full(len(names), 1e-3), names, ax=ax)
    assert [c.get_label() for c in ax.collections] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert sum(len(c.get_segments()) for c in ax.collections) == len(names) and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="names has"):
        plot_errors_by_parameter(np.zeros(3), names, ax=ax)
    plt.close(fig)
