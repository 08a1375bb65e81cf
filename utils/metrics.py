"""Evaluation metrics written out by hand: confusion matrix, precision, recall, F1 and F-beta, accuracy,
the confidence interval of an error rate, error averaged over groups, and Spearman's rank correlation.

Labels may be given as (m,) or, in the Course 1-2 layout, as (1, m); both are flattened to (m,).
Binary metrics (precision, recall, F1) need labels in {0, 1} with 1 = the positive class.
Every function is checked against ``sklearn.metrics`` / ``scipy.stats`` in ``tests/test_metrics.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from utils.validation import check_range


def _labels(y: Any, name: str) -> np.ndarray:
    """Return labels as a 1-D array (m,), accepting (m,) or (1, m)."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (m,) or (1, m), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: need at least one example")
    return arr


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.size != p.size:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}: they must have the same length m")
    return t, p


def _binary(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = _pair(y_true, y_pred)
    for name, arr in (("y_true", t), ("y_pred", p)):
        bad = ~np.isin(arr, (0, 1))
        if bad.any():
            raise ValueError(f"{name} must contain only 0 and 1 labels (1 = positive) for a binary metric, "
                             f"found {np.unique(arr[bad])[:5].tolist()}")
    return t.astype(np.int64), p.astype(np.int64)


def confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence | None = None) -> np.ndarray:
    """Count how often each true class is predicted as each class.

    Inputs:
    - y_true, y_pred: labels, shape (m,) or (1, m).
    - labels: the classes in row/column order; default: the sorted union of both arrays.
    Returns:
    - C: int array of shape (k, k), C[i, j] = number of examples of class labels[i] predicted as labels[j]
      (sklearn's layout: for labels [0, 1], C = [[TN, FP], [FN, TP]]).
    """
    t, p = _pair(y_true, y_pred)
    classes = np.unique(np.concatenate([t, p])) if labels is None else np.asarray(labels)
    if classes.ndim != 1 or classes.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D sequence, got {labels!r}")
    index = {c.item() if hasattr(c, "item") else c: i for i, c in enumerate(classes)}  # class -> row/column
    if len(index) != classes.size:
        raise ValueError(f"labels must not repeat, got {classes.tolist()}")
    k = classes.size
    ### BEGIN SOLUTION
    C = np.zeros((k, k), dtype=np.int64)
    for true_class, predicted_class in zip(t.tolist(), p.tolist()):
        if true_class in index and predicted_class in index:  # classes not in `labels` are not counted
            C[index[true_class], index[predicted_class]] += 1
    ### END SOLUTION
    return C


def precision(y_true: Any, y_pred: Any) -> float:
    """Of the examples predicted positive, the fraction that are positive: TP / (TP + FP).

    Inputs: binary labels y_true, y_pred of shape (m,) or (1, m) (1 = positive). Returns a float in [0, 1];
    0.0 when nothing is predicted positive (as sklearn with ``zero_division=0``).
    """
    t, p = _binary(y_true, y_pred)  # (m,) int arrays of 0 and 1
    ### BEGIN SOLUTION
    tp = np.sum((p == 1) & (t == 1))  # predicted positive and positive
    fp = np.sum((p == 1) & (t == 0))  # predicted positive but negative
    prec = tp / (tp + fp) if tp + fp > 0 else 0.0
    ### END SOLUTION
    return float(prec)


def recall(y_true: Any, y_pred: Any) -> float:
    """Of the positive examples, the fraction predicted positive: TP / (TP + FN).

    Inputs: binary labels of shape (m,) or (1, m) (1 = positive). Returns a float in [0, 1];
    0.0 when there are no positives (as sklearn with ``zero_division=0``).
    """
    t, p = _binary(y_true, y_pred)  # (m,) int arrays of 0 and 1
    ### BEGIN SOLUTION
    tp = np.sum((p == 1) & (t == 1))  # positive and predicted positive
    fn = np.sum((p == 0) & (t == 1))  # positive but predicted negative
    rec = tp / (tp + fn) if tp + fn > 0 else 0.0
    ### END SOLUTION
    return float(rec)


def f1_from_precision_recall(p: float, r: float) -> float:
    """The harmonic mean of precision and recall, 2 / (1/P + 1/R) = 2PR / (P + R); 0.0 when both are 0.

    Inputs: p, r in [0, 1]. Returns a float in [0, 1].
    """
    p = check_range(p, "p (precision)", 0, 1)
    r = check_range(r, "r (recall)", 0, 1)
    ### BEGIN SOLUTION
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0  # = 2 / (1/P + 1/R), written so P = 0 or R = 0 gives 0
    ### END SOLUTION
    return f1


def fbeta_from_precision_recall(p: float, r: float, beta: float) -> float:
    """F-beta, the weighted harmonic mean (1 + beta^2) P R / (beta^2 P + R); 0.0 when both are 0.

    ``beta`` is how many times more recall weighs than precision: beta = 1 is F1, beta < 1 favours
    precision, beta > 1 recall (as ``sklearn.metrics.fbeta_score``). Inputs: p, r in [0, 1], beta > 0.
    """
    p = check_range(p, "p (precision)", 0, 1)
    r = check_range(r, "r (recall)", 0, 1)
    beta = check_range(beta, "beta", 0, None, low_inclusive=False)
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r) if p + r > 0 else 0.0


def error_rate_interval(error: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson confidence interval of an error rate measured on ``n`` examples (z = 1.96: 95 %).

    Inputs: error in [0, 1] (the measured fraction of mistakes), n >= 1 examples. Returns (low, high) in
    [0, 1]; its width shrinks as 1 / sqrt(n), so a dev set 4 times bigger halves it.
    """
    error = check_range(error, "error", 0, 1)
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer (the number of examples), got {n!r}")
    z = check_range(z, "z", 0, None, low_inclusive=False)
    denom = 1 + z * z / n
    centre = (error + z * z / (2 * n)) / denom
    half = z * np.sqrt(error * (1 - error) / n + z * z / (4 * n * n)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def f1_score(y_true: Any, y_pred: Any) -> float:
    """F1 score of binary predictions: the harmonic mean of precision and recall (a single-number metric)."""
    return f1_from_precision_recall(precision(y_true, y_pred), recall(y_true, y_pred))


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of labels predicted exactly (any classes). Inputs: (m,) or (1, m). Returns a float in [0, 1]."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def error_rate(y_true: Any, y_pred: Any) -> float:
    """The fraction of examples misclassified (1 - accuracy), any classes.

    Inputs: labels y_true, y_pred of shape (m,) or (1, m). Returns a float in [0, 1].
    """
    t, p = _pair(y_true, y_pred)  # (m,) arrays
    ### BEGIN SOLUTION
    error = np.mean(t != p)
    ### END SOLUTION
    return float(error)


def group_errors(y_true: Any, y_pred: Any, groups: Any, names: Sequence | None = None) -> dict:
    """Error rate within each group (e.g. each region or country).

    Inputs:
    - y_true, y_pred: labels (m,) or (1, m); groups: the group of each example, (m,) or (1, m).
    - names: the groups that must be reported (default: those present). A listed group with no example
      raises ``ValueError``: its error is undefined, and silently dropping it would bias the average.
    Returns: dict group -> error rate in [0, 1] (a float), in the order of ``names`` (or sorted): one entry
    for every group in ``wanted``.
    """
    t, p = _pair(y_true, y_pred)
    g = _labels(groups, "groups")
    if g.size != t.size:
        raise ValueError(f"groups has {g.size} entries but there are {t.size} labels: need one group per example")
    present = np.unique(g)
    wanted = list(present.tolist()) if names is None else list(names)
    if not wanted:
        raise ValueError("names is empty: need at least one group")
    empty = [n for n in wanted if not np.any(g == n)]
    if empty:
        raise ValueError(f"groups {empty} have no examples: cannot compute their error "
                         f"(groups present: {present.tolist()})")
    ### BEGIN SOLUTION
    errors = {}
    for name in wanted:
        in_group = g == name  # bool (m,): the examples of this group
        errors[name] = float(np.mean(t[in_group] != p[in_group]))
    ### END SOLUTION
    return errors


def average_group_error(y_true: Any, y_pred: Any, groups: Any, names: Sequence | None = None,
                        weights: Mapping | None = None) -> float:
    """One number from per-group errors: their (optionally weighted) average.

    Each group counts equally by default (a small region weighs as much as a big one), unlike the
    pooled error rate, which weighs groups by their number of examples.
    Inputs: as ``group_errors``; weights: optional dict group -> weight >= 0 (e.g. users per region).
    Returns: a float in [0, 1]: sum_g w_g * error_g / sum_g w_g (every w_g = 1 when weights is None).
    """
    errors = group_errors(y_true, y_pred, groups, names)  # dict group -> error rate of that group
    if weights is not None:
        missing = [n for n in errors if n not in weights]
        if missing:
            raise ValueError(f"weights has no entry for groups {missing}")
        for n in errors:
            check_range(weights[n], f"weights[{n!r}]", 0, None)
        if sum(weights[n] for n in errors) == 0:
            raise ValueError("weights sum to 0: at least one group needs a positive weight")
    ### BEGIN SOLUTION
    e = np.array([errors[n] for n in errors])  # (G,) one error per group
    w = np.ones(len(e)) if weights is None else np.array([weights[n] for n in errors], dtype=float)
    average = np.sum(w * e) / np.sum(w)
    ### END SOLUTION
    return float(average)


def rankdata(x: Any) -> np.ndarray:
    """Ranks 1..n of the values in x (n,), ties sharing the average of their ranks (as scipy's 'average')."""
    a = _labels(x, "x").astype(np.float64)
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(a.size)
    ranks[order] = np.arange(1, a.size + 1)
    for v in np.unique(a):
        tie = a == v
        if tie.sum() > 1:
            ranks[tie] = ranks[tie].mean()
    return ranks


def spearman(a: Any, b: Any) -> float:
    """Spearman's rank correlation: the Pearson correlation of the ranks of a and b (ties averaged).

    +1 when b orders the items exactly as a does, -1 when it reverses them.
    Inputs: a, b of shape (n,), n >= 2, each with at least two distinct values.
    Returns: a float in [-1, 1].
    """
    x, y = _labels(a, "a"), _labels(b, "b")
    if x.size != y.size:
        raise ValueError(f"a has {x.size} values but b has {y.size}: they must have the same length")
    if x.size < 2:
        raise ValueError(f"a and b need at least 2 items to rank, got {x.size}")
    rx, ry = rankdata(x), rankdata(y)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        raise ValueError("a rank correlation needs at least two distinct values in each of a and b")
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return float(np.dot(rx, ry) / np.sqrt(np.dot(rx, rx) * np.dot(ry, ry)))
