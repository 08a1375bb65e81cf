# %% [markdown]
# # Deep neural network: L layers, step by step
#
# > Forward and backward through any number of layers with caches, then a task where depth measurably wins (logistic < shallow < deep on held-out data), the hyperparameters that control it, and the same network in Keras.
#
# ## Introduction
#
# Week 4 of the course generalizes weeks 2 and 3 to a network of **L layers**:
# [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID. Nothing new is needed in the mathematics: each layer
# is a linear step followed by an activation, the forward pass stores a **cache** per layer, and the backward
# pass walks the layers in reverse, reading those caches. What is new is the bookkeeping, a loop over
# layers, and the question of **hyperparameters**: how many layers, how many units, what learning rate, how
# many iterations. Those are chosen by us, while the **parameters** W and b are learned.
#
# The functions keep the course's names and live in `utils/deep_nn.py`: `initialize_parameters_deep`,
# `linear_forward`, `linear_activation_forward`, `L_model_forward`, `compute_cost`, `linear_backward`,
# `linear_activation_backward`, `L_model_backward`, `update_parameters`, and the trainer `L_layer_model`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time

import ipywidgets as widgets
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from utils.deep_nn import (L_layer_model, L_model_backward, L_model_forward, TrainingSnapshots, accuracy,
                           compute_cost, initialize_parameters_deep, layer_dims_of, linear_activation_backward,
                           linear_activation_forward, linear_backward, linear_forward, predict, predict_proba,
                           update_parameters)
from utils.exercises import show_solution
from utils.gradcheck import check_gradient
from utils.plotting import plot_classes, plot_costs, plot_decision_boundary
from utils.reproducibility import set_seed
from utils.widgets import SliderPanel

set_seed(1)  # TensorFlow is imported now: seed it too

# %% [markdown]
# ## The building blocks
#
# `initialize_parameters_deep(layer_dims)` creates W[l] of shape (n[l], n[l-1]) and b[l] of shape (n[l], 1)
# for every layer. Getting these shapes right is most of the work. The loop over the layers and the scale of
# the random weights (`init`: 0.01 for the course's step-by-step example, 1/sqrt(n[l-1]) by default) are
# given; in the exercise version of this notebook you write the marked lines of each building block:

# %%
show_solution(initialize_parameters_deep)

# %% [markdown]
# The course's example with layer_dims = [5, 4, 3]:

# %%
# NBVAL_CHECK_OUTPUT
parameters = initialize_parameters_deep([5, 4, 3], init="small", seed=3)
for name, value in parameters.items():
    print(f"{name}: shape {value.shape}")
print("W1[0] =", np.round(parameters["W1"][0], 8))

# %% [markdown]
# One layer forward: `linear_forward` computes Z = W A_prev + b and caches (A_prev, W, b):

# %%
show_solution(linear_forward)

# %% [markdown]
# `linear_activation_forward` adds the activation and caches Z as well (the activation cache):

# %%
show_solution(linear_activation_forward)

# %% [markdown]
# `L_model_forward` chains L of them, ReLU in the L-1 hidden layers and a sigmoid in the output layer, and
# returns the output AL with the list of caches that back-propagation will need:

# %%
show_solution(L_model_forward)

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.RandomState(1)
X_small = rng.randn(5, 4)
Z, linear_cache = linear_forward(X_small, parameters["W1"], parameters["b1"])
A1, cache1 = linear_activation_forward(X_small, parameters["W1"], parameters["b1"], "relu")
print(f"Z {Z.shape}; linear cache holds A_prev {linear_cache[0].shape}, W {linear_cache[1].shape}, "
      f"b {linear_cache[2].shape}")
dims_small = [5, 4, 3, 1]
params_small = initialize_parameters_deep(dims_small, init="he", seed=1)
AL, caches = L_model_forward(X_small, params_small)
print(f"L = {len(caches)} layers: AL {AL.shape}, one cache per layer, Z shapes {[c[1].shape for c in caches]}")

# %% [markdown]
# The cross-entropy cost of the predictions AL, averaged over the m examples:

# %%
show_solution(compute_cost)

# %% [markdown]
# Backward: the linear part of a layer turns dZ[l] into dW[l] = dZ[l] A[l-1]ᵀ / m, db[l] = the mean of dZ[l]
# over the examples, and dA[l-1] = W[l]ᵀ dZ[l], using its cached A[l-1] and W[l]:

# %%
show_solution(linear_backward)

# %% [markdown]
# Before it, the activation's backward turns dA[l] into dZ[l] = dA[l] * g'(Z[l]) using the cached Z
# (`relu_backward`, `sigmoid_backward`):

# %%
show_solution(linear_activation_backward)

# %% [markdown]
# `L_model_backward` starts from dZ[L] = AL - Y (the sigmoid's and the cross-entropy's derivatives
# combined) and walks the layers in reverse:

# %%
show_solution(L_model_backward)

# %% [markdown]
# The whole backward pass checked against the numerical gradient, parameter by parameter:

# %%
# NBVAL_CHECK_OUTPUT
Y_small = np.array([[1, 0, 1, 0]])
grads = L_model_backward(AL, Y_small, caches)
print("gradient keys:", sorted(grads))
for key, value in params_small.items():
    diff = check_gradient(lambda v: compute_cost(L_model_forward(X_small, {**params_small, key: v})[0], Y_small),
                          value, grads["d" + key])
    print(f"d{key} {grads['d' + key].shape}: gradient check passes: {diff < 1e-7}")
    assert diff < 1e-7

# %% [markdown]
# Last, one step of gradient descent for every W[l] and b[l]:

# %%
show_solution(update_parameters)

# %% [markdown]
# Together these are a training loop. A hundred steps on the small example drive its cost down
# (`L_layer_model` runs the same loop, with a few more options):

# %%
# NBVAL_CHECK_OUTPUT
params_loop, loop_costs = params_small, []
for i in range(100):
    AL_loop, caches_loop = L_model_forward(X_small, params_loop)
    loop_costs.append(compute_cost(AL_loop, Y_small))
    params_loop = update_parameters(params_loop, L_model_backward(AL_loop, Y_small, caches_loop), 0.1)
print(f"cost {loop_costs[0]:.4f} -> {loop_costs[-1]:.4f} in 100 steps; it went down: {loop_costs[-1] < loop_costs[0]}")
assert loop_costs[-1] < 0.5 * loop_costs[0]

# %% [markdown]
# ## A task where depth pays: two spirals
#
# Two interleaved spirals, 2.5 turns each: a boundary that winds around many times. The points come from a
# seeded generator; the test set is drawn independently and never used for training.

# %%
def make_spirals(m: int, seed: int, turns: float = 2.5, noise: float = 0.06):
    """Two interleaved spirals of m // 2 points each: X (2, m), Y (1, m)."""
    rng = np.random.RandomState(seed)
    n = m // 2
    t = np.sqrt(rng.rand(n)) * turns * 2 * np.pi  # angle along the arm, denser near the centre
    arms = [np.c_[np.cos(t + k * np.pi), np.sin(t + k * np.pi)] * (t / (turns * np.pi))[:, None]
            + rng.randn(n, 2) * noise for k in (0, 1)]
    return np.vstack(arms).T, np.r_[np.zeros(n), np.ones(n)].astype(int).reshape(1, -1)


# %%
# NBVAL_CHECK_OUTPUT
train_X, train_Y = make_spirals(600, seed=0)
test_X, test_Y = make_spirals(400, seed=1)
print(f"train_X {train_X.shape}, train_Y {train_Y.shape}, test_X {test_X.shape}, test_Y {test_Y.shape}")

# %%
_ = plot_classes(train_X, train_Y, title="Two spirals (training set)", size=10)

# %% [markdown]
# ## Logistic regression, a shallow network, a deep network
#
# Three models, all trained by `L_layer_model` with the same budget: 3,000 steps of full-batch gradient
# descent, He initialization, ReLU hidden units (each with a learning rate that works for it):
#
# - **logistic regression**: layers_dims = [2, 1], no hidden layer;
# - **shallow**: one hidden layer of 128 units;
# - **deep**: three hidden layers of 16, 16 and 8 units, *fewer* parameters than the shallow one.

# %%
models = {"logistic": ([2, 1], 1.0), "shallow": ([2, 128, 1], 1.0), "deep": ([2, 16, 16, 8, 1], 0.3)}
num_iterations = 3000
results = {}
for name, (dims, lr) in models.items():
    start = time.perf_counter()
    params, costs = L_layer_model(train_X, train_Y, dims, learning_rate=lr, num_iterations=num_iterations,
                                  init="he", seed=1)
    results[name] = {"dims": dims, "lr": lr, "params": params, "costs": costs,
                     "n_params": sum(v.size for v in params.values()),
                     "train": accuracy(predict(train_X, params), train_Y),
                     "test": accuracy(predict(test_X, params), test_Y), "seconds": time.perf_counter() - start}
for name, r in results.items():
    print(f"{name:>8} {str(r['dims']):>18}: {r['n_params']:4d} parameters, train {r['train']:5.1f} %, "
          f"test {r['test']:5.1f} %  ({r['seconds']:.1f} s)")

# %%
# NBVAL_CHECK_OUTPUT
test_acc = {name: r["test"] for name, r in results.items()}
print("held-out accuracy: logistic < shallow < deep:",
      test_acc["logistic"] < test_acc["shallow"] < test_acc["deep"])
print("deep has fewer parameters than shallow:", results["deep"]["n_params"] < results["shallow"]["n_params"])
assert test_acc["logistic"] + 10 < test_acc["shallow"] and test_acc["shallow"] + 5 < test_acc["deep"]
assert test_acc["deep"] > 90
from utils.results import record  # extra code: the numbers for the benchmark report (prints nothing)
for name in ("logistic", "shallow"):
    _ = record(f"spirals: deep network test accuracy (reference: {name})", test_acc["deep"], reference=test_acc[name], unit=" %")

# %%
fig, axes = plt.subplots(1, 4, figsize=(15, 3.8))
for ax, (name, r) in zip(axes, results.items()):
    plot_decision_boundary(lambda P, p=r["params"]: predict_proba(P, p), test_X, test_Y, ax=ax, resolution=150,
                           title=f"{name}: test {r['test']:.1f} %")
    ax.get_legend().remove()
plot_costs({name: r["costs"] for name, r in results.items()}, every=100, ax=axes[-1], title="Training cost")
plt.show()

# %% [markdown]
# The logistic model can only cut the plane in two with a line. One wide hidden layer builds its boundary
# from many half-planes added together and, within this budget, misses parts of the winding arms. Three
# narrower layers **compose** features: the second layer combines the first layer's regions, the third
# combines those again, and a boundary that winds many times needs fewer units that way. That is the
# course's argument for depth (circuit theory: some functions need exponentially many units in a shallow
# network). A fair caveat: the comparison is at a fixed training budget; a wide shallow network trained
# much longer, or with a better optimizer (Course 2), closes part of the gap.
#
# ## Parameters and hyperparameters
#
# The **parameters** are what gradient descent learns: every W[l] and b[l]. The **hyperparameters** are
# what we chose before training, and they decide what parameters we end up with:

# %%
# NBVAL_CHECK_OUTPUT
deep = results["deep"]
print("parameters (learned):", ", ".join(f"{k} {v.shape}" for k, v in deep["params"].items()))
print(f"  {deep['n_params']} numbers in total")
hyperparameters = {"number of layers L": len(deep["dims"]) - 1, "hidden units n[l]": deep["dims"][1:-1],
                   "learning rate": deep["lr"], "iterations": num_iterations, "hidden activation": "relu",
                   "initialization": "He"}
print("hyperparameters (chosen):")
for k, v in hyperparameters.items():
    print(f"  {k}: {v}")

# %% [markdown]
# Choosing hyperparameters is an empirical loop (idea, code, experiment), the subject of Course 2. Try it
# here: the widget shows the network you describe (every hidden layer gets the same number of units), its
# test-set boundary and its cost curve. Every setting the widget offers is trained once, in the next cell
# (4 depths x 4 widths x 3 learning rates, 2,000 iterations each, a snapshot every 100), so a move only picks a
# trained network and redraws. Things to try: one hidden layer with many units against three with few; a
# learning rate of 0.03 (slow: compare the cost curve at 2,000 iterations), or 3 (too large: the cost jumps up,
# many ReLU units end up "dead", outputting 0 for every point, and training stalls, or the weights overflow).

# %%
widget_depths, widget_units, widget_lrs, widget_iterations = (1, 2, 3, 4), (2, 4, 8, 16), (0.03, 0.3, 3.0), 2000
start = time.perf_counter()
widget_runs = {(L, n, lr): TrainingSnapshots.train(train_X, train_Y, [2] + [n] * L + [1], lr, widget_iterations)
               for L in widget_depths for n in widget_units for lr in widget_lrs}
print(f"{len(widget_runs)} networks trained for the widget in {time.perf_counter() - start:.0f} s")

# %%
# NBVAL_IGNORE_OUTPUT
def draw_deep(fig, hidden_layers, units, learning_rate, iterations):
    params, costs = widget_runs[hidden_layers, units, learning_rate].at(iterations)
    ax1, ax2 = fig.subplots(1, 2)
    test = accuracy(predict(test_X, params), test_Y)
    plot_decision_boundary(lambda P: predict_proba(P, params), test_X, test_Y, ax=ax1, resolution=90,
                           title=f"{layer_dims_of(params)}: test {test:.1f} %")
    plot_costs(costs, every=10, ax=ax2, title="Training cost")
    n_params = sum(v.size for v in params.values())
    return f"{n_params} parameters; train {accuracy(predict(train_X, params), train_Y):.1f} %, test {test:.1f} %"


panel = SliderPanel(draw_deep, {"hidden_layers": (1, 4, 1, 3),
                                "units": widgets.SelectionSlider(options=widget_units, value=16, description="units"),
                                "learning_rate": widgets.Dropdown(options=widget_lrs, value=0.3,
                                                                  description="learning_rate"),
                                "iterations": (100, widget_iterations, 100, widget_iterations)},
                    figsize=(10, 4), columns=2)
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## The same network in Keras
#
# The deep architecture in Keras: four `Dense` layers (ReLU, ReLU, ReLU, sigmoid), the same initial
# weights (copied from `initialize_parameters_deep`, transposed: Keras stores W as (n[l-1], n[l])), the
# same optimizer (plain SGD, learning rate 0.3), the whole training set as one batch, and the same number of
# steps. Keras computes in float32 by default, our numpy code in float64.

# %%
dims, lr = models["deep"]
init = initialize_parameters_deep(dims, init="he", seed=1)
keras_model = keras.Sequential([keras.Input((dims[0],))] + [
    keras.layers.Dense(n, activation="sigmoid" if l == len(dims) - 1 else "relu") for l, n in enumerate(dims) if l > 0])
keras_model.set_weights([w for l in range(1, len(dims)) for w in (init[f"W{l}"].T, init[f"b{l}"].ravel())])
keras_model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="binary_crossentropy",
                    metrics=["accuracy"])
full_batch = tf.data.Dataset.from_tensors((train_X.T.astype("float32"), train_Y.T.astype("float32"))).repeat()
start = time.perf_counter()
_ = keras_model.fit(full_batch, epochs=1, steps_per_epoch=num_iterations, shuffle=False, verbose=0)
keras_seconds = time.perf_counter() - start
keras_acc = {name: 100 * keras_model.evaluate(X.T, Y.T, verbose=0)[1]
             for name, X, Y in (("train", train_X, train_Y), ("test", test_X, test_Y))}
print(f"{'':>14} {'numpy (utils.deep_nn)':>22} {'Keras':>8}")
for split in ("train", "test"):
    print(f"{split + ' accuracy':>14} {deep[split]:21.1f} % {keras_acc[split]:6.1f} %")
print(f"{'training time':>14} {deep['seconds']:20.1f} s {keras_seconds:6.1f} s")
assert abs(keras_acc["test"] - deep["test"]) <= 2 and abs(keras_acc["train"] - deep["train"]) <= 2

# %% [markdown]
# Same architecture, same starting point, same optimizer: the accuracies agree within a point or two (they
# are not identical because float32 and float64 round differently, and those differences grow over thousands
# of steps). Keras did in a few lines what this week built by hand, and from Course 2 on we will lean on it.
#
# ## Conclusion
#
# - An L-layer network is a loop over one building block: linear, then activation, with a cache per layer
#   for the backward pass, which runs the same loop in reverse.
# - Depth composes features: on the spirals, three small hidden layers beat one wide layer with more
#   parameters, and both beat logistic regression (numbers above, on held-out data).
# - Parameters are learned; hyperparameters (L, n[l], learning rate, iterations, activation, initialization)
#   are chosen, and they matter as much: the widget shows a good architecture failing with a bad learning
#   rate.
# - The numpy implementation and Keras agree; this is the bridge to Course 2.
