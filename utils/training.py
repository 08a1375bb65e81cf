"""One training helper for every heavy CNN notebook: the right device, strategy, scale and input pipeline.

A notebook asks for the scale of its run, then fits::

    from utils.training import fit_model, scale_for_device

    scale = scale_for_device(cpu_epochs=4, gpu_epochs=20, batch_size=32)
    print(scale)                      # the device, and what a GPU run would change
    result = fit_model(build_fn, {"optimizer": "adam", "loss": "sparse_categorical_crossentropy",
                                  "metrics": ["accuracy"]},
                       (x_train, y_train), (x_val, y_val), epochs=scale.epochs, batch_size=scale.batch_size)
    print(result.summary())           # wall time, seconds per epoch, examples per second on this machine
    plot_history(result.history)

``fit_model`` seeds Keras, builds and compiles ``build_fn()`` under ``utils.device.get_strategy()``
(``MirroredStrategy`` over several GPUs, or over the devices named by ``devices=`` or ``FACEAPP_DEVICES``,
e.g. two logical CPUs "/cpu:0,/cpu:1"; mixed precision ``mixed_float16`` on GPUs only), feeds it a
``tf.data`` pipeline (cache, seeded shuffle, batch, prefetch) and fits with ``verbose=0``. A model built
for mixed precision should end in a float32 layer (``keras.layers.Activation("softmax", dtype="float32")``)
so its outputs and loss stay in float32; the builders in ``utils.cnn_models`` do.

TensorFlow is imported inside the functions: call ``utils.notebook.setup()`` first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from utils.device import DeviceInfo, describe_device, get_strategy, resolve_devices
from utils.validation import DivergenceError, check_positive_int

ArrayPair = tuple[np.ndarray, np.ndarray]
Devices = str | Sequence[str] | None


# --- scale ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunScale:
    """The epochs and global batch size chosen for this machine, and what the other choice would be.

    ``batch_size`` is the global batch: the per-replica batch times ``replicas`` (GPUs in the strategy, or
    the explicit ``devices``, e.g. two logical CPUs; empty when the device was chosen automatically).
    """

    epochs: int
    batch_size: int
    replicas: int
    device: DeviceInfo
    cpu_epochs: int
    gpu_epochs: int
    per_replica_batch: int
    devices: tuple[str, ...] = ()

    @property
    def uses_gpu(self) -> bool:
        """Whether this run trains on a GPU: one of the explicit devices is, or (none given) the machine has one."""
        if self.devices:
            return any(d.startswith("/gpu:") for d in self.devices)
        return self.device.has_gpu

    def __str__(self) -> str:
        on = f" on {', '.join(self.devices)}" if self.devices else ""
        replicated = f"({self.per_replica_batch} x {self.replicas} replica(s){on})"
        if self.uses_gpu:
            return (f"{self.device}: {self.epochs} epochs, global batch {self.batch_size} "
                    f"{replicated}, mixed precision. "
                    f"On a CPU-only machine this run would use {self.cpu_epochs} epochs in float32.")
        batch = f"global batch {self.batch_size} {replicated}" if self.replicas > 1 else f"batch {self.batch_size}"
        return (f"{self.device}: {self.epochs} epochs, {batch}, float32. "
                f"With a GPU this notebook chooses {self.gpu_epochs} epochs, batch {self.per_replica_batch} per "
                f"GPU (more with several GPUs, through MirroredStrategy) and mixed precision (float16).")


def scale_for_device(cpu_epochs: int, gpu_epochs: int, batch_size: int, info: DeviceInfo | None = None,
                     devices: Devices = None) -> RunScale:
    """Choose epochs and batch size for the hardware this kernel runs on.

    Inputs:
    - cpu_epochs: epochs on a CPU-only machine (small: the 2-core CPU budget).
    - gpu_epochs: epochs when at least one GPU is present.
    - batch_size: batch size per replica; the global batch is batch_size * number of GPUs (1 on CPU), or
      * the number of explicit devices.
    - info: the device (``utils.device.describe_device()`` when None; pass one to test or plan).
    - devices: the explicit device list ``fit_model`` will get (``utils.device.resolve_devices``: None reads
      ``FACEAPP_DEVICES``); GPU epochs when one of them is a GPU.
    Returns: a RunScale (epochs, batch_size = global batch, replicas, device, ...); ``str()`` of it says
    what a GPU changes.
    """
    cpu_epochs = check_positive_int(cpu_epochs, "cpu_epochs")
    gpu_epochs = check_positive_int(gpu_epochs, "gpu_epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    names = resolve_devices(devices) or ()
    info = describe_device() if info is None else info
    replicas = len(names) or max(1, len(info.gpus))
    scale = RunScale(epochs=cpu_epochs, batch_size=batch_size * replicas, replicas=replicas, device=info,
                     cpu_epochs=cpu_epochs, gpu_epochs=gpu_epochs, per_replica_batch=batch_size, devices=names)
    return replace(scale, epochs=gpu_epochs) if scale.uses_gpu else scale


# --- input pipeline -------------------------------------------------------------------------------------

def make_dataset(x: np.ndarray, y: np.ndarray | None = None, batch_size: int = 32, shuffle: bool = True,
                 seed: int = 0, cache: bool = True, augment: Callable | None = None):
    """An efficient ``tf.data`` pipeline over in-memory arrays: cache, shuffle (seeded), batch, prefetch.

    Inputs:
    - x: inputs, shape (m, ...) (examples first); floats are cast to float32.
    - y: labels, shape (m,) or (m, k), or None for an unlabelled set.
    - batch_size: examples per batch (the global batch under a distribution strategy).
    - shuffle: reshuffle every epoch with a buffer holding the whole set, seeded by ``seed``.
    - cache: keep the prepared examples in memory after the first epoch.
    - augment: optional ``fn(x_batch, y_batch) -> (x_batch, y_batch)`` run on each batch, in parallel,
      after caching (so each epoch sees new random augmentations).
    Returns: a ``tf.data.Dataset`` of (x_batch, y_batch) (or x_batch when y is None).
    """
    import tensorflow as tf

    x = np.asarray(x)
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError(f"x must have shape (m, ...) with m >= 1 examples, got {x.shape}")
    if np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    batch_size = check_positive_int(batch_size, "batch_size")
    if y is not None:
        y = np.asarray(y)
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"x holds {x.shape[0]} examples but y holds {y.shape[0]}: "
                             f"expected y of shape ({x.shape[0]},) or ({x.shape[0]}, k)")
        if np.issubdtype(y.dtype, np.floating):
            y = y.astype(np.float32)
        ds = tf.data.Dataset.from_tensor_slices((x, y))
    else:
        ds = tf.data.Dataset.from_tensor_slices(x)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(x.shape[0], seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if augment is not None:
        ds = ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


# --- build and fit --------------------------------------------------------------------------------------

def build_model(build_fn: Callable[[], Any], compile_kwargs: Mapping[str, Any] | None = None,
                mixed_precision: bool = True, seed: int = 0, devices: Devices = None):
    """Seed Keras, then build and compile ``build_fn()`` under the device's strategy.

    Inputs:
    - build_fn: returns an (uncompiled) ``keras.Model``; it is called inside ``strategy.scope()``.
    - compile_kwargs: passed to ``model.compile``; an ``optimizer`` may be a string ("adam") or a
      zero-argument factory (``lambda: keras.optimizers.Adam(1e-3)``) so it is created inside the scope.
      None: the model is not compiled.
    - mixed_precision: use ``mixed_float16`` when a GPU is present (never on CPU).
    - seed: seeds Python, numpy and TensorFlow before building (same seed, same initial weights).
    - devices: an explicit device list for ``get_strategy`` (None: ``FACEAPP_DEVICES``, else automatic).
    Returns: (model, strategy).
    """
    import keras

    keras.utils.set_random_seed(seed)
    strategy = get_strategy(mixed_precision=mixed_precision, devices=devices)
    with strategy.scope():
        model = build_fn()
        if not isinstance(model, keras.Model):
            raise ValueError(f"build_fn must return a keras.Model, got {type(model).__name__}")
        if compile_kwargs is not None:
            kwargs = dict(compile_kwargs)
            opt = kwargs.get("optimizer")
            if callable(opt) and not isinstance(opt, (str, keras.optimizers.Optimizer)):
                kwargs["optimizer"] = opt()
            model.compile(**kwargs)
    return model, strategy


@dataclass
class FitResult:
    """What ``fit_model`` returns: the trained model, its history and the measured cost of training.

    Attributes: model; history (metric -> list, one value per epoch, as Keras's ``History.history``);
    seconds (wall time of ``fit``); epoch_seconds (wall time of each epoch); epochs; batch_size (global);
    n_train (training examples, 0 when train was a Dataset); replicas; policy (Keras dtype policy: float32 or mixed_float16); device.
    """

    model: Any
    history: dict[str, list[float]]
    seconds: float
    epoch_seconds: list[float]
    epochs: int
    batch_size: int
    n_train: int
    replicas: int
    policy: str
    device: DeviceInfo = field(repr=False)

    def final(self, metric: str) -> float:
        """The last epoch's value of ``metric`` (e.g. "val_accuracy")."""
        if metric not in self.history:
            raise ValueError(f"no metric {metric!r} in history; it has {sorted(self.history)}")
        return float(self.history[metric][-1])

    @property
    def seconds_per_epoch(self) -> float:
        """Median wall time of an epoch, leaving out the first (it also traces and compiles the graph)."""
        times = self.epoch_seconds[1:] or self.epoch_seconds
        return float(np.median(times))

    @property
    def examples_per_second(self) -> float:
        """Training throughput after the first epoch: n_train / seconds_per_epoch."""
        return self.n_train / max(self.seconds_per_epoch, 1e-9)

    def summary(self) -> str:
        """One line for the notebook: device, scale and measured timings."""
        first = self.epoch_seconds[0] if self.epoch_seconds else 0.0
        what = f"{self.n_train} examples" if self.n_train else "a dataset"
        rate = f" = {self.examples_per_second:,.0f} examples/s" if self.n_train else ""
        return (f"trained {self.epochs} epochs of {what} (batch {self.batch_size}, {self.replicas} replica(s), "
                f"{self.policy}) on {self.device}: {self.seconds:.1f} s in all, first epoch {first:.2f} s "
                f"(includes tracing), then {self.seconds_per_epoch:.2f} s/epoch{rate}")


class _EpochMonitor:
    """Keras callback (built lazily so this module imports without Keras): epoch times and a divergence check."""

    def __new__(cls):
        import keras

        class Monitor(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.epoch_seconds: list[float] = []
                self._t0 = 0.0

            def on_epoch_begin(self, epoch, logs=None):
                self._t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.epoch_seconds.append(time.perf_counter() - self._t0)
                loss = (logs or {}).get("loss")
                if loss is not None and not np.isfinite(float(loss)):
                    raise DivergenceError(f"training diverged at epoch {epoch + 1} (loss = {float(loss)}): "
                                          f"try a smaller learning rate")

        return Monitor()


def _as_dataset(data: Any, name: str, batch_size: int, shuffle: bool, seed: int, augment: Callable | None):
    import tensorflow as tf

    if data is None:
        return None, 0
    if isinstance(data, tf.data.Dataset):
        return data, 0  # number of examples unknown
    if not isinstance(data, Sequence) or len(data) != 2:
        raise ValueError(f"{name} must be a pair (x, y) of arrays with examples first, or a batched tf.data.Dataset; "
                         f"got {type(data).__name__}")
    x, y = data
    return make_dataset(x, y, batch_size, shuffle=shuffle, seed=seed, augment=augment), int(np.shape(x)[0])


def fit_model(build_fn: Callable[[], Any], compile_kwargs: Mapping[str, Any], train: ArrayPair | Any,
              val: ArrayPair | Any | None = None, *, epochs: int, batch_size: int, seed: int = 0,
              shuffle: bool = True, augment: Callable | None = None, callbacks: Sequence[Any] = (),
              mixed_precision: bool = True, devices: Devices = None) -> FitResult:
    """Build, compile and train a Keras model on this machine's device(s); time it.

    Inputs:
    - build_fn, compile_kwargs, mixed_precision, seed, devices: as in ``build_model``.
    - train: (x, y) arrays with examples first, x of shape (m, n_H, n_W, n_C) for a CNN; or a batched
      ``tf.data.Dataset`` (then batch_size and shuffle are not applied to it).
    - val: (x_val, y_val), a batched Dataset, or None.
    - epochs, batch_size: usually ``scale_for_device(...).epochs`` and ``.batch_size`` (global batch: each
      of the strategy's replicas gets batch_size / replicas examples of every batch).
    - shuffle, augment: passed to ``make_dataset`` for the training set (the validation set is not shuffled
      or augmented).
    - callbacks: extra Keras callbacks.
    Returns: a FitResult (model, history, seconds, epoch_seconds, ...).
    Raises DivergenceError when the training loss becomes NaN or infinite.
    """
    import keras

    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    model, strategy = build_model(build_fn, compile_kwargs, mixed_precision=mixed_precision, seed=seed,
                                  devices=devices)
    train_ds, n_train = _as_dataset(train, "train", batch_size, shuffle, seed, augment)
    val_ds, _ = _as_dataset(val, "val", batch_size, False, seed, None)
    monitor = _EpochMonitor()
    start = time.perf_counter()
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=0, shuffle=False,
                        callbacks=[monitor, *callbacks])
    seconds = time.perf_counter() - start
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    return FitResult(model=model, history=hist, seconds=seconds, epoch_seconds=list(monitor.epoch_seconds),
                     epochs=len(monitor.epoch_seconds), batch_size=batch_size, n_train=n_train,
                     replicas=int(strategy.num_replicas_in_sync), policy=keras.mixed_precision.global_policy().name,
                     device=describe_device())


# --- inspecting training --------------------------------------------------------------------------------

def kernel_gradient_norms(model, x: np.ndarray, y: np.ndarray) -> list[float]:
    """||dJ/dW|| (L2 norm) for every conv kernel of ``model`` (4-D weights, in layer order), on one batch.

    J is the mean sparse categorical cross-entropy of model(x, training=True) against the labels y (m,).
    Returns: one float per conv kernel, the first next to the input.
    """
    import keras
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, model(x, training=True)))
    kernels = [w for w in model.trainable_weights if len(w.shape) == 4]
    if not kernels:
        raise ValueError(f"model {model.name!r} has no conv kernels (4-D weights)")
    return [float(tf.norm(tf.cast(g, tf.float32))) for g in tape.gradient(loss, kernels)]


class GradientNormHistory:
    """Keras callback: ``kernel_gradient_norms`` on a fixed batch before training and after every epoch.

    ``GradientNormHistory(x, y)``; after ``fit``, ``.norms`` is a list of epochs + 1 lists (index 0: at
    initialization), each with one norm per conv kernel. Built lazily, like the epoch monitor, so this module
    imports without Keras.
    """

    def __new__(cls, x: np.ndarray, y: np.ndarray):
        import keras

        class Recorder(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.norms: list[list[float]] = []

            def on_train_begin(self, logs=None):
                self.norms = [kernel_gradient_norms(self.model, x, y)]

            def on_epoch_end(self, epoch, logs=None):
                self.norms.append(kernel_gradient_norms(self.model, x, y))

        return Recorder()
