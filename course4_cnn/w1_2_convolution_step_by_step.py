# %% [markdown]
# # Convolution step by step
#
# > Zero padding, one convolution step, the forward pass with stride and padding, max and average pooling, and both backward passes in numpy: checked against TensorFlow and numerical gradients, and timed naive vs vectorized.
#
# ## Introduction
#
# This is the course's first programming assignment of Course 4, run and checked. Everything is in
# `utils/conv.py` with the course's names and contracts; activations are stored examples first, channels
# last: **A has shape (m, n_H, n_W, n_C)**.
#
# | function | what it does |
# | --- | --- |
# | `zero_pad(X, pad)` | zeros around each image |
# | `conv_single_step(a_slice_prev, W, b)` | one filter on one window: sum(a * W) + b |
# | `conv_forward(A_prev, W, b, hparameters) -> (Z, cache)` | the whole layer, `hparameters = {"stride", "pad"}` |
# | `pool_forward(A_prev, hparameters, mode)` | max or average pooling, `hparameters = {"stride", "f"}` |
# | `conv_backward(dZ, cache) -> (dA_prev, dW, db)`, `pool_backward(dA, cache, mode)` | the gradients |
#
# Each layer exists twice, side by side: `conv_forward_naive` loops over examples, rows, columns and
# channels exactly as the course writes it; `conv_forward` gathers every window at once with numpy stride
# tricks and does one matrix product (im2col). We check that they agree, that both agree with TensorFlow,
# and measure how much faster the vectorized one is.
#
# **Names.** The course's loop functions `conv_forward`, `pool_forward`, `conv_backward` and `pool_backward`
# are called `conv_forward_naive`, `pool_forward_naive`, `conv_backward_naive` and `pool_backward_naive`
# here (the cs231n convention): the plain names belong to the fast vectorized versions, which the rest of the
# workbook calls. The loop versions are the ones shown below, and the ones you write in the exercise version
# of this notebook, together with `zero_pad`, `conv_single_step`, `conv_output_size`,
# `create_mask_from_window` and `distribute_value`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from skimage.transform import resize

from utils.conv import (EDGE_FILTERS, conv_backward, conv_backward_naive, conv_forward, conv_forward_naive,
                        conv_forward_tf, conv_output_size, conv_single_step, create_mask_from_window, detect_edges,
                        distribute_value, draw_sliding_window, pool_backward, pool_backward_naive, pool_forward,
                        pool_forward_naive, pool_forward_tf, zero_pad)
from utils.data import load_photo
from utils.device import describe_device
from utils.exercises import show_solution
from utils.gradcheck import check_gradient, rel_error
from utils.widgets import SliderPanel

rng = np.random.default_rng(1)
camera = load_photo("camera").astype(np.float64) / 255.0  # a real 512x512 grayscale photograph

# %% [markdown]
# ## Zero padding
#
# Padding keeps the height and width from shrinking at every layer and lets the border pixels count as much
# as the others. `zero_pad` pads only the two spatial axes, with `np.pad`:

# %%
show_solution(zero_pad)

# %%
# NBVAL_CHECK_OUTPUT
x = rng.standard_normal((4, 3, 3, 2))
x_pad = zero_pad(x, 3)
print("x.shape     =", x.shape)
print("x_pad.shape =", x_pad.shape)
print("first row of x_pad[1, :, :, 0] is all zeros:", bool(np.all(x_pad[1, 0, :, 0] == 0)))

# %%
fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
axes[0].imshow(camera[200:264, 200:264], cmap="gray")
axes[0].set(title="x: a 64x64 crop of the photo", xlabel="column", ylabel="row")
axes[1].imshow(zero_pad(camera[None, 200:264, 200:264, None], 8)[0, :, :, 0], cmap="gray")
axes[1].set(title="zero_pad(x, 8)", xlabel="column", ylabel="row")
plt.show()

# %% [markdown]
# ## One step of convolution
#
# One filter W of shape (f, f, n_C_prev) applied to one window of the same shape: multiply elementwise, sum,
# add the bias.

# %%
show_solution(conv_single_step)

# %%
# NBVAL_CHECK_OUTPUT
a_slice_prev = rng.standard_normal((4, 4, 3))
W1 = rng.standard_normal((4, 4, 3))
b1 = rng.standard_normal((1, 1, 1))
Z1 = conv_single_step(a_slice_prev, W1, b1)
print(f"Z = {Z1:.6f}; sum(a * W) + b = {np.sum(a_slice_prev * W1) + b1.item():.6f}")

# %% [markdown]
# ## The forward pass: stride and padding
#
# The output of a layer with n_C filters on an (n_H_prev, n_W_prev) input has
# n_H = floor((n_H_prev + 2p - f) / s) + 1 rows (the same for columns). `conv_output_size` computes it:

# %%
show_solution(conv_output_size)

# %% [markdown]
# The course's examples. When the stride does not fit (n = 8, f = 3, s = 2: (8 - 3) / 2 = 2.5), the floor
# drops the last row, exactly as TensorFlow's and PyTorch's `VALID` layers do (the section "The floor" below
# draws it). Only what cannot be computed is refused, with an error that says why: here a filter larger than
# the padded input.

# %%
# NBVAL_CHECK_OUTPUT
print("n=6, f=3, p=0, s=1 ->", conv_output_size(6, 3, 0, 1))
print("n=7, f=3, p=0, s=2 ->", conv_output_size(7, 3, 0, 2))
print("n=6, f=3, p=1 ('same'), s=1 ->", conv_output_size(6, 3, 1, 1))
print("n=8, f=3, p=0, s=2 (the floor) ->", conv_output_size(8, 3, 0, 2))
try:
    conv_output_size(3, 7, 1, 1)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# The forward pass is the course's four loops: over the examples i, the output rows h, the output columns w
# and the filters c. The window of output pixel (h, w) starts at row h * stride and column w * stride of the
# padded input; `conv_single_step` turns it into one number per filter. (This is the course's
# `conv_forward`; the workbook's `conv_forward` is the vectorized version compared with it below.)

# %%
show_solution(conv_forward_naive)

# %% [markdown]
# The course's test case: 2 examples of 5x7x4, eight 3x3x4 filters, pad 1, stride 2. Naive and vectorized
# versions give the same Z, and both match TensorFlow's `tf.nn.conv2d` (after the same explicit padding).

# %%
# NBVAL_CHECK_OUTPUT
A_prev = rng.standard_normal((2, 5, 7, 4))
W = rng.standard_normal((3, 3, 4, 8))
b = rng.standard_normal((1, 1, 1, 8))
hparameters = {"pad": 1, "stride": 2}
Z, cache_conv = conv_forward(A_prev, W, b, hparameters)
Z_naive, _ = conv_forward_naive(A_prev, W, b, hparameters)
Z_tf = conv_forward_tf(A_prev, W, b, hparameters)
print("Z.shape =", Z.shape)
print(f"mean of Z = {Z.mean():.6f}")
print("naive == vectorized:", rel_error(Z_naive, Z) < 1e-10, "| vectorized == tf.nn.conv2d:", rel_error(Z, Z_tf) < 1e-10)
assert rel_error(Z_naive, Z) < 1e-10 and rel_error(Z, Z_tf) < 1e-10

# %% [markdown]
# ### Play: filter size, padding and stride on a real image
#
# The photo, shrunk to n x n pixels, with its zero padding. The orange square is the f x f window at one
# output position (move it with `position`); the dots mark where every window starts. On the right, the
# output of the layer for a simple f x f filter (left half +1, right half -1, a vertical-edge detector),
# with the current output pixel circled. When s does not divide n + 2p - f the red band is never covered:
# that is the floor in the formula. A filter larger than the padded input gives a message instead.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_window(fig, n, f, p, s, position):
    img = resize(camera, (n, n), anti_aliasing=True)
    ax_in, ax_out = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1]})
    out_H = conv_output_size(n, f, p, s, exact=False)
    step = int(round(position / 100 * (out_H * out_H - 1)))
    summary = draw_sliding_window(ax_in, img, f, p, s, step=step)
    W_edge = np.zeros((f, f, 1, 1))
    W_edge[:, : f // 2] = 1.0
    W_edge[:, f - f // 2:] = -1.0
    Z_img, _ = conv_forward(img[None, :, :, None], W_edge, np.zeros((1, 1, 1, 1)), {"stride": s, "pad": p})
    ax_out.imshow(Z_img[0, :, :, 0], cmap="RdBu")
    h, w = divmod(step, out_H)
    ax_out.scatter([w], [h], s=120, facecolors="none", edgecolors="#ff7f0e", linewidths=2)
    ax_out.set(title=f"output {out_H} x {out_H}", xlabel="output column", ylabel="output row")
    ax_out.grid(False)
    return summary


panel = SliderPanel(draw_window, {"n": (5, 64, 1, 15), "f": (1, 11, 1, 3), "p": (0, 5, 1, 1), "s": (1, 4, 1, 2),
                                  "position": (0, 100, 1, 0)}, figsize=(9, 4.2))
panel

# %% [markdown]
# ## Edge detection on a real photograph
#
# The lecture's first filters: a vertical edge detector, its transpose for horizontal edges, and the Sobel
# pair (more weight on the centre row). `detect_edges` runs our `conv_forward` (stride 1, pad 1) on the
# photo. Positive responses (red) are light-to-dark edges, negative (blue) dark-to-light. Look at the bottom
# border: the zero padding makes the photo's edge look like a strong horizontal edge.

# %%
fig, axes = plt.subplots(1, len(EDGE_FILTERS) + 1, figsize=(13, 3.2))
axes[0].imshow(camera, cmap="gray")
axes[0].set(title="camera", xlabel="column", ylabel="row")
for ax, kind in zip(axes[1:], EDGE_FILTERS):
    edges = detect_edges(camera, kind)
    lim = np.percentile(np.abs(edges), 99)  # clip the strongest 1% so that weaker edges stay visible
    ax.imshow(edges, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set(title=kind, xlabel="column", ylabel="row")
for ax in axes:
    ax.grid(False)
plt.show()

# %% [markdown]
# Choose the filter (and the photo) in the dropdowns; the 3x3 filter is printed under the figure.

# %%
# NBVAL_IGNORE_OUTPUT
photos = {name: load_photo(name) for name in ("camera", "astronaut", "coffee")}


def draw_edges(fig, photo, kind):
    img = photos[photo].astype(np.float64) / 255.0
    edges = detect_edges(img, kind)
    ax_img, ax_edges = fig.subplots(1, 2)
    ax_img.imshow(img, cmap="gray" if img.ndim == 2 else None)
    ax_img.set(title=photo, xlabel="column", ylabel="row")
    lim = np.percentile(np.abs(edges), 99)
    ax_edges.imshow(edges, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax_edges.set(title=f"{kind} filter", xlabel="column", ylabel="row")
    for ax in (ax_img, ax_edges):
        ax.grid(False)
    return f"{photo}, {kind} filter:\n{EDGE_FILTERS[kind].astype(int)}"


edge_panel = SliderPanel(draw_edges, {"photo": list(photos), "kind": list(EDGE_FILTERS)}, figsize=(8, 3.8))
edge_panel

# %% [markdown]
# ## Pooling
#
# Max pooling keeps the strongest response in each f x f window, average pooling the mean; neither has
# parameters. The hyperparameters are the window f and the stride s, and there is no padding. The loops are
# those of the convolution, with one difference: each channel is pooled on its own.

# %%
show_solution(pool_forward_naive)

# %% [markdown]
# Both modes, on random inputs with a window of 3 and stride 1 and 2, against `tf.nn.max_pool2d` and
# `tf.nn.avg_pool2d`:

# %%
# NBVAL_CHECK_OUTPUT
A_pool_in = rng.standard_normal((2, 5, 7, 3))
for stride in (1, 2):
    for mode in ("max", "average"):
        hp = {"f": 3, "stride": stride}
        A_pool, _ = pool_forward(A_pool_in, hp, mode=mode)
        A_pool_naive, _ = pool_forward_naive(A_pool_in, hp, mode=mode)
        err_tf = rel_error(A_pool, pool_forward_tf(A_pool_in, hp, mode))
        print(f"stride {stride}, {mode:7s}: A.shape = {A_pool.shape}, naive == vectorized: "
              f"{rel_error(A_pool, A_pool_naive) < 1e-12}, == TensorFlow: {err_tf < 1e-12}")
        assert err_tf < 1e-12

# %% [markdown]
# ## Backpropagation in a convolution layer
#
# For each output pixel, the window it saw gets the filter times dZ, the filter gets the window times dZ,
# and the bias gets dZ:
#
# dA += sum over h, w of W_c * dZ_hw,  dW_c += sum over h, w of a_slice * dZ_hw,  db_c = sum over h, w of dZ_hw.
#
# The course's loops, in the same windows as the forward pass:

# %%
show_solution(conv_backward_naive)

# %% [markdown]
# We check all three gradients of the vectorized backward against numerical gradients (utils.gradcheck,
# two-sided differences of `conv_forward` itself), and the naive backward against the vectorized one.

# %%
# NBVAL_CHECK_OUTPUT
dZ = rng.standard_normal(Z.shape)
dA, dW, db = conv_backward(dZ, cache_conv)
print("dA.shape =", dA.shape, "dW.shape =", dW.shape, "db.shape =", db.shape)
checks = {
    "dA_prev": check_gradient(lambda a: conv_forward(a, W, b, hparameters)[0], A_prev, dA, dZ),
    "dW": check_gradient(lambda w: conv_forward(A_prev, w, b, hparameters)[0], W, dW, dZ),
    "db": check_gradient(lambda bias: conv_forward(A_prev, W, bias, hparameters)[0], b, db, dZ),
}
for name, diff in checks.items():
    print(f"gradient check {name:7s}: relative difference < 1e-7: {diff < 1e-7}")
    assert diff < 1e-7
naive_grads = conv_backward_naive(dZ, cache_conv)
print("naive backward == vectorized:", all(rel_error(g1, g2) < 1e-10 for g1, g2 in zip(naive_grads, (dA, dW, db))))

# %% [markdown]
# ## Backpropagation in pooling layers
#
# **Max pooling**: only the maximum of each window influenced the output, so the gradient goes there and
# nowhere else. `create_mask_from_window` finds it:

# %%
show_solution(create_mask_from_window)

# %%
# NBVAL_CHECK_OUTPUT
window = np.array([[1.0, 3.0], [4.0, 2.0]])
print("window:\n", window)
print("mask:\n", create_mask_from_window(window))

# %% [markdown]
# **Average pooling**: every input of the window counted 1/f^2, so the gradient is spread evenly
# (`distribute_value`):

# %%
show_solution(distribute_value)

# %%
# NBVAL_CHECK_OUTPUT
print(distribute_value(2.0, (2, 2)))

# %% [markdown]
# `pool_backward` puts the two together, window by window; windows can overlap, so the gradients add up:

# %%
show_solution(pool_backward_naive)

# %% [markdown]
# Both backward passes against numerical gradients, with overlapping windows (f = 3, stride 2), where an input
# can receive gradient from several outputs:

# %%
# NBVAL_CHECK_OUTPUT
hp_pool = {"f": 3, "stride": 2}
for mode in ("max", "average"):
    A_out, cache_pool = pool_forward(A_pool_in, hp_pool, mode)
    dA_out = rng.standard_normal(A_out.shape)
    dA_prev = pool_backward(dA_out, cache_pool, mode)
    diff = check_gradient(lambda a: pool_forward(a, hp_pool, mode)[0], A_pool_in, dA_prev, dA_out)
    same = rel_error(dA_prev, pool_backward_naive(dA_out, cache_pool, mode)) < 1e-12
    print(f"{mode:7s} pool backward: gradient check < 1e-7: {diff < 1e-7}, naive == vectorized: {same}")
    assert diff < 1e-7 and same

# %% [markdown]
# ## The floor: pixels no window reaches
#
# n_H = floor((n_H_prev + 2p - f) / s) + 1 is the course's formula and what `tf.nn.conv2d`,
# `tf.nn.max_pool2d` and PyTorch's `conv2d` / `max_pool2d` compute with `VALID` padding. When s does not divide
# n_H_prev + 2p - f, the last windows would stick out of the input, so they are left out: the last
# (n_H_prev + 2p - f) mod s rows (and columns) are never read. They do not influence the output, so backward
# gives them exactly zero gradient; dA_prev still has the full shape of A_prev.
#
# Below, each pixel shows how many windows read it (the gradient of a filter of ones with dZ = 1), and red
# marks the pixels no window reaches: a 7x7 input with f = 3, stride 2, where the windows fit exactly, an
# 8x8 input with the same filter, and a 5x5 input max-pooled with f = 2, stride 2 (LeNet-style). Then, with
# random inputs and random upstream gradients, every backward (vectorized and loops, conv and both poolings)
# must give exactly zero on the red pixels.

# %%
floor_cases = [("conv", 7, 3, 2), ("conv", 8, 3, 2), ("pool", 5, 2, 2)]  # (layer, n, f, stride), no padding
floor_rng = np.random.default_rng(18)  # its own generator: the cells below draw the same numbers as before
fig, axes = plt.subplots(1, len(floor_cases), figsize=(11, 3.8))
for ax, (layer, n, f, s) in zip(axes, floor_cases):
    n_out = conv_output_size(n, f, 0, s)
    reached = (n_out - 1) * s + f  # rows (and columns) 0 .. reached - 1 are read by some window
    never = np.ones((n, n), dtype=bool)
    never[:reached, :reached] = False
    ones = np.ones((1, n_out, n_out, 1))
    if layer == "conv":
        _, cache_ones = conv_forward(np.ones((1, n, n, 1)), np.ones((f, f, 1, 1)), np.zeros((1, 1, 1, 1)),
                                     {"stride": s, "pad": 0})
        count = conv_backward(ones, cache_ones)[0][0, :, :, 0]
    else:
        count = pool_backward(ones, pool_forward(np.ones((1, n, n, 1)), {"f": f, "stride": s}, "average")[1],
                              "average")[0, :, :, 0] * f * f
    assert np.array_equal(count == 0, never)  # zero gradient exactly where the floor says
    ax.imshow(count, cmap="Blues", vmin=0, vmax=5)  # the same scale in every panel
    ax.imshow(np.where(never, 1.0, np.nan), cmap="Reds", vmin=0, vmax=1.5, alpha=0.6)
    for (i, j), c in np.ndenumerate(count):
        ax.text(j, i, f"{c:.0f}", ha="center", va="center", fontsize=8, color="white" if c >= 3 else "black")
    ax.set(title=f"{layer} {n}x{n}, f={f}, stride {s}: output {n_out}x{n_out}\n"
                 f"{never.sum()} of {n * n} pixels never reached",
           xlabel="column", ylabel="row")
    ax.grid(False)

    # random inputs and gradients: every backward gives exactly zero where no window reaches
    A_r = floor_rng.standard_normal((2, n, n, 3))
    if layer == "conv":
        W_r, b_r, hp_r = floor_rng.standard_normal((f, f, 3, 2)), floor_rng.standard_normal((1, 1, 1, 2)), {"stride": s, "pad": 0}
        Z_r, cache_r = conv_forward(A_r, W_r, b_r, hp_r)
        dZ_r = floor_rng.standard_normal(Z_r.shape)
        grads = {"conv_backward": conv_backward(dZ_r, cache_r)[0],
                 "conv_backward_naive": conv_backward_naive(dZ_r, conv_forward_naive(A_r, W_r, b_r, hp_r)[1])[0]}
    else:
        hp_r = {"f": f, "stride": s}
        grads = {}
        for mode in ("max", "average"):
            P_r, cache_r = pool_forward(A_r, hp_r, mode)
            dP_r = floor_rng.standard_normal(P_r.shape)
            grads[f"pool_backward {mode}"] = pool_backward(dP_r, cache_r, mode)
            grads[f"pool_backward_naive {mode}"] = pool_backward_naive(dP_r, cache_r, mode)
    for name, dA_r in grads.items():
        assert dA_r.shape == A_r.shape and np.all(dA_r[:, never] == 0)
    print(f"{layer} {n}x{n}, f={f}, s={s}: output {n_out}x{n_out}; {', '.join(grads)}: dA_prev of shape "
          f"{A_r.shape}, exactly 0 on the {never.sum()} pixels never reached")
plt.show()

# %% [markdown]
# ## Naive loops against the vectorized version, timed
#
# The same layers on a batch of 16 images of 32x32x3 with eight 3x3 filters, "same" padding. The vectorized
# forward builds all windows as a strided view of the padded input (no loops over pixels), reshapes them
# into a matrix with one row per output pixel (im2col) and multiplies by the filters; the backward does the
# transposed products and adds the window gradients back with f x f slice additions (col2im). Timings are
# measured on this machine now; the results must agree with each other and with TensorFlow.

# %%
def timed(fn, *args, repeat=1):
    start = time.perf_counter()
    for _ in range(repeat):
        out = fn(*args)
    return out, (time.perf_counter() - start) / repeat


A_big = rng.standard_normal((16, 32, 32, 3))
W_big, b_big = rng.standard_normal((3, 3, 3, 8)), rng.standard_normal((1, 1, 1, 8))
hp_big = {"stride": 1, "pad": 1}
(Z_slow, cache_big), t_naive = timed(conv_forward_naive, A_big, W_big, b_big, hp_big)
(Z_fast, _), t_fast = timed(conv_forward, A_big, W_big, b_big, hp_big, repeat=10)
Z_tf_big, t_tf = timed(conv_forward_tf, A_big, W_big, b_big, hp_big, repeat=10)
dZ_big = rng.standard_normal(Z_fast.shape)
grads_slow, tb_naive = timed(conv_backward_naive, dZ_big, cache_big)
grads_fast, tb_fast = timed(conv_backward, dZ_big, cache_big, repeat=10)
hp_mp = {"f": 2, "stride": 2}
(P_slow, _), tp_naive = timed(pool_forward_naive, A_big, hp_mp)
(P_fast, _), tp_fast = timed(pool_forward, A_big, hp_mp, repeat=10)
P_tf = tf.nn.max_pool2d(tf.constant(A_big), ksize=2, strides=2, padding="VALID").numpy()
print(f"conv forward : naive {t_naive * 1e3:8.1f} ms, vectorized {t_fast * 1e3:6.2f} ms -> {t_naive / t_fast:6.0f}x faster "
      f"(tf.nn.conv2d: {t_tf * 1e3:.2f} ms)")
print(f"conv backward: naive {tb_naive * 1e3:8.1f} ms, vectorized {tb_fast * 1e3:6.2f} ms -> {tb_naive / tb_fast:6.0f}x faster")
print(f"max pool     : naive {tp_naive * 1e3:8.1f} ms, vectorized {tp_fast * 1e3:6.2f} ms -> {tp_naive / tp_fast:6.0f}x faster")
print(f"measured on: {describe_device()}")

# %%
# NBVAL_CHECK_OUTPUT
agree = {
    "conv forward: naive == vectorized": rel_error(Z_slow, Z_fast) < 1e-10,
    "conv forward: vectorized == tf.nn.conv2d": rel_error(Z_fast, Z_tf_big) < 1e-10,
    "conv backward: naive == vectorized": all(rel_error(g1, g2) < 1e-10 for g1, g2 in zip(grads_slow, grads_fast)),
    "max pool: naive == vectorized == tf.nn.max_pool2d": rel_error(P_slow, P_fast) < 1e-12 and rel_error(P_fast, P_tf) < 1e-12,
}
for claim, ok in agree.items():
    print(f"{claim}: {ok}")
assert all(agree.values())
assert t_fast < t_naive and tb_fast < tb_naive and tp_fast < tp_naive

# %% [markdown]
# ## What a GPU changes
#
# Our numpy layers run on the CPU whatever the machine has: numpy does not use a GPU. TensorFlow's
# `tf.nn.conv2d` (timed above, on this machine's device) runs on a GPU when one is present, and that is where
# the next notebooks train their CNNs: `utils.training` picks the device, the batch size and the number of
# epochs at run time and prints the measured timings. The vectorized version matters even there: it is the
# same idea (turn the convolution into one large matrix product) that GPU libraries use.

# %% [markdown]
# ## Conclusion
#
# - A convolution layer is one small operation, `conv_single_step`, repeated over windows; its output size is
#   floor((n + 2p - f) / s) + 1 in each spatial direction. When the stride does not fit, the last rows and
#   columns are never read (as in TensorFlow and PyTorch) and get zero gradient.
# - Pooling has hyperparameters but no parameters; its backward routes the gradient to the max (max pooling)
#   or spreads it evenly (average pooling).
# - Our numpy layers agree with TensorFlow and with numerical gradients; the vectorized versions give the
#   same numbers as the loops, much faster (the factor is printed above).
# - Next: [a first CNN in Keras](w1_3_first_cnn_keras.ipynb), trained on real faces.
