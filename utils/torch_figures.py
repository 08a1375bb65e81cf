"""Figures for the PyTorch blitz: a tensor's memory layout, a small autograd graph with its gradients, the
blitz network's layers with their shapes, a classifier's top-3 guesses, and the data-parallel split of a batch.

Each ``draw_*`` function draws on a given matplotlib ``Figure`` (so a ``SliderPanel`` can redraw one figure in
place) in the workbook's figure style, and returns a one-line summary. The computations they show
(``apply_layout_op``, ``small_graph``, ``make_blitz_net``, ``layer_summary``, ``split_batch``) are plain
functions, tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

from utils.validation import DivergenceError, check_positive_int

# --- 01: memory layout ------------------------------------------------------------------------------------------

#: The operations the layout panel offers, applied to ``x = torch.arange(rows * cols).reshape(rows, cols)``.
LAYOUT_OPS = (
    "x (the original)",
    "x.T  (permute(1, 0))",
    "x.view(-1)",
    "x.view(cols, rows)",
    "x.view(3, -1)",
    "x[:, ::2]  (every other column)",
    "x[1:]  (drop the first row)",
    "x[0].expand(rows, cols)  (broadcast a row)",
    "x.T.view(-1)  (a view of a permuted tensor)",
    "x.T.contiguous().view(-1)",
    "x.T.reshape(-1)",
)


def apply_layout_op(x: torch.Tensor, op: str) -> torch.Tensor:
    """Apply one of ``LAYOUT_OPS`` to a 2-D tensor ``x`` of shape (rows, cols); returns the result (a view
    of ``x``'s storage, or a copy where the operation copies). Raises PyTorch's own RuntimeError where the
    operation is impossible (``view`` on a permuted tensor, a size that does not divide)."""
    if x.dim() != 2:
        raise ValueError(f"x must be 2-D (rows, cols), got shape {tuple(x.shape)}")
    rows, cols = x.shape
    ops = {
        LAYOUT_OPS[0]: lambda: x,
        LAYOUT_OPS[1]: lambda: x.permute(1, 0),
        LAYOUT_OPS[2]: lambda: x.view(-1),
        LAYOUT_OPS[3]: lambda: x.view(cols, rows),
        LAYOUT_OPS[4]: lambda: x.view(3, -1),
        LAYOUT_OPS[5]: lambda: x[:, ::2],
        LAYOUT_OPS[6]: lambda: x[1:],
        LAYOUT_OPS[7]: lambda: x[0].expand(rows, cols),
        LAYOUT_OPS[8]: lambda: x.T.view(-1),
        LAYOUT_OPS[9]: lambda: x.T.contiguous().view(-1),
        LAYOUT_OPS[10]: lambda: x.T.reshape(-1),
    }
    if op not in ops:
        raise ValueError(f"unknown operation {op!r}; choose one of {list(ops)}")
    return ops[op]()


def storage_offsets(t: torch.Tensor) -> np.ndarray:
    """The storage offset of every element of ``t``: offset[i, j, ...] = storage_offset + sum_k i_k * stride_k.
    Returns an int64 array of ``t``'s shape."""
    offsets = np.full(tuple(t.shape), t.storage_offset(), dtype=np.int64)
    for dim, (size, stride) in enumerate(zip(t.shape, t.stride())):
        shape = [1] * t.dim()
        shape[dim] = size
        offsets = offsets + (np.arange(size) * stride).reshape(shape)
    return offsets


def _as_grid(a: np.ndarray) -> np.ndarray:
    """0-D -> (1, 1), 1-D -> (1, n), 2-D as is, n-D -> (prod(shape[:-1]), shape[-1])."""
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(-1, a.shape[-1])


def _cell_lines(ax: plt.Axes, cols: int, rows: int) -> None:
    """White lines between the cells of an image drawn over [0, cols] x [0, rows]; no ticks."""
    ax.vlines(np.arange(1, cols), 0, rows, colors="white", lw=2)
    ax.hlines(np.arange(1, rows), 0, cols, colors="white", lw=2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def draw_memory_layout(fig: plt.Figure, base: torch.Tensor, result: torch.Tensor, label: str = "result") -> str:
    """Draw ``base``'s flat storage and the element grids of ``base`` and ``result``, every cell coloured by the
    storage offset it reads (same colour = same memory). A ``result`` that does not share ``base``'s storage
    (a copy) is drawn over its own new storage, in grey.

    Inputs: base, a contiguous tensor whose values are 0..n-1 (``torch.arange``), so a value is its offset;
    result: an operation's output. Returns the summary line: shape, stride, offset, contiguous, shared memory.
    """
    if not base.is_contiguous():
        raise ValueError("base must be contiguous (its storage is drawn in order)")
    n = base.numel()
    shared = result.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    offsets = storage_offsets(result)
    cmap = mpl.colormaps["viridis"]
    norm = mpl.colors.Normalize(vmin=0, vmax=max(n - 1, 1))
    fig.set_layout_engine("none")   # a grid of equal-aspect cells: placed by hand, not by tight_layout
    gs = fig.add_gridspec(2, 2, height_ratios=[1, 4.5], hspace=0.45, wspace=0.15, left=0.02, right=0.98,
                          top=0.9, bottom=0.03)
    ax_s = fig.add_subplot(gs[0, :])
    used = np.isin(np.arange(n), offsets) if shared else np.ones(n, bool)
    strip = cmap(norm(np.arange(n)))[None]
    strip[0, ~used, 3] = 0.25   # cells the result does not read: faded
    ax_s.imshow(strip, extent=(0, n, 0, 1), aspect="auto")
    for k in range(n):
        ax_s.text(k + 0.5, 0.5, str(k), ha="center", va="center", fontsize=7,
                  color="white" if norm(k) < 0.6 and used[k] else "black")
    _cell_lines(ax_s, n, 1)
    ax_s.set(xlim=(0, max(n, 1)), ylim=(0, 1), title="base's storage: one flat block (offset 0, 1, 2, ...)")

    def grid(ax: plt.Axes, t: torch.Tensor, offs: np.ndarray, title: str, own: bool) -> None:
        values, offs = _as_grid(t.detach().numpy()), _as_grid(offs)
        r, c = values.shape
        colors = cmap(norm(offs)) if own else np.full((r, c, 4), 0.8)
        ax.imshow(colors, extent=(0, c, r, 0))
        for i in range(r):
            for j in range(c):
                ax.text(j + 0.5, i + 0.5, f"{values[i, j]}", ha="center", va="center", fontsize=9,
                        color="white" if own and norm(offs[i, j]) < 0.6 else "black")
        _cell_lines(ax, c, r)
        ax.set(xlim=(0, max(c, 1)), ylim=(max(r, 1), 0), title=title)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)

    grid(fig.add_subplot(gs[1, 0]), base, storage_offsets(base),
         f"base: shape {tuple(base.shape)}, stride {base.stride()}", True)
    shape_txt = f"shape {tuple(result.shape)}, stride {result.stride()}"
    grid(fig.add_subplot(gs[1, 1]), result, offsets,
         f"{label}:\n{shape_txt}" if shared else f"{label}: a copy (new storage)\n{shape_txt}", shared)
    return (f"{label}: shape {tuple(result.shape)}, stride {result.stride()}, storage offset "
            f"{result.storage_offset()}, contiguous: {result.is_contiguous()}, "
            f"shares base's memory: {shared}")


# --- 02: a small autograd graph ---------------------------------------------------------------------------------

#: The graph of ``small_graph``: node -> (its inputs, how it is computed). Leaves have no inputs.
SMALL_GRAPH = {
    "w": ((), "leaf"), "x": ((), "leaf"), "b": ((), "leaf"),
    "u": (("w", "x"), "u = w * x"), "z": (("u", "b"), "z = u + b"),
    "a": (("z",), "a = tanh(z)"), "L": (("a",), "L = (a - y)^2"),
}
_POSITIONS = {"w": (0, 2), "x": (0, 1), "b": (0, 0), "u": (1, 1.5), "z": (2, 0.75), "a": (3, 0.75), "L": (4, 0.75)}


def small_graph(w: float, x: float, b: float, y: float = 0.5) -> dict[str, dict[str, Any]]:
    """Run L = (tanh(w * x + b) - y)^2 forward in PyTorch (float64) and call ``L.backward()``.

    Returns: node name -> {"value": float, "grad": dL/dnode (float), "grad_fn": the recorded backward node's
    name, or "leaf"}, for the nodes of ``SMALL_GRAPH``. The intermediates keep their gradients via
    ``retain_grad()``.
    """
    leaves = {k: torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for k, v in
              (("w", w), ("x", x), ("b", b))}
    u = leaves["w"] * leaves["x"]
    z = u + leaves["b"]
    a = torch.tanh(z)
    L = (a - y) ** 2
    nodes = {**leaves, "u": u, "z": z, "a": a, "L": L}
    for name in ("u", "z", "a", "L"):
        nodes[name].retain_grad()
    L.backward()
    return {name: {"value": t.item(), "grad": t.grad.item(),
                   "grad_fn": "leaf" if t.grad_fn is None else type(t.grad_fn).__name__}
            for name, t in nodes.items()}


def draw_autograd_graph(fig: plt.Figure, nodes: Mapping[str, Mapping[str, Any]], y: float = 0.5) -> str:
    """Draw ``small_graph``'s nodes (value and gradient each), the forward edges and the backward node of each
    operation; a node's colour is the sign and size of its gradient. Returns a summary of the leaves' grads."""
    ax = fig.add_subplot()
    grads = np.array([nodes[n]["grad"] for n in SMALL_GRAPH if n != "L"])   # dL/dL = 1 always
    scale = max(np.abs(grads).max(), 1e-12)
    cmap, norm = mpl.colormaps["coolwarm"], mpl.colors.Normalize(-scale, scale)
    for name, (inputs, _) in SMALL_GRAPH.items():
        for src in inputs:
            (x0, y0), (x1, y1) = _POSITIONS[src], _POSITIONS[name]
            ax.annotate("", xy=(x1 - 0.36, y1), xytext=(x0 + 0.36, y0),
                        arrowprops=dict(arrowstyle="->", color="0.4", lw=1.2))
    for name, (_, rule) in SMALL_GRAPH.items():
        px, py = _POSITIONS[name]
        node = nodes[name]
        box = dict(boxstyle="round,pad=0.4", facecolor=cmap(norm(node["grad"])), edgecolor="k", lw=0.8)
        head = name if rule == "leaf" else rule
        ax.text(px, py, f"{head}\nvalue {node['value']:+.3f}\ngrad {node['grad']:+.3f}", ha="center",
                va="center", fontsize=8.5, bbox=box, family="monospace")
        ax.text(px, py - 0.36, node["grad_fn"], ha="center", va="top", fontsize=7, color="0.35")
    ax.set(xlim=(-0.6, 4.6), ylim=(-0.6, 2.5),
           title=f"L = (tanh(w x + b) - y)^2, y = {y}: values forward, gradients dL/d(node) backward")
    ax.set_xticks(range(5), ["leaves", "multiply", "add", "tanh", "loss"])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_xlabel("forward: left to right; backward() fills every grad from right to left "
                  "(red: grad > 0, blue: grad < 0, white: about 0)")
    a = nodes["a"]["value"]
    note = " (tanh saturated: 1 - a^2 is tiny, so the gradients vanish)" if abs(a) > 0.995 else ""
    return (f"L = {nodes['L']['value']:.4f}; dL/dw = {nodes['w']['grad']:+.4f}, dL/dx = {nodes['x']['grad']:+.4f}, "
            f"dL/db = {nodes['b']['grad']:+.4f}{note}")


def autograd_curve(f: Any, lo: float = -2.0, hi: float = 2.0, n: int = 201) -> tuple[np.ndarray, np.ndarray,
                                                                                     np.ndarray]:
    """f on n points of [lo, hi] and its derivative by autograd: one ``backward()`` of ``f(t).sum()`` fills
    every point's df/dt, since each f(t_i) depends on t_i alone. ``f`` maps a float64 tensor elementwise.
    Returns (t (n,), f(t) (n,), df/dt (n,)) as numpy arrays."""
    n = check_positive_int(n, "n")
    if not hi > lo:
        raise ValueError(f"hi must be greater than lo, got lo={lo}, hi={hi}")
    t = torch.linspace(lo, hi, n, dtype=torch.float64, requires_grad=True)
    values = f(t)
    values.sum().backward()
    return t.detach().numpy(), values.detach().numpy(), t.grad.numpy()


def draw_autograd_curve(fig: plt.Figure, f: Any, by_hand: Any, lo: float = -2.0, hi: float = 2.0,
                        label: str = "f") -> str:
    """Left: f on [lo, hi]. Right: its derivative by autograd (``autograd_curve``) with the derivative by hand
    (``by_hand``: numpy array -> array) dashed over it. Returns a summary ending in the largest difference."""
    t, values, grad = autograd_curve(f, lo, hi)
    hand = np.asarray(by_hand(t), float)
    ax_f, ax_g = fig.subplots(1, 2)
    ax_f.plot(t, values, color="C0")
    ax_f.set(xlabel="theta", ylabel=label, title=f"{label}(theta)")
    ax_g.plot(t, grad, color="C1", lw=3, alpha=0.6, label="autograd: one backward()")
    ax_g.plot(t, hand, "k--", lw=1, label="by hand: product and chain rule")
    ax_g.set(xlabel="theta", ylabel=f"d{label}/dtheta", title="The derivative, two ways")
    ax_g.legend(fontsize=8)
    diff = float(np.max(np.abs(grad - hand)))
    return f"largest |autograd - by hand| over {len(t)} points: {diff:.1e}"


# --- 03: the blitz network's layers -----------------------------------------------------------------------------

def make_blitz_net(conv1: int = 6, conv2: int = 16, fc1: int = 120, fc2: int = 84, kernel: int = 5,
                   n_classes: int = 10) -> nn.Sequential:
    """The blitz's network with its sizes as arguments (the defaults give ``utils.torch_nets.Net``'s 62,006
    parameters): conv(3 -> conv1, kernel) - ReLU - pool 2 - conv(conv1 -> conv2, kernel) - ReLU - pool 2 -
    flatten - fc1 - ReLU - fc2 - ReLU - n_classes. Input (N, 3, 32, 32). Raises ValueError, with the size
    that went wrong, when the kernel leaves no pixel."""
    for name, v in (("conv1", conv1), ("conv2", conv2), ("fc1", fc1), ("fc2", fc2), ("kernel", kernel)):
        check_positive_int(v, name)
    side = (32 - kernel + 1) // 2
    side2 = (side - kernel + 1) // 2
    if side < kernel or side2 < 1:
        raise ValueError(f"a {kernel}x{kernel} kernel leaves no pixel: 32 -> conv {32 - kernel + 1} -> pool "
                         f"{side} -> conv {side - kernel + 1} -> pool {max(side2, 0)}; use a kernel of at most 9")
    return nn.Sequential(
        nn.Conv2d(3, conv1, kernel), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(conv1, conv2, kernel), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(conv2 * side2 * side2, fc1), nn.ReLU(), nn.Linear(fc1, fc2), nn.ReLU(), nn.Linear(fc2, n_classes))


@dataclass
class LayerRow:
    """One layer of ``layer_summary``: its name, output shape per image, and its number of parameters."""

    name: str
    shape: tuple[int, ...]
    params: int


def layer_summary(net: nn.Sequential, input_shape: tuple[int, ...] = (3, 32, 32)) -> list[LayerRow]:
    """Run one image of ``input_shape`` through ``net`` and list each layer's output shape (per image, without
    the batch axis) and parameter count; the first row is the input. The pass runs on PyTorch's ``meta`` device
    (shapes only, no arithmetic, on a copy of each layer), so it is instant at any size."""
    import copy

    rows = [LayerRow("input", tuple(input_shape), 0)]
    t = torch.zeros(1, *input_shape, device="meta")
    with torch.no_grad():
        for layer in net:
            t = copy.deepcopy(layer).to("meta")(t)
            name = type(layer).__name__
            if isinstance(layer, nn.Conv2d):
                name = f"Conv2d {layer.kernel_size[0]}x{layer.kernel_size[1]}"
            rows.append(LayerRow(name, tuple(t.shape[1:]), sum(p.numel() for p in layer.parameters())))
    return rows


def draw_layers(fig: plt.Figure, rows: Sequence[LayerRow]) -> str:
    """Draw the layers left to right as blocks whose height grows with the output's size (log scale), labelled
    with the output shape, and under them a bar per layer with its parameters. Returns the totals."""
    ax, ax_p = fig.subplots(2, 1, gridspec_kw={"height_ratios": [2.2, 1]})
    sizes = np.array([int(np.prod(r.shape)) for r in rows])
    heights = np.log10(np.maximum(sizes, 1)) / np.log10(max(sizes.max(), 10))
    colors = {"input": "0.6", "ReLU": "tab:orange", "MaxPool2d": "tab:green", "Flatten": "0.75", "Linear": "tab:purple"}
    for i, (r, h) in enumerate(zip(rows, heights)):
        color = colors.get(r.name, "tab:blue")
        ax.add_patch(mpl.patches.Rectangle((i - 0.38, 0.5 - h / 2), 0.76, h, facecolor=color, alpha=0.8))
        ax.text(i, 0.5 + h / 2 + 0.04, "x".join(map(str, r.shape)), ha="center", va="bottom", fontsize=7,
                rotation=30)
    ax.set(xlim=(-0.6, len(rows) - 0.4), ylim=(-0.05, 1.35),
           title="The network's layers: block height ~ log(values per image), label = output shape")
    ax.set_xticks(range(len(rows)), [r.name for r in rows], rotation=30, ha="right", fontsize=7)
    ax.set_yticks([])
    ax.grid(False)
    params = np.array([r.params for r in rows])
    ax_p.bar(range(len(rows)), params, color=[colors.get(r.name, "tab:blue") for r in rows])
    for i, p in enumerate(params):
        if p:
            ax_p.text(i, p, f"{p:,d}", ha="center", va="bottom", fontsize=7)
    ax_p.set(xlim=ax.get_xlim(), ylabel="parameters", title="Parameters per layer", ylim=(0, params.max() * 1.3))
    ax_p.set_xticks([])
    total = int(params.sum())
    biggest = rows[int(params.argmax())]
    return (f"{total:,d} parameters; the largest layer: {biggest.name} with {biggest.params:,d} "
            f"({100 * biggest.params / total:.0f} %); the flattened features: {int(np.prod(rows[7].shape)):,d}")


# --- 04: learning rate and momentum ------------------------------------------------------------------------------

def draw_loss_grid(fig: plt.Figure, curves: Mapping[tuple[float, float], np.ndarray], lr: float, momentum: float,
                   log_every: int = 1, recipe: tuple[float, float] = (0.001, 0.9)) -> str:
    """Left: every precomputed loss curve (grey), the chosen (lr, momentum) one in colour and the blitz's recipe
    dashed. Right: the final loss (mean of the last 3 records) over the grid, the chosen cell outlined.

    ``curves``: (lr, momentum) -> losses recorded every ``log_every`` steps (``loss_curve_grid``). Raises
    DivergenceError when the chosen run diverged (its curve holds NaN); an (lr, momentum) off the grid raises
    ValueError."""
    if (lr, momentum) not in curves:
        raise ValueError(f"(lr={lr}, momentum={momentum}) is not in the precomputed grid {sorted(curves)}")
    lrs = sorted({k[0] for k in curves})
    moms = sorted({k[1] for k in curves})
    final = np.array([[np.mean(curves[(a, m)][-3:]) for a in lrs] for m in moms])
    ax_c, ax_h = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    steps = np.arange(1, len(next(iter(curves.values()))) + 1) * log_every
    for key, c in curves.items():
        ax_c.plot(steps, c, color="0.82", lw=0.8)
    if recipe in curves:
        ax_c.plot(steps, curves[recipe], "k--", lw=1, label=f"the blitz: lr {recipe[0]:g}, momentum {recipe[1]:g}")
    chosen = curves[(lr, momentum)]
    ax_c.plot(steps, chosen, color="tab:blue", lw=2, label=f"lr {lr:g}, momentum {momentum:g}")
    top = np.nanmax([np.nanmax(c) for c in curves.values() if np.isfinite(c).any()])
    ax_c.set(xlabel="training step", ylabel="cross-entropy loss (mean per record)",
             title="Loss curves of the grid (grey), the chosen one in blue", ylim=(None, min(top, 3.0) + 0.05))
    ax_c.legend(fontsize=8, loc="lower left")
    ax_h.imshow(final, cmap="viridis_r", aspect="auto", vmin=np.nanmin(final), vmax=min(np.nanmax(final), 2.5))
    for i, m in enumerate(moms):
        for j, a in enumerate(lrs):
            ax_h.text(j, i, "diverged" if np.isnan(final[i, j]) else f"{final[i, j]:.2f}", ha="center",
                      va="center", fontsize=8, color="white" if final[i, j] > 2.0 else "black")
    ax_h.add_patch(mpl.patches.Rectangle((lrs.index(lr) - 0.5, moms.index(momentum) - 0.5), 1, 1, fill=False,
                                         edgecolor="red", lw=2.5))
    ax_h.set_xticks(range(len(lrs)), [f"{a:g}" for a in lrs])
    ax_h.set_yticks(range(len(moms)), [f"{m:g}" for m in moms])
    ax_h.grid(False)
    ax_h.set(xlabel="learning rate", ylabel="momentum", title="Final loss over the grid (lower is better)")
    if np.isnan(chosen).any():
        first = int(np.argmax(np.isnan(chosen)))
        raise DivergenceError(f"lr {lr:g} with momentum {momentum:g} diverged by step {(first + 1) * log_every} "
                              f"(its loss became NaN): the step lr / (1 - momentum) = {lr / (1 - momentum):g} "
                              f"is too large")
    best = min(curves, key=lambda k: np.inf if np.isnan(curves[k][-3:]).any() else np.mean(curves[k][-3:]))
    return (f"lr {lr:g}, momentum {momentum:g} (effective step lr / (1 - momentum) = {lr / (1 - momentum):.3g}): "
            f"final loss {np.mean(chosen[-3:]):.3f}; best on the grid: lr {best[0]:g}, momentum {best[1]:g} "
            f"({np.mean(curves[best][-3:]):.3f})")


# --- 04: a classifier's top-3 -------------------------------------------------------------------------------------

def draw_top3(fig: plt.Figure, image: np.ndarray, probs: np.ndarray, classes: Sequence[str], true: int,
              title: str = "test image") -> str:
    """Show an image (H, W, 3) uint8 and a bar chart of the classifier's three most probable classes
    (``probs``: (n_classes,) softmax output); the true class's bar is green, the others grey."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (len(classes),):
        raise ValueError(f"probs must have shape ({len(classes)},), got {probs.shape}")
    ax_i, ax_b = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    ax_i.imshow(image)
    ax_i.axis("off")
    ax_i.set_title(f"{title}: a {classes[true]}")
    top = np.argsort(-probs)[:3]
    ax_b.barh([classes[k] for k in top][::-1], 100 * probs[top][::-1],
              color=["tab:green" if k == true else "0.6" for k in top][::-1])
    for i, k in enumerate(top[::-1]):
        ax_b.text(100 * probs[k] + 1, i, f"{100 * probs[k]:.1f} %", va="center", fontsize=8)
    ax_b.set(xlim=(0, 112), xlabel="probability (%)", title="The network's top 3 (green: the true class)")
    verdict = "right" if top[0] == true else ("in the top 3" if true in top else "wrong, not in the top 3")
    return f"top 1: {classes[top[0]]} ({100 * probs[top[0]]:.1f} %), true: {classes[true]}: {verdict}"


# --- 05: the data-parallel split --------------------------------------------------------------------------------

def split_batch(batch_size: int, devices: int) -> list[int]:
    """How ``nn.DataParallel`` scatters a batch (``torch.chunk`` along dim 0): the number of examples each
    device gets. Raises ValueError when some device would get none (a batch smaller than the devices)."""
    batch_size, devices = check_positive_int(batch_size, "batch_size"), check_positive_int(devices, "devices")
    sizes = [len(c) for c in torch.arange(batch_size).chunk(devices)]
    if len(sizes) < devices:
        raise ValueError(f"a batch of {batch_size} over {devices} devices leaves {devices - len(sizes)} of them "
                         f"without an example: use a batch of at least {devices}")
    return sizes


def draw_data_parallel(fig: plt.Figure, batch_size: int, devices: int, throughput: Mapping[int, float]) -> str:
    """Left: the batch's examples coloured by the device that gets them. Right: the measured one-device
    throughput against the batch size (``throughput``: batch size -> images/s), with each device's shard
    marked, and the ideal total (devices x one device's throughput at the shard size, no communication)."""
    sizes = split_batch(batch_size, devices)
    ax_s, ax_t = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    cols = int(np.ceil(np.sqrt(batch_size * 2)))
    rows = int(np.ceil(batch_size / cols))
    owner = np.full(rows * cols, np.nan)
    owner[:batch_size] = np.repeat(np.arange(devices), sizes)
    colors = mpl.colors.ListedColormap([f"C{d % 10}" for d in range(devices)])
    ax_s.imshow(owner.reshape(rows, cols), cmap=colors, vmin=-0.5, vmax=devices - 0.5,
                extent=(0, cols, rows, 0))
    _cell_lines(ax_s, cols, rows)
    for side in ("left", "bottom"):
        ax_s.spines[side].set_visible(False)
    ax_s.set(title=f"A batch of {batch_size} over {devices} device(s)",
             xlabel="  ".join(f"device {d}: {n}" for d, n in enumerate(sizes[:4]))
             + ("  ..." if devices > 4 else ""))
    bs = np.array(sorted(throughput))
    ips = np.array([throughput[b] for b in bs])
    shard = max(sizes)
    one = float(np.exp(np.interp(np.log(shard), np.log(bs), np.log(ips))))
    ax_t.plot(bs, ips, "o-", label="one device (measured)")
    ax_t.plot(bs, devices * ips, "--", color="0.5", label=f"{devices} devices, ideal")
    ax_t.scatter([shard], [one], s=120, facecolors="none", edgecolors="k", lw=1.5, zorder=3,
                 label=f"each device's shard: {shard}")
    ax_t.set(xscale="log", xlabel="examples per device per step (log scale)", ylabel="images / s",
             title="Training throughput against batch size", ylim=(0, 1.1 * devices * ips.max()))
    ax_t.set_xticks(bs, [str(b) for b in bs])
    ax_t.minorticks_off()
    if devices > 1:
        ax_t.scatter([shard], [devices * one], s=120, marker="*", color="k", zorder=3,
                     label=f"{devices} x that: {devices * one:,.0f} images/s at best")
    ax_t.legend(fontsize=7, loc="upper left")
    return (f"{devices} device(s), shards of {'/'.join(map(str, sorted(set(sizes), reverse=True)))}: one device "
            f"trains {one:,.0f} images/s at a batch of {shard}; ideal total {devices * one:,.0f} images/s "
            f"(measured alone at batch {batch_size}: "
            f"{float(np.exp(np.interp(np.log(batch_size), np.log(bs), np.log(ips)))):,.0f})")
