# %% [markdown]
# # On the GPU, and beyond one GPU: data parallelism
# > The same training on cuda when a GPU is present (speed measured on the machine that ran it), then data parallelism with nn.DataParallel and DistributedDataParallel, run here on one device and two CPU processes: the averaged shard gradients equal the full-batch gradient.
#
# ## Introduction
#
# The blitz's last part has two lessons.
#
# 1. **One GPU**: move the network and every batch to the device (`net.to(device)`, `x.to(device)`); nothing
#    else changes.
# 2. **Several GPUs: data parallelism.** Every device holds a copy of the network and gets a slice of each
#    mini-batch; the gradients are averaged across devices, and every copy takes the same step. PyTorch offers
#    `nn.DataParallel` (one process drives all GPUs) and `DistributedDataParallel` (one process per device,
#    the recommended way, and the only one that works across machines).
#
# Everything below runs on a laptop without a GPU: where there is no GPU, the notebook says so and shows the
# same mechanics on the CPU.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from utils.cifar import make_standin
from utils.exercises import show_solution
import ipywidgets as widgets

from utils.torch_figures import draw_data_parallel, split_batch
from utils.torch_nets import (Net, best_device, data_parallel, data_parallel_gradient, ddp_gradients, evaluate,
                              make_loader, time_training, train)
from utils.widgets import SliderPanel

torch.set_num_threads(1)
_ = torch.manual_seed(0)

# %% [markdown]
# ## Which device?

# %%
device = best_device()
if device.type == "cuda":
    print(f"PyTorch sees {torch.cuda.device_count()} GPU(s):",
          ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())))
else:
    print("No CUDA GPU here: this run uses the CPU only. The GPU cells below measure the CPU and say so.")

# %% [markdown]
# ## The same training on the device
#
# The only changes to the blitz's loop are `net.to(device)` and moving each batch with `.to(device)`, both of
# which `utils.torch_nets.train` does. Here: three epochs on 2,000 images of the offline stand-in (see the previous
# notebook), to show the loop runs on the device at hand.

# %%
small = make_standin(n_train=2_000, n_test=500, seed=1)
net = Net().to(device)
history = train(net, make_loader(small.x_train, small.y_train, batch_size=4, seed=0), epochs=3, device=device,
                log_every=100)
acc = evaluate(net, make_loader(small.x_test, small.y_test, batch_size=500, shuffle=False), device=device).accuracy
print(f"trained on {device} in {history.seconds:.1f} s; test accuracy after 3 epochs: {100 * acc:.1f} % (chance: 10 %)")
assert next(net.parameters()).device.type == device.type and acc > 0.2

# %% [markdown]
# ## How much faster?
#
# We time training steps of a fresh network on random batches (the data do not matter for speed), for the
# blitz's batch size of 4 and for 64. A GPU runs thousands of arithmetic units in parallel, so it shines when
# each step has much work: with batches of 4 and a network this small, most of the time goes into launching
# kernels and the speed-up is modest; larger batches use the device better. The numbers are measured on the
# machine that ran this notebook.

# %%
speeds = {}
for bs in (4, 64):
    speeds[("cpu", bs)] = time_training(Net, "cpu", batch_size=bs, steps=40 if bs == 4 else 15)
    if device.type == "cuda":
        speeds[("cuda", bs)] = time_training(Net, device, batch_size=bs, steps=200 if bs == 4 else 100)
for (dev, bs), ips in speeds.items():
    print(f"{dev:4s} batch {bs:3d}: {ips:9,.0f} images/s")
if device.type == "cuda":
    for bs in (4, 64):
        print(f"GPU speed-up at batch {bs}: {speeds[('cuda', bs)] / speeds[('cpu', bs)]:.1f}x")
else:
    print("CPU only: no GPU to compare with on this machine.")

# %% [markdown]
# ## Data parallelism: the idea in five lines
#
# Split a mini-batch of $B$ examples into $k$ shards of $B/k$. Because the loss is an **average** over examples,
# the gradient of the whole batch is the average of the shards' gradients:
#
# $$\nabla_W \frac{1}{B}\sum_{i=1}^{B} \mathcal{L}_i = \frac{1}{k}\sum_{s=1}^{k} \nabla_W \frac{1}{B/k}\sum_{i \in s} \mathcal{L}_i .$$
#
# So $k$ devices can each take one shard, compute a gradient, **average** the gradients (an "all-reduce"), and
# take the same SGD step: the result is the step one big device would have taken. `data_parallel_gradient`
# plays all $k$ devices in turn on one device: for each shard, clear the gradients, backward the shard's mean
# loss, flatten the gradients into one vector; then average the $k$ vectors (the all-reduce).

# %%
show_solution(data_parallel_gradient)

# %% [markdown]
# The check: on a batch of 8, two and four "devices" give the gradient of the whole batch.

# %%
# NBVAL_CHECK_OUTPUT
net = Net()
x, y = torch.randn(8, 3, 32, 32), torch.arange(8) % 10


def gradients(model, x, y):
    """The gradient of the mean cross-entropy on (x, y), as a flat vector."""
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


full = gradients(net, x, y)
for k in (2, 4):
    averaged = data_parallel_gradient(net, x, y, n_shards=k)      # k "devices", 8 / k examples each
    print(f"{full.numel():,d} gradient values; average of the {k} shard gradients == full-batch gradient:",
          torch.allclose(averaged, full, atol=1e-6))
    assert torch.allclose(averaged, full, atol=1e-6)

# %% [markdown]
# ## Batch size against throughput, and the split of a batch across devices
#
# How a batch is split matters for speed. `nn.DataParallel` scatters a batch with `torch.chunk` along the first
# axis: $k$ devices get about $B/k$ examples each (`split_batch` gives the sizes; the last shard may be smaller):

# %%
# NBVAL_CHECK_OUTPUT
for b, k in ((8, 2), (10, 4), (64, 3)):
    print(f"a batch of {b} over {k} devices: shards of {split_batch(b, k)}")
assert split_batch(10, 4) == [len(c) for c in torch.arange(10).chunk(4)]

# %% [markdown]
# Each device then trains on its shard, and its throughput depends on the shard's size. We measure one device's
# training throughput (images per second, this notebook's CPU with one thread) for batch sizes 1 to 128, once, here.
# The numbers vary from machine to machine and with the machine's load.

# %%
throughput = {bs: time_training(Net, "cpu", batch_size=bs, steps=max(4, 64 // bs)) for bs in (1, 2, 4, 8, 16, 32, 64, 128)}
for bs, ips in throughput.items():
    print(f"batch {bs:4d}: {ips:8,.0f} images/s")

# %% [markdown]
# A batch of 128 over 4 devices, drawn once: left, which device gets which example (32 each, in order, as
# `torch.chunk` splits it); right, the measured throughput of one device, and where each device's shard of 32
# sits on it. Four devices at best train four times what one device trains *at a batch of 32*, not at 128.

# %%
fig = plt.figure(figsize=(10, 3.8))
print(draw_data_parallel(fig, 128, 4, throughput))
plt.show()

# %% [markdown]
# Move the batch size and the number of devices. What to look for:
#
# - one device's throughput (blue) grows with the batch size and then flattens: a small batch leaves the device
#   waiting on per-step overheads;
# - $k$ devices at best multiply the throughput of one device **at the shard size** $B/k$ (the dashed line; the ring marks the shard): splitting a
#   small batch over many devices gives each a tiny shard, and most of the gain is lost before any
#   communication is counted; that is why data-parallel training grows the batch with the devices;
# - a batch smaller than the number of devices leaves some devices without work, and the panel says so.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_split(fig, batch_size, devices):
    return draw_data_parallel(fig, batch_size, devices, throughput)


split_panel = SliderPanel(draw_split, {
    "batch_size": widgets.SelectionSlider(options=list(throughput), value=32, description="batch_size"),
    "devices": (1, 8, 1, 4)}, figsize=(10, 3.8))
assert not split_panel.message.value, split_panel.message.value
split_panel

# %% [markdown]
# ## nn.DataParallel
#
# `nn.DataParallel(net)` does the above inside one process: each forward pass scatters the batch over the
# GPUs, runs a replica of the network on each, and gathers the outputs on the first GPU; `backward` then sums
# the replicas' gradients into the original network. `utils.torch_nets.data_parallel` wraps the network only when
# there are several GPUs, moves it to the GPU when there is one, and leaves it on the CPU otherwise. Without GPUs
# `nn.DataParallel` simply calls the network, so code written for it still runs.

# %%
# NBVAL_CHECK_OUTPUT
model, how = data_parallel(Net())
net = net.to(device)
wrapped = nn.DataParallel(net)            # replicas on every visible GPU; on a CPU it just calls net
with torch.no_grad():
    same = torch.allclose(wrapped(x.to(device)), net(x.to(device)), atol=1e-5)
print("nn.DataParallel(net)(x) equals net(x):", same)
assert same

# %%
print(how)

# %% [markdown]
# ## DistributedDataParallel, with two CPU processes
#
# `DistributedDataParallel` (DDP) runs **one process per device**. Each process builds the same network, reads
# its own shard of every batch, and during `backward` the processes all-reduce (average) their gradients; then each
# takes the same optimizer step, so the copies stay identical. On GPUs the processes talk through NCCL; on
# CPUs through the `gloo` backend, which lets us run it here: `ddp_gradients` starts two CPU processes, gives
# each half of the batch of 8, and returns the gradients after DDP's all-reduce. They must equal the
# full-batch gradient of one process. (Starting the processes takes a few seconds: each imports PyTorch.)

# %%
# NBVAL_CHECK_OUTPUT
net = Net()
reference = {name: g for name, g in zip([n for n, _ in net.named_parameters()],
                                        torch.split(gradients(net, x, y), [p.numel() for p in net.parameters()]))}
ddp = ddp_gradients(net.state_dict(), x, y, world_size=2)
worst = max((ddp[name].reshape(-1) - g).abs().max().item() for name, g in reference.items())
print(f"DDP with 2 processes x 4 examples == one process x 8 examples, for all {len(ddp)} parameter tensors:",
      worst < 1e-6)
assert worst < 1e-6

# %% [markdown]
# On real hardware you would not call `spawn` from a notebook but write a script and launch one process per GPU
# with `torchrun --nproc_per_node=4 train.py`. The script's changes to the blitz's loop are few:
#
# ```python
# torch.distributed.init_process_group("nccl")                     # torchrun sets rank and world size
# local_rank = int(os.environ["LOCAL_RANK"])
# net = DistributedDataParallel(Net().to(local_rank), device_ids=[local_rank])
# sampler = DistributedSampler(trainset)                           # each process reads its own shard
# loader = DataLoader(trainset, batch_size=4, sampler=sampler)
# for epoch in range(2):
#     sampler.set_epoch(epoch)                                     # a new shuffle every epoch
#     ...                                                          # the usual loop, unchanged
# ```
#
# With $k$ GPUs each step processes $k$ mini-batches, so the effective batch is $k$ times larger; the usual
# practice is to scale the learning rate with it (or keep the global batch fixed).

# %% [markdown]
# ## Conclusion
#
# - One GPU: `net.to(device)` and `batch.to(device)`; the speed-up grows with the work per step, and this
#   notebook measured it on the machine that ran it (or said that there was no GPU).
# - Data parallelism averages the gradients of batch shards, which equals the full batch's gradient (checked).
# - `nn.DataParallel` does it in one process and degrades to the plain network without GPUs;
#   `DistributedDataParallel` uses one process per device, and gave the same gradients here with two CPU
#   processes over `gloo`.
