"""utils.training: device-scaled settings, the tf.data pipeline, and fit_model on a tiny CNN."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils.device import DeviceInfo
from utils.training import (FitResult, GradientNormHistory, build_model, fit_model, kernel_gradient_norms, make_dataset,
                            scale_for_device)
from utils.validation import DivergenceError

CPU = DeviceInfo(cpu="test CPU", cpu_count=2)
TWO_GPUS = DeviceInfo(cpu="test CPU", cpu_count=16, gpus=["/physical_device:GPU:0", "/physical_device:GPU:1"])
COMPILE = {"optimizer": lambda: keras.optimizers.Adam(0.01), "loss": "sparse_categorical_crossentropy",
           "metrics": ["accuracy"]}


def _bars(rng, m=64):
    """Tiny 8x8 images: class 0 has a vertical bar, class 1 a horizontal bar, at random positions, plus noise."""
    x = 0.1 * rng.standard_normal((m, 8, 8, 1))
    y = np.arange(m) % 2
    pos = rng.integers(1, 7, size=m)
    for i in range(m):
        if y[i]:
            x[i, pos[i], :, 0] += 1.0
        else:
            x[i, :, pos[i], 0] += 1.0
    return x, y


def _tiny_cnn():
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.GlobalMaxPooling2D(), keras.layers.Dense(2),
                             keras.layers.Activation("softmax", dtype="float32")])


def test_scale_for_device_uses_cpu_epochs_and_plain_batch_without_gpu():
    scale = scale_for_device(3, 20, 32, info=CPU)
    assert (scale.epochs, scale.batch_size, scale.replicas) == (3, 32, 1)
    assert "With a GPU this notebook chooses 20 epochs" in str(scale)


def test_scale_for_device_multiplies_batch_by_gpu_replicas():
    scale = scale_for_device(3, 20, 32, info=TWO_GPUS)
    assert (scale.epochs, scale.batch_size, scale.replicas, scale.per_replica_batch) == (20, 64, 2, 32)
    assert "On a CPU-only machine this run would use 3 epochs" in str(scale)


def test_scale_for_device_reports_this_machine_when_no_info_given():
    scale = scale_for_device(1, 2, 8)
    assert scale.device.cpu_count >= 1
    assert scale.epochs == (2 if scale.device.has_gpu else 1)


@pytest.mark.parametrize("args", [(0, 2, 8), (1, 0, 8), (1, 2, 0), (1.5, 2, 8)])
def test_scale_for_device_rejects_non_positive_settings(args):
    with pytest.raises(ValueError, match="positive integer"):
        scale_for_device(*args, info=CPU)


def test_make_dataset_batches_casts_to_float32_and_keeps_every_example(rng):
    x, y = rng.standard_normal((10, 4, 4, 1)), np.arange(10)
    ds = make_dataset(x, y, batch_size=4, shuffle=False)
    batches = list(ds.as_numpy_iterator())
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert batches[0][0].dtype == np.float32
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


def test_make_dataset_shuffles_reproducibly_with_a_seed_and_reshuffles_each_epoch(rng):
    x, y = rng.standard_normal((32, 2)), np.arange(32)

    def epoch_orders(seed):
        ds = make_dataset(x, y, batch_size=32, seed=seed)
        return [next(iter(ds))[1].numpy() for _ in range(2)]  # a new iterator = a new epoch

    a, b = epoch_orders(5), epoch_orders(5)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], np.arange(32))  # shuffled
    assert not np.array_equal(a[0], a[1])  # reshuffled for the second epoch
    assert sorted(a[0]) == list(range(32))


def test_make_dataset_applies_augmentation_per_batch(rng):
    x, y = np.ones((6, 2, 2, 1)), np.zeros(6)
    ds = make_dataset(x, y, batch_size=3, shuffle=False, augment=lambda xb, yb: (xb * 2.0, yb))
    np.testing.assert_array_equal(next(iter(ds))[0].numpy(), np.full((3, 2, 2, 1), 2.0, dtype=np.float32))


def test_make_dataset_rejects_mismatched_examples(rng):
    with pytest.raises(ValueError, match="x holds 5 examples but y holds 4"):
        make_dataset(np.zeros((5, 3)), np.zeros(4))


def test_build_model_seeds_the_initial_weights_and_compiles():
    m1, strategy = build_model(_tiny_cnn, COMPILE, seed=3)
    m2, _ = build_model(_tiny_cnn, COMPILE, seed=3)
    m3, _ = build_model(_tiny_cnn, COMPILE, seed=4)
    np.testing.assert_array_equal(m1.get_weights()[0], m2.get_weights()[0])
    assert not np.array_equal(m1.get_weights()[0], m3.get_weights()[0])
    assert m1.optimizer is not None and strategy.num_replicas_in_sync >= 1


def test_build_model_rejects_a_builder_that_does_not_return_a_model():
    with pytest.raises(ValueError, match="must return a keras.Model"):
        build_model(lambda: keras.layers.Dense(2), COMPILE)


def test_fit_model_trains_a_tiny_cnn_and_reports_timings(rng, capsys):
    x, y = _bars(rng, 96)
    result = fit_model(_tiny_cnn, COMPILE, (x[:64], y[:64]), (x[64:], y[64:]), epochs=15, batch_size=16, seed=1)
    assert capsys.readouterr().out == ""  # verbose=0: nothing printed
    assert isinstance(result, FitResult)
    assert set(result.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(result.history["loss"]) == result.epochs == len(result.epoch_seconds) == 15
    assert result.history["loss"][-1] < 0.7 * result.history["loss"][0]
    assert result.final("val_accuracy") >= 0.8
    assert result.seconds > 0 and result.seconds_per_epoch > 0 and result.n_train == 64
    assert result.policy == ("mixed_float16" if result.device.has_gpu else "float32")
    assert "examples/s" in result.summary() and str(result.device) in result.summary()
    with pytest.raises(ValueError, match="no metric 'auc'"):
        result.final("auc")


def test_fit_model_is_reproducible_with_the_same_seed(rng):
    x, y = _bars(rng, 32)
    runs = [fit_model(_tiny_cnn, COMPILE, (x, y), epochs=2, batch_size=8, seed=7).history["loss"] for _ in range(2)]
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-4)


def test_fit_model_accepts_a_batched_dataset(rng):
    x, y = _bars(rng, 16)
    ds = tf.data.Dataset.from_tensor_slices((x.astype(np.float32), y)).batch(8)
    result = fit_model(_tiny_cnn, COMPILE, ds, epochs=1, batch_size=8)
    assert result.n_train == 0 and "a dataset" in result.summary()


def test_fit_model_raises_divergence_error_when_the_loss_explodes(rng):
    x = rng.standard_normal((16, 4)) * 1e3
    y = rng.standard_normal((16, 1)) * 1e3

    def build():
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])

    with pytest.raises(DivergenceError, match="diverged at epoch"):
        fit_model(build, {"optimizer": lambda: keras.optimizers.SGD(1e6), "loss": "mse"}, (x, y),
                  epochs=5, batch_size=4)


def test_fit_model_rejects_bad_arguments(rng):
    x, y = _bars(rng, 8)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit_model(_tiny_cnn, COMPILE, (x, y), epochs=0, batch_size=4)
    with pytest.raises(ValueError, match="train must be a pair"):
        fit_model(_tiny_cnn, COMPILE, x, epochs=1, batch_size=4)


def test_kernel_gradient_norms_equal_the_norms_of_a_hand_taped_gradient(rng):
    x, y = _bars(rng, 16)
    keras.utils.set_random_seed(0)
    model = _tiny_cnn()
    norms = kernel_gradient_norms(model, x, y)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, model(x.astype("float32"), training=True)))
    (g,) = tape.gradient(loss, [model.layers[0].kernel])
    assert len(norms) == 1 and np.isclose(norms[0], float(tf.norm(g)), rtol=1e-6)


def test_kernel_gradient_norms_refuses_a_model_without_conv_kernels():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="no conv kernels"):
        kernel_gradient_norms(model, np.zeros((2, 4)), np.zeros(2, dtype=int))


def test_gradient_norm_history_records_initialization_and_every_epoch(rng):
    x, y = _bars(rng)
    recorder = GradientNormHistory(x[:16], y[:16])
    fit_model(_tiny_cnn, COMPILE, (x, y), epochs=3, batch_size=16, seed=0, callbacks=[recorder])
    assert len(recorder.norms) == 4 and all(len(n) == 1 for n in recorder.norms)
    keras.utils.set_random_seed(0)
    assert np.isclose(recorder.norms[0][0], kernel_gradient_norms(_tiny_cnn(), x[:16], y[:16])[0], rtol=1e-5)
    assert recorder.norms[1] != recorder.norms[0]  # the weights moved
