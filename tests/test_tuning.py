"""Hyperparameter search on log scales, coarse to fine (utils.tuning)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.tuning import (LogGridObjective, coarse_to_fine, log_edges, plot_search_box, plot_search_trials,
                          sample_log_uniform, search_averages, search_with_random_twin, zoom_box)

BOX = [(1e-4, 1.0), (1e-3, 1e-1)]  # learning rate, 1 - beta


def _peak_objective():
    """A grid whose scores peak at lr = 1e-2, 1 - beta = 1e-2 (the middle of BOX)."""
    lr, omb = 10.0 ** np.linspace(-4, 0, 9), 10.0 ** np.linspace(-3, -1, 5)
    L, B = np.meshgrid(np.log10(lr), np.log10(omb), indexing="ij")
    return LogGridObjective([lr, omb], 100 - 10 * ((L + 2) ** 2 + (B + 2) ** 2))


def test_sample_log_uniform_spreads_evenly_over_the_exponents(rng):
    points = sample_log_uniform(BOX, 20_000, rng)
    assert points.shape == (20_000, 2)
    assert np.all((points >= [1e-4, 1e-3]) & (points <= [1.0, 1e-1]))
    per_decade = [np.mean((points[:, 0] >= 10.0 ** k) & (points[:, 0] < 10.0 ** (k + 1))) for k in range(-4, 0)]
    np.testing.assert_allclose(per_decade, 0.25, atol=0.02)  # uniform on the value would put 90 % in the last


def test_sample_log_uniform_refuses_a_box_that_is_not_log_scale(rng):
    with pytest.raises(ValueError, match="0 < low < high"):
        sample_log_uniform([(0.0, 1.0)], 3, rng)
    with pytest.raises(ValueError, match="list of \\(low, high\\)"):
        sample_log_uniform([1e-4, 1.0], 3, rng)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        sample_log_uniform(BOX, 0, rng)


def test_zoom_box_is_zoom_times_as_wide_in_the_exponents_and_stays_inside():
    (lo, hi), (blo, bhi) = zoom_box(BOX, [1e-2, 1e-2], 0.25)
    assert np.log10(hi / lo) == pytest.approx(1.0) and np.log10(bhi / blo) == pytest.approx(0.5)
    assert np.sqrt(lo * hi) == pytest.approx(1e-2) and np.sqrt(blo * bhi) == pytest.approx(1e-2)
    (lo, hi), (blo, bhi) = zoom_box(BOX, [1.0, 1e-3], 0.5)  # a corner: the box moves inside
    assert hi == pytest.approx(1.0) and lo == pytest.approx(1e-2) and blo == pytest.approx(1e-3)
    np.testing.assert_allclose(zoom_box(BOX, [1e-2, 1e-2], 1.0), BOX)
    with pytest.raises(ValueError, match="zoom"):
        zoom_box(BOX, [1e-2, 1e-2], 0.0)


def test_log_grid_objective_is_exact_on_the_grid_and_linear_in_the_exponents():
    obj = _peak_objective()
    assert obj.box == [pytest.approx((1e-4, 1.0)), pytest.approx((1e-3, 1e-1))]
    np.testing.assert_allclose(obj(np.array([[1e-2, 1e-2], [1e-4, 1e-3]])), [100.0, 100 - 10 * (4 + 1)])
    half = obj(np.array([[10 ** -1.75, 1e-2]]))[0]  # halfway (in the exponent) between lr 1e-2 and 10^-1.5
    assert half == pytest.approx((100 + (100 - 10 * 0.25)) / 2)
    assert obj(np.array([[10.0, 1e-2]]))[0] == obj(np.array([[1.0, 1e-2]]))[0]  # outside: the edge


def test_log_grid_objective_checks_its_grid():
    with pytest.raises(ValueError, match="one entry per grid point"):
        LogGridObjective([np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0])], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="increasing 1-D array"):
        LogGridObjective([np.array([2.0, 1.0])], np.zeros(2))


def test_coarse_to_fine_zooms_around_the_best_coarse_point(rng):
    obj = _peak_objective()
    result = coarse_to_fine(obj, obj.box, 10, 0.2, rng)
    best = result["coarse"][np.argmax(result["coarse_scores"])]
    (lo, hi), (blo, bhi) = result["fine_box"]
    assert np.all((result["fine"][:, 0] >= lo) & (result["fine"][:, 0] <= hi))
    assert np.all((result["fine"][:, 1] >= blo) & (result["fine"][:, 1] <= bhi))
    assert lo <= best[0] <= hi and blo <= best[1] <= bhi
    np.testing.assert_array_equal(result["scores"], np.concatenate([result["coarse_scores"], result["fine_scores"]]))


def test_search_with_random_twin_shares_the_coarse_round_and_is_reproducible():
    obj = _peak_objective()
    a, b = (search_with_random_twin(obj, obj.box, 6, 0.3, seed=4) for _ in range(2))
    np.testing.assert_array_equal(a["scores"], b["scores"])
    np.testing.assert_array_equal(a["random_all"][:6], a["coarse_scores"])
    assert a["random_scores"].shape == (6,)


def test_search_averages_show_the_fine_round_landing_in_the_good_region_more_often():
    obj = _peak_objective()
    avg = search_averages(obj, obj.box, 8, 0.2, good=95.0, draws=300)
    assert avg["good_fine"] > 2 * avg["good_random"]
    assert avg["best_fine"] >= avg["best_random"] - 0.5
    same = search_averages(obj, obj.box, 8, 1.0, good=95.0, draws=300)  # zoom 1: random search again
    assert same["good_fine"] == pytest.approx(same["good_random"], abs=0.05)
    with pytest.raises(ValueError, match="zoom"):
        search_averages(obj, obj.box, 8, 1.5, good=95.0)


def test_log_edges_are_geometric_midpoints():
    np.testing.assert_allclose(log_edges(np.array([1.0, 10.0, 100.0])), [10 ** -0.5, 10 ** 0.5, 10 ** 1.5, 10 ** 2.5])
    with pytest.raises(ValueError, match="increasing"):
        log_edges(np.array([1.0]))


def test_plot_search_box_and_trials_draw_every_trial():
    obj = _peak_objective()
    result = search_with_random_twin(obj, obj.box, 5, 0.25, seed=0)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    plot_search_box(obj, result, ax1, score="dev accuracy")
    assert ax1.get_xscale() == "log" and len(ax1.collections) == 3  # the grid, coarse and fine points
    assert [t.get_text() for t in ax1.get_legend().get_texts()] == ["coarse", "fine"]
    plot_search_trials(result, ax2, good=95.0)
    assert len(ax2.collections[0].get_offsets()) == 10
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["coarse to fine", "random only", "good"]
    plt.close(fig)
