"""Several replicas on a CPU: ``MirroredStrategy`` over two logical CPUs, through ``fit_model(devices=...)``.

The CPU is split before TensorFlow initializes, so each test runs its TensorFlow in a fresh process.
"""

import numpy as np
import pytest

from fresh_python import run_json
from utils.device import DEVICES_ENV, DeviceInfo
from utils.training import scale_for_device

pytest.importorskip("tensorflow")

B = 8  # per-replica batch
TWO_CPUS = '["/cpu:0", "/cpu:1"]'

# FACEAPP_DEVICES names the two CPUs for scale_for_device and the first fit; the single-device fit runs
# with the variable unset (the default strategy), and the dataset check passes the list as an argument.
TWO_REPLICAS_VS_ONE = f"""
import os
import keras
import numpy as np
from utils.device import get_strategy, split_cpu
split_cpu(2)
from utils.training import fit_model, make_dataset, scale_for_device

rng = np.random.default_rng(0)
x = rng.standard_normal((64, 6, 6, 1)).astype("float32")
y = (x[:, 2:4, :, 0].mean(axis=(1, 2)) > 0).astype("int64")

def build():
    return keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dense(2),
                             keras.layers.Activation("softmax", dtype="float32")])

class Steps(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = 0
    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1

compile_kwargs = {{"optimizer": lambda: keras.optimizers.SGD(0.2), "loss": "sparse_categorical_crossentropy"}}
scale = scale_for_device(2, 5, {B})
steps = Steps()
two = fit_model(build, compile_kwargs, (x, y), epochs=scale.epochs, batch_size=scale.batch_size, shuffle=False,
                seed=3, callbacks=[steps])
del os.environ["{DEVICES_ENV}"]
one = fit_model(build, compile_kwargs, (x, y), epochs=scale.epochs, batch_size=2 * {B}, shuffle=False, seed=3)

strategy = get_strategy(mixed_precision=False, devices={TWO_CPUS})
ids = np.arange(40)
dist = strategy.experimental_distribute_dataset(make_dataset(ids, ids, batch_size=2 * {B}, seed=0))
epochs = []
for _ in range(2):
    per_replica = [[], []]
    for _, yb in dist:
        for r, part in enumerate(strategy.experimental_local_results(yb)):
            per_replica[r].append(part.numpy().tolist())
    epochs.append(per_replica)
try:
    split_cpu(3)
    late = "no error"
except RuntimeError as err:
    late = str(err)
result = {{"scale": [scale.replicas, scale.batch_size, scale.per_replica_batch, scale.epochs],
          "two": [two.replicas, two.batch_size, two.policy], "one_replicas": one.replicas,
          "steps": steps.batches, "loss_two": two.history["loss"], "loss_one": one.history["loss"],
          "epochs": epochs, "late": late}}
"""


@pytest.fixture(scope="module")
def two_replicas():
    return run_json(TWO_REPLICAS_VS_ONE, env={DEVICES_ENV: "/cpu:0,/cpu:1"})


def test_two_replicas_with_global_batch_2b_follow_the_single_device_loss_curve(two_replicas):
    loss_two, loss_one = two_replicas["loss_two"], two_replicas["loss_one"]
    assert len(loss_two) == len(loss_one) == 2 and loss_two[-1] < loss_two[0]
    np.testing.assert_allclose(loss_two, loss_one, rtol=1e-4)
    assert two_replicas["one_replicas"] == 1


def test_run_scale_and_fit_result_report_two_replicas_and_the_global_batch(two_replicas):
    assert two_replicas["scale"] == [2, 2 * B, B, 2]  # replicas, global batch, per replica, CPU epochs
    assert two_replicas["two"] == [2, 2 * B, "float32"]
    assert two_replicas["steps"] == 2 * 64 // (2 * B)  # 2 epochs of 64 examples in global batches of 2B


def test_the_tf_data_pipeline_is_split_across_replicas_each_example_once_per_epoch(two_replicas):
    for per_replica in two_replicas["epochs"]:
        seen = [i for replica in per_replica for batch in replica for i in batch]
        assert sorted(seen) == list(range(40))  # every example once per epoch, across both replicas
        assert all(len(batch) <= B for replica in per_replica for batch in replica)
        assert {len(b) for b in per_replica[0][:-1]} == {B} and len(per_replica[0]) == len(per_replica[1])
    first, second = ([i for r in ep for b in r for i in b] for ep in two_replicas["epochs"])
    assert first != second  # reshuffled for the second epoch


def test_splitting_the_cpu_after_tensorflow_started_is_refused_clearly(two_replicas):
    assert "already initialized with 2" in two_replicas["late"] and "fresh process" in two_replicas["late"]


def test_run_scale_names_the_replicas_and_devices_of_a_cpu_run():
    scale = scale_for_device(2, 5, 4, info=DeviceInfo("test CPU", 2), devices="/cpu:0,/cpu:1")
    assert (scale.replicas, scale.batch_size, scale.epochs, scale.uses_gpu) == (2, 8, 2, False)
    assert "global batch 8 (4 x 2 replica(s) on /cpu:0, /cpu:1), float32" in str(scale)
    gpu = scale_for_device(2, 5, 4, info=DeviceInfo("test CPU", 2), devices=["/gpu:0"])
    assert (gpu.replicas, gpu.batch_size, gpu.epochs, gpu.uses_gpu) == (1, 4, 5, True)
