"""Offline datasets: everything here comes from installed packages or a seeded generator.

Conventions: Course 1-2 loaders return X of shape (n_x, m) (examples are columns) and Y of shape (1, m);
image loaders return examples first, (m, H, W) or (m, H, W, C). Optional downloads (CIFAR-10, LFW)
live in their own modules and are never needed by a test; they cache under ``cache_dir()``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from utils.validation import check_positive_int, check_range

PHOTOS = ("astronaut", "camera", "chelsea", "coffee", "china", "flower")


def cache_dir() -> Path:
    """Where optional downloads are cached: ``$FACEAPP_DATA`` or ``~/.cache/diy-faceapp`` (created)."""
    path = Path(os.environ.get("FACEAPP_DATA", Path.home() / ".cache" / "diy-faceapp"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_faces(test_size: int = 50, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                              np.ndarray]:
    """Faces vs non-faces from scikit-image's ``lfw_subset`` (100 faces, 100 non-faces, 25x25 grayscale).

    A stratified, seeded split in the course's ``load_dataset`` form.
    Returns ``(train_x_orig, train_y, test_x_orig, test_y, classes)``:
    train_x_orig (m_train, 25, 25) floats in [0, 1]; train_y (1, m_train) with 1 = face;
    test_x_orig (test_size, 25, 25); test_y (1, test_size); classes = ["non-face", "face"].
    """
    from skimage.data import lfw_subset

    images = lfw_subset().astype(np.float64)
    labels = np.r_[np.ones(100), np.zeros(100)].astype(np.int64)  # the first 100 images are faces
    test_size = check_positive_int(test_size, "test_size")
    if test_size % 2 or not 2 <= test_size <= 198:
        raise ValueError(f"test_size must be an even number in [2, 198], got {test_size}")
    rng = np.random.RandomState(seed)
    test_idx = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[: test_size // 2] for c in (0, 1)])
    train_idx = np.setdiff1d(np.arange(labels.size), test_idx)
    train_idx, test_idx = rng.permutation(train_idx), rng.permutation(test_idx)
    classes = np.array(["non-face", "face"])
    return (images[train_idx], labels[train_idx].reshape(1, -1), images[test_idx],
            labels[test_idx].reshape(1, -1), classes)


def load_planar_dataset(m: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower": two classes of ``m // 2`` points on the petals of a rose curve.

    Same generator, size and seed as the course (m=400, seed 1), so numbers match.
    Returns X (2, m) and Y (1, m) with labels 0 (red) and 1 (blue).
    """
    m = check_positive_int(m, "m")
    if m % 2:
        raise ValueError(f"m must be even (two classes of m/2 points), got {m}")
    rng = np.random.RandomState(seed)
    n = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype=np.uint8)
    petal_radius = 4
    for j in range(2):
        ix = slice(n * j, n * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rng.randn(n) * 0.2  # angle
        r = petal_radius * np.sin(4 * t) + rng.randn(n) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def load_circles(n_train: int = 300, n_test: int = 100, noise: float = 0.05) -> tuple[np.ndarray, ...]:
    """The course's initialization data: two noisy concentric circles (train seed 1, test seed 2).

    Returns train_X (2, n_train), train_Y (1, n_train), test_X (2, n_test), test_Y (1, n_test).
    """
    from sklearn.datasets import make_circles

    check_range(noise, "noise", 0, None)
    train_X, train_Y = make_circles(n_samples=check_positive_int(n_train, "n_train"), noise=noise,
                                    random_state=np.random.RandomState(1))
    test_X, test_Y = make_circles(n_samples=check_positive_int(n_test, "n_test"), noise=noise,
                                  random_state=np.random.RandomState(2))
    return train_X.T, train_Y.reshape(1, -1), test_X.T, test_Y.reshape(1, -1)


def load_moons(n_samples: int = 300, noise: float = 0.2, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The course's optimization data: two interleaved half-moons (300 points, noise 0.2, seed 3).

    Returns X (2, n_samples) and Y (1, n_samples).
    """
    from sklearn.datasets import make_moons

    check_range(noise, "noise", 0, None)
    X, Y = make_moons(n_samples=check_positive_int(n_samples, "n_samples"), noise=noise,
                      random_state=np.random.RandomState(seed))
    return X.T, Y.reshape(1, -1)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits: images (1797, 8, 8) with values 0..16, labels (1797,) in 0..9."""
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    return bunch.images.astype(np.float64), bunch.target.astype(np.int64)


def load_photo(name: str) -> np.ndarray:
    """A real photograph shipped by scikit-image or scikit-learn, as uint8 (H, W) or (H, W, 3).

    ``name`` is one of ``PHOTOS``: astronaut, camera, chelsea, coffee (scikit-image), china, flower
    (scikit-learn's sample images).
    """
    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; choose one of {PHOTOS}")
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    import skimage.data

    return getattr(skimage.data, name)()
