# %% [markdown]
# # Setting up: data splits, bias and variance, initialization
#
# > Train/dev/test splits, bias vs variance read off two error rates (a widget over model and data size), and why zeros, huge or He initial weights decide whether a network learns at all.
#
# ## Introduction
#
# Course 2 starts before any training: how to split the data, how to read what went wrong from the train
# and dev errors, and how to pick the initial weights. This notebook
#
# 1. splits a data set into train / dev / test sets;
# 2. trains networks of several sizes on several amounts of data and **diagnoses** each one from its
#    train and dev error (high bias, high variance, both, or neither);
# 3. reproduces the course's initialization experiment on the circles data with a 3-layer ReLU network
#    [2, 10, 5, 1]: zeros, large random (x10) and He initialization;
# 4. shows, with a slider, how the scale of the weights makes the signal explode or vanish in a deep stack.
#
# The network is Course 1's `utils.deep_nn` (LINEAR -> RELU hidden layers, LINEAR -> SIGMOID output); the
# trainer with its initializations lives in `utils.regularization.model` and `utils.initialization`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from utils.data import load_circles, load_moons
from utils.deep_nn import accuracy, predict, predict_proba
from utils.exercises import show_solution
from utils.initialization import (initialize_parameters_he, initialize_parameters_random, initialize_parameters_zeros,
                                  signal_through_depth)
from utils.plotting import plot_costs, plot_decision_boundary
from utils.regularization import diagnose_bias_variance, model, train_dev_test_split
from utils.widgets import SliderPanel

_ = threadpool_limits(1)  # tiny matrices: extra BLAS threads only add overhead (and thrash on a shared CPU)

# %% [markdown]
# ## Train / dev / test sets
#
# The **train** set fits the parameters, the **dev** (hold-out, cross-validation) set chooses between
# models and hyperparameters, and the **test** set gives an unbiased estimate of the chosen model at the
# very end. With a few thousand examples the classic split is 60 / 20 / 20 %; with a million, 1 % is
# already 10,000 examples, plenty to compare models, so splits like 98 / 1 / 1 % are common. Dev and test
# sets must come from the same distribution. `train_dev_test_split` shuffles the columns (examples) and
# cuts them:

# %%
# NBVAL_CHECK_OUTPUT
X_all, Y_all = load_moons(n_samples=2200, noise=0.3, seed=0)
X_train_full, Y_train_full, X_dev, Y_dev, X_test, Y_test = train_dev_test_split(
    X_all, Y_all, fractions=(800 / 2200, 700 / 2200, 700 / 2200), seed=0)
for name, X in [("train", X_train_full), ("dev", X_dev), ("test", X_test)]:
    print(f"{name:5s}: X {X.shape}")
for m in (10_000, 1_000_000):
    print(f"m = {m:>9,}: 60/20/20 % gives dev = {m // 5:,}; 98/1/1 % gives dev = {m // 100:,}")

# %% [markdown]
# ## Bias and variance, read off two numbers
#
# The course's recipe compares three errors: the base error (what the best possible classifier, or a
# human, gets), the train error and the dev error.
#
# - train error well above the base error: **high bias** (underfitting): a bigger network, training
#   longer, another architecture;
# - dev error well above the train error: **high variance** (overfitting): more data, regularization.
#
# The moons data below have overlapping classes (noise 0.3), so even the best classifier errs on some
# points. We estimate that base error by the dev error of a 16-unit network trained on all 800 training
# examples. Each network here has one hidden layer of `units` ReLU units and trains for 2,000 steps of
# gradient descent (`utils.regularization.model`). The dev set has 700 examples, so a dev error is only
# known to within its standard error sqrt(p (1 - p) / 700) (printed below); we call a gap "well above" beyond
# 3 points, a few standard errors.

# %%
@lru_cache(maxsize=None)
def fit_errors(units: int, m: int) -> tuple[float, float, dict]:
    """Train [2, units, 1] on the first m training examples; return (train error, dev error, parameters)."""
    X, Y = X_train_full[:, :m], Y_train_full[:, :m]
    params, _ = model(X, Y, [2, units, 1], learning_rate=0.5, num_iterations=2000, initialization="he")
    return 100 - accuracy(predict(X, params), Y), 100 - accuracy(predict(X_dev, params), Y_dev), params


base_error = fit_errors(16, 800)[1]
TOLERANCE = 3.0  # points of error
standard_error = 100 * np.sqrt(base_error / 100 * (1 - base_error / 100) / X_dev.shape[1])
print(f"estimated base error: {base_error:.1f} %, standard error of a dev error near it: {standard_error:.1f} points")

# %% [markdown]
# Three corners of the picture: a tiny network (it cannot bend its boundary around the moons), a big
# network on 20 examples (it memorizes them), and the big network on all the data. The diagnosis is
# printed by `diagnose_bias_variance(train_error, dev_error, base_error, tolerance)`.

# %%
# NBVAL_CHECK_OUTPUT
cases = {(1, 800): "high bias", (16, 20): "high variance", (16, 800): "low bias & low variance"}
for (units, m), expected in cases.items():
    train_err, dev_err, _ = fit_errors(units, m)
    diagnosis = diagnose_bias_variance(train_err, dev_err, base_error, TOLERANCE)
    print(f"units={units:2d}, m={m:3d}: train error {train_err:4.1f} %, dev error {dev_err:4.1f} % -> {diagnosis}")
    assert diagnosis == expected

# %% [markdown]
# Now it is your turn: move the sliders. Small `units` raises both errors together (bias); small `m` with
# large `units` opens a gap between them (variance). More data closes the gap; a bigger network lowers
# the train error. The left panel draws the boundary over the **dev** points. (Each new combination trains
# once, under a second; revisiting one is instant.)

# %%
# NBVAL_IGNORE_OUTPUT
def draw_bias_variance(fig, units, m):
    train_err, dev_err, params = fit_errors(units, m)
    ax1, ax2 = fig.subplots(1, 2)
    plot_decision_boundary(lambda x: predict_proba(x, params), X_dev, Y_dev, ax=ax1,
                           title=f"[2, {units}, 1] trained on m = {m}")
    ax2.bar(["base", "train", "dev"], [base_error, train_err, dev_err], color=["grey", "#1f77b4", "#ff7f0e"])
    ax2.set(title="Errors (%)", xlabel="set", ylabel="error (%)", ylim=(0, 50))
    return (f"train error {train_err:.1f} %, dev error {dev_err:.1f} %, base ~{base_error:.1f} % -> "
            f"{diagnose_bias_variance(train_err, dev_err, base_error, TOLERANCE)}")


bias_variance_panel = SliderPanel(draw_bias_variance, {"units": [1, 2, 4, 8, 16, 32], "m": [20, 50, 100, 200, 400, 800]},
                                  figsize=(9, 3.6))
bias_variance_panel.set(units=16)
bias_variance_panel

# %% [markdown]
# ## Initialization: the course's circles experiment
#
# The data: two noisy concentric circles, 300 training and 100 test points (the course's generator and
# seeds). The network: [2, 10, 5, 1], trained by batch gradient descent with learning rate 0.01 for 15,000
# iterations, from three starting points (seed 3, biases zero):
#
# - **zeros**: every unit of a layer starts identical, receives the same gradient, and stays identical
#   (the symmetry is never broken): the network is no better than one unit per layer;
# - **random x 10**: `randn * 10`. The pre-activations are huge, the sigmoid output saturates at 0 or 1,
#   the first cost is enormous and learning crawls;
# - **He**: `randn * sqrt(2 / n_prev)`, which keeps the variance of ReLU activations steady from layer
#   to layer.
#
# Each is a loop over the layers l = 1, ..., L - 1 (L = len(layers_dims), the input layer counted) that
# fills `parameters["W" + str(l)]` with shape (n_l, n_{l-1}) and `parameters["b" + str(l)]` with shape
# (n_l, 1). Zeros first:

# %%
show_solution(initialize_parameters_zeros)

# %% [markdown]
# The large random initialization draws each W with `rng.randn` (a generator seeded with the course's 3, so
# the notebook's global random state is left alone) and multiplies by `scale`, 10:

# %%
show_solution(initialize_parameters_random)

# %% [markdown]
# He initialization draws the same way and scales by `sqrt(2 / n_{l-1})`, where n_{l-1} is the number of
# inputs of layer l:

# %%
show_solution(initialize_parameters_he)

# %% [markdown]
# The course's checks: the shapes for layers_dims [3, 2, 1], the x 10 weights for [3, 2, 1] and He's
# first weights for [2, 4, 1] (both drawn with seed 3):

# %%
# NBVAL_CHECK_OUTPUT
print({k: v.shape for k, v in initialize_parameters_zeros([3, 2, 1]).items()})
print("random x 10, W1 =\n", np.round(initialize_parameters_random([3, 2, 1])["W1"], 4))
print("He, W1 =\n", np.round(initialize_parameters_he([2, 4, 1])["W1"], 4))

# %% [markdown]
# Now the experiment: the same training run from each of the three starting points.

# %%
train_X, train_Y, test_X, test_Y = load_circles()
course = {"zeros": (50.0, 50.0), "random": (83.0, 86.0), "he": (99.3, 96.0)}  # the course's reported numbers
initializers = {"zeros": initialize_parameters_zeros, "random": initialize_parameters_random,
                "he": initialize_parameters_he}
results = {}
for init in course:
    params, costs = model(train_X, train_Y, [2, 10, 5, 1], learning_rate=0.01, num_iterations=15000,
                          initialization=initializers[init]([2, 10, 5, 1]), record_every=1000)
    results[init] = (params, costs, accuracy(predict(train_X, params), train_Y),
                     accuracy(predict(test_X, params), test_Y))

# %% [markdown]
# Our runs beside the course's table (accuracy in %):

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'initialization':15s} {'train':>7s} {'test':>7s}   {'course train':>12s} {'course test':>11s}")
for init, (_, costs, train_acc, test_acc) in results.items():
    print(f"{init:15s} {train_acc:7.1f} {test_acc:7.1f}   {course[init][0]:12.1f} {course[init][1]:11.1f}")
    assert abs(train_acc - course[init][0]) < 1.5 and abs(test_acc - course[init][1]) < 1.5
print(f"first recorded cost with random x 10: {results['random'][1][0]:.0f} (zeros: {results['zeros'][1][0]:.3f})")
from utils.results import record  # extra code: the numbers for the benchmark report (prints nothing)
for init, (_, _, train_acc, test_acc) in results.items():
    _ = record(f"circles, {init} initialization: train accuracy", train_acc, reference=course[init][0], unit=" %")
    _ = record(f"circles, {init} initialization: test accuracy", test_acc, reference=course[init][1], unit=" %")

# %% [markdown]
# (The course prints `inf` as the first cost of the x 10 run: its sigmoid output is exactly 1.0 for some
# class-0 points and log(0) follows. Our cost is computed from the logits, so it stays finite but huge.)
#
# The decision boundaries tell the story: zeros learns nothing (one class everywhere), x 10 carves a crude
# boundary, He finds the circle.

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
for ax, (init, (params, _, train_acc, _)) in zip(axes, results.items()):
    plot_decision_boundary(lambda x, p=params: predict_proba(x, p), train_X, train_Y, ax=ax,
                           title=f"{init}: train {train_acc:.1f} %")
plt.show()

# %%
ax = plot_costs({init: r[1] for init, r in results.items()}, every=1000, title="Cost during training",
                log=True)
plt.show()

# %% [markdown]
# ## Exploding and vanishing signals
#
# Why does the scale matter so much? Each layer multiplies the variance of its input by about
# `n_prev * Var(W) * c` (c = 1/2 for ReLU, which zeroes half its inputs). He's scale `Var(W) = 2 / n_prev`
# makes that factor 1. Multiply the weights by a `gain` and the factor becomes gain^2 **per layer**: after
# 30 layers, gain 1.5 multiplies the activations' variance by 1.5^60 and gain 0.5 divides it by as much.
# The gradients flowing back suffer the same fate. `signal_through_depth` sends 200 random inputs
# through a stack of 64-unit layers and back:

# %%
# NBVAL_CHECK_OUTPUT
X_signal = np.random.RandomState(0).randn(64, 200)
for gain in (0.5, 1.0, 1.5):
    act, grad = signal_through_depth(X_signal, depth=30, gain=gain)
    print(f"gain {gain}: std of activations, layer 1 -> 30: {act[0]:.2g} -> {act[-1]:.2g}; "
          f"gradient reaching layer 1: {grad[0]:.2g}")

# %% [markdown]
# Move the gain and the depth; switch to tanh (whose variance-preserving scale is Xavier's 1 / n_prev, so
# gain 1 is again the steady one, though tanh slowly shrinks the signal as it saturates).

# %%
# NBVAL_IGNORE_OUTPUT
def draw_signal(fig, gain, depth, activation):
    act, grad = signal_through_depth(X_signal, depth=depth, gain=gain, activation=activation)
    ax = fig.subplots()
    layers = np.arange(1, depth + 1)
    ax.semilogy(layers, act, marker="o", ms=3, label="std of the activations $A_l$")
    ax.semilogy(layers, grad, marker="s", ms=3, label="std of the gradient $dA_{l-1}$ reaching layer $l$")
    ax.set(title=f"Signal through {depth} {activation} layers, gain {gain:.2f}", xlabel="layer l",
           ylabel="standard deviation (log)")
    ax.legend()
    return f"activations: layer 1 {act[0]:.3g} -> layer {depth} {act[-1]:.3g}; gradient at layer 1: {grad[0]:.3g}"


signal_panel = SliderPanel(draw_signal, {"gain": ("log", 0.25, 4.0, 1.0), "depth": (2, 60, 1, 30),
                                         "activation": ["relu", "tanh"]}, figsize=(7, 3.6))
signal_panel

# %% [markdown]
# ## Conclusion
#
# - Split the data into train / dev / test; dev and test from the same distribution; with big data the dev
#   and test sets can be a small fraction.
# - Read bias from the gap between base and train error, variance from the gap between train and dev error,
#   and treat them separately (bigger network for bias, more data or regularization for variance).
# - Initialization is not a detail: zeros never break the symmetry, large weights saturate the output and
#   slow learning, He's `sqrt(2 / n_prev)` keeps the signal steady through depth; the course's table above
#   was reproduced from our own runs.
#
# Next: regularization, the cure for high variance (`w1_2_regularization`).
