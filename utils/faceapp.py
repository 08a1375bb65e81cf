"""The DIY FaceApp: photo in, faces found, enrolled, recognized, and played with; built from the workbook's parts.

The pipeline (each step names the part it reuses):

1. ``load_offline_photo(name)`` (``utils.data.load_photo``) or ``read_upload(data)``: JPEG or PNG only, checked by
   content (magic bytes, then PIL), with size limits; anything else raises ``PhotoError`` with a clear message.
2. ``find_faces(photo, models)``: the Course 4 week 3 face detector (``utils.face_detector.detect_faces``: a
   face / non-face CNN trained with hard-negative mining, turned convolutional with ``fc_to_conv``, slid over an
   image pyramid that covers every face size, merged by non-max suppression, at the score threshold calibrated
   on dev images) and, beside it as the reference, scikit-image's LBP cascade (``cascade_faces``). Only the
   CNN's faces go on to recognition.
3. ``crop_face(gray, box)``: each box cropped and resized to the encoder's input, 25 x 25 grayscale in [0, 1],
   the framing of scikit-image's ``lfw_subset`` faces that both networks were trained on.
4. ``encode`` (Course 4 week 4 triplet-loss encoder, ``utils.face_verification``): one 32-d unit vector per face.
5. ``FaceDatabase``: name -> several enrollments (encoding + face thumbnail), saved to ``.npz`` atomically
   (temporary file + ``os.replace``), reloaded on the next run; a corrupted or truncated file raises
   ``DatabaseError`` and is left untouched. The app's own database is an SQLite file (``utils.face_db``,
   opened by ``FaceDatabase.open`` for a ``.sqlite`` path): every change a transaction, shared safely by
   several processes (the command line ``utils.faceapp_cli`` among them).
6. ``FaceDatabase.recognize(encoding, threshold)``: the nearest enrolled identity, its distance, and the
   decision: the name when the distance is below the threshold, ``"unknown"`` otherwise.
7. Fun: ``draw_gallery`` (each face beside its most similar enrolled faces) and ``face_swap`` (each face
   replaced by its most similar enrolled face).

``load_models()`` loads the detector (``utils.face_detector.load_face_detector``, trained once and cached by its
own version) and trains the encoder once (under a minute on a 2-core CPU), saves its weights under
``utils.data.cache_dir() / "faceapp" / MODEL_VERSION`` and keeps both for the session (``functools.lru_cache``),
so later runs start in seconds.

TensorFlow/Keras are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
import io
import json
import os
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from utils.validation import as_array, check_range

#: Bump when training data, settings or architectures change: cached weights are keyed by it.
MODEL_VERSION = "faceapp-v2"
#: The encoder's input: 25 x 25 grayscale faces in [0, 1], like scikit-image's lfw_subset.
FACE_SIZE = 25
#: The database file format (stored in the file; a file of another format is refused).
DB_FORMAT = "diy-faceapp-db-1"
#: Upload limits.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_UPLOAD_PIXELS = 4096 * 4096
MIN_UPLOAD_SIDE = 50
#: Photos larger than this (longest side, pixels) are shrunk before detection, so the app stays fast.
WORK_SIDE = 640
UNKNOWN = "unknown"

_MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
_OTHER_MAGIC = {b"GIF87a": "GIF", b"GIF89a": "GIF", b"BM": "BMP", b"II*\x00": "TIFF", b"MM\x00*": "TIFF",
                b"RIFF": "RIFF (WebP?)", b"%PDF": "PDF", b"PK\x03\x04": "ZIP", b"\x00\x00\x01\x00": "ICO"}


class PhotoError(ValueError):
    """A photo the app cannot use: not a JPEG/PNG, too large, too small, unreadable, or without a face."""


class DatabaseError(ValueError):
    """The face database file is corrupted, truncated or not a face database (it is left untouched)."""


# --- photos ------------------------------------------------------------------------------------------

def load_offline_photo(name: str) -> np.ndarray:
    """An offline photo (``utils.data.PHOTOS``) as RGB uint8 (H, W, 3); grayscale photos are stacked to 3 channels."""
    from utils.data import load_photo

    return _as_rgb(load_photo(name))


def _as_rgb(photo: Any) -> np.ndarray:
    img = np.asarray(photo)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise PhotoError(f"a photo must have shape (H, W), (H, W, 3) or (H, W, 4), got {img.shape}")
    img = img[..., :3]
    if img.dtype != np.uint8:
        f = img.astype(np.float64)
        img = np.clip(f * 255 if f.max() <= 1 else f, 0, 255).round().astype(np.uint8)
    return img


def sniff_format(data: bytes) -> str:
    """The file type from its first bytes: "JPEG", "PNG", another known name (GIF, BMP, ...) or "unknown"."""
    for magic, name in {**_MAGIC, **_OTHER_MAGIC}.items():
        if data.startswith(magic):
            return name
    return "unknown"


def read_upload(data: bytes | bytearray | memoryview, max_bytes: int = MAX_UPLOAD_BYTES,
                max_pixels: int = MAX_UPLOAD_PIXELS) -> np.ndarray:
    """Decode an uploaded photo, accepting only JPEG and PNG (checked by content, not by the file name).

    Inputs: data: the file's bytes; max_bytes, max_pixels: limits (the pixel limit is checked from the
    header, before decoding, so a "decompression bomb" is refused cheaply).
    Returns: RGB uint8 (H, W, 3), rotated upright when the JPEG carries an EXIF orientation.
    Raises PhotoError with a message meant for the learner.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = bytes(data)
    if len(data) == 0:
        raise PhotoError("the uploaded file is empty")
    if len(data) > max_bytes:
        raise PhotoError(f"the file is {len(data) / 2**20:.1f} MB; the app accepts photos up to "
                         f"{max_bytes / 2**20:.0f} MB")
    kind = sniff_format(data)
    if kind not in ("JPEG", "PNG"):
        what = "not an image the app knows" if kind == "unknown" else f"a {kind} file"
        raise PhotoError(f"this is {what}: please upload a JPEG or PNG photo")
    try:
        with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as im:
            if im.format not in ("JPEG", "PNG"):
                raise PhotoError(f"this is a {im.format} file: please upload a JPEG or PNG photo")
            w, h = im.size
            if w * h > max_pixels:
                raise PhotoError(f"the photo is {w} x {h} pixels; the app accepts up to "
                                 f"{max_pixels / 1e6:.0f} megapixels: shrink it first")
            if min(w, h) < MIN_UPLOAD_SIDE:
                raise PhotoError(f"the photo is {w} x {h} pixels; it must be at least {MIN_UPLOAD_SIDE} pixels "
                                 f"on each side to hold a face")
            im = ImageOps.exif_transpose(im)
            if im.mode.startswith("I"):  # 16-bit or 32-bit integer grayscale PNG: stretch to 8 bits
                a = np.asarray(im, dtype=np.float64)
                a = (a - a.min()) / max(a.max() - a.min(), 1e-12) * 255
                return np.stack([a.round().astype(np.uint8)] * 3, axis=-1)
            rgb = np.asarray(im.convert("RGB"))
    except PhotoError:
        raise
    except Image.DecompressionBombError:
        raise PhotoError(f"the photo is far too large (more than {Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels); "
                         f"the app accepts up to {max_pixels / 1e6:.0f} megapixels: shrink it first") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"the {kind} file is damaged or truncated and cannot be read ({exc})") from None
    return rgb


def upload_bytes(value: Any) -> tuple[str, bytes] | None:
    """(file name, bytes) of the first file in an ``ipywidgets.FileUpload`` value (ipywidgets 7 or 8), or None."""
    if not value:
        return None
    if isinstance(value, dict):  # ipywidgets 7: {name: {"metadata": ..., "content": bytes}}
        name, item = next(iter(value.items()))
        return str(name), bytes(item["content"])
    item = value[0]  # ipywidgets 8: a tuple of dicts
    return str(item.get("name", "upload")), bytes(item["content"])


def upload_files(value: Any) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every file in an ``ipywidgets.FileUpload`` value (ipywidgets 7 or 8), in order."""
    if not value:
        return []
    if isinstance(value, dict):  # ipywidgets 7: {name: {"metadata": ..., "content": bytes}}
        return [(str(name), bytes(item["content"])) for name, item in value.items()]
    return [(str(item.get("name", "upload")), bytes(item["content"])) for item in value]  # ipywidgets 8


def work_copy(photo: Any, max_side: int = WORK_SIDE) -> tuple[np.ndarray, float]:
    """The photo as RGB uint8, shrunk so its longest side is at most ``max_side``. Returns (image, factor)."""
    from skimage.transform import rescale

    img = _as_rgb(photo)
    side = max(img.shape[:2])
    if side <= max_side:
        return img, 1.0
    f = max_side / side
    small = rescale(img, f, anti_aliasing=True, channel_axis=-1)
    return np.clip(small * 255, 0, 255).round().astype(np.uint8), f


def to_gray01(photo: Any) -> np.ndarray:
    """RGB uint8 (H, W, 3) or gray -> grayscale (H, W) floats in [0, 1]."""
    from skimage.color import rgb2gray

    img = _as_rgb(photo)
    return rgb2gray(img).astype(np.float64)


# --- models --------------------------------------------------------------------------------------------

@dataclass
class FaceModels:
    """The app's two networks and what was measured when they were trained.

    Attributes: classifier (25 x 25 face / non-face CNN), detector (its ``fc_to_conv`` copy), encoder
    (triplet-loss encoder, 25 x 25 x 1 -> 32-d unit vectors), threshold (1:1 verification distance chosen on
    dev pairs with ``choose_threshold``), info (accuracies, AUC, timings, whether the weights came from the
    cache), recognition_threshold (1:K open-set recognition, chosen on dev people with
    ``choose_recognition_threshold``: stricter, since the nearest of K enrollments is closer by chance),
    detector_threshold (the face score threshold calibrated on face-free dev images,
    ``utils.face_detector.calibrate_threshold``).
    """

    classifier: Any
    detector: Any
    encoder: Any
    threshold: float
    info: dict = field(default_factory=dict)
    recognition_threshold: float = float("nan")
    version: str = MODEL_VERSION
    detector_threshold: float = 0.5


def model_dir(version: str = MODEL_VERSION) -> Path:
    """Where the app's trained weights live: ``utils.data.cache_dir() / "faceapp" / version``."""
    from utils.data import cache_dir

    path = cache_dir() / "faceapp" / version
    path.mkdir(parents=True, exist_ok=True)
    return path


def identity_split(seed: int = 0):
    """The offline identity set (10 augmented views of each of the 100 ``lfw_subset`` faces) split by person:
    60 % train the encoder, 20 % (dev) choose the threshold, 20 % (test) are the app's new people.
    Returns: (data, train_mask, dev_mask, test_mask)."""
    from utils.face_verification import load_offline_identities, split_identities

    data = load_offline_identities(n_views=10, seed=seed)
    masks = split_identities(data.labels, (0.6, 0.2, 0.2), seed=seed)
    return (data, *masks)


def _save_weights_atomically(model: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".weights.h5")
    os.close(fd)
    try:
        model.save_weights(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _train_encoder(encoder_rounds: int, seed: int) -> tuple[Any, dict]:
    from utils.face_verification import (auc, choose_threshold, encode, make_pairs, pair_distances, roc_curve,
                                         train_encoder)

    info: dict = {}
    data, train, dev, _ = identity_split(seed)
    res = train_encoder(data.images[train], data.labels[train], rounds=encoder_rounds, strategy="semi-hard",
                        triplets_per_round=1500, batch_size=64, seed=seed)
    info["encoder_seconds"] = res.seconds
    pairs, same = make_pairs(data.labels[dev], 600, seed=1)
    d = pair_distances(encode(data.images[dev], res.encoder), pairs)
    info["threshold"] = choose_threshold(d, same)
    info["dev_auc"] = auc(*roc_curve(d, same)[:2])
    return res.encoder, info


def open_set_split(images: Any, labels: Any, encoder: Any, n_enrolled: int | None = None,
                   n_enroll_views: int = 2) -> tuple[FaceDatabase, np.ndarray, np.ndarray, np.ndarray]:
    """An open-set recognition trial: the first half of the people (or ``n_enrolled``) enroll ``n_enroll_views``
    views each; every other view of every person is a probe, whose truth is the name or "unknown".

    Inputs: images (m, 25, 25), labels (m,) identities, encoder. Returns: (db, probe_encodings (p, d),
    truth (p,) names, probe_images (p, 25, 25)).
    """
    from utils.face_verification import encode

    y = np.asarray(labels).reshape(-1)
    people = np.unique(y)
    n_enrolled = len(people) // 2 if n_enrolled is None else int(n_enrolled)
    E = encode(np.asarray(images, np.float32), encoder)
    db = FaceDatabase(dim=E.shape[1])
    probes, truth, imgs = [], [], []
    for k, person in enumerate(people):
        views = np.flatnonzero(y == person)
        name = f"person {person}"
        if k < n_enrolled:
            for v in views[:n_enroll_views]:
                db.enroll(name, E[v], images[v])
        rest = views[n_enroll_views:]
        probes.append(E[rest])
        imgs.append(np.asarray(images)[rest])
        truth += [name if k < n_enrolled else UNKNOWN] * len(rest)
    return db, np.concatenate(probes), np.array(truth), np.concatenate(imgs)


def open_set_rates(db: FaceDatabase, probes: Any, truth: Any, thresholds: Any) -> tuple[np.ndarray, np.ndarray]:
    """How well the app names enrolled people and turns strangers away, at each threshold.

    A probe is **accepted** at threshold t when its nearest enrollment is closer than t (distance < t, as in
    ``FaceDatabase.recognize``); it is then named after that enrollment, else called "unknown".
    Inputs:
    - db: the FaceDatabase; ``db.distances(e)`` gives the distances (n,) from an encoding e (d,) to its n
      enrollments, ``db.names`` their n names.
    - probes: (p, d) encodings; truth: (p,) each probe's true name, or "unknown" (UNKNOWN) for a stranger.
    - thresholds: (t,) distances to try.
    Returns: (known_rate (t,), unknown_rate (t,)): the fraction of enrolled people's probes accepted AND named
    correctly, and the fraction of strangers' probes called "unknown" (1.0 when there are no such probes).
    """
    truth = np.asarray(truth)
    P = as_array(probes, "probes", ndim=2)
    t = as_array(thresholds, "thresholds").reshape(-1)
    known = truth != UNKNOWN                             # (p,) True for the probes of enrolled people
    ### BEGIN SOLUTION
    D = np.stack([db.distances(e) for e in P])           # (p, n): every probe to every enrollment
    nearest = np.array(db.names)[np.argmin(D, axis=1)]   # (p,) the name of each probe's nearest enrollment
    d_min = D.min(axis=1)                                # (p,) and its distance
    accept = d_min[None, :] < t[:, None]                 # (t, p): named (not "unknown") at each threshold
    named_right = accept & (nearest == truth)[None, :]
    known_rate = named_right[:, known].mean(axis=1) if known.any() else np.ones(t.size)
    unknown_rate = (~accept)[:, ~known].mean(axis=1) if (~known).any() else np.ones(t.size)
    ### END SOLUTION
    return known_rate, unknown_rate


def choose_recognition_threshold(db: FaceDatabase, probes: Any, truth: Any) -> float:
    """The recognition threshold: of the candidates ``np.linspace(0.05, 2.0, 196)``, the one that maximizes the
    mean of ``open_set_rates``' two rates (balanced open-set accuracy); the smallest such one on a tie.

    Inputs: db, probes (p, d), truth (p,) as for ``open_set_rates``. Returns: the threshold, a float.
    """
    candidates = np.linspace(0.05, 2.0, 196)
    ### BEGIN SOLUTION
    known_rate, unknown_rate = open_set_rates(db, probes, truth, candidates)
    balanced = (known_rate + unknown_rate) / 2
    best = candidates[np.argmax(balanced)]               # argmax: the first (smallest) best candidate
    ### END SOLUTION
    return float(best)


def _encoder_key(encoder_rounds: int, seed: int) -> str:
    return f"enc{encoder_rounds}-seed{seed}"


def encoder_cached(version: str = MODEL_VERSION, encoder_rounds: int = 8, seed: int = 0) -> bool:
    """Whether ``load_models`` will load the encoder from its cache (True) or train it first (False)."""
    return (model_dir(version) / _encoder_key(encoder_rounds, seed) / "meta.json").exists()


@functools.lru_cache(maxsize=4)
def load_models(version: str = MODEL_VERSION, encoder_rounds: int = 8, seed: int = 0,
                use_cache: bool = True) -> FaceModels:
    """The app's detector and encoder: trained once, then loaded from their caches.

    Inputs: version (the encoder's cache key; change it, or the settings, to retrain; the detector has its own,
    ``utils.face_detector.DETECTOR_VERSION``); encoder_rounds (the encoder's training budget); seed; use_cache
    (False: train and do not read or write the caches).
    Returns: FaceModels. The result is also kept for the session (lru_cache), so the app starts at once.
    """
    from utils.face_detector import load_face_detector
    from utils.face_verification import build_encoder

    det = load_face_detector(use_cache=use_cache)  # the ensemble of ENSEMBLE_SEEDS, whatever the encoder's seed
    key = _encoder_key(encoder_rounds, seed)
    folder = model_dir(version) / key if use_cache else None
    encoder = None
    if folder is not None and (folder / "meta.json").exists():
        try:
            info = json.loads((folder / "meta.json").read_text())
            encoder = build_encoder((FACE_SIZE, FACE_SIZE, 1))
            encoder.load_weights(folder / "encoder.weights.h5")
            info["from_cache"] = True
        except Exception:  # noqa: BLE001 - damaged cached weights: train again (they are a cache, not data)
            encoder = None
    if encoder is None:
        encoder, info = _train_encoder(encoder_rounds, seed)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            _save_weights_atomically(encoder, folder / "encoder.weights.h5")
            _write_atomically(folder / "meta.json", json.dumps(info, indent=1).encode())
        info["from_cache"] = False
    info["detector"] = det.info
    models = FaceModels(det.classifier, det.detector, encoder, float(info["threshold"]), info,
                        version=f"{version}/{key}", detector_threshold=det.threshold)
    return _with_recognition_threshold(models, seed)


def _with_recognition_threshold(models: FaceModels, seed: int) -> FaceModels:
    data, _, dev, _ = identity_split(seed)
    db, probes, truth, _ = open_set_split(data.images[dev], data.labels[dev], models.encoder)
    models.recognition_threshold = choose_recognition_threshold(db, probes, truth)
    models.info["recognition_threshold"] = models.recognition_threshold
    return models


# --- finding, cropping and encoding faces -----------------------------------------------------------------

@dataclass
class Face:
    """One detected face: box (x1, y1, x2, y2) in the photo's pixels, source ("cnn" or "cascade"), score
    (the CNN's face probability; NaN for the cascade), crop (25, 25) grayscale, encoding (d,)."""

    box: np.ndarray
    source: str
    score: float
    crop: np.ndarray
    encoding: np.ndarray

    @property
    def label(self) -> str:
        return f"CNN {self.score:.2f}" if self.source == "cnn" else "cascade"


def crop_face(gray: Any, box: Any, size: int = FACE_SIZE) -> np.ndarray:
    """Crop ``box`` (x1, y1, x2, y2) from a grayscale photo (H, W) and resize it to (size, size).

    Parts of the box outside the photo repeat the edge pixels. Returns: (size, size) floats in [0, 1].
    """
    from skimage.transform import resize

    from utils.detection import check_boxes

    g = as_array(gray, "gray", ndim=2)
    x1, y1, x2, y2 = check_boxes(box, "box", allow_empty=False)[0]
    if x2 - x1 < 1 or y2 - y1 < 1:
        raise ValueError(f"box {[x1, y1, x2, y2]} is smaller than one pixel")
    H, W = g.shape
    pad = int(np.ceil(max(0, -x1, -y1, x2 - W, y2 - H))) + 1
    p = np.pad(g, pad, mode="edge")
    r1, r2 = int(round(y1)) + pad, int(round(y2)) + pad
    c1, c2 = int(round(x1)) + pad, int(round(x2)) + pad
    return np.clip(resize(p[r1:max(r2, r1 + 1), c1:max(c2, c1 + 1)], (size, size), anti_aliasing=True), 0, 1)


def find_faces(photo: Any, models: FaceModels, max_faces: int = 3, threshold: float | None = None,
               use_cascade: bool = True) -> tuple[list[Face], list[Face]]:
    """Faces in a photo, by the workbook's CNN detector and by scikit-image's LBP cascade (the reference).

    Inputs: photo (H, W) or (H, W, 3); models from ``load_models``; max_faces and threshold for the CNN
    (``utils.face_detector.detect_faces``: every scale from 25-pixel faces to the whole photo, NMS at IoU 0.3;
    threshold None: the calibrated ``models.detector_threshold``); use_cascade.
    Returns: (cnn_faces, cascade_faces): lists of Face (each cropped to 25 x 25 and encoded), best first. Only
    the CNN's faces are the app's faces (recognized, enrolled); the cascade's are there to compare with.
    """
    from utils.detection import cascade_faces
    from utils.face_detector import detect_faces
    from utils.face_verification import encode

    threshold = models.detector_threshold if threshold is None else check_range(threshold, "threshold", 0, 1)
    img = _as_rgb(photo)
    gray = to_gray01(img)
    boxes, scores = detect_faces(gray, models.detector, threshold=threshold, iou_threshold=0.3, max_boxes=max_faces)
    side = min(gray.shape)
    ref = cascade_faces(img, min_size=max(24, side // 8), max_size=side) if use_cascade else np.zeros((0, 4))
    out = []
    for bxs, scs, source in ((boxes, scores, "cnn"), (ref, np.full(len(ref), np.nan), "cascade")):
        crops = np.stack([crop_face(gray, b) for b in bxs]) if len(bxs) else np.zeros((0, FACE_SIZE, FACE_SIZE))
        encs = encode(crops.astype(np.float32), models.encoder) if len(bxs) else np.zeros((0, 32))
        out.append([Face(np.asarray(b, float), source, float(s), c, e) for b, s, c, e in zip(bxs, scs, crops, encs)])
    return out[0], out[1]


def match_to_reference(faces: Sequence[Face], reference: Sequence[Face]) -> np.ndarray:
    """For each face, its best IoU with any reference face (0 when there is none).

    Inputs: faces (n Faces) and reference (k Faces, e.g. the cascade's); each Face's ``box`` is (4,) corners
    (x1, y1, x2, y2). ``iou_matrix(boxes1 (n, 4), boxes2 (k, 4))`` (Course 4, week 3) gives the (n, k) IoUs.
    Returns: best, shape (n,): for each face, the largest IoU with any reference face.
    """
    from utils.detection import iou_matrix

    if not faces or not reference:
        return np.zeros(len(faces))
    ### BEGIN SOLUTION
    boxes = np.stack([f.box for f in faces])             # (n, 4)
    reference_boxes = np.stack([f.box for f in reference])   # (k, 4)
    best = iou_matrix(boxes, reference_boxes).max(axis=1)    # (n,): the best reference for each face
    ### END SOLUTION
    return best


# --- the face database --------------------------------------------------------------------------------

@dataclass
class Recognition:
    """The answer for one face: name (the identity, or "unknown"), nearest (the closest enrolled name, even
    when unknown), distance to it, threshold, and the ranking of every enrolled name by distance."""

    name: str
    nearest: str
    distance: float
    threshold: float
    ranking: list[tuple[str, float]]

    @property
    def known(self) -> bool:
        return self.name != UNKNOWN

    def __str__(self) -> str:
        sign = "<" if self.known else ">="
        return f"{self.name} (nearest {self.nearest}, d = {self.distance:.3f} {sign} {self.threshold:.2f})"


class FaceDatabase:
    """Enrolled faces: several (encoding, 25 x 25 thumbnail) enrollments per name.

    Attributes: names (list of str, one per enrollment), encodings (n, d), faces (n, 25, 25) float32 in [0, 1],
    photos (list of str: the photo each enrollment came from, "" when not known), path (where ``save`` writes; None for an in-memory database), encoder_version (``FaceModels.version`` of the
    encoder that made the encodings; "" when not stamped yet: ``FaceApp`` stamps it).
    """

    def __init__(self, dim: int = 32, path: str | Path | None = None, encoder_version: str = ""):
        self.dim = int(dim)
        self.names: list[str] = []
        self.encodings = np.zeros((0, self.dim))
        self.faces = np.zeros((0, FACE_SIZE, FACE_SIZE), dtype=np.float32)
        self.photos: list[str] = []
        self.path = Path(path) if path is not None else None
        self.encoder_version = encoder_version

    def __len__(self) -> int:
        return len(self.names)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FaceDatabase) and self.names == other.names
                and np.array_equal(self.encodings, other.encodings) and np.array_equal(self.faces, other.faces)
                and self.encoder_version == other.encoder_version)

    def __repr__(self) -> str:
        return (f"FaceDatabase({len(self)} enrollments of {len(self.identities())} people"
                + (f", file {self.path}" if self.path else ", in memory") + ")")

    def identities(self) -> list[str]:
        """The enrolled names, in order of first enrollment."""
        return list(dict.fromkeys(self.names))

    def check_name(self, name: str) -> str:
        """The name stripped; ValueError when it is empty, "unknown" or longer than 60 characters."""
        name = str(name).strip()
        if not name:
            raise ValueError("the name is empty: type a name to enroll this face")
        if name.lower() == UNKNOWN:
            raise ValueError(f"{UNKNOWN!r} is the app's answer for strangers; choose another name")
        if len(name) > 60:
            raise ValueError(f"names are at most 60 characters, got {len(name)}")
        return name

    def _check_enrollment(self, name: str, encoding: Any, face: Any | None) -> tuple[str, np.ndarray, np.ndarray]:
        """(name, encoding (d,), face (25, 25) float32) checked for ``enroll``; ValueError with the reason."""
        name = self.check_name(name)
        e = as_array(encoding, "encoding").reshape(-1)
        if e.size != self.dim or not np.all(np.isfinite(e)):
            raise ValueError(f"encoding must have shape ({self.dim},) with finite values, got {np.shape(encoding)}")
        f = (np.zeros((FACE_SIZE, FACE_SIZE)) if face is None
             else as_array(face, "face", shape=(FACE_SIZE, FACE_SIZE)))
        return name, e, f.astype(np.float32)

    def enroll(self, name: str, encoding: Any, face: Any | None = None, photo: str = "") -> int:
        """Add one enrollment under ``name`` (a name may hold several). Returns the number of enrollments of that name.

        Inputs: name (non-empty, not "unknown"); encoding (d,); face: the (25, 25) crop it came from (kept
        as a thumbnail for the gallery; zeros when None); photo: the photo it came from (its name).
        """
        name, e, f = self._check_enrollment(name, encoding, face)
        self.names.append(name)
        self.photos.append(str(photo))
        self.encodings = np.vstack([self.encodings, e[None]])
        self.faces = np.concatenate([self.faces, f[None]])
        return self.names.count(name)

    def remove(self, name: str) -> int:
        """Forget every enrollment of ``name``. Returns how many were removed."""
        keep = [i for i, n in enumerate(self.names) if n != name]
        removed = len(self.names) - len(keep)
        self.names = [self.names[i] for i in keep]
        self.photos = [self.photos[i] for i in keep]
        self.encodings, self.faces = self.encodings[keep], self.faces[keep]
        return removed

    forget = remove

    def rename(self, old: str, new: str) -> int:
        """Rename person ``old`` to ``new`` (merged into ``new`` when that person exists). Returns the count moved."""
        old, new = str(old).strip(), self.check_name(new)
        if old not in self.names:
            raise KeyError(f"nobody is enrolled as {old!r}")
        moved = self.names.count(old) if old != new else 0
        self.names = [new if n == old else n for n in self.names]
        return moved

    def as_course_database(self) -> dict[str, np.ndarray]:
        """The course's ``database`` for ``verify`` / ``who_is_it``: name -> mean encoding, re-normalized."""
        db = {}
        for name in self.identities():
            e = self.encodings[[i for i, n in enumerate(self.names) if n == name]].mean(axis=0)
            db[name] = e / max(np.linalg.norm(e), 1e-12)
        return db

    def distances(self, encoding: Any) -> np.ndarray:
        """Distance from ``encoding`` (d,) to every enrollment. Returns (n,)."""
        e = as_array(encoding, "encoding").reshape(-1)
        if e.size != self.dim:
            raise ValueError(f"encoding must have shape ({self.dim},), got {np.shape(encoding)}")
        return np.linalg.norm(self.encodings - e[None], axis=1)

    def recognize(self, encoding: Any, threshold: float) -> Recognition:
        """Who is this? The enrolled name whose closest enrollment is nearest; "unknown" when that distance is
        not below ``threshold``. Raises ValueError when the database is empty."""
        check_range(threshold, "threshold", 0, None)
        if not self.names:
            raise ValueError("the face database is empty: enroll at least one face first")
        d = self.distances(encoding)
        best = {}
        for n, di in zip(self.names, d):
            best[n] = min(best.get(n, np.inf), float(di))
        ranking = sorted(best.items(), key=lambda kv: kv[1])
        nearest, dist = ranking[0]
        return Recognition(nearest if dist < threshold else UNKNOWN, nearest, dist, float(threshold), ranking)

    def most_similar(self, encoding: Any, k: int = 3) -> list[int]:
        """Indices of the ``k`` enrollments closest to ``encoding``, nearest first."""
        return np.argsort(self.distances(encoding), kind="stable")[:k].tolist()

    # --- files ---

    def save(self, path: str | Path | None = None) -> Path:
        """Write the database to ``path`` (or ``self.path``) as ``.npz``, atomically: a temporary file in the
        same folder, flushed to disk, then ``os.replace``; a crash never leaves a half-written file."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this database has no file: pass a path to save()")
        from utils.face_db import is_sqlite_path

        if is_sqlite_path(target):
            raise ValueError(f"{target} names an SQLite database: open it with FaceDatabase.open and enroll "
                             f"into it (utils.face_db), save() writes .npz files")
        target.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.savez_compressed(buf, format=np.array(DB_FORMAT), encoder_version=np.array(self.encoder_version),
                            names=np.array(self.names, dtype=str).reshape(-1), encodings=self.encodings,
                            photos=np.array(self.photos, dtype=str).reshape(-1),
                            faces=self.faces.astype(np.float32))
        _write_atomically(target, buf.getvalue())
        self.path = target
        return target

    @classmethod
    def load(cls, path: str | Path) -> FaceDatabase:
        """Read a database written by ``save`` (or, for a ``.sqlite`` / ``.db`` path, ``utils.face_db``'s file).
        Raises FileNotFoundError when missing and DatabaseError (with the reason) when the file is corrupted,
        truncated or not a face database; the file is not modified."""
        from utils.face_db import is_sqlite_path, open_database

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no face database at {path}")
        if is_sqlite_path(path):
            return open_database(path)
        hint = f"the file {path} was left untouched: move or delete it to start a new database"
        try:
            with np.load(path, allow_pickle=False) as z:
                fmt = str(z["format"])
                if fmt != DB_FORMAT:
                    raise DatabaseError(f"{path} is not a face database of format {DB_FORMAT!r} "
                                        f"(found {fmt!r}); {hint}")
                names = [str(n) for n in z["names"]]
                enc = np.asarray(z["encodings"], dtype=np.float64)
                faces = np.asarray(z["faces"], dtype=np.float32)
                version = str(z["encoder_version"])
                photos = [str(p) for p in z["photos"]] if "photos" in z else [""] * len(names)
        except DatabaseError:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, zlib.error) as exc:
            raise DatabaseError(f"the face database {path} is corrupted or truncated "
                                f"({type(exc).__name__}: {exc}); {hint}") from None
        n = len(names)
        if (enc.ndim != 2 or enc.shape[0] != n or faces.shape != (n, FACE_SIZE, FACE_SIZE)
                or not np.all(np.isfinite(enc))):
            raise DatabaseError(f"the face database {path} is inconsistent ({n} names, encodings {enc.shape}, "
                                f"faces {faces.shape}); {hint}")
        db = cls(dim=enc.shape[1] if enc.shape[1] else 32, path=path, encoder_version=version)
        if len(photos) != n:
            raise DatabaseError(f"the face database {path} is inconsistent ({n} names, {len(photos)} photos); {hint}")
        db.names, db.encodings, db.faces, db.photos = names, enc, faces, photos
        return db

    @classmethod
    def open(cls, path: str | Path, dim: int = 32) -> FaceDatabase:
        """The database saved at ``path``, or a new empty one that will be saved there. A damaged file raises
        DatabaseError: it is never silently replaced. A ``.sqlite`` / ``.db`` path opens (or creates, or
        migrates from the ``.npz`` beside it) an SQLite database, ``utils.face_db.open_database``: every change
        is then written to the file at once, safely shared with other processes."""
        from utils.face_db import is_sqlite_path, open_database

        path = Path(path)
        if is_sqlite_path(path):
            return open_database(path, dim)
        if path.exists():
            return cls.load(path)
        return cls(dim=dim, path=path)



def _write_atomically(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


#: The environment variable that points the app (``make faceapp DB=...``) and the command line at another database.
DB_ENV = "FACEAPP_DB"


def default_database_path() -> Path:
    """Where the app keeps its database between runs: ``$FACEAPP_DB`` when set, else
    ``utils.data.cache_dir() / "faceapp" / "faces.sqlite"`` (an SQLite file, ``utils.face_db``; the ``faces.npz``
    of earlier versions is migrated on the first open and kept as the backup)."""
    from utils.data import cache_dir

    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    return cache_dir() / "faceapp" / "faces.sqlite"


# --- drawing and effects ---------------------------------------------------------------------------------

def draw_detections(ax: Any, photo: Any, cnn: Sequence[Face], cascade: Sequence[Face],
                    recognitions: Sequence[Recognition | None] | None = None, title: str = "") -> Any:
    """The photo with the CNN's boxes (lime: recognized, orange: unknown, yellow: not recognized yet) and the cascade's
    (dashed blue), each CNN box labelled with its number and, when given, the recognized name and distance."""
    from utils.detection import draw_boxes

    ax.imshow(_as_rgb(photo))
    ax.grid(False)
    if cascade:
        draw_boxes(ax, np.stack([f.box for f in cascade]), ["cascade"] * len(cascade), color="deepskyblue",
                   linewidth=1.0, fontsize=6)
        for p in ax.patches[-len(cascade):]:
            p.set_linestyle("--")
    if cnn:
        recs = list(recognitions) if recognitions is not None else [None] * len(cnn)
        labels = [f"#{i + 1} " + (f"{r.name} {r.distance:.2f}" if r is not None else f.label)
                  for i, (f, r) in enumerate(zip(cnn, recs))]
        colors = ["yellow" if r is None else "lime" if r.known else "orange" for r in recs]
        draw_boxes(ax, np.stack([f.box for f in cnn]), labels, color=colors, linewidth=2.0)
    ax.set(title=title or "CNN boxes (solid), LBP cascade (dashed)", xlabel="x (pixels)", ylabel="y (pixels)")
    return ax


def gallery_mosaic(faces: Sequence[Face], db: FaceDatabase, threshold: float, k: int = 3, gap: int = 14
                   ) -> tuple[np.ndarray, list[tuple[float, float, str, bool]]]:
    """The gallery as one RGB image: a row per face, its crop then its ``k`` most similar enrollments, with a
    green frame around those below ``threshold``.

    Returns: mosaic (rows * (25 + gap), (k + 1) * (25 + gap), 3) floats in [0, 1], and the captions
    (x, y, text, below_threshold) to write above the tiles, in the mosaic's pixels.
    """
    rows = max(1, len(faces))
    step = FACE_SIZE + gap
    top = gap - 3  # captions sit above the tiles' frames
    mosaic = np.ones((rows * step, (k + 1) * step, 3))
    captions: list[tuple[float, float, str, bool]] = []

    def put(r: int, c: int, tile: np.ndarray, frame: str | None = None) -> None:
        y, x = r * step + gap, c * step + gap // 2
        mosaic[y:y + FACE_SIZE, x:x + FACE_SIZE] = np.asarray(tile)[..., None]
        if frame is not None:
            color = np.array([0.0, 0.6, 0.0])
            mosaic[y - 2:y, x - 2:x + FACE_SIZE + 2] = color
            mosaic[y + FACE_SIZE:y + FACE_SIZE + 2, x - 2:x + FACE_SIZE + 2] = color
            mosaic[y - 2:y + FACE_SIZE + 2, x - 2:x] = color
            mosaic[y - 2:y + FACE_SIZE + 2, x + FACE_SIZE:x + FACE_SIZE + 2] = color

    if not faces:
        captions.append((gap / 2, top, "no face found", False))
    for r, f in enumerate(faces):
        put(r, 0, f.crop)
        captions.append((gap / 2, r * step + top, f"face #{r + 1}", False))
        if not len(db):
            captions.append((step + gap / 2, r * step + top, "database empty", False))
            continue
        for c, j in enumerate(db.most_similar(f.encoding, k), start=1):
            d = float(np.linalg.norm(db.encodings[j] - f.encoding))
            ok = d < threshold
            put(r, c, db.faces[j], "green" if ok else None)
            captions.append((c * step + gap / 2, r * step + top, f"{db.names[j][:10]} {d:.2f}", ok))
    return mosaic, captions


def draw_gallery(ax: Any, faces: Sequence[Face], db: FaceDatabase, threshold: float, k: int = 3) -> Any:
    """The "who do I look like" gallery on one axes: each face's 25 x 25 crop beside its ``k`` most similar
    enrollments, captioned with name and distance, framed and captioned in green when below the threshold.
    (One image rather than a grid of axes, so a slider redraws it fast.) Returns ax."""
    mosaic, captions = gallery_mosaic(faces, db, threshold, k)
    ax.imshow(mosaic, interpolation="nearest")
    ax.grid(False)
    for x, y, text, ok in captions:
        ax.text(x, y, text, fontsize=6, va="bottom", color="green" if ok else "dimgray",
                fontweight="bold" if ok else "normal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set(title=f"nearest enrollments (green: d < {threshold:.2f})", xlabel=f"face, then its {k} most similar",
           ylabel="one row per CNN face")
    return ax


def face_swap(photo: Any, faces: Sequence[Face], db: FaceDatabase, feather: float = 0.25,
              exclude: Sequence[str] = (), min_distance: float = 1e-3) -> np.ndarray:
    """Replace each face by its most similar enrolled face (its thumbnail, resized into the box, matched to the
    face's brightness and contrast, blended with a soft oval).

    Inputs: photo (H, W[, 3]); faces (from ``find_faces``); db; feather (width of the oval's soft edge, as a
    fraction of the box); exclude: names never used (e.g. the person themself, to see their look-alike);
    min_distance: enrollments closer than this (the very same crop) are skipped.
    Returns: a new RGB uint8 photo (the input when no enrollment qualifies).
    """
    from skimage.transform import resize

    img = _as_rgb(photo).astype(np.float64) / 255
    if not len(db):
        return _as_rgb(photo).copy()
    H, W = img.shape[:2]
    allowed = np.array([n not in set(exclude) for n in db.names])
    for f in faces:
        d = db.distances(f.encoding)
        d = np.where(allowed & (d >= min_distance), d, np.inf)
        if not np.isfinite(d).any():
            continue
        j = int(np.argmin(d))
        x1, y1, x2, y2 = (int(round(v)) for v in f.box)
        x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(x2, W), min(y2, H)
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        region = img[y1:y2, x1:x2]
        lum = region.mean(axis=2)
        new = resize(db.faces[j].astype(np.float64), lum.shape, anti_aliasing=True)
        new = (new - new.mean()) / max(new.std(), 1e-6) * lum.std() + lum.mean()
        yy, xx = np.mgrid[0:lum.shape[0], 0:lum.shape[1]]
        r = np.hypot((yy + 0.5) / lum.shape[0] * 2 - 1, (xx + 0.5) / lum.shape[1] * 2 - 1)
        mask = np.clip((1 - r) / max(feather, 1e-6), 0, 1)[..., None]
        ratio = np.clip(new / np.maximum(lum, 1e-3), 0, 4)[..., None]  # keep the skin's colour, swap the shading
        img[y1:y2, x1:x2] = np.clip(region * (1 - mask) + np.clip(region * ratio, 0, 1) * mask, 0, 1)
    return (img * 255).round().astype(np.uint8)


# --- the app's state --------------------------------------------------------------------------------------

@dataclass
class Analysis:
    """One photo through the pipeline: the photo (RGB uint8, shrunk to ``WORK_SIDE``), its source name, the CNN
    faces and the cascade faces."""

    photo: np.ndarray
    source: str
    cnn: list[Face]
    cascade: list[Face]
    key: str = ""

    @property
    def faces(self) -> list[Face]:
        """The faces the app works with: the CNN's (the workbook's own detector)."""
        return self.cnn


class FaceApp:
    """The app's state: models, database, and a cache of analysed photos (so moving a slider is instant).

    Inputs: models (``load_models()``), db (a FaceDatabase; its file is written after every enrollment).
    """

    def __init__(self, models: FaceModels, db: FaceDatabase, max_faces: int = 3,
                 detector_threshold: float | None = None):
        self.models = models
        self.db = db
        self.max_faces = max_faces
        self.detector_threshold = detector_threshold
        self._cache: dict[str, Analysis] = {}
        self._swap_key: tuple | None = None
        self._swap: np.ndarray | None = None
        self.save_error: str | None = None
        self.notice = ""
        if not db.encoder_version:
            db.encoder_version = models.version  # not stamped: the caller encoded with these models
        elif db.encoder_version != models.version:
            self.notice = self.reencode()

    def reencode(self) -> str:
        """Re-encode every enrollment from its stored 25 x 25 face with the current encoder (after the models
        changed: encodings of two encoders cannot be compared) and save. Returns a message."""
        from utils.face_verification import encode

        old = self.db.encoder_version
        self.db.encoder_version = self.models.version
        if not len(self.db):
            return ""
        self.db.encodings = encode(self.db.faces.astype(np.float32), self.models.encoder)
        self.db.dim = self.db.encodings.shape[1]
        if self.db.path is not None and self.save_error is None:
            self.db.save()
        return f"the database's {len(self.db)} enrollments were re-encoded for the current encoder (was {old!r})"

    def analyze(self, photo: Any, key: str, source: str = "") -> Analysis:
        """Run the pipeline on a photo (cached under ``key``)."""
        if key not in self._cache:
            img, _ = work_copy(photo)
            cnn, ref = find_faces(img, self.models, self.max_faces, self.detector_threshold)
            self._cache[key] = Analysis(img, source or key, cnn, ref, key)
        return self._cache[key]

    def swapped(self, analysis: Analysis) -> np.ndarray:
        """``face_swap`` of an analysed photo with the current database (cached until the database changes)."""
        key = (analysis.key, len(self.db), tuple(self.db.names[-1:]))
        if self._swap_key != key:
            self._swap_key, self._swap = key, face_swap(analysis.photo, analysis.faces, self.db)
        return self._swap

    def analyze_offline(self, name: str) -> Analysis:
        """An offline photo (``utils.data.PHOTOS``) through the pipeline."""
        return self.analyze(load_offline_photo(name), f"photo:{name}", name)

    def analyze_upload(self, data: bytes, filename: str = "upload") -> Analysis:
        """Uploaded bytes through the pipeline (JPEG/PNG only, see ``read_upload``)."""
        import hashlib

        key = "upload:" + hashlib.sha1(bytes(data)).hexdigest()
        if key not in self._cache:
            return self.analyze(read_upload(data), key, filename)
        return self._cache[key]

    def recognize(self, analysis: Analysis, threshold: float) -> list[Recognition | None]:
        """One Recognition per CNN face (None for each when the database is empty)."""
        if not len(self.db):
            return [None] * len(analysis.faces)
        return [self.db.recognize(f.encoding, threshold) for f in analysis.faces]

    def enroll(self, name: str, analysis: Analysis, face_number: int) -> str:
        """Enroll CNN face ``face_number`` (1-based) of an analysed photo under ``name`` and save the database.
        Returns a message for the learner."""
        if not analysis.faces:
            raise PhotoError(f"no face was found in {analysis.source}: nothing to enroll")
        if not 1 <= int(face_number) <= len(analysis.faces):
            raise ValueError(f"face number must be between 1 and {len(analysis.faces)}, got {face_number}")
        f = analysis.faces[int(face_number) - 1]
        count = self.db.enroll(name, f.encoding, f.crop, photo=analysis.source)
        where = "kept in memory only (the database file could not be used)"
        if self.db.path is not None and self.save_error is None:
            self.db.encoder_version = self.models.version
            self.db.save()
            where = f"saved to {self.db.path}"
        return f"enrolled face #{face_number} of {analysis.source} as {name.strip()!r} ({count} enrollment(s)); {where}"


def open_app_database(path: str | Path | None = None) -> tuple[FaceDatabase, str | None]:
    """The app's database at ``path`` (default ``default_database_path()``), and an error message or None.

    A corrupted file is reported (the message) and left untouched; the app then works with an in-memory
    database that is not saved.
    """
    path = Path(path) if path is not None else default_database_path()
    try:
        return FaceDatabase.open(path), None
    except DatabaseError as exc:
        return FaceDatabase(path=None), str(exc)


def summarize(analysis: Analysis, recognitions: Sequence[Recognition | None], threshold: float) -> str:
    """A text line per face for the app (the face number, CNN score, IoU with the cascade, decision)."""
    if not analysis.faces:
        return (f"{analysis.source}: no face found by the CNN"
                + (f" (the cascade found {len(analysis.cascade)})" if analysis.cascade else " nor by the cascade")
                + ". Try a photo with a frontal face at least 25 pixels wide.")
    ious = match_to_reference(analysis.faces, analysis.cascade)
    lines = [f"{analysis.source}: {len(analysis.faces)} CNN face(s), {len(analysis.cascade)} cascade face(s); "
             f"threshold {threshold:.2f}"]
    for i, (f, r, o) in enumerate(zip(analysis.faces, recognitions, ious)):
        who = str(r) if r is not None else "database empty: enroll someone"
        lines.append(f"  #{i + 1}: CNN score {f.score:.2f}, IoU with cascade {o:.2f} -> {who}")
    return "\n".join(lines)
