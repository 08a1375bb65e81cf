"""Softmax regression and the softmax-output network: values, gradients, and TensorFlow agreement."""

import numpy as np
import pytest

from utils.gradcheck import check_gradient, rel_error
from utils.softmax import (class_accuracy, digits_dataset, one_hot, predict_classes, softmax, softmax_cost,
                           softmax_model_backward, softmax_model_forward)


def _net(rng, dims=(5, 7, 4), m=9):
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
        params[f"b{l}"] = rng.standard_normal((dims[l], 1))
    X = rng.standard_normal((dims[0], m))
    return params, X, one_hot(rng.integers(0, dims[-1], m), dims[-1])


def test_softmax_columns_sum_to_one_and_match_tf_even_for_huge_logits(rng):
    import tensorflow as tf

    Z = rng.standard_normal((4, 6)) * 3
    Z[:, 0] += 1000.0  # stable: no overflow
    A = softmax(Z)
    np.testing.assert_allclose(A.sum(axis=0), 1.0)
    assert rel_error(A, tf.nn.softmax(tf.constant(Z.T), axis=-1).numpy().T) < 1e-12


def test_one_hot_and_its_errors():
    np.testing.assert_array_equal(one_hot([2, 0, 1], 3), [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"labels must lie in 0..2"):
        one_hot([0, 3], 3)


def test_softmax_cost_matches_keras_categorical_crossentropy(rng):
    import keras

    params, X, Y = _net(rng)
    AL, _ = softmax_model_forward(X, params)
    expected = keras.losses.CategoricalCrossentropy()(Y.T, AL.T)
    assert softmax_cost(AL, Y) == pytest.approx(float(expected), rel=1e-5)


@pytest.mark.parametrize("dims", [(5, 4), (5, 7, 4), (3, 6, 5, 2)])
def test_softmax_model_backward_matches_numerical_gradient(rng, dims):
    params, X, Y = _net(rng, dims)
    AL, caches = softmax_model_forward(X, params)
    grads = softmax_model_backward(AL, Y, caches)
    for k in params:
        def cost(v, k=k):
            return softmax_cost(softmax_model_forward(X, {**params, k: v})[0], Y)
        assert check_gradient(cost, params[k], grads["d" + k]) < 1e-7, k


def test_softmax_model_gradients_match_tensorflow_gradient_tape(rng):
    import tensorflow as tf

    params, X, Y = _net(rng)
    AL, caches = softmax_model_forward(X, params)
    grads = softmax_model_backward(AL, Y, caches)
    variables = {k: tf.Variable(v) for k, v in params.items()}
    with tf.GradientTape() as tape:
        Z1 = variables["W1"] @ X + variables["b1"]
        Z2 = variables["W2"] @ tf.nn.relu(Z1) + variables["b2"]
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y.T, logits=tf.transpose(Z2)))
    tf_grads = tape.gradient(loss, variables)
    assert float(loss) == pytest.approx(softmax_cost(AL, Y), rel=1e-12)
    for k in params:
        assert rel_error(grads["d" + k], tf_grads[k].numpy()) < 1e-10, k


def test_digits_dataset_layout_and_prediction_helpers():
    X_train, Y_train, X_test, Y_test, labels_train, labels_test = digits_dataset(test_size=297)
    assert X_train.shape == (64, 1500) and Y_train.shape == (10, 1500) and X_test.shape == (64, 297)
    assert X_train.min() >= 0 and X_train.max() <= 1
    np.testing.assert_array_equal(Y_test.argmax(axis=0), labels_test)
    params = {"W1": np.zeros((10, 64)), "b1": np.arange(10.0).reshape(10, 1)}
    assert (predict_classes(X_test, params) == 9).all()
    assert class_accuracy(predict_classes(X_test, params), labels_test) == pytest.approx(
        100 * np.mean(labels_test == 9))
