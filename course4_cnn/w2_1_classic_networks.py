# %% [markdown]
# # Classic networks: LeNet-5, AlexNet, VGG-16
#
# > LeNet-5, AlexNet and VGG-16 built in Keras, their parameters counted layer by layer and compared with the papers, LeNet-5 trained on real digits, and VGG-16's cost measured on this machine.
#
# ## Introduction
#
# The course's case studies, in the order they appeared:
#
# - **LeNet-5** (LeCun et al., 1998): two CONV + average-pool stages and three fully connected layers, for
#   32x32 grayscale digits; the paper quotes about 60 thousand parameters.
# - **AlexNet** (Krizhevsky et al., 2012): the ImageNet winner that started the deep-learning wave; ReLU,
#   large strided filters, max pooling; about 60 million parameters.
# - **VGG-16** (Simonyan and Zisserman, 2015): only 3x3 "same" convolutions and 2x2 max pools, doubling the
#   channels as the image halves; about 138 million parameters.
#
# The builders are in `utils.cnn_models`. The two large ones are built to be counted, never trained here:
# their weights are created with a zeros initializer (fast, no temporary random arrays) and freed right after.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import gc
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator
from skimage.transform import resize

from utils.cnn_costs import NETWORKS, layer_costs, smallest_side, totals
from utils.cnn_models import PAPER_PARAMS, VGG16_STAGES, alexnet, describe_layers, layer_table, lenet5, vgg16
from utils.data import load_digits
from utils.exercises import show_solution
from utils.plotting import plot_history
from utils.training import fit_model, scale_for_device
from utils.widgets import SliderPanel

counts = {}

# %% [markdown]
# ## LeNet-5
#
# CONV 5x5 (6) -> AVGPOOL 2 -> CONV 5x5 (16) -> AVGPOOL 2 -> FC 120 -> FC 84 -> softmax 10, with tanh as in the
# paper. The height and width shrink (32 -> 28 -> 14 -> 10 -> 5) while the channels grow (1 -> 6 -> 16): the
# pattern every later network follows. (The paper connects each C3 map to only some S2 maps and ends in RBF
# units; the fully connected version the course draws has a few more weights.)
#
# In Keras's functional API it is a few lines, one per layer (the exercise version asks you to write them):

# %%
show_solution(lenet5)

# %%
# NBVAL_CHECK_OUTPUT
model = lenet5()
print(describe_layers(model))
counts["LeNet-5"] = model.count_params()

# %% [markdown]
# ### LeNet-5 on real handwritten digits
#
# scikit-learn's digits are 8x8 scans; resized to LeNet's 32x32 input, a few epochs are enough. Training goes
# through `utils.training.fit_model` (device report, strategy, `tf.data` pipeline, timings).

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits()
X = resize(images / 16.0, (len(images), 32, 32), order=1, anti_aliasing=False)[..., None]
order = np.random.RandomState(0).permutation(len(X))
X, Y = X[order], labels[order]
X_train, Y_train, X_test, Y_test = X[:1400], Y[:1400], X[1400:], Y[1400:]
print("X_train:", X_train.shape, "X_test:", X_test.shape)

# %%
scale = scale_for_device(cpu_epochs=8, gpu_epochs=30, batch_size=32)
print(scale)
compile_kwargs = {"optimizer": lambda: keras.optimizers.Adam(2e-3), "loss": "sparse_categorical_crossentropy",
                  "metrics": ["accuracy"]}
result = fit_model(lenet5, compile_kwargs, (X_train, Y_train), (X_test, Y_test), epochs=scale.epochs,
                   batch_size=scale.batch_size, seed=1)
print(result.summary())
fig = plot_history(result.history, title="LeNet-5 on scikit-learn digits (32x32)")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
test_acc = result.model.evaluate(X_test, Y_test, verbose=0)[1]
print("LeNet-5 test accuracy above 93 %:", test_acc > 0.93)
assert test_acc > 0.93

# %% [markdown]
# ## AlexNet
#
# A 227x227x3 image, an 11x11 stride-4 first layer, three max pools, five CONV layers and three FC layers. The
# table shows where the parameters are: the first fully connected layer, which sees the flattened 6x6x256
# volume, holds most of them.

# %%
# NBVAL_CHECK_OUTPUT
model = alexnet(kernel_initializer="zeros")
print(describe_layers(model, skip_zero=True))
counts["AlexNet"] = model.count_params()
alex_rows = layer_table(model, skip_zero=True)
del model
_ = gc.collect()

# %% [markdown]
# ## VGG-16
#
# Thirteen 3x3 "same" CONV layers in five stages and three FC layers: 16 weight layers. Every stage halves the
# height and width (max pool 2x2) and, up to 512, doubles the channels.

# %%
# NBVAL_CHECK_OUTPUT
keras.backend.clear_session()
model = vgg16(kernel_initializer="zeros")
print(describe_layers(model, skip_zero=True))
counts["VGG-16"] = model.count_params()
vgg_rows = layer_table(model)

# %% [markdown]
# The shapes, drawn: the volume gets smaller and deeper stage after stage.

# %%
pool_rows = [r for r in vgg_rows if r[0].endswith("_pool")]
stages = ["input"] + [r[0].split("_")[0] for r in pool_rows]
sides = [224] + [r[1][0] for r in pool_rows]
channels = [3] + [r[1][2] for r in pool_rows]
fig, ax1 = plt.subplots(figsize=(6.4, 3.6))
ax1.plot(stages, sides, marker="o", color="#1f77b4", label="height = width")
ax1.set(title="VGG-16: after each stage", xlabel="stage output", ylabel="height = width (pixels)")
ax2 = ax1.twinx()
ax2.plot(stages, channels, marker="s", color="#d62728", label="channels")
ax2.set_ylabel("channels")
ax2.grid(False)
fig.legend(loc="upper center", bbox_to_anchor=(0.5, 0.8))
plt.show()

# %% [markdown]
# ## Against the papers
#
# The counts of our Keras models (printed by code above) against the rounded figures the papers and the course
# quote. LeNet-5 is a little above 60k because C3 is fully connected here; AlexNet is a little above 60M because
# we build it on one device (the original split the layers across two GPUs, with fewer cross connections).

# %%
# NBVAL_CHECK_OUTPUT
for name, n in counts.items():
    paper = PAPER_PARAMS[name]
    print(f"{name:8s}: built {n:12,d}   paper ~{paper:12,d}   ratio {n / paper:.2f}")
    assert 0.95 < n / paper < 1.06

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.6))
x = np.arange(len(counts))
ax.bar(x - 0.2, list(counts.values()), width=0.4, label="our Keras model")
ax.bar(x + 0.2, [PAPER_PARAMS[k] for k in counts], width=0.4, label="paper (rounded)")
ax.set_xticks(x, list(counts))
ax.set_yscale("log")
ax.set(title="Parameters: Keras models vs papers", xlabel="network", ylabel="parameters (log scale)")
ax.legend()
plt.show()

# %% [markdown]
# Where the weights live, in AlexNet and VGG-16: the three fully connected layers against all the
# convolutions. (This is one reason later networks, ResNets and Inception, end in global average pooling.)

# %%
# NBVAL_CHECK_OUTPUT
for name, rows in (("AlexNet", alex_rows), ("VGG-16", [r for r in vgg_rows if r[2]])):
    fc = sum(n for layer, _, n in rows if layer.startswith(("fc", "predictions")))
    total = sum(n for _, _, n in rows)
    print(f"{name}: fully connected layers hold {100 * fc / total:.0f} % of the parameters")

# %% [markdown]
# ## Input size and depth against the cost of every layer
#
# Parameters are one cost; the other is the work per image, the **multiply-adds**: a conv layer does
# f x f x n_C_in of them for each of its n_H x n_W x n_C outputs, a dense layer n_in per unit.
# `utils.cnn_costs.layer_costs` walks an input through each network's layer list and counts both, layer by layer,
# with the formulas above (it matches the Keras models' shapes and counts exactly, which its tests check), so
# the counts below need no model at all. First the split at the papers' input sizes:

# %%
# NBVAL_CHECK_OUTPUT
for name in ("LeNet-5", "AlexNet", "VGG-16"):
    t = totals(layer_costs(name, NETWORKS[name][1]))
    print(f"{name:8s}: {t['params']:>12,d} parameters ({100 * t['conv_params'] / t['params']:3.0f} % in convs), "
          f"{t['macs']:>15,d} multiply-adds ({100 * t['conv_macs'] / t['macs']:3.0f} % in convs)")
vgg_224 = totals(layer_costs("VGG-16", 224))
assert vgg_224["params"] == counts["VGG-16"]  # the same count as the Keras model above
assert vgg_224["conv_params"] < 0.15 * vgg_224["params"] and vgg_224["conv_macs"] > 0.99 * vgg_224["macs"]

# %% [markdown]
# So the fully connected layers hold the weights, and the convolutions do the work. The panel below draws
# both per layer, on log axes (blue: conv layers, red: fully connected).
#
# **Try:**
# - slide the **input side** from 224 down to 112: every conv layer's multiply-adds drop by four (the area),
#   while its parameters do not move at all (parameter sharing); only the first dense layer's weights shrink,
#   because it sees a smaller flattened volume;
# - keep going down: below the smallest input a network can take (VGG: 32, AlexNet: 67, printed above the panel) its pooling leaves
#   nothing, and the panel says so;
# - switch the **network** from VGG-11 to VGG-19: depth adds 3x3 conv layers, whose multiply-adds grow a lot
#   faster than the parameter count; LeNet-5 at 224 shows how a network without much pooling puts millions
#   of weights into its first dense layer.

# %%
def draw_costs(fig, input_side, network):
    rows = [r for r in layer_costs(network, input_side) if r.kind != "pool"]
    t = totals(rows)
    labels = [r.name.replace("block", "").replace("_conv", ".").replace("predictions", "out") for r in rows]
    colors = ["#1f77b4" if r.kind == "conv" else "#d62728" for r in rows]
    x = np.arange(len(rows))
    fig.set_layout_engine("none")  # fixed margins: the automatic layout would double the redraw time
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.2, top=0.9, wspace=0.22)
    for ax, key, what in zip(fig.subplots(1, 2), ("params", "macs"), ("parameters", "multiply-adds per image")):
        ax.bar(x, [getattr(r, key) for r in rows], color=colors)
        ax.set_yscale("log")
        ax.set_ylim(1e2, 1e11)
        ax.yaxis.set_major_locator(FixedLocator(10.0 ** np.arange(2, 12)))
        ax.yaxis.set_major_formatter(FixedFormatter([f"1e{k}" for k in range(2, 12)]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xticks(x, labels, rotation=90, fontsize=7)
        ax.set(title=f"{network} at {input_side}x{input_side}: {what}", xlabel="weight layer",
               ylabel=f"{what} (log scale)")
    last_conv = [r for r in rows if r.kind == "conv"][-1]
    return (f"{network}, input {input_side}x{input_side}x{NETWORKS[network][0]}: {t['params']:,} parameters "
            f"({100 * t['fc_params'] / t['params']:.0f} % in the dense layers), {t['macs'] / 1e9:.3f} G multiply-adds "
            f"per image ({100 * t['conv_macs'] / t['macs']:.1f} % in the convs); last conv output {last_conv.output_shape}")


print("smallest input side:", {name: smallest_side(name) for name in NETWORKS})
panel = SliderPanel(draw_costs, {"input_side": (8, 512, 8, 224), "network": ["VGG-16", "VGG-11", "VGG-13", "VGG-19",
                                                                            "AlexNet", "LeNet-5"]},
                    figsize=(11, 4.2))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## What a GPU changes
#
# The cell below times one forward pass of VGG-16 on a batch of four 224x224x3 images on this machine (its
# device is printed) and extrapolates, with the usual rule of thumb that a training step costs about three
# forward passes, to one epoch over ImageNet's 1.28 million training images. That estimate is why these
# networks were trained on GPUs (AlexNet on two, for about a week) and why this workbook only counts them.
# With a GPU, run the cell again: the number it prints is that machine's.

# %%
batch = np.zeros((4, 224, 224, 3), dtype=np.float32)
model.predict(batch[:1], verbose=0)  # build the inference function once
start = time.perf_counter()
model.predict(batch, verbose=0)
per_image = (time.perf_counter() - start) / len(batch)
IMAGENET_TRAIN_IMAGES = 1_281_167  # ILSVRC-2012 training set
epoch_hours = 3 * per_image * IMAGENET_TRAIN_IMAGES / 3600
print(f"{scale.device}: VGG-16 forward pass {per_image * 1000:.0f} ms per 224x224 image")
print(f"estimated training time for one ImageNet epoch on this machine: {epoch_hours:,.0f} hours ({epoch_hours / 24:.0f} days)")
del model
_ = gc.collect()
keras.backend.clear_session()

# %% [markdown]
# ## Conclusion
#
# - LeNet-5, AlexNet and VGG-16 share one pattern: as the layers go deeper the height and width shrink and the
#   number of channels grows, then a few fully connected layers classify.
# - Our Keras versions match the papers' parameter counts (printed and asserted above); most of the weights
#   of AlexNet and VGG-16 sit in their fully connected layers.
# - LeNet-5 learns real handwritten digits in a few seconds on a CPU; VGG-16 would need days per ImageNet epoch.
# - Next: [ResNets](w2_2_resnets.ipynb), which made much deeper networks trainable.
