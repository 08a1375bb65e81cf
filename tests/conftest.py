"""Shared test setup: quiet TensorFlow, a non-interactive matplotlib backend, seeded numpy."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils.notebook import silence_tensorflow  # noqa: E402

silence_tensorflow()


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for every test."""
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
