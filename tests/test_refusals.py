"""What is really wrong is refused, everywhere: one row per public function of the from-scratch modules.

Each row is (function, a call that breaks a precondition its docstring states, the argument the
``ValueError`` must name). The last test walks the public functions of those modules and fails for one
that has no row and is not on ``ALLOWED`` with its reason, so a new function cannot skip its checks.
What the course's own tests pass stays accepted: ``tests/test_course_inputs.py``.
"""

from __future__ import annotations

import importlib
import inspect
import re

import numpy as np
import pytest

from utils import (activations, batchnorm, conv, deep_nn, detection, face_verification, gradcheck,
                   gradient_checking, initialization, logistic, loss_surfaces, metrics, optimizers,
                   regularization, shallow_nn, softmax)

MODULES = [activations, batchnorm, conv, deep_nn, detection, face_verification, gradcheck, gradient_checking,
           initialization, logistic, loss_surfaces, metrics, optimizers, regularization, shallow_nn, softmax]

RS = np.random.RandomState(0)
X = RS.randn(2, 4)
Y = np.array([[0, 1, 1, 0]])
DEEP = deep_nn.initialize_parameters_deep([2, 3, 1])
DEEP_NO_B2 = {k: v for k, v in DEEP.items() if k != "b2"}
AL, CACHES = deep_nn.L_model_forward(X, DEEP)
GRADS = deep_nn.L_model_backward(AL, Y, CACHES)
GRADS_NO_DB1 = {k: v for k, v in GRADS.items() if k != "db1"}
SHALLOW = shallow_nn.initialize_parameters(2, 3, 1)
A2, SH_CACHE = shallow_nn.forward_propagation(X, SHALLOW)
SH_GRADS = shallow_nn.backward_propagation(SHALLOW, SH_CACHE, X, Y)
REG = deep_nn.initialize_parameters_deep([2, 3, 2, 1])
A3, REG_CACHE = regularization.forward_propagation(X, REG)
YOH = softmax.one_hot(np.array([0, 1, 2, 1]), 3)
SM = deep_nn.initialize_parameters_deep([2, 3, 3])
SM_AL, SM_CACHES = softmax.softmax_model_forward(X, SM)
BN = batchnorm.initialize_bn_network([2, 3, 3])
BN_PARAMS = [batchnorm.init_bn_param(3)]
BN_AL, BN_CACHES = batchnorm.bn_model_forward(X, BN, BN_PARAMS)
BN_X, BN_GAMMA, BN_BETA = RS.randn(3, 4), np.ones((3, 1)), np.zeros((3, 1))
BN_OUT, BN_CACHE = batchnorm.batchnorm_forward(BN_X, BN_GAMMA, BN_BETA, {"mode": "train"})
A_CONV, W_CONV, B_CONV = RS.randn(2, 5, 5, 3), RS.randn(3, 3, 3, 4), RS.randn(1, 1, 1, 4)
HP_CONV, HP_POOL = {"stride": 2, "pad": 1}, {"stride": 2, "f": 2}
Z_CONV, CONV_CACHE = conv.conv_forward(A_CONV, W_CONV, B_CONV, HP_CONV)
P_POOL, POOL_CACHE = conv.pool_forward(A_CONV, HP_POOL)
W_LR = np.zeros((2, 1))
BOXES = np.array([[0, 0, 2, 2], [1, 1, 3, 3.]])
ANCHORS = np.array([[0.2, 0.3], [0.5, 0.4]])
REL_BOXES = np.array([[0.1, 0.1, 0.3, 0.4], [0.5, 0.5, 0.9, 0.8]])
RAW = RS.randn(2, 2, 2, 5 + 3)
ENC = RS.randn(6, 4)
LABELS6 = np.array([0, 0, 1, 1, 2, 2])
ENCODER = face_verification.raw_pixel_encode
FACES = RS.rand(6, 5, 5)
SURFACE = loss_surfaces.ravine()
ADAM_V, ADAM_S = optimizers.initialize_adam(DEEP)


def f_square(x):
    return float(np.sum(x ** 2))


def test_fixtures_are_valid():
    """Every bad call below breaks exactly one thing of these valid inputs."""
    assert Z_CONV.shape == (2, 3, 3, 4) and P_POOL.shape == (2, 2, 2, 3) and SM_AL.shape == (3, 4)


CASES = [
    # added with the panels of issue 19
    (batchnorm.running_statistics, lambda: batchnorm.running_statistics(np.ones((3, 1))), "batches"),
    (gradient_checking.backward_with_bug, lambda: gradient_checking.backward_with_bug(AL, Y, CACHES, bug="typo"),
     "bug"),
    (gradient_checking.check_step_resolves, lambda: gradient_checking.check_step_resolves(DEEP, 1e-30), "epsilon"),
    (gradient_checking.difference_curve, lambda: gradient_checking.difference_curve(GRADS, np.ones((1, 3))),
     "gradapproxes"),
    (gradient_checking.numerical_gradients,
     lambda: gradient_checking.numerical_gradients(lambda p: 0.0, DEEP, np.array([-1.0])), "epsilons"),
    (gradient_checking.plot_errors_by_parameter,
     lambda: gradient_checking.plot_errors_by_parameter(np.ones(3), ["W1"]), "errors"),
    (gradient_checking.verdict, lambda: gradient_checking.verdict(-1.0), "difference"),
    # activations
    (activations.derivative_from_output, lambda: activations.derivative_from_output("softplus"), "name"),
    (activations.get_activation, lambda: activations.get_activation("softplus"), "name"),
    (activations.leaky_relu, lambda: activations.leaky_relu(X, alpha=1.5), "alpha"),
    (activations.leaky_relu_backward, lambda: activations.leaky_relu_backward(X, X, alpha=-0.1), "alpha"),
    (activations.leaky_relu_derivative, lambda: activations.leaky_relu_derivative(X, alpha=2.0), "alpha"),
    (activations.linear, lambda: activations.linear("abc"), "z"),
    (activations.linear_backward_activation, lambda: activations.linear_backward_activation(X, X[:, :3]), "cache"),
    (activations.linear_derivative, lambda: activations.linear_derivative("abc"), "z"),
    (activations.relu, lambda: activations.relu("abc"), "z"),
    (activations.relu_backward, lambda: activations.relu_backward(X, X[:, :3]), "cache"),
    (activations.relu_derivative, lambda: activations.relu_derivative("abc"), "z"),
    (activations.sigmoid, lambda: activations.sigmoid("abc"), "z"),
    (activations.sigmoid_backward, lambda: activations.sigmoid_backward(X, X[:, :3]), "cache"),
    (activations.sigmoid_derivative, lambda: activations.sigmoid_derivative("abc"), "z"),
    (activations.tanh, lambda: activations.tanh("abc"), "z"),
    (activations.tanh_backward, lambda: activations.tanh_backward(X, X[:, :3]), "cache"),
    (activations.tanh_derivative, lambda: activations.tanh_derivative("abc"), "z"),
    # batchnorm
    (batchnorm.batchnorm_forward, lambda: batchnorm.batchnorm_forward(BN_X, BN_GAMMA, BN_BETA, {"mode": "eval"}),
     "mode"),
    (batchnorm.batchnorm_forward, lambda: batchnorm.batchnorm_forward(BN_X, np.ones((2, 1)), BN_BETA,
                                                                      {"mode": "train"}), "gamma"),
    (batchnorm.batchnorm_forward, lambda: batchnorm.batchnorm_forward(BN_X, BN_GAMMA, BN_BETA,
                                                                      {"mode": "train", "eps": -1.0}), "eps"),
    (batchnorm.batchnorm_forward, lambda: batchnorm.batchnorm_forward(BN_X, BN_GAMMA, BN_BETA,
                                                                      {"mode": "train", "momentun": 0.5}), "momentun"),
    (batchnorm.batchnorm_backward, lambda: batchnorm.batchnorm_backward(BN_X[:, :3], BN_CACHE), "dout"),
    (batchnorm.bn_model_forward, lambda: batchnorm.bn_model_forward(X, BN, BN_PARAMS * 2), "bn_params"),
    (batchnorm.bn_model_backward, lambda: batchnorm.bn_model_backward(BN_AL, YOH[:, :3], BN_CACHES), "Y"),
    (batchnorm.init_bn_param, lambda: batchnorm.init_bn_param(0), "n"),
    (batchnorm.init_bn_param, lambda: batchnorm.init_bn_param(3, momentum=1.5), "momentum"),
    (batchnorm.initialize_bn_network, lambda: batchnorm.initialize_bn_network([2]), "layers_dims"),
    (batchnorm.train_deep_net, lambda: batchnorm.train_deep_net(X, YOH, [2, 3, 3], learning_rate=-1.0),
     "learning_rate"),
    (batchnorm.train_deep_net, lambda: batchnorm.train_deep_net(X, YOH, [2, 3, 3], mini_batch_size=0),
     "mini_batch_size"),
    # conv
    (conv.check_conv_backward_inputs, lambda: conv.check_conv_backward_inputs(Z_CONV[:1], CONV_CACHE), "dZ"),
    (conv.check_conv_inputs, lambda: conv.check_conv_inputs(A_CONV, W_CONV, B_CONV, {"stride": 1}), "pad"),
    (conv.check_pool_backward_inputs, lambda: conv.check_pool_backward_inputs(P_POOL[:1], POOL_CACHE, "max"), "dA"),
    (conv.check_pool_inputs, lambda: conv.check_pool_inputs(A_CONV, HP_POOL, "median"), "mode"),
    (conv.conv_backward, lambda: conv.conv_backward(Z_CONV[:, :2], CONV_CACHE), "dZ"),
    (conv.conv_backward_naive, lambda: conv.conv_backward_naive(Z_CONV[:, :2], CONV_CACHE), "dZ"),
    (conv.conv_forward, lambda: conv.conv_forward(A_CONV, W_CONV, B_CONV[..., :3], HP_CONV), "b"),
    (conv.conv_forward, lambda: conv.conv_forward(A_CONV, W_CONV, B_CONV, {"stride": 1, "pad": 1, "f": 3}),
     "hparameters"),
    (conv.conv_forward_naive, lambda: conv.conv_forward_naive(A_CONV, W_CONV, B_CONV, {"stride": 0, "pad": 0}),
     "stride"),
    (conv.conv_forward_tf, lambda: conv.conv_forward_tf(A_CONV, W_CONV[:, :, :2], B_CONV, HP_CONV), "W"),
    (conv.conv_output_size, lambda: conv.conv_output_size(5, 8), "f"),
    (conv.conv_single_step, lambda: conv.conv_single_step(A_CONV[0, :3, :3], W_CONV[:, :, :2, 0], 0.0), "W"),
    (conv.create_mask_from_window, lambda: conv.create_mask_from_window(np.ones(3)), "x"),
    (conv.detect_edges, lambda: conv.detect_edges(np.ones((5, 5)), "diagonal"), "kind"),
    (conv.distribute_value, lambda: conv.distribute_value(1.0, (2,)), "shape"),
    (conv.draw_sliding_window, lambda: conv.draw_sliding_window(None, np.ones(4), 2, 0, 1), "image"),
    (conv.pool_backward, lambda: conv.pool_backward(P_POOL[:1], POOL_CACHE), "dA"),
    (conv.pool_backward_naive, lambda: conv.pool_backward_naive(P_POOL, POOL_CACHE, mode="min"), "mode"),
    (conv.pool_forward, lambda: conv.pool_forward(A_CONV, {"f": 2}), "stride"),
    (conv.pool_forward, lambda: conv.pool_forward(A_CONV, {"f": 2, "stride": 2, "pad": 1}), "hparameters"),
    (conv.pool_forward_naive, lambda: conv.pool_forward_naive(A_CONV, HP_POOL, "min"), "mode"),
    (conv.pool_forward_tf, lambda: conv.pool_forward_tf(A_CONV, HP_POOL, "min"), "mode"),
    (conv.zero_pad, lambda: conv.zero_pad(A_CONV, -1), "pad"),
    # deep_nn
    (deep_nn.L_layer_model, lambda: deep_nn.L_layer_model(X, Y, [2, 3, 1], hidden_activation="softplus"),
     "hidden_activation"),
    (deep_nn.L_layer_model, lambda: deep_nn.L_layer_model(X, Y, [2, 3, 1], learning_rate=0.0), "learning_rate"),
    (deep_nn.L_model_backward, lambda: deep_nn.L_model_backward(AL, Y, CACHES, hidden_activation="softplus"),
     "hidden_activation"),
    (deep_nn.L_model_forward, lambda: deep_nn.L_model_forward(X, DEEP_NO_B2), "b2"),
    (deep_nn.accuracy, lambda: deep_nn.accuracy(Y, Y[:, :3]), "Y"),
    (deep_nn.compute_cost, lambda: deep_nn.compute_cost(AL + 1.0, Y), "AL"),
    (deep_nn.compute_cost, lambda: deep_nn.compute_cost(AL, Y + 1), "Y"),
    (deep_nn.cost_from_logits, lambda: deep_nn.cost_from_logits(AL, Y[:, :3]), "Y"),
    (deep_nn.initialize_parameters_deep, lambda: deep_nn.initialize_parameters_deep([2, 1], init="xavier"), "init"),
    (deep_nn.layer_dims_of, lambda: deep_nn.layer_dims_of(DEEP_NO_B2), "b2"),
    (deep_nn.linear_activation_backward,
     lambda: deep_nn.linear_activation_backward(AL, CACHES[-1], "softplus"), "activation"),
    (deep_nn.linear_activation_forward,
     lambda: deep_nn.linear_activation_forward(X, DEEP["W1"], DEEP["b1"], "softplus"), "activation"),
    (deep_nn.linear_backward, lambda: deep_nn.linear_backward(AL[:, :3], CACHES[-1][0]), "dZ"),
    (deep_nn.linear_forward, lambda: deep_nn.linear_forward(X, DEEP["W1"], DEEP["b1"].T), "b"),
    (deep_nn.num_layers, lambda: deep_nn.num_layers(DEEP_NO_B2), "b2"),
    (deep_nn.predict, lambda: deep_nn.predict(X, DEEP, threshold=1.5), "threshold"),
    (deep_nn.predict_proba, lambda: deep_nn.predict_proba(X, DEEP, hidden_activation="softplus"),
     "hidden_activation"),
    (deep_nn.update_parameters, lambda: deep_nn.update_parameters(DEEP, GRADS_NO_DB1, 0.1), "grads"),
    (deep_nn.update_parameters, lambda: deep_nn.update_parameters(DEEP, GRADS, -0.1), "learning_rate"),
    # gradcheck
    (gradcheck.check_gradient, lambda: gradcheck.check_gradient(f_square, X, X[:, :3]), "analytic"),
    (gradcheck.numerical_gradient, lambda: gradcheck.numerical_gradient(f_square, X, h=0.0), "h"),
    (gradcheck.rel_error, lambda: gradcheck.rel_error(X, X[:, :3]), "y"),
    (gradcheck.relative_difference, lambda: gradcheck.relative_difference(X, X[:, :3]), "gradapprox"),
    # gradient_checking
    (gradient_checking.backward_propagation, lambda: gradient_checking.backward_propagation("a", 2.0), "x"),
    (gradient_checking.dictionary_to_vector, lambda: gradient_checking.dictionary_to_vector(DEEP_NO_B2), "b2"),
    (gradient_checking.forward_propagation, lambda: gradient_checking.forward_propagation(2.0, "a"), "theta"),
    (gradient_checking.forward_propagation_n, lambda: gradient_checking.forward_propagation_n(X, Y[:, :3], DEEP),
     "Y"),
    (gradient_checking.gradient_check, lambda: gradient_checking.gradient_check(2.0, 4.0, epsilon=0.0), "epsilon"),
    (gradient_checking.gradient_check_cost,
     lambda: gradient_checking.gradient_check_cost(lambda p: 0.0, DEEP, GRADS_NO_DB1), "gradients"),
    (gradient_checking.gradient_check_n,
     lambda: gradient_checking.gradient_check_n(DEEP, GRADS, X, Y, epsilon=-1e-7), "epsilon"),
    (gradient_checking.gradients_to_vector, lambda: gradient_checking.gradients_to_vector({"dW1": X}), "db1"),
    (gradient_checking.vector_to_dictionary, lambda: gradient_checking.vector_to_dictionary(np.ones((3, 1)), DEEP),
     "theta"),
    # initialization
    (initialization.check_layers_dims, lambda: initialization.check_layers_dims([2]), "layers_dims"),
    (initialization.initialize, lambda: initialization.initialize([2, 1], "xavier"), "initialization"),
    (initialization.initialize_parameters_he, lambda: initialization.initialize_parameters_he([2, 0]),
     "layers_dims"),
    (initialization.initialize_parameters_random, lambda: initialization.initialize_parameters_random([2, 1], 0.0),
     "scale"),
    (initialization.initialize_parameters_zeros, lambda: initialization.initialize_parameters_zeros([2.5, 1]),
     "layers_dims"),
    (initialization.signal_through_depth, lambda: initialization.signal_through_depth(X, activation="softplus"),
     "activation"),
    (initialization.signal_through_depth, lambda: initialization.signal_through_depth(X, gain=0.0), "gain"),
    # logistic
    (logistic.cost_surface, lambda: logistic.cost_surface(X, Y, np.ones(3), np.ones(2)), "X"),
    (logistic.descent_path, lambda: logistic.descent_path(W_LR, 0.0, X, Y, -1, 0.1), "num_iterations"),
    (logistic.initialize_with_zeros, lambda: logistic.initialize_with_zeros(0), "dim"),
    (logistic.model, lambda: logistic.model(X, Y, X[:1], Y), "X_test"),
    (logistic.optimize, lambda: logistic.optimize(W_LR, 0.0, X, Y, record_every=0), "record_every"),
    (logistic.optimize, lambda: logistic.optimize(W_LR, 0.0, X, Y, learning_rate=-0.1), "learning_rate"),
    (logistic.plot_cost_surface, lambda: logistic.plot_cost_surface(X, Y), "X"),
    (logistic.predict, lambda: logistic.predict(np.zeros((3, 1)), 0.0, X), "w"),
    (logistic.predict_proba, lambda: logistic.predict_proba(W_LR, np.zeros((2, 1)), X), "b"),
    (logistic.propagate, lambda: logistic.propagate(W_LR, 0.0, X, Y * 2), "Y"),
    (logistic.propagate_loop, lambda: logistic.propagate_loop(W_LR, 0.0, X, Y[:, :3]), "Y"),
    # metrics
    (metrics.accuracy, lambda: metrics.accuracy(np.ones(3), np.ones(4)), "y_pred"),
    (metrics.average_group_error, lambda: metrics.average_group_error([0, 1], [0, 0], ["a", "b"],
                                                                      weights={"a": -1, "b": 1}), "weights"),
    (metrics.confusion_matrix, lambda: metrics.confusion_matrix([0, 1, 2], [0, 1, 1], labels=[0, 1, 1]), "labels"),
    (metrics.error_rate, lambda: metrics.error_rate(np.ones(3), np.ones(4)), "y_pred"),
    (metrics.error_rate_interval, lambda: metrics.error_rate_interval(1.5, 10), "error"),
    (metrics.error_rate_interval, lambda: metrics.error_rate_interval(0.1, 0), "n"),
    (metrics.f1_from_precision_recall, lambda: metrics.f1_from_precision_recall(1.5, 0.5), "p"),
    (metrics.f1_score, lambda: metrics.f1_score([0, 2, 1], [0, 1, 1]), "y_true"),
    (metrics.fbeta_from_precision_recall, lambda: metrics.fbeta_from_precision_recall(0.5, 0.5, 0.0), "beta"),
    (metrics.group_errors, lambda: metrics.group_errors([0, 1], [0, 0], ["a"]), "groups"),
    (metrics.precision, lambda: metrics.precision([0, 2, 1], [0, 1, 1]), "y_true"),
    (metrics.rankdata, lambda: metrics.rankdata(np.ones((2, 2))), "x"),
    (metrics.recall, lambda: metrics.recall([0, 1, 1], [0, 1, 3]), "y_pred"),
    (metrics.spearman, lambda: metrics.spearman([1.0], [2.0]), "a"),
    # optimizers
    (optimizers.exponentially_weighted_average, lambda: optimizers.exponentially_weighted_average(np.ones(5), 1.0),
     "beta"),
    (optimizers.initialize_adam, lambda: optimizers.initialize_adam([1, 2]), "parameters"),
    (optimizers.initialize_optimizer, lambda: optimizers.initialize_optimizer(DEEP, "sgd"), "optimizer"),
    (optimizers.initialize_rmsprop, lambda: optimizers.initialize_rmsprop(None), "parameters"),
    (optimizers.initialize_velocity, lambda: optimizers.initialize_velocity(None), "parameters"),
    (optimizers.keras_momentum_learning_rate, lambda: optimizers.keras_momentum_learning_rate(0.1, 1.0), "beta"),
    (optimizers.model, lambda: optimizers.model(X, Y, [2, 3, 1], "sgd", num_epochs=1), "optimizer"),
    (optimizers.model_runs, lambda: optimizers.model_runs(X, Y, [2, 3, 1], [{"optimizer": "sgd",
                                                                             "learning_rate": 0.1}], num_epochs=1),
     "optimizer"),
    (optimizers.optimizer_step, lambda: optimizers.optimizer_step("sgd", DEEP, GRADS, {"t": 0}, 0.1), "optimizer"),
    (optimizers.random_mini_batches, lambda: optimizers.random_mini_batches(X, Y, 0), "mini_batch_size"),
    (optimizers.schedule_lr_decay, lambda: optimizers.schedule_lr_decay(0.1, 1, -1.0), "decay_rate"),
    (optimizers.update_lr, lambda: optimizers.update_lr(0.0, 1, 1.0), "learning_rate0"),
    (optimizers.update_parameters_with_adam,
     lambda: optimizers.update_parameters_with_adam(DEEP, GRADS, ADAM_V, ADAM_S, 0), "t"),
    (optimizers.update_parameters_with_gd, lambda: optimizers.update_parameters_with_gd(DEEP, GRADS_NO_DB1, 0.1),
     "grads"),
    (optimizers.update_parameters_with_momentum,
     lambda: optimizers.update_parameters_with_momentum(DEEP, GRADS, ADAM_V, 1.0, 0.1), "beta"),
    (optimizers.update_parameters_with_rmsprop,
     lambda: optimizers.update_parameters_with_rmsprop(DEEP, GRADS, ADAM_S, beta2=1.0), "beta2"),
    # regularization
    (regularization.backward_propagation_with_dropout,
     lambda: regularization.backward_propagation_with_dropout(X, Y, REG_CACHE, 0.0), "keep_prob"),
    (regularization.backward_propagation_with_regularization,
     lambda: regularization.backward_propagation_with_regularization(X, Y, REG_CACHE, -1.0), "lambd"),
    (regularization.check_keep_prob, lambda: regularization.check_keep_prob(0.0), "keep_prob"),
    (regularization.check_lambd, lambda: regularization.check_lambd(-1.0), "lambd"),
    (regularization.compute_cost_with_regularization,
     lambda: regularization.compute_cost_with_regularization(A3, Y, REG, -1.0), "lambd"),
    (regularization.compute_cost_with_regularization,
     lambda: regularization.compute_cost_with_regularization(A3 + 1.0, Y, REG, 0.1), "A3"),
    (regularization.diagnose_bias_variance, lambda: regularization.diagnose_bias_variance(5, 10, tolerance=-1),
     "tolerance"),
    (regularization.forward_propagation, lambda: regularization.forward_propagation(X[:1], REG), "X"),
    (regularization.forward_propagation_with_dropout,
     lambda: regularization.forward_propagation_with_dropout(X, REG, keep_prob=1.5), "keep_prob"),
    (regularization.l2_penalty, lambda: regularization.l2_penalty(REG, 0.1, 0), "m"),
    (regularization.model, lambda: regularization.model(X, Y, [2, 3, 2, 1], initialization="xavier"),
     "initialization"),
    (regularization.model_grid, lambda: regularization.model_grid(X, Y, [2, 3, 2, 1], [(0.1, 1.5)]), "keep_prob"),
    (regularization.model_grid, lambda: regularization.model_grid(X, Y, [2, 3, 2, 1], [(0.1, 1.0)], workers=0),
     "workers"),
    (regularization.train_dev_test_split,
     lambda: regularization.train_dev_test_split(X, Y, fractions=(0.5, 0.2, 0.2)), "fractions"),
    # shallow_nn
    (shallow_nn.backward_propagation,
     lambda: shallow_nn.backward_propagation(SHALLOW, {"A2": A2}, X, Y), "A1"),
    (shallow_nn.backward_propagation,
     lambda: shallow_nn.backward_propagation(SHALLOW, SH_CACHE, X, Y, activation="softplus"), "activation"),
    (shallow_nn.equivalent_logistic,
     lambda: shallow_nn.equivalent_logistic({k: v for k, v in SHALLOW.items() if k != "b1"}), "b1"),
    (shallow_nn.forward_propagation, lambda: shallow_nn.forward_propagation(X, SHALLOW, activation="softplus"),
     "activation"),
    (shallow_nn.initialize_parameters, lambda: shallow_nn.initialize_parameters(2, 0, 1), "n_h"),
    (shallow_nn.initialize_parameters, lambda: shallow_nn.initialize_parameters(2, 3, 1, init="xavier"), "init"),
    (shallow_nn.layer_sizes, lambda: shallow_nn.layer_sizes(X, Y[:, :3]), "Y"),
    (shallow_nn.nn_model, lambda: shallow_nn.nn_model(X, Y, 0), "n_h"),
    (shallow_nn.predict, lambda: shallow_nn.predict(SHALLOW, X, activation="softplus"), "activation"),
    (shallow_nn.predict_proba, lambda: shallow_nn.predict_proba(SHALLOW, X[:1]), "X"),
    (shallow_nn.train_nn, lambda: shallow_nn.train_nn(X, Y, 2, record_every=0), "record_every"),
    (shallow_nn.update_parameters,
     lambda: shallow_nn.update_parameters(SHALLOW, {k: v for k, v in SH_GRADS.items() if k != "db2"}), "grads"),
    # softmax
    (softmax.class_accuracy, lambda: softmax.class_accuracy(np.ones(3), np.ones(4)), "labels"),
    (softmax.digits_dataset, lambda: softmax.digits_dataset(test_size=0), "test_size"),
    (softmax.one_hot, lambda: softmax.one_hot(np.array([0, 3]), 3), "labels"),
    (softmax.predict_classes, lambda: softmax.predict_classes(X, {k: v for k, v in SM.items() if k != "b2"}), "b2"),
    (softmax.softmax, lambda: softmax.softmax("abc"), "Z"),
    (softmax.softmax_cost, lambda: softmax.softmax_cost(SM_AL - 1.0, YOH), "AL"),
    (softmax.softmax_model_backward, lambda: softmax.softmax_model_backward(SM_AL, YOH[:, :3], SM_CACHES), "Y"),
    (softmax.softmax_model_forward,
     lambda: softmax.softmax_model_forward(X, {k: v for k, v in SM.items() if k != "b1"}), "b1"),
    # loss_surfaces
    (loss_surfaces.race, lambda: loss_surfaces.race(SURFACE, {"sgd": 0.1}, num_steps=2), "learning_rates"),
    (loss_surfaces.ravine, lambda: loss_surfaces.ravine(0.0), "condition"),
    (loss_surfaces.rosenbrock, lambda: loss_surfaces.rosenbrock(b=float("nan")), "b"),
    (loss_surfaces.run_optimizer, lambda: loss_surfaces.run_optimizer(SURFACE, "sgd", 0.1), "optimizer"),
    (loss_surfaces.run_optimizer, lambda: loss_surfaces.run_optimizer(SURFACE, "gd", 0.1, num_steps=0),
     "num_steps"),
    # detection (numpy parts)
    (detection.assign_anchors, lambda: detection.assign_anchors(BOXES, ANCHORS[:, :1]), "anchors"),
    (detection.average_precision, lambda: detection.average_precision([0.5, 0.2], [1.0, 1.0]), "recall"),
    (detection.cascade_faces, lambda: detection.cascade_faces(np.ones(5)), "image"),
    (detection.check_anchors, lambda: detection.check_anchors(-ANCHORS), "anchors"),
    (detection.check_boxes, lambda: detection.check_boxes(BOXES[:, :3]), "boxes"),
    (detection.corners_to_center, lambda: detection.corners_to_center(BOXES[:, ::-1]), "boxes"),
    (detection.count_collisions, lambda: detection.count_collisions(REL_BOXES, 0, ANCHORS), "grid_size"),
    (detection.decode_yolo_labels, lambda: detection.decode_yolo_labels(np.ones((2, 2, 5))), "y"),
    (detection.draw_boxes, lambda: detection.draw_boxes(None, BOXES[:, :3]), "boxes"),
    (detection.encode_yolo_labels, lambda: detection.encode_yolo_labels(REL_BOXES, [0, 3], 2, ANCHORS, 3),
     "classes"),
    (detection.grid_cell, lambda: detection.grid_cell(np.array([[0.5, 1.5]]), 2), "xy"),
    (detection.heatmap_to_boxes, lambda: detection.heatmap_to_boxes(np.ones((3, 3)), 8, 0), "stride"),
    (detection.iou, lambda: detection.iou((0, 0, 1), (0, 0, 1, 1)), "box1"),
    (detection.iou_matrix, lambda: detection.iou_matrix(BOXES, BOXES[:, :2]), "boxes2"),
    (detection.kmeans_anchors, lambda: detection.kmeans_anchors(ANCHORS, 3), "k"),
    (detection.localization_label, lambda: detection.localization_label((0.1, 0.1, 0.5, 0.5), 3, 3), "class_id"),
    (detection.localization_loss, lambda: detection.localization_loss(np.ones((2, 8)), np.ones((2, 7))), "y"),
    (detection.mean_average_precision,
     lambda: detection.mean_average_precision([BOXES], [[0.9, 0.8]], [[0, 1]], [BOXES], [[0, 1]], 2,
                                              iou_threshold=1.5), "iou_threshold"),
    (detection.non_max_suppression, lambda: detection.non_max_suppression(BOXES, [0.9], 10), "scores"),
    (detection.prior_baseline_raw, lambda: detection.prior_baseline_raw(np.ones((4, 2, 2, 2)), ANCHORS), "y_train"),
    (detection.sliding_windows, lambda: detection.sliding_windows(np.ones((5, 5)), 8, 1), "window"),
    (detection.wh_iou, lambda: detection.wh_iou(np.ones((2, 3)), ANCHORS), "wh"),
    (detection.yolo_boxes_to_corners, lambda: detection.yolo_boxes_to_corners(np.ones((2, 2)), -np.ones((2, 2))),
     "box_wh"),
    (detection.yolo_eval, lambda: detection.yolo_eval(RAW, ANCHORS, score_threshold=1.5), "score_threshold"),
    (detection.yolo_filter_boxes,
     lambda: detection.yolo_filter_boxes(np.ones((2, 2, 2, 4)), np.ones((2, 2, 2, 1)), np.ones((2, 2, 3, 3))),
     "box_class_probs"),
    (detection.yolo_head, lambda: detection.yolo_head(RAW, ANCHORS[:1]), "anchors"),
    (detection.yolo_non_max_suppression,
     lambda: detection.yolo_non_max_suppression(np.ones(2), BOXES, np.zeros(3)), "classes"),
    (detection.yolo_non_max_suppression,
     lambda: detection.yolo_non_max_suppression(np.ones(2), BOXES, np.zeros(2), max_boxes=0), "max_boxes"),
    # face_verification (numpy parts)
    (face_verification.active_fraction, lambda: face_verification.active_fraction(ENC, np.array([[0, 1]])),
     "triplets"),
    (face_verification.auc, lambda: face_verification.auc([0.0, 0.5], [0.0]), "tpr"),
    (face_verification.augment_face, lambda: face_verification.augment_face(FACES[0], np.random.default_rng(0),
                                                                            strength=-1.0), "strength"),
    (face_verification.build_database, lambda: face_verification.build_database(FACES, ["a"] * 5, ENCODER),
     "names"),
    (face_verification.check_encoding, lambda: face_verification.check_encoding(ENC, "enc"), "enc"),
    (face_verification.choose_threshold, lambda: face_verification.choose_threshold([0.1, 0.2], [True]), "same"),
    (face_verification.distance, lambda: face_verification.distance(ENC[0], ENC[1, :3]), "enc2"),
    (face_verification.encode, lambda: face_verification.encode(FACES, ENCODER, batch_size=0), "batch_size"),
    (face_verification.evaluate_encoder,
     lambda: face_verification.evaluate_encoder(ENCODER, (FACES, np.array([[0, 9]]), np.array([True])),
                                                (FACES, np.array([[0, 1]]), np.array([True]))), "dev"),
    (face_verification.fit_eigenfaces, lambda: face_verification.fit_eigenfaces(FACES, n_components=0),
     "n_components"),
    (face_verification.make_identity_views, lambda: face_verification.make_identity_views(FACES, n_views=0),
     "n_views"),
    (face_verification.make_pairs, lambda: face_verification.make_pairs(LABELS6, 0), "n_pairs"),
    (face_verification.pair_distances, lambda: face_verification.pair_distances(ENC, np.array([[0, 6]])), "pairs"),
    (face_verification.pairwise_distances, lambda: face_verification.pairwise_distances(np.ones(3)), "E"),
    (face_verification.raw_pixel_encode, lambda: face_verification.raw_pixel_encode(np.ones(3)), "images"),
    (face_verification.roc_curve, lambda: face_verification.roc_curve([0.1, 0.2], [True, True]), "same"),
    (face_verification.select_triplets,
     lambda: face_verification.select_triplets(ENC, LABELS6, 4, strategy="hardest"), "strategy"),
    (face_verification.split_identities,
     lambda: face_verification.split_identities(LABELS6, fractions=(0.5, 0.2, 0.2)), "fractions"),
    (face_verification.split_triplet, lambda: face_verification.split_triplet((ENC, ENC, ENC[:, :3])), "y_pred"),
    (face_verification.triplet_loss, lambda: face_verification.triplet_loss(None, (ENC, ENC, ENC), alpha=np.nan),
     "alpha"),
    (face_verification.triplet_loss_numpy,
     lambda: face_verification.triplet_loss_numpy(None, (ENC, ENC, ENC), alpha=np.inf), "alpha"),
    (face_verification.verification_accuracy,
     lambda: face_verification.verification_accuracy([0.1, 0.2], [True], 0.5), "same"),
    (face_verification.verify, lambda: face_verification.verify(FACES[0], "bob", {"ann": ENC[0]}, ENCODER),
     "identity"),
    (face_verification.who_is_it, lambda: face_verification.who_is_it(FACES[0], {}, ENCODER), "database"),
]

#: Public functions with no refusal row, each with its reason.
ALLOWED = {
    "loss_surfaces.saddle": "takes no argument",
    "loss_surfaces.plot_race": "pure plotting of race()'s results (race validates its inputs)",
    "detection.build_yolo_model": "builds a Keras model: Keras validates its layer arguments",
    "detection.fc_to_conv": "rewrites a Keras model: Keras validates it",
    "detection.multiply_adds": "reads a Keras model's layers",
    "detection.network_stride": "reads a Keras model's layers",
    "detection.yolo_loss": "a Keras loss: TensorFlow checks the tensors' shapes",
    "face_verification.build_encoder": "builds a Keras model: Keras validates its layer arguments",
    "face_verification.load_encoder": "file input: raises for a missing file (tests/test_face_verification.py)",
    "face_verification.save_encoder": "file output of a Keras model",
    "face_verification.load_face_identities": "data loading (LFW or the offline stand-in)",
    "face_verification.load_lfw_identities": "data loading through scikit-learn",
    "face_verification.load_offline_identities": "data loading (scikit-image's lfw_subset)",
    "face_verification.load_or_train_encoder": "file cache around train_encoder",
    "face_verification.train_encoder": "Keras training; its triplets come from select_triplets (refused there)",
}


def _public_functions():
    for mod in MODULES:
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if not name.startswith("_") and fn.__module__ == mod.__name__:
                yield f"{mod.__name__.removeprefix('utils.')}.{name}", fn


@pytest.mark.parametrize("fn, call, arg", CASES, ids=[f"{fn.__module__}.{fn.__name__}-{arg}" for fn, _, arg in CASES])
def test_refused_with_the_argument_named(fn, call, arg):
    with pytest.raises(ValueError) as info:
        call()
    assert re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])", str(info.value)), \
        f"{fn.__name__}: the message does not name {arg!r}: {info.value}"


def test_every_public_function_has_a_refusal_case_or_a_reason():
    covered = {f"{fn.__module__.removeprefix('utils.')}.{fn.__name__}" for fn, _, _ in CASES}
    missing = [name for name, _ in _public_functions() if name not in covered and name not in ALLOWED]
    assert not missing, f"public functions with no refusal case and no reason on ALLOWED: {missing}"
    stale = [name for name in ALLOWED if name not in dict(_public_functions())]
    assert not stale, f"ALLOWED names functions that no longer exist: {stale}"


def test_the_modules_are_importable_by_name():
    for mod in MODULES:
        assert importlib.import_module(mod.__name__) is mod


def test_unknown_keys_of_a_run_a_bn_param_or_hparameters_are_refused_not_ignored():
    with pytest.raises(ValueError, match=r"runs\[0\] has unknown keys \['learning_rte'\]"):
        optimizers.model_runs(X, Y, [2, 3, 1], [{"optimizer": "gd", "learning_rte": 0.1}], num_epochs=1)
    with pytest.raises(ValueError, match=r"runs\[0\] is missing \['optimizer'\]"):
        optimizers.model_runs(X, Y, [2, 3, 1], [{"learning_rate": 0.1}], num_epochs=1)
    with pytest.raises(ValueError, match="decay must be None or a decay function"):
        optimizers.model(X, Y, [2, 3, 1], "gd", num_epochs=1, decay="update_lr")
    with pytest.raises(ValueError, match=r"hparameters has unknown keys \['pad'\]"):
        conv.pool_backward(P_POOL, (A_CONV, {"f": 2, "stride": 2, "pad": 0}))
