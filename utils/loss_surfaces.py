"""2-D test surfaces for racing optimizers: an ill-conditioned ravine, a saddle, Rosenbrock's banana.

Each ``Surface`` has ``f(x, y)`` (works on grids), ``grad(p) -> (2,)`` at a point ``p = (x, y)``, a plot window,
a start point and its minima. ``run_optimizer`` walks a point with the update rules of ``utils.optimizers``
(the same functions that train the networks) and returns the path; ``race`` runs several optimizers and
records, for each, either its path or the ``DivergenceError`` that stopped it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np

from utils.optimizers import OPTIMIZERS, initialize_optimizer, optimizer_step
from utils.validation import (DivergenceError, as_array, check_choice, check_finite, check_mapping, check_positive_int,
                              check_range)

#: A path that leaves this radius, or a loss above this value, counts as diverged.
DIVERGENCE_RADIUS = 1e6


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface.

    - f: f(x, y) -> loss, elementwise on arrays (for contour grids).
    - grad: grad(p) -> array (2,), the gradient at p = (x, y).
    - xlim, ylim: the plot window. start: the default start point (2,). minima: list of (x, y).
    """

    name: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    start: tuple[float, float]
    minima: list[tuple[float, float]] = field(default_factory=list)
    log_levels: bool = False

    def loss(self, p: np.ndarray) -> float:
        """The loss at a point p = (x, y)."""
        return float(self.f(p[0], p[1]))


def ravine(condition: float = 50.0) -> Surface:
    """An ill-conditioned quadratic bowl ``f = (x**2 + condition * y**2) / 2``: steep across, flat along.

    Gradient descent must keep the step below 2 / condition to stay stable across the ravine, and then
    crawls along it; momentum and Adam damp the zig-zag.
    """
    condition = check_range(condition, "condition", 1, None)
    return Surface("ravine", lambda x, y: 0.5 * (x ** 2 + condition * y ** 2),
                   lambda p: np.array([p[0], condition * p[1]]), (-10.5, 2.0), (-2.0, 2.0), (-10.0, 1.0), [(0.0, 0.0)])


def saddle() -> Surface:
    """``f = x**2 + y**4 / 4 - y**2 / 2``: a saddle at (0, 0), minima at (0, +-1).

    Started almost on the ridge (y tiny), gradient descent lingers near the saddle point because the
    gradient there is nearly zero; adaptive methods (RMSprop, Adam) rescale the small gradient and escape.
    """
    return Surface("saddle", lambda x, y: x ** 2 + y ** 4 / 4 - y ** 2 / 2,
                   lambda p: np.array([2 * p[0], p[1] ** 3 - p[1]]), (-2.0, 2.0), (-1.6, 1.6), (1.8, 1e-3),
                   [(0.0, -1.0), (0.0, 1.0)])


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """Rosenbrock's banana ``f = (a - x)**2 + b * (y - x**2)**2``: a curved, flat-bottomed valley, minimum (a, a**2).

    Inputs: a, any finite number (the minimum's x); b > 0 (the valley's steepness; b <= 0 has no valley).
    """
    a = check_range(a, "a")
    b = check_range(b, "b", 0, None, low_inclusive=False)
    return Surface("rosenbrock", lambda x, y: (a - x) ** 2 + b * (y - x ** 2) ** 2,
                   lambda p: np.array([-2 * (a - p[0]) - 4 * b * p[0] * (p[1] - p[0] ** 2),
                                       2 * b * (p[1] - p[0] ** 2)]),
                   (-2.0, 2.0), (-1.0, 3.0), (-1.5, 2.5), [(a, a ** 2)], log_levels=True)


SURFACES: dict[str, Callable[[], Surface]] = {"ravine": ravine, "saddle": saddle, "rosenbrock": rosenbrock}


def run_optimizer(surface: Surface, optimizer: str, learning_rate: float, num_steps: int = 200,
                  start: Sequence[float] | None = None, beta: float = 0.9, beta1: float = 0.9,
                  beta2: float = 0.999, epsilon: float = 1e-8) -> np.ndarray:
    """Minimise ``surface`` from ``start`` with one of ``OPTIMIZERS`` and return the path.

    Inputs: optimizer in ("gd", "momentum", "rmsprop", "adam"); learning_rate > 0; num_steps >= 1;
    start (2,) (default ``surface.start``); beta (momentum), beta1/beta2/epsilon (RMSprop uses beta2, Adam all).
    Returns: path of shape (num_steps + 1, 2), the start point first.
    Raises: ``DivergenceError`` when the loss becomes NaN/inf or the point leaves ``DIVERGENCE_RADIUS``; the
    error's ``path`` attribute holds the finite points visited before that.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    num_steps = check_positive_int(num_steps, "num_steps")
    p0 = as_array(surface.start if start is None else start, "start", shape=(2,))
    params = {"p": p0.copy()}
    state = initialize_optimizer(params, optimizer)
    path = np.empty((num_steps + 1, 2))
    path[0] = p0
    for t in range(1, num_steps + 1):
        grads = {"dp": surface.grad(params["p"])}
        params, state = optimizer_step(optimizer, params, grads, state, learning_rate, beta, beta1, beta2, epsilon)
        p = params["p"]
        with np.errstate(all="ignore"):
            loss = surface.loss(p)
        try:
            check_finite(loss, t, hint=f"{optimizer} with learning_rate={learning_rate:g} is too large for the "
                                       f"{surface.name} surface")
            if not np.all(np.isfinite(p)) or np.abs(p).max() > DIVERGENCE_RADIUS:
                raise DivergenceError(f"training diverged at iteration {t} ({optimizer} left the {surface.name} "
                                      f"surface, |p| > {DIVERGENCE_RADIUS:g}): try a smaller learning rate")
        except DivergenceError as exc:
            exc.path = path[:t].copy()  # type: ignore[attr-defined]  # the finite steps, for plotting
            raise
        path[t] = p
    return path


def race(surface: Surface, learning_rates: dict[str, float], num_steps: int = 200,
         **hyper: float) -> dict[str, tuple[np.ndarray, str | None]]:
    """Run several optimizers on one surface.

    Inputs: learning_rates: optimizer name -> learning rate; num_steps; hyper: beta, beta1, beta2, epsilon.
    Returns: dict optimizer -> (path (k + 1, 2), message). ``message`` is None when the run finished, or the
    ``DivergenceError`` text; then the path holds only the finite steps taken before it diverged (and
    stops once it is far outside the plot window), so a plot never shows NaN.
    """
    check_mapping(learning_rates, "learning_rates")
    for name in learning_rates:
        check_choice(name, "learning_rates", OPTIMIZERS, "keyed by optimizer names")
    results: dict[str, tuple[np.ndarray, str | None]] = {}
    width = max(np.ptp(surface.xlim), np.ptp(surface.ylim))
    for name, lr in learning_rates.items():
        try:
            results[name] = (run_optimizer(surface, name, lr, num_steps, **hyper), None)
        except DivergenceError as exc:
            path = exc.path  # type: ignore[attr-defined]
            inside = np.abs(path).max(axis=1) <= 10 * width
            keep = int(np.argmin(inside)) if not inside.all() else len(path)
            results[name] = (path[:max(keep, 1)], str(exc))
    return results


COLORS = {"gd": "#d62728", "momentum": "#ff7f0e", "rmsprop": "#2ca02c", "adam": "#1f77b4"}


def plot_race(surface: Surface, results: dict[str, tuple[np.ndarray, str | None]],
              ax: plt.Axes | None = None, resolution: int = 160) -> plt.Axes:
    """Draw the surface's contours and every optimizer's path (a cross marks where a diverged run stopped)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    xs = np.linspace(*surface.xlim, resolution)
    ys = np.linspace(*surface.ylim, resolution)
    XX, YY = np.meshgrid(xs, ys)
    ZZ = surface.f(XX, YY)
    if surface.log_levels:
        levels = np.logspace(-1, np.log10(ZZ.max()), 20)
    else:
        levels = np.linspace(ZZ.min(), np.percentile(ZZ, 95), 20)
    ax.contour(XX, YY, ZZ, levels=levels, cmap="Greys", linewidths=0.7)
    for x, y in surface.minima:
        ax.plot(x, y, marker="*", color="gold", markeredgecolor="k", ms=14, zorder=5)
    for name, (path, error) in results.items():
        label = f"{name} (diverged)" if error else name
        marker = "." if len(path) <= 150 else None  # markers show the step sizes; too many only slow drawing
        ax.plot(path[:, 0], path[:, 1], "-", marker=marker, ms=3, lw=1.3, color=COLORS.get(name), label=label)
        if error:
            ax.plot(path[-1, 0], path[-1, 1], "x", color=COLORS.get(name), ms=10, mew=2)
    ax.plot(*surface.start, "ko", ms=5)
    ax.set(title=f"Optimizer paths on the {surface.name} surface", xlabel="$x$", ylabel="$y$",
           xlim=surface.xlim, ylim=surface.ylim)
    ax.legend(loc="lower right", fontsize=8)
    return ax
