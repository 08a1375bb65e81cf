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
