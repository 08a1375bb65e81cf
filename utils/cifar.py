"""CIFAR-10 for the PyTorch blitz: the binary version read with numpy, and an offline 10-class stand-in.

The real set is optional. ``make data WHAT=cifar10`` (``utils.datasets``) fetches ``cifar-10-binary.tar.gz``
(162 MB) once through pooch, checked against a pinned SHA256, into ``utils.data.cache_dir()``; nothing in the
workbook downloads by itself. The archive is read member by member with numpy (3073-byte records:
1 label byte, then 3072 pixel bytes in channel-height-width order), so no pickle is ever loaded
(``torchvision.datasets.CIFAR10`` reads the pickled "python version" and is deliberately not used).

Without the archive, ``make_standin`` builds a 10-class set of 32x32 colour crops of ten photographs that
scikit-image and scikit-learn ship, with train and test crops taken from disjoint parts of each photo.

Every loader returns images as uint8 of shape (N, 32, 32, 3) (examples first, channels last, like
Course 4) and labels as int64 of shape (N,).
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np

from utils.data import cache_dir
from utils.validation import check_positive_int, check_range

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
CIFAR10_ARCHIVE = "cifar-10-binary.tar.gz"
#: The archive's size in bytes, its SHA256 (pinned), and the MD5 the dataset's page publishes.
CIFAR10_BYTES = 170_052_171
CIFAR10_SHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
CIFAR10_KNOWN_HASH = f"sha256:{CIFAR10_SHA256}"
CIFAR10_FOLDER = "cifar-10-batches-bin"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILE = "test_batch.bin"
RECORDS_PER_FILE = 10_000
IMAGE_SIZE = 32
PIXEL_BYTES = 3 * IMAGE_SIZE * IMAGE_SIZE
RECORD_BYTES = 1 + PIXEL_BYTES

#: The stand-in's ten classes: (class name, loader name). All ten load offline (no pooch download).
STANDIN_PHOTOS = (
    ("astronaut", "skimage:astronaut"),
    ("cat", "skimage:chelsea"),
    ("coffee", "skimage:coffee"),
    ("rocket", "skimage:rocket"),
    ("motorcycle", "skimage:stereo_motorcycle"),
    ("galaxies", "skimage:hubble_deep_field"),
    ("tissue", "skimage:immunohistochemistry"),
    ("retina", "skimage:retina"),
    ("temple", "sklearn:china"),
    ("flower", "sklearn:flower"),
)


@dataclass
class ImageSet:
    """A train/test split of small colour images, and where it came from.

    x_train (N_train, 32, 32, 3) uint8, y_train (N_train,) int64, x_test (N_test, 32, 32, 3) uint8,
    y_test (N_test,) int64, classes: one name per label, name: "CIFAR-10" or the stand-in's name,
    description: one sentence saying what ran.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    name: str
    description: str = ""
    is_cifar10: bool = field(default=False)

    def __repr__(self) -> str:
        return (f"ImageSet({self.name}: train {self.x_train.shape}, test {self.x_test.shape}, "
                f"{len(self.classes)} classes)")


# --- the binary version ---------------------------------------------------------------------------------

def parse_cifar_records(data: bytes | np.ndarray, source: str = "data", n_classes: int = 10,
                        expect_records: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Decode CIFAR binary records: each is 1 label byte then 3072 pixel bytes (1024 red, green, blue).

    Inputs:
    - data: the bytes of one batch file.
    - source: a name for error messages (the file name).
    - n_classes: labels must lie in [0, n_classes).
    - expect_records: when given, the exact number of records required (10000 in the official files).
    Returns: images, uint8 of shape (N, 32, 32, 3), and labels, int64 of shape (N,).
    Raises ValueError for a truncated or padded file, a wrong record count, or a label out of range.
    """
    raw = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data.reshape(-1)
    if raw.dtype != np.uint8:
        raise ValueError(f"{source}: expected bytes (uint8), got dtype {raw.dtype}")
    if raw.size == 0:
        raise ValueError(f"{source}: the file is empty; expected records of {RECORD_BYTES} bytes")
    if raw.size % RECORD_BYTES:
        raise ValueError(f"{source}: {raw.size} bytes is not a whole number of {RECORD_BYTES}-byte records "
                         f"(1 label byte + {PIXEL_BYTES} pixel bytes): the file is truncated or corrupted "
                         f"({raw.size // RECORD_BYTES} whole records and {raw.size % RECORD_BYTES} bytes left over)")
    records = raw.reshape(-1, RECORD_BYTES)
    if expect_records is not None and records.shape[0] != expect_records:
        raise ValueError(f"{source}: expected {expect_records} records of {RECORD_BYTES} bytes, "
                         f"found {records.shape[0]}: the file is truncated or not a CIFAR-10 batch")
    labels = records[:, 0].astype(np.int64)
    bad = np.flatnonzero(labels >= n_classes)
    if bad.size:
        raise ValueError(f"{source}: record {bad[0]} has label {labels[bad[0]]}, expected 0..{n_classes - 1} "
                         f"({bad.size} bad labels): the file is corrupted or not a CIFAR-10 batch")
    images = records[:, 1:].reshape(-1, 3, IMAGE_SIZE, IMAGE_SIZE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def read_cifar_binary(path: str | Path, expect_records: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 binary batch file (e.g. ``data_batch_1.bin``) with numpy, never unpickling.

    Returns images (N, 32, 32, 3) uint8 and labels (N,) int64; see ``parse_cifar_records`` for the checks.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no CIFAR-10 batch file at {path}")
    return parse_cifar_records(path.read_bytes(), source=path.name, expect_records=expect_records)


def find_cifar10(root: str | Path | None = None) -> Path | None:
    """Where CIFAR-10 (binary version) is under ``root`` (default ``cache_dir()``), or None.

    Looks for the extracted folder ``cifar-10-batches-bin`` (all six batch files) first, then the archive.
    """
    root = Path(root) if root is not None else cache_dir()
    folder = root / CIFAR10_FOLDER
    if all((folder / name).is_file() for name in (*TRAIN_FILES, TEST_FILE)):
        return folder
    archive = root / CIFAR10_ARCHIVE
    return archive if archive.is_file() else None


def _read_from_archive(archive: Path, names: tuple[str, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Read the named batch files straight out of the .tar.gz (nothing is extracted to disk)."""
    out = []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers()
                       if m.isfile() and Path(m.name).parent.name == CIFAR10_FOLDER}
            for name in names:
                if name not in members:
                    raise ValueError(f"{archive.name} has no {CIFAR10_FOLDER}/{name}: not the CIFAR-10 binary archive")
                data = tar.extractfile(members[name]).read()
                out.append(parse_cifar_records(data, source=name, expect_records=RECORDS_PER_FILE))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"{archive}: cannot read the archive ({exc}); it is truncated or corrupted, "
                         "delete it and download again") from exc
    return out


def load_cifar10(path: str | Path | None = None, split: str = "train",
                 limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The CIFAR-10 training (50,000 images) or test (10,000) split from the binary version.

    Inputs:
    - path: the ``cifar-10-batches-bin`` folder or ``cifar-10-binary.tar.gz``; default: ``find_cifar10()``.
    - split: "train" (data_batch_1..5.bin) or "test" (test_batch.bin).
    - limit: keep only the first ``limit`` images (None: all).
    Returns: images (N, 32, 32, 3) uint8 and labels (N,) int64 with labels in 0..9 (see CIFAR10_CLASSES).
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = Path(path) if path is not None else find_cifar10()
    if path is None or not path.exists():
        raise FileNotFoundError(f"CIFAR-10 is not in {cache_dir()}: run `make data WHAT=cifar10` "
                                "(162 MB) or use make_standin()")
    names = TRAIN_FILES if split == "train" else (TEST_FILE,)
    if path.is_dir():
        parts = [read_cifar_binary(path / name, expect_records=RECORDS_PER_FILE) for name in names]
    else:
        parts = _read_from_archive(path, names)
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if limit is not None:
        limit = check_positive_int(limit, "limit")
        images, labels = images[:limit], labels[:limit]
    return images, labels


# --- the verified download --------------------------------------------------------------------------------

def file_hash(path: str | Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file (read in 1 MiB chunks)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_file(path: str | Path, known_hash: str = CIFAR10_KNOWN_HASH) -> Path:
    """Check a file against ``known_hash`` ("sha256:<hex>" or "md5:<hex>"); return its path.

    Raises ValueError naming both hashes when they differ (the file is left in place for the user to inspect).
    """
    path = Path(path)
    algorithm, _, expected = known_hash.partition(":")
    if not expected or algorithm not in ("sha256", "md5", "sha1"):
        raise ValueError(f"known_hash must look like 'sha256:<hex>' or 'md5:<hex>', got {known_hash!r}")
    actual = file_hash(path, algorithm)
    if actual != expected.lower():
        raise ValueError(f"{path} has {algorithm} {actual}, expected {expected}: the file is corrupted or not "
                         f"the right one; refusing to use it (delete it and download again)")
    return path


def _file_url_downloader(url: str, output_file, pooch_obj) -> None:
    """A pooch downloader for ``file://`` URLs (a copy you already have); pooch then checks the hash."""
    source = Path(unquote(urlparse(url).path))
    if not source.is_file():
        raise FileNotFoundError(f"no file at {source} (from {url})")
    if hasattr(output_file, "write"):
        with open(source, "rb") as fh:
            shutil.copyfileobj(fh, output_file)
    else:
        shutil.copyfile(source, output_file)


def download_cifar10(cache: str | Path | None = None, url: str = CIFAR10_URL,
                     known_hash: str | None = None, progressbar: bool = True) -> Path:
    """Fetch ``cifar-10-binary.tar.gz`` into ``cache`` (default ``cache_dir()``), verified against ``known_hash``.

    What ``make data WHAT=cifar10`` runs; only call it when the user asks: it downloads 162 MB. A file already
    in the cache is verified and refused (ValueError) when its hash is wrong, never silently replaced.
    ``known_hash`` is "sha256:<hex>" (None: the pinned ``CIFAR10_SHA256``). ``url`` may be ``file:///...`` to
    copy an archive you already have. pooch writes to a temporary file and moves it into place only once its
    hash matches (a wrong hash or a broken-off transfer leaves nothing in the cache).
    Returns the path of the verified archive.
    """
    import pooch

    known_hash = known_hash or f"sha256:{CIFAR10_SHA256}"
    cache = Path(cache) if cache is not None else cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / CIFAR10_ARCHIVE
    if target.exists():
        return verify_file(target, known_hash)
    downloader = _file_url_downloader if url.startswith("file://") else None
    path = pooch.retrieve(url, known_hash=known_hash, fname=CIFAR10_ARCHIVE, path=cache,
                          downloader=downloader, progressbar=progressbar and downloader is None)
    return Path(path)


# --- the offline stand-in -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _load_standin_photo(source: str) -> np.ndarray:
    """One of the STANDIN_PHOTOS as uint8 (H, W, 3), from the package's own files (no download).

    Decoded once per session (cached) and returned read-only."""
    package, name = source.split(":")
    if package == "sklearn":
        from sklearn.datasets import load_sample_image

        image = load_sample_image(f"{name}.jpg")
    else:
        import skimage.data

        image = getattr(skimage.data, name)()
    if name == "stereo_motorcycle":
        image = image[0]  # (left view, right view, disparity): the left photograph
    image = np.ascontiguousarray(image[..., :3])
    image.flags.writeable = False
    return image


def _split_cells(shape: tuple[int, ...], cell: int, test_fraction: float,
                 rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Tile a photo of ``shape`` (H, W, 3) with cell x cell squares; deal them to train and test.

    Returns {"train": (k, 2) array of the cells' (top, left) corners, "test": ...}; at least one cell each.
    """
    rows, cols = shape[0] // cell, shape[1] // cell
    corners = np.array([(r * cell, c * cell) for r in range(rows) for c in range(cols)])
    if len(corners) < 2:
        raise ValueError(f"a photo of shape {shape} holds fewer than 2 cells of {cell} pixels: use a smaller max_frac")
    order = rng.permutation(len(corners))
    n_test = min(max(1, int(round(test_fraction * len(corners)))), len(corners) - 1)
    return {"test": corners[order[:n_test]], "train": corners[order[n_test:]]}


def _random_crops(photo: np.ndarray, n: int, cells: np.ndarray, cell: int, rng: np.random.Generator,
                  size: int, min_side: int, jitter: bool) -> np.ndarray:
    """n square crops, each inside one of the cell x cell squares at ``cells`` (k, 2) of ``photo``,
    resized to size x size, randomly mirrored and, with ``jitter``, recoloured and noised."""
    from PIL import Image

    which = rng.integers(0, len(cells), size=n)
    sides = rng.integers(min_side, cell + 1, size=n)
    tops = cells[which, 0] + rng.integers(0, cell - sides + 1)
    lefts = cells[which, 1] + rng.integers(0, cell - sides + 1)
    out = np.empty((n, size, size, 3), dtype=np.uint8)
    for i, (side, top, left) in enumerate(zip(sides, tops, lefts)):
        crop = Image.fromarray(photo[top:top + side, left:left + side])
        out[i] = np.asarray(crop.resize((size, size), Image.BILINEAR))
    flip = rng.random(n) < 0.5
    out[flip] = out[flip, :, ::-1]
    if not jitter:
        return out
    img = out.astype(np.float32)  # brightness, contrast, a per-channel colour cast, pixel noise
    mean = img.mean(axis=(1, 2, 3), keepdims=True)
    contrast = rng.uniform(0.7, 1.3, size=(n, 1, 1, 1))
    brightness = rng.uniform(0.7, 1.3, size=(n, 1, 1, 1))
    cast = rng.uniform(0.9, 1.1, size=(n, 1, 1, 3))
    img = ((img - mean) * contrast + mean * brightness) * cast + rng.normal(0.0, 4.0, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def make_standin(n_train: int = 5000, n_test: int = 1000, seed: int = 0, test_fraction: float = 0.25,
                 min_frac: float = 0.1, max_frac: float = 0.2) -> ImageSet:
    """An offline, CIFAR-shaped stand-in: 10 classes of 32x32 colour crops of ten shipped photographs.

    Each class is one photograph (see STANDIN_PHOTOS). The photo is tiled with squares of side
    ``max_frac`` x its shorter side; a seeded ``test_fraction`` of the squares gives the test crops and the
    rest the training crops, so no test pixel is ever seen in training, yet both sample the whole scene.
    A crop's side is ``min_frac``..``max_frac`` of the shorter side; every crop may be mirrored, and
    training crops also get brightness, contrast, colour and noise jitter (augmentation).
    Seeded: the same arguments give the same arrays.
    Returns an ImageSet: x_train (n_train, 32, 32, 3) uint8, y_train (n_train,) int64, x_test
    (n_test, 32, 32, 3), y_test (n_test,), classes (10 names). n_train and n_test must be multiples of 10.
    """
    n_train = check_positive_int(n_train, "n_train")
    n_test = check_positive_int(n_test, "n_test")
    if n_train % 10 or n_test % 10:
        raise ValueError(f"n_train and n_test must be multiples of 10 (balanced classes), got {n_train}, {n_test}")
    check_range(test_fraction, "test_fraction", 0.05, 0.5)
    check_range(max_frac, "max_frac", 0.05, 0.5)
    check_range(min_frac, "min_frac", 0.01, max_frac)
    rng = np.random.default_rng(seed)
    xs: dict[str, list[np.ndarray]] = {"train": [], "test": []}
    for photo_name, source in STANDIN_PHOTOS:
        photo = _load_standin_photo(source)
        short = min(photo.shape[:2])
        cell = max(IMAGE_SIZE, int(max_frac * short))
        min_side = max(IMAGE_SIZE // 2, min(cell, int(min_frac * short)))
        cells = _split_cells(photo.shape, cell, test_fraction, rng)
        for part, n, jitter in (("train", n_train, True), ("test", n_test, False)):
            xs[part].append(_random_crops(photo, n // 10, cells[part], cell, rng, IMAGE_SIZE, min_side, jitter))
    classes = tuple(name for name, _ in STANDIN_PHOTOS)
    split = {}
    for part, n in (("train", n_train), ("test", n_test)):
        x = np.concatenate(xs[part])
        y = np.repeat(np.arange(10, dtype=np.int64), n // 10)
        order = rng.permutation(n)
        split[part] = (x[order], y[order])
    return ImageSet(*split["train"], *split["test"], classes=classes, name="offline stand-in",
                    description=(f"the OFFLINE STAND-IN (not CIFAR-10): {n_train} training and {n_test} test "
                                 f"32x32 crops of ten photographs shipped with scikit-image and scikit-learn"))


def load_blitz_data(n_train: int = 5000, n_test: int = 1000, seed: int = 0, root: str | Path | None = None,
                    cifar_limit: int | None = None, known_hash: str | None = "pinned") -> ImageSet:
    """CIFAR-10 when it is in the cache (``root``, default ``cache_dir()``), else the offline stand-in.

    Never downloads. An archive in the cache is first checked against ``known_hash`` (ValueError when it
    differs; "pinned": ``CIFAR10_SHA256``, read at call time; None skips the check); an extracted
    ``cifar-10-batches-bin`` folder gets the reader's size and label checks only. ``n_train``, ``n_test`` and
    ``seed`` size the stand-in; ``cifar_limit`` optionally keeps the first images of each CIFAR-10 split
    (None: all 50,000 + 10,000).
    Returns an ImageSet whose ``name`` and ``description`` say which data it holds.
    """
    found = find_cifar10(root)
    if found is None:
        return make_standin(n_train, n_test, seed)
    if found.is_file() and known_hash is not None:
        verify_file(found, f"sha256:{CIFAR10_SHA256}" if known_hash == "pinned" else known_hash)
    x_train, y_train = load_cifar10(found, "train", limit=cifar_limit)
    x_test, y_test = load_cifar10(found, "test", limit=cifar_limit)
    return ImageSet(x_train, y_train, x_test, y_test, classes=CIFAR10_CLASSES, name="CIFAR-10",
                    description=f"the real CIFAR-10 (binary version) from {found}: {len(y_train)} training "
                                f"and {len(y_test)} test images", is_cifar10=True)


def main(argv: list[str]) -> int:
    """``python -m utils.cifar download``: an alias of ``make data WHAT=cifar10``; ``where``: show what is cached."""
    if argv[:1] == ["download"]:
        from utils.datasets import main as datasets_main

        return datasets_main(["fetch", "cifar10"])
    if argv[:1] == ["where"]:
        print(find_cifar10() or f"CIFAR-10 is not in {cache_dir()}")
        return 0
    print(main.__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
