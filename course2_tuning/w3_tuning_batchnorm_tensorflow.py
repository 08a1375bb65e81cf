# %% [markdown]
# # Tuning, batch normalization, softmax and TensorFlow
#
# > Random search beats grid search on a real tuning run; batch norm from scratch (checked against Keras) trains a deep net faster; softmax regression on digits; and a numpy network, its TensorFlow GradientTape twin and Keras tracing the same loss curve.
#
# ## Introduction
#
# Week 3 closes Course 2 with four topics:
#
# 1. **hyperparameter search**: sample at random rather than on a grid, and on a log scale for quantities
#    like the learning rate or 1 - beta;
# 2. **batch normalization**: normalize each hidden unit's pre-activation over the mini-batch, then let the
#    network rescale it with learned gamma and beta; running averages replace the batch statistics at test
#    time (`utils.batchnorm`);
# 3. **softmax regression** for C classes (`utils.softmax`);
# 4. **TensorFlow**: the same network trained by our numpy code, by a `tf.GradientTape` loop and by Keras,
#    from the same initial weights.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import ipywidgets as widgets
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from threadpoolctl import threadpool_limits

from utils.batchnorm import (batchnorm_backward, batchnorm_forward, bn_model_forward, init_bn_param, running_statistics,
                             train_deep_net)
from utils.data import load_moons
from utils.deep_nn import accuracy, initialize_parameters_deep, predict
from utils.exercises import show_solution
from utils.gradcheck import check_gradient, rel_error
from utils.optimizers import exponentially_weighted_average, model_runs, update_parameters_with_gd
from utils.plotting import plot_image_grid
from utils.reproducibility import set_seed
from utils.softmax import (class_accuracy, digits_dataset, one_hot, predict_classes, softmax, softmax_cost,
                           softmax_model_backward, softmax_model_forward)
from utils.tuning import (LogGridObjective, plot_search_box, plot_search_trials, search_averages,
                          search_with_random_twin)
from utils.widgets import SliderPanel

set_seed(1)  # TensorFlow and Keras are imported now: seed them too
_ = threadpool_limits(1)  # tiny matrices: extra BLAS threads only add overhead (and thrash on a shared CPU)

# %% [markdown]
# ## Hyperparameter search: random beats grid, log scale beats linear
#
# The course's order of importance: the learning rate first; then momentum's beta, the mini-batch size and
# the number of hidden units; then the number of layers and learning-rate decay. On a **grid** of 4 x 4
# values, only 4 distinct learning rates are ever tried; 16 **random** points try 16, and when one
# hyperparameter matters much more than the other, that is what counts.
#
# And the **scale**: a learning rate between 0.0001 and 1 sampled uniformly lands above 0.1 nine times out
# of ten. Sample its exponent instead, `lr = 10**r` with r uniform in [-4, 0]. Likewise beta between 0.9
# and 0.999: what matters is the averaging window 1 / (1 - beta), so sample `1 - beta = 10**r`, r in [-3, -1].

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.RandomState(0)
uniform_lr = rng.uniform(1e-4, 1, 10_000)
log_lr = 10 ** rng.uniform(-4, 0, 10_000)
for name, lr in (("uniform", uniform_lr), ("log scale", log_lr)):
    counts = [np.mean((lr >= 10.0 ** k) & (lr < 10.0 ** (k + 1))) for k in range(-4, 0)]
    print(f"{name:9s}: share of samples in 1e-4..1e-3, 1e-3..1e-2, 1e-2..0.1, 0.1..1: "
          + " ".join(f"{c:.2f}" for c in counts))

# %% [markdown]
# A real tuning run: the moons network [2, 5, 2, 1] trained with momentum (mini-batches of 64, 300
# epochs), scored on a separate dev set of 300 moons. Hyperparameters: the learning rate and momentum's
# beta. Grid: 4 learning rates x 4 betas; random: 16 points, both on log scales. All 32 runs train at
# once with `model_runs` (one learning rate and one beta per run).

# %%
train_X, train_Y = load_moons()
dev_X, dev_Y = load_moons(seed=4)
grid = [(lr, beta) for lr in (1e-4, 1e-3, 1e-2, 1e-1) for beta in (0.9, 0.97, 0.99, 0.999)]
random_points = [(10 ** rng.uniform(-4, 0), 1 - 10 ** rng.uniform(-3, -1)) for _ in range(16)]
trials = grid + random_points
tuned, _ = model_runs(train_X, train_Y, [2, 5, 2, 1],
                      [dict(optimizer="momentum", learning_rate=lr, beta=beta) for lr, beta in trials], num_epochs=300)
dev_acc = np.array([accuracy(predict(dev_X, p), dev_Y) for p in tuned])
grid_acc, random_acc = dev_acc[:16], dev_acc[16:]

# %%
# NBVAL_CHECK_OUTPUT
for name, points, acc in (("grid", grid, grid_acc), ("random", random_points, random_acc)):
    best = int(np.argmax(acc))
    print(f"{name:6s}: {len({round(lr, 12) for lr, _ in points}):2d} distinct learning rates, best dev accuracy "
          f"{acc[best]:.1f} % at lr = {points[best][0]:.2g}, beta = {points[best][1]:.3f}")

# %% [markdown]
# Each dot is one trial, coloured by its dev accuracy: the grid's columns leave most learning rates
# untried, the random points spread over all of them. The right panel projects onto the learning rate,
# the hyperparameter that matters most here.

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for marker, points, acc, label in (("s", grid, grid_acc, "grid"), ("o", random_points, random_acc, "random")):
    lrs, betas = np.array(points).T
    sc = ax1.scatter(lrs, 1 - betas, c=acc, marker=marker, s=60, vmin=60, vmax=100, cmap="viridis",
                     edgecolors="k", label=label)
    ax2.scatter(lrs, acc, marker=marker, s=40, label=label)
ax1.set(xscale="log", yscale="log", title="Trials (colour: dev accuracy %)", xlabel="learning rate",
        ylabel="1 - beta")
fig.colorbar(sc, ax=ax1)
ax1.legend(loc="lower left")
ax2.set(xscale="log", title="Dev accuracy against the learning rate", xlabel="learning rate",
        ylabel="dev accuracy (%)")
ax2.legend()
plt.show()

# %% [markdown]
# ### Coarse to fine
#
# The course's next step: search **coarse to fine**, zooming into the region of the best points and
# sampling again there; and either babysit one model ("panda") or train many in parallel ("caviar"), as
# here. To play with the search without training on every move, the whole box is trained once on a grid
# of 17 learning rates x 9 values of 1 - beta (153 runs, the same network, data and epochs as above), and
# `utils.tuning.LogGridObjective` scores any point by interpolating the dev accuracies between the grid
# points, linearly in the exponents.

# %%
# NBVAL_CHECK_OUTPUT
lr_axis, one_minus_beta_axis = 10.0 ** np.linspace(-4, 0, 17), 10.0 ** np.linspace(-3, -1, 9)
grid_runs = [dict(optimizer="momentum", learning_rate=lr, beta=1 - omb)
             for lr in lr_axis for omb in one_minus_beta_axis]
grid_params, _ = model_runs(train_X, train_Y, [2, 5, 2, 1], grid_runs, num_epochs=300)
grid_dev = np.array([accuracy(predict(dev_X, p), dev_Y) for p in grid_params]).reshape(17, 9)
dev_objective = LogGridObjective([lr_axis, one_minus_beta_axis], grid_dev)
good = grid_dev.max() - 2  # "good": within 2 points of the best run of the grid
i, j = np.unravel_index(np.argmax(grid_dev), grid_dev.shape)
print(f"best of the grid: {grid_dev[i, j]:.1f} % at lr = {lr_axis[i]:.2g}, beta = {1 - one_minus_beta_axis[j]:.3f}; "
      f"{np.mean(grid_dev >= good):.0%} of the grid is good (>= {good:.1f} %)")

# %% [markdown]
# `coarse_to_fine(objective, box, n, zoom, rng)` draws `n` points on log scales over the whole box, then `n`
# more in a box `zoom` times as wide (in every exponent) centred on the best coarse point (`zoom_box`);
# `search_with_random_twin` also draws the plain random search with the same budget (the same coarse round,
# then `n` more points anywhere). Move `trials` (per round) and `zoom`, and `draw` for another roll of the
# dice. Look at where the second round lands (triangles in the dashed box): at zoom 0.25 about half of the
# fine trials are good (within 2 points of the grid's best), against about one in ten random points (the
# printed shares, averaged over 200 searches). Look also at what it does **not** buy on this landscape,
# whose good region is broad: the best score is about that of random search with the same budget; and with
# few coarse trials a tight zoom (`trials` 2, `zoom` 0.05) centres the second round on a poor coarse best and
# stays there, several points below random search. At `zoom` 1 the second round is random search again.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_search(fig, trials, zoom, draw):
    result = search_with_random_twin(dev_objective, dev_objective.box, trials, zoom, seed=draw)
    ax_box, ax_runs = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    plot_search_box(dev_objective, result, ax_box, score="dev accuracy (%)")
    plot_search_trials(result, ax_runs, good=good)
    ax_runs.set(ylabel="dev accuracy (%)", ylim=(60, 100))
    avg = search_averages(dev_objective, dev_objective.box, trials, zoom, good)
    return (f"this draw: coarse best {result['coarse_scores'].max():.1f} %, after the fine round "
            f"{result['scores'].max():.1f} %; random only ({2 * trials} trials) {result['random_all'].max():.1f} %\n"
            f"over 200 draws: best {avg['best_fine']:.1f} % coarse to fine vs {avg['best_random']:.1f} % random only; "
            f"good second-round trials {avg['good_fine']:.0%} vs {avg['good_random']:.0%}")


search_panel = SliderPanel(draw_search, {"trials": (2, 32, 1, 8), "zoom": (0.05, 1.0, 0.05, 0.25),
                                          "draw": (0, 19, 1, 0)}, figsize=(11, 4))
assert not search_panel.message.value, search_panel.message.value
search_panel

# %% [markdown]
# The same averages as numbers, for the default knobs (8 trials per round, zoom 0.25), and for a tight zoom
# after a tiny coarse round:

# %%
# NBVAL_CHECK_OUTPUT
avg = search_averages(dev_objective, dev_objective.box, 8, 0.25, good)
assert avg["good_fine"] > 3 * avg["good_random"] and abs(avg["best_fine"] - avg["best_random"]) < 1.5
print(f"good second-round trials: {avg['good_fine']:.0%} coarse to fine, {avg['good_random']:.0%} random; "
      f"best dev accuracy {avg['best_fine']:.1f} % vs {avg['best_random']:.1f} %")
tight = search_averages(dev_objective, dev_objective.box, 2, 0.05, good)
assert tight["best_fine"] < tight["best_random"] - 2
print(f"2 trials per round, zoom 0.05: best {tight['best_fine']:.1f} % coarse to fine vs "
      f"{tight['best_random']:.1f} % random")

# %% [markdown]
# ## Batch normalization from scratch
#
# Courses 1-2 keep examples as **columns**: a layer's pre-activations Z have shape (n units, m examples).
# Batch norm normalizes **each unit (row) over the examples (axis 1)**:
#
# $$\mu = \frac{1}{m}\sum_i z^{(i)},\quad \sigma^2 = \frac{1}{m}\sum_i (z^{(i)} - \mu)^2,\quad
# \hat z = \frac{z - \mu}{\sqrt{\sigma^2 + \varepsilon}},\quad \tilde z = \gamma \hat z + \beta,$$
#
# with one learned gamma and beta per unit, shape (n, 1). Keras stores examples as rows, so its
# `BatchNormalization()` (axis=-1: one gamma per feature, statistics over the batch) applied to `Z.T` is
# the same operation. `batchnorm_forward(x, gamma, beta, bn_param)` returns `(out, cache)`. In train mode it
# computes mu, sigma^2 (`var`), x_hat and out as above (the cache and the running averages for test time,
# see below, are built from them); in test mode it normalizes with the running averages instead:

# %%
show_solution(batchnorm_forward)

# %%
# NBVAL_CHECK_OUTPUT
bn_rng = np.random.RandomState(1)
Z = bn_rng.randn(4, 32) * np.array([[1.0], [5.0], [0.1], [20.0]]) + np.array([[3.0], [-2.0], [0.0], [50.0]])
gamma, beta = np.array([[1.0], [2.0], [0.5], [1.0]]), np.array([[0.0], [1.0], [-1.0], [0.0]])
out, cache = batchnorm_forward(Z, gamma, beta, {"mode": "train"})
fmt = lambda values: " ".join(f"{round(v, 2) + 0.0:7.2f}" for v in values)
print(f"row means before: {fmt(Z.mean(axis=1))}   after: {fmt(out.mean(axis=1))}")
print(f"row stds  before: {fmt(Z.std(axis=1))}   after: {fmt(out.std(axis=1))}")

# %% [markdown]
# The backward pass, `batchnorm_backward(dout, cache)`, returns `(dx, dgamma, dbeta)`. dbeta and dgamma sum
# over the examples; dx must also account for mu and sigma^2 depending on every example of the batch,
# which gives the compact form `dx = inv_std / m * (m dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))`
# with `dx_hat = dout * gamma`:

# %%
show_solution(batchnorm_backward)

# %% [markdown]
# It is gradient-checked with `utils.gradcheck` for x, gamma and beta, and the whole layer (forward,
# gradients, running averages) is compared with `keras.layers.BatchNormalization`:

# %%
dout = bn_rng.randn(*Z.shape)
dx, dgamma, dbeta = batchnorm_backward(dout, cache)
checks = {
    "dx": check_gradient(lambda z: batchnorm_forward(z, gamma, beta, {"mode": "train"})[0], Z, dx, dout),
    "dgamma": check_gradient(lambda g: batchnorm_forward(Z, g, beta, {"mode": "train"})[0], gamma, dgamma, dout),
    "dbeta": check_gradient(lambda b: batchnorm_forward(Z, gamma, b, {"mode": "train"})[0], beta, dbeta, dout),
}
layer = keras.layers.BatchNormalization(epsilon=1e-3, momentum=0.99, dtype="float64")
layer.build((None, 4))
layer.gamma.assign(gamma[:, 0])
layer.beta.assign(beta[:, 0])
Zt = tf.constant(Z.T)  # Keras: examples are rows
with tf.GradientTape() as tape:
    tape.watch(Zt)
    out_keras = layer(Zt, training=True)
    loss = tf.reduce_sum(out_keras * dout.T)
dx_keras = tape.gradient(loss, Zt)
bn_param = init_bn_param(4, eps=1e-3, momentum=0.99)
out_ours, cache_ours = batchnorm_forward(Z, gamma, beta, bn_param)
keras_errors = {"out": rel_error(out_ours, out_keras.numpy().T),
                "dx": rel_error(batchnorm_backward(dout, cache_ours)[0], dx_keras.numpy().T),
                "running mean": rel_error(bn_param["running_mean"][:, 0], layer.moving_mean.numpy()),
                "running var": rel_error(bn_param["running_var"][:, 0], layer.moving_variance.numpy())}
print("gradient checks:", {k: f"{v:.1e}" for k, v in checks.items()})
print("vs Keras:", {k: f"{v:.1e}" for k, v in keras_errors.items()})

# %%
# NBVAL_CHECK_OUTPUT
assert max(checks.values()) < 1e-7 and max(keras_errors.values()) < 1e-8
print("backward gradient-checked (< 1e-7) and equal to keras.layers.BatchNormalization on Z.T (< 1e-8)")

# %% [markdown]
# At **test time** there may be a single example: no batch to average over. During training each layer
# keeps exponentially weighted averages of mu and sigma^2 (`running = momentum * running + (1 - momentum)
# * batch value`, Keras's `moving_mean`), and test mode normalizes with those, so an example gets the same
# output alone or in a batch:

# %%
# NBVAL_CHECK_OUTPUT
bn_param = init_bn_param(4, momentum=0.9)
for _ in range(100):  # training batches from the same distribution
    batch = bn_rng.randn(4, 32) * np.array([[1.0], [5.0], [0.1], [20.0]]) + np.array([[3.0], [-2.0], [0.0], [50.0]])
    batchnorm_forward(batch, gamma, beta, bn_param)
bn_param["mode"] = "test"
print(f"running mean: {fmt(bn_param['running_mean'][:, 0])}   running std: {fmt(np.sqrt(bn_param['running_var'][:, 0]))}")
alone, _ = batchnorm_forward(Z[:, :1], gamma, beta, bn_param)
in_batch, _ = batchnorm_forward(Z, gamma, beta, bn_param)
print("one example alone == the same example in a batch:", np.allclose(alone, in_batch[:, :1]))

# %% [markdown]
# ### Play: batch size against the noise of the batch statistics, and the momentum of the running averages
#
# Batch norm's mean and variance are *estimates* from one mini-batch: the mean of m examples scatters around
# the unit's true mean with a standard deviation sigma / sqrt(m) (a little noise that acts as a mild
# regularizer). The running averages smooth that noise for test time, but an exponentially weighted average
# of momentum beta remembers about 1 / (1 - beta) steps, so it also lags when the distribution moves, as it
# does while the earlier layers train. Simulated here for one unit whose pre-activation has standard
# deviation 2 and a mean that drifts from 0 to 4 over the first 200 steps, then stays (600 steps, each batch
# through `batchnorm_forward`, recorded by `utils.batchnorm.running_statistics`).
#
# Move `batch_size`: the grey cloud of batch means (left) and its histogram (right) narrow like 1 / sqrt(m)
# (measured and predicted errors printed). Then move `momentum`: at 0.5 the running mean (orange) keeps
# about 60 % of their noise (an average with momentum beta of independent values keeps the share
# (1 - beta) / (1 + beta) of their variance); at 0.99 it is smooth but trails the drift; at 0.999 (a window
# of 1,000 steps) it never catches up in 600 steps, and test time would normalize with a wrong mean. Keras's
# default is 0.99, which is why `utils.cnn_models` uses 0.9 for its short trainings. A batch of one example
# gives a message: its variance is 0.

# %%
# NBVAL_IGNORE_OUTPUT
bn_steps = np.arange(600)
true_mean, z_std = 4.0 * np.minimum(bn_steps / 200, 1.0), 2.0
hist_bins = np.linspace(-3, 3, 61)


def bn_run(batch_size, momentum):
    """The simulated unit's 600 batches through batch norm: (statistics, rms error of each estimate, steps 300-599)."""
    batches = np.random.default_rng(batch_size).normal(true_mean[:, None], z_std, size=(bn_steps.size, batch_size))
    stats = running_statistics(batches, momentum)
    rms = {k: np.sqrt(np.mean((stats[k][300:] - 4) ** 2)) for k in ("batch_mean", "running_mean")}
    return stats, rms


def draw_bn_noise(fig, batch_size, momentum):
    stats, rms = bn_run(batch_size, momentum)
    ax_t, ax_h = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    ax_t.scatter(bn_steps, stats["batch_mean"], s=3, color="0.6", label="batch mean")
    ax_t.plot(bn_steps, true_mean, "k--", lw=1, label="true mean")
    ax_t.plot(bn_steps, stats["running_mean"], color="C1", lw=2, label="running mean (test time)")
    ax_t.set(title=f"Batch of {batch_size}, momentum {momentum}", xlabel="training step", ylabel="mean of the unit",
             ylim=(-2, 7))
    ax_t.legend(loc="lower right", fontsize=8)
    steady = bn_steps >= 300
    ax_h.hist(stats["batch_mean"][steady] - 4, bins=hist_bins, density=True, histtype="stepfilled", color="0.6",
              label="batch mean")
    ax_h.hist(stats["running_mean"][steady] - 4, bins=hist_bins, density=True, histtype="stepfilled", color="C1",
              alpha=0.6, label="running mean")
    ax_h.set(title="Error once the drift stops (steps 300-599)", xlabel="estimate - true mean", ylabel="density")
    ax_h.legend(fontsize=8)
    lag = true_mean[199] - stats["running_mean"][199]
    return (f"typical error (rms, steps 300-599) of the batch means: {rms['batch_mean']:.3f} (sigma / sqrt(m) = "
            f"{z_std / np.sqrt(batch_size):.3f}); of the running mean: {rms['running_mean']:.3f}\n"
            f"momentum {momentum}: a window of about {1 / (1 - momentum):.0f} steps; at the end of the drift the "
            f"running mean trails by {lag:.2f}, at step 599 it is off by {stats['running_mean'][-1] - 4:+.2f}")


bn_panel = SliderPanel(draw_bn_noise, {
    "batch_size": widgets.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64, 128, 256], value=32,
                                          description="batch_size", continuous_update=False),
    "momentum": widgets.SelectionSlider(options=[0.5, 0.8, 0.9, 0.95, 0.99, 0.999], value=0.9,
                                        description="momentum", continuous_update=False)}, figsize=(11, 4))
assert not bn_panel.message.value, bn_panel.message.value
bn_panel

# %% [markdown]
# The panel's claims, checked: the batch means' error is sigma / sqrt(m); a momentum of 0.5 keeps about 60 %
# of it; 0.99 trails the drift; 0.999 has not caught up after 600 steps.

# %%
# NBVAL_CHECK_OUTPUT
for m in (4, 64):
    assert abs(bn_run(m, 0.9)[1]["batch_mean"] / (z_std / np.sqrt(m)) - 1) < 0.15
share = bn_run(2, 0.5)[1]["running_mean"] / bn_run(2, 0.5)[1]["batch_mean"]
lag_99 = true_mean[199] - bn_run(32, 0.99)[0]["running_mean"][199]
end_999 = bn_run(32, 0.999)[0]["running_mean"][-1]
assert 0.45 < share < 0.7 and lag_99 > 1 and end_999 < 2
print(f"batch means' error = sigma / sqrt(m) within 15 % (m = 4, 64); momentum 0.5 keeps {share:.0%} of it "
      f"(sqrt(1/3) = 58 %); momentum 0.99 trails by {lag_99:.1f} at the end of the drift; "
      f"momentum 0.999 ends at {end_999:.1f} instead of 4")

# %% [markdown]
# ### A deep network trains faster with batch norm
#
# Ten layers, [64, 32 x 8 hidden, 10], on scikit-learn's 8x8 digits (1,500 training images, 297 test),
# softmax output, plain mini-batch gradient descent (batch 64, learning rate 0.2, 5 epochs), the same
# He-initialized weights. With batch norm each hidden layer is LINEAR (no bias) -> BN -> RELU
# (`utils.batchnorm.train_deep_net`). Batch norm keeps every layer's input distribution steady while
# the earlier layers change ("covariate shift"), so the later layers are not chasing a moving target.

# %%
X_train, Y_train, X_test, Y_test, labels_train, labels_test = digits_dataset()
deep_dims = [64] + [32] * 8 + [10]
deep = {}
for name, use_bn in (("plain", False), ("batch norm", True)):
    params, bn_params, costs = train_deep_net(X_train, Y_train, deep_dims, batchnorm=use_bn, learning_rate=0.2,
                                              num_epochs=5)
    AL, _ = bn_model_forward(X_test, params, bn_params)  # batch norm in test mode: running averages
    deep[name] = (np.array(costs), class_accuracy(AL.argmax(axis=0), labels_test))

# %%
# NBVAL_CHECK_OUTPUT
for name, (costs, test_acc) in deep.items():
    smoothed = exponentially_weighted_average(costs, 0.9, bias_correction=True)
    below = np.flatnonzero(smoothed < 1.0)
    reached = f"step {below[0]}" if below.size else f"not within {costs.size} steps"
    print(f"{name:10s}: smoothed cost below 1.0 at {reached}; mean cost over the last 20 steps "
          f"{costs[-20:].mean():.2f}, test accuracy {test_acc:.1f} %")
assert deep["batch norm"][0][-20:].mean() < 0.5 * deep["plain"][0][-20:].mean()
assert deep["batch norm"][1] > deep["plain"][1] + 10

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for name, (costs, _) in deep.items():
    ax.plot(costs, alpha=0.3)
    ax.plot(exponentially_weighted_average(costs, 0.9, bias_correction=True), label=f"{name} (EWA, beta 0.9)",
            color=ax.lines[-1].get_color())
ax.set(title="Deep net on digits: cost per mini-batch step", xlabel="step", ylabel="cost")
ax.legend()
plt.show()

# %% [markdown]
# ## Softmax regression
#
# For C classes the output layer computes C scores and the softmax turns them into probabilities,
# `a_c = exp(z_c) / sum_j exp(z_j)`; labels are one-hot columns Y of shape (C, m) and the cost is
# `-1/m sum Y log A`, whose gradient at the output is again `dZ = A - Y`. Softmax regression is the
# network with no hidden layer, [64, 10]: ten linear scorers, one per digit.
#
# The softmax works column by column (one column per example). exp overflows beyond about 709, so each
# column's maximum is subtracted first, which does not change the result (the factor exp(-max) cancels):

# %%
show_solution(softmax)

# %% [markdown]
# The labels become one-hot columns (`digits_dataset` above already did this with `one_hot`):

# %%
show_solution(one_hot)

# %% [markdown]
# and the cost averages `-sum_c Y log A` over the m examples:

# %%
show_solution(softmax_cost)

# %% [markdown]
# Logits of 1000 and more are no problem, each column sums to 1, and a uniform prediction over C classes
# costs log C:

# %%
# NBVAL_CHECK_OUTPUT
Z_demo = np.array([[1000.0, 1.0], [1001.0, 2.0], [1002.0, 3.0]])
print("softmax of [1000, 1001, 1002] and of [1, 2, 3]:\n", np.round(softmax(Z_demo), 4))
print("labels", labels_train[:4], "as one-hot columns:\n", one_hot(labels_train[:4], 10).astype(int))
uniform_cost = softmax_cost(np.full((10, 4), 0.1), one_hot(labels_train[:4], 10))
assert np.isclose(uniform_cost, np.log(10))
print(f"cost of a uniform prediction over 10 classes: {uniform_cost:.4f} = log 10")

# %%
# NBVAL_CHECK_OUTPUT
softmax_params, _, softmax_costs = train_deep_net(X_train, Y_train, [64, 10], batchnorm=False, learning_rate=0.5,
                                                   num_epochs=10)
softmax_test = class_accuracy(predict_classes(X_test, softmax_params), labels_test)
print(f"softmax regression on digits: test accuracy {softmax_test:.1f} %")
assert softmax_test > 85

# %% [markdown]
# Each row of W1 is a template that the digit's pixels are matched against (bright: pixels that vote for
# that class):

# %%
fig = plot_image_grid(softmax_params["W1"].reshape(10, 8, 8), titles=[f"class {c}" for c in range(10)], ncols=10,
                      cmap="RdBu_r", title="Softmax regression: the weights of each class")
plt.show()

# %% [markdown]
# ## The same network in numpy, TensorFlow and Keras
#
# A network [64, 32, 10] (ReLU, softmax), full-batch gradient descent with learning rate 0.5 for 50 steps,
# three ways, **from the same initial weights**: our numpy forward/backward (`utils.softmax`) with
# `update_parameters_with_gd`; a TensorFlow loop where `tf.GradientTape` records the forward pass and
# computes the gradients; and Keras's `fit`. All in float64, so the loss curves must agree to rounding.

# %%
init = initialize_parameters_deep([64, 32, 10], init="he", seed=3)
lr, steps = 0.5, 50
params, numpy_losses = dict(init), []
for _ in range(steps):
    AL, caches = softmax_model_forward(X_train, params)
    numpy_losses.append(softmax_cost(AL, Y_train))
    params = update_parameters_with_gd(params, softmax_model_backward(AL, Y_train, caches), lr)

# %% [markdown]
# The GradientTape loop, written out: a forward pass on `tf.Variable`s, the loss, `tape.gradient`, and a
# manual update.

# %%
tf_vars = {k: tf.Variable(v) for k, v in init.items()}
X_tf, Y_tf = tf.constant(X_train), tf.constant(Y_train)
tf_losses = []
for _ in range(steps):
    with tf.GradientTape() as tape:
        A1 = tf.nn.relu(tf_vars["W1"] @ X_tf + tf_vars["b1"])
        Z2 = tf_vars["W2"] @ A1 + tf_vars["b2"]
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=tf.transpose(Y_tf),
                                                                      logits=tf.transpose(Z2)))
    grads = tape.gradient(loss, tf_vars)
    for k, var in tf_vars.items():
        var.assign_sub(lr * grads[k])
    tf_losses.append(float(loss))

# %% [markdown]
# Keras: the same two layers (Keras's `Dense` holds W transposed, examples as rows), one batch of all 1,500
# examples per epoch, no shuffling; `history["loss"]` records the loss before each update.

# %%
keras_model = keras.Sequential([keras.Input((64,), dtype="float64"),
                                keras.layers.Dense(32, activation="relu", dtype="float64"),
                                keras.layers.Dense(10, activation="softmax", dtype="float64")])
keras_model.layers[0].set_weights([init["W1"].T, init["b1"][:, 0]])
keras_model.layers[1].set_weights([init["W2"].T, init["b2"][:, 0]])
keras_model.compile(optimizer=keras.optimizers.SGD(lr), loss="categorical_crossentropy")
history = keras_model.fit(X_train.T, Y_train.T, batch_size=X_train.shape[1], epochs=steps, shuffle=False, verbose=0)
keras_losses = history.history["loss"]

# %%
# NBVAL_CHECK_OUTPUT
diff_tf = np.max(np.abs(np.array(numpy_losses) - tf_losses))
diff_keras = np.max(np.abs(np.array(numpy_losses) - keras_losses))
print(f"loss after {steps} steps: numpy {numpy_losses[-1]:.4f}, GradientTape {tf_losses[-1]:.4f}, "
      f"Keras {keras_losses[-1]:.4f}")
assert diff_tf < 1e-10 and diff_keras < 1e-6
print("numpy = GradientTape to 1e-10 and = Keras to 1e-6 at every step")

# %%
print(f"largest difference from numpy: GradientTape {diff_tf:.1e}, Keras {diff_keras:.1e}")
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(numpy_losses, lw=4, alpha=0.5, label="numpy")
ax.plot(tf_losses, lw=2, ls="--", label="TensorFlow GradientTape")
ax.plot(keras_losses, lw=1, ls=":", color="k", label="Keras fit")
ax.set(title="Same weights, same loss curve", xlabel="gradient step", ylabel="cross-entropy")
ax.legend()
plt.show()

# %% [markdown]
# (Keras clips probabilities at 1e-7 inside its cross-entropy, which explains its tiny remaining difference.)
# Once the three agree, Keras is the convenient way to go further: the same architecture with Adam and
# mini-batches, evaluated on the test set.

# %%
# NBVAL_CHECK_OUTPUT
set_seed(1)
digits_model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                                 keras.layers.Dense(10, activation="softmax")])
digits_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
digits_model.fit(X_train.T, Y_train.T, batch_size=64, epochs=10, verbose=0)
_, keras_test_acc = digits_model.evaluate(X_test.T, Y_test.T, verbose=0)
assert keras_test_acc > 0.9
print("Keras, [64, 32, 10] with Adam: test accuracy above 90 %:", keras_test_acc > 0.9)

# %%
print(f"Keras test accuracy: {100 * keras_test_acc:.1f} %")

# %% [markdown]
# ## Conclusion
#
# - Search hyperparameters at random, on log scales for learning rates and 1 - beta, coarse to fine; on
#   the moons tuning run random search tried four times as many learning rates as the grid.
# - Batch norm normalizes each unit over the mini-batch (rows over columns here; Keras's axis -1 over
#   rows), learns gamma and beta, and uses running averages at test time; our layer matches Keras, and a
#   ten-layer net trained much faster with it.
# - Softmax generalizes logistic regression to C classes with the same output gradient A - Y.
# - A framework computes the same numbers: numpy, GradientTape and Keras traced the same loss curve from
#   the same weights.
#
# This ends Course 2. Course 3 turns to structuring machine-learning projects.
