"""The workbook's one figure style and the plots every course reuses.

Courses 1-2 stack examples as columns: X has shape (2, m) and Y shape (1, m) for 2-D classifiers.
Every function draws on ``ax`` when given (so widgets can redraw one figure) and returns the axes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from utils.validation import as_array

#: Two class colours (negative, positive) used for every 2-D classification plot.
CLASS_COLORS = ("#d62728", "#1f77b4")
STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "figure.autolayout": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "font.size": 10,
}


def use_style() -> None:
    """Apply the workbook's figure style to matplotlib (idempotent)."""
    mpl.rcParams.update(STYLE)


def _axes(ax: plt.Axes | None, figsize: tuple[float, float] | None = None) -> plt.Axes:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, Y: np.ndarray,
                           ax: plt.Axes | None = None, title: str = "Decision boundary",
                           resolution: int = 200, margin: float = 0.5) -> plt.Axes:
    """Shade the regions a 2-D classifier assigns to each class and scatter the data on top.

    Inputs:
    - predict: maps points of shape (2, k) to labels or probabilities of shape (1, k) or (k,);
      values above 0.5 count as class 1.
    - X: points, shape (2, m). Y: labels 0/1, shape (1, m) or (m,).
    """
    X = as_array(X, "X", shape=(2, None))
    Y = as_array(Y, "Y").reshape(-1)
    if Y.size != X.shape[1]:
        raise ValueError(f"Y must hold one label per column of X ({X.shape[1]}), got {Y.size}")
    ax = _axes(ax)
    x_min, x_max = X[0].min() - margin, X[0].max() + margin
    y_min, y_max = X[1].min() - margin, X[1].max() + margin
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.vstack([xx.ravel(), yy.ravel()])
    Z = np.asarray(predict(grid), dtype=np.float64).reshape(xx.shape)
    cmap = mpl.colors.ListedColormap([c + "33" for c in CLASS_COLORS])
    ax.contourf(xx, yy, (Z > 0.5).astype(float), levels=[-0.5, 0.5, 1.5], cmap=cmap)
    ax.contour(xx, yy, Z, levels=[0.5], colors="k", linewidths=1)
    plot_classes(X, Y, ax=ax, title=title)
    ax.set(xlim=(x_min, x_max), ylim=(y_min, y_max))
    return ax


def plot_classes(X: np.ndarray, Y: np.ndarray, ax: plt.Axes | None = None, title: str = "The data",
                 size: float = 14) -> plt.Axes:
    """Scatter 2-D points coloured by their 0/1 label. X: (2, m); Y: (1, m) or (m,)."""
    X = as_array(X, "X", shape=(2, None))
    Y = as_array(Y, "Y").reshape(-1)
    if Y.size != X.shape[1]:
        raise ValueError(f"Y must hold one label per column of X ({X.shape[1]}), got {Y.size}")
    ax = _axes(ax, figsize=(4.5, 4))
    for label, color in enumerate(CLASS_COLORS):
        pts = X[:, Y == label]
        ax.scatter(pts[0], pts[1], s=size, c=color, edgecolors="k", linewidths=0.3, label=f"y = {label}")
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def plot_costs(costs: Sequence[float] | Mapping[str, Sequence[float]], every: int = 1,
               ax: plt.Axes | None = None, title: str = "Cost during training",
               xlabel: str | None = None, ylabel: str = "cost", log: bool = False) -> plt.Axes:
    """Plot one cost curve, or several (a mapping label -> costs) on the same axes.

    ``every`` is the number of iterations between two recorded costs (the course records every 100).
    """
    ax = _axes(ax)
    curves = costs if isinstance(costs, Mapping) else {None: costs}
    if not curves:
        raise ValueError("costs is empty: nothing to plot")
    for label, values in curves.items():
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if values.size == 0:
            raise ValueError(f"the cost curve {label or ''} is empty".replace("  ", " "))
        ax.plot(np.arange(values.size) * every, values, label=label)
    ax.set(title=title, xlabel=xlabel or (f"iteration" if every == 1 else f"iteration (recorded every {every})"),
           ylabel=ylabel)
    if log:
        ax.set_yscale("log")
    if isinstance(costs, Mapping):
        ax.legend()
    return ax


def plot_history(history: Mapping[str, Sequence[float]], metrics: Sequence[str] = ("loss", "accuracy"),
                 title: str = "Training curves") -> plt.Figure:
    """Plot train and validation curves from a Keras ``History.history`` (or any dict of lists).

    Draws one panel per metric found among ``metrics``, with ``val_<metric>`` beside ``<metric>``.
    """
    found = [m for m in metrics if m in history]
    if not found:
        raise ValueError(f"history has none of the metrics {list(metrics)}; it has {sorted(history)}")
    fig, axes = plt.subplots(1, len(found), figsize=(5 * len(found), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], found):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], marker="o", ms=3, label="train")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], marker="o", ms=3, label="validation")
        ax.set(title=metric, xlabel="epoch", ylabel=metric)
        ax.legend()
    fig.suptitle(title, fontweight="bold")
    return fig


def plot_image_grid(images: np.ndarray | Sequence[np.ndarray], titles: Sequence[str] | None = None,
                    ncols: int = 8, cmap: str = "gray", title: str | None = None,
                    size: float = 1.3, vmin: float | None = None, vmax: float | None = None) -> plt.Figure:
    """Show images in a grid. ``images``: (k, H, W) grayscale or (k, H, W, 3) colour, or a list of them.

    Grayscale images are each stretched to their own range unless ``vmin``/``vmax`` fix a common one
    (e.g. ``vmin=0, vmax=1`` so that a dark image looks dark).
    """
    imgs = list(images)
    if not imgs:
        raise ValueError("images is empty: nothing to plot")
    if titles is not None and len(titles) != len(imgs):
        raise ValueError(f"got {len(titles)} titles for {len(imgs)} images")
    for i, img in enumerate(imgs):
        if np.ndim(img) not in (2, 3):
            raise ValueError(f"image {i} must have shape (H, W) or (H, W, C), got {np.shape(img)}")
    ncols = max(1, min(ncols, len(imgs)))
    nrows = int(np.ceil(len(imgs) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(imgs):
            img = np.asarray(imgs[i])
            if img.ndim == 3 and img.shape[-1] == 1:
                img = img[..., 0]
            ax.imshow(img, cmap=cmap if img.ndim == 2 else None, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8, fontweight="normal")
    if title:
        fig.suptitle(title, fontweight="bold")
    return fig


def plot_constrained_choice(candidates: Mapping[str, Mapping[str, float]], optimize: str, cost: str,
                            budget: float, chosen: str | None = None, ax: plt.Axes | None = None,
                            log_x: bool = False, title: str = "Optimizing under a satisficing constraint",
                            xlabel: str | None = None, ylabel: str | None = None) -> plt.Axes:
    """Scatter candidate models by a cost metric (x) and an optimizing metric (y), shade the region within the
    ``budget`` on the cost, and ring the ``chosen`` model (if any).

    Inputs: candidates, name -> {metric: value} holding ``optimize`` and ``cost`` (e.g. "accuracy", "time_ms").
    """
    if not candidates:
        raise ValueError("candidates is empty: nothing to plot")
    missing = [n for n, m in candidates.items() if optimize not in m or cost not in m]
    if missing:
        raise ValueError(f"candidates {missing} lack {optimize!r} or {cost!r}")
    if chosen is not None and chosen not in candidates:
        raise ValueError(f"chosen {chosen!r} is not among the candidates {sorted(candidates)}")
    ax = _axes(ax)
    xs = np.array([m[cost] for m in candidates.values()], dtype=np.float64)
    ys = np.array([m[optimize] for m in candidates.values()], dtype=np.float64)
    ok = xs <= budget
    ax.scatter(xs[ok], ys[ok], s=50, c="tab:green", edgecolors="k", linewidths=0.4, zorder=3, label="meets the budget")
    ax.scatter(xs[~ok], ys[~ok], s=50, c="0.6", edgecolors="k", linewidths=0.4, zorder=3, label="over the budget")
    for name, x, y in zip(candidates, xs, ys):
        ax.annotate(name, (x, y), xytext=(6, -4), textcoords="offset points", fontsize=9)
    lo = xs.min() / 2 if log_x else 0
    ax.axvspan(lo, budget, color="tab:green", alpha=0.08)
    ax.axvline(budget, color="tab:green", lw=1.5, label=f"{cost} <= {budget:g}")
    if chosen is not None:
        ax.scatter([candidates[chosen][cost]], [candidates[chosen][optimize]], s=220, facecolors="none",
                   edgecolors="k", linewidths=2, zorder=4, label=f"chosen: {chosen}")
    if log_x:
        ax.set_xscale("log")
    ax.set(title=title, xlabel=xlabel or cost, ylabel=ylabel or optimize, xlim=(lo, max(xs.max(), budget) * 1.3))
    ax.legend(fontsize=8, loc="lower right")
    return ax


def tile_images(images: np.ndarray | Sequence[np.ndarray], ncols: int = 8, pad: int = 1,
                normalize: bool = True) -> np.ndarray:
    """Tile k same-sized 2-D images (k, H, W) into one mosaic, to draw many feature maps with one ``imshow``.

    Inputs: ncols, images per row; pad, pixels of NaN between images (drawn as the background);
    normalize: stretch each image to [0, 1] on its own (a constant image becomes all zeros).
    Returns: an array of shape (rows * (H + pad) - pad, ncols * (W + pad) - pad), rows = ceil(k / ncols);
    unused cells are NaN.
    """
    imgs = np.asarray(images, dtype=np.float64)
    if imgs.ndim != 3 or imgs.shape[0] == 0:
        raise ValueError(f"images must have shape (k, H, W) with k >= 1, got {imgs.shape}")
    if ncols < 1 or pad < 0:
        raise ValueError(f"ncols must be >= 1 and pad >= 0, got ncols={ncols}, pad={pad}")
    k, H, W = imgs.shape
    ncols = min(ncols, k)
    nrows = int(np.ceil(k / ncols))
    out = np.full((nrows * (H + pad) - pad, ncols * (W + pad) - pad), np.nan)
    for i, img in enumerate(imgs):
        if normalize:
            lo, hi = img.min(), img.max()
            img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        r, c = divmod(i, ncols)
        out[r * (H + pad):r * (H + pad) + H, c * (W + pad):c * (W + pad) + W] = img
    return out
