import pytest

from utils.device import DEVICES_ENV, DeviceInfo, describe_device, get_strategy, resolve_devices


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


# --- explicit device lists ---------------------------------------------------------------------------------

def test_resolve_devices_normalizes_a_list_or_a_comma_separated_string(monkeypatch):
    monkeypatch.delenv(DEVICES_ENV, raising=False)
    assert resolve_devices() is None
    assert resolve_devices(["/CPU:0", "cpu:1"]) == ("/cpu:0", "/cpu:1")
    assert resolve_devices(" /device:GPU:1 , /gpu:0") == ("/gpu:1", "/gpu:0")
    monkeypatch.setenv(DEVICES_ENV, "/cpu:0,/cpu:1")
    assert resolve_devices() == ("/cpu:0", "/cpu:1")
    assert resolve_devices("/cpu:0") == ("/cpu:0",)  # the argument wins over the variable
    monkeypatch.setenv(DEVICES_ENV, " ")
    assert resolve_devices() is None


@pytest.mark.parametrize("devices, match", [
    ("/tpu:0", r"devices: '/tpu:0' is not a device name; use \"/cpu:N\""),
    (["/cpu:0", "/cpu"], r"devices: '/cpu' is not a device name"),
    ([0, 1], r"devices: 0 is not a device name"),
    ([], "devices is empty"),
    ("/cpu:0,/CPU:0", "devices names /cpu:0 more than once"),
])
def test_resolve_devices_rejects_bad_lists_naming_the_argument(monkeypatch, devices, match):
    monkeypatch.delenv(DEVICES_ENV, raising=False)
    with pytest.raises(ValueError, match=match):
        resolve_devices(devices)


def test_resolve_devices_names_the_environment_variable_when_it_is_wrong(monkeypatch):
    monkeypatch.setenv(DEVICES_ENV, "/cpu:0;/cpu:1")
    with pytest.raises(ValueError, match=f"{DEVICES_ENV}: '/cpu:0;/cpu:1' is not a device name"):
        resolve_devices()


def test_get_strategy_refuses_a_device_this_machine_lacks():
    tf = pytest.importorskip("tensorflow")
    if len(tf.config.list_physical_devices("GPU")) > 7:
        pytest.skip("this machine has a /gpu:7")
    with pytest.raises(ValueError, match="devices names /gpu:7, which TensorFlow does not have here"):
        get_strategy(devices=["/gpu:7"])
