"""PyTorch for the 60-minute blitz: the blitz's CIFAR-10 network, data loaders, training, evaluation,
and data parallelism that degrades to one device.

Images arrive from ``utils.cifar`` as uint8 (N, 32, 32, 3), channels last; PyTorch wants float
(N, 3, 32, 32), channels first. ``to_tensor_normalize`` does that conversion for a whole array at once,
exactly as torchvision's ``ToTensor()`` + ``Normalize(mean, std)`` do image by image (torchvision is
optional: ``blitz_transform`` uses it when installed).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from utils.validation import as_array, check_finite, check_positive_int, check_range

#: The blitz normalizes every channel to [-1, 1]: (x - 0.5) / 0.5 after scaling to [0, 1].
BLITZ_MEAN = (0.5, 0.5, 0.5)
BLITZ_STD = (0.5, 0.5, 0.5)


class Net(nn.Module):
    """The blitz's CIFAR-10 classifier (62,006 parameters).

    conv 3->6 (5x5) -> ReLU -> max-pool 2 -> conv 6->16 (5x5) -> ReLU -> max-pool 2 -> flatten (16*5*5 = 400)
    -> fc 400->120 -> ReLU -> fc 120->84 -> ReLU -> fc 84->10 (class scores, no softmax).
    Input: x of shape (N, 3, 32, 32). Returns: scores of shape (N, 10).
    """

    def __init__(self, n_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (3, 32, 32):
            raise ValueError(f"Net expects x of shape (N, 3, 32, 32), got {tuple(x.shape)}")
        x = self.pool(F.relu(self.conv1(x)))   # (N, 6, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))   # (N, 16, 5, 5)
        x = torch.flatten(x, 1)                # (N, 400)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """The number of scalar parameters in ``model``: every weight and every bias value.

    Inputs:
    - model: an nn.Module; ``model.parameters()`` yields its weight and bias tensors (``p.numel()`` values each).
    - trainable_only: count only the tensors the optimizer updates (``p.requires_grad``); False: count all,
      frozen ones included.
    Returns: total, an int.
    """
    ### BEGIN SOLUTION
    total = 0
    for p in model.parameters():
        if p.requires_grad or not trainable_only:
            total += p.numel()
    ### END SOLUTION
    return total


def parameter_table(model: nn.Module) -> list[tuple[str, tuple[int, ...], int]]:
    """One row per parameter tensor: (name, shape, number of values), in registration order."""
    return [(name, tuple(p.shape), p.numel()) for name, p in model.named_parameters()]


# --- autograd against a gradient by hand ------------------------------------------------------------------------

def chain_rule_example(theta: Any) -> float:
    """f(theta) = sum(theta * tanh(theta ** 2)), the scalar function of the autograd notebook.

    Inputs: theta, an array of any shape (or a scalar). Returns: f, a float.
    """
    theta = as_array(theta, "theta")
    return float(np.sum(theta * np.tanh(theta ** 2)))


def chain_rule_example_gradient(theta: Any) -> np.ndarray:
    """The gradient of ``chain_rule_example`` by hand, as Course 1's backward passes are written.

    f = sum(theta * u) with u = tanh(v) and v = theta ** 2, so by the product rule and the chain rule
    df/dtheta = u + theta * (1 - u ** 2) * 2 * theta   (tanh'(v) = 1 - tanh(v) ** 2, dv/dtheta = 2 theta).
    Inputs: theta, an array of any shape (or a scalar). Returns: grad, float array of theta's shape.
    """
    theta = as_array(theta, "theta")
    ### BEGIN SOLUTION
    v = theta ** 2
    u = np.tanh(v)
    du_dv = 1 - u ** 2                    # tanh'(v)
    dv_dtheta = 2 * theta                 # the chain rule's inner factor
    grad = u + theta * du_dv * dv_dtheta  # product rule: d(theta)/dtheta * u + theta * du/dtheta
    ### END SOLUTION
    return grad


# --- data ---------------------------------------------------------------------------------------------------

def _check_mean_std(mean: Sequence[float], std: Sequence[float], channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    m = torch.as_tensor(mean, dtype=torch.float32).reshape(-1)
    s = torch.as_tensor(std, dtype=torch.float32).reshape(-1)
    if m.numel() != channels or s.numel() != channels:
        raise ValueError(f"mean and std need one value per channel ({channels}), got {m.numel()} and {s.numel()}")
    if (s <= 0).any():
        raise ValueError(f"std must be positive, got {s.tolist()}")
    return m.reshape(1, -1, 1, 1), s.reshape(1, -1, 1, 1)


def to_tensor_normalize(images: Any, mean: Sequence[float] = (0.5, 0.5, 0.5),
                        std: Sequence[float] = (0.5, 0.5, 0.5)) -> torch.Tensor:
    """uint8 images, channels last, to a normalized float tensor, channels first.

    Inputs:
    - images: uint8 array of shape (N, H, W, C) (or one image (H, W, C)), values 0..255.
    - mean, std: one value per channel, applied after scaling to [0, 1] (default: the blitz's BLITZ_MEAN,
      BLITZ_STD, 0.5 each).
    Returns: float32 tensor of shape (N, C, H, W) (or (C, H, W)) holding (x / 255 - mean) / std,
    the same numbers torchvision's ToTensor() + Normalize(mean, std) give.

    Inside, ``x`` starts as the uint8 tensor (N, H, W, C) and ``m``, ``s`` are float32 tensors of shape
    (1, C, 1, 1) that broadcast over a channels-first batch.
    """
    arr = np.asarray(images)
    if arr.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (values 0..255), got dtype {arr.dtype}")
    single = arr.ndim == 3
    if single:
        arr = arr[None]
    if arr.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C) or (H, W, C), got shape {arr.shape}")
    m, s = _check_mean_std(mean, std, arr.shape[-1])   # float32 tensors of shape (1, C, 1, 1)
    x = torch.from_numpy(np.ascontiguousarray(arr))       # uint8 tensor (N, H, W, C)
    ### BEGIN SOLUTION
    x = x.permute(0, 3, 1, 2).float() / 255               # channels first, float32 in [0, 1]
    x = (x - m) / s                                        # subtract the mean, then divide by the std
    ### END SOLUTION
    x = x.contiguous()
    return x[0] if single else x


def has_torchvision() -> bool:
    """Whether torchvision can be imported (it is optional in this workbook)."""
    try:
        import torchvision  # noqa: F401
    except ImportError:
        return False
    return True


def blitz_transform(mean: Sequence[float] = BLITZ_MEAN, std: Sequence[float] = BLITZ_STD) -> Callable:
    """The blitz's per-image transform: torchvision's ``Compose([ToTensor(), Normalize(mean, std)])``
    when torchvision is installed, else an equivalent function (uint8 (H, W, C) -> float (C, H, W))."""
    if has_torchvision():
        import torchvision.transforms as T

        return T.Compose([T.ToTensor(), T.Normalize(mean, std)])
    return lambda image: to_tensor_normalize(image, mean, std)


class NormalizeBatch:
    """A DataLoader ``collate_fn``: stack uint8 (C, H, W) images and their labels, then compute
    (x / 255 - mean) / std per channel, the arithmetic of ``to_tensor_normalize``, one mini-batch at a time."""

    def __init__(self, mean: Sequence[float] = BLITZ_MEAN, std: Sequence[float] = BLITZ_STD):
        self.mean, self.std = _check_mean_std(mean, std, len(mean))

    def __call__(self, batch: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.stack([item[0] for item in batch]).to(torch.float32).div(255)
        return x.sub(self.mean).div(self.std), torch.stack([item[1] for item in batch])


def make_loader(images: Any, labels: Any, batch_size: int = 4, shuffle: bool = True, seed: int = 0,
                mean: Sequence[float] = BLITZ_MEAN, std: Sequence[float] = BLITZ_STD) -> DataLoader:
    """A DataLoader over numpy arrays that normalizes each mini-batch as it is served.

    The images stay uint8 in memory (CIFAR-10's 50,000 training images: 150 MB instead of 600 MB as floats).
    Inputs:
    - images: uint8 (N, H, W, C); labels: integers in 0..n_classes-1, shape (N,).
    - batch_size: examples per mini-batch (the blitz uses 4).
    - shuffle: reshuffle every epoch, with a generator seeded by ``seed`` (reproducible order).
    - mean, std: per-channel normalization after scaling to [0, 1] (the blitz: 0.5 and 0.5).
    Returns: a DataLoader yielding (x of shape (batch, C, H, W) float32, y of shape (batch,) int64).
    """
    arr = np.asarray(images)
    if arr.dtype != np.uint8 or arr.ndim != 4:
        raise ValueError(f"images must be uint8 of shape (N, H, W, C), got {arr.dtype} of shape {arr.shape}")
    collate = NormalizeBatch(mean, std)
    if len(collate.mean.reshape(-1)) != arr.shape[-1]:
        raise ValueError(f"mean and std need one value per channel ({arr.shape[-1]}), got {len(mean)}")
    x = torch.from_numpy(np.ascontiguousarray(arr.transpose(0, 3, 1, 2)))
    y = torch.as_tensor(as_array(labels, "labels", ndim=1, dtype=np.int64))
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"got {x.shape[0]} images but {y.shape[0]} labels: need one label per image")
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=check_positive_int(batch_size, "batch_size"),
                      shuffle=shuffle, generator=generator, collate_fn=collate)


# --- training and evaluation -----------------------------------------------------------------------------------

def train_step(net: nn.Module, x: torch.Tensor, y: torch.Tensor, optimizer: torch.optim.Optimizer,
               criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> float:
    """One step of the blitz's training loop on the mini-batch (x, y): the four lines of every loop.

    Inputs:
    - net: the model, on the device of x and y.
    - x: inputs of shape (B, C, H, W); y: class labels of shape (B,), int64.
    - optimizer: e.g. ``torch.optim.SGD(net.parameters(), lr, momentum)``; ``optimizer.step()`` updates net's
      parameters in place from their ``.grad``, and ``optimizer.zero_grad()`` clears those gradients.
    - criterion: the loss, e.g. ``nn.CrossEntropyLoss()``; ``criterion(scores, y)`` is a 0-d tensor.
    Returns: the mini-batch's loss (computed before the update) as a Python float.
    """
    ### BEGIN SOLUTION
    optimizer.zero_grad()         # gradients accumulate: clear the previous step's
    loss = criterion(net(x), y)   # forward pass and loss
    loss.backward()               # autograd fills every parameter's .grad
    optimizer.step()              # the update, e.g. W = W - lr * dW
    ### END SOLUTION
    return loss.item()


@dataclass
class TrainHistory:
    """What ``train`` records: the mean loss over every ``log_every`` batches, and per epoch."""

    running_loss: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    log_every: int = 1
    seconds: float = 0.0
    examples: int = 0


def train(net: nn.Module, loader: DataLoader, epochs: int = 2, lr: float = 0.001, momentum: float = 0.9,
          device: str | torch.device = "cpu", optimizer: torch.optim.Optimizer | None = None,
          criterion: nn.Module | None = None, progress: bool = True, log_every: int = 200) -> TrainHistory:
    """The blitz's training loop: cross-entropy, SGD with momentum, mini-batches, a progress bar.

    Inputs:
    - net: the model (moved to ``device``); loader: yields (x (B, C, H, W), y (B,)).
    - epochs: passes over the loader; lr, momentum: for the default optimizer ``SGD(lr, momentum)``.
    - device: "cpu", "cuda", ...; optimizer, criterion: override the defaults.
    - progress: show a tqdm bar over the batches of each epoch.
    - log_every: record the mean loss of every ``log_every`` batches.
    Returns: a TrainHistory. Raises DivergenceError as soon as a batch's loss is NaN or infinite.
    """
    from tqdm.auto import tqdm

    epochs = check_positive_int(epochs, "epochs")
    log_every = check_positive_int(log_every, "log_every")
    check_range(lr, "lr", 0, None, low_inclusive=False)
    check_range(momentum, "momentum", 0, 1, high_inclusive=False)
    net.to(device)
    net.train()
    criterion = criterion or nn.CrossEntropyLoss()
    optimizer = optimizer or torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    history = TrainHistory(log_every=log_every)
    start = time.perf_counter()
    step = 0
    for epoch in range(epochs):
        running, total, batches = 0.0, 0.0, 0
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", disable=not progress, leave=True)
        for x, y in bar:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            loss = train_step(net, x, y, optimizer, criterion)
            value = check_finite(loss, step, hint=f"lr={lr} is too high for this model; try a smaller one")
            running += value
            total += value
            batches += 1
            step += 1
            history.examples += len(y)
            if batches % log_every == 0:
                history.running_loss.append(running / log_every)
                bar.set_postfix(loss=f"{running / log_every:.3f}")
                running = 0.0
        bar.close()
        history.epoch_loss.append(total / max(batches, 1))
    history.seconds = time.perf_counter() - start
    return history


def loss_curve_grid(net_factory: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor,
                    lrs: Sequence[float], momenta: Sequence[float], steps: int = 500, batch_size: int = 4,
                    log_every: int = 25, seed: int = 0) -> dict[tuple[float, float], np.ndarray]:
    """Train a fresh copy of the same network for every (learning rate, momentum) pair, for a precomputed grid.

    Inputs:
    - net_factory: builds the network; it is called once, under ``torch.manual_seed(seed)``, and every run starts
      from a copy of those weights.
    - x: training inputs (N, ...); y: labels (N,). Every run sees the same ``steps`` mini-batches of
      ``batch_size`` (one seeded order), with SGD(lr, momentum) on the cross-entropy.
    - log_every: record the mean loss of every ``log_every`` steps.
    Returns: (lr, momentum) -> curve of shape (steps // log_every,); after a NaN or infinite loss (divergence)
    the rest of the curve is NaN.
    """
    import copy

    steps, batch_size = check_positive_int(steps, "steps"), check_positive_int(batch_size, "batch_size")
    log_every = check_positive_int(log_every, "log_every")
    if len(x) != len(y) or len(x) < batch_size:
        raise ValueError(f"x and y must hold the same number of examples, at least batch_size={batch_size}; "
                         f"got {len(x)} and {len(y)}")
    torch.manual_seed(seed)
    start = net_factory()
    gen = torch.Generator().manual_seed(seed)
    order = torch.cat([torch.randperm(len(x), generator=gen) for _ in range(steps * batch_size // len(x) + 1)])
    batches = order[:steps * batch_size].reshape(steps, batch_size)
    curves = {}
    for lr in lrs:
        check_range(lr, "lr", 0, None, low_inclusive=False)
        for momentum in momenta:
            check_range(momentum, "momentum", 0, 1, high_inclusive=False)
            net = copy.deepcopy(start)
            opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
            losses = np.full(steps, np.nan)
            for i, idx in enumerate(batches):
                losses[i] = train_step(net, x[idx], y[idx], opt, F.cross_entropy)
                if not np.isfinite(losses[i]):
                    losses[i:] = np.nan
                    break
            curves[(lr, momentum)] = losses[:steps // log_every * log_every].reshape(-1, log_every).mean(axis=1)
    return curves


@torch.no_grad()
def predict(net: nn.Module, loader: DataLoader, device: str | torch.device = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Run ``net`` in eval mode over ``loader``. Returns (y_true (N,), y_pred (N,)) as int64 numpy arrays."""
    net.to(device)
    net.eval()
    true, pred = [], []
    for x, y in loader:
        scores = net(x.to(device))
        pred.append(scores.argmax(dim=1).cpu())
        true.append(y)
    return torch.cat(true).numpy().astype(np.int64), torch.cat(pred).numpy().astype(np.int64)


def per_class_accuracy(confusion: Any) -> np.ndarray:
    """Accuracy of each class from a confusion matrix (rows: true class, columns: predicted class).

    Inputs:
    - confusion: (n_classes, n_classes) counts; confusion[i, j] = test examples of class i predicted as j.
    Returns: acc of shape (n_classes,), float: correct / examples of that class (the recall of each class);
    NaN for a class with no examples.
    """
    cm = as_array(confusion, "confusion", ndim=2)
    if cm.shape[0] != cm.shape[1]:
        raise ValueError(f"confusion must be square (n_classes, n_classes), got shape {cm.shape}")
    ### BEGIN SOLUTION
    correct = np.diag(cm)                 # cm[k, k]: examples of class k predicted as k
    support = cm.sum(axis=1)              # row sums: how many examples of each true class
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(support > 0, correct / support, np.nan)
    ### END SOLUTION
    return acc


@dataclass
class Evaluation:
    """Overall accuracy (a fraction), per-class accuracy (n_classes,), confusion matrix
    (n_classes, n_classes) with rows = true class and columns = predicted class, and the predictions."""

    accuracy: float
    per_class: np.ndarray
    confusion: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray


def evaluate(net: nn.Module, loader: DataLoader, n_classes: int = 10,
             device: str | torch.device = "cpu") -> Evaluation:
    """Overall and per-class accuracy and the confusion matrix of ``net`` on ``loader``."""
    n_classes = check_positive_int(n_classes, "n_classes")
    y_true, y_pred = predict(net, loader, device)
    for name, y in (("true labels", y_true), ("predictions", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name} must lie in 0..{n_classes - 1}, found {y.min()}..{y.max()}")
    confusion = np.bincount(y_true * n_classes + y_pred, minlength=n_classes ** 2).reshape(n_classes, n_classes)
    accuracy = float(np.trace(confusion) / max(confusion.sum(), 1))
    return Evaluation(accuracy, per_class_accuracy(confusion), confusion, y_true, y_pred)


def plot_confusion_matrix(confusion: Any, classes: Sequence[str], ax=None, title: str = "Confusion matrix"):
    """Draw a confusion matrix (rows: true class, columns: predicted) as row-normalized colours with counts."""
    import matplotlib.pyplot as plt

    cm = as_array(confusion, "confusion", ndim=2)
    if cm.shape != (len(classes), len(classes)):
        raise ValueError(f"confusion must have shape ({len(classes)}, {len(classes)}) for {len(classes)} classes, "
                         f"got {cm.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.2, 5.2))
    rates = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if rates[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.grid(False)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    return ax


# --- devices and data parallelism ---------------------------------------------------------------------------

def best_device() -> torch.device:
    """The fastest device PyTorch can use here: ``cuda`` (an NVIDIA GPU), else ``mps`` (Apple silicon), else ``cpu``."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def data_parallel(model: nn.Module, device_ids: Sequence[int] | None = None) -> tuple[nn.Module, str]:
    """Wrap ``model`` in ``nn.DataParallel`` across the visible GPUs; degrade to one device otherwise.

    Several GPUs: each forward splits the batch along dim 0, runs a replica per GPU, and gathers the
    outputs on the first GPU. One GPU: the model moves to it. No GPU: the plain model on the CPU.
    Returns (model to train, a sentence saying what happened).
    """
    n = torch.cuda.device_count()
    ids = list(device_ids) if device_ids is not None else list(range(n))
    if n > 1 and len(ids) > 1:
        return nn.DataParallel(model.to(f"cuda:{ids[0]}"), device_ids=ids), f"nn.DataParallel over GPUs {ids}"
    if n >= 1:
        return model.to("cuda"), "one GPU: no replication needed, the model runs on cuda"
    return model.to("cpu"), "no GPU: no replication, the model runs on the CPU as is"


def data_parallel_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor, n_shards: int = 2) -> torch.Tensor:
    """Data parallelism by hand, on one device: the gradient of the mean cross-entropy on the batch (x, y),
    computed as the average of the gradients of ``n_shards`` equal shards of the batch.

    Inputs:
    - model: the network; its parameters' ``.grad`` are overwritten (they hold the last shard's gradient).
    - x: inputs (B, ...); y: class labels (B,), int64; B divisible by n_shards.
    - n_shards: how many "devices" share the batch; shard s holds the examples s * size to (s + 1) * size - 1,
      with size = B / n_shards.
    Returns: grad, a 1-D tensor: every parameter's gradient flattened (``p.grad.reshape(-1)``) and concatenated
    in ``model.parameters()`` order, averaged over the shards. It equals the full batch's gradient.
    """
    n_shards = check_positive_int(n_shards, "n_shards")
    if len(y) % n_shards or len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of examples, divisible by n_shards={n_shards}; "
                         f"got {len(x)} and {len(y)}")
    size = len(y) // n_shards
    ### BEGIN SOLUTION
    shard_grads = []
    for s in range(n_shards):
        model.zero_grad()                                  # each device starts from zero gradients
        x_s, y_s = x[s * size:(s + 1) * size], y[s * size:(s + 1) * size]
        F.cross_entropy(model(x_s), y_s).backward()        # mean over the shard's examples
        shard_grads.append(torch.cat([p.grad.reshape(-1) for p in model.parameters()]))
    grad = torch.stack(shard_grads).mean(dim=0)            # the all-reduce: average over the devices
    ### END SOLUTION
    return grad


def _ddp_worker(rank: int, world_size: int, init_file: str, state: dict, x: torch.Tensor, y: torch.Tensor,
                out_file: str) -> None:
    """One DDP process: its shard of the batch, forward, backward (gradients all-reduced), save rank 0's grads."""
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    try:
        net = Net()
        net.load_state_dict(state)
        ddp = nn.parallel.DistributedDataParallel(net)
        shard = slice(rank * len(y) // world_size, (rank + 1) * len(y) // world_size)
        loss = F.cross_entropy(ddp(x[shard]), y[shard])
        loss.backward()  # DDP averages every gradient over the processes here
        if rank == 0:
            torch.save({name: p.grad.clone() for name, p in net.named_parameters()}, out_file)
        dist.barrier()  # nobody leaves while a peer still talks to it
    finally:
        dist.destroy_process_group()


def ddp_gradients(state: dict, x: torch.Tensor, y: torch.Tensor, world_size: int = 2) -> dict[str, torch.Tensor]:
    """The gradients of a ``Net`` (weights ``state``) on the batch (x, y), computed by ``world_size``
    CPU processes under DistributedDataParallel (gloo backend), each seeing ``1/world_size`` of the batch.

    ``world_size=1`` runs in this process (no spawn), the single-device fallback.
    Inputs: x (B, 3, 32, 32) float, y (B,) int64 with B divisible by world_size.
    Returns: parameter name -> gradient, as rank 0 holds them after the all-reduce.
    """
    import torch.multiprocessing as mp

    world_size = check_positive_int(world_size, "world_size")
    if len(y) % world_size:
        raise ValueError(f"the batch ({len(y)} examples) must split evenly over world_size={world_size} processes")
    with tempfile.TemporaryDirectory() as tmp:
        init_file, out_file = os.path.join(tmp, "init"), os.path.join(tmp, "grads.pt")
        args = (world_size, init_file, state, x, y, out_file)
        if world_size == 1:
            _ddp_worker(0, *args)
        else:
            mp.spawn(_ddp_worker, args=args, nprocs=world_size, join=True)
        return torch.load(out_file)


def time_training(net_factory: Callable[[], nn.Module], device: str | torch.device, batch_size: int = 64,
                  steps: int = 50, warmup: int = 5, seed: int = 0) -> float:
    """Measured training throughput (images per second) of a fresh model on ``device``, on random batches.

    Runs ``warmup`` untimed steps, then ``steps`` timed SGD steps (synchronizing CUDA before reading the clock).
    """
    device = torch.device(device)
    gen = torch.Generator().manual_seed(seed)
    net = net_factory().to(device)
    opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    x = torch.randn(batch_size, 3, 32, 32, generator=gen).to(device)
    y = torch.randint(0, 10, (batch_size,), generator=gen).to(device)

    def step() -> None:
        train_step(net, x, y, opt, F.cross_entropy)

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(check_positive_int(steps, "steps")):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch_size * steps / (time.perf_counter() - start)
