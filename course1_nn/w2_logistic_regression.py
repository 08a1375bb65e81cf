# %% [markdown]
# # Logistic regression as a neural network
#
# > The FaceApp's first classifier: one sigmoid neuron that tells faces from non-faces, trained by gradient descent drawn on its cost surface, and why vectorized code beats loops.
#
# ## Introduction
#
# Week 2 of the course treats **binary classification**: the output takes one of two values, here
# "face" (1) or "non-face" (0). Logistic regression is the smallest neural network there is: one neuron
# computing ŷ = σ(wᵀx + b). To train it we
#
# 1. stack the training images as **columns** of a matrix X of shape (n_x, m),
# 2. measure how wrong the predictions are with the **cross-entropy cost** J(w, b),
# 3. walk downhill on J with **gradient descent**, which we draw in two dimensions,
# 4. and do it all with **vectorized** numpy instead of Python loops.
#
# The functions keep the course's names and live in `utils/logistic.py`: `sigmoid`, `initialize_with_zeros`,
# `propagate`, `optimize`, `predict`, `model`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np

from utils.data import load_faces
from utils.exercises import show_solution
from utils.gradcheck import check_gradient
from utils.logistic import (descent_path, initialize_with_zeros, model, optimize, plot_cost_surface, predict,
                            predict_proba, propagate, propagate_loop, sigmoid)
from utils.plotting import plot_costs, plot_image_grid
from utils.widgets import SliderPanel


# %% [markdown]
# ## The data: faces and non-faces
#
# `load_faces()` splits scikit-image's `lfw_subset` (100 faces, 100 non-face patches of natural images,
# 25x25 grayscale) into a training and a test set, in the course's `load_dataset` form.

# %%
# NBVAL_CHECK_OUTPUT
train_x_orig, train_y, test_x_orig, test_y, classes = load_faces()
m_train, m_test, num_px = train_x_orig.shape[0], test_x_orig.shape[0], train_x_orig.shape[1]
print(f"m_train = {m_train}, m_test = {m_test}, each image {num_px} x {num_px} pixels")
print(f"train_x_orig {train_x_orig.shape}, train_y {train_y.shape}, test_x_orig {test_x_orig.shape}, "
      f"test_y {test_y.shape}")
print(f"faces in the training set: {int(train_y.sum())} of {m_train}")

# %%
fig = plot_image_grid(train_x_orig[:16], titles=[classes[y] for y in train_y[0, :16]], ncols=8,
                      title="Training examples")
plt.show()

# %% [markdown]
# ## Flatten and stack the examples as columns
#
# Each 25x25 image becomes a column vector of n_x = 625 pixel values, and the m columns sit side by side:
# X has shape (n_x, m). This is the layout of the whole of Courses 1 and 2; it lets one matrix product
# process every example at once. The pixels are already scaled to [0, 1], so no further normalization is needed.

# %%
# NBVAL_CHECK_OUTPUT
train_x = train_x_orig.reshape(m_train, -1).T
test_x = test_x_orig.reshape(m_test, -1).T
print(f"train_x {train_x.shape}, test_x {test_x.shape}")
print(f"pixel range [{train_x.min():.2f}, {train_x.max():.2f}]")
assert np.array_equal(train_x[:, 3].reshape(num_px, num_px), train_x_orig[3])  # column 3 is image 3

# %% [markdown]
# ## The neuron: sigmoid of a linear function
#
# ŷ = a = σ(z) with z = wᵀx + b and σ(z) = 1 / (1 + e^(-z)): a probability that the input is a face.
# In numpy it is one line; `show_solution` shows the workbook's version (the exercise version of this
# notebook asks you to write it):

# %%
show_solution(sigmoid)

# %% [markdown]
# The course's first check, σ([0, 2]):

# %%
# NBVAL_CHECK_OUTPUT
print("sigmoid([0, 2]) =", np.round(sigmoid(np.array([0.0, 2.0])), 8))

# %%
z = np.linspace(-8, 8, 200)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(z, sigmoid(z))
ax.axhline(0.5, color="gray", ls="--", lw=0.8)
_ = ax.set(title="The sigmoid squashes z into (0, 1)", xlabel="z = wᵀx + b", ylabel="σ(z)")

# %% [markdown]
# ## The cost and its gradients: `propagate`
#
# For one example the loss is L(a, y) = -(y log a + (1 - y) log(1 - a)); the cost averages it over the m
# examples. Back-propagation through the single neuron gives dz = a - y, so
# ∂J/∂w = X (A - Y)ᵀ / m and ∂J/∂b = mean(A - Y). Vectorized, the forward pass is A = σ(wᵀX + b) for all m
# examples at once, and each gradient is one matrix product or one sum (the cost is written with
# `np.logaddexp` so it stays finite when A rounds to exactly 0 or 1; the course's formula gives the same
# numbers elsewhere):

# %%
show_solution(propagate)

# %% [markdown]
# The course's test case:

# %%
# NBVAL_CHECK_OUTPUT
w, b = np.array([[1.0], [2.0]]), 2.0
X_demo, Y_demo = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
grads, cost = propagate(w, b, X_demo, Y_demo)
print("dw =", np.round(grads["dw"].ravel(), 8), " db =", round(grads["db"], 8), " cost =", round(cost, 8))

# %% [markdown]
# Are those gradients right? The workbook's numerical gradient checker perturbs each weight by ±h and
# compares the slope of the cost with `dw`; the relative difference must be tiny.

# %%
# NBVAL_CHECK_OUTPUT
diff = check_gradient(lambda v: propagate(v, b, X_demo, Y_demo)[1], w, grads["dw"])
print(f"gradient check on dw: relative difference below 1e-7: {diff < 1e-7}")
assert diff < 1e-7

# %% [markdown]
# Logistic regression can start from zeros (`initialize_with_zeros`): there is no symmetry between units to
# break, as there will be in week 3. w is a column vector with one weight per feature, b a number:

# %%
show_solution(initialize_with_zeros)

# %% [markdown]
# `optimize` repeats `propagate` and the update w := w - α dw, b := b - α db, recording the cost every
# `record_every` iterations:

# %%
show_solution(optimize)

# %% [markdown]
# On the course's test case, 100 steps with α = 0.009:

# %%
# NBVAL_CHECK_OUTPUT
w_zero, b_zero = initialize_with_zeros(train_x.shape[0])
print(f"initialize_with_zeros: w {w_zero.shape}, b = {b_zero}")
params, grads, costs = optimize(w, b, X_demo, Y_demo, num_iterations=100, learning_rate=0.009)
print("w =", np.round(params["w"].ravel(), 8), " b =", round(params["b"], 8))
print("dw =", np.round(grads["dw"].ravel(), 8), " db =", round(grads["db"], 8))

# %% [markdown]
# ## Gradient descent, drawn in two dimensions
#
# With 625 weights the cost surface lives in 626 dimensions. To *see* gradient descent, shrink the model to
# two parameters: one feature per image, x = how strongly the image resembles the average face minus the
# average non-face (a projection, standardized), and the model ŷ = σ(w x + b). Its cost J(w, b) is a
# surface over the plane; gradient descent starts at a bad point and follows -∇J.

# %%
direction = train_x[:, train_y[0] == 1].mean(axis=1) - train_x[:, train_y[0] == 0].mean(axis=1)
score = direction @ train_x
x1 = ((score - score.mean()) / score.std()).reshape(1, -1)  # one standardized feature, shape (1, m)
w0, b0 = np.array([[-4.0]]), 4.0  # a deliberately bad start

path, costs_path = descent_path(w0, b0, x1, train_y, num_iterations=60, learning_rate=3.0)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
plot_cost_surface(x1, train_y, {"learning rate 3": path}, ax=ax1)
plot_costs(costs_path, ax=ax2, title="Cost along the path")
plt.show()

# %% [markdown]
# The path crosses the contour lines at right angles (the gradient is perpendicular to them) and ends in
# the bowl's bottom: the cost of logistic regression is **convex**, so there is one minimum and gradient
# descent finds it from anywhere, provided the step is right.
#
# ## The learning rate: slow, good, diverging
#
# The step is α ∇J. Too small an α crawls; a good α gets there in a few steps; too large an α overshoots
# the valley, lands higher up on the other side, and the cost jumps around or grows.

# %%
regimes = {"slow (0.03)": 0.03, "good (3)": 3.0, "too large (100)": 100.0}
runs = {name: descent_path(w0, b0, x1, train_y, 60, lr) for name, lr in regimes.items()}
for name, (_, c) in runs.items():
    print(f"{name:>16}: cost {c[0]:.2f} -> {c[-1]:.2f} after 60 steps, max along the way {c.max():.2f}")
slow, good, large = (runs[n][1] for n in regimes)
assert slow[-1] > 2 * good[-1] and large.max() > slow[0]  # crawling; and overshooting above the start

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
plot_cost_surface(x1, train_y, {name: p for name, (p, _) in runs.items()}, ax=ax1, w_range=(-10, 10))
plot_costs({name: c for name, (_, c) in runs.items()}, ax=ax2, title="Cost per iteration")
plt.show()

# %% [markdown]
# Play with it: the slider's learning rate is logarithmic. Watch the path zig-zag across the valley
# as α grows past the "good" range, and the cost curve stop decreasing monotonically.

# %%
# NBVAL_IGNORE_OUTPUT
@lru_cache(maxsize=256)
def run_descent(learning_rate: float, iterations: int):
    return descent_path(w0, b0, x1, train_y, iterations, learning_rate)


def draw_descent(fig, learning_rate, iterations):
    path, costs = run_descent(round(learning_rate, 4), iterations)
    ax1, ax2 = fig.subplots(1, 2)
    plot_cost_surface(x1, train_y, {f"α = {learning_rate:.3g}": path}, ax=ax1, w_range=(-10, 10), resolution=50)
    plot_costs(costs, ax=ax2, title="Cost per iteration")
    verdict = ("diverging: the cost rose above its starting value" if costs.max() > costs[0] else
               "overshooting: the cost went up at some steps" if np.any(np.diff(costs) > 1e-9) else
               "slow: still descending" if costs[-1] > good[-1] + 0.01 else
               "converged to the minimum")
    return f"α = {learning_rate:.3g}, {iterations} iterations: cost {costs[0]:.3f} -> {costs[-1]:.3f} ({verdict})"


panel = SliderPanel(draw_descent, {"learning_rate": ("log", 0.01, 300.0, 3.0), "iterations": (10, 200, 10, 60)},
                    figsize=(10, 3.8))
panel

# %% [markdown]
# ## Predictions: `predict`
#
# A trained neuron outputs a probability A = σ(wᵀx + b); `predict` turns it into a label, 1 (face) where
# A > 0.5 and 0 otherwise:

# %%
show_solution(predict)

# %% [markdown]
# The course's example:

# %%
# NBVAL_CHECK_OUTPUT
w_pred, b_pred = np.array([[0.1124579], [0.23106775]]), -0.3
X_pred = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
print("predictions =", predict(w_pred, b_pred, X_pred))

# %% [markdown]
# ## Train on all 625 pixels: `model`
#
# Back to the real model: `model` initializes w and b with zeros (`initialize_with_zeros`; logistic
# regression has no symmetry to break), runs `optimize` for 2000 iterations with the course's α = 0.005, and
# predicts on both sets.

# %%
# NBVAL_CHECK_OUTPUT
d = model(train_x, train_y, test_x, test_y, num_iterations=2000, learning_rate=0.005)
print(f"train accuracy: {d['train_accuracy']:.1f} %")
print(f"test accuracy: {d['test_accuracy']:.1f} %")
assert d["test_accuracy"] >= 90

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
plot_costs(d["costs"], every=100, ax=ax1, title="Cost of the face classifier")
im = ax2.imshow(d["w"].reshape(num_px, num_px), cmap="RdBu_r")
fig.colorbar(im, ax=ax2)
ax2.set(title="Learned weights w as an image", xlabel="pixel column", ylabel="pixel row")
ax2.grid(False)
plt.show()

# %% [markdown]
# The weights form a picture: the neuron adds up evidence where faces are typically bright (red) and
# against where they are dark (blue), a single face-shaped template.
#
# ## Which images does it get wrong?
#
# Every misclassified image of both sets, with its true label and the predicted probability of "face":

# %%
# NBVAL_CHECK_OUTPUT
wrong_images, wrong_titles = [], []
for name, X_orig, X_flat, Y in (("train", train_x_orig, train_x, train_y), ("test", test_x_orig, test_x, test_y)):
    proba = predict_proba(d["w"], d["b"], X_flat)[0]
    for i in np.flatnonzero(predict(d["w"], d["b"], X_flat)[0] != Y[0]):
        wrong_images.append(X_orig[i])
        wrong_titles.append(f"{name}: {classes[Y[0, i]]}\np(face) = {proba[i]:.2f}")
print(f"{len(wrong_images)} misclassified images (train and test)")
assert wrong_images, "nothing misclassified: nothing to show"

# %%
fig = plot_image_grid(wrong_images, titles=wrong_titles, ncols=6, size=1.6, title="Mislabeled by the neuron")
plt.show()

# %% [markdown]
# Look at what they share: non-face patches whose light and dark areas happen to line up with the
# template above, and faces that break it (a shadow where the template expects brightness). One linear
# template cannot tell those apart; hidden layers (weeks 3 and 4) combine several templates.
#
# ## Vectorization: loops against numpy
#
# `propagate_loop` computes the same cost and gradients as `propagate` with explicit Python loops over the
# examples and the pixels, the way the course writes it before vectorizing. Same numbers, very different
# speed:

# %%
w_rand = np.random.RandomState(0).randn(train_x.shape[0], 1) * 0.01


def best_time(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


t_loop, (g_loop, c_loop) = best_time(lambda: propagate_loop(w_rand, 0.0, train_x, train_y))
t_vec, (g_vec, c_vec) = best_time(lambda: propagate(w_rand, 0.0, train_x, train_y), repeat=20)
print(f"Python loops : {1e3 * t_loop:8.2f} ms")
print(f"vectorized   : {1e3 * t_vec:8.3f} ms")
print(f"speed-up     : {t_loop / t_vec:8.0f} x  (on {train_x.shape[0]} pixels x {train_x.shape[1]} examples)")
assert np.allclose(g_loop["dw"], g_vec["dw"]) and np.isclose(c_loop, c_vec)
assert t_loop > 5 * t_vec

# %% [markdown]
# The course's own example, a dot product of two vectors of a million entries:

# %%
a, b_vec = np.random.rand(1_000_000), np.random.rand(1_000_000)
t_loop, s_loop = best_time(lambda: sum(x * y for x, y in zip(a.tolist(), b_vec.tolist())), repeat=1)
t_vec, s_vec = best_time(lambda: a @ b_vec, repeat=10)
print(f"for loop {1e3 * t_loop:.1f} ms, np.dot {1e3 * t_vec:.2f} ms: {t_loop / t_vec:.0f} x faster")
assert np.isclose(s_loop, s_vec)

# %% [markdown]
# ## Conclusion
#
# - Stacking examples as columns, X of shape (n_x, m), turns a whole pass over the data into a few matrix
#   products.
# - Logistic regression is one neuron: a linear function followed by a sigmoid, trained by gradient
#   descent on the convex cross-entropy cost.
# - The learning rate decides whether descent crawls, converges, or overshoots: the slider shows all three.
# - A single neuron already separates most faces from non-faces; its mistakes motivate hidden layers
#   (week 3) and deep networks (week 4).
