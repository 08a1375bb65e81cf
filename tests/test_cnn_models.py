"""utils.cnn_models: exact parameter counts of the built Keras models, block shapes, and the counting helpers."""

import gc

import keras
import numpy as np
import pytest

from utils import cnn_models as cm


def _count(model) -> int:
    return int(model.count_params())


# --- counting helpers against Keras layers ---------------------------------------------------------------

@pytest.mark.parametrize("f,c_in,c_out", [(1, 192, 16), (3, 3, 8), (5, 16, 32), (11, 3, 96)])
def test_conv_params_equals_a_keras_conv2d_layer(f, c_in, c_out):
    layer = keras.layers.Conv2D(c_out, f)
    layer.build((None, 32, 32, c_in))
    assert cm.conv_params(f, c_in, c_out) == layer.count_params() == (f * f * c_in + 1) * c_out


def test_dense_params_equals_a_keras_dense_layer():
    layer = keras.layers.Dense(100)
    layer.build((None, 12288))
    assert cm.dense_params(12288, 100) == layer.count_params() == 1_228_900


def test_conv_multiplies_is_output_size_times_filter_volume():
    layer = keras.layers.Conv2D(32, 5, padding="same")
    out = layer.compute_output_shape((None, 28, 28, 192))
    assert cm.conv_multiplies(28, 28, 192, 5, 32) == int(np.prod(out[1:])) * 5 * 5 * 192


def test_bottleneck_multiplies_reproduces_the_courses_120m_vs_12_4m():
    counts = cm.bottleneck_multiplies(28, 28, 192, 5, 32, 16)
    assert counts["direct"] == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert counts["bottleneck_1x1"] == 28 * 28 * 16 * 192 == 2_408_448
    assert counts["bottleneck_fxf"] == 28 * 28 * 32 * 5 * 5 * 16 == 10_035_200
    assert counts["bottleneck_total"] == 12_443_648


def test_counting_helpers_reject_non_positive_sizes():
    with pytest.raises(ValueError, match="n_C_in must be a positive integer"):
        cm.conv_params(3, 0, 8)
    with pytest.raises(ValueError, match="n_out must be a positive integer"):
        cm.dense_params(10, -1)



def test_first_layer_params_gives_the_lectures_32x32x3_to_28x28x6_counts():
    counts = cm.first_layer_params(32, channels=3, f=5, n_filters=6, hidden=1000)
    assert counts["conv"] == 456 == cm.conv_params(5, 3, 6)
    assert counts["dense, same output"] == 3072 * 4704 + 4704 == 14_455_392
    assert counts["dense to hidden"] == 3072 * 1000 + 1000


def test_first_layer_params_conv_count_ignores_the_image_size_and_dense_grows_with_it():
    small, large = cm.first_layer_params(64), cm.first_layer_params(1000)
    assert small["conv"] == large["conv"] == 280
    assert large["dense to hidden"] == 3_000_001_000  # the course's 1000x1000x3 photo into 1,000 units
    assert large["dense, same output"] > 1e4 * small["dense, same output"]


def test_first_layer_params_refuses_a_filter_larger_than_the_image():
    with pytest.raises(ValueError, match="a 7 x 7 filter does not fit in a 5 x 5 image"):
        cm.first_layer_params(5, f=7)
    assert cm.first_layer_params(5, f=5)["dense, same output"] == (25 * 3 + 1) * 10  # a 1 x 1 x 10 output
    with pytest.raises(ValueError, match="channels must be a positive integer"):
        cm.first_layer_params(32, channels=0)


def test_float32_size_uses_four_bytes_a_parameter_and_a_readable_unit():
    assert cm.float32_size(0) == "0 bytes" and cm.float32_size(100) == "400 bytes"
    assert cm.float32_size(280) == "1.1 KB"
    assert cm.float32_size(3_000_001_000) == "12 GB"
    assert cm.float32_size(250_000_000_000_000) == "1 PB"
    with pytest.raises(ValueError, match=">= 0"):
        cm.float32_size(-1)

# --- classic networks: exact counts ---------------------------------------------------------------------

def test_lenet5_has_61706_parameters_near_the_papers_60k():
    model = cm.lenet5()
    expected = (cm.conv_params(5, 1, 6) + cm.conv_params(5, 6, 16) + cm.dense_params(400, 120)
                + cm.dense_params(120, 84) + cm.dense_params(84, 10))
    assert _count(model) == expected == 61_706
    assert model.output_shape == (None, 10)
    assert abs(_count(model) - cm.PAPER_PARAMS["LeNet-5"]) / cm.PAPER_PARAMS["LeNet-5"] < 0.05


def test_alexnet_has_62378344_parameters_near_the_papers_60m():
    model = cm.alexnet(kernel_initializer="zeros")
    assert model.get_layer("pool5").output.shape[1:] == (6, 6, 256)
    expected = (cm.conv_params(11, 3, 96) + cm.conv_params(5, 96, 256) + cm.conv_params(3, 256, 384)
                + cm.conv_params(3, 384, 384) + cm.conv_params(3, 384, 256) + cm.dense_params(9216, 4096)
                + cm.dense_params(4096, 4096) + cm.dense_params(4096, 1000))
    assert _count(model) == expected == 62_378_344
    del model
    gc.collect()


def test_vgg16_has_138357544_parameters_as_in_the_paper():
    model = cm.vgg16(kernel_initializer="zeros")
    assert model.get_layer("block5_pool").output.shape[1:] == (7, 7, 512)
    assert len([l for l in model.layers if isinstance(l, keras.layers.Conv2D)]) == 13
    assert _count(model) == 138_357_544  # keras.applications.VGG16(weights=None) has the same count
    del model
    gc.collect()


def test_first_cnn_shapes_and_count():
    model = cm.first_cnn((25, 25, 1), 2, filters=(8, 16))
    # conv1 3x3x1x8, conv2 3x3x8x16, after two 2x2 pools 25 -> 12 -> 6: dense 6*6*16 -> 2
    assert _count(model) == cm.conv_params(3, 1, 8) + cm.conv_params(3, 8, 16) + cm.dense_params(6 * 6 * 16, 2)
    assert model.get_layer("conv1").get_weights()[0].shape == (3, 3, 1, 8)
    assert model.output_shape == (None, 2)


def test_first_cnn_is_a_sequential_conv_pool_stack_with_a_float32_softmax():
    model = cm.first_cnn((12, 12, 3), 4, filters=(2, 3, 5), kernel_size=3)
    assert isinstance(model, keras.Sequential)
    assert [l.name for l in model.layers] == ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "flatten",
                                              "predictions"]
    assert model.get_layer("pool3").output.shape[1:] == (1, 1, 5)  # 12 -> 6 -> 3 -> 1
    p = model.predict(np.random.default_rng(0).random((2, 12, 12, 3)), verbose=0)
    assert p.dtype == np.float32 and p.shape == (2, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match=r"input_shape must be \(n_H, n_W, n_C\)"):
        cm.first_cnn((12, 12))


# --- ResNets ---------------------------------------------------------------------------------------------

def test_identity_block_keeps_the_shape_and_adds_the_input():
    X = keras.Input((8, 8, 16))
    out = cm.identity_block(X, 3, (4, 4, 16), name="t")
    assert tuple(out.shape[1:]) == (8, 8, 16)
    model = keras.Model(X, out)
    bn = 4 * (4 + 4 + 16)  # BatchNormalization: gamma, beta, moving mean and variance per channel
    assert _count(model) == cm.conv_params(1, 16, 4) + cm.conv_params(3, 4, 4) + cm.conv_params(1, 4, 16) + bn
    assert isinstance(model.get_layer("t_add"), keras.layers.Add)


def test_identity_block_rejects_mismatched_channels():
    with pytest.raises(ValueError, match="F3 must be 16"):
        cm.identity_block(keras.Input((8, 8, 16)), 3, (4, 4, 8))


def test_convolutional_block_changes_size_and_channels():
    X = keras.Input((8, 6, 16))
    out = cm.convolutional_block(X, 3, (8, 8, 32), s=2, name="c")
    assert tuple(out.shape[1:]) == (4, 3, 32)
    model = keras.Model(X, out)
    convs = cm.conv_params(1, 16, 8) + cm.conv_params(3, 8, 8) + cm.conv_params(1, 8, 32) + cm.conv_params(1, 16, 32)
    assert _count(model) == convs + 4 * (8 + 8 + 32 + 32)


def test_convolutional_block_with_matching_shapes_still_resizes_the_shortcut():
    X = keras.Input((4, 4, 3))
    model = keras.Model(X, cm.convolutional_block(X, 2, (2, 2, 3), s=1, name="c"))
    assert model.get_layer("c_short").kernel.shape == (1, 1, 3, 3)
    assert isinstance(model.get_layer("c_short_bn"), keras.layers.BatchNormalization)
    with pytest.raises(ValueError, match="s must be a positive integer"):
        cm.convolutional_block(X, 2, (2, 2, 3), s=0)


def test_small_resnet_outputs_class_probabilities():
    model = cm.small_resnet((16, 16, 1), 10)
    x = np.random.default_rng(0).standard_normal((3, 16, 16, 1)).astype("float32")
    p = model.predict(x, verbose=0)
    assert p.shape == (3, 10)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_plain_and_residual_nets_have_the_same_depth_and_parameters():
    plain = cm.deep_net((8, 8, 1), 10, n_blocks=5, channels=8, residual=False)
    res = cm.deep_net((8, 8, 1), 10, n_blocks=5, channels=8, residual=True)
    assert _count(plain) == _count(res) == cm.conv_params(3, 1, 8) + 10 * cm.conv_params(3, 8, 8) + cm.dense_params(8, 10)
    n_conv = [sum(isinstance(l, keras.layers.Conv2D) for l in m.layers) for m in (plain, res)]
    assert n_conv == [11, 11] and plain.name == "plain_12" and res.name == "residual_12"
    assert not any(isinstance(l, keras.layers.Add) for l in plain.layers)
    assert sum(isinstance(l, keras.layers.Add) for l in res.layers) == 5


# --- Inception and transfer ------------------------------------------------------------------------------

def test_inception_3a_outputs_256_channels_with_the_expected_parameters():
    model = cm.inception_model((28, 28, 192))
    assert model.output_shape == (None, 28, 28, 64 + 128 + 32 + 32)
    f = cm.INCEPTION_3A
    expected = (cm.conv_params(1, 192, f["1x1"]) + cm.conv_params(1, 192, f["3x3_reduce"])
                + cm.conv_params(3, f["3x3_reduce"], f["3x3"]) + cm.conv_params(1, 192, f["5x5_reduce"])
                + cm.conv_params(5, f["5x5_reduce"], f["5x5"]) + cm.conv_params(1, 192, f["pool_proj"]))
    assert _count(model) == expected == 163_696


def test_inception_module_rejects_missing_branch_sizes():
    with pytest.raises(ValueError, match="missing"):
        cm.inception_module(keras.Input((8, 8, 4)), {"1x1": 4})


def test_with_head_freezes_the_base_when_asked():
    base = cm.feature_extractor((16, 16, 1), (4, 8))
    frozen = cm.with_head(base, 5, trainable_base=False)
    assert frozen.output_shape == (None, 5)
    assert [w.shape for w in frozen.trainable_weights] == [(8, 5), (5,)]
    tuned = cm.with_head(base, 5, trainable_base=True)
    assert len(tuned.trainable_weights) > 2


def test_plot_filters_draws_one_panel_per_filter_on_a_symmetric_scale():
    W = np.random.default_rng(0).standard_normal((5, 5, 1, 6))
    fig = cm.plot_filters(W, title="t", ncols=4)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 6 and len(fig.axes) == 8
    lo, hi = images[0].get_clim()
    assert lo == -hi == -np.abs(W).max()
    with pytest.raises(ValueError, match=r"shape \(f, f, n_C_prev, n_C\)"):
        cm.plot_filters(W[0])


def test_layer_table_lists_shapes_and_counts_that_sum_to_the_total():
    model = cm.lenet5()
    rows = cm.layer_table(model)
    assert rows[0] == ("conv1", (28, 28, 6), 156)
    assert sum(n for _, _, n in rows) == model.count_params()
    assert [r[0] for r in cm.layer_table(model, skip_zero=True)] == ["conv1", "conv2", "fc3", "fc4", "predictions_logits"]
    text = cm.describe_layers(model)
    assert text.splitlines()[-1].split()[-1] == "61,706"


def test_feature_extractor_options_flatten_and_no_batch_norm():
    pooled = cm.feature_extractor((16, 16, 1), (4, 8))
    flat = cm.feature_extractor((16, 16, 1), (4, 8), batch_norm=False, flatten=True)
    assert pooled.output_shape == (None, 8) and flat.output_shape == (None, 4 * 4 * 8)
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in flat.layers)
    bns = [l for l in pooled.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert len(bns) == 2 and all(l.momentum == cm.BN_MOMENTUM for l in bns)


# --- learner mode: the summary the Keras exercises are judged on ------------------------------------------

def _shortcut_first_block(X, f, filters, s=2, name="conv"):
    """The convolutional block written another way: shortcut first, ReLU layers, Add inputs swapped."""
    F1, F2, F3 = filters
    L = keras.layers
    X_shortcut = L.BatchNormalization(axis=3)(L.Conv2D(F3, (1, 1), strides=(s, s))(X))
    X = L.ReLU()(L.BatchNormalization(axis=3)(L.Conv2D(F1, 1, strides=s)(X)))
    X = L.ReLU()(L.BatchNormalization(axis=3)(L.Conv2D(F2, f, padding="same")(X)))
    X = L.BatchNormalization(axis=3)(L.Conv2D(F3, 1)(X))
    return L.Activation("relu")(L.Add()([X_shortcut, X]))


def test_block_exercise_accepts_an_equivalent_block_written_in_another_order():
    from utils.exercises import check_function, get_exercise

    ex = get_exercise("cnn_models.convolutional_block")
    assert check_function(ex, _shortcut_first_block).passed
    wrong = check_function(ex, lambda X, f, filters, s=2, name="conv": None)
    assert not wrong.passed and "did you forget the `return`" in wrong.message


def test_keras_summary_folds_activation_layers_and_ignores_random_initialization():
    from utils.exercises.course4 import keras_summary

    def functional(seed):
        keras.utils.set_random_seed(seed)
        inputs = keras.Input((6, 6, 1))
        x = keras.layers.ReLU()(keras.layers.Conv2D(3, 3, padding="same")(inputs))
        x = keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(x))
        return keras.Model(inputs, keras.layers.Softmax()(keras.layers.Dense(2)(x)))

    a, b = keras_summary(functional(0)), keras_summary(cm.first_cnn((6, 6, 1), 2, (3,)))
    assert a["layers"] == b["layers"] == "Conv2D, MaxPooling2D, Flatten, Dense"
    assert a["layer details"] == b["layer details"]
    np.testing.assert_allclose(a["output on a fixed input"], b["output on a fixed input"], rtol=1e-5)
    c = keras_summary(functional(1))
    np.testing.assert_array_equal(a["output on a fixed input"], c["output on a fixed input"])
    d = keras_summary(cm.first_cnn((6, 6, 1), 2, (4,)))
    assert d["layer details"][0].startswith("Conv2D(4 filters, kernel 3x3, strides (1, 1), padding 'same', "
                                            "activation 'relu') -> output (6, 6, 4)")


def test_bottleneck_net_counts_and_the_bottleneck_layer():
    with_b = cm.bottleneck_net((8, 8, 1), 10, stem=32, width=4, f=5, filters=16)
    direct = cm.bottleneck_net((8, 8, 1), 10, stem=32, width=None, f=5, filters=16)
    stem, head = cm.conv_params(3, 1, 32), cm.dense_params(16, 10)
    assert _count(with_b) == stem + cm.conv_params(1, 32, 4) + cm.conv_params(5, 4, 16) + head
    assert _count(direct) == stem + cm.conv_params(5, 32, 16) + head
    assert with_b.get_layer("bottleneck").output.shape[1:] == (8, 8, 4)
    assert "bottleneck" not in [layer.name for layer in direct.layers]
    assert with_b(np.zeros((2, 8, 8, 1), "float32")).shape == (2, 10)
    with pytest.raises(ValueError):
        cm.bottleneck_net(width=0)


def test_feature_maps_returns_the_named_layers_outputs_in_one_pass():
    keras.utils.set_random_seed(0)
    model = cm.first_cnn((25, 25, 1), filters=(8, 16), kernel_size=5)
    x = np.random.default_rng(0).random((3, 25, 25, 1)).astype("float32")
    maps = cm.feature_maps(model, x, ["conv1", "conv2"])
    assert maps["conv1"].shape == (3, 25, 25, 8) and maps["conv2"].shape == (3, 12, 12, 16)
    conv1 = model.get_layer("conv1")
    np.testing.assert_allclose(maps["conv1"], conv1(x).numpy(), atol=1e-6)  # conv + ReLU, as the layer computes
    assert (maps["conv1"] >= 0).all()
    with pytest.raises(ValueError, match="no layer"):
        cm.feature_maps(model, x, ["conv9"])
