"""utils.metrics: hand-written metrics against sklearn.metrics and scipy.stats, and their input checks."""

import numpy as np
import pytest
import sklearn.metrics as skm
from scipy.stats import spearmanr

from utils.metrics import (accuracy, average_group_error, confusion_matrix, error_rate, f1_from_precision_recall,
                           f1_score, group_errors, precision, rankdata, recall, spearman)


@pytest.fixture
def binary(rng):
    y = rng.integers(0, 2, 200)
    p = np.where(rng.random(200) < 0.7, y, 1 - y)
    return y, p


def test_confusion_matrix_matches_sklearn_on_binary_and_multiclass(rng, binary):
    y, p = binary
    np.testing.assert_array_equal(confusion_matrix(y, p), skm.confusion_matrix(y, p))
    y3, p3 = rng.integers(0, 4, 100), rng.integers(0, 4, 100)
    np.testing.assert_array_equal(confusion_matrix(y3, p3), skm.confusion_matrix(y3, p3))
    np.testing.assert_array_equal(confusion_matrix(y3, p3, labels=[3, 1]), skm.confusion_matrix(y3, p3, labels=[3, 1]))


def test_confusion_matrix_accepts_course_layout_1_by_m(binary):
    y, p = binary
    np.testing.assert_array_equal(confusion_matrix(y.reshape(1, -1), p.reshape(1, -1)), skm.confusion_matrix(y, p))


def test_precision_recall_f1_accuracy_match_sklearn(binary):
    y, p = binary
    assert precision(y, p) == pytest.approx(skm.precision_score(y, p), abs=1e-12)
    assert recall(y, p) == pytest.approx(skm.recall_score(y, p), abs=1e-12)
    assert f1_score(y, p) == pytest.approx(skm.f1_score(y, p), abs=1e-12)
    assert accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p), abs=1e-12)
    assert error_rate(y, p) == pytest.approx(1 - skm.accuracy_score(y, p), abs=1e-12)


def test_precision_and_recall_are_zero_when_undefined_like_sklearn_zero_division_0():
    y, p = np.array([1, 0, 1]), np.zeros(3, dtype=int)
    assert precision(y, p) == skm.precision_score(y, p, zero_division=0) == 0.0
    assert recall(np.zeros(3, int), np.array([1, 0, 0])) == 0.0
    assert f1_score(y, p) == 0.0


def test_f1_from_precision_recall_is_the_harmonic_mean_and_decides_the_course_example():
    assert f1_from_precision_recall(0.95, 0.90) == pytest.approx(2 / (1 / 0.95 + 1 / 0.90))
    assert f1_from_precision_recall(0.95, 0.90) > f1_from_precision_recall(0.98, 0.85)
    assert f1_from_precision_recall(0, 0) == 0.0


def test_f1_from_precision_recall_rejects_values_outside_0_1():
    with pytest.raises(ValueError, match=r"p \(precision\) must be in \[0, 1\]"):
        f1_from_precision_recall(95, 0.9)


def test_binary_metrics_reject_non_binary_labels():
    with pytest.raises(ValueError, match="only 0 and 1"):
        precision([0, 1, 2], [0, 1, 1])
    with pytest.raises(ValueError, match="y_pred must contain only 0 and 1"):
        f1_score([0, 1, 1], [0, 1, 3])


def test_metrics_reject_label_arrays_of_different_length_and_empty_and_bad_shape():
    with pytest.raises(ValueError, match="y_true has 3 labels but y_pred has 2"):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        recall([], [])
    with pytest.raises(ValueError, match=r"shape \(m,\) or \(1, m\)"):
        confusion_matrix(np.zeros((2, 3)), np.zeros((2, 3)))


def test_confusion_matrix_rejects_repeated_labels():
    with pytest.raises(ValueError, match="must not repeat"):
        confusion_matrix([0, 1], [1, 0], labels=[0, 0])


def test_group_errors_and_average_weigh_each_group_equally():
    y = np.array([1, 1, 1, 1, 0, 0])
    p = np.array([1, 1, 1, 0, 1, 0])
    g = np.array(["a", "a", "a", "a", "b", "b"])
    assert group_errors(y, p, g) == {"a": 0.25, "b": 0.5}
    assert average_group_error(y, p, g) == pytest.approx(0.375)
    assert average_group_error(y, p, g) != pytest.approx(error_rate(y, p))  # pooled error weighs by size
    assert average_group_error(y, p, g, weights={"a": 3, "b": 1}) == pytest.approx((3 * 0.25 + 0.5) / 4)


def test_group_errors_reject_empty_groups_and_mismatched_lengths():
    y, p, g = np.array([0, 1]), np.array([0, 0]), np.array([0, 1])
    with pytest.raises(ValueError, match=r"groups \[2\] have no examples"):
        average_group_error(y, p, g, names=[0, 1, 2])
    with pytest.raises(ValueError, match="one group per example"):
        group_errors(y, p, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="weights has no entry"):
        average_group_error(y, p, g, weights={0: 1.0})
    with pytest.raises(ValueError, match="sum to 0"):
        average_group_error(y, p, g, weights={0: 0, 1: 0})


def test_rankdata_averages_ties_like_scipy():
    from scipy.stats import rankdata as sp_rank

    x = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 0.5])
    np.testing.assert_allclose(rankdata(x), sp_rank(x))


def test_spearman_matches_scipy_with_and_without_ties(rng):
    a, b = rng.standard_normal(30), rng.standard_normal(30)
    assert spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
    a, b = rng.integers(0, 5, 40), rng.integers(0, 5, 40)
    assert spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_spearman_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        spearman([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2"):
        spearman([1], [1])
    with pytest.raises(ValueError, match="two distinct values"):
        spearman([1, 1, 1], [1, 2, 3])


def test_fbeta_from_precision_recall_matches_sklearn_and_f1():
    from utils.metrics import fbeta_from_precision_recall
    y = np.array([1, 1, 1, 0, 0, 1, 0, 1, 0, 0])
    p_hat = np.array([1, 0, 1, 1, 0, 1, 0, 0, 0, 1])
    p, r = precision(y, p_hat), recall(y, p_hat)
    for beta in (0.25, 0.5, 1.0, 2.0, 4.0):
        assert fbeta_from_precision_recall(p, r, beta) == pytest.approx(skm.fbeta_score(y, p_hat, beta=beta))
    assert fbeta_from_precision_recall(0.95, 0.9, 1.0) == pytest.approx(f1_from_precision_recall(0.95, 0.9))
    assert fbeta_from_precision_recall(0.0, 0.0, 2.0) == 0.0
    # a small beta weighs precision: B (98 %, 85 %) beats A (95 %, 90 %); a large beta weighs recall: A wins
    assert fbeta_from_precision_recall(0.98, 0.85, 0.25) > fbeta_from_precision_recall(0.95, 0.9, 0.25)
    assert fbeta_from_precision_recall(0.98, 0.85, 4.0) < fbeta_from_precision_recall(0.95, 0.9, 4.0)
    with pytest.raises(ValueError, match="beta"):
        fbeta_from_precision_recall(0.5, 0.5, 0.0)


def test_error_rate_interval_is_wilsons_and_shrinks_as_one_over_sqrt_n():
    from utils.metrics import error_rate_interval
    low, high = error_rate_interval(0.1, 100)
    assert (low, high) == pytest.approx((0.0552, 0.1744), abs=1e-4)  # the textbook Wilson interval
    w100 = high - low
    low4, high4 = error_rate_interval(0.1, 400)
    assert (high4 - low4) == pytest.approx(w100 / 2, rel=0.05)
    assert error_rate_interval(0.0, 10)[0] == 0.0 and error_rate_interval(1.0, 10)[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="positive integer"):
        error_rate_interval(0.1, 0)
    with pytest.raises(ValueError, match="error"):
        error_rate_interval(1.5, 10)
