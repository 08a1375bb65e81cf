import pytest

from utils.device import DeviceInfo, describe_device, get_strategy


def test_device_info_string_mentions_gpus():
    assert "no GPU" in str(DeviceInfo("cpu", 2))
    info = DeviceInfo("cpu", 2, ["/physical_device:GPU:0"])
    assert info.has_gpu and "1 GPU(s)" in str(info)


def test_describe_device_reports_cores_and_gpu_list():
    pytest.importorskip("tensorflow")
    info = describe_device()
    assert info.cpu_count >= 1 and isinstance(info.gpus, list)


def test_strategy_on_cpu_is_default_and_keeps_float32():
    tf = pytest.importorskip("tensorflow")
    import keras

    strategy = get_strategy()
    if not tf.config.list_physical_devices("GPU"):
        assert strategy.num_replicas_in_sync == 1
        assert keras.mixed_precision.global_policy().name == "float32"
    with strategy.scope():
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
    assert layer.kernel.shape == (3, 2)
