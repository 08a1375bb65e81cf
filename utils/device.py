"""What hardware this kernel has, and the ``tf.distribute`` strategy to build heavy models under.

TensorFlow is imported inside the functions (call ``utils.notebook.setup()`` first so its logs stay quiet).
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field


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


def get_strategy(mixed_precision: bool = True):
    """The strategy to build and compile heavy models under.

    Several GPUs: ``MirroredStrategy``; one GPU or CPU: the default strategy. With ``mixed_precision``
    and at least one GPU, Keras's global policy becomes ``mixed_float16``; on CPU it stays ``float32``
    (mixed precision only slows a CPU down).
    """
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised
            pass
    keras.mixed_precision.set_global_policy("mixed_float16" if (gpus and mixed_precision) else "float32")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()
