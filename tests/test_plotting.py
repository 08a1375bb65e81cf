import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.plotting import (STYLE, plot_classes, plot_costs, plot_decision_boundary, plot_history, plot_image_grid,
                            tile_images, use_style)


def test_use_style_sets_the_workbook_rcparams():
    use_style()
    for key, value in STYLE.items():
        assert mpl.rcParams[key] == value or tuple(mpl.rcParams[key]) == value


def test_decision_boundary_shades_both_classes_and_labels_axes():
    X = np.array([[-1.0, 1.0, -1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    Y = (X[0] > 0).astype(int).reshape(1, -1)
    ax = plot_decision_boundary(lambda P: (P[0] > 0).astype(float), X, Y, title="split on x1")
    assert ax.get_title() == "split on x1" and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.collections) >= 2  # contour fills + scatter


def test_decision_boundary_rejects_points_as_rows():
    with pytest.raises(ValueError, match=r"X must have shape \(2, m\)"):
        plot_decision_boundary(lambda P: P[0], np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="one label per column"):
        plot_decision_boundary(lambda P: P[0], np.zeros((2, 5)), np.zeros(4))


def test_plot_costs_uses_iteration_spacing_and_several_curves():
    ax = plot_costs([3.0, 2.0, 1.0], every=100)
    assert list(ax.lines[0].get_xdata()) == [0, 100, 200]
    ax = plot_costs({"a": [1, 0.5], "b": [1, 0.2]})
    assert len(ax.lines) == 2 and ax.get_legend() is not None
    with pytest.raises(ValueError, match="empty"):
        plot_costs([])


def test_plot_history_draws_train_and_validation():
    fig = plot_history({"loss": [1, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]})
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="none of the metrics"):
        plot_history({"mse": [1]})


def test_plot_image_grid_lays_out_rows_and_titles(rng):
    fig = plot_image_grid(rng.random((10, 5, 5)), titles=[str(i) for i in range(10)], ncols=4, title="grid")
    assert len(fig.axes) == 12 and fig.axes[0].get_title() == "0"
    plot_image_grid(rng.random((2, 5, 5, 3)))
    fixed = plot_image_grid(np.full((2, 4, 4), 0.1), vmin=0, vmax=1)
    assert fixed.axes[0].images[0].get_clim() == (0, 1)
    with pytest.raises(ValueError, match="2 titles for 3 images"):
        plot_image_grid(rng.random((3, 4, 4)), titles=["a", "b"])
    with pytest.raises(ValueError, match=r"shape \(H, W\)"):
        plot_image_grid([np.zeros(4)])
    plt.close("all")


def test_plot_classes_draws_one_labelled_group_per_class():
    X = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 0.0]])
    ax = plot_classes(X, np.array([[0, 1, 1]]), title="toy")
    assert len(ax.collections) == 2 and ax.get_title() == "toy" and ax.get_xlabel() == "$x_1$"
    assert [len(c.get_offsets()) for c in ax.collections] == [1, 2]
    with pytest.raises(ValueError, match="one label per column"):
        plot_classes(X, np.array([0, 1]))


def test_plot_constrained_choice_rings_the_chosen_model_and_checks_its_inputs():
    from utils.plotting import plot_constrained_choice

    course = {"A": {"accuracy": 0.90, "time_ms": 80}, "B": {"accuracy": 0.92, "time_ms": 95},
              "C": {"accuracy": 0.95, "time_ms": 1500}}
    ax = plot_constrained_choice(course, "accuracy", "time_ms", 100, chosen="B", log_x=True)
    labels = ax.get_legend_handles_labels()[1]
    assert "chosen: B" in labels and "time_ms <= 100" in labels and ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="not among the candidates"):
        plot_constrained_choice(course, "accuracy", "time_ms", 100, chosen="D")
    with pytest.raises(ValueError, match="lack"):
        plot_constrained_choice({"A": {"accuracy": 0.9}}, "accuracy", "time_ms", 100)
    plt.close("all")


def test_tile_images_lays_out_rows_with_nan_padding_and_normalizes_each_image(rng):
    imgs = rng.random((5, 3, 4)) * np.arange(1, 6)[:, None, None]
    mosaic = tile_images(imgs, ncols=3, pad=1)
    assert mosaic.shape == (2 * 4 - 1, 3 * 5 - 1)
    assert np.isnan(mosaic[3]).all() and np.isnan(mosaic[:, 4]).all()  # the padding row and column
    assert np.isnan(mosaic[4:, 10:]).all()  # the sixth cell is unused
    first = mosaic[:3, :4]
    assert first.min() == 0 and first.max() == 1
    np.testing.assert_allclose(first, (imgs[0] - imgs[0].min()) / np.ptp(imgs[0]))
    np.testing.assert_array_equal(tile_images(imgs, ncols=8, pad=0, normalize=False), np.hstack(list(imgs)))


def test_tile_images_turns_a_constant_image_into_zeros_and_rejects_bad_input():
    assert (tile_images(np.full((1, 2, 2), 7.0)) == 0).all()
    with pytest.raises(ValueError, match=r"\(k, H, W\)"):
        tile_images(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="ncols"):
        tile_images(np.zeros((2, 3, 3)), ncols=0)
