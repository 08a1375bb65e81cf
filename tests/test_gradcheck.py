import numpy as np
import pytest

from utils.gradcheck import check_gradient, numerical_gradient, rel_error, relative_difference


def test_rel_error_zero_for_equal_and_shape_checked():
    x = np.arange(6.0).reshape(2, 3)
    assert rel_error(x, x) == 0
    assert rel_error(np.array([1.0]), np.array([1.1])) == pytest.approx(0.1 / 2.1)
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_scalar_function_matches_analytic(rng):
    x = rng.standard_normal((3, 4))
    num = numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert rel_error(num, 3 * x ** 2) < 1e-7


def test_numerical_gradient_with_upstream_gradient_matches_matmul_backward(rng):
    A, W = rng.standard_normal((4, 5)), rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 5))
    dW = numerical_gradient(lambda w: w @ A, W, dout)
    assert rel_error(dW, dout @ A.T) < 1e-8


def test_numerical_gradient_does_not_modify_the_input(rng):
    x = rng.standard_normal(5)
    before = x.copy()
    numerical_gradient(np.sum, x)
    np.testing.assert_array_equal(x, before)


def test_check_gradient_catches_a_wrong_backward(rng):
    x = rng.standard_normal((2, 3))
    assert check_gradient(lambda v: np.sum(np.tanh(v)), x, 1 - np.tanh(x) ** 2) < 1e-7
    assert check_gradient(lambda v: np.sum(np.tanh(v)), x, np.tanh(x)) > 0.1


def test_relative_difference_is_the_courses_formula():
    g, a = np.array([3.0, 4.0]), np.array([3.0, 4.0]) * 1.01
    expected = np.linalg.norm(g - a) / (np.linalg.norm(g) + np.linalg.norm(a))
    assert relative_difference(g, a) == pytest.approx(expected)
    assert relative_difference(np.zeros(2), np.zeros(2)) == 0.0


def test_bad_arguments_get_clear_errors(rng):
    x = rng.standard_normal(3)
    with pytest.raises(ValueError, match="pass dout"):
        numerical_gradient(lambda v: v * 2, x)
    with pytest.raises(ValueError, match="shape of f"):
        numerical_gradient(lambda v: v * 2, x, np.ones(4))
    with pytest.raises(ValueError, match="h must be positive"):
        numerical_gradient(np.sum, x, h=0)
    with pytest.raises(ValueError, match="expected the shape of x"):
        check_gradient(np.sum, x, np.zeros(4))
