"""Course 2 week 3: hyperparameter search at random, on log scales, coarse to fine.

A search box is a sequence of (low, high) ranges, one per hyperparameter, every bound > 0, sampled on a log
scale (the learning rate in [1e-4, 1]; 1 - beta in [1e-3, 1e-1]). Points are arrays (n, d) of hyperparameter
values in the box's order. The course's recipe: sample the whole box at random, then zoom into a smaller
box around the best point and sample again (``coarse_to_fine``). ``LogGridObjective`` turns a grid of real
results (dev accuracies of trained runs) into a cheap objective that any point can be scored on;
``search_averages`` compares coarse to fine with random search over many draws; ``plot_search_box`` and
``plot_search_trials`` draw one search.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from scipy.interpolate import RegularGridInterpolator

from utils.validation import as_array, check_positive_int, check_range

Box = Sequence[tuple[float, float]]


def _log_box(box: Box) -> np.ndarray:
    """The box as log10 bounds, shape (d, 2); ValueError unless every range is 0 < low < high."""
    bounds = np.asarray(box, dtype=np.float64)
    if bounds.ndim != 2 or bounds.shape[1] != 2 or bounds.shape[0] == 0:
        raise ValueError(f"a box is a list of (low, high) ranges, one per hyperparameter, got {box!r}")
    if not np.all((bounds[:, 0] > 0) & (bounds[:, 0] < bounds[:, 1])):
        raise ValueError(f"every range of a log-scale box needs 0 < low < high, got {bounds.tolist()}")
    return np.log10(bounds)


def sample_log_uniform(box: Box, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points drawn uniformly in the exponents: value = 10 ** r, r uniform in [log10 low, log10 high].

    Returns: points (n, d), one column per range of ``box``.
    """
    n = check_positive_int(n, "n")
    logs = _log_box(box)
    return 10.0 ** rng.uniform(logs[:, 0], logs[:, 1], size=(n, logs.shape[0]))


def zoom_box(box: Box, center: Sequence[float], zoom: float) -> list[tuple[float, float]]:
    """A box ``zoom`` times as wide as ``box`` in every exponent, centred on ``center``, moved inside ``box``.

    Inputs: box; center (d,), a point (values, not exponents); zoom in (0, 1] (1: the whole box again).
    Returns: the smaller box, a list of (low, high).
    """
    zoom = check_range(zoom, "zoom", 0, 1, low_inclusive=False)
    logs = _log_box(box)
    c = np.log10(as_array(center, "center", shape=(logs.shape[0],)))
    low, width = _zoomed_exponents(logs, c, zoom)
    return [(float(10.0 ** lo), float(10.0 ** (lo + w))) for lo, w in zip(low, width)]


def _zoomed_exponents(logs: np.ndarray, center_logs: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower exponents (..., d) and widths (d,) of zoomed boxes around center_logs (..., d), kept in the box."""
    width = zoom * (logs[:, 1] - logs[:, 0])
    return np.clip(center_logs - width / 2, logs[:, 0], logs[:, 1] - width), width


class LogGridObjective:
    """Scores on a grid of hyperparameter values, interpolated linearly in the exponents.

    Inputs: axes, one increasing 1-D array of positive values per hyperparameter (the grid that was
    trained); values, the score at every grid point, shape (len(axes[0]), len(axes[1]), ...).
    Calling it on points (n, d) returns their scores (n,); points outside the grid are moved onto its edge.
    """

    def __init__(self, axes: Sequence[np.ndarray], values: np.ndarray):
        self.axes = [as_array(a, f"axes[{i}]") for i, a in enumerate(axes)]
        self.values = as_array(values, "values")
        shape = tuple(a.size for a in self.axes)
        if self.values.shape != shape:
            raise ValueError(f"values must have one entry per grid point, shape {shape}, got {self.values.shape}")
        for i, a in enumerate(self.axes):
            if a.ndim != 1 or a.size < 2 or np.any(a <= 0) or np.any(np.diff(a) <= 0):
                raise ValueError(f"axes[{i}] must be an increasing 1-D array of at least 2 positive values")
        self._log_axes = [np.log10(a) for a in self.axes]
        self._interp = RegularGridInterpolator(self._log_axes, self.values)

    @property
    def box(self) -> list[tuple[float, float]]:
        """The grid's extent, a box of (low, high) per hyperparameter."""
        return [(float(a[0]), float(a[-1])) for a in self.axes]

    def __call__(self, points: np.ndarray) -> np.ndarray:
        points = as_array(points, "points", shape=(None, len(self.axes)))
        logs = np.log10(np.maximum(points, 1e-300))
        logs = np.column_stack([np.clip(logs[:, i], a[0], a[-1]) for i, a in enumerate(self._log_axes)])
        return self._interp(logs)


def coarse_to_fine(objective: Callable[[np.ndarray], np.ndarray], box: Box, n: int, zoom: float,
                   rng: np.random.Generator) -> dict:
    """The course's search: n random points in ``box``, then n more in a box zoomed around the best of them.

    Inputs: objective, points (n, d) -> scores (n,), higher is better; box; n trials per round; zoom in (0, 1]
    (see ``zoom_box``); rng.
    Returns: dict with "coarse" (n, d) and "coarse_scores" (n,), "fine_box", "fine" (n, d) and "fine_scores",
    and "scores" (2n,), every score in the order tried (coarse first), for ``np.maximum.accumulate``.
    """
    coarse = sample_log_uniform(box, n, rng)
    coarse_scores = np.asarray(objective(coarse), dtype=np.float64)
    fine_box = zoom_box(box, coarse[int(np.argmax(coarse_scores))], zoom)
    fine = sample_log_uniform(fine_box, n, rng)
    fine_scores = np.asarray(objective(fine), dtype=np.float64)
    return {"coarse": coarse, "coarse_scores": coarse_scores, "fine_box": fine_box, "fine": fine,
            "fine_scores": fine_scores, "scores": np.concatenate([coarse_scores, fine_scores])}


def search_with_random_twin(objective: Callable[[np.ndarray], np.ndarray], box: Box, n: int, zoom: float,
                            seed: int) -> dict:
    """``coarse_to_fine`` with ``np.random.default_rng(seed)``, plus its twin in plain random search: the same
    coarse round followed by n more points over the whole box (drawn with their own generator).

    Returns: coarse_to_fine's dict plus "random_scores" (n,), the twin's second round, and "random_all"
    (2n,), the twin's scores in the order tried.
    """
    result = coarse_to_fine(objective, box, n, zoom, np.random.default_rng(seed))
    second = np.asarray(objective(sample_log_uniform(box, n, np.random.default_rng([seed, 1]))), dtype=np.float64)
    return {**result, "random_scores": second, "random_all": np.concatenate([result["coarse_scores"], second])}


def search_averages(objective: Callable[[np.ndarray], np.ndarray], box: Box, n: int, zoom: float, good: float,
                    draws: int = 200, seed: int = 0) -> dict[str, float]:
    """Coarse to fine against random search with the same budget (2n trials), averaged over ``draws`` searches
    (all drawn at once, vectorized, from ``np.random.default_rng(seed)``).

    Returns: "best_fine" / "best_random", the mean best score; "good_fine" / "good_random", the mean share of
    second-round trials scoring at least ``good``.
    """
    n, draws = check_positive_int(n, "n"), check_positive_int(draws, "draws")
    zoom = check_range(zoom, "zoom", 0, 1, low_inclusive=False)
    logs = _log_box(box)
    d, rng = logs.shape[0], np.random.default_rng(seed)
    score = lambda exps: np.asarray(objective(10.0 ** exps.reshape(-1, d)), dtype=np.float64).reshape(draws, n)
    coarse = rng.uniform(logs[:, 0], logs[:, 1], size=(draws, n, d))
    coarse_scores = score(coarse)
    best = coarse[np.arange(draws), np.argmax(coarse_scores, axis=1)]  # (draws, d)
    low, width = _zoomed_exponents(logs, best, zoom)
    fine_scores = score(low[:, None, :] + width * rng.uniform(size=(draws, n, d)))
    random_scores = score(rng.uniform(logs[:, 0], logs[:, 1], size=(draws, n, d)))
    first = coarse_scores.max(axis=1)
    return {"best_fine": float(np.maximum(first, fine_scores.max(axis=1)).mean()),
            "best_random": float(np.maximum(first, random_scores.max(axis=1)).mean()),
            "good_fine": float(np.mean(fine_scores >= good)), "good_random": float(np.mean(random_scores >= good))}


def log_edges(axis: np.ndarray) -> np.ndarray:
    """Cell edges for grid values on a log axis: the geometric midpoints, extended by half a step at both
    ends (for ``pcolormesh`` on log axes). Input: axis (k,) increasing, > 0. Returns: edges (k + 1,)."""
    logs = np.log10(as_array(axis, "axis", ndim=1))
    if logs.size < 2 or np.any(np.diff(logs) <= 0):
        raise ValueError("axis must hold at least 2 increasing positive values")
    mids = (logs[1:] + logs[:-1]) / 2
    return 10.0 ** np.concatenate([[2 * logs[0] - mids[0]], mids, [2 * logs[-1] - mids[-1]]])


def plot_search_box(objective: LogGridObjective, result: dict, ax: plt.Axes,
                    names: Sequence[str] = ("learning rate", "1 - beta"), score: str = "score") -> plt.Axes:
    """The 2-D search box: the objective's grid as colours, the coarse points (circles), the zoomed box
    (dashed) and the fine points (triangles) of a ``coarse_to_fine`` result, on log axes; ``score`` labels
    the colour bar."""
    if len(objective.axes) != 2:
        raise ValueError(f"plot_search_box draws 2 hyperparameters, the objective has {len(objective.axes)}")
    x_edges, y_edges = log_edges(objective.axes[0]), log_edges(objective.axes[1])
    mesh = ax.pcolormesh(x_edges, y_edges, objective.values.T, cmap="viridis")
    ax.figure.colorbar(mesh, ax=ax, label=score)
    (x_lo, x_hi), (y_lo, y_hi) = result["fine_box"]
    ax.add_patch(plt.Rectangle((x_lo, y_lo), x_hi - x_lo, y_hi - y_lo, fill=False, ls="--", lw=1.5, ec="w"))
    ax.scatter(*result["coarse"].T, c="w", edgecolors="k", s=36, label="coarse")
    ax.scatter(*result["fine"].T, c="C1", edgecolors="k", marker="^", s=40, label="fine")
    ax.set(xscale="log", yscale="log", xlabel=names[0], ylabel=names[1], xlim=(x_edges[0], x_edges[-1]),
           ylim=(y_edges[0], y_edges[-1]), title="The search box (colour: the trained grid)")
    for axis, edges in ((ax.xaxis, x_edges), (ax.yaxis, y_edges)):  # one tick a decade, no minor ticks: fast
        axis.set_ticks(10.0 ** np.arange(np.ceil(np.log10(edges[0])), np.floor(np.log10(edges[-1])) + 1))
    ax.minorticks_off()
    ax.grid(False)
    ax.legend(loc="lower left", fontsize=8, frameon=True)
    return ax


def plot_search_trials(result: dict, ax: plt.Axes, good: float | None = None) -> plt.Axes:
    """Each trial's score in the order tried (coarse white, fine orange) and the best so far, for coarse to
    fine and, when ``result`` has "random_all" (``search_with_random_twin``), for random search alone."""
    n = result["coarse_scores"].size
    steps = np.arange(1, result["scores"].size + 1)
    ax.scatter(steps, result["scores"], c=["w"] * n + ["C1"] * (steps.size - n), edgecolors="k", s=24)
    ax.step(steps, np.maximum.accumulate(result["scores"]), where="post", color="C1", label="coarse to fine")
    if "random_all" in result:
        ax.step(steps, np.maximum.accumulate(result["random_all"]), where="post", color="0.4", ls="--",
                label="random only")
    if good is not None:
        ax.axhline(good, color="k", ls=":", lw=1, label="good")
    ax.set(title="Each trial's score, and the best so far", xlabel="trial", ylabel="score")
    ax.legend(loc="lower right", fontsize=8)
    return ax
