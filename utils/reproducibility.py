"""One call to seed every random number generator the workbook uses."""

from __future__ import annotations

import os
import random
import sys

import numpy as np


def set_seed(seed: int = 0, deterministic_tf: bool = False) -> int:
    """Seed Python's ``random``, numpy's global generator, and TensorFlow/torch when they are imported.

    Frameworks are seeded only if already imported (importing TensorFlow just to seed it costs seconds),
    so call ``set_seed`` after your imports. ``deterministic_tf=True`` also turns on TensorFlow's op
    determinism (slower, bit-identical reruns). Returns the seed.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        tf.random.set_seed(seed)
        if deterministic_tf:
            tf.config.experimental.enable_op_determinism()
    if "keras" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)
    return seed
