"""Course 3 (structuring ML projects) as code: pick a model, split data, read errors, decide what to do next.

- Satisficing/optimizing selection: ``select_model`` (maximize one metric subject to budgets on others;
  raises ``NoModelMeetsConstraintsError`` when no candidate meets them) and ``pareto_front``.
- The course's "8 countries" as a simulator: ``make_region_data``; splits: ``split_by_group``,
  ``shuffled_split``, ``dev_test_sizes``, ``prob_dev_picks_better``.
- Known Bayes error through label noise you control: ``flip_labels``.
- A training set with a chosen share of target-distribution examples: ``mix_sources``.
- Diagnoses: ``diagnose_bias_variance`` (human/Bayes, train, dev) and ``diagnose_mismatch``
  (human, train, train-dev, dev[, test]), each naming the knobs the course recommends.
- Error analysis: ``image_properties``, ``tag_lowest``, ``error_analysis`` (count error categories and the
  ceiling of each fix).
- ``time_per_example``: measured per-example latency of a predict function.
- Transfer learning with scikit-learn networks: ``mlp_features`` (a frozen body's activations) and
  ``init_from_pretrained`` (copy a trained body under a new head, for fine-tuning).
- Multi-task learning with missing labels on the Course 1 numpy network (``utils.deep_nn``):
  ``multitask_cost`` (logistic loss summed over K sigmoid outputs, NaN labels skipped), ``multitask_gradients``,
  ``train_multitask``.

Tabular data here is examples-first, X of shape (m, n) (scikit-learn's layout); labels are (m,). The
multi-task network follows Course 1: X (n_x, m), Y (K, m).
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from utils.validation import as_array, check_positive_int, check_range

# --- satisficing and optimizing metrics ---------------------------------------------------------------

_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


class NoModelMeetsConstraintsError(ValueError):
    """Raised by ``select_model`` when no candidate satisfies every satisficing constraint."""


@dataclass(frozen=True)
class Selection:
    """The answer of ``select_model``.

    Attributes: ``chosen`` (name of the selected model), ``metrics`` (its metrics), ``feasible`` (names that
    met every constraint, best first), ``rejected`` (name -> the first constraint it broke, as text).
    """

    chosen: str
    metrics: dict
    feasible: list
    rejected: dict

    def __str__(self) -> str:
        lines = [f"chosen: {self.chosen}  ({_fmt_metrics(self.metrics)})"]
        lines += [f"  rejected {n}: {why}" for n, why in self.rejected.items()]
        return "\n".join(lines)


def _fmt_metrics(metrics: Mapping[str, float]) -> str:
    return ", ".join(f"{k} = {v:.4g}" for k, v in metrics.items())


def _parse_constraint(metric: str, spec: Any) -> tuple[str, float]:
    if isinstance(spec, tuple):
        if len(spec) != 2 or spec[0] not in _OPS:
            raise ValueError(f"constraint on {metric!r} must be a number (meaning <=) or (op, value) with op in "
                             f"{sorted(_OPS)}, got {spec!r}")
        op, value = spec
    else:
        op, value = "<=", spec
    return op, check_range(value, f"constraint on {metric!r}")


def select_model(candidates: Mapping[str, Mapping[str, float]], optimize: str,
                 constraints: Mapping[str, Any] | None = None, maximize: bool = True) -> Selection:
    """Pick the candidate with the best optimizing metric among those that meet every satisficing constraint.

    Inputs:
    - candidates: name -> {metric: value}, e.g. {"A": {"accuracy": 0.90, "latency_ms": 80}, ...}.
    - optimize: the optimizing metric (e.g. "accuracy").
    - constraints: metric -> budget. A number means "<= budget" (e.g. {"latency_ms": 100}); a tuple
      (op, value) with op in "<=", "<", ">=", ">" states the direction (e.g. {"recall": (">=", 0.9)}).
    - maximize: True to maximize ``optimize`` (accuracy), False to minimize it (error, cost).
    Returns: a ``Selection``. Ties on the optimizing metric go to the candidate listed first.
    Raises: ``NoModelMeetsConstraintsError`` (a ValueError) when no candidate meets the constraints; its
    message gives, for each constraint, the best value any candidate reached. ``ValueError`` for unknown
    metrics or an empty candidate set.
    """
    if not candidates:
        raise ValueError("candidates is empty: nothing to select from")
    constraints = dict(constraints or {})
    parsed = {}  # metric -> (op, budget), e.g. {"time_ms": ("<=", 100.0)}
    for metric, spec in constraints.items():
        parsed[metric] = _parse_constraint(metric, spec)
    for name, metrics in candidates.items():
        missing = [m for m in [optimize, *parsed] if m not in metrics]
        if missing:
            raise ValueError(f"candidate {name!r} has no value for {missing}; it has {sorted(metrics)}")
    # _OPS[op](value, budget) is True when the value meets the budget, e.g. _OPS["<="](95, 100) is True.
    # Write `feasible`: the names of the candidates that meet every constraint, best first.
    ### BEGIN SOLUTION
    feasible = []
    for name, metrics in candidates.items():  # satisficing: keep the candidates that meet every constraint
        meets_all = True
        for metric, (op, budget) in parsed.items():
            if not _OPS[op](metrics[metric], budget):
                meets_all = False
        if meets_all:
            feasible.append(name)
    sign = -1.0 if maximize else 1.0
    feasible.sort(key=lambda name: sign * candidates[name][optimize])  # optimizing: best first (stable on ties)
    ### END SOLUTION
    if not feasible:
        best = []
        for m, (op, v) in parsed.items():
            values = [c[m] for c in candidates.values()]
            closest = min(values) if op in ("<=", "<") else max(values)
            best.append(f"{m} {op} {v:.4g} (best candidate: {closest:.4g})")
        raise NoModelMeetsConstraintsError(f"no model meets the constraints: {'; '.join(best)}. "
                                           f"Relax a budget or find a cheaper model.")
    return _selection(candidates, feasible, parsed)


def _broken(metrics: Mapping[str, float], parsed: Mapping[str, tuple[str, float]]) -> str:
    """The first constraint ``metrics`` breaks, as text ("time_ms = 1500 breaks <= 100"), or "" if none."""
    broken = [f"{m} = {metrics[m]:.4g} breaks {op} {v:.4g}" for m, (op, v) in parsed.items()
              if not _OPS[op](metrics[m], v)]
    return broken[0] if broken else ""


def _selection(candidates: Mapping[str, Mapping[str, float]], feasible: list,
               parsed: Mapping[str, tuple[str, float]]) -> Selection:
    """The ``Selection`` for a list of feasible names, best first: the others are listed as rejected."""
    rejected = {n: _broken(c, parsed) for n, c in candidates.items() if n not in feasible}
    chosen = feasible[0]
    return Selection(chosen=chosen, metrics=dict(candidates[chosen]), feasible=list(feasible), rejected=rejected)


def pareto_front(candidates: Mapping[str, Mapping[str, float]], optimize: str, cost: str,
                 maximize: bool = True) -> list:
    """Names of the candidates no other candidate beats on both metrics, sorted by increasing cost.

    Inputs: candidates as in ``select_model``; optimize: the metric to make large (small if not maximize);
    cost: the metric to make small (e.g. latency). Returns: a list of names (the accuracy/latency front).
    """
    if not candidates:
        raise ValueError("candidates is empty: no front")
    sign = 1.0 if maximize else -1.0
    pts = {n: (float(c[cost]), sign * float(c[optimize])) for n, c in candidates.items()}
    front = [n for n, (c, q) in pts.items()
             if not any((c2 <= c and q2 >= q) and (c2 < c or q2 > q) for m, (c2, q2) in pts.items() if m != n)]
    return sorted(front, key=lambda n: pts[n][0])


# --- the 8-regions simulator and the splits ------------------------------------------------------------

def make_region_data(n_regions: int = 8, n_per_region: int = 500, n_features: int = 10, shift: float = 1.0,
                     boundary_shift: float = 1.0, label_noise: float = 0.5,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Binary data from several regions (countries), each with its own input shift and decision boundary.

    Region r draws x ~ N(mu_r, I) with mu_r = shift * N(0, I), and labels y = 1 when
    (x - mu_r) . w_r + label_noise * N(0, 1) > 0, where w_r = w + boundary_shift * N(0, I) / sqrt(n_features)
    around a shared unit direction w. shift = boundary_shift = 0 gives one distribution for every region.
    Inputs: sizes (positive ints), shift, boundary_shift, label_noise >= 0, seed.
    Returns: X (m, n_features), y (m,) in {0, 1}, region (m,) in 0..n_regions-1, with m = n_regions * n_per_region.
    """
    n_regions = check_positive_int(n_regions, "n_regions")
    n_per_region = check_positive_int(n_per_region, "n_per_region")
    n_features = check_positive_int(n_features, "n_features")
    for name, v in (("shift", shift), ("boundary_shift", boundary_shift), ("label_noise", label_noise)):
        check_range(v, name, 0, None)
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(n_features)
    w /= np.linalg.norm(w)
    Xs, ys, rs = [], [], []
    for r in range(n_regions):
        mu = shift * rng.standard_normal(n_features)
        w_r = w + boundary_shift * rng.standard_normal(n_features) / np.sqrt(n_features)
        w_r /= np.linalg.norm(w_r)
        X = mu + rng.standard_normal((n_per_region, n_features))
        y = ((X - mu) @ w_r + label_noise * rng.standard_normal(n_per_region) > 0).astype(np.int64)
        Xs.append(X)
        ys.append(y)
        rs.append(np.full(n_per_region, r))
    return np.concatenate(Xs), np.concatenate(ys), np.concatenate(rs)


def split_by_group(groups: Any, dev_groups: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """The split the course warns against: dev = examples of some groups, test = the rest.

    Inputs: groups (m,): the group of each example; dev_groups: the groups that go to dev.
    Returns: (dev_idx, test_idx), int index arrays; both must be non-empty.
    """
    g = np.asarray(groups).reshape(-1)
    if g.size == 0:
        raise ValueError("groups is empty: nothing to split")
    unknown = [d for d in dev_groups if not np.any(g == d)]
    if unknown:
        raise ValueError(f"dev_groups {unknown} do not occur in groups (present: {np.unique(g).tolist()})")
    in_dev = np.isin(g, list(dev_groups))
    if in_dev.all():
        raise ValueError("every group is a dev group: the test set would be empty")
    return np.flatnonzero(in_dev), np.flatnonzero(~in_dev)


def shuffled_split(m: int, sizes: Sequence[float], seed: int = 0) -> list[np.ndarray]:
    """Shuffle indices 0..m-1 and cut them into consecutive parts: every part from the same distribution.

    Inputs: m examples; sizes: fractions summing to 1 (e.g. (0.98, 0.01, 0.01)) or counts summing to m;
    seed: the shuffle is ``np.random.default_rng(seed).permutation(m)``.
    Returns: a list of int index arrays, one per part, each non-empty: part i holds counts[i] indices, where
    counts (the sizes as numbers of examples, summing to m) is computed for you.
    """
    m = check_positive_int(m, "m")
    s = np.asarray(sizes, dtype=np.float64)
    if s.ndim != 1 or s.size == 0 or np.any(s <= 0):
        raise ValueError(f"sizes must be a non-empty list of positive fractions or counts, got {list(sizes)}")
    if np.isclose(s.sum(), 1.0):
        counts = np.floor(s * m).astype(int)
        counts[0] += m - counts.sum()
    elif np.isclose(s.sum(), m) and np.allclose(s, np.round(s)):
        counts = np.round(s).astype(int)
    else:
        raise ValueError(f"sizes must be fractions summing to 1 or counts summing to m = {m}, got {list(sizes)}")
    if np.any(counts < 1):
        raise ValueError(f"sizes {list(sizes)} leave an empty part for m = {m}")
    ### BEGIN SOLUTION
    perm = np.random.default_rng(seed).permutation(m)  # shuffle first...
    parts = np.split(perm, np.cumsum(counts)[:-1])      # ...then cut: counts (6, 2, 2) cut at 6 and 8
    ### END SOLUTION
    return list(parts)


def dev_test_sizes(m: int, large: int = 100_000, dev_size: int = 10_000) -> tuple[int, int, int]:
    """The course's rule of thumb for (train, dev, test) sizes.

    Small data (m < ``large``): the old 60/20/20 split. Large data: dev and test just big enough to
    tell models apart (``dev_size`` each, e.g. 10,000 of 1,000,000 = 98/1/1, but at most m // 5), the rest
    for training. Small-data dev and test sizes are int(round(0.2 * m)).
    Returns: (n_train, n_dev, n_test), ints summing to m.
    """
    m = check_positive_int(m, "m")
    large = check_positive_int(large, "large")
    dev_size = check_positive_int(dev_size, "dev_size")
    if m < 5:
        raise ValueError(f"m must be at least 5 to leave examples for train, dev and test, got {m}")
    ### BEGIN SOLUTION
    if m < large:
        n_dev = n_test = int(round(0.2 * m))       # 60/20/20
    else:
        n_dev = n_test = min(dev_size, m // 5)     # just big enough, never more than 20 %
    n_train = m - n_dev - n_test
    ### END SOLUTION
    return n_train, n_dev, n_test


def prob_dev_picks_better(acc_better: float, acc_worse: float, n_dev: int, n_trials: int = 10_000,
                          seed: int = 0) -> float:
    """Simulate how often a dev set of ``n_dev`` examples ranks the truly better model first.

    Each trial draws both models' numbers of correct dev answers as independent binomials; ties count half.
    Inputs: true accuracies in [0, 1] (acc_better >= acc_worse), n_dev, n_trials positive ints.
    Returns: the probability in [0, 1] (0.5 means the dev set cannot tell them apart).
    """
    a = check_range(acc_better, "acc_better", 0, 1)
    b = check_range(acc_worse, "acc_worse", 0, 1)
    if a < b:
        raise ValueError(f"acc_better ({a}) must be >= acc_worse ({b})")
    n_dev = check_positive_int(n_dev, "n_dev")
    n_trials = check_positive_int(n_trials, "n_trials")
    rng = np.random.default_rng(seed)
    ka, kb = rng.binomial(n_dev, a, n_trials), rng.binomial(n_dev, b, n_trials)
    return float(np.mean(ka > kb) + 0.5 * np.mean(ka == kb))


# --- label noise: a Bayes error you know ------------------------------------------------------------------

def flip_labels(y: Any, rate: float, n_classes: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Corrupt each label independently with probability ``rate``, replacing it by a different random class.

    If the clean label is a function of x, the best possible classifier errs on exactly the flipped
    examples: Bayes error = rate (on data corrupted the same way).
    Inputs: y (m,) or (1, m) integer labels in 0..n_classes-1; rate in [0, 1]; n_classes >= 2.
    Returns: (y_noisy of the same shape as y, flipped (m,) bool mask).
    """
    arr = np.asarray(y)
    flat = arr.reshape(-1).astype(np.int64)
    if flat.size == 0:
        raise ValueError("y is empty: nothing to corrupt")
    if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[0] != 1):
        raise ValueError(f"y must have shape (m,) or (1, m), got shape {arr.shape}")
    n_classes = check_positive_int(n_classes, "n_classes")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    if flat.min() < 0 or flat.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, found {flat.min()}..{flat.max()}")
    rate = check_range(rate, "rate", 0, 1)
    rng = np.random.default_rng(seed)
    flipped = rng.random(flat.size) < rate
    noisy = flat.copy()
    offsets = rng.integers(1, n_classes, size=flat.size)  # never the same class
    noisy[flipped] = (flat[flipped] + offsets[flipped]) % n_classes
    return noisy.reshape(arr.shape), flipped


def mix_sources(a: Any, b: Any, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A training set that takes each example from ``b`` (say, the target distribution) with probability ``fraction``.

    Inputs: a, b: two versions of the same m examples, same shape (m, ...) (e.g. scanned and phone images of
    the same digits); fraction in [0, 1]; seed for the draw. Returns (mixed (m, ...), from_b (m,) bool mask).
    The mask for a larger fraction contains the mask for a smaller one (same seed), so a sweep adds target
    examples one by one instead of redrawing them.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim == 0 or a.shape[0] == 0:
        raise ValueError(f"a and b must be two non-empty arrays of the same shape, got {a.shape} and {b.shape}")
    fraction = check_range(fraction, "fraction", 0, 1)
    from_b = np.random.default_rng(seed).random(a.shape[0]) < fraction
    mask = from_b.reshape((-1,) + (1,) * (a.ndim - 1))
    return np.where(mask, b, a), from_b


# --- diagnoses ---------------------------------------------------------------------------------------

BIAS_KNOBS = ["train a bigger model", "train longer / a better optimizer (momentum, RMSprop, Adam)",
              "search the architecture and hyperparameters"]
VARIANCE_KNOBS = ["get more training data", "regularize (L2, dropout, data augmentation)",
                  "search the architecture and hyperparameters"]
MISMATCH_KNOBS = ["do manual error analysis to see how train and dev/test differ",
                  "make training data more like dev/test (artificial data synthesis)",
                  "collect more training data like the dev/test data"]
DEV_OVERFIT_KNOBS = ["get a bigger dev set (you have overfit the dev set)"]


@dataclass(frozen=True)
class Diagnosis:
    """What the errors say and what to do.

    Attributes: ``errors`` (name -> error, in the order given), ``gaps`` (problem -> size: "avoidable bias",
    "variance", and for ``diagnose_mismatch`` also "data mismatch", "overfitting to dev"), ``focus`` (the
    largest gap's name, or "none" when every gap is within tolerance), ``knobs`` (what the course recommends
    for the focus), ``notes`` (warnings, e.g. train error below human level).
    """

    errors: dict
    gaps: dict
    focus: str
    knobs: list
    notes: list = field(default_factory=list)

    def __str__(self) -> str:
        lines = ["  ".join(f"{k}: {100 * v:.1f} %" for k, v in self.errors.items()),
                 "  ".join(f"{k}: {100 * v:.1f} %" for k, v in self.gaps.items()),
                 f"focus on: {self.focus}"]
        lines += [f"  - {k}" for k in self.knobs]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


_KNOBS = {"avoidable bias": BIAS_KNOBS, "variance": VARIANCE_KNOBS, "data mismatch": MISMATCH_KNOBS,
          "overfitting to dev": DEV_OVERFIT_KNOBS}


def _diagnose(errors: dict, gaps: dict, tolerance: float) -> Diagnosis:
    """The Diagnosis for ``gaps`` (problem -> size): focus on the largest gap above ``tolerance``."""
    tolerance = check_range(tolerance, "tolerance", 0, 1)
    if not isinstance(gaps, dict) or any(k not in gaps for k in ("avoidable bias", "variance")) \
            or any(k not in _KNOBS for k in gaps):
        got = list(gaps) if isinstance(gaps, dict) else type(gaps).__name__
        raise ValueError(f"gaps must be a dict with the keys 'avoidable bias' and 'variance' (and, with a train-dev "
                         f"set, 'data mismatch' and 'overfitting to dev'); got {got}")
    notes = []
    if gaps["avoidable bias"] < 0:
        notes.append("train error is below human-level error: human error no longer bounds Bayes error, "
                     "so avoidable bias is unknown and progress gets harder to steer")
    focus = max(gaps, key=lambda k: gaps[k])
    if gaps[focus] <= tolerance:
        return Diagnosis(errors, gaps, "none", ["the errors are within tolerance of human level: ship it, or "
                                                "lower human-level error (e.g. a team of experts)"], notes)
    return Diagnosis(errors, gaps, focus, list(_KNOBS[focus]), notes)


def diagnose_bias_variance(human_error: float, train_error: float, dev_error: float,
                           tolerance: float = 0.0) -> Diagnosis:
    """Avoidable bias = train - human (human-level error as a proxy for Bayes error); variance = dev - train.

    Inputs: errors in [0, 1]; tolerance: gaps at or below it count as solved.
    Returns: a ``Diagnosis`` whose focus is the larger gap, with the course's knobs for it. You write ``gaps``,
    a dict with the keys "avoidable bias" and "variance"; ``_diagnose`` picks the focus and the knobs.
    """
    e = {"human": check_range(human_error, "human_error", 0, 1),
         "train": check_range(train_error, "train_error", 0, 1),
         "dev": check_range(dev_error, "dev_error", 0, 1)}
    ### BEGIN SOLUTION
    gaps = {"avoidable bias": e["train"] - e["human"],  # human-level error is the proxy for Bayes error
            "variance": e["dev"] - e["train"]}
    ### END SOLUTION
    return _diagnose(e, gaps, tolerance)


def diagnose_mismatch(human_error: float, train_error: float, train_dev_error: float, dev_error: float,
                      test_error: float | None = None, tolerance: float = 0.0) -> Diagnosis:
    """Split the gap between human and dev error when training and dev/test data differ.

    train-dev is held-out data from the *training* distribution, so:
    avoidable bias = train - human; variance = train-dev - train; data mismatch = dev - train-dev;
    overfitting to dev = test - dev (when test_error is given).
    Inputs: errors in [0, 1]. Returns: a ``Diagnosis`` focused on the largest gap. You write ``gaps``, a dict with
    the keys "avoidable bias", "variance", "data mismatch" and, when e has a "test" entry, "overfitting to dev".
    """
    e = {"human": check_range(human_error, "human_error", 0, 1),
         "train": check_range(train_error, "train_error", 0, 1),
         "train-dev": check_range(train_dev_error, "train_dev_error", 0, 1),
         "dev": check_range(dev_error, "dev_error", 0, 1)}
    if test_error is not None:
        e["test"] = check_range(test_error, "test_error", 0, 1)
    ### BEGIN SOLUTION
    gaps = {"avoidable bias": e["train"] - e["human"],
            "variance": e["train-dev"] - e["train"],    # same distribution, not trained on
            "data mismatch": e["dev"] - e["train-dev"]}  # same model, other distribution
    if "test" in e:
        gaps["overfitting to dev"] = e["test"] - e["dev"]
    ### END SOLUTION
    return _diagnose(e, gaps, tolerance)


# --- error analysis -------------------------------------------------------------------------------------

def image_properties(images: Any, eps: float = 1e-3) -> dict:
    """Measurable properties of grayscale images, to tag errors with, each blind to the other two changes.

    Inputs: images (k, H, W) with values in [0, 1] (H, W >= 3); eps avoids dividing by zero on flat images.
    Returns: dict with arrays of shape (k,):
    - "brightness": the mean pixel value (darkening lowers it);
    - "contrast": pixel standard deviation / (mean + eps), so darkening (scaling) leaves it unchanged;
    - "sharpness": variance of the Laplacian / (pixel variance + eps), so scaling or fading leaves it
      unchanged and blurring lowers it.
    """
    imgs = as_array(images, "images", ndim=3)
    if imgs.shape[0] == 0 or min(imgs.shape[1:]) < 3:
        raise ValueError(f"images must have shape (k, H, W) with k >= 1 and H, W >= 3, got {imgs.shape}")
    check_range(eps, "eps", 0, None, low_inclusive=False)
    lap = (imgs[:, :-2, 1:-1] + imgs[:, 2:, 1:-1] + imgs[:, 1:-1, :-2] + imgs[:, 1:-1, 2:]
           - 4 * imgs[:, 1:-1, 1:-1])
    mean, var = imgs.mean(axis=(1, 2)), imgs.var(axis=(1, 2))
    return {"brightness": mean, "contrast": np.sqrt(var) / (mean + eps),
            "sharpness": lap.var(axis=(1, 2)) / (var + eps)}


def tag_lowest(values: Any, fraction: float = 0.25, reference: Any = None) -> np.ndarray:
    """Tag the examples whose value is among the lowest ``fraction`` (e.g. the darkest quarter).

    Inputs: values (m,); fraction in (0, 1); reference (k,): optional values that set the threshold, e.g.
    the training images' brightness, so that "dark" means "darker than all but ``fraction`` of the
    training images" (default: values themselves).
    Returns: bool mask (m,), True where value <= the ``fraction`` quantile of reference.
    """
    v = as_array(values, "values", ndim=1)
    if v.size == 0:
        raise ValueError("values is empty: nothing to tag")
    fraction = check_range(fraction, "fraction", 0, 1, low_inclusive=False, high_inclusive=False)
    ref = v if reference is None else as_array(reference, "reference", ndim=1)
    if ref.size == 0:
        raise ValueError("reference is empty: cannot set a threshold")
    return v <= np.quantile(ref, fraction)


@dataclass(frozen=True)
class ErrorCategory:
    """One row of the error-analysis table.

    ``count``: errors in this category; ``fraction_of_errors``: count / all errors; ``error_rate``: error rate
    among the examples with this tag; ``ceiling``: the overall error if every error of this category were fixed
    (the best a fix for it can do).
    """

    name: str
    count: int
    fraction_of_errors: float
    error_rate: float
    ceiling: float


def error_analysis(errors: Any, tags: Mapping[str, Any]) -> tuple[float, list]:
    """Count the errors in each category (categories may overlap, as in the course's spreadsheet).

    Inputs:
    - errors: bool (m,), True where the classifier is wrong.
    - tags: category name -> bool (m,) (e.g. "dark": brightness in the lowest quarter); each tag must mark
      at least one example.
    Returns: (overall error rate, list of ``ErrorCategory(name, count, fraction_of_errors, error_rate, ceiling)``
    sorted by count, largest first; ceiling = ``fix_ceiling(overall, fraction_of_errors)``).
    Raises ValueError when there are no errors to analyse or a tag has the wrong length or marks nothing.
    """
    err = np.asarray(errors).reshape(-1)
    if err.size == 0 or not np.isin(err, (0, 1)).all():
        raise ValueError(f"errors must be a non-empty bool array (m,), got shape {err.shape}")
    err = err.astype(bool)
    if not err.any():
        raise ValueError("there are no errors to analyse (the classifier is right on every example)")
    if not tags:
        raise ValueError("tags is empty: give at least one category")
    masks = {}  # category name -> bool (m,)
    for name, mask in tags.items():
        masks[name] = _tag_mask(mask, name, err.size)
    overall = float(err.mean())
    ### BEGIN SOLUTION
    rows = []
    for name, tag in masks.items():
        count = int(np.sum(err & tag))            # mistakes with this tag
        fraction = count / np.sum(err)            # share of all mistakes
        rate = float(np.mean(err[tag]))           # error rate among the tagged examples
        rows.append(ErrorCategory(name, count, float(fraction), rate, fix_ceiling(overall, fraction)))
    rows.sort(key=lambda row: -row.count)         # largest first (stable on ties)
    ### END SOLUTION
    return overall, rows


def _tag_mask(mask: Any, name: str, m: int) -> np.ndarray:
    """A tag as a bool array (m,), with a clear error when its length is wrong or it marks nothing."""
    t = np.asarray(mask).reshape(-1)
    if t.size != m:
        raise ValueError(f"tag {name!r} has {t.size} entries but errors has {m}")
    t = t.astype(bool)
    if not t.any():
        raise ValueError(f"tag {name!r} marks no example: its error rate is undefined")
    return t


def fix_ceiling(error: float, fraction_of_errors: float) -> float:
    """Error left if a fix removed every error of a category that holds ``fraction_of_errors`` of them.

    Inputs: error in [0, 1] (e.g. 0.10 dev error), fraction_of_errors in [0, 1] (e.g. 0.05 of the mistakes).
    Returns: the error left, a float in [0, 1] (the course's example: 10 % error, 5 % of it -> 9.5 %).
    """
    error = check_range(error, "error", 0, 1)
    fraction_of_errors = check_range(fraction_of_errors, "fraction_of_errors", 0, 1)
    ### BEGIN SOLUTION
    ceiling = error * (1 - fraction_of_errors)
    ### END SOLUTION
    return ceiling


# --- latency ----------------------------------------------------------------------------------------------

def time_per_example(predict: Callable[[np.ndarray], Any], X: Any, n_examples: int = 50, repeats: int = 3,
                     batch_size: int = 1) -> float:
    """Measured seconds per example of ``predict``, as a deployed model sees them (``batch_size`` at a time).

    Inputs: predict(X_batch); X (m, ...) examples first; times the first ``n_examples`` (at most m),
    ``repeats`` times, after one warm-up call. Returns: the median over repeats of seconds per example.
    The number varies from run to run (machine load): print it, never check it exactly.
    """
    X = np.asarray(X)
    if X.ndim < 1 or X.shape[0] == 0:
        raise ValueError(f"X must hold examples along axis 0, got shape {X.shape}")
    n = min(check_positive_int(n_examples, "n_examples"), X.shape[0])
    repeats = check_positive_int(repeats, "repeats")
    batch_size = check_positive_int(batch_size, "batch_size")
    predict(X[:batch_size])  # warm-up (lazy initialisation, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, n, batch_size):
            predict(X[i:i + batch_size])
        times.append((time.perf_counter() - start) / n)
    return float(np.median(times))


# --- transfer learning with scikit-learn networks ---------------------------------------------------------

def mlp_features(net: Any, X: Any, n_layers: int = 1) -> np.ndarray:
    """The activations of the first ``n_layers`` hidden layers of a fitted ``MLPClassifier`` (ReLU, tanh or
    logistic), i.e. what a frozen pre-trained body hands to a new head.

    Inputs: net (fitted), X (m, n_x). Returns: A of shape (m, n_h) for the ``n_layers``-th hidden layer.
    """
    coefs = getattr(net, "coefs_", None)
    if coefs is None:
        raise ValueError("net is not fitted: call net.fit(X, y) first")
    n_hidden = len(coefs) - 1
    n_layers = check_positive_int(n_layers, "n_layers")
    if n_layers > n_hidden:
        raise ValueError(f"net has {n_hidden} hidden layers, asked for the first {n_layers}")
    A = as_array(X, "X", shape=(None, coefs[0].shape[0]))
    act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "identity": lambda z: z,
           "logistic": lambda z: 1 / (1 + np.exp(-z))}[net.activation]
    for W, b in zip(coefs[:n_layers], net.intercepts_[:n_layers]):
        A = act(A @ W + b)
    return A


def init_from_pretrained(net: Any, source: Any, X: Any, y: Any, n_layers: int = 1) -> Any:
    """Prepare ``net`` (an unfitted ``MLPClassifier``) for fine-tuning: copy the first ``n_layers`` layers of
    the fitted ``source``, keep a fresh output layer for the new task, and turn on warm starts.

    Inputs: net and source with the same hidden sizes for the copied layers; X (m, n_x), y (m,) of the new task
    (used once to create the new output layer, one iteration). Returns: net, ready for ``fit`` or ``partial_fit``.
    """
    import warnings

    src = getattr(source, "coefs_", None)
    if src is None:
        raise ValueError("source is not fitted: pre-train it first")
    n_layers = check_positive_int(n_layers, "n_layers")
    max_iter = net.max_iter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.set_params(max_iter=1, warm_start=True)
        net.fit(X, y)
    if n_layers > len(net.coefs_) - 1:
        raise ValueError(f"net has {len(net.coefs_) - 1} hidden layers, cannot copy {n_layers}")
    for i in range(n_layers):
        if net.coefs_[i].shape != src[i].shape:
            raise ValueError(f"layer {i + 1}: net has weights {net.coefs_[i].shape}, source {src[i].shape}")
        net.coefs_[i] = src[i].copy()
        net.intercepts_[i] = source.intercepts_[i].copy()
    # forget the one-iteration run's loss history, or its stopping rule (no improvement on best_loss_ for
    # n_iter_no_change epochs) would stop fine-tuning after a few epochs
    net.best_loss_, net._no_improvement_count, net.loss_curve_ = np.inf, 0, []
    net.set_params(max_iter=max_iter)
    return net


# --- multi-task learning with missing labels (the Course 1 numpy network, several sigmoid outputs) --------

def multitask_cost(ZL: Any, Y: Any) -> tuple[float, np.ndarray]:
    """The course's multi-task cost: logistic loss summed over the K sigmoid outputs, averaged over the m
    examples, skipping missing labels (the course's "?"), and its gradient with respect to the logits.

    J = (1/m) sum_i sum_j [y_ji known] * L(sigmoid(z_ji), y_ji), L(a, y) = -[y log a + (1-y) log(1-a)]
    (computed from the logits for stability; the course's form with a = sigmoid(z) gives the same numbers).
    Inputs: ZL (K, m) logits of the output layer; Y (K, m) with entries 0, 1 or NaN (missing).
    Returns: (J, dZL) with dZL (K, m) = [known] * (sigmoid(ZL) - Y) / m.
    """
    Z = as_array(ZL, "ZL", ndim=2)
    Yarr = as_array(Y, "Y", shape=Z.shape)
    known = ~np.isnan(Yarr)
    if not known.any():
        raise ValueError("every label is missing (NaN): nothing to learn from")
    bad = known & ~np.isin(Yarr, (0.0, 1.0))
    if bad.any():
        raise ValueError(f"Y must hold 0, 1 or NaN (missing), found {np.unique(Yarr[bad])[:5].tolist()}")
    Y0 = np.where(known, Yarr, 0.0)  # missing labels replaced by 0: mask them out with `known`
    m = Z.shape[1]
    ### BEGIN SOLUTION
    # -[y log a + (1-y) log(1-a)] with a = sigmoid(z), written from z so that large |z| cannot give log(0)
    losses = np.maximum(Z, 0) - Z * Y0 + np.log1p(np.exp(-np.abs(Z)))
    J = np.sum(losses * known) / m     # sum over the known labels, divide by m (examples)
    A = 1 / (1 + np.exp(-Z))
    dZ = known * (A - Y0) / m          # no gradient from a missing label
    ### END SOLUTION
    return float(J), dZ


def multitask_gradients(X: Any, Y: Any, parameters: dict, hidden_activation: str = "relu"
                        ) -> tuple[float, dict]:
    """Cost and gradients of an L-layer network (``utils.deep_nn``) with K sigmoid outputs and missing labels.

    Inputs: X (n_x, m); Y (K, m) with 0, 1 or NaN; parameters W1, b1, ..., WL, bL with WL of shape (K, n_{L-1}).
    Returns: (cost, grads) with grads dW1, db1, ..., dWL, dbL of the parameters' shapes.
    """
    from utils.deep_nn import L_model_forward, linear_activation_backward, linear_backward

    AL, caches = L_model_forward(X, parameters, hidden_activation)
    linear_cache, ZL = caches[-1]
    if np.shape(Y) != ZL.shape:
        raise ValueError(f"Y must have shape (K, m) = {ZL.shape} (one row per output), got {np.shape(Y)}")
    cost, dZ = multitask_cost(ZL, Y)
    L = len(caches)
    grads = {}
    # linear_backward averages over m; dZ is already divided by m, so multiply back
    dA, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ * ZL.shape[1], linear_cache)
    for layer in range(L - 1, 0, -1):
        dA, grads[f"dW{layer}"], grads[f"db{layer}"] = linear_activation_backward(dA, caches[layer - 1],
                                                                                  hidden_activation)
    return cost, grads


def train_multitask(X: Any, Y: Any, layers_dims: Sequence[int], learning_rate: float = 0.5,
                    num_iterations: int = 2000, seed: int = 1, record_every: int = 100) -> tuple[dict, list]:
    """Batch gradient descent on ``multitask_cost`` for an L-layer network with K = layers_dims[-1] outputs.

    Inputs: X (n_x, m); Y (K, m) with 0, 1 or NaN (missing); layers_dims [n_x, ..., K].
    Returns: (parameters, costs recorded every ``record_every`` iterations). Raises DivergenceError on NaN/inf.
    """
    from utils.deep_nn import initialize_parameters_deep
    from utils.validation import check_finite

    X = as_array(X, "X", ndim=2)
    dims = list(layers_dims)
    if len(dims) < 2 or dims[0] != X.shape[0] or dims[-1] != np.shape(Y)[0]:
        raise ValueError(f"layers_dims must start with n_x = {X.shape[0]} and end with K = {np.shape(Y)[0]} "
                         f"(rows of Y), got {dims}")
    learning_rate = check_range(learning_rate, "learning_rate", 0, None, low_inclusive=False)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    parameters = initialize_parameters_deep(dims, init="he", seed=seed)
    costs = []
    for i in range(num_iterations):
        cost, grads = multitask_gradients(X, Y, parameters)
        check_finite(cost, i)
        parameters = {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}
        if i % record_every == 0 or i == num_iterations - 1:
            costs.append(cost)
    return parameters, costs
