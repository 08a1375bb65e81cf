# %% [markdown]
# # Training a classifier: the blitz's CIFAR-10 recipe
# > Normalize, mini-batches of 4, SGD with lr 0.001 and momentum 0.9, a few epochs; then overall and per-class test accuracy, a confusion matrix and sample predictions. Real CIFAR-10 when you have downloaded it, an offline stand-in otherwise, and the notebook says which ran.
#
# ## Introduction
#
# The blitz ends by training its small CNN (previous notebook) on **CIFAR-10**: 60,000 colour images of
# 32x32 pixels in 10 classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck), 50,000 for
# training and 10,000 for testing. The recipe is short:
#
# 1. scale the pixels to [0, 1], then normalize every channel to [-1, 1];
# 2. mini-batches of 4 images, shuffled every epoch;
# 3. cross-entropy loss and SGD with learning rate 0.001 and momentum 0.9 (Course 2's momentum);
# 4. two passes over the data; then the accuracy on the test set, overall and per class.
#
# Public runs of this recipe reach about 52-56 % test accuracy on CIFAR-10 (chance is 10 %).
#
# **Which data runs here.** CIFAR-10 is a 162 MB download, and this workbook never downloads by itself. If you
# run `make data WHAT=cifar10` once in a terminal (it checks the archive's pinned SHA256), this notebook
# finds the set in the cache and trains on it. Without it, the notebook trains on an **offline stand-in**
# with the same shapes: 32x32 colour crops of ten photographs that scikit-image and scikit-learn ship, one
# photograph per class. Its test crops come from parts of each photograph that no training crop touches. The
# stand-in is not CIFAR-10, and its accuracy says nothing about CIFAR-10: the cells below print which set ran.

# %% [markdown]
# ## Setup
#
# The blitz's mini-batches of 4 images are tiny: on a CPU, one thread runs them faster than several threads
# that wait for each other. On a GPU the same code runs on `cuda`.

# %%
from utils.notebook import setup

setup(seed=0)
import copy

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

from utils.cifar import load_blitz_data
from utils.datasets import describe_data
from utils.exercises import show_solution
from utils.plotting import plot_costs, plot_image_grid
import ipywidgets as widgets

from utils.torch_figures import draw_loss_grid, draw_top3
from utils.torch_nets import (BLITZ_MEAN, BLITZ_STD, Net, best_device, blitz_transform, evaluate, has_torchvision,
                              loss_curve_grid, make_loader, per_class_accuracy, plot_confusion_matrix,
                              to_tensor_normalize, train, train_step)
from utils.widgets import SliderPanel

device = best_device()
if device.type == "cpu":
    torch.set_num_threads(1)
_ = torch.manual_seed(0)
print(describe_data("cifar10"))

# %% [markdown]
# ## The data
#
# `load_blitz_data` returns CIFAR-10 when it is in the cache, else the stand-in. Either way the images are
# uint8 arrays of shape (N, 32, 32, 3), channels last like Course 4, with integer labels.

# %%
data = load_blitz_data(n_train=10_000, n_test=1_000, seed=0)
print("THIS RUN USES", data.description)
print("train:", data.x_train.shape, data.x_train.dtype, "| test:", data.x_test.shape, "| classes:", ", ".join(data.classes))

# %%
rng = np.random.default_rng(0)
show = np.concatenate([rng.choice(np.flatnonzero(data.y_train == k), 4, replace=False) for k in range(10)])
fig = plot_image_grid(data.x_train[show], [data.classes[k] for k in data.y_train[show]], ncols=10, size=1.1,
                      title=f"Training images ({data.name}): four per class")
plt.show()

# %% [markdown]
# ## Normalize and batch
#
# `make_loader` keeps the images as uint8 in memory, in PyTorch's channels-first layout (N, 3, 32, 32), and
# normalizes each mini-batch as it serves it: $(x / 255 - 0.5) / 0.5$ per channel, which maps [0, 255] to [-1, 1].
# These are the numbers the blitz's per-image transform gives (torchvision's `ToTensor()` +
# `Normalize((0.5,) * 3, (0.5,) * 3)`; `blitz_transform()` uses torchvision when it is installed, and an equivalent
# function otherwise). Training batches hold 4 shuffled images; the test loader uses large batches, since
# evaluation computes no gradients.

# %%
# NBVAL_CHECK_OUTPUT
print("normalization: mean", BLITZ_MEAN, "std", BLITZ_STD)
batch_size = 4
trainloader = make_loader(data.x_train, data.y_train, batch_size=batch_size, shuffle=True, seed=0)
testloader = make_loader(data.x_test, data.y_test, batch_size=500, shuffle=False)
images, labels = next(iter(trainloader))
print("one mini-batch:", tuple(images.shape), images.dtype, "| labels:", tuple(labels.shape), labels.dtype)
test_images, _ = next(iter(testloader))
in_range = bool(-1.0 <= test_images.min() and test_images.max() <= 1.0)
same_as_blitz = torch.allclose(test_images[0], blitz_transform()(data.x_test[0]), rtol=0, atol=1e-6)
print("normalized values lie in [-1, 1]:", in_range, "| equal to the blitz's per-image transform:", same_as_blitz)
assert in_range and same_as_blitz

# %%
print("blitz_transform uses", "torchvision" if has_torchvision() else "the workbook's equivalent (torchvision is not installed)")


# %% [markdown]
# ## Train
#
# The blitz's loop, from `utils.torch_nets.train`: for every mini-batch, `zero_grad()`, forward, cross-entropy
# loss, `backward()`, `step()` with SGD (lr 0.001, momentum 0.9). The progress bar runs over the batches of each
# epoch. The blitz makes 2 passes over CIFAR-10's 50,000 images (25,000 steps); the stand-in has 10,000
# training images, so it gets 3 passes (7,500 steps). A loss that turns NaN stops the loop with a `DivergenceError`.

# %%
show_solution(train_step)

# %% [markdown]
# A quick look before the real run: twenty steps of the recipe on one fixed mini-batch, with a copy of a fresh
# network, must lower that batch's loss (slowly: lr 0.001 takes small steps).

# %%
# NBVAL_CHECK_OUTPUT
net = Net()
probe = copy.deepcopy(net)                 # a copy: the training below starts from net's own initial weights
opt = torch.optim.SGD(probe.parameters(), lr=0.001, momentum=0.9)
losses = [train_step(probe, images, labels, opt, nn.CrossEntropyLoss()) for _ in range(20)]
print(f"20 steps on one batch of {len(labels)}: the loss went down: {losses[-1] < losses[0]}")
assert losses[-1] < losses[0]

# %%
print(f"loss on that batch: {losses[0]:.3f} -> {losses[-1]:.3f}")

# %% [markdown]
# `train` runs `train_step` over every mini-batch of every epoch, records the losses and stops on a NaN:

# %%
epochs = 2 if data.is_cifar10 else 3
history = train(net, trainloader, epochs=epochs, lr=0.001, momentum=0.9, device=device, log_every=250)
print(f"{epochs} epochs, {history.examples:,d} examples in {history.seconds:.1f} s on {device} "
      f"({history.examples / history.seconds:,.0f} images/s)")

# %%
ax = plot_costs(history.running_loss, every=history.log_every, title=f"Training loss ({data.name})",
                xlabel=f"mini-batch (mean over every {history.log_every})", ylabel="cross-entropy loss")
plt.show()
assert history.running_loss[-1] < history.running_loss[0]

# %% [markdown]
# ## Test accuracy, overall and per class
#
# The test images were never used in training. `evaluate` returns the overall accuracy and the confusion
# matrix: `confusion[i, j]` counts the test images of true class `i` that the network called `j` (rows: true
# class, columns: predicted class). The accuracy of class `i` is its diagonal entry over its row's total (the
# row's total is how many test images of that class there are); a class without test images has none (NaN).

# %%
show_solution(per_class_accuracy)

# %%
result = evaluate(net, testloader, n_classes=len(data.classes), device=device)
per_class = per_class_accuracy(result.confusion)
assert np.allclose(per_class, result.per_class, equal_nan=True)
print(f"{data.name}: test accuracy {100 * result.accuracy:.1f} % on {len(result.y_true):,d} test images "
      f"(chance: {100 / len(data.classes):.0f} %)")
for name, acc in sorted(zip(data.classes, per_class), key=lambda t: -t[1]):
    print(f"  {name:11s} {100 * acc:5.1f} %  " + "#" * int(round(40 * acc)))

# %% [markdown]
# The claims, checked: on CIFAR-10 the recipe must land where public runs of the blitz do (about 52-56 %; we
# require at least 50 %); on the stand-in it must beat chance (10 %) by a wide margin (we require 45 %).

# %%
threshold = 0.50 if data.is_cifar10 else 0.45
assert result.accuracy > threshold, f"{data.name}: {result.accuracy:.3f} <= {threshold}"
from utils.results import record  # extra code: the numbers for the benchmark report (prints nothing)
_ = record(f"blitz network on {data.name}: test accuracy", 100 * result.accuracy,
       reference="52-56 (CIFAR-10)" if data.is_cifar10 else "10 (chance)", unit=" %")
print(f"{data.name}: accuracy above {threshold:.0%}: {result.accuracy > threshold}")

# %%
ax = plot_confusion_matrix(result.confusion, data.classes, title=f"Confusion matrix on the test set ({data.name})")
plt.show()
worst = np.unravel_index(np.argmax(result.confusion - np.diag(np.diag(result.confusion))), result.confusion.shape)
print(f"most frequent mistake: {data.classes[worst[0]]} taken for {data.classes[worst[1]]} "
      f"({result.confusion[worst]} times)")

# %% [markdown]
# The diagonal holds the correct answers. Off-diagonal cells show which classes the network confuses; with the
# stand-in, these are usually crops that look alike across photographs (sky, dark backgrounds, smooth
# skin-coloured patches), the same kind of mistake CIFAR-10's cat and dog classes produce.
#
# ## Sample predictions
#
# Sixteen test images with the predicted class; a red title marks a mistake and names the true class.

# %%
pick = np.random.default_rng(1).choice(len(result.y_true), 16, replace=False)
titles = [data.classes[p] if p == t else f"{data.classes[p]}\n(is {data.classes[t]})"
          for p, t in zip(result.y_pred[pick], result.y_true[pick])]
fig = plot_image_grid(data.x_test[pick], titles, ncols=8, size=1.3, title=f"Predictions on test images ({data.name})")
for ax, p, t in zip(fig.axes, result.y_pred[pick], result.y_true[pick]):
    ax.title.set_color("black" if p == t else "red")
plt.show()

# %% [markdown]
# ## Browse the test images: the network's top 3
#
# The network's softmax output on every test image, computed once here; the panel below only picks one. Move
# the slider through the test set. What to look for: confident right answers (one long green bar), and among the
# mistakes, how often the true class is still second or third (the summary line says so): the network's
# ranking carries more than its single answer.

# %%
with torch.no_grad():
    test_probs = torch.softmax(net.to("cpu")(to_tensor_normalize(data.x_test)), dim=1).numpy()
assert np.array_equal(test_probs.argmax(axis=1), result.y_pred)   # the same answers as evaluate's
top3 = np.argsort(-test_probs, axis=1)[:, :3]
in_top3 = np.mean([t in row for t, row in zip(result.y_true, top3)])
print(f"the true class is the top 1 for {100 * result.accuracy:.1f} % of the test images, in the top 3 for "
      f"{100 * in_top3:.1f} %")
assert in_top3 >= result.accuracy


# %%
# NBVAL_IGNORE_OUTPUT
def draw_test_image(fig, image):
    return draw_top3(fig, data.x_test[image], test_probs[image], data.classes, int(data.y_test[image]),
                     title=f"test image {image}")


top3_panel = SliderPanel(draw_test_image, {"image": (0, len(data.x_test) - 1, 1, int(pick[0]))}, figsize=(8, 3.2))
assert not top3_panel.message.value, top3_panel.message.value
top3_panel

# %% [markdown]
# ## Learning rate and momentum against the loss curve
#
# The blitz fixes lr = 0.001 and momentum = 0.9. How much do they matter? `loss_curve_grid` trains a fresh copy
# of the same initial network for the first 300 steps (mini-batches of 4, the same batches in the same order) for
# every learning rate and momentum of a small grid, once, here: 15 short runs. The panel below only picks among
# them, so it redraws at once.

# %%
grid_lrs, grid_momenta, grid_every = (0.001, 0.003, 0.01, 0.03, 0.1), (0.0, 0.5, 0.9), 30
grid_x = to_tensor_normalize(data.x_train[:3000])
grid_y = torch.as_tensor(data.y_train[:3000], dtype=torch.long)
curves = loss_curve_grid(Net, grid_x, grid_y, lrs=grid_lrs, momenta=grid_momenta, steps=300, batch_size=4,
                         log_every=grid_every, seed=0)
finals = {k: float(np.mean(c[-3:])) for k, c in curves.items() if np.isfinite(c).all()}
print(f"{len(curves)} runs of 300 steps; final loss of the blitz's setting (0.001, 0.9): {finals[(0.001, 0.9)]:.3f}; "
      f"without momentum (0.001, 0): {finals[(0.001, 0.0)]:.3f}")
assert finals[(0.001, 0.9)] < finals[(0.001, 0.0)]   # momentum speeds up the small learning rate
largest = curves[(0.1, 0.9)]
print("the largest step, lr 0.1 with momentum 0.9:", "diverged (NaN)" if np.isnan(largest).any()
      else f"final loss {np.mean(largest[-3:]):.3f}", f"| the best of the grid: {min(finals.values()):.3f}")
assert np.isnan(largest).any() or np.mean(largest[-3:]) > min(finals.values()) + 0.1   # too large a step hurts

# %% [markdown]
# Move the learning rate and the momentum. What to look for:
#
# - at lr 0.001 without momentum the loss hardly leaves $\ln 10 \approx 2.30$ (chance) in 300 steps; momentum 0.9
#   makes each step about $1 / (1 - 0.9) = 10$ times longer, and the curve starts to fall;
# - what matters first is that effective step, lr / (1 - momentum): cells of the heatmap with a similar
#   effective step have roughly similar losses;
# - too large a step (lr 0.1 with momentum 0.9) makes the loss jump or stall near chance, or diverge, which
#   the panel reports instead of a curve. The blitz's small, careful setting trades speed for safety over its
#   thousands of steps.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_grid(fig, lr, momentum):
    return draw_loss_grid(fig, curves, lr, momentum, log_every=grid_every)


grid_panel = SliderPanel(draw_grid, {
    "lr": widgets.SelectionSlider(options=list(grid_lrs), value=0.001, description="lr"),
    "momentum": widgets.SelectionSlider(options=list(grid_momenta), value=0.9, description="momentum")},
    figsize=(11, 4))
assert not grid_panel.message.value, grid_panel.message.value
grid_panel

# %% [markdown]
# ## Conclusion
#
# - The blitz's recipe (normalize to [-1, 1], mini-batches of 4, SGD with lr 0.001 and momentum 0.9, a few
#   epochs) trains the 62,006-parameter CNN in seconds to minutes on a CPU.
# - The cells above printed which data ran. On CIFAR-10 the recipe is checked to reach at least 50 % (public
#   runs: about 52-56 %); on the offline stand-in it is checked to beat chance by a wide margin.
# - Per-class accuracy and the confusion matrix show *which* classes fail, which a single accuracy hides
#   (Course 3's error analysis starts here).
#
# Next: the same training on a GPU, and how data parallelism spreads it over several devices.
