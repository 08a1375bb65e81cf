"""Course 3 exercises (structuring machine learning projects): the helpers behind the strategy notebooks.

Metrics (``utils.metrics``): labels of shape (m,) or (1, m). Strategy (``utils.strategy``): tabular data
examples-first, errors as fractions in [0, 1]; the multi-task cost follows Course 1, ZL and Y of shape (K, m).
Each mistake is a small wrong implementation with the reference's signature; the checker names it when it
reproduces a learner's result. Mistake functions keep the reference's input checks (outside the solution
markers) and change only what a learner writes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.exercises.core import Case, Exercise, Mistake

NB1 = "course3_strategy/01_orthogonalization.ipynb"
NB2 = "course3_strategy/02_single_number_metric.ipynb"
NB3 = "course3_strategy/03_satisficing_optimizing.ipynb"
NB4 = "course3_strategy/04_train_dev_test_distributions.ipynb"
NB5 = "course3_strategy/05_bias_variance_human_level.ipynb"
NB6 = "course3_strategy/06_error_analysis_mismatched_data.ipynb"
NB7 = "course3_strategy/07_transfer_multitask_end_to_end.ipynb"


def _pair(y_true, y_pred):
    from utils.metrics import _pair as pair

    return pair(y_true, y_pred)


def _binary(y_true, y_pred):
    from utils.metrics import _binary as binary

    return binary(y_true, y_pred)


def _bits(rng: np.random.Generator, m: int) -> np.ndarray:
    return rng.integers(0, 2, m)


# ------------------------------------------------------------------------------------------ error_rate
def _error_rate_cases(rng: np.random.Generator) -> list[Case]:
    m = int(rng.integers(15, 30))
    return [Case((np.array([1, 0, 1, 1, 0]), np.array([1, 1, 1, 0, 0])), label="fixed: 2 mistakes in 5"),
            Case((_bits(rng, m), _bits(rng, m)), label="random"),
            Case((rng.integers(0, 10, (1, 12)), rng.integers(0, 10, (1, 12))),
                 label="edge: ten classes, the Course 1 layout (1, m)"),
            Case((np.array([3]), np.array([3])), label="edge: m = 1, right")]


def _error_rate_accuracy(y_true, y_pred):
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def _error_rate_count(y_true, y_pred):
    t, p = _pair(y_true, y_pred)
    return float(np.sum(t != p))


# ------------------------------------------------------------------------------------ confusion_matrix
def _confusion_cases(rng: np.random.Generator) -> list[Case]:
    t = np.array([0, 1, 1, 0, 1, 1, 0, 0, 1, 0])
    p = np.array([0, 1, 0, 1, 1, 1, 0, 1, 1, 0])  # TN 3, FP 2, FN 1, TP 4
    return [Case((t, p), label="fixed: binary, TN 3, FP 2, FN 1, TP 4"),
            Case((rng.integers(0, 3, 30), rng.integers(0, 3, 30)), label="random: 3 classes"),
            Case((t, p), {"labels": [1, 0]}, label="edge: labels=[1, 0] (the positive class first)"),
            Case((np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])), {"labels": [0, 1, 2]},
                 label="edge: a class in labels that never occurs (a row and column of zeros)"),
            Case((np.array([0, 2, 1, 2, 0]), np.array([0, 2, 2, 1, 1])), {"labels": [0, 1]},
                 label="edge: class 2 not in labels (its examples are not counted)"),
            Case((np.array(["cat", "dog", "dog"]), np.array(["cat", "cat", "dog"])), label="edge: string labels")]


def _confusion_counts(y_true, y_pred, labels, place):
    from utils.metrics import confusion_matrix

    k = confusion_matrix(y_true, y_pred, labels).shape[0]  # the reference's checks and size
    t, p = _pair(y_true, y_pred)
    classes = np.unique(np.concatenate([t, p])) if labels is None else np.asarray(labels)
    index = {c.item() if hasattr(c, "item") else c: i for i, c in enumerate(classes)}
    C = np.zeros((k, k), dtype=np.int64)
    for a, b in zip(t.tolist(), p.tolist()):
        if a in index and b in index:
            place(C, index, a, b)
    return C


def _confusion_transposed(y_true, y_pred, labels=None):
    return _confusion_counts(y_true, y_pred, labels, lambda C, ix, a, b: C.__setitem__(
        (ix[b], ix[a]), C[ix[b], ix[a]] + 1))


def _confusion_set_one(y_true, y_pred, labels=None):
    return _confusion_counts(y_true, y_pred, labels, lambda C, ix, a, b: C.__setitem__((ix[a], ix[b]), 1))


def _confusion_values_as_rows(y_true, y_pred, labels=None):
    return _confusion_counts(y_true, y_pred, labels, lambda C, ix, a, b: C.__setitem__((a, b), C[a, b] + 1))


# ------------------------------------------------------------------------------------ precision, recall
_T = np.array([1, 1, 0, 1, 0, 0, 1, 0, 1, 0])
_P = np.array([1, 0, 0, 1, 1, 1, 1, 0, 1, 0])  # TP 4, FP 2, FN 1, TN 3: precision 2/3, recall 4/5


def _precision_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((_T, _P), label="fixed: TP 4, FP 2, FN 1, TN 3"),
            Case((_bits(rng, 25), _bits(rng, 25)), label="random"),
            Case((_T.reshape(1, -1), _P.reshape(1, -1)), label="edge: the Course 1 layout (1, m)"),
            Case((_T, np.zeros(10, dtype=int)), label="edge: nothing predicted positive (precision 0 by convention)")]


def _recall_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((_T, _P), label="fixed: TP 4, FP 2, FN 1, TN 3"),
            Case((_bits(rng, 25), _bits(rng, 25)), label="random"),
            Case((_T.reshape(1, -1), _P.reshape(1, -1)), label="edge: the Course 1 layout (1, m)"),
            Case((np.zeros(10, dtype=int), _P), label="edge: no positive example (recall 0 by convention)")]


def _counts(y_true, y_pred):
    t, p = _binary(y_true, y_pred)
    return (np.sum((p == 1) & (t == 1)), np.sum((p == 1) & (t == 0)), np.sum((p == 0) & (t == 1)),
            np.sum(p == t))


def _ratio(a, b, guard=True):
    return float(a / b if b > 0 or not guard else 0.0)


def _precision_is_recall(y_true, y_pred):
    tp, _, fn, _ = _counts(y_true, y_pred)
    return _ratio(tp, tp + fn)


def _precision_no_guard(y_true, y_pred):
    tp, fp, _, _ = _counts(y_true, y_pred)
    return _ratio(tp, tp + fp, guard=False)


def _precision_tp_equal(y_true, y_pred):
    _, fp, _, same = _counts(y_true, y_pred)
    return _ratio(same, same + fp)


def _recall_is_precision(y_true, y_pred):
    tp, fp, _, _ = _counts(y_true, y_pred)
    return _ratio(tp, tp + fp)


def _recall_no_guard(y_true, y_pred):
    tp, _, fn, _ = _counts(y_true, y_pred)
    return _ratio(tp, tp + fn, guard=False)


def _recall_tp_equal(y_true, y_pred):
    _, _, fn, same = _counts(y_true, y_pred)
    return _ratio(same, same + fn)


_TP_EQUAL_HINT = ("`np.sum(y_pred == y_true)` counts the true negatives too. A true positive is predicted 1 "
                  "AND labelled 1: `np.sum((p == 1) & (t == 1))`.")

# ------------------------------------------------------------------------------ f1_from_precision_recall


def _f1_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((0.95, 0.90), label="fixed: the course's classifier A (P 95 %, R 90 %)"),
            Case((0.98, 0.85), label="fixed: the course's classifier B (P 98 %, R 85 %)"),
            Case((float(rng.uniform(0.2, 1)), float(rng.uniform(0.2, 1))), label="random"),
            Case((1.0, 0.0), label="edge: P = 1, R = 0 (finds nothing)"),
            Case((0.0, 0.0), label="edge: P = R = 0")]


def _f1_arithmetic(p, r):
    return (p + r) / 2


def _f1_no_two(p, r):
    return p * r / (p + r) if p + r > 0 else 0.0


# ---------------------------------------------------------------------------------------- group_errors
def _group_errors_cases(rng: np.random.Generator) -> list[Case]:
    t = np.array([0, 1, 0, 1, 1, 0, 1, 0, 1, 1])
    p = np.array([0, 1, 0, 1, 0, 0, 1, 1, 1, 1])
    g = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    m = 40
    return [Case((t, p, g), label="fixed: 3 groups of 6, 2 and 2 examples"),
            Case((_bits(rng, m), _bits(rng, m), rng.integers(0, 4, m)), label="random"),
            Case((t, p, g), {"names": [2, 0]}, label="edge: names=[2, 0] (only these groups, in this order)"),
            Case((t, p, np.array(["US", "US", "US", "US", "US", "US", "China", "China", "India", "India"])),
                 label="edge: groups named by strings"),
            Case((t.reshape(1, -1), p.reshape(1, -1), g.reshape(1, -1)), label="edge: the Course 1 layout (1, m)")]


def _group_errors_variant(rate):
    def group_errors(y_true, y_pred, groups, names=None):
        from utils.metrics import _labels
        from utils.metrics import group_errors as reference

        wanted = list(reference(y_true, y_pred, groups, names))  # the reference's checks and group order
        t, p = _pair(y_true, y_pred)
        g = _labels(groups, "groups")
        return {name: rate(t, p, g == name) for name in wanted}

    return group_errors


_group_errors_accuracy = _group_errors_variant(lambda t, p, in_g: float(np.mean(t[in_g] == p[in_g])))
_group_errors_pooled = _group_errors_variant(lambda t, p, in_g: float(np.mean(t != p)))
_group_errors_count = _group_errors_variant(lambda t, p, in_g: float(np.sum(t[in_g] != p[in_g])))
_group_errors_mask = _group_errors_variant(lambda t, p, in_g: float(np.mean((t != p) & in_g)))


# --------------------------------------------------------------------------------- average_group_error
def _group_cases(rng: np.random.Generator) -> list[Case]:
    # group 0: 6 examples, 1 mistake; group 1: 2 examples, 1 mistake; group 2: 2 examples, none
    t = np.array([0, 1, 0, 1, 1, 0, 1, 0, 1, 1])
    p = np.array([0, 1, 0, 1, 0, 0, 1, 1, 1, 1])
    g = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    m = 40
    return [Case((t, p, g), label="fixed: 3 groups of 6, 2 and 2 examples"),
            Case((_bits(rng, m), _bits(rng, m), rng.integers(0, 4, m)), {"names": range(4)}, label="random"),
            Case((t, p, g), {"weights": {0: 3.0, 1: 1.0, 2: 0.0}}, label="edge: weights (3, 1, 0)"),
            Case((t, p, np.array(list("AAAAAABBCC"))), {"weights": {"A": 0.5, "B": 0.25, "C": 0.25}},
                 label="edge: named groups, weights summing to 1")]


def _group_e_w(y_true, y_pred, groups, names, weights):
    from utils.metrics import group_errors

    errors = group_errors(y_true, y_pred, groups, names)
    e = np.array([errors[n] for n in errors])
    w = np.ones(len(e)) if weights is None else np.array([weights[n] for n in errors], dtype=float)
    return e, w


def _group_pooled(y_true, y_pred, groups, names=None, weights=None):
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t != p))


def _group_unnormalised(y_true, y_pred, groups, names=None, weights=None):
    e, w = _group_e_w(y_true, y_pred, groups, names, weights)
    return float(np.sum(w * e))


def _group_no_weights(y_true, y_pred, groups, names=None, weights=None):
    e, _ = _group_e_w(y_true, y_pred, groups, names, None)
    return float(np.mean(e))


# ---------------------------------------------------------------------------------------- select_model
_COURSE = {"A": {"accuracy": 0.90, "time_ms": 80}, "B": {"accuracy": 0.92, "time_ms": 95},
           "C": {"accuracy": 0.95, "time_ms": 1500}}


def _select_cases(rng: np.random.Generator) -> list[Case]:
    names = [f"model {i}" for i in range(6)]
    lat = rng.uniform(5, 200, 6).round(1)
    acc = rng.uniform(0.80, 0.99, 6).round(3)
    random_candidates = {n: {"accuracy": float(a), "latency_ms": float(t)} for n, a, t in zip(names, acc, lat)}
    errors = {"small": {"error": 0.12, "mb": 5}, "medium": {"error": 0.08, "mb": 40},
              "large": {"error": 0.05, "mb": 400}, "tiny": {"error": 0.20, "mb": 1},
              "pruned": {"error": 0.10, "mb": 2}}
    wake = {"X": {"false_alarms": 3.0, "recall": 0.95}, "Y": {"false_alarms": 1.0, "recall": 0.85},
            "Z": {"false_alarms": 2.0, "recall": 0.92}}
    return [Case((_COURSE, "accuracy", {"time_ms": 100}), label="fixed: the course's A, B, C with 100 ms"),
            Case((random_candidates, "accuracy", {"latency_ms": float(np.sort(lat)[2])}), label="random"),
            Case((_COURSE, "accuracy", {"time_ms": 95}), label="edge: B takes exactly the budget (95 ms)"),
            Case((errors, "error", {"mb": 50}), {"maximize": False}, label="edge: minimize an error (maximize=False)"),
            Case((wake, "false_alarms", {"recall": (">=", 0.9)}), {"maximize": False},
                 label="edge: a '>=' constraint (recall at least 90 %)"),
            Case((_COURSE, "accuracy", {}), label="edge: no constraints (the most accurate)")]


def _select_outcome(result: Any, args: tuple, kwargs: dict) -> Any:
    """A Selection as a dict (the chosen name first); anything else as it is."""
    if all(hasattr(result, a) for a in ("chosen", "feasible", "rejected")):
        return {"chosen": result.chosen, "feasible": list(result.feasible), "rejected": dict(result.rejected)}
    return result


def _select_variant(candidates, optimize, constraints, maximize, meets, key=None):
    from utils.strategy import NoModelMeetsConstraintsError, _parse_constraint, _selection

    parsed = {m: _parse_constraint(m, s) for m, s in dict(constraints or {}).items()}
    feasible = [n for n, c in candidates.items() if all(meets(op, c[m], b) for m, (op, b) in parsed.items())]
    sign = -1.0 if maximize else 1.0
    feasible.sort(key=key(candidates, parsed) if key else (lambda n: sign * candidates[n][optimize]))
    if not feasible:
        raise NoModelMeetsConstraintsError("no model meets the constraints")
    return _selection(candidates, feasible, parsed)


def _meets(op, value, budget):
    from utils.strategy import _OPS

    return _OPS[op](value, budget)


def _select_ignores_constraints(candidates, optimize, constraints=None, maximize=True):
    return _select_variant(candidates, optimize, constraints, maximize, lambda op, v, b: True)


def _select_fastest(candidates, optimize, constraints=None, maximize=True):
    def key(cands, parsed):
        metric = next(iter(parsed), optimize)
        return lambda n: cands[n][metric]

    return _select_variant(candidates, optimize, constraints, maximize, _meets, key)


def _select_strict(candidates, optimize, constraints=None, maximize=True):
    strict = {"<=": "<", ">=": ">", "<": "<", ">": ">"}
    return _select_variant(candidates, optimize, constraints, maximize, lambda op, v, b: _meets(strict[op], v, b))


def _select_always_max(candidates, optimize, constraints=None, maximize=True):
    return _select_variant(candidates, optimize, constraints, True, _meets)


# -------------------------------------------------------------------------------------- shuffled_split
def _split_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((10, (0.6, 0.2, 0.2)), label="fixed: m = 10 into 60/20/20"),
            Case((int(rng.integers(20, 60)), (0.5, 0.3, 0.2)), {"seed": int(rng.integers(100))}, label="random"),
            Case((200, (0.98, 0.01, 0.01)), {"seed": 1}, label="edge: the big-data 98/1/1"),
            Case((10, (5, 3, 2)), {"seed": 2}, label="edge: sizes as counts (5, 3, 2)"),
            Case((7, (0.5, 0.5)), {"seed": 3}, label="edge: two parts, m odd")]


def _split_counts(m, sizes):
    """The reference's counts (validation included), recovered from its parts."""
    from utils.strategy import shuffled_split

    return [len(part) for part in shuffled_split(m, sizes)]


def _split_no_shuffle(m, sizes, seed=0):
    counts = _split_counts(m, sizes)
    return list(np.split(np.arange(m), np.cumsum(counts)[:-1]))


def _split_at_sizes(m, sizes, seed=0):
    counts = _split_counts(m, sizes)
    return list(np.split(np.random.default_rng(seed).permutation(m), counts[:-1]))


def _split_equal(m, sizes, seed=0):
    counts = _split_counts(m, sizes)
    return list(np.array_split(np.random.default_rng(seed).permutation(m), len(counts)))


# -------------------------------------------------------------------------------------- dev_test_sizes
def _sizes_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((1_000,), label="fixed: m = 1,000 (small data: 60/20/20)"),
            Case((1_000_000,), label="fixed: m = 1,000,000 (big data: 98/1/1)"),
            Case((int(rng.integers(200_000, 3_000_000)),), label="random: big data"),
            Case((int(rng.integers(10, 90_000)),), label="random: small data"),
            Case((5_000_000,), label="edge: m = 5,000,000 (1 % would be 50,000)"),
            Case((100_000,), label="edge: m = large exactly (big data)"),
            Case((120_000,), {"dev_size": 30_000}, label="edge: dev_size above m // 5 (capped at 20 %)"),
            Case((7,), label="edge: m = 7")]


def _sizes_check(m, large, dev_size):
    from utils.strategy import dev_test_sizes

    dev_test_sizes(m, large, dev_size)  # the reference's input checks


def _sizes_always_percent(m, large=100_000, dev_size=10_000):
    _sizes_check(m, large, dev_size)
    n = int(round(0.2 * m))
    return m - 2 * n, n, n


def _sizes_one_percent(m, large=100_000, dev_size=10_000):
    _sizes_check(m, large, dev_size)
    n = int(round(0.2 * m)) if m < large else m // 100
    return m - 2 * n, n, n


def _sizes_no_cap(m, large=100_000, dev_size=10_000):
    _sizes_check(m, large, dev_size)
    n = int(round(0.2 * m)) if m < large else dev_size
    return m - 2 * n, n, n


def _sizes_inclusive(m, large=100_000, dev_size=10_000):
    _sizes_check(m, large, dev_size)
    n = int(round(0.2 * m)) if m <= large else min(dev_size, m // 5)
    return m - 2 * n, n, n


# ------------------------------------------------------------------------------ diagnose_bias_variance
def _diagnosis_outcome(result: Any, args: tuple, kwargs: dict) -> Any:
    """A Diagnosis as a dict (gaps first, then the decision); anything else as it is."""
    if all(hasattr(result, a) for a in ("gaps", "focus", "knobs", "notes")):
        gaps = dict(result.gaps) if isinstance(result.gaps, dict) else result.gaps
        return {"gaps": gaps, "focus": result.focus, "knobs": list(result.knobs), "notes": list(result.notes)}
    return result


def _bv_cases(rng: np.random.Generator) -> list[Case]:
    human = float(rng.uniform(0, 0.1))
    train = human + float(rng.uniform(0, 0.1))
    return [Case((0.01, 0.08, 0.10), label="fixed: the course's cat example, human 1 %"),
            Case((0.075, 0.08, 0.10), label="fixed: the same errors, human 7.5 %"),
            Case((human, train, train + float(rng.uniform(0, 0.1))), label="random"),
            Case((0.05, 0.03, 0.06), label="edge: train error below human level"),
            Case((0.01, 0.02, 0.03), {"tolerance": 0.02}, label="edge: both gaps within the tolerance")]


def _bv_variant(gaps_of):
    def diagnose(human_error, train_error, dev_error, tolerance=0.0):
        from utils.strategy import _diagnose, diagnose_bias_variance

        e = diagnose_bias_variance(human_error, train_error, dev_error, tolerance).errors  # the reference's checks
        return _diagnose(e, gaps_of(e), tolerance)

    return diagnose


_bv_zero = _bv_variant(lambda e: {"avoidable bias": e["train"], "variance": e["dev"] - e["train"]})
_bv_swapped = _bv_variant(lambda e: {"avoidable bias": e["dev"] - e["train"], "variance": e["train"] - e["human"]})
_bv_dev_human = _bv_variant(lambda e: {"avoidable bias": e["train"] - e["human"], "variance": e["dev"] - e["human"]})


# ----------------------------------------------------------------------------------- diagnose_mismatch
def _mm_cases(rng: np.random.Generator) -> list[Case]:
    e = np.cumsum(rng.uniform(0, 0.06, 5))
    return [Case((0.0, 0.01, 0.015, 0.10), label="fixed: the course's data-mismatch example"),
            Case((0.0, 0.01, 0.09, 0.10), label="fixed: the course's variance example"),
            Case(tuple(float(x) for x in e[:4]), label="random"),
            Case((0.0, 0.01, 0.015, 0.10, 0.16), label="edge: with a test error (overfitting to dev)"),
            Case((0.04, 0.07, 0.10, 0.06), {"test_error": 0.065}, label="edge: dev easier than train-dev")]


def _mm_variant(gaps_of):
    def diagnose(human_error, train_error, train_dev_error, dev_error, test_error=None, tolerance=0.0):
        from utils.strategy import _diagnose, diagnose_mismatch

        e = diagnose_mismatch(human_error, train_error, train_dev_error, dev_error, test_error, tolerance).errors
        return _diagnose(e, gaps_of(e), tolerance)

    return diagnose


def _mm_gaps(variance, mismatch, with_test=True):
    def gaps_of(e):
        gaps = {"avoidable bias": e["train"] - e["human"], "variance": variance(e), "data mismatch": mismatch(e)}
        if with_test and "test" in e:
            gaps["overfitting to dev"] = e["test"] - e["dev"]
        return gaps

    return gaps_of


_mm_swapped = _mm_variant(_mm_gaps(lambda e: e["dev"] - e["train-dev"], lambda e: e["train-dev"] - e["train"]))
_mm_dev_train = _mm_variant(_mm_gaps(lambda e: e["dev"] - e["train"], lambda e: e["dev"] - e["train-dev"]))
_mm_no_test = _mm_variant(_mm_gaps(lambda e: e["train-dev"] - e["train"], lambda e: e["dev"] - e["train-dev"],
                                   with_test=False))


# ------------------------------------------------------------------------------------------ fix_ceiling
def _ceiling_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((0.10, 0.05), label="fixed: the course's dogs, 5 % of a 10 % error"),
            Case((0.10, 0.50), label="fixed: the course's great cats, 50 % of a 10 % error"),
            Case((float(rng.uniform(0, 0.5)), float(rng.uniform(0, 1))), label="random"),
            Case((0.2, 0.0), label="edge: a category with no mistake"),
            Case((0.2, 1.0), label="edge: every mistake in the category")]


def _ceiling_minus(error, fraction_of_errors):
    return error - fraction_of_errors


def _ceiling_gain(error, fraction_of_errors):
    return error * fraction_of_errors


# ---------------------------------------------------------------------------------------- error_analysis
def _analysis_cases(rng: np.random.Generator) -> list[Case]:
    # 20 dev examples, 8 mistakes; the tags are listed smallest first so the table must be sorted
    err = np.zeros(20, dtype=bool)
    err[[0, 2, 3, 5, 8, 11, 13, 17]] = True
    dog = np.zeros(20, dtype=bool)
    dog[[0, 1]] = True                                          # 1 mistake of 2
    blurry = np.zeros(20, dtype=bool)
    blurry[[2, 3, 6, 7, 9]] = True                              # 2 mistakes of 5
    great_cat = np.zeros(20, dtype=bool)
    great_cat[[3, 5, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19]] = True  # 6 mistakes of 12, overlaps blurry
    m = 60
    r_err = rng.random(m) < 0.3
    r_err[0] = True
    r_tags = {f"tag {i}": (rng.random(m) < 0.3) | (np.arange(m) == i) for i in range(3)}
    return [Case((err, {"dog": dog, "blurry": blurry, "great cat": great_cat}),
                 label="fixed: the course's spreadsheet (8 mistakes in 20)"),
            Case((r_err, r_tags), label="random"),
            Case((err, {"everything": np.ones(20, dtype=bool)}), label="edge: one tag marks every example"),
            Case((err, {"dog": dog, "first two": np.arange(20) < 2}), label="edge: two tags with the same count")]


def _analysis_outcome(result: Any, args: tuple, kwargs: dict) -> Any:
    """(overall, rows) with each ErrorCategory as a dict of its fields; anything else as it is."""
    fields = ("name", "count", "fraction_of_errors", "error_rate", "ceiling")
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], list):
        rows = [{f: getattr(r, f) for f in fields} if all(hasattr(r, f) for f in fields) else r for r in result[1]]
        return result[0], rows
    return result


def _analysis_variant(fraction_of, rate_of, sort=True):
    def analysis(errors, tags):
        from utils.strategy import ErrorCategory, _tag_mask, error_analysis, fix_ceiling

        overall, _ = error_analysis(errors, tags)  # the reference's checks
        err = np.asarray(errors).reshape(-1).astype(bool)
        rows = []
        for name, mask in tags.items():
            tag = _tag_mask(mask, name, err.size)
            count = int(np.sum(err & tag))
            fraction = fraction_of(count, err)
            rows.append(ErrorCategory(name, count, float(fraction), float(rate_of(err, tag)),
                                      fix_ceiling(overall, fraction)))
        if sort:
            rows.sort(key=lambda row: -row.count)
        return overall, rows

    return analysis


_analysis_of_all = _analysis_variant(lambda count, err: count / err.size, lambda err, tag: np.mean(err[tag]))
_analysis_unsorted = _analysis_variant(lambda count, err: count / np.sum(err), lambda err, tag: np.mean(err[tag]),
                                       sort=False)
_analysis_rate_swapped = _analysis_variant(lambda count, err: count / np.sum(err), lambda err, tag: np.mean(tag[err]))


# -------------------------------------------------------------------------------------- multitask_cost
def _multitask_cases(rng: np.random.Generator) -> list[Case]:
    nan = np.nan
    Y = np.array([[1, 0, nan], [0, 1, 1], [nan, nan, 0], [1, 0, 1.0]])  # the course's "?" as NaN
    Z = np.array([[2.0, -1.0, 0.5], [-0.5, 1.5, 0.3], [0.2, -0.7, -1.2], [1.0, 0.0, 2.5]])
    K, m = 3, 6
    Y_r = rng.integers(0, 2, (K, m)).astype(float)
    Y_r[rng.random((K, m)) < 0.3] = nan
    Y_r[0, 0] = 1.0
    Y_full = rng.integers(0, 2, (2, 5)).astype(float)
    Y_col = np.array([[1.0, nan, 0.0], [0.0, nan, nan]])
    return [Case((Z, Y), label="fixed: 4 labels per image, some '?' (NaN)"),
            Case((rng.normal(0, 2, (K, m)), Y_r), label="random"),
            Case((rng.normal(0, 2, (2, 5)), Y_full), label="edge: no missing label"),
            Case((rng.normal(0, 2, (2, 3)), Y_col), label="edge: an image with every label missing"),
            Case((np.array([[0.3, -2.0, 1.2, 0.0]]), np.array([[1.0, 0.0, nan, 1.0]])), label="edge: K = 1")]


def _multitask_parts(ZL, Y):
    from utils.strategy import multitask_cost

    multitask_cost(ZL, Y)  # the reference's checks
    Z, Yarr = np.asarray(ZL, dtype=float), np.asarray(Y, dtype=float)
    known = ~np.isnan(Yarr)
    Y0 = np.where(known, Yarr, 0.0)
    losses = np.maximum(Z, 0) - Z * Y0 + np.log1p(np.exp(-np.abs(Z)))
    A = 1 / (1 + np.exp(-Z))
    return Z, Yarr, known, Y0, losses, A, Z.shape[1]


def _multitask_counted(ZL, Y):
    _, _, _, Y0, losses, A, m = _multitask_parts(ZL, Y)
    return float(np.sum(losses) / m), (A - Y0) / m


def _multitask_per_label(ZL, Y):
    _, _, known, Y0, losses, A, _ = _multitask_parts(ZL, Y)
    n = known.sum()
    return float(np.sum(losses * known) / n), known * (A - Y0) / n


def _multitask_nan(ZL, Y):
    Z, Yarr, known, _, _, A, m = _multitask_parts(ZL, Y)
    losses = np.maximum(Z, 0) - Z * Yarr + np.log1p(np.exp(-np.abs(Z)))
    return float(np.sum(losses * known) / m), known * (A - Yarr) / m


def _multitask_grad_unmasked(ZL, Y):
    _, _, known, Y0, losses, A, m = _multitask_parts(ZL, Y)
    return float(np.sum(losses * known) / m), (A - Y0) / m


# ------------------------------------------------------------------------------------------------- specs
EXERCISES = [
    Exercise("metrics.error_rate", NB1, _error_rate_cases, [
        Mistake("returned the accuracy", "The error rate is the fraction of examples the model gets WRONG: "
                "compare with `t != p`, not `t == p` (error = 1 - accuracy).", _error_rate_accuracy),
        Mistake("number of mistakes instead of the fraction (forgot the 1/m)",
                "Divide the number of mistakes by m: `np.mean(t != p)` does both at once.", _error_rate_count),
    ]),
    Exercise("metrics.confusion_matrix", NB2, _confusion_cases, [
        Mistake("rows and columns swapped",
                "Rows are the TRUE classes and columns the PREDICTED ones: add 1 to "
                "`C[index[true_class], index[predicted_class]]` (sklearn's layout, [[TN, FP], [FN, TP]]).",
                _confusion_transposed),
        Mistake("= 1 instead of += 1", "Each cell counts examples: add 1 (`+= 1`) for every example, "
                "do not set it to 1.", _confusion_set_one),
        Mistake("class values used as row/column numbers",
                "Rows and columns follow the order of `labels`, not the class values: look up the position "
                "with `index[true_class]` and `index[predicted_class]`.", _confusion_values_as_rows),
    ]),
    Exercise("metrics.precision", NB2, _precision_cases, [
        Mistake("precision and recall swapped (TP / (TP + FN))",
                "Precision asks: of the examples PREDICTED positive, how many are positive? TP / (TP + FP), "
                "with FP = predicted 1 but labelled 0. TP / (TP + FN) is the recall.", _precision_is_recall),
        Mistake("no guard when nothing is predicted positive",
                "With no positive prediction, TP + FP = 0 and TP / 0 is NaN; return 0.0 in that case "
                "(sklearn's zero_division=0).", _precision_no_guard),
        Mistake("true positives counted as y_pred == y_true", _TP_EQUAL_HINT, _precision_tp_equal),
    ]),
    Exercise("metrics.recall", NB2, _recall_cases, [
        Mistake("precision and recall swapped (TP / (TP + FP))",
                "Recall asks: of the POSITIVE examples, how many did the classifier find? TP / (TP + FN), "
                "with FN = labelled 1 but predicted 0. TP / (TP + FP) is the precision.", _recall_is_precision),
        Mistake("no guard when there is no positive example",
                "With no positive example, TP + FN = 0 and TP / 0 is NaN; return 0.0 in that case "
                "(sklearn's zero_division=0).", _recall_no_guard),
        Mistake("true positives counted as y_pred == y_true", _TP_EQUAL_HINT, _recall_tp_equal),
    ]),
    Exercise("metrics.f1_from_precision_recall", NB2, _f1_cases, [
        Mistake("arithmetic mean instead of the harmonic mean",
                "F1 is the HARMONIC mean 2 / (1/P + 1/R) = 2 P R / (P + R), pulled towards the weaker of the "
                "two; (P + R) / 2 lets one excellent number hide a poor one.", _f1_arithmetic),
        Mistake("forgot the factor 2", "The harmonic mean of P and R is 2 P R / (P + R): P R / (P + R) "
                "is half of it.", _f1_no_two),
    ]),
    Exercise("metrics.group_errors", NB2, _group_errors_cases, [
        Mistake("accuracy instead of error in each group", "Count the mistakes: `t[in_group] != p[in_group]`, "
                "not `==`.", _group_errors_accuracy),
        Mistake("the same pooled error for every group",
                "Select the group's examples first (`in_group = g == name`), then average their mistakes: "
                "`np.mean(t[in_group] != p[in_group])`.", _group_errors_pooled),
        Mistake("number of mistakes instead of the rate", "Divide by the group's size: `np.mean(...)` "
                "counts and divides at once.", _group_errors_count),
        Mistake("divided by all m examples, not by the group's size",
                "`np.mean((t != p) & in_group)` divides by m; index first, `np.mean(t[in_group] != p[in_group])`, "
                "so each group's error is a rate within that group.", _group_errors_mask),
    ]),
    Exercise("metrics.average_group_error", NB2, _group_cases, [
        Mistake("pooled error rate instead of the average over groups",
                "Average the per-group errors in `errors` (each group counts once), not the mistakes over all "
                "examples: pooling lets a big group drown a small one.", _group_pooled),
        Mistake("weighted sum not divided by the sum of the weights",
                "A weighted average is sum(w * e) / sum(w); without the division (and with every w = 1 when "
                "weights is None) you get a sum, not an average.", _group_unnormalised),
        Mistake("weights ignored", "When `weights` is given, weigh each group's error by weights[group]: "
                "sum(w * e) / sum(w).", _group_no_weights),
    ]),
    Exercise("strategy.select_model", NB3, _select_cases, [
        Mistake("ignored the satisficing constraints",
                "Keep only the candidates that meet EVERY constraint (`_OPS[op](metrics[metric], budget)`) "
                "before picking the best by the optimizing metric: C is the most accurate, but takes 1,500 ms.",
                _select_ignores_constraints),
        Mistake("optimized the satisficing metric",
                "Among the models within budget, pick the best by the OPTIMIZING metric (`optimize`, e.g. "
                "accuracy), not the fastest: any time under the budget is good enough.", _select_fastest),
        Mistake("< instead of <= (a model exactly at the budget rejected)",
                "A budget is met when the value equals it: use `_OPS[op]` with the constraint's own op "
                "(\"<=\" for a plain number), not a strict comparison.", _select_strict),
        Mistake("maximize ignored (always the largest value first)",
                "With maximize=False the best is the SMALLEST value (an error, a cost): sort by "
                "`sign * candidates[name][optimize]` with sign = -1 to maximize, +1 to minimize.",
                _select_always_max),
    ], outcome=_select_outcome),
    Exercise("strategy.shuffled_split", NB4, _split_cases, [
        Mistake("no shuffle (consecutive blocks)",
                "Shuffle BEFORE cutting: data is often stored in order (by region, by date), so consecutive "
                "blocks come from different distributions, the by-region split the course warns against. "
                "Use `np.random.default_rng(seed).permutation(m)`.", _split_no_shuffle),
        Mistake("cut at the sizes, not at their running total",
                "np.split takes the POSITIONS of the cuts: for counts (6, 2, 2) cut at 6 and 8, i.e. "
                "`np.cumsum(counts)[:-1]`.", _split_at_sizes),
        Mistake("equal parts (sizes ignored)", "Each part i must hold counts[i] examples: cut the shuffled "
                "indices at `np.cumsum(counts)[:-1]`.", _split_equal),
    ]),
    Exercise("strategy.dev_test_sizes", NB4, _sizes_cases, [
        Mistake("m <= large instead of m < large", "Small data means m < large; m == large already gets "
                "the big-data sizes.", _sizes_inclusive),
        Mistake("60/20/20 for big data too",
                "With m >= large, dev and test need only be big enough to tell models apart: dev_size each "
                "(10,000), not 20 % of a million.", _sizes_always_percent),
        Mistake("1 % each instead of a fixed size",
                "The course's 98/1/1 for a million examples is 10,000 each: the rule is a SIZE (`dev_size`), "
                "not a percentage, so 5,000,000 examples still need only 10,000.", _sizes_one_percent),
        Mistake("no cap at 20 %", "Big-data dev and test sets are `min(dev_size, m // 5)`: never more than "
                "the small-data 20 %.", _sizes_no_cap),
    ]),
    Exercise("strategy.diagnose_bias_variance", NB5, _bv_cases, [
        Mistake("compared with 0 % instead of human-level error",
                "Avoidable bias is train error MINUS human-level error (the proxy for Bayes error): with "
                "human 1 % and train 8 %, 7 points are avoidable, not 8.", _bv_zero),
        Mistake("avoidable bias and variance swapped",
                "Avoidable bias = train - human (how far training is from the best possible); variance = "
                "dev - train (how much worse on unseen data).", _bv_swapped),
        Mistake("variance measured from human level (dev - human)",
                "Variance is the gap between dev and TRAIN error: dev - train.", _bv_dev_human),
    ], outcome=_diagnosis_outcome),
    Exercise("strategy.diagnose_mismatch", NB6, _mm_cases, [
        Mistake("variance and data mismatch swapped",
                "train-dev comes from the TRAINING distribution: variance = train-dev - train (same "
                "distribution, not trained on); data mismatch = dev - train-dev (same model, other "
                "distribution).", _mm_swapped),
        Mistake("variance measured on dev (dev - train)",
                "With mismatched data, dev - train mixes variance and mismatch: variance is train-dev - train.",
                _mm_dev_train),
        Mistake("forgot the overfitting-to-dev gap",
                "When a test error is given (`\"test\" in e`), add gaps[\"overfitting to dev\"] = test - dev.",
                _mm_no_test),
    ], outcome=_diagnosis_outcome),
    Exercise("strategy.fix_ceiling", NB6, _ceiling_cases, [
        Mistake("subtracted the fraction itself (error - fraction)",
                "The fraction is a share of the MISTAKES, not of the examples: removing 5 % of a 10 % error "
                "leaves 10 % * (1 - 0.05) = 9.5 %.", _ceiling_minus),
        Mistake("returned the gain, not the error left",
                "error * fraction is how much the fix can remove; the ceiling is what is LEFT: "
                "error * (1 - fraction).", _ceiling_gain),
    ]),
    Exercise("strategy.error_analysis", NB6, _analysis_cases, [
        Mistake("fraction of all examples instead of the fraction of the mistakes",
                "fraction_of_errors is count / (number of MISTAKES), `count / np.sum(err)`, not count / m.",
                _analysis_of_all),
        Mistake("rows not sorted (largest count first)",
                "Sort the rows by count, largest first: `rows.sort(key=lambda row: -row.count)`.",
                _analysis_unsorted),
        Mistake("err[tag] and tag[err] swapped in the category's error rate",
                "error_rate is the error rate AMONG the tagged examples: `np.mean(err[tag])`. "
                "`np.mean(tag[err])` is the share of the mistakes that carry the tag.", _analysis_rate_swapped),
    ], outcome=_analysis_outcome),
    Exercise("strategy.multitask_cost", NB7, _multitask_cases, [
        Mistake("missing labels counted (as 0)",
                "A \"?\" label says nothing: multiply the losses AND the gradient by `known` so missing labels "
                "add nothing (Y0 only replaces NaN by 0 to keep the arithmetic finite).", _multitask_counted),
        Mistake("divided by the number of known labels instead of m",
                "The course's cost is (1/m) sum over examples of the sum over their known labels: divide by "
                "m = number of examples (columns), for the cost and for dZ.", _multitask_per_label),
        Mistake("NaN labels used directly (the cost is NaN)",
                "NaN * 0 is still NaN: compute with Y0 (missing labels replaced by 0), then mask with `known`.",
                _multitask_nan),
        Mistake("gradient not masked", "The cost skips the missing labels, so their gradient is 0 too: "
                "dZ = known * (A - Y0) / m.", _multitask_grad_unmasked),
    ]),
]
