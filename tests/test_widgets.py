import ipywidgets as W
import numpy as np
import pytest

from utils.validation import DivergenceError, check_finite
from utils.widgets import SliderPanel, make_control


def _draw(fig, lr, kind):
    ax = fig.add_subplot()
    costs = [check_finite(c, i) for i, c in enumerate(np.exp(np.arange(5) * (lr - 1)))]
    ax.plot(costs, label=kind)
    return f"final cost {costs[-1]:.3f}"


def test_panel_draws_on_creation_and_redraws_on_change():
    panel = SliderPanel(_draw, {"lr": (0.1, 3.0, 0.1, 0.5), "kind": ["a", "b"]})
    first = panel.image.value
    assert first[:4] == b"\x89PNG" and "final cost" in panel.text.value
    panel.set(lr=0.2)
    assert panel.image.value != first and len(panel.latencies) == 2
    assert panel.message.value == ""


def test_panel_shows_a_message_not_a_traceback_when_training_diverges():
    def diverging(fig, lr):
        check_finite(float("nan") if lr > 1 else 1.0, 12)
        fig.add_subplot().plot([1, 2])

    panel = SliderPanel(diverging, {"lr": (0.1, 2.0, 0.1, 0.5)})
    good = panel.image.value
    panel.set(lr=1.5)
    assert "diverged" in panel.message.value and "iteration 12" in panel.message.value
    assert panel.image.value == good and panel.stale  # the last good figure, dimmed
    assert panel.text.value == ""  # its summary no longer applies
    panel.set(lr=0.3)
    assert panel.message.value == "" and not panel.stale


def test_panel_turns_any_error_into_a_message():
    def broken(fig, n):
        raise ValueError(f"n={n} is too large")

    panel = SliderPanel(broken, {"n": (1, 5, 1)})
    assert "ValueError: n=1 is too large" in panel.message.value


def test_show_message_dims_a_stale_figure_or_keeps_a_current_one_and_the_next_redraw_clears_it():
    panel = SliderPanel(_draw, {"lr": (0.1, 3.0, 0.1, 0.5), "kind": ["a", "b"]})
    summary = panel.text.value
    panel.show_message("notes.png: please upload a JPEG or PNG <photo>", stale=False)
    assert "&lt;photo&gt;" in panel.message.value and panel.text.value == summary
    assert not panel.stale
    panel.show_message("no photo")
    assert panel.text.value == "" and panel.stale
    panel.set(lr=0.7)
    assert panel.message.value == "" and not panel.stale and "final cost" in panel.text.value


def test_paused_changes_several_controls_with_one_redraw():
    panel = SliderPanel(_draw, {"lr": (0.1, 3.0, 0.1, 0.5), "kind": ["a", "b"]})
    with panel.paused():
        panel.controls["kind"].options = ["a", "b", "c"]  # resets the value to "a": no redraw yet
        panel.set(lr=0.9, kind="c")
        assert len(panel.latencies) == 1
    assert len(panel.latencies) == 2 and panel.values == {"lr": 0.9, "kind": "c"}


def test_make_control_builds_the_right_widgets():
    assert isinstance(make_control("n", (1, 10, 1)), W.IntSlider)
    s = make_control("lr", (0.0, 1.0, 0.1, 0.3))
    assert isinstance(s, W.FloatSlider) and s.value == 0.3 and s.continuous_update is False
    assert isinstance(make_control("lr", ("log", 1e-4, 1.0, 1e-2)), W.FloatLogSlider)
    assert isinstance(make_control("act", ["relu", "tanh"]), W.Dropdown)
    assert isinstance(make_control("on", True), W.Checkbox)


@pytest.mark.parametrize("spec, message", [
    ((1.0, 0.0, 0.1), "min < max"),
    ((0.0, 1.0, 0.1, 2.0), "outside"),
    (("log", 0.0, 1.0, 0.5), "0 < min < max"),
    ({}, "cannot build a control"),
])
def test_make_control_rejects_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        make_control("x", spec)


def test_panel_rejects_unknown_controls_and_empty_panels():
    panel = SliderPanel(lambda fig, a: None, {"a": (0, 3, 1)})
    with pytest.raises(ValueError, match="unknown controls"):
        panel.set(b=1)
    with pytest.raises(ValueError, match="at least one control"):
        SliderPanel(lambda fig: None, {})


def test_divergence_error_is_a_floating_point_error():
    assert issubclass(DivergenceError, FloatingPointError)


def _curve(fig, run, panels, label, top):
    axes = np.atleast_1d(fig.subplots(1, panels))
    for ax in axes:
        ax.plot(np.linspace(0, top, 10))
        ax.set(title=f"run {run}", xlabel="step", ylabel=label)
    return None


def _fresh_png(panel):
    """The same figure laid out by tight_layout from scratch (the panel's cache emptied)."""
    layouts, panel._layouts = panel._layouts, {}
    try:
        panel.redraw()
        return panel.image.value
    finally:
        panel._layouts = layouts


def test_panel_reuses_the_tight_layout_of_a_figure_with_the_same_axes_and_labels():
    import matplotlib as mpl
    from matplotlib.layout_engine import TightLayoutEngine

    with mpl.rc_context({"figure.autolayout": True}):  # the workbook style's tight layout
        panel = SliderPanel(_curve, {"run": (1, 9, 1, 1), "panels": (1, 2, 1, 1), "label": ["cost", "cost\n(log)"],
                                     "top": [8, 800]})
    assert isinstance(panel._engine, TightLayoutEngine) and len(panel._layouts) == 1
    panel.set(run=2)  # a new title, the same axes, labels and tick labels: the layout of the first draw
    assert len(panel._layouts) == 1
    assert panel.image.value == _fresh_png(panel)
    panel.set(top=800)  # y tick labels up to 800: a wider margin, so a new layout
    panel.set(panels=2)
    panel.set(label="cost\n(log)")
    assert len(panel._layouts) == 4
    assert panel.image.value == _fresh_png(panel)


def test_panel_leaves_a_figure_that_chose_its_own_layout_alone():
    def by_hand(fig, x):
        fig.set_layout_engine("none")
        fig.add_axes((0.1, 0.1, 0.8 * x, 0.8)).plot([1, 2])

    import matplotlib as mpl

    with mpl.rc_context({"figure.autolayout": True}):
        panel = SliderPanel(by_hand, {"x": (0.5, 1.0, 0.1, 0.5)})
    panel.set(x=0.7)
    assert panel._layouts == {} and panel.message.value == ""


def test_layout_key_names_the_arrangement_and_refuses_hand_placed_axes():
    import matplotlib.pyplot as plt

    from utils.widgets import layout_key

    fig = plt.figure()
    fig.subplots(1, 2)[0].set(ylabel="cost", title="a")
    key = layout_key(fig)
    fig.axes[0].set_title("another title, as short")
    assert layout_key(fig) == key
    fig.axes[0].set_ylabel("cost\n(log)")
    assert layout_key(fig) != key
    fig.add_axes((0.1, 0.1, 0.2, 0.2))
    assert layout_key(fig) is None
    plt.close(fig)
