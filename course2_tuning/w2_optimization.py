# %% [markdown]
# # Optimization: mini-batches, momentum, RMSprop, Adam, learning-rate decay
#
# > Mini-batches and their noise, exponentially weighted averages, an optimizer race on ravine, saddle and Rosenbrock surfaces, and the course's moons table (GD, momentum, Adam, with and without decay) reproduced.
#
# ## Introduction
#
# Week 2 speeds training up. Instead of one step per pass over the data, **mini-batch** gradient descent
# takes a step per small batch. Its noisy steps are then smoothed by **exponentially weighted averages**:
# of the gradients (momentum), of their squares (RMSprop), of both (Adam). A **learning-rate decay**
# finally shrinks the steps as training settles. Everything below uses `utils.optimizers` (the course's
# `update_parameters_with_*` functions, tested against `keras.optimizers`) and `utils.loss_surfaces`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import re
import time
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from utils.data import load_moons
from utils.deep_nn import accuracy, predict, predict_proba
from utils.loss_surfaces import SURFACES, plot_race, race
from utils.exercises import show_solution
from utils.optimizers import (exponentially_weighted_average, initialize_adam, initialize_velocity, model, model_runs,
                              random_mini_batches, schedule_lr_decay, update_lr, update_parameters_with_adam,
                              update_parameters_with_gd, update_parameters_with_momentum)
from utils.plotting import plot_costs, plot_decision_boundary
from utils.widgets import SliderPanel

_ = threadpool_limits(1)  # tiny matrices: extra BLAS threads only add overhead (and thrash on a shared CPU)

# %% [markdown]
# ## Mini-batches
#
# The course's moons: 300 points, noise 0.2. `random_mini_batches` shuffles the columns (X and Y with the
# same permutation) and cuts them into batches of 64; the last one holds the 300 - 4 x 64 = 44 examples left.
# Two steps: shuffle the columns of X and Y with the same permutation, then cut the complete mini-batches
# `[:, k * mini_batch_size:(k + 1) * mini_batch_size]`, plus a last, smaller one when m is not a multiple
# of the batch size.

# %%
show_solution(random_mini_batches)

# %%
# NBVAL_CHECK_OUTPUT
train_X, train_Y = load_moons()
batches = random_mini_batches(train_X, train_Y, mini_batch_size=64, seed=0)
print(f"X {train_X.shape} -> {len(batches)} mini-batches: {[b[0].shape for b in batches]}")
print(f"labels travel with their examples: {[b[1].shape for b in batches]}")

# %% [markdown]
# Batch size 1 is **stochastic** gradient descent (fast steps, very noisy, loses vectorization), batch size
# m is **batch** gradient descent (smooth, one step per epoch), and in between (64 to 512, a power of two
# in practice) gets both speed and vectorization. Each step sees a different batch, so the cost of a
# mini-batch goes down *on average* but jumps from step to step. The slider trains the moons network
# [2, 5, 2, 1] with plain gradient descent (learning rate 0.05, 5 epochs) at several batch sizes and draws
# the cost of every mini-batch.

# %%
# NBVAL_IGNORE_OUTPUT
@lru_cache(maxsize=None)
def batch_costs(batch_size: int) -> np.ndarray:
    _, costs = model(train_X, train_Y, [2, 5, 2, 1], "gd", learning_rate=0.05, mini_batch_size=batch_size,
                     num_epochs=5, record="batch")
    return np.array(costs)


def draw_batches(fig, batch_size):
    costs = batch_costs(batch_size)
    steps_per_epoch = len(costs) // 5
    ax = fig.subplots()
    ax.plot(np.arange(len(costs)) / steps_per_epoch, costs, lw=0.8)
    ax.set(title=f"Cost of each mini-batch, batch size {batch_size} ({steps_per_epoch} steps per epoch)",
           xlabel="epoch", ylabel="mini-batch cost", ylim=(0, 1.5))
    last = costs[-steps_per_epoch:]
    return f"{len(costs)} steps; last epoch: mean cost {last.mean():.3f}, std between steps {last.std():.3f}"


batch_panel = SliderPanel(draw_batches, {"batch_size": [64, 1, 8, 32, 128, 300]}, figsize=(7, 3.4))
batch_panel

# %% [markdown]
# ## Exponentially weighted averages
#
# `v_t = beta * v_{t-1} + (1 - beta) * theta_t` averages over roughly the last `1 / (1 - beta)` values:
# the weight of a value k steps back is `(1 - beta) beta^k`, which falls to 1/e of its first value after
# `1 / (1 - beta)` steps. Starting from `v_0 = 0` biases the first values towards 0; **bias correction**
# divides by `1 - beta^t`, which matters only at the start. A noisy seasonal series, a year of daily
# "temperatures":

# %%
# NBVAL_CHECK_OUTPUT
days = np.arange(1, 366)
temperature = 12 + 10 * np.sin(2 * np.pi * (days - 110) / 365) + np.random.RandomState(0).randn(365) * 4
for beta in (0.9, 0.98):
    v = exponentially_weighted_average(temperature, beta)
    v_corrected = exponentially_weighted_average(temperature, beta, bias_correction=True)
    print(f"beta={beta}: window ~{1 / (1 - beta):.0f} days; day 1: theta={temperature[0]:.1f}, v={v[0]:.2f}, "
          f"v corrected={v_corrected[0]:.1f}; day 100: v={v[99]:.1f}, corrected={v_corrected[99]:.1f}")

# %% [markdown]
# Slide beta: small beta follows the noise, large beta is smooth but lags behind the season (the curve
# shifts right). The right panel shows the weights over the past and the ~1/(1 - beta) window.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_ewa(fig, beta, bias_correction):
    v = exponentially_weighted_average(temperature, beta, bias_correction=bias_correction)
    raw = exponentially_weighted_average(temperature, beta)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
    ax1.scatter(days, temperature, s=4, c="grey", label="daily value theta_t")
    if bias_correction:
        ax1.plot(days, raw, color="#d62728", lw=1, ls="--", label="v_t without correction")
    ax1.plot(days, v, color="#1f77b4", lw=2, label="v_t" + (" with bias correction" if bias_correction else ""))
    ax1.set(title=f"Exponentially weighted average, beta = {beta:.3f}", xlabel="day t", ylabel="temperature")
    ax1.legend(fontsize=8, loc="lower center")
    window = 1 / (1 - beta)
    k = np.arange(0, int(4 * window) + 2)
    ax2.bar(-k, (1 - beta) * beta ** k, width=1.0, color="#1f77b4")
    ax2.axvline(-window, color="k", ls="--", lw=1)
    ax2.set(title=f"Weights of past values (window {window:.0f})", xlabel="days back", ylabel="weight")
    return f"1 / (1 - beta) = {window:.1f} days; weight there = {beta ** window:.2f} of today's (1/e = 0.37)"


ewa_panel = SliderPanel(draw_ewa, {"beta": (0.5, 0.995, 0.005, 0.9), "bias_correction": True}, figsize=(10, 3.6))
ewa_panel

# %% [markdown]
# ## Momentum, RMSprop and Adam
#
# With `dW` the gradient of a mini-batch (the course's notation; here for every parameter):
#
# | method | state update | parameter update |
# | --- | --- | --- |
# | gradient descent | | `W -= lr * dW` |
# | momentum | `v = beta * v + (1 - beta) * dW` | `W -= lr * v` |
# | RMSprop | `s = beta2 * s + (1 - beta2) * dW**2` | `W -= lr * dW / (sqrt(s) + eps)` |
# | Adam | both, then `v_hat = v / (1 - beta1**t)`, `s_hat = s / (1 - beta2**t)` | `W -= lr * v_hat / (sqrt(s_hat) + eps)` |
#
# Momentum averages the gradients: oscillations across a ravine cancel, the consistent direction along it
# adds up. RMSprop divides each coordinate by the size of its recent gradients: steep directions get small
# steps, flat ones large. Adam does both, with bias correction (course defaults: beta1 = 0.9,
# beta2 = 0.999, eps = 1e-8). (Keras writes momentum as `u = beta u - lr' dW`, which is the course's form
# with `lr' = lr (1 - beta)`; `tests/test_optimizers.py` checks each rule against `keras.optimizers`.)
#
# Every rule works on any dict of parameters (`W1, b1, ...`, or a single point `p`), with the gradient of
# `parameters[name]` in `grads["d" + name]`, and returns NEW dicts. Gradient descent first:

# %%
show_solution(update_parameters_with_gd)

# %% [markdown]
# Momentum keeps a velocity per parameter, zeros at the start, keyed like the gradients (`v["dW1"]`):

# %%
show_solution(initialize_velocity)

# %%
show_solution(update_parameters_with_momentum)

# %% [markdown]
# Adam keeps two moving averages, v of the gradients and s of their squares, both zeros at the start:

# %%
show_solution(initialize_adam)

# %% [markdown]
# Each Adam step updates v and s, corrects their bias towards 0 with the step counter t (starting at 1),
# and steps by `v_corrected / (sqrt(s_corrected) + epsilon)`:

# %%
show_solution(update_parameters_with_adam)

# %% [markdown]
# The race below walks a point p = (x, y) over a 2-D surface with these rules. Written out by hand with the
# functions above, 100 steps of each on the ravine (next section) end exactly where the race's
# `run_optimizer` ends:

# %%
# NBVAL_CHECK_OUTPUT
ravine_surface = SURFACES["ravine"]()
reference = race(ravine_surface, {"gd": 0.035, "momentum": 0.035, "adam": 0.1}, 100)
for name in ("gd", "momentum", "adam"):
    params = {"p": np.array(ravine_surface.start, dtype=float)}
    v = initialize_velocity(params)
    v_adam, s_adam = initialize_adam(params)
    for t in range(1, 101):
        grads = {"dp": ravine_surface.grad(params["p"])}
        if name == "gd":
            params = update_parameters_with_gd(params, grads, 0.035)
        elif name == "momentum":
            params, v = update_parameters_with_momentum(params, grads, v, 0.9, 0.035)
        else:
            params, v_adam, s_adam, _, _ = update_parameters_with_adam(params, grads, v_adam, s_adam, t, 0.1)
    assert np.allclose(params["p"], reference[name][0][-1], rtol=1e-9, atol=1e-12)
    print(f"{name:8s} after 100 steps: loss {ravine_surface.loss(params['p']):.3g}, the same point as the race's")

# %% [markdown]
# ## An optimizer race on three surfaces
#
# `utils.loss_surfaces` has three classic 2-D test surfaces, each with its gradient:
#
# - an **ill-conditioned ravine** `(x^2 + 50 y^2) / 2`: gradient descent must keep lr below 2/50 to stay
#   stable across it, then crawls along it;
# - a **saddle** `x^2 + y^4/4 - y^2/2`: a start almost on the ridge, where the gradient nearly vanishes:
#   the plateaus of high-dimensional losses, which slow learning down far more than local optima do;
# - **Rosenbrock's banana** `(1 - x)^2 + 100 (y - x^2)^2`: a curved, flat-bottomed valley.
#
# The four optimizers start from the same point. The final losses with a learning rate picked for each
# surface (one for GD and momentum, one for the adaptive methods, whose steps are about `lr` long whatever
# the gradient's size):

# %%
# NBVAL_CHECK_OUTPUT
race_settings = {"ravine": (0.035, 0.1, 100), "saddle": (0.05, 0.05, 100), "rosenbrock": (0.002, 0.05, 1000)}
final_loss = {}
for name, (lr_gd, lr_adaptive, steps) in race_settings.items():
    surface = SURFACES[name]()
    results = race(surface, {"gd": lr_gd, "momentum": lr_gd, "rmsprop": lr_adaptive, "adam": lr_adaptive}, steps)
    assert all(err is None for _, err in results.values())
    final_loss[name] = {k: surface.loss(p[-1]) for k, (p, _) in results.items()}
    print(f"{name:10s} ({steps} steps): final loss " +
          ", ".join(f"{k} {round(v, 3) + 0.0:.3f}" for k, v in final_loss[name].items()))
assert final_loss["ravine"]["momentum"] < final_loss["ravine"]["gd"] / 10
assert final_loss["saddle"]["gd"] > -0.1 and final_loss["saddle"]["momentum"] > -0.1
assert final_loss["saddle"]["rmsprop"] < -0.24 and final_loss["saddle"]["adam"] < -0.24

# %% [markdown]
# On the ravine momentum ends far lower than plain GD at the same learning rate (Adam, whose steps are
# about lr long, is still travelling along the ravine after 100 steps of 0.1); on the saddle GD and
# momentum are still near the ridge (loss near 0, the saddle's value) while RMSprop and Adam have escaped
# to a minimum (-0.25). On Rosenbrock, momentum overshoots around the bend at this rate.
# Now race them yourself. Push the GD learning rate past 0.04 on the ravine: gradient descent diverges, and
# the panel says so instead of drawing NaNs.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_race(fig, surface, lr_gd, lr_adaptive, beta1, beta2, steps):
    s = SURFACES[surface]()
    results = race(s, {"gd": lr_gd, "momentum": lr_gd, "rmsprop": lr_adaptive, "adam": lr_adaptive}, steps,
                   beta=beta1, beta1=beta1, beta2=beta2)
    plot_race(s, results, ax=fig.subplots())
    lines = []
    for name, (path, error) in results.items():
        lines.append(f"{name:9s} " + (f"DivergenceError: {error}" if error else
                                      f"final loss {s.loss(path[-1]):.4g} at ({path[-1, 0]:.3f}, {path[-1, 1]:.3f})"))
    return "\n".join(lines)


race_panel = SliderPanel(draw_race, {"surface": list(race_settings), "lr_gd": ("log", 1e-4, 0.2, 0.035),
                                     "lr_adaptive": ("log", 1e-3, 1.0, 0.1), "beta1": (0.0, 0.99, 0.01, 0.9),
                                     "beta2": (0.9, 0.999, 0.001, 0.999), "steps": (10, 1000, 10, 100)},
                         figsize=(7, 4.6))
race_panel

# %% [markdown]
# The divergence message, checked: set the GD rate above the ravine's limit of 2/50 = 0.04.

# %%
# NBVAL_CHECK_OUTPUT
race_panel.set(lr_gd=0.05)
summary = re.sub(r"<[^>]+>", "", race_panel.text.value)  # the panel's text line, without its HTML
assert "DivergenceError" in summary and "nan" not in summary.lower()
print("diverged:", [line.split()[0] for line in summary.splitlines() if "DivergenceError" in line])
race_panel.set(lr_gd=0.035)

# %% [markdown]
# ## Learning-rate decay
#
# Late in training, a large learning rate keeps the mini-batch steps bouncing around the minimum. Decay
# shrinks it: `update_lr` gives `lr0 / (1 + decay_rate * epoch)` at every epoch, which with `decay_rate = 1`
# collapses within a few epochs; `schedule_lr_decay` does the same in steps of `time_interval` epochs
# (1,000 in the course), `lr0 / (1 + decay_rate * floor(epoch / time_interval))`.

# %%
show_solution(update_lr)

# %%
show_solution(schedule_lr_decay)

# %% [markdown]
# The two schedules over 5,000 epochs (the table below trains with `schedule_lr_decay`):

# %%
epochs = np.arange(5000)
fig, ax = plt.subplots(figsize=(6.4, 3.4))
ax.semilogy(epochs, [update_lr(0.1, e, 1.0) for e in epochs], label="update_lr (every epoch)")
ax.semilogy(epochs, [schedule_lr_decay(0.1, e, 1.0) for e in epochs], label="schedule_lr_decay (every 1000 epochs)")
ax.set(title="Learning-rate decay from lr0 = 0.1, decay_rate = 1", xlabel="epoch", ylabel="learning rate (log)")
ax.legend()
plt.show()

# %% [markdown]
# ## The course's moons table
#
# The course trains [2, 5, 2, 1] on the moons with mini-batches of 64 for 5,000 epochs (He initialization,
# seed 3; epoch i shuffles with seed 11 + i) with learning rate 0.0007 for gradient descent, momentum
# (beta 0.9) and Adam, then again with `schedule_lr_decay` from lr0 = 0.1. Six runs of 25,000 steps each:
# `model_runs` does all six at once, stacked along a first axis, through the same update rules, and equals
# six calls of the course's `model` (`tests/test_optimizers.py` checks this to 1e-12).

# %%
runs = {"gd": dict(optimizer="gd"), "momentum": dict(optimizer="momentum"), "adam": dict(optimizer="adam"),
        "gd + decay": dict(optimizer="gd", learning_rate=0.1, decay=schedule_lr_decay),
        "momentum + decay": dict(optimizer="momentum", learning_rate=0.1, decay=schedule_lr_decay),
        "adam + decay": dict(optimizer="adam", learning_rate=0.1, decay=schedule_lr_decay)}
start = time.perf_counter()
moons_params, moons_costs = model_runs(train_X, train_Y, [2, 5, 2, 1], list(runs.values()), mini_batch_size=64,
                                       num_epochs=5000)
print(f"6 runs x 5000 epochs in {time.perf_counter() - start:.1f} s")
moons_acc = {name: accuracy(predict(train_X, p), train_Y) for name, p in zip(runs, moons_params)}

# %%
# NBVAL_CHECK_OUTPUT
course_acc = {"gd": "71.7", "momentum": "71.7", "adam": "94.3", "gd + decay": "~94-95", "momentum + decay": "~94-95",
              "adam + decay": "~94-95"}
print(f"{'optimizer':18s} {'train accuracy %':>17s} {'course':>8s}")
for name, acc in moons_acc.items():
    print(f"{name:18s} {acc:17.1f} {course_acc[name]:>8s}")
assert abs(moons_acc["gd"] - 71.7) < 1 and abs(moons_acc["momentum"] - 71.7) < 1 and abs(moons_acc["adam"] - 94.3) < 1
assert all(93 <= moons_acc[name] <= 96 for name in runs if "decay" in name)
from utils.results import record  # extra code: the numbers for the benchmark report (prints nothing)
for name, acc in moons_acc.items():
    _ = record(f"moons, {name}: train accuracy", acc, reference=course_acc[name], unit=" %")

# %% [markdown]
# The first three rows are the course's numbers exactly (same data, seeds and arithmetic). With
# lr = 0.0007, 5,000 epochs are not enough for gradient descent and momentum (momentum barely helps at such
# a small rate on so simple a problem), while Adam's per-parameter scaling gets there. Starting at
# lr0 = 0.1 and decaying every 1,000 epochs, all three reach about 94-95 % in the course; compare our three
# rows above. The boundaries and the cost curves:

# %%
fig, axes = plt.subplots(2, 3, figsize=(12, 6.4))
for ax, (name, params) in zip(axes.ravel(), zip(runs, moons_params)):
    plot_decision_boundary(lambda x, p=params: predict_proba(x, p), train_X, train_Y, ax=ax,
                           title=f"{name}: {moons_acc[name]:.1f} %")
plt.show()

# %%
ax = plot_costs(dict(zip(runs, moons_costs)), every=100, title="Moons: cost per epoch (recorded every 100)",
                xlabel="epoch")
plt.show()

# %% [markdown]
# ## Conclusion
#
# - Mini-batches trade a noisy cost curve for many more steps per epoch; sizes 64 to 512 keep vectorization.
# - An exponentially weighted average with parameter beta averages over ~1/(1 - beta) values; bias
#   correction fixes its start.
# - Momentum smooths the gradient, RMSprop rescales each coordinate, Adam does both; on a ravine, a saddle
#   and Rosenbrock's valley they behave very differently from plain GD, and too large a rate diverges.
# - Learning-rate decay lets a large initial rate settle; on the moons it brought GD and momentum from
#   71.7 % to Adam's level, as in the course.
#
# Next: hyperparameter tuning, batch normalization and TensorFlow (`w3_tuning_batchnorm_tensorflow`).
