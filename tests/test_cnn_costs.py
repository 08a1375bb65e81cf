"""utils.cnn_costs: per-layer parameters and multiply-adds of the classic networks, against the Keras builders."""

import gc

import keras
import pytest

from utils import cnn_costs as cc
from utils import cnn_models as cm


def _keras_rows(model) -> list[tuple[str, tuple, int]]:
    """(name, output shape, params) of the conv, pool and dense layers, as cnn_costs lists them."""
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("Conv2D", "Dense", "MaxPooling2D", "AveragePooling2D"):
            rows.append((layer.name.removesuffix("_logits"), tuple(layer.output.shape[1:]), int(layer.count_params())))
    return rows


@pytest.mark.parametrize("network,build,side", [("LeNet-5", cm.lenet5, 32), ("LeNet-5", cm.lenet5, 64),
                                                ("AlexNet", cm.alexnet, 99), ("VGG-16", cm.vgg16, 32),
                                                ("VGG-16", cm.vgg16, 64)])
def test_layer_costs_match_the_keras_builders_shapes_and_parameters(network, build, side):
    n_C = cc.NETWORKS[network][0]
    kwargs = {} if network == "LeNet-5" else {"kernel_initializer": "zeros"}
    model = build(input_shape=(side, side, n_C), **kwargs)
    ours = [(r.name, r.output_shape, r.params) for r in cc.layer_costs(network, side)]
    assert ours == _keras_rows(model)
    assert cc.totals(cc.layer_costs(network, side))["params"] == model.count_params()
    del model
    gc.collect()


def test_default_sides_reproduce_the_papers_parameter_counts():
    got = {name: cc.totals(cc.layer_costs(name, cc.NETWORKS[name][1]))["params"] for name in cc.NETWORKS}
    assert got["LeNet-5"] == 61_706 and got["AlexNet"] == 62_378_344 and got["VGG-16"] == 138_357_544
    assert got["VGG-11"] == 132_863_336 and got["VGG-19"] == 143_667_240  # the VGG paper's A and E
    assert got["VGG-11"] < got["VGG-13"] < got["VGG-16"] < got["VGG-19"]


def test_multiply_adds_are_output_size_times_filter_volume():
    rows = {r.name: r for r in cc.layer_costs("VGG-16", 224)}
    assert rows["block1_conv2"].macs == cm.conv_multiplies(224, 224, 64, 3, 64) == 224 * 224 * 64 * 9 * 64
    assert rows["fc1"].macs == 7 * 7 * 512 * 4096 and rows["block1_pool"].macs == 0
    total = cc.totals(cc.layer_costs("VGG-16", 224))["macs"]
    assert 15.4e9 < total < 15.6e9  # the ~15.5 G multiply-adds usually quoted for VGG-16


def test_conv_cost_grows_with_the_input_area_but_conv_parameters_do_not():
    small, large = cc.totals(cc.layer_costs("VGG-16", 112)), cc.totals(cc.layer_costs("VGG-16", 224))
    assert large["conv_macs"] == 4 * small["conv_macs"] and large["conv_params"] == small["conv_params"]
    assert large["fc_params"] > small["fc_params"]  # fc1 sees a 7x7 instead of a 3x3 volume


def test_too_small_an_input_names_the_layer_and_the_smallest_side():
    assert cc.smallest_side("VGG-16") == 32 and cc.smallest_side("LeNet-5") == 16
    with pytest.raises(ValueError, match=r"too small for VGG-16: block5_pool .* smallest input side that works is 32"):
        cc.layer_costs("VGG-16", 16)
    cc.layer_costs("AlexNet", cc.smallest_side("AlexNet"))
    with pytest.raises(ValueError, match="too small for AlexNet"):
        cc.layer_costs("AlexNet", cc.smallest_side("AlexNet") - 1)


def test_unknown_network_and_bad_side_are_refused():
    with pytest.raises(ValueError, match="unknown network 'ResNet'"):
        cc.layer_costs("ResNet", 224)
    with pytest.raises(ValueError, match="unknown network"):
        cc.smallest_side("ResNet")
    with pytest.raises(ValueError):
        cc.layer_costs("LeNet-5", 0)
