import numpy as np
import pytest

from utils.activations import (ACTIVATIONS, get_activation, leaky_relu, leaky_relu_backward, leaky_relu_derivative,
                               relu, relu_backward, sigmoid, sigmoid_backward, tanh)
from utils.gradcheck import numerical_gradient, rel_error

tf = pytest.importorskip("tensorflow")

TF_FORWARD = {
    "sigmoid": tf.sigmoid,
    "tanh": tf.tanh,
    "relu": tf.nn.relu,
    "leaky_relu": lambda z: tf.nn.leaky_relu(z, alpha=0.01),
    "linear": tf.identity,
}
NAMES = sorted(ACTIVATIONS)
# tf.nn.leaky_relu stores alpha as a float32 attribute (0.0099999998), so it differs from 0.01 at ~1e-8.
TF_TOL = {"leaky_relu": 1e-7}


def away_from_kink(rng, shape):
    """Random Z with |z| >= 0.1 so the numerical gradient of (leaky) ReLU never straddles z = 0."""
    z = rng.standard_normal(shape) * 2
    return z + 0.1 * np.sign(z)


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_tensorflow(name, rng):
    forward, _, _ = get_activation(name)
    Z = rng.standard_normal((4, 7)) * 3
    expected = TF_FORWARD[name](tf.constant(Z, dtype=tf.float64)).numpy()
    assert rel_error(forward(Z), expected) < TF_TOL.get(name, 1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_numerical_gradient(name, rng):
    forward, backward, _ = get_activation(name)
    Z, dA = away_from_kink(rng, (3, 5)), rng.standard_normal((3, 5))
    dZ_num = numerical_gradient(lambda z: forward(z), Z, dA)
    assert rel_error(backward(dA, Z), dZ_num) < 1e-7


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_tensorflow_autodiff(name, rng):
    _, backward, _ = get_activation(name)
    Z, dA = away_from_kink(rng, (5, 6)), rng.standard_normal((5, 6))
    z = tf.constant(Z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        a = TF_FORWARD[name](z)
    dZ_tf = tape.gradient(a, z, output_gradients=tf.constant(dA)).numpy()
    assert rel_error(backward(dA, Z), dZ_tf) < TF_TOL.get(name, 1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_is_backward_of_ones(name, rng):
    _, backward, derivative = get_activation(name)
    Z = rng.standard_normal((2, 9))
    np.testing.assert_allclose(derivative(Z), backward(np.ones_like(Z), Z))


def test_sigmoid_matches_the_courses_values_and_is_stable_for_large_inputs():
    np.testing.assert_allclose(sigmoid(np.array([0.0, 2.0])), [0.5, 0.88079708], atol=1e-8)
    with np.errstate(all="raise"):  # no overflow warning turned error
        s = sigmoid(np.array([-1000.0, -40.0, 40.0, 1000.0]))
    assert s[0] == 0.0 and s[-1] == 1.0 and 0 < s[1] < 1e-17 and s[2] == pytest.approx(1.0)


def test_relu_and_leaky_relu_values_and_the_gradient_at_zero_is_the_courses_zero():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu(z), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(leaky_relu(z), [[-0.02, 0.0, 3.0]])
    np.testing.assert_array_equal(relu_backward(np.ones_like(z), z), [[0.0, 0.0, 1.0]])
    np.testing.assert_allclose(leaky_relu_derivative(z, alpha=0.2), [[0.2, 0.2, 1.0]])
    np.testing.assert_allclose(leaky_relu_backward(np.full_like(z, 2.0), z, alpha=0.2), [[0.4, 0.4, 2.0]])


def test_tanh_is_a_rescaled_sigmoid(rng):
    z = rng.standard_normal(10)
    np.testing.assert_allclose(tanh(z), 2 * sigmoid(2 * z) - 1, atol=1e-12)


def test_backward_does_not_modify_its_inputs(rng):
    Z, dA = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    Z0, dA0 = Z.copy(), dA.copy()
    for name in NAMES:
        get_activation(name)[1](dA, Z)
    np.testing.assert_array_equal(Z, Z0)
    np.testing.assert_array_equal(dA, dA0)


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match=r"dA must have the shape of the cached Z \(cache\) \(2, 3\)"):
        sigmoid_backward(np.ones((3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="name must be an activation, one of .*, got .softmax."):
        get_activation("softmax")
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\)"):
        leaky_relu(np.ones(2), alpha=1.5)
    with pytest.raises(ValueError, match="numeric array"):
        relu("not a number")
