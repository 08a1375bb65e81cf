"""The blitz's figures: the computations they show (checked against PyTorch or by hand) and that each draws."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from utils.torch_figures import (LAYOUT_OPS, SMALL_GRAPH, apply_layout_op, autograd_curve, draw_autograd_curve,
                                 draw_autograd_graph, draw_data_parallel,
                                 draw_layers, draw_memory_layout, draw_top3, layer_summary, make_blitz_net,
                                 small_graph, split_batch, storage_offsets)
from utils.torch_nets import Net, count_parameters


@pytest.fixture
def fig():
    f = plt.figure(figsize=(9, 4))
    yield f
    plt.close(f)


def test_storage_offsets_equal_the_values_of_every_view_of_an_arange():
    x = torch.arange(20).reshape(4, 5)
    for op in LAYOUT_OPS:
        try:
            t = apply_layout_op(x, op)
        except RuntimeError:
            continue
        if t.untyped_storage().data_ptr() == x.untyped_storage().data_ptr():
            np.testing.assert_array_equal(storage_offsets(t), t.numpy(), err_msg=op)


def test_storage_offsets_of_a_3d_permute_match_the_strides():
    t = torch.arange(24).reshape(2, 3, 4).permute(2, 0, 1)[1:]
    np.testing.assert_array_equal(storage_offsets(t), t.contiguous().numpy())


def test_apply_layout_op_views_share_memory_and_copies_do_not():
    x = torch.arange(12).reshape(3, 4)
    assert apply_layout_op(x, "x.T  (permute(1, 0))").stride() == (1, 4)
    assert apply_layout_op(x, "x[0].expand(rows, cols)  (broadcast a row)").stride() == (0, 1)
    copy = apply_layout_op(x, "x.T.contiguous().view(-1)")
    assert copy.untyped_storage().data_ptr() != x.untyped_storage().data_ptr()
    assert copy.tolist() == x.T.reshape(-1).tolist()


def test_apply_layout_op_raises_pytorchs_error_for_an_impossible_view():
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        apply_layout_op(torch.arange(6).reshape(2, 3), "x.T.view(-1)  (a view of a permuted tensor)")
    with pytest.raises(RuntimeError, match="invalid for input of size 10"):
        apply_layout_op(torch.arange(10).reshape(2, 5), "x.view(3, -1)")
    with pytest.raises(ValueError, match="unknown operation"):
        apply_layout_op(torch.arange(4).reshape(2, 2), "x.flip()")


def test_draw_memory_layout_draws_views_and_copies(fig):
    x = torch.arange(6).reshape(2, 3)
    assert "shares base's memory: True" in draw_memory_layout(fig, x, x.T, "x.T")
    fig.clf()
    assert "shares base's memory: False" in draw_memory_layout(fig, x, x.T.contiguous(), "copy")
    with pytest.raises(ValueError, match="contiguous"):
        draw_memory_layout(fig, x.T, x)


def test_small_graph_gradients_match_the_chain_rule_by_hand():
    w, x, b, y = 0.7, -1.3, 0.4, 0.5
    nodes = small_graph(w, x, b, y)
    a = np.tanh(w * x + b)
    dz = 2 * (a - y) * (1 - a ** 2)
    assert nodes["L"]["value"] == pytest.approx((a - y) ** 2, abs=1e-12)
    assert nodes["w"]["grad"] == pytest.approx(dz * x, abs=1e-12)
    assert nodes["x"]["grad"] == pytest.approx(dz * w, abs=1e-12)
    assert nodes["b"]["grad"] == pytest.approx(dz, abs=1e-12)
    assert nodes["u"]["grad"] == pytest.approx(dz, abs=1e-12) and nodes["L"]["grad"] == 1.0
    assert set(nodes) == set(SMALL_GRAPH) and nodes["a"]["grad_fn"] == "TanhBackward0"


def test_draw_autograd_graph_says_when_tanh_saturates(fig):
    assert "saturated" not in draw_autograd_graph(fig, small_graph(0.5, 0.5, 0.0))
    fig.clf()
    assert "saturated" in draw_autograd_graph(fig, small_graph(3.0, 3.0, 3.0))


def test_autograd_curve_is_the_derivative_of_an_elementwise_function():
    t, values, grad = autograd_curve(lambda x: x ** 3, -1.0, 2.0, 31)
    assert t.shape == values.shape == grad.shape == (31,)
    np.testing.assert_allclose(values, t ** 3)
    np.testing.assert_allclose(grad, 3 * t ** 2, rtol=1e-12)
    with pytest.raises(ValueError, match="hi must be greater than lo"):
        autograd_curve(torch.sin, 1.0, 1.0)


def test_draw_autograd_curve_reports_agreement_and_a_wrong_derivative(fig):
    f = lambda x: x * torch.tanh(x ** 2)  # noqa: E731
    right = lambda x: np.tanh(x ** 2) + 2 * x ** 2 * (1 - np.tanh(x ** 2) ** 2)  # noqa: E731
    msg = draw_autograd_curve(fig, f, right)
    assert float(msg.rsplit(" ", 1)[1]) < 1e-12
    fig.clf()
    assert float(draw_autograd_curve(fig, f, lambda x: np.tanh(x ** 2)).rsplit(" ", 1)[1]) > 0.1


def test_make_blitz_net_defaults_have_the_blitz_nets_62006_parameters_and_shapes():
    net = make_blitz_net()
    assert count_parameters(net) == count_parameters(Net()) == 62_006
    rows = layer_summary(net)
    assert [r.shape for r in rows if r.name == "MaxPool2d"] == [(6, 14, 14), (16, 5, 5)]
    assert rows[-1].shape == (10,) and sum(r.params for r in rows) == 62_006


def test_make_blitz_net_counts_follow_the_formulas_for_other_sizes():
    net = make_blitz_net(conv1=4, conv2=8, fc1=32, fc2=16, kernel=3)
    side = ((32 - 2) // 2 - 2) // 2     # 3x3 kernels: 32 -> 30 -> 15 -> 13 -> 6
    expected = 4 * (9 * 3 + 1) + 8 * (9 * 4 + 1) + 32 * (8 * side * side + 1) + 16 * 33 + 10 * 17
    assert count_parameters(net) == expected
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_make_blitz_net_refuses_a_kernel_that_leaves_no_pixel():
    make_blitz_net(kernel=9)
    with pytest.raises(ValueError, match="leaves no pixel"):
        make_blitz_net(kernel=11)


def test_draw_layers_reports_the_total(fig):
    assert draw_layers(fig, layer_summary(make_blitz_net())).startswith("62,006 parameters")


def test_draw_top3_marks_right_and_wrong(fig):
    img = np.zeros((32, 32, 3), np.uint8)
    probs = np.array([0.1, 0.6, 0.3])
    assert draw_top3(fig, img, probs, ["a", "b", "c"], 1).endswith("right")
    fig.clf()
    assert "in the top 3" in draw_top3(fig, img, probs, ["a", "b", "c"], 2)
    with pytest.raises(ValueError, match="probs must have shape"):
        draw_top3(fig, img, probs[:2], ["a", "b", "c"], 0)


def test_split_batch_is_torch_chunk_and_refuses_idle_devices():
    assert split_batch(10, 4) == [3, 3, 3, 1] == [len(c) for c in torch.arange(10).chunk(4)]
    assert split_batch(8, 1) == [8]
    with pytest.raises(ValueError, match="without an example"):
        split_batch(2, 4)


def test_draw_data_parallel_interpolates_the_measured_throughput(fig):
    text = draw_data_parallel(fig, 16, 2, {4: 100.0, 8: 200.0, 16: 300.0})
    assert "one device trains 200 images/s at a batch of 8" in text and "ideal total 400" in text


def test_draw_loss_grid_names_the_best_setting_and_refuses_a_diverged_one(fig):
    from utils.torch_figures import draw_loss_grid
    from utils.validation import DivergenceError

    curves = {(0.001, 0.0): np.array([2.3, 2.3, 2.3, 2.3]), (0.001, 0.9): np.array([2.3, 2.2, 2.0, 1.9]),
              (0.1, 0.0): np.array([2.3, 2.1, 1.8, 1.7]), (0.1, 0.9): np.array([2.3, np.nan, np.nan, np.nan])}
    text = draw_loss_grid(fig, curves, 0.001, 0.9, log_every=10)
    assert "best on the grid: lr 0.1, momentum 0" in text and "effective step lr / (1 - momentum) = 0.01" in text
    fig.clf()
    with pytest.raises(DivergenceError, match="diverged by step 20"):
        draw_loss_grid(fig, curves, 0.1, 0.9, log_every=10)
    with pytest.raises(ValueError, match="not in the precomputed grid"):
        draw_loss_grid(fig, curves, 0.5, 0.9)


def test_each_blitz_panel_shows_a_message_at_its_extremes_not_a_traceback():
    import ipywidgets as W

    from utils.torch_figures import draw_loss_grid
    from utils.widgets import SliderPanel

    def layout(fig, rows, cols, operation):
        x = torch.arange(rows * cols).reshape(rows, cols)
        return draw_memory_layout(fig, x, apply_layout_op(x, operation))

    panel = SliderPanel(layout, {"rows": (1, 6, 1, 3), "cols": (1, 6, 1, 4), "operation": list(LAYOUT_OPS)})
    panel.set(operation="x.T.view(-1)  (a view of a permuted tensor)")
    assert "RuntimeError: view size is not compatible" in panel.message.value
    panel.set(operation="x.view(3, -1)", rows=2, cols=5)
    assert "invalid for input of size 10" in panel.message.value
    panel.set(rows=3)
    assert panel.message.value == ""

    panel = SliderPanel(lambda fig, kernel: draw_layers(fig, layer_summary(make_blitz_net(kernel=kernel))),
                        {"kernel": (3, 11, 2, 5)})
    panel.set(kernel=11)
    assert "leaves no pixel" in panel.message.value

    panel = SliderPanel(lambda fig, b, k: draw_data_parallel(fig, b, k, {1: 10.0, 8: 50.0}),
                        {"b": (1, 8, 1, 8), "k": (1, 8, 1, 2)})
    panel.set(b=1, k=8)
    assert "without an example" in panel.message.value

    curves = {(0.01, 0.0): np.array([2.3, 2.2]), (0.1, 0.0): np.array([2.3, 2.0]),
              (0.01, 0.9): np.array([2.3, 2.1]), (0.1, 0.9): np.array([2.3, np.nan])}
    panel = SliderPanel(lambda fig, lr, m: draw_loss_grid(fig, curves, lr, m),
                        {"lr": W.SelectionSlider(options=[0.01, 0.1], value=0.01),
                         "m": W.SelectionSlider(options=[0.0, 0.9], value=0.0)})
    panel.set(lr=0.1, m=0.9)
    assert "Training diverged" in panel.message.value and "Traceback" not in panel.message.value
    plt.close("all")
