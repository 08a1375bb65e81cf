"""Shared test setup: quiet TensorFlow, a non-interactive matplotlib backend, seeded numpy."""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# Exercise checks run by the tests keep their progress out of the learner's exercises/.progress.json.
os.environ.setdefault("FACEAPP_PROGRESS",
                      str(Path(__file__).resolve().parent.parent / "test-artifacts" / "exercise-progress.json"))

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


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by playwright: the browser tests' one launcher."""
    from lab_driver import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
