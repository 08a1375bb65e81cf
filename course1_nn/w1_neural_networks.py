# %% [markdown]
# # What is a neural network?
#
# > A neuron is ReLU(w x + b): fit one to house prices, stack neurons into a network that bends, and measure why deep learning took off: accuracy against training-set size for logistic regression, a small and a large network.
#
# ## Introduction
#
# Week 1 of the course is an overview: what a neural network is, what supervised learning with one looks
# like, and why deep learning took off when it did. This notebook turns the three lecture pictures into
# code you can run:
#
# 1. **the housing-price neuron**: price as a ReLU of the house size, learned from data;
# 2. **stacking neurons**: a layer of ReLU neurons adds up kinks into a curve one neuron cannot draw;
# 3. **scale drives deep learning**: the lecture's sketch of performance against the amount of data,
#    measured here for logistic regression, a small and a large network on the same real data.
#
# The code uses the workbook's `utils` (`utils/activations.py`, `utils/deep_nn.py`), which later weeks
# build step by step.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time

import matplotlib.pyplot as plt
import numpy as np

from utils.activations import get_activation, relu, relu_backward
from utils.data import load_digits
from utils.deep_nn import (L_layer_model, accuracy, initialize_parameters_deep, linear_activation_backward,
                           linear_activation_forward, predict, update_parameters)
from utils.exercises import show_solution
from utils.plotting import plot_image_grid
from utils.widgets import SliderPanel


# %% [markdown]
# ## One neuron: house prices
#
# The lecture's first network: predict a house's price from its size. A straight line would predict negative
# prices for tiny houses, so the neuron bends it at zero: price = ReLU(w x + b) with ReLU(z) = max(0, z),
# the **rectified linear unit**. Here are 40 (synthetic, seeded) houses:

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.RandomState(0)
size = rng.uniform(30, 250, 40)  # square metres
price = np.maximum(0, 2.2 * (size - 60) + rng.randn(40) * 25)  # thousands
x, y = size.reshape(1, -1) / 100, price.reshape(1, -1) / 100  # columns are examples, in units of 100
print(f"x {x.shape}, y {y.shape}: {x.shape[1]} houses")

# %% [markdown]
# ReLU in numpy is one elementwise maximum. Here is the workbook's `relu` (in the exercise version of this
# notebook you write the marked lines yourself):

# %%
show_solution(relu)

# %% [markdown]
# The neuron learns w and b by gradient descent on the squared error. Its backward pass is the course's
# `relu_backward(dA, cache)` with the cache Z = w x + b: the gradient flows through where z > 0 and stops
# where the ReLU is flat (its slope there is 0, and the course takes it as 0 at z = 0 too):

# %%
show_solution(relu_backward)

# %%
def fit_relu_neuron(x, y, learning_rate=0.1, iterations=2000):
    """Fit y ~ ReLU(w x + b) (x, y of shape (1, m)) by gradient descent on the mean squared error / 2."""
    w, b = 1.0, 0.0
    for _ in range(iterations):
        z = w * x + b
        dz = relu_backward((relu(z) - y) / x.shape[1], z)  # gradient of the mean of (y_hat - y)^2 / 2 w.r.t. z
        w, b = w - learning_rate * np.sum(dz * x), b - learning_rate * np.sum(dz)
    return w, b


# %%
# NBVAL_CHECK_OUTPUT
w, b = fit_relu_neuron(x, y)
mse = np.mean((relu(w * x + b) - y) ** 2)
print(f"learned w = {w:.2f}, b = {b:.2f}: price = ReLU({w:.2f} * size {b:+.2f}) (in units of 100)")
print(f"the price starts rising at about {100 * -b / w:.0f} square metres; mean squared error {mse:.4f}")
assert mse < 0.1

# %%
grid = np.linspace(20, 260, 200)
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.scatter(size, price, s=16, label="houses")
ax.plot(grid, 100 * relu(w * grid / 100 + b), color="C1", lw=2, label="ReLU neuron")
ax.legend()
_ = ax.set(title="The housing-price neuron", xlabel="size (m²)", ylabel="price (thousands)")

# %% [markdown]
# ## Stacking neurons into a network
#
# Real prices depend on more than size: the lecture draws size and number of bedrooms feeding a "family
# size" neuron, the zip code a "walkability" neuron, zip code and wealth a "school quality" neuron, and
# those feeding the price. In practice we do not wire which input goes where: every hidden neuron sees every
# input and training decides what each one computes.
#
# Even with one input, stacking helps. Suppose prices flatten out for very large houses (a curve, not a
# line). One ReLU neuron can only draw one kink. A **hidden layer** of six ReLU neurons, each with its own
# kink, added up by an output neuron, can bend six times. We start the six kinks at different sizes and let
# gradient descent (the building blocks of week 4) move them:

# %%
# NBVAL_CHECK_OUTPUT
price_curve = np.maximum(0, 420 * (1 - np.exp(-(size - 45) / 90)) + rng.randn(40) * 12)
y2 = price_curve.reshape(1, -1) / 100
params = initialize_parameters_deep([1, 6, 1], init="small", seed=1)
params["W1"], params["b1"] = np.ones((6, 1)), -np.linspace(0.3, 2.3, 6).reshape(6, 1)  # kinks from 30 to 230 m²
for i in range(5000):
    A1, cache1 = linear_activation_forward(x, params["W1"], params["b1"], "relu")
    y_hat, cache2 = linear_activation_forward(A1, params["W2"], params["b2"], "linear")
    dA1, dW2, db2 = linear_activation_backward(y_hat - y2, cache2, "linear")  # squared error / 2
    _, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
    params = update_parameters(params, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}, 0.05)
net = lambda s: linear_activation_forward(relu(params["W1"] @ s + params["b1"]), params["W2"], params["b2"], "linear")[0]  # noqa: E731
mse_net = np.mean((net(x) - y2) ** 2)
w1, b1 = fit_relu_neuron(x, y2)  # the best a single neuron can do
mse_line = np.mean((relu(w1 * x + b1) - y2) ** 2)
print(f"mean squared error: one ReLU neuron {mse_line:.3f}, six stacked ReLU neurons {mse_net:.3f}")
assert mse_net < mse_line

# %%
s = grid.reshape(1, -1) / 100
A1 = relu(params["W1"] @ s + params["b1"])
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for j in range(6):
    ax1.plot(grid, 100 * params["W2"][0, j] * A1[j], lw=1, label=f"neuron {j + 1}")
ax1.set(title="Each hidden neuron: one kink", xlabel="size (m²)", ylabel="contribution (thousands)")
ax1.legend(fontsize=7, ncol=2)
ax2.scatter(size, price_curve, s=16, label="houses")
ax2.plot(grid, 100 * net(s)[0], color="C1", lw=2, label="sum: the network")
ax2.plot(grid, 100 * relu(w1 * grid / 100 + b1), "--", color="gray", label="one ReLU neuron")
ax2.legend()
ax2.set(title="Stacked neurons bend the curve", xlabel="size (m²)", ylabel="price (thousands)")
plt.show()

# %% [markdown]
# ## One neuron, two inputs: a boundary
#
# With two inputs a neuron computes a = g(w1 x1 + w2 x2 + b). Used as a classifier ("class 1 where z > 0"),
# its boundary is the straight line w1 x1 + w2 x2 + b = 0. Turn the knobs on the 200 seeded points below:
# `w1` and `w2` turn the line (the weights point across it, towards class 1), `b` slides it without turning it,
# and the sign of the weights says which side is class 1. Then change `activation`: sigmoid and tanh squash z
# smoothly (the shading fades across the line), ReLU is exactly 0 on the whole class-0 side (flat, so a
# gradient cannot tell those points apart), and "linear" never stops growing. The line itself stays where
# it is: the activation shapes the output, the weights and bias decide the boundary. Can you find a
# setting that classifies 95 % of the points correctly?

# %%
# NBVAL_IGNORE_OUTPUT
points = np.random.RandomState(2)
X2 = np.r_[points.randn(100, 2) * 0.7 + [-1.0, -0.5], points.randn(100, 2) * 0.7 + [1.0, 0.8]].T  # (2, 200)
Y2 = np.r_[np.zeros(100), np.ones(100)].astype(int)
g1, g2 = np.meshgrid(np.linspace(-3.5, 3.5, 120), np.linspace(-3.5, 3.5, 120))


def draw_neuron(fig, w1, w2, b, activation):
    g = get_activation(activation)[0]
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    Z = w1 * g1 + w2 * g2 + b
    ax1.imshow(g(Z), extent=(-3.5, 3.5, -3.5, 3.5), origin="lower", cmap="RdBu_r", alpha=0.5, aspect="auto")
    if Z.min() < 0 < Z.max():  # the boundary z = 0 crosses the view (with w = 0 there is no line)
        ax1.contour(g1, g2, Z, levels=[0], colors="k", linewidths=1.5)
    for label, color in ((0, "C0"), (1, "C3")):
        ax1.scatter(*X2[:, Y2 == label], s=12, c=color, edgecolors="k", linewidths=0.3, label=f"y = {label}")
    ax1.set(title=f"a = {activation}({w1:.1f} x1 {w2:+.1f} x2 {b:+.1f})", xlabel="$x_1$", ylabel="$x_2$",
            xlim=(-3.5, 3.5), ylim=(-3.5, 3.5))
    ax1.legend(loc="upper left", fontsize=8)
    z = w1 * X2[0] + w2 * X2[1] + b
    zs = np.linspace(min(-5, z.min()), max(5, z.max()), 300)
    ax2.plot(zs, g(zs), color="k", lw=1.5)
    for label, color in ((0, "C0"), (1, "C3")):
        ax2.scatter(z[Y2 == label], g(z[Y2 == label]), s=10, c=color, alpha=0.6)
    ax2.axvline(0, color="0.5", lw=0.8)
    ax2.set(title=f"{activation}(z) at each point's z", xlabel="z = w1 x1 + w2 x2 + b", ylabel="a")
    acc = 100 * np.mean((z > 0) == (Y2 == 1))
    return f"class 1 where z > 0: {acc:.1f} % of the points right; a ranges over [{g(z).min():.2f}, {g(z).max():.2f}]"


panel = SliderPanel(draw_neuron, {"w1": (-3.0, 3.0, 0.1, 1.0), "w2": (-3.0, 3.0, 0.1, 0.0), "b": (-3.0, 3.0, 0.1, 0.0),
                                  "activation": ["sigmoid", "tanh", "relu", "linear"]}, figsize=(10, 4), columns=4)
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# That is all a neural network is: many copies of this simple neuron, arranged in layers, with weights
# learned from examples (x, y). This is **supervised learning**; the same recipe handles structured data
# (prices, ads, click predictions) and unstructured data (audio, images, text): we will classify images of
# faces from week 2 on.
#
# ## Why is deep learning taking off? Scale
#
# The lecture's sketch: with little data, all learning algorithms perform about the same (and hand-crafted
# features decide); as the amount of labelled data grows, a traditional algorithm like logistic regression
# plateaus, while larger and larger neural networks keep improving. We measure that curve on real images:
# scikit-learn's handwritten digits (8x8 pixels), as a binary task "is the digit 5 or more?", with a fixed
# test set of 500 images and training sets of growing size.

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits()
X_all = images.reshape(len(images), -1).T / 16.0  # (64, 1797), pixels scaled to [0, 1]
Y_all = (labels >= 5).astype(int).reshape(1, -1)
order = np.random.RandomState(0).permutation(X_all.shape[1])
test_idx, pool_idx = order[:500], order[500:]
X_test, Y_test = X_all[:, test_idx], Y_all[:, test_idx]
print(f"X_all {X_all.shape}, test set {X_test.shape[1]} images, training pool {pool_idx.size} images")

# %%
fig = plot_image_grid(images[order[:10]], titles=[f"{d}: y={int(d >= 5)}" for d in labels[order[:10]]],
                      ncols=10, title="Digits, labelled 1 when the digit is 5 or more")
plt.show()

# %% [markdown]
# Three models, each trained for the same 800 gradient-descent iterations on each training-set size:
# logistic regression (layers [64, 1]), a small network (one hidden layer of 4 units) and a large network
# (hidden layers of 64 and 32 units).

# %%
train_sizes = [25, 50, 100, 200, 400, 800, pool_idx.size]
contenders = {"logistic regression": ([64, 1], 0.5), "small network": ([64, 4, 1], 0.3),
              "large network": ([64, 64, 32, 1], 0.3)}
curves = {name: [] for name in contenders}
start = time.perf_counter()
for n in train_sizes:
    idx = pool_idx[:n]
    for name, (dims, lr) in contenders.items():
        p, _ = L_layer_model(X_all[:, idx], Y_all[:, idx], dims, lr, 800, init="he", seed=1)
        curves[name].append(accuracy(predict(X_test, p), Y_test))
print(f"trained {len(train_sizes) * len(contenders)} models in {time.perf_counter() - start:.1f} s")
print("training images: " + " ".join(f"{n:6d}" for n in train_sizes))
for name, accs in curves.items():
    print(f"{name:>19}: " + " ".join(f"{a:5.1f}%" for a in accs))

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for name, accs in curves.items():
    ax.plot(train_sizes, accs, "o-", label=name)
ax.set_xscale("log")
ax.legend()
_ = ax.set(title="Scale drives deep learning", xlabel="number of training images (log scale)",
           ylabel="test accuracy (%)")

# %%
# NBVAL_CHECK_OUTPUT
final = {name: accs[-1] for name, accs in curves.items()}
gain = {name: accs[-1] - accs[0] for name, accs in curves.items()}
print("with all the data: logistic < small < large:",
      final["logistic regression"] < final["small network"] < final["large network"])
print("the large network gains the most from more data:", max(gain, key=gain.get) == "large network")
assert final["large network"] > final["logistic regression"] + 5
assert max(gain, key=gain.get) == "large network"
first = [accs[0] for accs in curves.values()]
assert max(first) - min(first) < 5  # with the smallest training set the three are close

# %% [markdown]
# With the smallest training sets the three models are close (and noisy); as the data grows, logistic
# regression flattens out, the small network a little higher, and the large network keeps climbing. Two
# things moved deep learning forward at once: much more labelled data, and the compute to train large
# networks on it (plus better algorithms, such as ReLU instead of sigmoid, that make training faster).
#
# ## Conclusion
#
# - A neuron computes an activation of a linear function of its inputs; with ReLU, max(0, w x + b).
# - A network stacks such neurons in layers; a hidden layer of ReLUs adds kinks together into curves.
# - Neural networks learn from labelled examples (supervised learning), on structured and unstructured data.
# - The bigger the network, the more it profits from more data: measured above, the reason deep learning took
#   off once data and compute grew.
