# %% [markdown]
# # Neural networks: the blitz's CNN as an nn.Module
# > The blitz's LeNet-style network for 32x32 colour images as an nn.Module: its 62,006 parameters listed and counted, a loss, backward, one optimizer step, and PyTorch's conv2d checked against the Course 4 numpy conv_forward.
#
# ## Introduction
#
# Course 4 built a convolutional network out of numpy functions: `conv_forward`, `pool_forward`, and the
# matching backward passes. PyTorch packages such a network as an **`nn.Module`**: the layers that hold weights
# are created in `__init__`, and `forward` says how data flows through them. Autograd (previous notebook)
# provides the backward pass, and `torch.optim` the update rule.
#
# The blitz's network, which the next notebook trains on CIFAR-10, is a small LeNet-5:
#
# | layer | output shape (per image) |
# | --- | --- |
# | input | 3 x 32 x 32 |
# | conv 5x5, 6 filters + ReLU | 6 x 28 x 28 |
# | max-pool 2x2 | 6 x 14 x 14 |
# | conv 5x5, 16 filters + ReLU | 16 x 10 x 10 |
# | max-pool 2x2 | 16 x 5 x 5 = 400 |
# | fully connected 400 -> 120 -> 84 -> 10 (ReLU between) | 10 class scores |

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from utils.conv import conv_forward, pool_forward
from utils.exercises import show_solution
from utils.gradcheck import rel_error
from utils.torch_figures import draw_layers, layer_summary, make_blitz_net
from utils.torch_nets import Net, count_parameters, parameter_table
from utils.widgets import SliderPanel

_ = torch.manual_seed(0)

# %% [markdown]
# ## Defining the network
#
# The class lives in `utils/torch_nets.py` (the next notebooks reuse it); here is its code. `nn.Conv2d(3, 6, 5)`
# is a layer of six 5x5 filters over 3 input channels, `nn.Linear(400, 120)` a fully connected layer. The
# functions without weights (ReLU, pooling, flatten) are called in `forward`.

# %%
print(inspect.getsource(Net.__init__))
print(inspect.getsource(Net.forward))

# %% [markdown]
# Printing a module lists its layers; `named_parameters()` lists every weight tensor that the optimizer will
# update, in registration order. How many numbers is that? `model.parameters()` yields every weight **and
# bias** tensor, `p.numel()` is the number of values in one, and a tensor with `requires_grad=False` is
# **frozen**: the optimizer leaves it alone (transfer learning freezes layers this way), so by default it is
# not counted.

# %%
show_solution(count_parameters)

# %% [markdown]
# The blitz's network, layer by layer:

# %%
# NBVAL_CHECK_OUTPUT
net = Net()
print(net)
print()
for name, shape, n in parameter_table(net):
    print(f"{name:14s} {str(shape):18s} {n:6,d}")
print(f"{'total':33s} {count_parameters(net):6,d}")
assert count_parameters(net) == 62_006

# %% [markdown]
# Where does each number come from? A conv layer with $n_C$ filters of size $f \times f \times n_{C,prev}$ has
# $n_C (f^2 n_{C,prev} + 1)$ parameters (the +1 is the bias), a fully connected layer $n_{out}(n_{in} + 1)$.
# And 400 is the flattened output of the second pooling layer. The cell recomputes the total from these
# formulas and traces the shapes through the layers.

# %%
# NBVAL_CHECK_OUTPUT
by_formula = 6 * (5 * 5 * 3 + 1) + 16 * (5 * 5 * 6 + 1) + 120 * (400 + 1) + 84 * (120 + 1) + 10 * (84 + 1)
print("by the formulas:", f"{by_formula:,d}")
assert by_formula == count_parameters(net)
x = torch.randn(1, 3, 32, 32)
for name, layer in [("conv1 + relu", lambda t: F.relu(net.conv1(t))), ("pool", net.pool),
                    ("conv2 + relu", lambda t: F.relu(net.conv2(t))), ("pool", net.pool),
                    ("flatten", lambda t: torch.flatten(t, 1)), ("fc1 + relu", lambda t: F.relu(net.fc1(t))),
                    ("fc2 + relu", lambda t: F.relu(net.fc2(t))), ("fc3", net.fc3)]:
    x = layer(x)
    print(f"{name:13s} -> {tuple(x.shape)}")

# %% [markdown]
# The same trace as a picture: `layer_summary` runs one image through `make_blitz_net()` (the blitz's network
# with its sizes as arguments; the defaults are `Net`'s) and lists each layer's output shape and parameters.
# Look at where the parameters are: the activations are largest at the start (6 x 28 x 28 = 4,704 values per
# image), but the weights sit in the first fully connected layer, 400 x 120 + 120 = 48,120 of the 62,006.

# %%
# NBVAL_CHECK_OUTPUT
rows = layer_summary(make_blitz_net())
fig = plt.figure(figsize=(10, 4.2))
print(draw_layers(fig, rows))
plt.show()
assert sum(r.params for r in rows) == count_parameters(net) == 62_006

# %% [markdown]
# Now change the sizes. What to look for:
#
# - more filters in `conv1` or `conv2` cost few parameters in the conv layer itself ($n_C (f^2 n_{C,prev} + 1)$),
#   but `conv2`'s filters multiply the flattened features (conv2 x 5 x 5) and so `fc1`'s weights;
# - `fc1`'s width scales the largest layer linearly;
# - a larger `kernel` shrinks every feature map (32 -> 32 - f + 1 -> half, twice), so the flattened features and
#   `fc1`'s weights shrink; at 11x11 nothing is left after the second pooling and the panel says so.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_net(fig, conv1, conv2, kernel, fc1):
    return draw_layers(fig, layer_summary(make_blitz_net(conv1=conv1, conv2=conv2, fc1=fc1, kernel=kernel)))


layers_panel = SliderPanel(draw_net, {"conv1": (1, 32, 1, 6), "conv2": (1, 64, 1, 16), "kernel": (3, 11, 2, 5),
                                      "fc1": (8, 512, 8, 120)}, figsize=(10, 4.4), columns=4)
assert not layers_panel.message.value, layers_panel.message.value
layers_panel

# %% [markdown]
# Freezing the first convolution (as transfer learning would) removes its $6 (5 \cdot 5 \cdot 3 + 1) = 456$
# values from what the optimizer trains, but not from the model:

# %%
# NBVAL_CHECK_OUTPUT
net.conv1.requires_grad_(False)
print(f"conv1 frozen: {count_parameters(net):,d} trainable of {count_parameters(net, trainable_only=False):,d}")
assert count_parameters(net) == 62_006 - 456 and count_parameters(net, trainable_only=False) == 62_006
net.conv1.requires_grad_(True)

# %% [markdown]
# ## A forward pass, a loss, and backward
#
# PyTorch layers take a **mini-batch**: a single image must become a batch of one, shape (1, 3, 32, 32).
# As in the blitz, we compare the 10 outputs with a dummy target using the mean squared error (the next notebook
# trains with cross-entropy). The loss's `grad_fn` chain leads back through every layer.

# %%
# NBVAL_CHECK_OUTPUT
image = torch.randn(1, 3, 32, 32)
target = torch.randn(1, 10)
criterion = nn.MSELoss()
output = net(image)
loss = criterion(output, target)
print("output:", tuple(output.shape), "| loss is a scalar:", loss.dim() == 0)
fn, chain = loss.grad_fn, []
while fn is not None and len(chain) < 8:        # follow the data path back (skip the weights' branches)
    chain.append(type(fn).__name__)
    fn = next((c for c, _ in fn.next_functions
               if c is not None and type(c).__name__ not in ("AccumulateGrad", "TBackward0")), None)
print(" <- ".join(chain), "<- ...")

# %% [markdown]
# Before `backward` the gradients are `None` (or leftovers from an earlier step: zero them first).
# After it, every parameter has a `.grad` of its own shape.

# %%
# NBVAL_CHECK_OUTPUT
net.zero_grad()
print("conv1.bias.grad before backward:", net.conv1.bias.grad)
loss.backward()
print("conv1.bias.grad after backward: shape", tuple(net.conv1.bias.grad.shape),
      "| non-zero:", bool(net.conv1.bias.grad.abs().sum() > 0))
assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())

# %% [markdown]
# ## Updating the weights
#
# The simplest rule is Course 1's gradient descent, `weight = weight - learning_rate * gradient`, done under
# `no_grad` so the update is not recorded. `torch.optim` holds that rule and the Course 2 refinements (momentum,
# RMSprop, Adam) behind one interface: `zero_grad()`, `backward()`, `step()`. One step on this fixed input must
# lower the loss.

# %%
# NBVAL_CHECK_OUTPUT
learning_rate = 0.01
with torch.no_grad():                               # gradient descent by hand
    for p in net.parameters():
        p -= learning_rate * p.grad
loss_after_manual = criterion(net(image), target).item()

optimizer = torch.optim.SGD(net.parameters(), lr=learning_rate)
optimizer.zero_grad()                               # the training loop's four lines
loss_before = criterion(net(image), target)
loss_before.backward()
optimizer.step()
loss_after = criterion(net(image), target).item()
print(f"loss went down after the manual step: {loss_after_manual < loss.item()}")
print(f"loss went down after optimizer.step(): {loss_after < loss_before.item()}")
assert loss_after_manual < loss.item() and loss_after < loss_before.item()

# %%
print(f"loss: {loss.item():.4f} -> {loss_after_manual:.4f} (manual step) -> {loss_after:.4f} (optimizer step)")

# %% [markdown]
# ## PyTorch's conv2d is Course 4's conv_forward
#
# `torch.nn.functional.conv2d` computes the same cross-correlation as the numpy `conv_forward` of Course 4, but the
# two store their arrays differently, and the conversions are the only thing to get right:
#
# | | Course 4 (`utils.conv`) | PyTorch |
# | --- | --- | --- |
# | input | (m, n_H, n_W, n_C): channels **last** | (N, C, H, W): channels **first** |
# | filters | W of shape (f, f, n_C_prev, n_C) | weight of shape (n_C, n_C_prev, f, f) |
# | bias | b of shape (1, 1, 1, n_C) | bias of shape (n_C,) |
# | stride, padding | `{"stride": s, "pad": p}` | `stride=s, padding=p` |
#
# We run both on the same random inputs, in float64, for several strides and paddings.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(0)
for (m, n_H, n_C_prev, n_C, f, stride, pad) in [(2, 7, 3, 4, 3, 1, 0), (2, 9, 3, 8, 3, 2, 1),
                                                (4, 11, 5, 2, 5, 1, 2), (1, 32, 3, 6, 5, 1, 0)]:
    A_prev = rng.normal(size=(m, n_H, n_H, n_C_prev))
    W = rng.normal(size=(f, f, n_C_prev, n_C))
    b = rng.normal(size=(1, 1, 1, n_C))
    Z_numpy, _ = conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
    Z_torch = F.conv2d(torch.from_numpy(A_prev).permute(0, 3, 1, 2),      # NHWC -> NCHW
                       torch.from_numpy(W).permute(3, 2, 0, 1),            # (f, f, C_prev, C) -> (C, C_prev, f, f)
                       torch.from_numpy(b).reshape(-1), stride=stride, padding=pad)
    Z_torch = Z_torch.permute(0, 2, 3, 1).numpy()                         # back to NHWC
    err = rel_error(Z_numpy, Z_torch)
    print(f"A_prev {A_prev.shape}, W {W.shape}, stride {stride}, pad {pad} -> Z {Z_numpy.shape}: "
          f"relative error < 1e-10: {err < 1e-10}")
    assert Z_numpy.shape == Z_torch.shape and err < 1e-10, err

# %% [markdown]
# ## The network's first half, run by your numpy code
#
# The same conversion works for a trained layer: take `net.conv1` and `net.conv2`'s weights, put them in the
# course's layout, and run conv -> ReLU -> max-pool twice with `utils.conv`. The feature maps must equal the
# `nn.Module`'s, up to float32 rounding (the network's weights are float32).

# %%
# NBVAL_CHECK_OUTPUT
def to_course(conv: nn.Conv2d) -> tuple[np.ndarray, np.ndarray]:
    """An nn.Conv2d's weight (C, C_prev, f, f) and bias (C,) as Course 4's W (f, f, C_prev, C) and b (1, 1, 1, C)."""
    W = conv.weight.detach().permute(2, 3, 1, 0).double().numpy()
    b = conv.bias.detach().double().numpy().reshape(1, 1, 1, -1)
    return W, b


images = torch.randn(3, 3, 32, 32)
A = images.permute(0, 2, 3, 1).double().numpy()      # (3, 32, 32, 3), channels last
for conv in (net.conv1, net.conv2):
    W, b = to_course(conv)
    Z, _ = conv_forward(A, W, b, {"stride": 1, "pad": 0})
    A, _ = pool_forward(np.maximum(Z, 0), {"f": 2, "stride": 2}, mode="max")
with torch.no_grad():
    features = net.pool(F.relu(net.conv2(net.pool(F.relu(net.conv1(images))))))
err = np.abs(A - features.permute(0, 2, 3, 1).double().numpy()).max()
print("numpy features:", A.shape, "| torch features (NCHW):", tuple(features.shape))
print(f"max |numpy - torch| < 1e-5: {err < 1e-5}")
assert err < 1e-5

# %% [markdown]
# ## Conclusion
#
# - An `nn.Module` declares its weighted layers in `__init__` and the data flow in `forward`; PyTorch finds
#   every parameter (62,006 here, by the formulas $n_C(f^2 n_{C,prev} + 1)$ and $n_{out}(n_{in}+1)$);
#   `count_parameters` adds up `p.numel()` over the trainable (not frozen) tensors, biases included.
# - A training step is four lines: `zero_grad()`, forward + loss, `backward()`, `optimizer.step()`.
# - `F.conv2d` equals Course 4's `conv_forward` once the layouts are converted: channels first, filters as
#   (n_C, n_C_prev, f, f), bias as a vector; the whole conv/pool half of the network agrees with the numpy code.
#
# Next: training this network on CIFAR-10 (or, offline, on a stand-in) and measuring what it learned.
