"""Every update rule against its formula and against keras.optimizers (same inputs, same result)."""

import numpy as np
import pytest

from utils.optimizers import (exponentially_weighted_average, initialize_adam, initialize_rmsprop,
                              initialize_velocity, keras_momentum_learning_rate, random_mini_batches,
                              schedule_lr_decay, update_lr, update_parameters_with_adam,
                              update_parameters_with_gd, update_parameters_with_momentum,
                              update_parameters_with_rmsprop)

# Keras turns Python floats such as beta_2=0.999 into float32 before casting them to the variable's dtype,
# which alone moves an Adam step by ~1e-5 relative. Betas that float32 holds exactly (1 - 2**-k) remove
# that rounding, so the float64 comparisons below can be tight. The learning rate is a float32 variable in
# Keras, so the comparisons use learning rates that float32 holds exactly too (powers of two).
BETA1, BETA2 = 1 - 2.0 ** -3, 1 - 2.0 ** -10
LR = 2.0 ** -4


def _params(rng):
    return {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1)),
            "W2": rng.standard_normal((1, 3)), "b2": rng.standard_normal((1, 1))}


def _grad_sequence(rng, params, steps=4):
    return [{"d" + k: rng.standard_normal(v.shape) for k, v in params.items()} for _ in range(steps)]


def _keras_run(params, grad_seq, optimizer):
    """Apply ``optimizer`` to float64 Keras variables with the given gradient sequence."""
    import keras

    names = list(params)
    variables = [keras.Variable(params[k], dtype="float64") for k in names]
    for grads in grad_seq:
        optimizer.apply([grads["d" + k] for k in names], variables)
    return {k: v.numpy() for k, v in zip(names, variables)}


def _assert_close(a, b, rtol=1e-10, atol=1e-12):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=rtol, atol=atol, err_msg=k)


# --- gradient descent ----------------------------------------------------------------------------------------

def test_gd_step_matches_formula_and_leaves_inputs_untouched(rng):
    params = _params(rng)
    grads = _grad_sequence(rng, params, 1)[0]
    before = {k: v.copy() for k, v in params.items()}
    new = update_parameters_with_gd(params, grads, 0.1)
    _assert_close(new, {k: before[k] - 0.1 * grads["d" + k] for k in params}, rtol=0, atol=0)
    _assert_close(params, before, rtol=0, atol=0)


def test_gd_matches_keras_sgd_over_several_steps(rng):
    import keras

    params = _params(rng)
    seq = _grad_sequence(rng, params)
    ours = params
    for grads in seq:
        ours = update_parameters_with_gd(ours, grads, LR)
    _assert_close(ours, _keras_run(params, seq, keras.optimizers.SGD(LR)))


def test_update_rules_reject_missing_or_misshaped_gradients(rng):
    params = _params(rng)
    grads = _grad_sequence(rng, params, 1)[0]
    with pytest.raises(ValueError, match=r"grads is missing \['db2'\]"):
        update_parameters_with_gd(params, {k: v for k, v in grads.items() if k != "db2"}, 0.1)
    with pytest.raises(ValueError, match=r"grads\['dW1'\] has shape \(2, 3\) but parameters\['W1'\] has shape"):
        update_parameters_with_gd(params, {**grads, "dW1": np.zeros((2, 3))}, 0.1)
    with pytest.raises(ValueError, match=r"v is missing \['dW2'\]"):
        v = initialize_velocity(params)
        del v["dW2"]
        update_parameters_with_momentum(params, grads, v, 0.9, 0.1)
    v, s = initialize_adam(params)
    with pytest.raises(ValueError, match=r"s\['db1'\] has shape"):
        update_parameters_with_adam(params, grads, v, {**s, "db1": np.zeros(3)}, 1)


@pytest.mark.parametrize("bad", [dict(learning_rate=0.0), dict(learning_rate=-1.0), dict(beta=1.0),
                                 dict(beta=-0.1)])
def test_update_rules_reject_out_of_range_hyperparameters(rng, bad):
    params = _params(rng)
    grads = _grad_sequence(rng, params, 1)[0]
    kwargs = {"beta": 0.9, "learning_rate": 0.1, **bad}
    with pytest.raises(ValueError, match=list(bad)[0]):
        update_parameters_with_momentum(params, grads, initialize_velocity(params), **kwargs)


# --- mini-batches --------------------------------------------------------------------------------------------

def test_random_mini_batches_partition_with_a_smaller_last_batch(rng):
    X = rng.standard_normal((3, 148))
    Y = (X[:1] > 0).astype(float)
    batches = random_mini_batches(X, Y, 64, seed=2)
    assert [b[0].shape for b in batches] == [(3, 64), (3, 64), (3, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    allX = np.concatenate([b[0] for b in batches], axis=1)
    allY = np.concatenate([b[1] for b in batches], axis=1)
    np.testing.assert_array_equal(allY, (allX[:1] > 0).astype(float))  # columns stay paired
    np.testing.assert_array_equal(np.sort(allX[0]), np.sort(X[0]))  # every example exactly once
    assert not np.array_equal(allX, X)  # and shuffled


def test_random_mini_batches_uses_the_course_stream_without_touching_the_global_seed(rng):
    X = np.arange(10.0).reshape(1, 10)
    np.random.seed(5)
    expected = np.random.permutation(10)
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    batches = random_mini_batches(X, X, 4, seed=5)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches], axis=1)[0], expected)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_random_mini_batches_rejects_mismatched_columns_and_bad_size():
    with pytest.raises(ValueError, match="X has 5 examples"):
        random_mini_batches(np.zeros((2, 5)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="mini_batch_size must be a positive integer"):
        random_mini_batches(np.zeros((2, 5)), np.zeros((1, 5)), 0)


# --- exponentially weighted averages -------------------------------------------------------------------------

def test_ewa_matches_recursion_and_bias_correction_removes_the_start_up_bias(rng):
    theta = rng.standard_normal(50) + 10
    v = exponentially_weighted_average(theta, 0.9)
    expected, running = [], 0.0
    for x in theta:
        running = 0.9 * running + 0.1 * x
        expected.append(running)
    np.testing.assert_allclose(v, expected, rtol=1e-14)
    assert v[0] == pytest.approx(0.1 * theta[0])  # biased towards v_0 = 0
    corrected = exponentially_weighted_average(theta, 0.9, bias_correction=True)
    np.testing.assert_allclose(corrected, v / (1 - 0.9 ** np.arange(1, 51)))
    assert corrected[0] == pytest.approx(theta[0])
    np.testing.assert_allclose(exponentially_weighted_average(np.full(20, 3.0), 0.98, True), 3.0)


def test_ewa_weights_fall_to_about_one_over_e_after_one_over_one_minus_beta_steps():
    beta = 0.98
    impulse = np.zeros(200)
    impulse[0] = 1.0
    weights = exponentially_weighted_average(impulse, beta) / (1 - beta)  # weight of theta_0 in v_t
    window = int(round(1 / (1 - beta)))
    assert weights[window] == pytest.approx(np.exp(-1), rel=0.02)


# --- momentum ------------------------------------------------------------------------------------------------

def test_momentum_step_matches_formula_and_beta_zero_is_gd(rng):
    params = _params(rng)
    grads = _grad_sequence(rng, params, 1)[0]
    v = {k: rng.standard_normal(a.shape) for k, a in initialize_velocity(params).items()}
    new, v_new = update_parameters_with_momentum(params, grads, v, 0.8, 0.1)
    for k in params:
        np.testing.assert_allclose(v_new["d" + k], 0.8 * v["d" + k] + 0.2 * grads["d" + k])
        np.testing.assert_allclose(new[k], params[k] - 0.1 * v_new["d" + k])
    gd_like, _ = update_parameters_with_momentum(params, grads, initialize_velocity(params), 0.0, 0.1)
    _assert_close(gd_like, update_parameters_with_gd(params, grads, 0.1))


def test_course_momentum_equals_keras_sgd_momentum_with_converted_learning_rate(rng):
    import keras

    params = _params(rng)
    seq = _grad_sequence(rng, params, 5)
    ours, v = params, initialize_velocity(params)
    for grads in seq:
        ours, v = update_parameters_with_momentum(ours, grads, v, BETA1, LR)
    lr_keras = keras_momentum_learning_rate(LR, BETA1)
    assert lr_keras == pytest.approx(LR * (1 - BETA1))
    _assert_close(ours, _keras_run(params, seq, keras.optimizers.SGD(lr_keras, momentum=BETA1)))
    # the same learning rate in both forms does NOT agree: the forms really differ
    different = _keras_run(params, seq, keras.optimizers.SGD(LR, momentum=BETA1))
    assert not np.allclose(different["W1"], ours["W1"])


# --- RMSprop -------------------------------------------------------------------------------------------------

def test_rmsprop_step_matches_formula(rng):
    params = _params(rng)
    grads = _grad_sequence(rng, params, 1)[0]
    s = {k: rng.random(a.shape) for k, a in initialize_rmsprop(params).items()}
    new, s_new = update_parameters_with_rmsprop(params, grads, s, 0.99, 0.01, 1e-8)
    for k in params:
        np.testing.assert_allclose(s_new["d" + k], 0.99 * s["d" + k] + 0.01 * grads["d" + k] ** 2)
        np.testing.assert_allclose(new[k], params[k] - 0.01 * grads["d" + k] / (np.sqrt(s_new["d" + k]) + 1e-8))


def test_rmsprop_matches_keras_rmsprop(rng):
    """Keras puts epsilon inside the root (sqrt(s + eps)); with epsilon = 0 both forms are the same formula."""
    import keras

    params = _params(rng)
    seq = _grad_sequence(rng, params, 5)
    ours, s = params, initialize_rmsprop(params)
    for grads in seq:
        ours, s = update_parameters_with_rmsprop(ours, grads, s, BETA2, LR, epsilon=0.0)
    _assert_close(ours, _keras_run(params, seq, keras.optimizers.RMSprop(LR, rho=BETA2, epsilon=0.0)))


# --- Adam ----------------------------------------------------------------------------------------------------

def test_adam_first_step_moves_every_weight_by_about_the_learning_rate(rng):
    params = _params(rng)
    grads = _grad_sequence(rng, params, 1)[0]
    v, s = initialize_adam(params)
    new, v1, s1, v_corr, s_corr = update_parameters_with_adam(params, grads, v, s, 1, 0.01, 0.9, 0.999, 1e-8)
    for k in params:
        g = grads["d" + k]
        np.testing.assert_allclose(v1["d" + k], 0.1 * g)
        np.testing.assert_allclose(s1["d" + k], 0.001 * g ** 2, rtol=1e-12)
        np.testing.assert_allclose(v_corr["d" + k], g)  # bias correction undoes the zero start
        np.testing.assert_allclose(s_corr["d" + k], g ** 2, rtol=1e-12)
        np.testing.assert_allclose(new[k], params[k] - 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_adam_matches_keras_adam_over_several_steps(rng):
    """Keras folds the bias correction into the step size and adds epsilon to sqrt(s) (not sqrt(s_corrected));
    with epsilon = 0 the two are algebraically identical."""
    import keras

    params = _params(rng)
    seq = _grad_sequence(rng, params, 6)
    ours, (v, s) = params, initialize_adam(params)
    for t, grads in enumerate(seq, start=1):
        ours, v, s, _, _ = update_parameters_with_adam(ours, grads, v, s, t, LR, BETA1, BETA2, 0.0)
    _assert_close(ours, _keras_run(params, seq, keras.optimizers.Adam(LR, BETA1, BETA2, epsilon=0.0)))


def test_adam_with_course_defaults_matches_keras_to_float32_rounding_of_the_betas(rng):
    import keras

    params = _params(rng)
    seq = _grad_sequence(rng, params, 6)
    ours, (v, s) = params, initialize_adam(params)
    for t, grads in enumerate(seq, start=1):
        ours, v, s, _, _ = update_parameters_with_adam(ours, grads, v, s, t, 0.01, 0.9, 0.999, 1e-8)
    _assert_close(ours, _keras_run(params, seq, keras.optimizers.Adam(0.01, 0.9, 0.999, epsilon=1e-8)),
                  rtol=1e-5, atol=1e-6)


def test_adam_rejects_step_zero(rng):
    params = _params(rng)
    v, s = initialize_adam(params)
    with pytest.raises(ValueError, match="t .*positive integer"):
        update_parameters_with_adam(params, _grad_sequence(rng, params, 1)[0], v, s, 0)


# --- learning-rate decay -------------------------------------------------------------------------------------

def test_update_lr_matches_formula_and_keras_inverse_time_decay():
    import keras

    schedule = keras.optimizers.schedules.InverseTimeDecay(0.5, decay_steps=1, decay_rate=0.3)
    for epoch in (0, 1, 2, 10, 100):
        assert update_lr(0.5, epoch, 0.3) == pytest.approx(0.5 / (1 + 0.3 * epoch))
        assert update_lr(0.5, epoch, 0.3) == pytest.approx(float(schedule(epoch)), rel=1e-6)


def test_schedule_lr_decay_steps_every_time_interval_like_keras_staircase():
    import keras

    schedule = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1000, decay_rate=1.0, staircase=True)
    for epoch, expected in [(0, 0.1), (999, 0.1), (1000, 0.05), (2500, 0.1 / 3), (4999, 0.1 / 5)]:
        assert schedule_lr_decay(0.1, epoch, 1.0) == pytest.approx(expected)
        assert schedule_lr_decay(0.1, epoch, 1.0) == pytest.approx(float(schedule(epoch)), rel=1e-6)


def test_decay_rejects_negative_epoch_and_decay_rate():
    with pytest.raises(ValueError, match="epoch_num"):
        update_lr(0.1, -1, 1.0)
    with pytest.raises(ValueError, match="decay_rate"):
        schedule_lr_decay(0.1, 3, -1.0)


# --- trainers ------------------------------------------------------------------------------------------------

def _moons_small():
    from utils.data import load_moons

    return load_moons(n_samples=100)


def test_model_runs_equals_model_run_by_run_for_every_optimizer_and_decay():
    from utils.optimizers import model, model_runs

    X, Y = _moons_small()
    runs = [dict(optimizer="adam"), dict(optimizer="gd", learning_rate=0.1, decay=schedule_lr_decay),
            dict(optimizer="rmsprop", learning_rate=0.01), dict(optimizer="momentum", learning_rate=0.05,
                                                                decay=update_lr, decay_rate=0.5),
            dict(optimizer="momentum", learning_rate=0.05, beta=0.5), dict(optimizer="adam", beta1=0.8, beta2=0.99)]
    params, costs = model_runs(X, Y, [2, 5, 2, 1], runs, mini_batch_size=32, num_epochs=12, record_every=3)
    assert costs.shape == (6, 4)
    for run, p, c in zip(runs, params, costs):
        ref, ref_costs = model(X, Y, [2, 5, 2, 1], mini_batch_size=32, num_epochs=12, record_every=3, **run)
        _assert_close(p, ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(c, ref_costs, rtol=1e-12)


def test_model_with_adam_lowers_the_cost_and_a_huge_learning_rate_raises_divergence_error():
    from utils.optimizers import model
    from utils.validation import DivergenceError

    X, Y = _moons_small()
    _, costs = model(X, Y, [2, 5, 2, 1], "adam", learning_rate=0.01, num_epochs=60, record_every=10)
    assert costs[-1] < 0.8 * costs[0]
    with pytest.raises(DivergenceError, match="diverged"):
        model(X, Y, [2, 5, 2, 1], "gd", learning_rate=1e6, num_epochs=50)


def test_trainers_reject_unknown_optimizer_and_wrong_layer_sizes():
    from utils.optimizers import model, model_runs

    X, Y = _moons_small()
    with pytest.raises(ValueError, match="optimizer must be one of"):
        model(X, Y, [2, 5, 1], "sgd", num_epochs=1)
    with pytest.raises(ValueError, match="layers_dims must start with n_x = 2"):
        model_runs(X, Y, [3, 5, 1], [dict(optimizer="gd")], num_epochs=1)


def test_model_can_record_every_mini_batch_cost():
    from utils.optimizers import model

    X, Y = _moons_small()
    _, per_epoch = model(X, Y, [2, 5, 2, 1], "gd", learning_rate=0.05, mini_batch_size=30, num_epochs=3,
                         record_every=1)
    _, per_batch = model(X, Y, [2, 5, 2, 1], "gd", learning_rate=0.05, mini_batch_size=30, num_epochs=3,
                         record="batch")
    assert len(per_batch) == 3 * 4  # 100 examples: batches of 30, 30, 30, 10
    weights = np.array([30, 30, 30, 10]) / 100
    np.testing.assert_allclose(per_epoch, np.array(per_batch).reshape(3, 4) @ weights)
    with pytest.raises(ValueError, match="record must be"):
        model(X, Y, [2, 5, 2, 1], "gd", num_epochs=1, record="step")


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_optimizer_step_equals_the_named_update_rule(name):
    from utils.optimizers import initialize_optimizer, optimizer_step

    rng = np.random.default_rng(3)
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    grads = {"dW1": rng.standard_normal((3, 2)), "db1": rng.standard_normal((3, 1))}
    state = initialize_optimizer(params, name)
    got, state = optimizer_step(name, params, grads, state, 0.1)
    got, state = optimizer_step(name, got, grads, state, 0.1)
    if name == "gd":
        want = update_parameters_with_gd(update_parameters_with_gd(params, grads, 0.1), grads, 0.1)
    elif name == "momentum":
        v = initialize_velocity(params)
        want, v = update_parameters_with_momentum(params, grads, v, 0.9, 0.1)
        want, v = update_parameters_with_momentum(want, grads, v, 0.9, 0.1)
    elif name == "rmsprop":
        from utils.optimizers import initialize_rmsprop, update_parameters_with_rmsprop

        s = initialize_rmsprop(params)
        want, s = update_parameters_with_rmsprop(params, grads, s, 0.999, 0.1, 1e-8)
        want, s = update_parameters_with_rmsprop(want, grads, s, 0.999, 0.1, 1e-8)
    else:
        v, s = initialize_adam(params)
        want, v, s, _, _ = update_parameters_with_adam(params, grads, v, s, 1, 0.1, 0.9, 0.999, 1e-8)
        want, v, s, _, _ = update_parameters_with_adam(want, grads, v, s, 2, 0.1, 0.9, 0.999, 1e-8)
    assert state["t"] == 2
    for key in params:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-12)


def test_optimizer_step_rejects_unknown_rules():
    from utils.optimizers import initialize_optimizer, optimizer_step

    with pytest.raises(ValueError, match="optimizer must be one of"):
        initialize_optimizer({"W1": np.zeros(1)}, "adagrad")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        optimizer_step("adagrad", {"W1": np.zeros(1)}, {"dW1": np.zeros(1)}, {"t": 0}, 0.1)


def test_optimizer_states_are_float_zeros_keyed_like_the_gradients_and_not_shared():
    params = {"W1": np.ones((2, 3), dtype=int), "b1": np.ones((2, 1))}
    v = initialize_velocity(params)
    v_adam, s_adam = initialize_adam(params)
    for state in (v, v_adam, s_adam, initialize_rmsprop(params)):
        assert list(state) == ["dW1", "db1"]
        assert state["dW1"].shape == (2, 3) and state["dW1"].dtype == np.float64 and not state["dW1"].any()
    assert v_adam["dW1"] is not s_adam["dW1"]
    with pytest.raises(ValueError, match="parameters is empty"):
        initialize_adam({})


def test_schedule_lr_decay_drops_in_steps_of_time_interval():
    rates = [schedule_lr_decay(0.5, e, 1.0, time_interval=100) for e in (0, 99, 100, 150, 199, 200)]
    assert rates == [0.5, 0.5, 0.25, 0.25, 0.25, pytest.approx(0.5 / 3)]
    assert update_lr(0.5, 2, 1.0) == pytest.approx(0.5 / 3)
