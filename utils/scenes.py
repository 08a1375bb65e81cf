"""Generated detection scenes: several shapes of three classes on real-photo backgrounds, seeded.

``make_scenes(n, seed=...)`` draws ``n`` RGB images, each holding ``min_objects``..``max_objects`` objects
(a filled disc, square or triangle of a random colour, size and aspect ratio, with a dark outline) on a
random crop of one of the workbook's photographs (``utils.data.load_photo``). Ground-truth boxes are
pixel corners (x1, y1, x2, y2); divide by ``size`` for the relative units of ``utils.detection``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from utils.validation import check_positive_int, check_range

CLASS_NAMES = ("disc", "square", "triangle")
#: Colour photos used as backgrounds (the camera man is grayscale and gets stacked to RGB).
BACKGROUNDS = ("astronaut", "chelsea", "coffee", "china", "flower", "camera")


@dataclass
class Scenes:
    """A batch of generated scenes.

    - images: (m, size, size, 3) float32 in [0, 1].
    - boxes: list of m arrays (k_i, 4), pixel corners (x1, y1, x2, y2).
    - classes: list of m int arrays (k_i,) indexing ``class_names``.
    """

    images: np.ndarray
    boxes: list[np.ndarray]
    classes: list[np.ndarray]
    class_names: tuple[str, ...] = field(default=CLASS_NAMES)

    def __len__(self) -> int:
        return self.images.shape[0]

    def relative_boxes(self) -> list[np.ndarray]:
        """The boxes in relative units (the image spans [0, 1])."""
        size = self.images.shape[1]
        return [b / size for b in self.boxes]


@lru_cache(maxsize=None)
def _background_photos(target: int = 160) -> tuple[np.ndarray, ...]:
    """Each background photo downscaled so its short side is about ``target`` pixels, float32 RGB in [0, 1]."""
    from skimage.transform import rescale

    from utils.data import load_photo

    photos = []
    for name in BACKGROUNDS:
        img = load_photo(name).astype(np.float32) / 255.0
        if img.ndim == 2:
            img = np.stack([img] * 3, axis=-1)
        scale = target / min(img.shape[:2])
        photos.append(rescale(img, scale, channel_axis=-1, anti_aliasing=True).astype(np.float32))
    return tuple(photos)


def _shape_mask(cls: int, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean (h, w) mask of a disc (ellipse), square (rectangle) or triangle filling its box."""
    from skimage.draw import ellipse, polygon

    mask = np.zeros((h, w), dtype=bool)
    if cls == 0:
        rr, cc = ellipse((h - 1) / 2, (w - 1) / 2, h / 2, w / 2, shape=(h, w))
        mask[rr, cc] = True
    elif cls == 1:
        mask[:] = True
    else:
        apex = rng.uniform(0.2, 0.8) * (w - 1)
        rr, cc = polygon([0, h - 1, h - 1], [apex, 0, w - 1], shape=(h, w))
        mask[rr, cc] = True
    return mask


def make_scenes(n: int, size: int = 64, min_objects: int = 2, max_objects: int = 4, min_size: int = 10,
                max_size: int = 28, max_overlap: float = 0.1, backgrounds: bool = True, seed: int = 0) -> Scenes:
    """Generate ``n`` seeded detection scenes.

    Inputs:
    - n: number of images; size: their side in pixels.
    - min_objects, max_objects: objects per image (drawn uniformly); each of a random class among
      ``CLASS_NAMES``, a random side in [min_size, max_size] and aspect ratio in [0.7, 1.4].
    - max_overlap: largest IoU allowed between two objects of an image (placements are redrawn).
    - backgrounds: real-photo crops when True, flat grey noise otherwise.
    Returns: ``Scenes`` (images (n, size, size, 3) float32, pixel boxes, classes).
    """
    from utils.detection import iou_matrix

    n = check_positive_int(n, "n")
    size = check_positive_int(size, "size")
    min_objects = check_positive_int(min_objects, "min_objects")
    max_objects = check_positive_int(max_objects, "max_objects")
    min_size = check_positive_int(min_size, "min_size")
    max_size = check_positive_int(max_size, "max_size")
    check_range(max_overlap, "max_overlap", 0, 1)
    if min_objects > max_objects:
        raise ValueError(f"min_objects ({min_objects}) must be <= max_objects ({max_objects})")
    if min_size > max_size or max_size * 1.2 > size:
        raise ValueError(f"need min_size <= max_size and objects that fit: max_size * 1.2 <= size, "
                         f"got min_size={min_size}, max_size={max_size}, size={size}")
    rng = np.random.default_rng(seed)
    photos = _background_photos() if backgrounds else ()
    images = np.empty((n, size, size, 3), dtype=np.float32)
    all_boxes, all_classes = [], []
    for i in range(n):
        if backgrounds:
            photo = photos[rng.integers(len(photos))]
            top = rng.integers(0, photo.shape[0] - size + 1)
            left = rng.integers(0, photo.shape[1] - size + 1)
            img = photo[top:top + size, left:left + size].copy()
            if rng.random() < 0.5:
                img = img[:, ::-1]
            img = 0.25 + 0.5 * img  # lower the background's contrast a little so objects stand out
        else:
            img = np.full((size, size, 3), 0.5, dtype=np.float32) + rng.normal(0, 0.05, (size, size, 3))
        boxes: list[list[float]] = []
        classes: list[int] = []
        for _ in range(int(rng.integers(min_objects, max_objects + 1))):
            for _attempt in range(30):
                side = rng.uniform(min_size, max_size)
                aspect = rng.uniform(0.7, 1.4)
                w = int(np.clip(round(side * np.sqrt(aspect)), 4, size - 1))
                h = int(np.clip(round(side / np.sqrt(aspect)), 4, size - 1))
                x1 = int(rng.integers(0, size - w + 1))
                y1 = int(rng.integers(0, size - h + 1))
                box = [x1, y1, x1 + w, y1 + h]
                if not boxes or iou_matrix(np.array([box], float), np.array(boxes, float)).max() <= max_overlap:
                    break
            else:
                continue  # no free place for this object
            cls = int(rng.integers(len(CLASS_NAMES)))
            mask = _shape_mask(cls, w, h, rng)
            colour = rng.uniform(0.0, 1.0, 3).astype(np.float32)
            colour[rng.integers(3)] = rng.choice([0.05, 0.95])  # saturated, so it stands out
            region = img[y1:y1 + h, x1:x1 + w]
            edge = mask & ~_erode(mask)
            region[mask] = colour
            region[edge] = 0.05
            boxes.append(box)
            classes.append(cls)
        images[i] = np.clip(img, 0, 1)
        all_boxes.append(np.array(boxes, dtype=np.float64).reshape(-1, 4))
        all_classes.append(np.array(classes, dtype=np.int64))
    return Scenes(images, all_boxes, all_classes)


def _erode(mask: np.ndarray) -> np.ndarray:
    """Binary erosion by one pixel (4-neighbourhood), so the outline is the mask minus its erosion."""
    m = np.pad(mask, 1)
    return m[1:-1, 1:-1] & m[:-2, 1:-1] & m[2:, 1:-1] & m[1:-1, :-2] & m[1:-1, 2:]
