# %% [markdown]
# # Regularization: L2 and inverted dropout
#
# > A network that memorizes 120 noisy points, then the two cures of Course 2: an L2 penalty on the weights and inverted dropout, with decision boundaries, train/test accuracy and a widget over lambda and keep_prob.
#
# ## Introduction
#
# High variance (train error far below dev error) has two cures: more data, or **regularization**. This
# notebook implements the course's two regularizers on the Course 1 network (`utils.deep_nn`) and compares
# them with no regularization on one data set:
#
# - **L2**: add `lambd / (2 m) * sum_l ||W_l||_F^2` to the cost; backprop then adds `lambd / m * W_l` to each
#   `dW_l`, so every step also shrinks the weights ("weight decay"), which keeps the function smoother;
# - **inverted dropout**: during training, keep each hidden unit with probability `keep_prob` (mask
#   `D = rand < keep_prob`), and divide the kept activations by `keep_prob` so their expected value is
#   unchanged; at test time use the whole network, with no mask and no scaling.
#
# The functions keep the course's names: `compute_cost_with_regularization`,
# `backward_propagation_with_regularization`, `forward_propagation_with_dropout`,
# `backward_propagation_with_dropout` (`utils.regularization`).

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from utils.data import load_moons
from utils.deep_nn import L_model_backward, accuracy, compute_cost, predict, predict_proba
from utils.exercises import show_solution
from utils.gradcheck import numerical_gradient, rel_error
from utils.initialization import initialize
from utils.plotting import plot_costs, plot_decision_boundary
from utils.regularization import (backward_propagation_with_dropout, backward_propagation_with_regularization,
                                  compute_cost_with_regularization, forward_propagation,
                                  forward_propagation_with_dropout, model, model_grid)
from utils.widgets import SliderPanel

_ = threadpool_limits(1)  # tiny matrices: extra BLAS threads only add overhead (and thrash on a shared CPU)

# %% [markdown]
# ## A data set to overfit
#
# The course's "football" data are not shipped here; we use its spirit: few (120) noisy training points
# (two moons, noise 0.35) and a separate test set of 400 points from the same distribution. The network
# [2, 40, 20, 1] has far more capacity than 120 points need.

# %%
# NBVAL_CHECK_OUTPUT
train_X, train_Y = load_moons(n_samples=120, noise=0.35, seed=1)
test_X, test_Y = load_moons(n_samples=400, noise=0.35, seed=2)
layers_dims = [2, 40, 20, 1]
print(f"train_X {train_X.shape}, test_X {test_X.shape}, network {layers_dims}")

# %% [markdown]
# ## L2 regularization: the cost and its gradient
#
# The regularized cost is the cross-entropy plus the penalty lambd / (2m) * sum_l ||W_l||^2, the sum of
# the squares of every weight (the biases are not regularized):

# %%
show_solution(compute_cost_with_regularization)

# %% [markdown]
# The penalty's gradient with respect to W_l is `lambd / m * W_l`, so backpropagation with L2 is the
# plain backward pass plus that term on every dW_l. The weights are in the cache: `caches[l - 1]` is
# layer l's `((A_prev, W, b), Z)`.

# %%
show_solution(backward_propagation_with_regularization)

# %% [markdown]
# On a fixed set of weights, the regularized cost is the cross-entropy plus the penalty, and the gradient
# of each W gains exactly `lambd / m * W`:

# %%
# NBVAL_CHECK_OUTPUT
params0 = initialize(layers_dims, "sqrt")  # the course's randn / sqrt(n_prev), seed 3
A3, cache = forward_propagation(train_X, params0)
lambd = 0.7
plain = L_model_backward(A3, train_Y, cache[1])
reg = backward_propagation_with_regularization(train_X, train_Y, cache, lambd)
m = train_X.shape[1]
print(f"cost without / with L2 (lambd={lambd}): {compute_cost_with_regularization(A3, train_Y, params0, 0):.4f} / "
      f"{compute_cost_with_regularization(A3, train_Y, params0, lambd):.4f}")
for l in (1, 2, 3):
    assert np.allclose(reg[f"dW{l}"] - plain[f"dW{l}"], lambd / m * params0[f"W{l}"])
    assert np.allclose(reg[f"db{l}"], plain[f"db{l}"], rtol=1e-9, atol=1e-12)  # the same, up to rounding
print("dW_l(L2) - dW_l = lambd / m * W_l for every layer; db_l unchanged")

# %% [markdown]
# ## Inverted dropout: the mask, the scaling, and the expectation
#
# Take the first hidden layer's activations `A1` and apply 2,000 different dropout masks with
# `keep_prob = 0.6`. About 60 % of the units survive each time; dividing by `keep_prob` makes the
# **average** over masks equal to the activation without dropout. Forgetting the division (plain
# dropout) shrinks the expected activation to `keep_prob` times its value, and the network would
# then have to be rescaled at test time.

# %%
# NBVAL_CHECK_OUTPUT
keep_prob = 0.6
A1 = np.maximum(params0["W1"] @ train_X + params0["b1"], 0)
rng = np.random.RandomState(0)
inverted, plain_dropout, kept = np.zeros_like(A1), np.zeros_like(A1), []
for _ in range(2000):
    D1 = rng.random_sample(A1.shape) < keep_prob
    inverted += A1 * D1 / keep_prob / 2000
    plain_dropout += A1 * D1 / 2000
    kept.append(D1.mean())
print(f"fraction of units kept: {np.mean(kept):.2f}")
print(f"mean activation: no dropout {A1.mean():.3f}, inverted dropout {inverted.mean():.3f}, "
      f"without the division {plain_dropout.mean():.3f}")
assert abs(inverted.mean() / A1.mean() - 1) < 0.01 and abs(plain_dropout.mean() / A1.mean() - keep_prob) < 0.01

# %% [markdown]
# `forward_propagation_with_dropout` does exactly this on every hidden layer (never on the input or the
# output) and keeps the masks in its cache, in four steps: a random matrix of the shape of A, keep the
# entries below keep_prob, shut down the others, scale up by 1 / keep_prob:

# %%
show_solution(forward_propagation_with_dropout)

# %% [markdown]
# `backward_propagation_with_dropout` switches off the same units on the way back and scales the same
# way (`dA * D / keep_prob`). Both are gradient-checked with frozen masks in `tests/test_regularization.py`
# and in the gradient-checking notebook.

# %%
show_solution(backward_propagation_with_dropout)

# %% [markdown]
# One pass with `keep_prob = 0.6`: the fraction of units each mask keeps, and a check of the backward
# pass. With the masks frozen (the same generator seed on every call), the cost is an ordinary function of
# W1, so its numerical gradient must match `dW1`:

# %%
# NBVAL_CHECK_OUTPUT
A3_dropout, dropout_cache = forward_propagation_with_dropout(train_X, params0, 0.6, np.random.RandomState(0))
print("fraction of units kept in the hidden layers:", [round(float(D.mean()), 2) for D in dropout_cache[2][:-1]])
grads_dropout = backward_propagation_with_dropout(train_X, train_Y, dropout_cache, 0.6)


def cost_of_W1(W1):
    p = dict(params0, W1=W1)
    return compute_cost(forward_propagation_with_dropout(train_X, p, 0.6, np.random.RandomState(0))[0], train_Y)


dW1_numerical = numerical_gradient(cost_of_W1, params0["W1"], h=1e-4)
assert rel_error(grads_dropout["dW1"], dW1_numerical) < 1e-6
print("dW1 of backward_propagation_with_dropout matches the numerical gradient (masks frozen)")

# %% [markdown]
# ## Three models side by side
#
# The same network, the same initialization (the course's `randn / sqrt(n_prev)`, seed 3), batch gradient
# descent with learning rate 0.3 for 10,000 iterations (the course runs 30,000 on its data; 10,000 is
# enough here and keeps the notebook fast): no regularization, L2 with `lambd = 0.7` (the course's value),
# and dropout with `keep_prob = 0.6`.

# %%
def train(lambd: float = 0.0, keep_prob: float = 1.0, num_iterations: int = 10000):
    params, costs = model(train_X, train_Y, layers_dims, learning_rate=0.3, num_iterations=num_iterations,
                          lambd=lambd, keep_prob=keep_prob, initialization="sqrt", record_every=500)
    return params, costs, accuracy(predict(train_X, params), train_Y), accuracy(predict(test_X, params), test_Y)


settings = {"no regularization": (0.0, 1.0), "L2, lambd = 0.7": (0.7, 1.0), "dropout, keep_prob = 0.6": (0.0, 0.6)}
runs = {name: train(*s) for name, s in settings.items()}

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'model':26s} {'train %':>8s} {'test %':>8s} {'gap':>6s}")
for name, (_, _, train_acc, test_acc) in runs.items():
    print(f"{name:26s} {train_acc:8.1f} {test_acc:8.1f} {train_acc - test_acc:6.1f}")
base = runs["no regularization"]
for name in ("L2, lambd = 0.7", "dropout, keep_prob = 0.6"):
    assert runs[name][3] > base[3] + 2, f"{name} should beat no regularization on the test set"
    assert runs[name][2] - runs[name][3] < base[2] - base[3]  # a smaller train/test gap

# %% [markdown]
# Both regularizers give up a little training accuracy and gain test accuracy: the gap between the two,
# the variance, shrinks. The boundaries show why: without regularization the network draws islands around
# individual noisy points; L2 and dropout draw a smoother curve.

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
for ax, (name, (params, _, train_acc, test_acc)) in zip(axes, runs.items()):
    plot_decision_boundary(lambda x, p=params: predict_proba(x, p), train_X, train_Y, ax=ax,
                           title=f"{name}\ntrain {train_acc:.1f} %, test {test_acc:.1f} %")
plt.show()

# %% [markdown]
# L2 shrinks the weights (printed: the sum of squared weights), and the dropout run's cost curve is noisy,
# since each iteration trains a different thinned network, so the cost is not a smooth function of the
# iterations any more (the course's advice: check that the cost falls with dropout off, then switch it on).

# %%
# NBVAL_CHECK_OUTPUT
for name, (params, *_rest) in runs.items():
    print(f"{name:26s} sum of squared weights: {sum(np.sum(params[f'W{l}'] ** 2) for l in (1, 2, 3)):7.1f}")

# %%
ax = plot_costs({name: r[1] for name, r in runs.items()}, every=500, title="Cost during training (L2: cost + penalty)")
plt.show()

# %% [markdown]
# ## Your turn: lambda and keep_prob
#
# Raise `lambd` until the boundary becomes too simple (high bias: both accuracies fall); lower `keep_prob`
# for stronger dropout. The two can be combined. So that a move only redraws, the cell below trains every
# combination of the panel's values first, with `model_grid`: the same trainer as `model`, with one network
# per setting stacked on a first axis (weights `(S, n_l, n_{l-1})`) and trained together, the settings shared
# out over the CPU's cores. Every setting starts from the same weights and draws the same dropout masks as
# `model` would, so the grid holds the three runs above, weight for weight.

# %%
# NBVAL_CHECK_OUTPUT
lambds, keep_probs = [0.0, 0.1, 0.7, 3.0, 10.0], [1.0, 0.8, 0.6, 0.4]
start = time.perf_counter()
grid = model_grid(train_X, train_Y, layers_dims, [(lam, kp) for lam in lambds for kp in keep_probs],
                  learning_rate=0.3, num_iterations=10000, initialization="sqrt", record_every=500)
grid_seconds = time.perf_counter() - start
for name, setting in settings.items():
    assert all(np.allclose(grid[setting][0][k], runs[name][0][k], rtol=1e-9, atol=1e-12) for k in runs[name][0]), name
grid_acc = {s: (accuracy(predict(train_X, r[0]), train_Y), accuracy(predict(test_X, r[0]), test_Y))
            for s, r in grid.items() if not isinstance(r, Exception)}
print(f"{len(grid)} settings trained; the three runs above are among them, with the same weights")

# %%
# NBVAL_IGNORE_OUTPUT
best = max(grid_acc, key=lambda s: grid_acc[s][1])
print(f"the grid took {grid_seconds:.1f} s ({grid_seconds / len(grid):.2f} s per setting)")
print(f"best test accuracy: lambd = {best[0]}, keep_prob = {best[1]}: {grid_acc[best][1]:.1f} % "
      f"(no regularization: {base[3]:.1f} %)")


# %%
# NBVAL_IGNORE_OUTPUT
def draw_regularization(fig, lambd, keep_prob):
    result = grid[(lambd, keep_prob)]
    if isinstance(result, Exception):
        raise result
    params = result[0]
    train_acc, test_acc = grid_acc[(lambd, keep_prob)]
    ax1, ax2 = fig.subplots(1, 2)
    plot_decision_boundary(lambda x: predict_proba(x, params), train_X, train_Y, ax=ax1,
                           title=f"lambd = {lambd}, keep_prob = {keep_prob}")
    ax2.bar(["train", "test"], [train_acc, test_acc], color=["#1f77b4", "#ff7f0e"])
    ax2.axhline(base[3], color="k", ls="--", lw=1, label="test, no regularization")
    ax2.set(title="Accuracy (%)", xlabel="set", ylabel="accuracy (%)", ylim=(50, 100))
    ax2.legend(loc="lower right")
    return f"train {train_acc:.1f} %, test {test_acc:.1f} %, gap {train_acc - test_acc:.1f} points"


reg_panel = SliderPanel(draw_regularization, {"lambd": [0.7] + [v for v in lambds if v != 0.7],
                                              "keep_prob": keep_probs}, figsize=(9, 3.6))
reg_panel

# %% [markdown]
# ## Other ways to reduce variance
#
# The course also lists **data augmentation** (flipped, cropped, distorted copies of the training images:
# more data for free) and **early stopping** (stop when the dev error starts rising; it couples
# optimizing the cost with not overfitting, which breaks orthogonalization, so L2 is often preferred).
# Both appear in the CNN notebooks of Course 4.
#
# ## Conclusion
#
# - L2 adds `lambd / (2m) sum ||W||^2` to the cost and `lambd / m * W` to each gradient: weights shrink and
#   the function is smoother.
# - Inverted dropout multiplies hidden activations by a random mask and divides by `keep_prob`, which
#   keeps their expectation; at test time there is no dropout and no scaling.
# - On our overfitting problem both raised test accuracy and narrowed the train/test gap (table above).
#
# Next: checking a backward pass numerically (`w1_3_gradient_checking`).
