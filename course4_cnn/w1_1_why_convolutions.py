# %% [markdown]
# # Why convolutions
#
# > A fully connected first layer on a real photo needs billions of weights; a convolution needs hundreds: counted by code, drawn, and checked against Keras.
#
# ## Introduction
#
# In Courses 1 and 2 every image was flattened: a 64x64 RGB picture became a vector of 64 x 64 x 3
# numbers, and the first layer connected each of them to every hidden unit. That is fine for thumbnails.
# For a one-megapixel photo it blows up to billions of weights: too many to store, to train, or to learn
# without overfitting. A convolution layer fixes this with two ideas:
#
# - **parameter sharing**: one small filter (say 3x3x3) slides over the whole image, so a feature detector
#   useful in one place (an edge) is reused everywhere;
# - **sparse connections**: each output depends only on a small window of the input.
#
# This notebook counts the weights both ways, for the course's examples, and checks the counts against Keras.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from utils.cnn_models import conv_params, dense_params, first_layer_params, float32_size
from utils.device import describe_device
from utils.exercises import show_solution
from utils.widgets import SliderPanel

# %% [markdown]
# ## A fully connected first layer
#
# `dense_params(n_in, n_out)` is n_in x n_out weights plus n_out biases: each unit has one weight per input
# and one bias.

# %%
show_solution(dense_params)

# %% [markdown]
# The course's two examples: a 64x64x3 image into 1,000 hidden units, and a 1000x1000x3 photo into 1,000
# hidden units.

# %%
# NBVAL_CHECK_OUTPUT
hidden = 1000
for side in (64, 1000):
    n_x = side * side * 3
    n_params = dense_params(n_x, hidden)
    print(f"{side}x{side}x3 image: n_x = {n_x:,} features -> {hidden:,} units: {n_params:,} parameters "
          f"({n_params * 4 / 1e9:.2f} GB in float32)")

# %% [markdown]
# The photo's first layer alone holds billions of parameters: the memory they take in float32 is printed below.
#
# ## A convolution layer instead
#
# A conv layer with n_C filters of size f x f x n_C_prev has (f*f*n_C_prev + 1) * n_C parameters
# (`conv_params`): each filter spans all n_C_prev input channels and has one bias. The image size does not
# appear in the formula.

# %%
show_solution(conv_params)

# %% [markdown]
# The course's quiz asks for the count of 10 filters of 3x3x3; Keras agrees with the formula, and the count
# stays the same on a 64x64 or a 1000x1000 input:

# %%
# NBVAL_CHECK_OUTPUT
for side in (64, 1000):
    layer = keras.layers.Conv2D(10, 3)
    layer.build((None, side, side, 3))
    print(f"Conv2D(10 filters, 3x3) on {side}x{side}x3: Keras counts {layer.count_params()}, formula {conv_params(3, 3, 10)}")
    assert layer.count_params() == conv_params(3, 3, 10)

# %% [markdown]
# ## Same output size, different bill
#
# The lecture's comparison: a 32x32x3 image mapped to a 28x28x6 volume. Six 5x5x3 filters do it with a
# few hundred parameters; a fully connected layer producing the same 28x28x6 outputs needs
# millions.

# %%
# NBVAL_CHECK_OUTPUT
fc = dense_params(32 * 32 * 3, 28 * 28 * 6)
conv = conv_params(5, 3, 6)
print(f"fully connected {32 * 32 * 3:,} -> {28 * 28 * 6:,}: {fc:,} parameters")
print(f"convolution, six 5x5x3 filters: {conv:,} parameters ({fc // conv:,} times fewer)")

# %% [markdown]
# ## Drawn: parameters of the first layer against image size
#
# The fully connected count grows with the number of pixels (quadratically in the side length); the
# convolution's count is flat. The y axis is logarithmic: each grid line is ten times more.

# %%
sides = np.array([8, 16, 32, 64, 128, 256, 512, 1000])
fc_counts = [dense_params(int(s * s * 3), hidden) for s in sides]
conv_counts = [conv_params(3, 3, 10)] * len(sides)
fig, ax = plt.subplots(figsize=(6.4, 3.8))
ax.plot(sides, fc_counts, marker="o", label=f"fully connected to {hidden:,} units")
ax.plot(sides, conv_counts, marker="s", label="conv: 10 filters of 3x3x3")
ax.set_yscale("log")
ax.set_xscale("log")
ax.set(title="First-layer parameters for an s x s x 3 image", xlabel="image side s (pixels)", ylabel="parameters")
ax.legend()
plt.show()

# %% [markdown]
# ## Play: image size, channels and filters against the bill
#
# `first_layer_params` counts three first layers for an s x s image with `channels` channels: the
# convolution (`n_filters` filters of f x f x channels), a fully connected layer producing the same output
# volume ((s - f + 1) x (s - f + 1) x n_filters, as in the lecture's comparison), and one into 1,000 hidden
# units. On the lecture's example it gives the counts above. Doubling the side leaves the conv's count alone,
# multiplies that of the dense layer into 1,000 units by 4 (pixels in) and that of the dense layer with the
# conv's output by 16 (pixels in times pixels out):

# %%
# NBVAL_CHECK_OUTPUT
lecture = first_layer_params(32, channels=3, f=5, n_filters=6, hidden=hidden)
assert lecture["conv"] == conv and lecture["dense, same output"] == fc
print({name: f"{count:,}" for name, count in lecture.items()})
growth = {name: first_layer_params(2048, f=3)[name] / first_layer_params(1024, f=3)[name] for name in lecture}
assert growth["conv"] == 1 and 3.9 < growth["dense to hidden"] < 4.1 and 15.9 < growth["dense, same output"] < 16.1
print("doubling the side from 1024 to 2048 multiplies the counts by: "
      + ", ".join(f"{name} {g:.2f}" for name, g in growth.items()))

# %% [markdown]
# Move `side` and watch the two dense curves climb (to 1,000 units: with the number of pixels, s^2; to the
# same output volume: with pixels in times pixels out, about s^4) while the conv line stays flat; the dots
# are the current image, and the text under the figure prints the counts and their size in float32. Then
# turn `channels`, `f` and `n_filters`: they move the conv line (f^2 x channels x n_filters), but no setting
# brings it near the dense curves on a real photo. A filter larger than the image gives a message.

# %%
# NBVAL_IGNORE_OUTPUT
curve_sides = np.unique(np.geomspace(4, 2048, 40).astype(int))
LAYER_COLORS = {"conv": "C0", "dense, same output": "C3", "dense to hidden": "C1"}
DECADES = 10.0 ** np.arange(0, 22, 3)


def draw_counts(fig, side, channels, f, n_filters):
    counts = first_layer_params(side, channels, f, n_filters, hidden)  # a ValueError when f > side
    ax_curve, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    sides = curve_sides[curve_sides >= f]
    curves = [first_layer_params(int(s), channels, f, n_filters, hidden) for s in sides]
    for name, color in LAYER_COLORS.items():
        ax_curve.plot(sides, [c[name] for c in curves], color=color, label=name)
        ax_curve.scatter([side], [counts[name]], color=color, zorder=3)
    ax_curve.axvline(side, color="0.5", lw=1)
    ax_curve.set(xscale="log", yscale="log", title=f"First layer on an s x s x {channels} image",
                 xlabel="image side s (pixels, log)", ylabel="parameters (log)", ylim=(1, 1e21),
                 yticks=DECADES, xticks=[4, 16, 64, 256, 1024], xticklabels=["4", "16", "64", "256", "1024"])
    ax_curve.legend(fontsize=8)
    ax_bar.barh(list(LAYER_COLORS), [counts[n] for n in LAYER_COLORS], color=list(LAYER_COLORS.values()))
    ax_bar.set(xscale="log", xlim=(1, 1e21), xticks=DECADES, title=f"At s = {side}", xlabel="parameters (log)")
    ax_bar.invert_yaxis()
    for ax in (ax_curve, ax_bar):
        ax.minorticks_off()  # few tick labels: the panel redraws them on every move
    return "\n".join(f"{name:18s}: {counts[name]:>26,} parameters, {float32_size(counts[name])} in float32"
                      for name in LAYER_COLORS)


count_panel = SliderPanel(draw_counts, {"side": (4, 2048, 4, 64), "channels": (1, 16, 1, 3), "f": (1, 11, 1, 3),
                                        "n_filters": (1, 512, 1, 10)}, figsize=(11, 4), columns=4)
assert not count_panel.message.value, count_panel.message.value
count_panel

# %% [markdown]
# ## What a GPU changes here
#
# Nothing in the counts: the number of parameters is a property of the architecture. What a GPU changes is
# the time to apply a layer. The cell below measures one forward pass of the conv layer above on a batch of
# 32 images of 256x256x3 on this machine (the device is printed; no GPU here means the numbers are CPU
# numbers). The heavy notebooks of this course (the first CNN, ResNets, transfer learning) train through
# `utils.training`, which chooses more epochs and a larger batch when it finds a GPU and prints what it measured.

# %%
info = describe_device()
x = np.random.default_rng(0).random((32, 256, 256, 3), dtype=np.float32)
layer = keras.layers.Conv2D(10, 3)
layer(x[:1])  # build and warm up
start = time.perf_counter()
for _ in range(3):
    y = layer(x)
seconds = (time.perf_counter() - start) / 3
mults = y.shape[1] * y.shape[2] * y.shape[3] * 3 * 3 * 3 * x.shape[0]
print(f"device: {info}")
print(f"Conv2D(10, 3x3) on 32 images 256x256x3: {seconds * 1000:.1f} ms per batch, "
      f"{mults / 1e6:.0f} million multiplications, {mults / seconds / 1e9:.1f} G multiply-adds/s")

# %% [markdown]
# ## Conclusion
#
# - A fully connected layer's parameter count grows with the number of pixels (thousands of inputs for a
#   thumbnail, millions for a photo); a conv layer's depends only on the filter size and the number of filters.
# - Parameter sharing and sparse connections are why CNNs can learn from images at all, with less data and
#   less overfitting.
# - Next: [the convolution itself, step by step in numpy](w1_2_convolution_step_by_step.ipynb).
