"""The course's three initializations and the exploding/vanishing signal through depth."""

import numpy as np
import pytest

from utils.initialization import (initialize, initialize_parameters_he, initialize_parameters_random,
                                  initialize_parameters_zeros, signal_through_depth)

DIMS = [2, 10, 5, 1]


def test_zeros_are_all_zero_with_the_right_shapes():
    p = initialize_parameters_zeros(DIMS)
    assert {k: v.shape for k, v in p.items()} == {"W1": (10, 2), "b1": (10, 1), "W2": (5, 10), "b2": (5, 1),
                                                  "W3": (1, 5), "b3": (1, 1)}
    assert all(not v.any() for v in p.values())


def test_random_is_the_course_randn_times_ten_with_seed_3():
    p = initialize_parameters_random(DIMS)
    np.random.seed(3)
    for l in range(1, 4):
        np.testing.assert_array_equal(p[f"W{l}"], np.random.randn(DIMS[l], DIMS[l - 1]) * 10)
        assert not p[f"b{l}"].any()


def test_he_is_the_course_randn_times_sqrt_two_over_fan_in_with_seed_3():
    p = initialize_parameters_he(DIMS)
    np.random.seed(3)
    for l in range(1, 4):
        np.testing.assert_allclose(p[f"W{l}"], np.random.randn(DIMS[l], DIMS[l - 1]) * np.sqrt(2 / DIMS[l - 1]))


def test_initialize_dispatches_and_rejects_unknown_names():
    assert initialize(DIMS, "he")["W1"].shape == (10, 2)
    with pytest.raises(ValueError, match="initialization must be one of"):
        initialize(DIMS, "xavier")
    with pytest.raises(ValueError, match="scale"):
        initialize_parameters_random(DIMS, scale=-1)


def test_he_scale_keeps_relu_activations_steady_while_other_gains_explode_or_vanish(rng):
    X = rng.standard_normal((64, 200))
    steady, _ = signal_through_depth(X, depth=30, gain=1.0)
    big, big_grads = signal_through_depth(X, depth=30, gain=1.5)
    small, small_grads = signal_through_depth(X, depth=30, gain=0.5)
    assert 0.2 < steady[-1] / steady[0] < 5
    assert big[-1] / big[0] > 1e3 and small[-1] / small[0] < 1e-3
    assert big_grads[0] / big_grads[-1] > 1e3  # gradients explode towards the input as well
    assert small_grads[0] / small_grads[-1] < 1e-3


def test_he_and_zeros_equal_deep_nn_initialization_and_leave_the_global_generator_alone():
    from utils.deep_nn import initialize_parameters_deep

    np.random.seed(7)
    expected_next = np.random.rand()
    np.random.seed(7)
    he, zeros = initialize_parameters_he(DIMS), initialize_parameters_zeros(DIMS)
    random_init = initialize_parameters_random(DIMS)
    assert np.random.rand() == expected_next  # no np.random.seed / np.random.randn inside
    for name, ref in (("he", he), ("zeros", zeros)):
        deep = initialize_parameters_deep(DIMS, init=name, seed=3)
        assert list(ref) == list(deep)
        for k in deep:
            np.testing.assert_array_equal(ref[k], deep[k])
    assert set(random_init) == set(he)


@pytest.mark.parametrize("dims, match", [([3], "at least"), ([3, 0, 1], r"layers_dims\[1\]"),
                                         ([3, 2.5, 1], r"layers_dims\[1\]")])
def test_bad_layers_dims_are_value_errors_naming_the_entry(dims, match):
    for init in (initialize_parameters_zeros, initialize_parameters_random, initialize_parameters_he):
        with pytest.raises(ValueError, match=match):
            init(dims)
