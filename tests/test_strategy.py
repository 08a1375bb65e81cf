"""utils.strategy: the satisficing selector, the region simulator, splits, diagnoses, error analysis, timing."""

import numpy as np
import pytest

from utils.strategy import (BIAS_KNOBS, MISMATCH_KNOBS, VARIANCE_KNOBS, NoModelMeetsConstraintsError,
                            diagnose_bias_variance, diagnose_mismatch, dev_test_sizes, error_analysis, fix_ceiling,
                            flip_labels, image_properties, init_from_pretrained, make_region_data, mlp_features,
                            multitask_cost, multitask_gradients, train_multitask,
                            pareto_front, prob_dev_picks_better,
                            select_model, shuffled_split, split_by_group, tag_lowest, time_per_example)

COURSE = {"A": {"accuracy": 0.90, "latency_ms": 80}, "B": {"accuracy": 0.92, "latency_ms": 95},
          "C": {"accuracy": 0.95, "latency_ms": 1500}}


def test_select_model_picks_b_in_the_course_example():
    sel = select_model(COURSE, "accuracy", {"latency_ms": 100})
    assert sel.chosen == "B" and sel.feasible == ["B", "A"] and list(sel.rejected) == ["C"]
    assert "latency_ms = 1500 breaks <= 100" in sel.rejected["C"] and "chosen: B" in str(sel)


def test_select_model_follows_the_budget_and_direction():
    assert select_model(COURSE, "accuracy", {"latency_ms": 2000}).chosen == "C"
    assert select_model(COURSE, "accuracy", {"latency_ms": 85}).chosen == "A"
    assert select_model(COURSE, "latency_ms", {"accuracy": (">=", 0.91)}, maximize=False).chosen == "B"
    assert select_model(COURSE, "accuracy").chosen == "C"


def test_select_model_says_clearly_when_no_model_meets_the_budget():
    with pytest.raises(NoModelMeetsConstraintsError, match=r"no model meets.*latency_ms <= 50.*best candidate: 80"):
        select_model(COURSE, "accuracy", {"latency_ms": 50})
    assert issubclass(NoModelMeetsConstraintsError, ValueError)


def test_select_model_rejects_bad_input():
    with pytest.raises(ValueError, match="empty"):
        select_model({}, "accuracy")
    with pytest.raises(ValueError, match=r"candidate 'A' has no value for \['f1'\]"):
        select_model(COURSE, "f1")
    with pytest.raises(ValueError, match="op in"):
        select_model(COURSE, "accuracy", {"latency_ms": ("==", 3)})


def test_pareto_front_drops_dominated_models_and_sorts_by_cost():
    cands = dict(COURSE, D={"accuracy": 0.91, "latency_ms": 200})  # D is beaten by B on both
    assert pareto_front(cands, "accuracy", "latency_ms") == ["A", "B", "C"]
    with pytest.raises(ValueError, match="empty"):
        pareto_front({}, "accuracy", "latency_ms")


def test_make_region_data_shapes_balance_and_region_shift():
    X, y, r = make_region_data(n_regions=8, n_per_region=300, n_features=5, shift=2.0, seed=1)
    assert X.shape == (2400, 5) and y.shape == r.shape == (2400,)
    assert set(np.unique(r)) == set(range(8)) and 0.4 < y.mean() < 0.6
    means = np.array([X[r == k].mean(axis=0) for k in range(8)])
    assert means.std(axis=0).mean() > 1.0  # regions are shifted
    X0, _, r0 = make_region_data(n_per_region=300, n_features=5, shift=0.0, boundary_shift=0.0, seed=1)
    assert np.array([X0[r0 == k].mean(axis=0) for k in range(8)]).std(axis=0).mean() < 0.15
    np.testing.assert_array_equal(make_region_data(seed=3)[0], make_region_data(seed=3)[0])


def test_make_region_data_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_regions must be a positive integer"):
        make_region_data(n_regions=0)
    with pytest.raises(ValueError, match="shift must be in"):
        make_region_data(shift=-1)


def test_split_by_group_puts_whole_groups_in_dev():
    g = np.repeat(np.arange(8), 3)
    dev, test = split_by_group(g, [0, 1, 2, 3])
    assert set(g[dev]) == {0, 1, 2, 3} and set(g[test]) == {4, 5, 6, 7} and dev.size + test.size == 24
    with pytest.raises(ValueError, match=r"dev_groups \[9\] do not occur"):
        split_by_group(g, [9])
    with pytest.raises(ValueError, match="test set would be empty"):
        split_by_group(g, range(8))
    with pytest.raises(ValueError, match="empty"):
        split_by_group([], [0])


def test_shuffled_split_is_a_seeded_partition_by_fraction_or_count():
    parts = shuffled_split(100, (0.6, 0.2, 0.2), seed=0)
    assert [p.size for p in parts] == [60, 20, 20]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(100))
    assert [p.size for p in shuffled_split(10, (7, 3))] == [7, 3]
    np.testing.assert_array_equal(shuffled_split(50, (0.5, 0.5), seed=4)[0], shuffled_split(50, (0.5, 0.5), seed=4)[0])
    with pytest.raises(ValueError, match="summing to 1"):
        shuffled_split(10, (0.5, 0.2))
    with pytest.raises(ValueError, match="empty part"):
        shuffled_split(3, (0.98, 0.01, 0.01))


def test_dev_test_sizes_small_data_60_20_20_large_data_98_1_1():
    assert dev_test_sizes(10_000) == (6_000, 2_000, 2_000)
    assert dev_test_sizes(1_000_000) == (980_000, 10_000, 10_000)
    with pytest.raises(ValueError, match="at least 5"):
        dev_test_sizes(3)


def test_prob_dev_picks_better_grows_with_dev_size():
    small = prob_dev_picks_better(0.91, 0.90, 100, seed=0)
    large = prob_dev_picks_better(0.91, 0.90, 10_000, seed=0)
    assert 0.5 < small < 0.75 and large > 0.98
    assert prob_dev_picks_better(0.9, 0.9, 500) == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ValueError, match="must be >= acc_worse"):
        prob_dev_picks_better(0.8, 0.9, 100)


def test_flip_labels_flips_about_rate_to_a_different_class():
    y = np.arange(20000) % 3
    noisy, flipped = flip_labels(y, 0.2, n_classes=3, seed=0)
    assert abs(flipped.mean() - 0.2) < 0.01
    assert np.all(noisy[flipped] != y[flipped]) and np.all(noisy[~flipped] == y[~flipped])
    yb = (np.arange(10) % 2).reshape(1, -1)
    nb, _ = flip_labels(yb, 1.0)
    assert nb.shape == (1, 10) and np.all(nb == 1 - yb)


def test_flip_labels_rejects_bad_input():
    with pytest.raises(ValueError, match=r"labels must lie in 0..1"):
        flip_labels([0, 2], 0.1)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\]"):
        flip_labels([0, 1], 1.5)
    with pytest.raises(ValueError, match="empty"):
        flip_labels([], 0.1)


def test_diagnose_bias_variance_reads_the_course_examples():
    d = diagnose_bias_variance(0.01, 0.08, 0.10)  # human 1 %: avoidable bias 7 % > variance 2 %
    assert d.focus == "avoidable bias" and d.knobs == BIAS_KNOBS
    assert d.gaps["avoidable bias"] == pytest.approx(0.07) and d.gaps["variance"] == pytest.approx(0.02)
    d = diagnose_bias_variance(0.075, 0.08, 0.10)  # human 7.5 %: variance wins
    assert d.focus == "variance" and d.knobs == VARIANCE_KNOBS and "focus on: variance" in str(d)
    assert diagnose_bias_variance(0.05, 0.051, 0.052, tolerance=0.005).focus == "none"


def test_diagnose_bias_variance_notes_train_error_below_human_and_rejects_percentages():
    assert "below human-level" in diagnose_bias_variance(0.05, 0.03, 0.04).notes[0]
    with pytest.raises(ValueError, match=r"dev_error must be in \[0, 1\]"):
        diagnose_bias_variance(0.01, 0.08, 10)


def test_diagnose_mismatch_separates_variance_from_data_mismatch():
    d = diagnose_mismatch(0.0, 0.01, 0.015, 0.10)
    assert d.focus == "data mismatch" and d.knobs == MISMATCH_KNOBS
    assert d.gaps["data mismatch"] == pytest.approx(0.085)
    d = diagnose_mismatch(0.0, 0.01, 0.09, 0.10, test_error=0.11)
    assert d.focus == "variance" and d.gaps["overfitting to dev"] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="train_dev_error"):
        diagnose_mismatch(0, 0, -0.1, 0)


def test_image_properties_separate_darkening_fading_and_blur(rng):
    from scipy.ndimage import gaussian_filter

    img = rng.random((1, 24, 24)) * 0.8 + 0.1
    dark, faded, blurry = 0.3 * img, img.mean() + 0.3 * (img - img.mean()), gaussian_filter(img, (0, 1.5, 1.5))
    p = image_properties(np.concatenate([img, dark, faded, blurry]), eps=1e-9)
    assert p["brightness"][0] == pytest.approx(img.mean()) and p["brightness"][1] == pytest.approx(0.3 * img.mean())
    assert p["contrast"][1] == pytest.approx(p["contrast"][0]) and p["contrast"][2] < 0.5 * p["contrast"][0]
    assert p["sharpness"][1] == pytest.approx(p["sharpness"][0])
    assert p["sharpness"][2] == pytest.approx(p["sharpness"][0])
    assert p["sharpness"][3] < 0.5 * p["sharpness"][0]
    with pytest.raises(ValueError, match=r"shape \(k, H, W\)"):
        image_properties(np.zeros((2, 2, 2)))


def test_tag_lowest_marks_the_lowest_fraction():
    mask = tag_lowest(np.arange(100.0), 0.25)
    assert mask.sum() == 25 and mask[:25].all()
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\)"):
        tag_lowest(np.arange(3.0), 1.0)


def test_tag_lowest_can_take_its_threshold_from_a_reference_set():
    mask = tag_lowest(np.array([0.5, 5.0, 50.0]), 0.1, reference=np.arange(100.0))  # threshold 9.9
    assert mask.tolist() == [True, True, False]
    with pytest.raises(ValueError, match="reference is empty"):
        tag_lowest(np.arange(3.0), 0.5, reference=[])


def test_error_analysis_counts_categories_and_ceilings():
    errors = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], bool)
    tags = {"dark": np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 1], bool),
            "blurry": np.array([0, 0, 0, 1, 1, 0, 0, 0, 0, 0], bool)}
    overall, rows = error_analysis(errors, tags)
    assert overall == pytest.approx(0.4) and [r.name for r in rows] == ["dark", "blurry"]
    assert rows[0].count == 3 and rows[0].fraction_of_errors == pytest.approx(0.75)
    assert rows[0].error_rate == pytest.approx(0.75) and rows[0].ceiling == pytest.approx(0.1)
    assert fix_ceiling(0.4, 0.75) == pytest.approx(0.1)


def test_error_analysis_rejects_no_errors_empty_tags_and_bad_lengths():
    with pytest.raises(ValueError, match="no errors"):
        error_analysis(np.zeros(4, bool), {"a": np.ones(4, bool)})
    with pytest.raises(ValueError, match="marks no example"):
        error_analysis(np.ones(4, bool), {"a": np.zeros(4, bool)})
    with pytest.raises(ValueError, match="has 3 entries"):
        error_analysis(np.ones(4, bool), {"a": np.ones(3, bool)})
    with pytest.raises(ValueError, match="tags is empty"):
        error_analysis(np.ones(4, bool), {})


def test_time_per_example_measures_a_slow_predict():
    import time

    def slow(xb):
        time.sleep(0.002 * len(xb))
        return xb

    t = time_per_example(slow, np.zeros((10, 3)), n_examples=5, repeats=2)
    assert 0.0015 < t < 0.05
    with pytest.raises(ValueError, match="examples along axis 0"):
        time_per_example(slow, np.zeros((0, 3)))


def _digits_split():
    from sklearn.datasets import load_digits

    d = load_digits()
    X, y = d.data / 16.0, d.target
    return X[y < 5], y[y < 5], X[y >= 5], y[y >= 5] - 5


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_features_match_a_manual_forward_pass_and_feed_the_output_layer():
    from sklearn.neural_network import MLPClassifier

    Xs, ys, _, _ = _digits_split()
    net = MLPClassifier((12, 7), max_iter=50, random_state=0).fit(Xs[:200], ys[:200])
    h1 = np.maximum(Xs[:5] @ net.coefs_[0] + net.intercepts_[0], 0)
    np.testing.assert_allclose(mlp_features(net, Xs[:5]), h1)
    h2 = mlp_features(net, Xs[:50], n_layers=2)
    logits = h2 @ net.coefs_[2] + net.intercepts_[2]
    np.testing.assert_array_equal(net.classes_[logits.argmax(axis=1)], net.predict(Xs[:50]))
    with pytest.raises(ValueError, match="2 hidden layers"):
        mlp_features(net, Xs[:5], n_layers=3)
    with pytest.raises(ValueError, match="not fitted"):
        mlp_features(MLPClassifier(), Xs[:5])
    with pytest.raises(ValueError, match=r"shape \(m, 64\)"):
        mlp_features(net, Xs[:5, :10])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_init_from_pretrained_copies_the_body_and_keeps_a_new_head():
    from sklearn.neural_network import MLPClassifier

    Xs, ys, Xt, yt = _digits_split()
    source = MLPClassifier((16,), max_iter=30, random_state=0).fit(Xs, ys)
    net = init_from_pretrained(MLPClassifier((16,), max_iter=7, random_state=1), source, Xt[:50], yt[:50])
    np.testing.assert_array_equal(net.coefs_[0], source.coefs_[0])
    assert net.coefs_[1].shape == (16, 5) and net.max_iter == 7 and net.warm_start
    net.partial_fit(Xt[:50], yt[:50])
    assert not np.array_equal(net.coefs_[0], source.coefs_[0])  # fine-tuning moves the body
    tuned = init_from_pretrained(MLPClassifier((16,), max_iter=40, random_state=1), source, Xt[:50], yt[:50])
    tuned.fit(Xt[:50], yt[:50])
    assert tuned.n_iter_ > 20  # the one-iteration warm-up's loss history does not stop fine-tuning early
    with pytest.raises(ValueError, match=r"layer 1: net has weights \(64, 8\), source \(64, 16\)"):
        init_from_pretrained(MLPClassifier((8,)), source, Xt[:50], yt[:50])
    with pytest.raises(ValueError, match="not fitted"):
        init_from_pretrained(MLPClassifier((16,)), MLPClassifier((16,)), Xt[:50], yt[:50])


def _multitask_problem(rng, K=3, m=7):
    Y = (rng.random((K, m)) < 0.5).astype(float)
    Y[rng.random((K, m)) < 0.3] = np.nan
    Y[:, 0] = [0, 1, 0][:K]  # at least one known label per row
    return Y


def test_multitask_cost_matches_keras_binary_crossentropy_on_known_labels(rng):
    import keras

    Z, Y = rng.standard_normal((3, 7)), _multitask_problem(rng)
    J, _ = multitask_cost(Z, Y)
    known = ~np.isnan(Y)
    bce = keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(Y[known][:, None], Z[known][:, None],
                                                                      from_logits=True))
    assert J == pytest.approx(bce.sum() / Y.shape[1], rel=1e-5)


def test_multitask_cost_gradient_passes_gradcheck_and_ignores_missing_labels(rng):
    from utils.gradcheck import check_gradient

    Z, Y = rng.standard_normal((3, 7)), _multitask_problem(rng)
    _, dZ = multitask_cost(Z, Y)
    assert check_gradient(lambda z: multitask_cost(z, Y)[0], Z, dZ) < 1e-7
    assert np.all(dZ[np.isnan(Y)] == 0)


def test_multitask_gradients_pass_gradcheck_for_every_parameter(rng):
    from utils.deep_nn import initialize_parameters_deep
    from utils.gradcheck import check_gradient

    X, Y = rng.standard_normal((4, 7)), _multitask_problem(rng)
    params = initialize_parameters_deep([4, 5, 3], init="he", seed=0)
    _, grads = multitask_gradients(X, Y, params)
    for key in params:
        def cost_of(value, key=key):
            return multitask_gradients(X, Y, {**params, key: value})[0]
        assert check_gradient(cost_of, params[key], grads["d" + key]) < 1e-6, key


def test_train_multitask_lowers_the_cost_and_rejects_bad_input(rng):
    X = rng.standard_normal((2, 60))
    Y = np.vstack([X[0] > 0, X[1] > 0, X.sum(0) > 0]).astype(float)
    Y[0, :20] = np.nan
    _, costs = train_multitask(X, Y, [2, 8, 3], learning_rate=0.5, num_iterations=300)
    assert costs[-1] < 0.5 * costs[0]
    with pytest.raises(ValueError, match="end with K = 3"):
        train_multitask(X, Y, [2, 8, 2])
    with pytest.raises(ValueError, match="every label is missing"):
        multitask_cost(np.zeros((1, 2)), np.full((1, 2), np.nan))
    with pytest.raises(ValueError, match="0, 1 or NaN"):
        multitask_cost(np.zeros((1, 2)), np.array([[0.0, 2.0]]))


def test_diagnose_names_the_gap_keys_when_a_gaps_dict_is_malformed():
    from utils.strategy import _diagnose

    with pytest.raises(ValueError, match="keys 'avoidable bias' and 'variance'.*got \\['bias', 'variance'\\]"):
        _diagnose({"human": 0.0, "train": 0.1, "dev": 0.2}, {"bias": 0.1, "variance": 0.1}, 0.0)
    with pytest.raises(ValueError, match="got \\['avoidable bias', 'variance', 'mismatch'\\]"):
        _diagnose({}, {"avoidable bias": 0.1, "variance": 0.1, "mismatch": 0.0}, 0.0)


def test_mix_sources_takes_the_asked_share_from_b_and_grows_the_same_mask():
    from utils.strategy import mix_sources
    a, b = np.zeros((2000, 3, 2)), np.ones((2000, 3, 2))
    mixed, from_b = mix_sources(a, b, 0.3, seed=1)
    assert mixed.shape == a.shape and abs(from_b.mean() - 0.3) < 0.04
    np.testing.assert_array_equal(mixed[from_b], 1.0)
    np.testing.assert_array_equal(mixed[~from_b], 0.0)
    _, more = mix_sources(a, b, 0.6, seed=1)
    assert np.all(more[from_b])  # the 60 % mix contains the 30 % one
    assert not mix_sources(a, b, 0.0)[1].any() and mix_sources(a, b, 1.0)[1].all()
    with pytest.raises(ValueError, match="same shape"):
        mix_sources(a, b[:10], 0.5)
    with pytest.raises(ValueError, match="fraction"):
        mix_sources(a, b, 1.5)
