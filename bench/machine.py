"""Tag results with the machine they were measured on."""

from __future__ import annotations

import os
import platform
from importlib import metadata


def machine_tag() -> dict:
    """CPU model, core count, GPUs (TensorFlow's and torch's view), and library versions."""
    from utils.device import _cpu_name

    gpus = []
    try:
        import tensorflow as tf

        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    except ImportError:
        pass
    torch_cuda = None
    try:
        import torch

        torch_cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        pass
    versions = {}
    for pkg in ("numpy", "tensorflow-cpu", "tensorflow", "keras", "torch", "scikit-learn", "jupyterlab",
                "matplotlib", "ipywidgets"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return {"cpu": _cpu_name(), "cores": os.cpu_count(), "gpus": gpus, "torch_cuda": torch_cuda,
            "python": platform.python_version(), "platform": platform.platform(), "versions": versions}
