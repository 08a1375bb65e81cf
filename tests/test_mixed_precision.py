"""Every Keras model builder trains a step under ``mixed_float16`` with float32 outputs and a finite float32 loss.

``utils.device.get_strategy`` chooses mixed precision only on a GPU; this runs the same policy on the CPU
(slowly, so the models are small) in a fresh process, so the global policy never leaks into other tests.
"""

import inspect

import pytest

import utils.cnn_models as cm
from fresh_python import run_json

pytest.importorskip("tensorflow")

# name -> (builder call, input shape, loss: "sparse" (2 classes), "mse", "yolo", "logit" or "triplet")
CASES = {
    "first_cnn": ("cm.first_cnn((12, 12, 1), 2)", (12, 12, 1), "sparse"),
    "lenet5": ("cm.lenet5((32, 32, 1), 2)", (32, 32, 1), "sparse"),
    "alexnet": ("cm.alexnet((67, 67, 3), 2)", (67, 67, 3), "sparse"),
    "vgg16": ("cm.vgg16((32, 32, 3), 2)", (32, 32, 3), "sparse"),
    "small_resnet": ("cm.small_resnet((8, 8, 1), 2, stages=((4, 1), (8, 1)))", (8, 8, 1), "sparse"),
    "deep_net": ("cm.deep_net((8, 8, 1), 2, n_blocks=2, channels=4, batch_norm=True)", (8, 8, 1), "sparse"),
    "inception_model": ("cm.inception_model((8, 8, 16), {k: 4 for k in cm.INCEPTION_3A})", (8, 8, 16), "mse"),
    "feature_extractor": ("cm.feature_extractor((8, 8, 1), (4, 8))", (8, 8, 1), "mse"),
    "bottleneck_net": ("cm.bottleneck_net((8, 8, 1), 2, stem=8, width=2, filters=4)", (8, 8, 1), "sparse"),
    "with_head": ("cm.with_head(cm.feature_extractor((8, 8, 1), (4, 8)), 2)", (8, 8, 1), "sparse"),
    "build_yolo_model": ("det.build_yolo_model(16, 4, 2, 3, width=4)", (16, 16, 3), "yolo"),
    "build_face_classifier": ("fd.build_face_classifier(width=4)", (25, 25, 1), "logit"),
    "build_encoder": ("fv._triplet_model(fv.build_encoder((12, 12, 1), 8, width=4))", (3, 12, 12, 1), "triplet"),
}
# the public functions of utils.cnn_models that are not model builders
NOT_BUILDERS = {"dense_params", "conv_params", "conv_multiplies", "bottleneck_multiplies", "identity_block",
                "convolutional_block", "inception_module", "layer_table", "describe_layers", "plot_filters",
                "feature_maps", "first_layer_params", "float32_size"}

SNIPPET = """
import keras
import numpy as np
import tensorflow as tf
import utils.cnn_models as cm
import utils.detection as det
import utils.face_detector as fd
import utils.face_verification as fv

keras.mixed_precision.set_global_policy("mixed_float16")
rng = np.random.default_rng(0)
losses = {"sparse": lambda: keras.losses.SparseCategoricalCrossentropy(), "mse": lambda: keras.losses.MeanSquaredError(),
          "yolo": lambda: det.yolo_loss(np.array([[0.3, 0.3], [0.6, 0.5]])),
          "logit": lambda: keras.losses.BinaryCrossentropy(from_logits=True),
          "triplet": lambda: fv.triplet_loss}
result = {}
for name, (call, shape, kind) in CASES.items():
    model = eval(call)
    x = rng.uniform(0, 1, (2, *shape)).astype("float32")
    out_shape = tuple(model.outputs[0].shape[1:])
    y = (np.array([0, 1]) if kind == "sparse" else np.array([[0.0], [1.0]], "float32") if kind == "logit"
         else np.zeros((2, *out_shape), "float32"))
    loss_fn = losses[kind]()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=loss_fn)
    before = [w.copy() for w in model.get_weights()]
    step_loss = model.train_on_batch(x, y)
    out = model(x, training=False)
    loss = loss_fn(y, out)
    after = model.get_weights()
    result[name] = {"policy": model.dtype_policy.name, "output": out.dtype.name, "loss_dtype": loss.dtype.name,
                    "loss": float(loss), "step_loss": float(step_loss),
                    "weights_float32": all(w.dtype == np.float32 for w in after),
                    "weights_finite": all(bool(np.isfinite(w).all()) for w in after),
                    "changed": any(not np.array_equal(a, b) for a, b in zip(before, after))}
"""


@pytest.fixture(scope="module")
def mixed():
    return run_json(f"CASES = {CASES!r}\n{SNIPPET}", timeout=300)


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_trains_a_step_under_mixed_float16_with_float32_outputs_and_loss(mixed, name):
    r = mixed[name]
    assert r["policy"] == "mixed_float16"
    assert r["output"] == "float32", f"{name} outputs {r['output']} under mixed_float16"
    assert r["loss_dtype"] == "float32"
    assert all(map(lambda v: v == v and abs(v) != float("inf"), (r["loss"], r["step_loss"])))
    assert r["weights_float32"] and r["weights_finite"] and r["changed"]


def test_every_public_builder_of_cnn_models_is_covered():
    public = {n for n, f in inspect.getmembers(cm, inspect.isfunction) if f.__module__ == cm.__name__
              and not n.startswith("_")}
    assert public - NOT_BUILDERS == {n for n in CASES if hasattr(cm, n)}
