# %% [markdown]
# # Tensors: numpy arrays that can run on a GPU
# > PyTorch's tensors, side by side with the numpy arrays of Courses 1-4: creation, dtypes, shapes, operations, in-place updates, memory shared with numpy, and the move to a GPU.
#
# ## Introduction
#
# Everything in Courses 1-4 was built from numpy arrays: `X` of shape (n_x, m), weights `W1`, images of
# shape (m, n_H, n_W, n_C). PyTorch's **tensor** is the same idea, an n-dimensional array of one data
# type, with two additions that the rest of this folder relies on:
#
# 1. it can live on a GPU, where the same operations run in parallel;
# 2. it can record the operations applied to it, so that gradients come for free (next notebook: autograd).
#
# This notebook follows the first part of PyTorch's "60-minute blitz" and maps every step to the numpy you
# already know.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from utils.exercises import show_solution
from utils.torch_figures import LAYOUT_OPS, apply_layout_op, draw_memory_layout
from utils.torch_nets import best_device, to_tensor_normalize
from utils.widgets import SliderPanel

_ = torch.manual_seed(0)
print("torch", torch.__version__, "| numpy", np.__version__)

# %% [markdown]
# ## Creating tensors
#
# From Python data or a numpy array, or from a shape. `torch.tensor` infers the dtype from the data;
# the `*_like` functions copy the shape (and dtype) of another tensor. Random tensors come from PyTorch's
# own generator, seeded with `torch.manual_seed`, just as `np.random.seed` seeded the course's numpy code.

# %%
# NBVAL_CHECK_OUTPUT
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float32)
print("from a list:\n", x_data)
print("ones_like:\n", x_ones)
print("rand_like, rounded:\n", x_rand.round(decimals=4))
print("from a shape:", torch.zeros(2, 3).shape, torch.arange(6).tolist(), torch.linspace(0, 1, 5).tolist())

# %% [markdown]
# Every tensor carries three attributes: its **shape**, its **dtype**, and the **device** it lives on.

# %%
# NBVAL_CHECK_OUTPUT
t = torch.rand(3, 4)
print(f"shape: {t.shape} | dtype: {t.dtype} | device: {t.device}")

# %% [markdown]
# ## Data types
#
# One difference from numpy matters at once: numpy's default float is **float64**, PyTorch's is **float32**
# (half the memory, and what GPUs are fast at). A tensor made from a numpy array keeps numpy's dtype, so
# convert explicitly when you mix them. Mixing dtypes in one operation promotes to the wider type, as numpy does.

# %%
# NBVAL_CHECK_OUTPUT
a64 = np.array([1.0, 2.0, 3.0])
print("numpy default float:", a64.dtype, "| torch default float:", torch.tensor([1.0, 2.0]).dtype)
print("from_numpy keeps it:", torch.from_numpy(a64).dtype, "| after .float():", torch.from_numpy(a64).float().dtype)
print("integers:", torch.tensor([1, 2]).dtype, "| int + float ->", (torch.tensor([1, 2]) + torch.tensor([0.5, 0.5])).dtype)
third = torch.tensor(1 / 3, dtype=torch.float64)
for dtype in (torch.float64, torch.float32, torch.float16, torch.bfloat16):
    print(f"1/3 as {str(dtype):15s} = {third.to(dtype).item():.10f}  ({torch.finfo(dtype).bits} bits)")

# %% [markdown]
# The last lines show why precision matters: float16 keeps about 3 significant digits. Mixed-precision
# training (Course 4's heavy notebooks on a GPU) computes in float16 but keeps float32 master weights.
#
# ## Shapes
#
# `reshape`/`view` change the shape without moving data (as `np.reshape`), `unsqueeze` adds an axis of size 1
# (numpy: `x[None]`), and `permute` reorders axes (numpy: `transpose`). The permutation you will need most:
# Course 4 stores images as (m, n_H, n_W, n_C), **channels last**; PyTorch's layers expect (N, C, H, W),
# **channels first**.

# %%
# NBVAL_CHECK_OUTPUT
images_nhwc = torch.rand(8, 32, 32, 3)            # Course 4 layout: (m, n_H, n_W, n_C)
images_nchw = images_nhwc.permute(0, 3, 1, 2)      # PyTorch layout: (N, C, H, W)
print("NHWC", tuple(images_nhwc.shape), "-> NCHW", tuple(images_nchw.shape))
print("flattened per example (like Course 1's X.T):", tuple(images_nchw.reshape(8, -1).shape))
print("unsqueeze(0):", tuple(torch.arange(3).unsqueeze(0).shape), "| unsqueeze(1):", tuple(torch.arange(3).unsqueeze(1).shape))
print("cat along dim 0:", tuple(torch.cat([torch.ones(2, 3), torch.zeros(4, 3)]).shape),
      "| stack:", tuple(torch.stack([torch.ones(2, 3), torch.zeros(2, 3)]).shape))
assert images_nchw[5, 2, 10, 20] == images_nhwc[5, 10, 20, 2]  # same numbers, other order

# %% [markdown]
# `permute` does not copy: it returns a **view** with other strides, which is why PyTorch sometimes asks for
# `.contiguous()` before `.view(...)`.

# %%
# NBVAL_CHECK_OUTPUT
print("strides NHWC:", images_nhwc.stride(), "| after permute:", images_nchw.stride(),
      "| contiguous?", images_nchw.is_contiguous())
print("same memory?", images_nchw.data_ptr() == images_nhwc.data_ptr())

# %% [markdown]
# ### Seeing the memory: storage, shape and strides
#
# A tensor is a flat block of memory (its **storage**) plus a recipe to read it as a grid: a **shape** and a
# **stride** per axis, the number of storage cells one step along that axis skips. Element (i, j) of a 2-D tensor
# lives at offset `storage_offset + i * stride[0] + j * stride[1]`. Take `x = torch.arange(12).reshape(3, 4)`:
# its values are their own offsets, so colouring every cell by the offset it reads shows where it comes from.
# The transpose reads the same 12 cells in another order (strides (1, 4) instead of (4, 1)): same colours,
# moved, and no copy.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.arange(12).reshape(3, 4)
fig = plt.figure(figsize=(9, 3.6))
print(draw_memory_layout(fig, x, x.T, "x.T"))
plt.show()
assert x.T.stride() == (1, 4) and x.T.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()

# %% [markdown]
# Now try it yourself. Choose the shape of `x` and an operation. What to look for:
#
# - **views** (`view`, `.T`, slicing, `expand`) keep the colours of `x`'s storage: only the strides change.
#   Slicing every other column doubles a stride; `expand` broadcasts a row with a stride of **0** (the same cell
#   read three times, which is how broadcasting costs no memory); the cells a view does not read are faded.
# - `x.T.view(-1)` is impossible: no single stride walks the transposed order through the storage, so PyTorch
#   refuses (the panel shows its message). `contiguous()` copies into a new storage first (grey: not `x`'s
#   memory), and `reshape` does that for you only when it must.
# - `x.view(3, -1)` needs `rows * cols` divisible by 3; move the sliders until it is not.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_layout(fig, rows, cols, operation):
    x = torch.arange(rows * cols).reshape(rows, cols)
    return draw_memory_layout(fig, x, apply_layout_op(x, operation), operation.split("  ")[0])


layout_panel = SliderPanel(draw_layout, {"rows": (1, 6, 1, 3), "cols": (1, 6, 1, 4), "operation": list(LAYOUT_OPS)},
                           figsize=(10, 4.2))
assert not layout_panel.message.value, layout_panel.message.value
layout_panel

# %% [markdown]
# ### Course 4's images, ready for PyTorch: `to_tensor_normalize`
#
# Photos arrive as **uint8** arrays of shape (m, n_H, n_W, n_C), values 0..255. A PyTorch network wants
# **float32** tensors of shape (N, C, H, W), and the blitz also normalizes every channel:
# $(x / 255 - \text{mean}) / \text{std}$, which with mean = std = 0.5 maps [0, 255] to [-1, 1].
# torchvision does this image by image (`ToTensor()` + `Normalize(mean, std)`); the workbook's
# `to_tensor_normalize` does it for a whole batch: a `permute` (channels first), a conversion to float in
# [0, 1], then the normalization, broadcasting per-channel `m` and `s` of shape (1, C, 1, 1). The training
# notebook feeds its images through the same arithmetic.

# %%
show_solution(to_tensor_normalize)

# %% [markdown]
# The same numbers as numpy's `transpose` and the formula, for a batch of 8 random "photos"; and one pixel
# followed through the conversion:

# %%
# NBVAL_CHECK_OUTPUT
photos = np.random.default_rng(5).integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)   # channels last
batch = to_tensor_normalize(photos)
print("uint8", photos.shape, "->", batch.dtype, tuple(batch.shape))
print(f"values in [{batch.min().item():.3f}, {batch.max().item():.3f}] (0 -> -1, 255 -> 1)")
print(f"image 5, pixel (10, 20), channel 2: {photos[5, 10, 20, 2]} -> ({photos[5, 10, 20, 2]} / 255 - 0.5) / 0.5 "
      f"= {batch[5, 2, 10, 20].item():.4f}")
by_numpy = (photos.transpose(0, 3, 1, 2) / 255 - 0.5) / 0.5
assert batch.dtype == torch.float32 and np.allclose(batch.numpy(), by_numpy, rtol=0, atol=1e-6)

# %% [markdown]
# ## Operations
#
# Over a hundred operations (arithmetic, linear algebra, reductions, indexing) follow numpy's names and
# broadcasting rules. `*` is elementwise and `@` is the matrix product, exactly as in numpy, so Course 1's
# vectorized forward pass `A = sigmoid(W @ X + b)` reads the same in both libraries.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
W_np, X_np, b_np = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(4, 1))
A_np = 1 / (1 + np.exp(-(W_np @ X_np + b_np)))                  # Course 1, numpy
W, X, b = (torch.from_numpy(a) for a in (W_np, X_np, b_np))
A = torch.sigmoid(W @ X + b)                                    # the same line in PyTorch
print("A:", tuple(A.shape), A.dtype, "| max |numpy - torch| < 1e-15:", bool(np.abs(A.numpy() - A_np).max() < 1e-15))
print("column sums, rounded:", A.sum(dim=0).round(decimals=3).tolist())
print("keepdim like numpy's keepdims:", tuple(A.sum(dim=1, keepdim=True).shape))
print("first row:", A[0].round(decimals=3).tolist(), "| last column:", A[:, -1].round(decimals=3).tolist())
print("argmax of each column:", A.argmax(dim=0).tolist())
assert np.allclose(A.numpy(), A_np, rtol=0, atol=1e-15)

# %% [markdown]
# ## In-place operations
#
# A method whose name ends in `_` changes its tensor **in place**: `x.add_(1)`, `x.mul_(2)`, `x.zero_()`.
# No new memory is allocated (the data pointer stays the same). Training loops use them to update
# weights and to reset gradients. The catch: autograd needs the values it saved for the backward pass, so
# PyTorch refuses in-place changes to a weight that requires gradients (run the cell to see the message).

# %%
# NBVAL_CHECK_OUTPUT
x = torch.ones(2, 3)
address = x.data_ptr()
x.add_(5).mul_(2)
print(x)
print("same memory after add_ and mul_:", x.data_ptr() == address)
w = torch.ones(3, requires_grad=True)
try:
    w.add_(1)
except RuntimeError as err:
    print("RuntimeError:", str(err).split("\n")[0])
with torch.no_grad():   # the way an optimizer updates weights: outside the graph
    w.sub_(0.1)
print("updated under no_grad:", [round(v, 4) for v in w.tolist()])

# %% [markdown]
# ## The numpy bridge: shared memory
#
# `tensor.numpy()` and `torch.from_numpy(array)` do **not** copy: the tensor and the array share one block of
# memory, so changing one changes the other. `torch.tensor(array)` copies. Look for which values change below.

# %%
# NBVAL_CHECK_OUTPUT
t = torch.ones(5)
n = t.numpy()                     # shares t's memory
t.add_(1)
print("after t.add_(1):       t =", t.tolist(), "| n =", n.tolist())
a = np.zeros(3)
shared, copied = torch.from_numpy(a), torch.tensor(a)
np.add(a, 7, out=a)
print("after np.add(a, 7, out=a): from_numpy =", shared.tolist(), "| torch.tensor =", copied.tolist())
print("np.shares_memory(t.numpy(), n):", np.shares_memory(t.numpy(), n))
assert n[0] == 2.0 and shared[0] == 7.0 and copied[0] == 0.0

# %% [markdown]
# ## Moving tensors to a GPU
#
# `tensor.to(device)` copies a tensor to another device; the operations then run there. The usual idiom picks
# the GPU when PyTorch sees one and the CPU otherwise, so the same notebook runs everywhere. The cell below
# times one large matrix product on the CPU and, when a GPU is present, on the GPU (the numbers are measured on
# the machine that ran this notebook).

# %%
device = best_device()
print("device:", device, "(a CUDA GPU)" if device.type == "cuda" else "(no CUDA GPU here: everything runs on the CPU)")


def matmul_seconds(dev: torch.device, n: int = 1024, repeats: int = 3) -> float:
    """Best-of-``repeats`` seconds for one (n, n) @ (n, n) float32 product on ``dev``."""
    a, b = torch.rand(n, n, device=dev), torch.rand(n, n, device=dev)
    best = float("inf")
    for _ in range(repeats + 1):   # the first run warms up (kernel selection, allocation)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        a @ b
        if dev.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


cpu_s = matmul_seconds(torch.device("cpu"))
print(f"1024x1024 matmul on the CPU: {cpu_s * 1e3:.1f} ms ({2 * 1024 ** 3 / cpu_s / 1e9:.1f} GFLOP/s)")
if device.type == "cuda":
    gpu_s = matmul_seconds(device)
    print(f"on {torch.cuda.get_device_name(0)}: {gpu_s * 1e3:.2f} ms, {cpu_s / gpu_s:.0f}x faster")
    t_gpu = torch.ones(3).to(device)
    print("a tensor on the GPU:", t_gpu, "| back on the CPU for numpy:", t_gpu.cpu().numpy())
else:
    print("No GPU measured: the GPU lines of this cell run only when torch.cuda.is_available().")

# %% [markdown]
# ## Conclusion
#
# - A tensor is numpy's n-dimensional array with a dtype, a shape and a **device**; names and broadcasting
#   follow numpy, but the default float is float32.
# - `permute` turns Course 4's channels-last images into PyTorch's channels-first ones without copying;
#   `to_tensor_normalize` adds the float conversion and the blitz's per-channel normalization.
# - Methods ending in `_` work in place; PyTorch refuses them on weights that need gradients unless you
#   are under `torch.no_grad()`, which is how optimizers update weights.
# - `.numpy()` and `torch.from_numpy` share memory; `torch.tensor` copies.
# - `.to(device)` moves data to a GPU when there is one.
#
# Next: **autograd**, the part of PyTorch that replaces every `*_backward` function you wrote by hand.
