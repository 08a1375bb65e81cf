"""What hardware this kernel has, and the ``tf.distribute`` strategy to build heavy models under.

An explicit device list (``get_strategy(devices=["/cpu:0", "/cpu:1"])``, or the environment variable
``FACEAPP_DEVICES="/cpu:0,/cpu:1"``) overrides the automatic choice: several CPU entries split the CPU into
that many logical devices (``split_cpu``), so ``MirroredStrategy`` runs its multi-replica code on a CPU.

TensorFlow is imported inside the functions (call ``utils.notebook.setup()`` first so its logs stay quiet).
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

DEVICES_ENV = "FACEAPP_DEVICES"
_DEVICE_RE = re.compile(r"/?(?:device:)?(cpu|gpu):(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class DeviceInfo:
    """A summary of the compute this kernel sees."""

    cpu: str
    cpu_count: int
    gpus: list[str] = field(default_factory=list)

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus)

    def __str__(self) -> str:
        gpu = f"{len(self.gpus)} GPU(s): {', '.join(self.gpus)}" if self.gpus else "no GPU"
        return f"{self.cpu} ({self.cpu_count} cores), {gpu}"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_device() -> DeviceInfo:
    """Report the CPU and the GPUs TensorFlow can use (an empty list on CPU-only machines)."""
    import tensorflow as tf

    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return DeviceInfo(cpu=_cpu_name(), cpu_count=os.cpu_count() or 1, gpus=gpus)


def _normalize_device(entry: object, what: str) -> str:
    """``"/CPU:0"``, ``"cpu:0"`` or ``"/device:CPU:0"`` as ``"/cpu:0"``; a ValueError naming ``what`` otherwise."""
    match = _DEVICE_RE.fullmatch(entry.strip()) if isinstance(entry, str) else None
    if match is None:
        raise ValueError(f"{what}: {entry!r} is not a device name; use \"/cpu:N\" or \"/gpu:N\", "
                         f"e.g. \"/cpu:0,/cpu:1\"")
    return f"/{match.group(1).lower()}:{int(match.group(2))}"


def resolve_devices(devices: str | Sequence[str] | None = None) -> tuple[str, ...] | None:
    """The explicit device list to run on, or None for the automatic choice.

    Inputs: devices: a list such as ``["/cpu:0", "/cpu:1"]`` or one comma-separated string; None reads the
    environment variable ``FACEAPP_DEVICES`` (unset or empty: None). Entries are ``/cpu:N`` or ``/gpu:N``
    (case and a ``device:`` prefix do not matter). Returns: the names normalized (``"/cpu:0"``), in order.
    Raises: ValueError naming the argument (or the variable) for an empty list, a bad name or a repeat.
    """
    what = "devices"
    if devices is None:
        devices = os.environ.get(DEVICES_ENV, "").strip()
        if not devices:
            return None
        what = DEVICES_ENV
    entries = devices.split(",") if isinstance(devices, str) else list(devices)
    names = tuple(_normalize_device(entry, what) for entry in entries)
    if not names:
        raise ValueError(f"{what} is empty: give at least one device, e.g. [\"/cpu:0\"], or None for the default")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{what} names {', '.join(repeated)} more than once: each device holds one replica")
    return names


def split_cpu(n: int) -> None:
    """Split the first physical CPU into ``n`` logical devices, ``/cpu:0`` to ``/cpu:{n-1}``.

    TensorFlow allows this only before it initializes its devices (the first op, strategy or
    ``list_logical_devices``): call it first in a fresh process. Does nothing when the CPU already has at
    least ``n`` logical devices. Raises ValueError for n < 1, RuntimeError when it is too late.
    """
    import tensorflow as tf

    from utils.validation import check_positive_int

    n = check_positive_int(n, "n")
    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu)
    if n <= (len(configured) if configured else 1):
        return
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    except RuntimeError as err:
        have = len(tf.config.list_logical_devices("CPU"))
        raise RuntimeError(f"cannot split the CPU into {n} logical devices: TensorFlow is already initialized "
                           f"with {have}. Call split_cpu({n}) (or set {DEVICES_ENV}) before anything else uses "
                           f"TensorFlow, in a fresh process") from err


def _strategy_for(devices: tuple[str, ...]):
    """``split_cpu`` as the CPU entries need, check every device exists, and mirror over them."""
    import tensorflow as tf

    cpus = [int(d.split(":")[1]) for d in devices if d.startswith("/cpu:")]
    if cpus:
        split_cpu(max(cpus) + 1)
    available = sorted(_normalize_device(d.name, "device") for d in tf.config.list_logical_devices()
                       if d.device_type in ("CPU", "GPU"))
    missing = [d for d in devices if d not in available]
    if missing:
        raise ValueError(f"devices names {', '.join(missing)}, which TensorFlow does not have here "
                         f"(it has {', '.join(available)})")
    if len(devices) == 1:
        return tf.distribute.OneDeviceStrategy(devices[0])
    return tf.distribute.MirroredStrategy(list(devices))


def get_strategy(mixed_precision: bool = True, devices: str | Sequence[str] | None = None):
    """The strategy to build and compile heavy models under.

    Without a device list (``devices`` None and ``FACEAPP_DEVICES`` unset): ``MirroredStrategy`` over
    several GPUs; one GPU or CPU: the default strategy. With one (see ``resolve_devices``): a
    ``MirroredStrategy`` over those devices (``OneDeviceStrategy`` for a single one); CPU entries such as
    ``"/cpu:0,/cpu:1"`` split the CPU first (``split_cpu``). With ``mixed_precision`` and a GPU in use,
    Keras's global policy becomes ``mixed_float16``; on CPUs it stays ``float32`` (mixed precision only slows
    a CPU down). Raises ValueError naming ``devices`` (or the variable) for a bad or absent device.
    """
    import keras
    import tensorflow as tf

    names = resolve_devices(devices)
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised
            pass
    if names is not None:
        strategy = _strategy_for(names)
        uses_gpu = any(name.startswith("/gpu:") for name in names)
    else:
        strategy = tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
        uses_gpu = bool(gpus)
    keras.mixed_precision.set_global_policy("mixed_float16" if (uses_gpu and mixed_precision) else "float32")
    return strategy
