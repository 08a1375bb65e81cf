# %% [markdown]
# # 1x1 convolutions, Inception, and transfer learning
#
# > What a 1x1 convolution computes, the multiply count a 1x1 bottleneck saves (computed), an Inception module built and run, and transfer learning demonstrated offline: pre-train on some digits, fine-tune on others with five examples per class.
#
# ## Introduction
#
# Three ideas from the second half of week 2:
#
# - A **1x1 convolution** is a fully connected layer applied at every pixel: it mixes the channels and can
#   shrink (or grow) their number without touching the height and width.
# - Used as a **bottleneck** before an expensive 5x5 convolution it cuts the number of multiplications by about
#   ten; the **Inception module** (GoogLeNet) runs 1x1, 3x3, 5x5 and pooling branches side by side on the same
#   input, with bottlenecks, and concatenates them.
# - **Transfer learning**: start from a network trained on a large data set and train only what the new task
#   needs. With a network connection that means ImageNet weights; offline, we show the same effect with a
#   network pre-trained on one set of digits and moved to others.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from utils.cnn_models import (INCEPTION_3A, bottleneck_multiplies, bottleneck_net, conv_multiplies, conv_params,
                              describe_layers, feature_extractor, inception_module, with_head)
from utils.conv import conv_forward
from utils.data import load_digits
from utils.exercises import show_solution
from utils.gradcheck import rel_error
from utils.plotting import plot_costs, plot_image_grid
from utils.training import fit_model, scale_for_device
from utils.widgets import SliderPanel

rng = np.random.default_rng(1)

# %% [markdown]
# ## A 1x1 convolution is a dense layer at every pixel
#
# With our numpy `conv_forward` from week 1: eight 1x1x32 filters on a 6x6x32 volume give a 6x6x8 volume, and
# the result is exactly the matrix product of each pixel's 32 channels with a 32x8 weight matrix.

# %%
# NBVAL_CHECK_OUTPUT
A = rng.standard_normal((2, 6, 6, 32))
W = rng.standard_normal((1, 1, 32, 8))
b = rng.standard_normal((1, 1, 1, 8))
Z, _ = conv_forward(A, W, b, {"stride": 1, "pad": 0})
Z_dense = A @ W[0, 0] + b  # (2, 6, 6, 32) @ (32, 8): the same weights applied to every pixel
print("input", A.shape, "-> output", Z.shape)
print("1x1 conv == per-pixel dense layer:", rel_error(Z, Z_dense) < 1e-12)
assert rel_error(Z, Z_dense) < 1e-12

# %% [markdown]
# ## The cost of a 5x5 convolution, with and without a bottleneck
#
# The course's example: a 28x28x192 volume to 28x28x32 with 5x5 "same" filters. Each of the 28x28x32 outputs
# needs 5x5x192 multiplications. With a 1x1 bottleneck to 16 channels first, the 1x1 layer costs 28x28x16
# outputs times 192, and the 5x5 layer now only sees 16 channels. `bottleneck_multiplies` does the arithmetic:

# %%
# NBVAL_CHECK_OUTPUT
cost = bottleneck_multiplies(28, 28, 192, f=5, n_C_out=32, n_C_bottleneck=16)
print(f"5x5 conv directly          : {cost['direct']:>12,d} multiplications ({cost['direct'] / 1e6:.1f} million)")
print(f"1x1 to 16 channels         : {cost['bottleneck_1x1']:>12,d}")
print(f"then 5x5 from 16 channels  : {cost['bottleneck_fxf']:>12,d}")
print(f"with the bottleneck, total : {cost['bottleneck_total']:>12,d} multiplications "
      f"({cost['bottleneck_total'] / 1e6:.1f} million)")
print(f"saving: {cost['direct'] / cost['bottleneck_total']:.1f} times fewer multiplications; parameters "
      f"{conv_params(5, 192, 32):,} -> {conv_params(1, 192, 16) + conv_params(5, 16, 32):,}")

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.4))
ax.bar(["5x5 directly"], [cost["direct"] / 1e6], color="#d62728")
ax.bar(["1x1 bottleneck + 5x5"], [cost["bottleneck_1x1"] / 1e6], color="#1f77b4", label="1x1 (192 -> 16)")
ax.bar(["1x1 bottleneck + 5x5"], [cost["bottleneck_fxf"] / 1e6], bottom=[cost["bottleneck_1x1"] / 1e6],
       color="#ff7f0e", label="5x5 (16 -> 32)")
ax.set(title="28x28x192 -> 28x28x32", xlabel="layer", ylabel="multiplications (millions)")
ax.legend()
plt.show()

# %% [markdown]
# Does the count predict the time? Both versions in Keras, on a batch of 16 volumes of 28x28x192, timed on this
# machine (timings vary from run to run; the output shapes are the same).

# %%
x = rng.standard_normal((16, 28, 28, 192)).astype("float32")
direct = keras.Sequential([keras.Input((28, 28, 192)), keras.layers.Conv2D(32, 5, padding="same")])
bottleneck = keras.Sequential([keras.Input((28, 28, 192)), keras.layers.Conv2D(16, 1),
                               keras.layers.Conv2D(32, 5, padding="same")])
seconds = {}
for name, model in (("direct", direct), ("bottleneck", bottleneck)):
    model(x[:1])  # warm up
    start = time.perf_counter()
    for _ in range(3):
        out = model(x)
    seconds[name] = (time.perf_counter() - start) / 3
    print(f"{name:10s}: output {tuple(out.shape)}, {seconds[name] * 1000:.1f} ms per batch")
print(f"measured speed-up {seconds['direct'] / seconds['bottleneck']:.1f}x "
      f"(multiply count ratio {cost['direct'] / cost['bottleneck_total']:.1f}x)")

# %% [markdown]
# ## An Inception module
#
# GoogLeNet's module "3a", on a 28x28x192 input: a 1x1 branch (64), a 1x1 (96) -> 3x3 (128) branch, a
# 1x1 (16) -> 5x5 (32) branch and a 3x3 max pool (stride 1, "same") -> 1x1 (32) branch, concatenated along the
# channels. Every branch keeps 28x28, so the outputs stack. In Keras's functional API each branch starts
# from the same input tensor X, and `Concatenate` stacks the four results:

# %%
show_solution(inception_module)

# %% [markdown]
# The module as a model, its layers and parameters (GoogLeNet's sizes, `INCEPTION_3A`), and its output on four
# images:

# %%
# NBVAL_CHECK_OUTPUT
X_in = keras.Input((28, 28, 192))
module = keras.Model(X_in, inception_module(X_in, INCEPTION_3A), name="inception_module")
print(describe_layers(module, skip_zero=True))
y = module(x[:4])
print("input", x[:4].shape, "-> output", tuple(y.shape))

# %% [markdown]
# Its multiplications, branch by branch, against the same module without the 1x1 bottlenecks in front of the
# 3x3 and 5x5 convolutions:

# %%
# NBVAL_CHECK_OUTPUT
f = INCEPTION_3A
with_bottlenecks = (conv_multiplies(28, 28, 192, 1, f["1x1"])
                    + conv_multiplies(28, 28, 192, 1, f["3x3_reduce"]) + conv_multiplies(28, 28, f["3x3_reduce"], 3, f["3x3"])
                    + conv_multiplies(28, 28, 192, 1, f["5x5_reduce"]) + conv_multiplies(28, 28, f["5x5_reduce"], 5, f["5x5"])
                    + conv_multiplies(28, 28, 192, 1, f["pool_proj"]))
without = (conv_multiplies(28, 28, 192, 1, f["1x1"]) + conv_multiplies(28, 28, 192, 3, f["3x3"])
           + conv_multiplies(28, 28, 192, 5, f["5x5"]) + conv_multiplies(28, 28, 192, 1, f["pool_proj"]))
print(f"inception 3a with bottlenecks   : {with_bottlenecks / 1e6:6.1f} million multiplications")
print(f"the same branches without them  : {without / 1e6:6.1f} million multiplications")

# %% [markdown]
# ## How narrow can the bottleneck be?
#
# The narrower the 1x1 bottleneck, the fewer multiplications, but at some width it must throw away what the
# next layer needs. A small experiment measures where: `utils.cnn_models.bottleneck_net` puts one 5x5 conv
# (32 -> 16 channels) between a 3x3 stem and a softmax over the ten digits, with a 1x1 bottleneck of width
# 1, 2, 4, 8, 16 or 32 in front of it, or none; each is trained the same way (same seed, data and epochs) on
# scikit-learn's 8x8 digits, 1,400 for training, and tested on the other 397.

# %%
digit_images, digit_labels = load_digits()
order = np.random.RandomState(0).permutation(len(digit_images))
X_dig, Y_dig = (digit_images[order] / 16.0)[..., None], digit_labels[order]
STEM, OUT, WIDTHS = 32, 16, (1, 2, 4, 8, 16, 32)
width_scale = scale_for_device(cpu_epochs=12, gpu_epochs=30, batch_size=64)
print(width_scale)
width_acc = {}
for width in (*WIDTHS, None):
    run = fit_model(lambda: bottleneck_net((8, 8, 1), 10, stem=STEM, width=width, f=5, filters=OUT),
                    {"optimizer": lambda: keras.optimizers.Adam(3e-3), "loss": "sparse_categorical_crossentropy",
                     "metrics": ["accuracy"]}, (X_dig[:1400], Y_dig[:1400]), (X_dig[1400:], Y_dig[1400:]),
                    epochs=width_scale.epochs, batch_size=width_scale.batch_size, seed=1)
    width_acc[width] = run.final("val_accuracy")
    print(f"bottleneck width {str(width or 'none'):>4s}: test accuracy {100 * width_acc[width]:.0f} % "
          f"({run.seconds:.1f} s)")

# %%
# NBVAL_CHECK_OUTPUT
print("width 1 loses more than 20 points against width 16:", width_acc[1] < width_acc[16] - 0.20)
print("width 16 is within 5 points of no bottleneck (or better):", width_acc[16] > width_acc[None] - 0.05)
assert width_acc[1] < width_acc[16] - 0.20 and width_acc[16] > width_acc[None] - 0.05

# %% [markdown]
# The multiplications are instant to count, for any width (`bottleneck_multiplies`). The cost of the 1x1 layer
# plus the 5x5 layer grows linearly with the width; at some width it passes the cost of the 5x5 layer alone:

# %%
# NBVAL_CHECK_OUTPUT
def cost_ratio(n_H, n_C_in, n_C_out, width):
    """Multiplies of [1x1 to width -> 5x5] over those of the 5x5 conv alone, and the counts."""
    cost = bottleneck_multiplies(n_H, n_H, n_C_in, f=5, n_C_out=n_C_out, n_C_bottleneck=width)
    return cost["bottleneck_total"] / cost["direct"], cost


layers = {f"this experiment (8x8x{STEM} -> {OUT})": (8, STEM, OUT), "the course's 28x28x192 -> 32": (28, 192, 32)}
break_even = {name: next(w for w in range(1, 1000) if cost_ratio(*shape, w)[0] >= 1) for name, shape in layers.items()}
for name, w in break_even.items():
    print(f"{name}: the bottleneck costs more than no bottleneck from width {w}")
assert list(break_even.values()) == [30, 155]
width_grid = np.arange(1, 65)
ratio_curves = {name: np.array([cost_ratio(*shape, int(w))[0] for w in width_grid]) for name, shape in layers.items()}

# %% [markdown]
# The panel draws that cost ratio against the width, beside the accuracy measured above (which exists only at
# the measured widths, so the panel marks the nearest one).
#
# **Try:**
# - slide the **width** down from 16 to 1: the multiplications fall in proportion, the accuracy falls slowly down to
#   a few channels and then collapses at width 1: one channel cannot carry what the 5x5 layer needs;
# - slide it up to 30 and beyond: the 1x1 layer plus the 5x5 layer now cost *more* than the 5x5 layer alone
#   (shaded red), and the accuracy gains nothing: a bottleneck only pays when it is much narrower than its input;
# - compare with the course's 28x28x192 layer (dashed): with 192 input channels it pays up to a width of 154.

# %%
def draw_width(fig, width):
    ratio, cost = cost_ratio(8, STEM, OUT, width)
    ax1, ax2 = fig.subplots(1, 2)
    ours = next(iter(ratio_curves.values()))  # this experiment's curve
    for (name, curve), ls in zip(ratio_curves.items(), ("-", "--")):
        ax1.plot(width_grid, curve, color="C0" if ls == "-" else "C1", ls=ls, label=name)
    ax1.axhline(1, color="k", lw=1, label="no bottleneck")
    ax1.fill_between(width_grid, 1, np.maximum(ours, 1), color="C3", alpha=0.15)
    ax1.plot([width], [ratio], "o", color="C0", ms=9)
    ax1.set(title="Multiplies with a bottleneck / without (5x5 conv)", xlabel="bottleneck width (1x1 channels)",
            ylabel="cost ratio", ylim=(0, 2.5))
    ax1.legend(fontsize=8, loc="upper left")
    nearest = min(WIDTHS, key=lambda w: abs(np.log(w) - np.log(width)))
    ax2.plot(WIDTHS, [100 * width_acc[w] for w in WIDTHS], marker="o", color="C0", label="with a bottleneck")
    ax2.axhline(100 * width_acc[None], color="k", lw=1, label="no bottleneck")
    ax2.plot([nearest], [100 * width_acc[nearest]], "o", color="C3", ms=10, label=f"nearest measured: {nearest}")
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(WIDTHS, [str(w) for w in WIDTHS])
    ax2.set(title="Test accuracy, digits (measured above)", xlabel="bottleneck width", ylabel="accuracy (%)",
            ylim=(0, 100))
    ax2.legend(fontsize=8, loc="lower right")
    course_ratio = cost_ratio(28, 192, 32, width)[0]
    verdict = f"{1 / ratio:.1f} times fewer" if ratio < 1 else f"{ratio:.2f} times MORE: no saving"
    return (f"width {width}: {cost['bottleneck_total']:,} multiplies per image against {cost['direct']:,} "
            f"without the bottleneck ({verdict}); accuracy at width {nearest}: {100 * width_acc[nearest]:.0f} % "
            f"(no bottleneck: {100 * width_acc[None]:.0f} %)\n"
            f"the course's 28x28x192 -> 32 layer with this width: {course_ratio:.3f} of the direct cost")


panel = SliderPanel(draw_width, {"width": (1, 64, 1, 16)}, figsize=(11, 4))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## Transfer learning, offline
#
# **The idea.** The early layers of a CNN trained on many images learn general detectors (edges, strokes,
# blobs); a new task with few examples can reuse them and train only a new softmax layer (a frozen base), or
# all layers with a small learning rate (fine-tuning).
#
# **The offline experiment.** The source task: scikit-learn's digits 0 to 6, each 8x8 digit pasted at a random
# position of a 16x16 canvas (so the network must learn to find strokes anywhere), two copies of each with
# different positions. The target task: the digits 7, 8 and 9, with only **five labelled examples per class**,
# tested on all the others. Three networks of the same architecture are compared:
#
# 1. trained from scratch on the 15 target examples;
# 2. the pre-trained base frozen, with a new softmax head;
# 3. the pre-trained base fine-tuned with a smaller learning rate.

# %%
# NBVAL_CHECK_OUTPUT
def place_on_canvas(images, rng, size=16):
    """Paste each 8x8 image (values 0..16) at a random position of a size x size canvas, scaled to [0, 1]."""
    out = np.zeros((len(images), size, size, 1))
    offsets = rng.integers(0, size - 8 + 1, size=(len(images), 2))
    for i, (r, c) in enumerate(offsets):
        out[i, r:r + 8, c:c + 8, 0] = images[i] / 16.0
    return out


images, labels = load_digits()
data_rng = np.random.default_rng(0)
source = labels <= 6
X_src = place_on_canvas(np.concatenate([images[source]] * 2), data_rng)
Y_src = np.concatenate([labels[source]] * 2)
X_tgt, Y_tgt = place_on_canvas(images[~source], data_rng), labels[~source] - 7  # classes 7, 8, 9 -> 0, 1, 2
pick = np.random.RandomState(1)
few = np.concatenate([pick.permutation(np.flatnonzero(Y_tgt == c))[:5] for c in range(3)])
rest = np.setdiff1d(np.arange(len(Y_tgt)), few)
print("source:", X_src.shape, "classes", sorted(set(Y_src.tolist())))
print("target: train", X_tgt[few].shape, "test", X_tgt[rest].shape, "(classes 7, 8, 9)")

# %%
_ = plot_image_grid(X_tgt[few][:, :, :, 0], titles=[str(7 + y) for y in Y_tgt[few]], ncols=15,
                    title="All the labelled examples of the target task", size=0.8)
plt.show()

# %% [markdown]
# Pre-training on the source task, through the same `utils.training` helper as every heavy notebook:

# %%
def build_base(name):
    return feature_extractor((16, 16, 1), filters=(32, 64), name=name)


def adam(lr):
    return {"optimizer": lambda: keras.optimizers.Adam(lr), "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"]}


scale = scale_for_device(cpu_epochs=6, gpu_epochs=20, batch_size=32)
print(scale)
base = build_base("pretrained")
pre = fit_model(lambda: with_head(base, 7, name="source_model"), adam(3e-3), (X_src, Y_src),
                epochs=scale.epochs, batch_size=scale.batch_size, seed=1)
print(pre.summary())
print(f"source training accuracy: {100 * pre.final('accuracy'):.0f} %")
pretrained_weights = base.get_weights()

# %% [markdown]
# The three ways to learn the target task from its 15 examples. 15 examples make two batches, so 80 epochs are
# only 160 steps, enough for each network to fit its training examples (the final training losses are printed:
# the differences are in how well they generalize, not in how well they fit).

# %%
TARGET_EPOCHS = 80
few_data = (X_tgt[few], Y_tgt[few])
test_data = (X_tgt[rest], Y_tgt[rest])
runs = {}
runs["from scratch"] = fit_model(lambda: with_head(build_base("scratch"), 3, name="scratch"), adam(3e-3),
                                 few_data, test_data, epochs=TARGET_EPOCHS, batch_size=8, seed=1)
base.set_weights(pretrained_weights)
runs["pre-trained, frozen"] = fit_model(lambda: with_head(base, 3, trainable_base=False, name="frozen"),
                                        adam(1e-2), few_data, test_data, epochs=TARGET_EPOCHS, batch_size=8, seed=1)
base.set_weights(pretrained_weights)
runs["pre-trained, fine-tuned"] = fit_model(lambda: with_head(base, 3, trainable_base=True, name="fine_tuned"),
                                            adam(1e-3), few_data, test_data, epochs=TARGET_EPOCHS, batch_size=8, seed=1)
accuracy = {name: r.model.evaluate(*test_data, verbose=0)[1] for name, r in runs.items()}
for name, acc in accuracy.items():
    print(f"{name:24s}: final training loss {runs[name].final('loss'):.3f}, test accuracy {100 * acc:.0f} %  "
          f"({runs[name].seconds:.1f} s)")

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.6))
plot_costs({name: r.history["val_accuracy"] for name, r in runs.items()}, ax=ax,
           title="Target task (7, 8, 9) from 5 examples per class", xlabel="epoch", ylabel="test accuracy")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
scratch_acc = accuracy["from scratch"]
print("pre-trained and fine-tuned beats from scratch by more than 5 points:",
      accuracy["pre-trained, fine-tuned"] > scratch_acc + 0.05)
assert accuracy["pre-trained, fine-tuned"] > scratch_acc + 0.05

# %% [markdown]
# The frozen base trains only its new softmax layer, few weights for few examples; fine-tuning also adapts the
# features, at the risk of overfitting them to the handful of examples. Which of the two wins depends on how
# close the tasks are and how much target data there is (compare the lines above; the frozen network's margin
# over training from scratch is smaller and varies from run to run, so only the fine-tuned one's is asserted).
# The course's rule of thumb: the less data you have, the more layers you freeze, and the more data, the more
# layers you fine-tune.
#
# ## The online path: ImageNet weights
#
# With a network connection, the usual start is a network pre-trained on ImageNet (1.28 million images, 1,000
# classes) from `keras.applications`: its weights are downloaded once and cached in `~/.keras/models`. The cell
# below shows the recipe for the face app, faces vs non-faces, with MobileNetV2 as the frozen base. It runs only
# when you set `USE_IMAGENET_WEIGHTS = True` (it downloads about 9 MB); the workbook's tests never download
# anything, so the flag stays off here.

# %%
USE_IMAGENET_WEIGHTS = False  # set to True on a machine with a network connection

if USE_IMAGENET_WEIGHTS:
    from utils.data import load_faces

    train_x, train_y, test_x, test_y, classes = load_faces()

    def to_rgb96(images):  # MobileNetV2 wants RGB images of at least 32x32, scaled to [-1, 1]
        x = keras.ops.image.resize(np.repeat(images[..., None], 3, axis=-1), (96, 96))
        return np.asarray(x) * 2.0 - 1.0

    def build_imagenet_transfer():
        imagenet_base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False,
                                                       weights="imagenet", pooling="avg")
        imagenet_base.trainable = False  # freeze: train only the new head
        inputs = keras.Input((96, 96, 3))
        outputs = keras.layers.Dense(2, activation="softmax", dtype="float32")(imagenet_base(inputs, training=False))
        return keras.Model(inputs, outputs)

    online = fit_model(build_imagenet_transfer, adam(1e-3), (to_rgb96(train_x), train_y.ravel()),
                       (to_rgb96(test_x), test_y.ravel()), epochs=5, batch_size=32)
    print(online.summary())
    print(f"test accuracy with ImageNet features: {100 * online.final('val_accuracy'):.0f} %")
else:
    print("Skipped: set USE_IMAGENET_WEIGHTS = True to download MobileNetV2's ImageNet weights and run this.")

# %% [markdown]
# ## What a GPU changes
#
# The timings above (the Keras bottleneck comparison and every `fit_model` summary) were measured on this
# machine, whose device `scale_for_device` printed. On a GPU the convolutions run in parallel, so the measured
# speed-up of the bottleneck usually falls short of the multiply-count ratio (small layers do not fill the
# GPU), pre-training gets the larger GPU epoch count printed above, and the ImageNet path becomes practical
# with a trainable (fine-tuned) base rather than a frozen one.

# %% [markdown]
# ## Conclusion
#
# - A 1x1 convolution is a per-pixel dense layer over the channels; as a bottleneck it cuts the cost of the 5x5
#   convolution in the course's example about tenfold (computed above).
# - An Inception module concatenates 1x1, 3x3, 5x5 and pooling branches that keep the height and width; the
#   bottlenecks keep it affordable.
# - Transfer learning works offline too: features learned on digits 0-6 let a classifier of 7, 8 and 9 learn from
#   five examples per class better than training from scratch (measured above; asserted for fine-tuning). Online, start from
#   ImageNet weights.
