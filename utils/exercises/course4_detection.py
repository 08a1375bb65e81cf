"""Course 4, weeks 3 and 4 exercises: localization, sliding windows, YOLO's pieces (IoU, corners, score
filtering, non-max suppression, labels) and face verification (triplet loss, distance, verify, who_is_it).

Boxes are corners (x1, y1, x2, y2); encodings are (d,) vectors. Each mistake is a small wrong
implementation; the checker names it when it reproduces a learner's result. Frameworks (TensorFlow for the
triplet loss) and ``utils`` modules are imported inside functions only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.exercises.core import Case, Exercise, Mistake

W31 = "course4_cnn/w3_1_localization_sliding_windows.ipynb"
W32 = "course4_cnn/w3_2_yolo.ipynb"
W41 = "course4_cnn/w4_1_face_verification.ipynb"

NAN = np.nan


# ============================================================================ week 3: localization
# ------------------------------------------------------------------------------------ localization_loss
def _label(box: tuple[float, float, float, float] | None, cls: int | None, n_classes: int) -> np.ndarray:
    """The lecture's label (p_c, b_x, b_y, b_h, b_w, c...), NaN for "don't care" (as localization_label)."""
    y = np.full(5 + n_classes, NAN)
    y[0] = 0.0
    if box is not None:
        x1, y1, x2, y2 = box
        y[:5] = (1.0, (x1 + x2) / 2, (y1 + y2) / 2, y2 - y1, x2 - x1)
        y[5:] = 0.0
        y[5 + cls] = 1.0
    return y


def _localization_loss_cases(rng: np.random.Generator) -> list[Case]:
    y_hat = np.array([0.8, 0.5, 0.5, 0.3, 0.3, 0.1, 0.8, 0.1])
    fixed_y = np.stack([_label((0.2, 0.3, 0.6, 0.7), 1, 3), _label(None, None, 3)])
    m, C = 6, 2
    has = np.array([1, 0, 1, 1, 0, 0], dtype=bool)
    labels = []
    for k in range(m):
        x1, y1 = rng.uniform(0, 0.5, 2)
        w, h = rng.uniform(0.1, 0.5, 2)
        labels.append(_label((x1, y1, x1 + w, y1 + h), int(rng.integers(C)), C) if has[k] else _label(None, None, C))
    return [
        Case((np.stack([y_hat, y_hat]), fixed_y), label="fixed: the notebook's y_hat against an object and a background"),
        Case((rng.uniform(0, 1, (m, 5 + C)), np.stack(labels)), label="random: 6 examples, 2 classes"),
        Case((rng.uniform(0, 1, (1, 7)), _label(None, None, 2)[None]), label="edge: m = 1, background only"),
        Case((rng.uniform(0, 1, (2, 6)), np.stack([_label((0.1, 0.1, 0.4, 0.9), 0, 1)] * 2)),
             label="edge: objects only, C = 1"),
    ]


def _loc_sum_all(y_hat, y):
    return np.sum((np.asarray(y_hat) - np.asarray(y)) ** 2, axis=1)


def _loc_nan_as_zero(y_hat, y):
    return np.sum((np.asarray(y_hat) - np.nan_to_num(np.asarray(y))) ** 2, axis=1)


def _loc_pc_only(y_hat, y):
    return (np.asarray(y_hat)[:, 0] - np.asarray(y)[:, 0]) ** 2


def _loc_mean(y_hat, y):
    sq = (np.asarray(y_hat) - np.asarray(y)) ** 2
    return np.where(np.asarray(y)[:, 0] == 1, np.mean(sq, axis=1), sq[:, 0])


# -------------------------------------------------------------------------------------- sliding_windows
def _sliding_windows_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case((np.arange(64.0).reshape(8, 8), 4, 2), label="fixed: 8 x 8 image, window 4, stride 2 (3 x 3 windows)"),
        Case((rng.uniform(0, 1, (9, 11, 2)), 5, 2), label="random: 9 x 11 x 2 image, window 5, stride 2"),
        Case((rng.uniform(0, 1, (7, 7)), 2, 3), label="edge: stride larger than the window"),
        Case((rng.uniform(0, 1, (5, 6, 3)), 5, 1), label="edge: the window is as tall as the image"),
    ]


def _windows(image, window, stride, stop_extra=1, step=None, swap=False):
    img = np.asarray(image)
    H, W = img.shape[:2]
    crops, positions = [], []
    for top in range(0, H - window + stop_extra, step or stride):
        for left in range(0, W - window + stop_extra, step or stride):
            crops.append(img[top:top + window, left:left + window])
            positions.append((left, top) if swap else (top, left))
    return np.stack(crops), np.array(positions, dtype=np.int64)


def _sw_off_by_one(image, window, stride):
    return _windows(image, window, stride, stop_extra=0)


def _sw_no_stride(image, window, stride):
    return _windows(image, window, stride, step=1)


def _sw_xy(image, window, stride):
    return _windows(image, window, stride, swap=True)


# ============================================================================ week 3: YOLO
# ------------------------------------------------------------------------------------------------- iou
def _iou_cases(rng: np.random.Generator) -> list[Case]:
    x1, y1 = rng.uniform(0, 1, 2)
    a = (x1, y1, x1 + rng.uniform(0.5, 1), y1 + rng.uniform(0.5, 1))
    b = (x1 + 0.2, y1 + 0.3, x1 + 0.2 + rng.uniform(0.5, 1), y1 + 0.3 + rng.uniform(0.5, 1))
    return [
        Case(((2, 1, 4, 3), (1, 2, 3, 4)), label="fixed: the course's example, IoU 1/7"),
        Case(((0, 0, 2, 2), (3, 0, 5, 2)), label="edge: disjoint along x only"),
        Case(((1, 2, 3, 4), (5, 6, 7, 8)), label="edge: disjoint along x and y (the course's 'no overlap')"),
        Case(((1, 1, 2, 2), (2, 2, 3, 3)), label="edge: touching at a corner"),
        Case(((0, 0, 4, 4), (1, 1, 3, 3)), label="edge: one box inside the other"),
        Case((np.array(a), np.array(b)), label="random: two overlapping boxes"),
    ]


def _iou_parts(box1, box2, minmax=(max, min)):
    hi, lo = minmax
    (a1, b1, a2, b2), (c1, d1, c2, d2) = (np.asarray(box1, dtype=float), np.asarray(box2, dtype=float))
    w, h = lo(a2, c2) - hi(a1, c1), lo(b2, d2) - hi(b1, d1)
    return w, h, (a2 - a1) * (b2 - b1), (c2 - c1) * (d2 - d1)


def _iou_no_subtract(box1, box2):
    w, h, area1, area2 = _iou_parts(box1, box2)
    return float(max(w, 0) * max(h, 0) / (area1 + area2))


def _iou_clip_product(box1, box2):
    w, h, area1, area2 = _iou_parts(box1, box2)
    inter = max(w * h, 0)
    return float(inter / (area1 + area2 - inter))


def _iou_no_clip(box1, box2):
    w, h, area1, area2 = _iou_parts(box1, box2)
    inter = w * h
    return float(inter / (area1 + area2 - inter))


def _iou_min_max_swapped(box1, box2):
    w, h, area1, area2 = _iou_parts(box1, box2, minmax=(min, max))
    inter = max(w, 0) * max(h, 0)
    return float(inter / (area1 + area2 - inter))


# ------------------------------------------------------------------------------ yolo_boxes_to_corners
def _corners_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case((np.array([[0.5, 0.4]]), np.array([[0.2, 0.4]])), label="fixed: one box, midpoint (0.5, 0.4), size 0.2 x 0.4"),
        Case((rng.uniform(0, 1, (4, 4, 2, 2)), rng.uniform(0.05, 0.5, (4, 4, 2, 2))),
             label="random: an (S, S, B, 2) grid, S = 4, B = 2"),
        Case((np.array([0.3, 0.7]), np.array([0.1, 0.3])), label="edge: a single box of shape (2,)"),
        Case((np.array([[0.3, 0.6]]), np.array([[0.0, 0.0]])), label="edge: a box of size 0"),
    ]


def _corners_no_halves(box_xy, box_wh):
    xy, wh = np.asarray(box_xy, dtype=float), np.asarray(box_wh, dtype=float)
    return np.concatenate([xy - wh, xy + wh], axis=-1)


def _corners_yx(box_xy, box_wh):
    xy, wh = np.asarray(box_xy, dtype=float), np.asarray(box_wh, dtype=float)
    c = np.concatenate([xy - wh / 2, xy + wh / 2], axis=-1)
    return c[..., [1, 0, 3, 2]]


def _corners_wh_swapped(box_xy, box_wh):
    xy, wh = np.asarray(box_xy, dtype=float), np.asarray(box_wh, dtype=float)[..., ::-1]
    return np.concatenate([xy - wh / 2, xy + wh / 2], axis=-1)


# ---------------------------------------------------------------------------------- yolo_filter_boxes
def _filter_cases(rng: np.random.Generator) -> list[Case]:
    # hand-made: 2 x 2 cells, 2 anchors, 3 classes; scores placed at, above and below the threshold 0.5
    boxes = np.round(rng.uniform(0, 1, (2, 2, 2, 4)), 2)
    boxes[..., 2:] += 1.0  # x2 >= x1, y2 >= y1
    conf = np.full((2, 2, 2, 1), 0.1)
    probs = np.full((2, 2, 2, 3), 1 / 3)
    conf[0, 0, 0], probs[0, 0, 0] = 1.0, (0.5, 0.25, 0.25)   # score exactly 0.5: kept (>=)
    conf[0, 1, 1], probs[0, 1, 1] = 0.3, (0.05, 0.9, 0.05)   # class prob 0.9, score 0.27: dropped
    conf[1, 0, 0], probs[1, 0, 0] = 0.9, (0.4, 0.3, 0.3)     # p_c 0.9, score 0.36: dropped
    conf[1, 1, 1], probs[1, 1, 1] = 0.8, (0.1, 0.2, 0.7)     # score 0.56, class 2: kept
    S, B, C = 3, 2, 4
    logits = rng.normal(0, 2, (S, S, B, C))
    rprobs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    rboxes = rng.uniform(0, 1, (S, S, B, 4))
    rboxes[..., 2:] += rboxes[..., :2]
    return [
        Case((boxes, conf, probs), {"threshold": 0.5}, label="fixed: hand-made scores at and around threshold 0.5"),
        Case((rboxes, rng.uniform(0.3, 1, (S, S, B, 1)), rprobs), label="random: S = 3, B = 2, C = 4, threshold 0.6"),
        Case((rboxes[0, 0], np.full((B, 1), 0.2), rprobs[0, 0]), {"threshold": 0.5},
             label="edge: no box passes the threshold"),
        Case((rboxes.reshape(-1, 4)[:5], rng.uniform(0.5, 1, (5, 1)), rprobs.reshape(-1, C)[:5]), {"threshold": 0.3},
             label="edge: a flat list of 5 boxes, threshold 0.3"),
    ]


def _filter(boxes, box_confidence, box_class_probs, threshold, score_of, keep_if):
    boxes, conf, probs = (np.asarray(x, dtype=float) for x in (boxes, box_confidence, box_class_probs))
    box_scores = score_of(conf, probs)
    classes = np.argmax(box_scores, axis=-1)
    scores = np.max(box_scores, axis=-1)
    mask = keep_if(scores, conf[..., 0], threshold)
    return scores[mask], boxes[mask].reshape(-1, 4), classes[mask].astype(np.int64)


def _filter_class_only(boxes, box_confidence, box_class_probs, threshold=0.6):
    return _filter(boxes, box_confidence, box_class_probs, threshold, lambda c, p: p + 0 * c, lambda s, c, t: s >= t)


def _filter_strict(boxes, box_confidence, box_class_probs, threshold=0.6):
    return _filter(boxes, box_confidence, box_class_probs, threshold, lambda c, p: c * p, lambda s, c, t: s > t)


def _filter_on_pc(boxes, box_confidence, box_class_probs, threshold=0.6):
    return _filter(boxes, box_confidence, box_class_probs, threshold, lambda c, p: c * p, lambda s, c, t: c >= t)


# -------------------------------------------------------------------------------- non_max_suppression
#: Hand-made boxes: box 1 (best) overlaps box 0 with IoU exactly 0.5; box 3 overlaps box 2 with IoU 0.91.
NMS_BOXES = np.array([[0, 0, 1, 1], [0, 0, 2, 1], [5, 5, 6, 6], [5, 5, 6, 6.1], [3, 0, 4, 1]], dtype=float)
NMS_SCORES = np.array([0.6, 0.9, 0.7, 0.75, 0.3])


def _random_boxes(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
    xy, wh = rng.uniform(0, 1, (k, 2)), rng.uniform(0.1, 0.5, (k, 2))
    return np.concatenate([xy - wh / 2, xy + wh / 2], axis=1), rng.permutation(k) / k + rng.uniform(0, 0.01, k)


def _nms_cases(rng: np.random.Generator) -> list[Case]:
    boxes, scores = _random_boxes(rng, 12)
    return [
        Case((NMS_BOXES, NMS_SCORES), {"max_boxes": 10, "iou_threshold": 0.5},
             label="fixed: 5 hand-made boxes, one pair at IoU exactly 0.5"),
        Case((boxes, scores), {"max_boxes": 10, "iou_threshold": 0.3}, label="random: 12 boxes, IoU threshold 0.3"),
        Case((boxes, scores), {"max_boxes": 2, "iou_threshold": 0.5}, label="edge: max_boxes = 2"),
        Case((NMS_BOXES[:1], NMS_SCORES[:1]), label="edge: a single box"),
    ]


def _nms(boxes, scores, max_boxes=10, iou_threshold=0.5, sort=True, suppress=None, skip=True, cap=True):
    from utils.detection import iou_matrix

    boxes, scores = np.asarray(boxes, dtype=float), np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable") if sort else np.arange(len(scores))
    suppress = suppress or (lambda ious, t: ious > t)
    keep, suppressed = [], np.zeros(len(boxes), dtype=bool)
    for i in order:
        if skip and suppressed[i]:
            continue
        keep.append(int(i))
        if cap and len(keep) == max_boxes:
            break
        suppressed |= suppress(iou_matrix(boxes[i], boxes)[0], iou_threshold)
    return np.array(keep, dtype=np.int64)


def _nms_inverted(boxes, scores, max_boxes=10, iou_threshold=0.5):
    return _nms(boxes, scores, max_boxes, iou_threshold, suppress=lambda ious, t: ious <= t)


def _nms_unsorted(boxes, scores, max_boxes=10, iou_threshold=0.5):
    return _nms(boxes, scores, max_boxes, iou_threshold, sort=False)


def _nms_ge(boxes, scores, max_boxes=10, iou_threshold=0.5):
    return _nms(boxes, scores, max_boxes, iou_threshold, suppress=lambda ious, t: ious >= t)


def _nms_no_skip(boxes, scores, max_boxes=10, iou_threshold=0.5):
    return _nms(boxes, scores, max_boxes, iou_threshold, skip=False)


def _nms_no_cap(boxes, scores, max_boxes=10, iou_threshold=0.5):
    return _nms(boxes, scores, max_boxes, iou_threshold, cap=False)


def _nms_boxes(boxes, scores, max_boxes=10, iou_threshold=0.5):
    return np.asarray(boxes, dtype=float)[_nms(boxes, scores, max_boxes, iou_threshold)]


# -------------------------------------------------------------------------- yolo_non_max_suppression
def _yolo_nms_cases(rng: np.random.Generator) -> list[Case]:
    boxes, scores = _random_boxes(rng, 12)
    classes = rng.integers(0, 3, 12)
    return [
        Case((NMS_SCORES, NMS_BOXES, np.array([0, 1, 2, 2, 0])), {"max_boxes": 3, "iou_threshold": 0.5},
             label="fixed: 5 hand-made boxes, max_boxes = 3"),
        Case((scores, boxes, classes), {"max_boxes": 10, "iou_threshold": 0.3}, label="random: 12 boxes, IoU threshold 0.3"),
        Case((scores[:1], boxes[:1], classes[:1]), label="edge: a single box"),
    ]


def _ynms(scores, boxes, classes, keep):
    scores, boxes, classes = np.asarray(scores, dtype=float), np.asarray(boxes, dtype=float), np.asarray(classes)
    return scores[keep], boxes[keep], classes[keep]


def _ynms_no_max(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    return _ynms(scores, boxes, classes, _nms(boxes, scores, 10, iou_threshold))


def _ynms_no_threshold(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    return _ynms(scores, boxes, classes, _nms(boxes, scores, max_boxes, 0.5))


def _ynms_order(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    s, b, c = _ynms(scores, boxes, classes, _nms(boxes, scores, max_boxes, iou_threshold))
    return b, s, c


def _ynms_classes_kept(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    s, b, _ = _ynms(scores, boxes, classes, _nms(boxes, scores, max_boxes, iou_threshold))
    return s, b, np.asarray(classes)


# -------------------------------------------------------------------------------- encode_yolo_labels
def _encode_cases(rng: np.random.Generator) -> list[Case]:
    anchors = np.array([[0.2, 0.4], [0.4, 0.2]])
    fixed = np.array([[0.1, 0.1, 0.3, 0.5], [0.55, 0.6, 0.95, 0.8]])
    xy, wh = rng.uniform(0.2, 0.8, (3, 2)), rng.uniform(0.1, 0.4, (3, 2))
    rboxes = np.concatenate([xy - wh / 2, xy + wh / 2], axis=1)
    return [
        Case((fixed, np.array([0, 2]), 4, anchors, 3), label="fixed: two boxes, S = 4, B = 2, C = 3"),
        Case((rboxes, rng.integers(0, 2, 3), 3, np.array([[0.2, 0.2], [0.3, 0.15]]), 2),
             label="random: 3 boxes, S = 3, B = 2, C = 2"),
        Case((np.array([[0.1, 0.1, 0.2, 0.3], [0.12, 0.1, 0.22, 0.32]]), np.array([1, 0]), 4, anchors, 3),
             label="edge: two objects in the same cell and anchor (the later one wins)"),
        Case((np.zeros((0, 4)), np.zeros(0, dtype=np.int64), 2, anchors, 2), label="edge: no object"),
    ]


def _encode(boxes, classes, grid_size, anchors, n_classes, size_scale=True, offset=True, swap_rc=False,
            swap_hw=False, clear=True):
    from utils.detection import assign_anchors, corners_to_center, grid_cell

    S = grid_size
    anchors = np.asarray(anchors, dtype=float)
    y = np.zeros((S, S, anchors.shape[0], 5 + n_classes))
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if boxes.shape[0] == 0:
        return y
    xy, wh = corners_to_center(boxes)
    rows, cols = grid_cell(xy, S)
    best = assign_anchors(boxes, anchors)
    k_size = S if size_scale else 1
    for k in range(boxes.shape[0]):
        r, c, b = rows[k], cols[k], best[k]
        if swap_rc:
            r, c = c, r
        if clear:
            y[r, c, b] = 0
        y[r, c, b, 0] = 1
        y[r, c, b, 1] = xy[k, 0] * S - (c if offset else 0)
        y[r, c, b, 2] = xy[k, 1] * S - (r if offset else 0)
        h, w = wh[k, 1] * k_size, wh[k, 0] * k_size
        y[r, c, b, 3], y[r, c, b, 4] = (w, h) if swap_hw else (h, w)
        y[r, c, b, 5 + int(classes[k])] = 1
    return y


def _encode_image_units(boxes, classes, grid_size, anchors, n_classes):
    return _encode(boxes, classes, grid_size, anchors, n_classes, size_scale=False)


def _encode_no_offset(boxes, classes, grid_size, anchors, n_classes):
    return _encode(boxes, classes, grid_size, anchors, n_classes, offset=False)


def _encode_rc(boxes, classes, grid_size, anchors, n_classes):
    return _encode(boxes, classes, grid_size, anchors, n_classes, swap_rc=True)


def _encode_hw(boxes, classes, grid_size, anchors, n_classes):
    return _encode(boxes, classes, grid_size, anchors, n_classes, swap_hw=True)


def _encode_no_clear(boxes, classes, grid_size, anchors, n_classes):
    return _encode(boxes, classes, grid_size, anchors, n_classes, clear=False)


# ----------------------------------------------------------------------------------------- yolo_head
def _head_cases(rng: np.random.Generator) -> list[Case]:
    anchors = np.array([[0.3, 0.2], [0.1, 0.4]])
    return [
        Case((np.arange(64.0).reshape(2, 2, 2, 8) / 20 - 1.5, anchors),
             label="fixed: S = 2, B = 2, C = 3, evenly spaced raw values"),
        Case((rng.normal(0, 1, (3, 3, 2, 9)), anchors), label="random: S = 3, B = 2, C = 4"),
        Case((rng.normal(0, 1, (2, 2, 2, 1, 6)), anchors[:1]), label="edge: a batch of 2 outputs, B = 1, C = 1"),
    ]


def _head(raw, anchors, sig_xy=True, div_s=True, xy_order=True, use_anchors=True, hw_swap=False,
          softmax=True, sig_conf=True):
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    raw, anchors = np.asarray(raw, dtype=float), np.asarray(anchors, dtype=float)
    S = raw.shape[-4]
    rows, cols = np.meshgrid(np.arange(S), np.arange(S), indexing="ij")
    cell = np.stack([cols, rows] if xy_order else [rows, cols], axis=-1)[:, :, None, :]
    t_xy = raw[..., [1, 2]]
    box_xy = ((sig(t_xy) if sig_xy else t_xy) + cell) / (S if div_s else 1)
    t_wh = raw[..., [3, 4]] if hw_swap else raw[..., [4, 3]]
    box_wh = (anchors if use_anchors else 1.0) * np.exp(t_wh)
    conf = sig(raw[..., 0:1]) if sig_conf else raw[..., 0:1]
    logits = raw[..., 5:]
    if softmax:
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs = e / e.sum(axis=-1, keepdims=True)
    else:
        probs = sig(logits)
    return box_xy, box_wh, conf, probs


def _head_no_sig_xy(raw, anchors):
    return _head(raw, anchors, sig_xy=False)


def _head_no_div(raw, anchors):
    return _head(raw, anchors, div_s=False)


def _head_rc(raw, anchors):
    return _head(raw, anchors, xy_order=False)


def _head_no_anchors(raw, anchors):
    return _head(raw, anchors, use_anchors=False)


def _head_hw(raw, anchors):
    return _head(raw, anchors, hw_swap=True)


def _head_sigmoid_classes(raw, anchors):
    return _head(raw, anchors, softmax=False)


def _head_no_sig_conf(raw, anchors):
    return _head(raw, anchors, sig_conf=False)


# ============================================================================ week 4: face verification
# -------------------------------------------------------------------------------------- triplet_loss
def _as_float(result: Any, args: tuple, kwargs: Any) -> Any:
    """A TensorFlow (or numpy) loss as a Python float, so TF and numpy answers compare; a non-scalar stays
    an array (the checker then says it should be a number)."""
    if result is None:
        return None
    value = result.numpy() if hasattr(result, "numpy") else result
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return value
    return float(arr) if arr.ndim == 0 else arr


def _triplet_cases(rng: np.random.Generator) -> list[Case]:
    f32 = np.float32
    a = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], f32)
    p = np.array([[0.3, 0.4], [1.0, 0.1], [0.5, 1.0]], f32)  # ||a - p||^2 = 0.25, 0.01, 0.25
    n = np.array([[0.6, 0.0], [1.0, 2.0], [0.0, 1.3]], f32)  # ||a - n||^2 = 0.36, 4, 0.09
    batch = tuple(rng.normal(0, 0.3, (8, 16)).astype(f32) for _ in range(3))
    one = tuple(rng.normal(0, 0.3, (1, 4)).astype(f32) for _ in range(3))
    stacked = rng.normal(0, 0.3, (5, 3, 8)).astype(f32)
    return [
        Case((None, (a, p, n)), label="fixed: 3 hand-made triplets of 2-d encodings, alpha = 0.2"),
        Case((None, batch), label="random: 8 triplets of 16-d encodings"),
        Case((None, batch), {"alpha": 0.5}, label="edge: alpha = 0.5"),
        Case((None, one), label="edge: m = 1"),
        Case((None, stacked), label="edge: y_pred as one (m, 3, d) array"),
    ]


def _triplet_parts(y_pred):
    from utils.face_verification import split_triplet

    a, p, n = (np.asarray(t, dtype=np.float64) for t in split_triplet(y_pred))
    return np.sum((a - p) ** 2, axis=-1), np.sum((a - n) ** 2, axis=-1)


def _triplet_no_alpha(y_true, y_pred, alpha=0.2):
    pos, neg = _triplet_parts(y_pred)
    return float(np.sum(np.maximum(pos - neg, 0)))


def _triplet_max_after_sum(y_true, y_pred, alpha=0.2):
    pos, neg = _triplet_parts(y_pred)
    return float(max(np.sum(pos - neg + alpha), 0))


def _triplet_not_squared(y_true, y_pred, alpha=0.2):
    pos, neg = _triplet_parts(y_pred)
    return float(np.sum(np.maximum(np.sqrt(pos) - np.sqrt(neg) + alpha, 0)))


def _triplet_mean(y_true, y_pred, alpha=0.2):
    pos, neg = _triplet_parts(y_pred)
    return float(np.mean(np.maximum(pos - neg + alpha, 0)))


def _triplet_swapped(y_true, y_pred, alpha=0.2):
    pos, neg = _triplet_parts(y_pred)
    return float(np.sum(np.maximum(neg - pos + alpha, 0)))


def _triplet_per_example(y_true, y_pred, alpha=0.2):
    pos, neg = _triplet_parts(y_pred)
    return np.maximum(pos - neg + alpha, 0)


# -------------------------------------------------------------------------- distance, verify, who_is_it
def _distance_cases(rng: np.random.Generator) -> list[Case]:
    e = rng.normal(0, 1, 8)
    return [
        Case((np.array([0.0, 0.0]), np.array([3.0, 4.0])), label="fixed: (0, 0) and (3, 4), distance 5"),
        Case((e, rng.normal(0, 1, 8)), label="random: two 8-d encodings"),
        Case((e, e.copy()), label="edge: the same encoding twice"),
        Case((e[None], e[None] + 0.5), label="edge: encodings given as (1, d) batches of one"),
    ]


def _dist_squared(enc1, enc2):
    return float(np.sum((np.ravel(enc1) - np.ravel(enc2)) ** 2))


def _dist_l1(enc1, enc2):
    return float(np.sum(np.abs(np.ravel(enc1) - np.ravel(enc2))))


def flatten_encoder(images: np.ndarray) -> np.ndarray:
    """A stand-in encoder for the checks: f(x) = the pixels of x as a vector. (m, H, W[, C]) -> (m, H*W*C)."""
    X = np.asarray(images, dtype=np.float64)
    return X.reshape(X.shape[0], -1)


def _db(**entries: Any) -> dict[str, np.ndarray]:
    return {name: np.asarray(v, dtype=np.float64) for name, v in entries.items()}


def _verify_cases(rng: np.random.Generator) -> list[Case]:
    db = _db(ana=[0.0, 0.0], ben=[1.0, 1.0], cai=[3.0, 4.0])
    rdb = {f"person {k}": rng.normal(0, 1, 6) for k in range(4)}
    probe = rdb["person 2"].reshape(2, 3) + rng.normal(0, 0.3, (2, 3))
    return [
        Case((np.array([[0.3, 0.4]]), "ana", db, flatten_encoder), {"threshold": 0.7},
             label="fixed: a 1 x 2 image at distance 0.5 from 'ana', threshold 0.7"),
        Case((np.array([[0.9, 1.2]]), "ana", db, flatten_encoder), {"threshold": 0.7},
             label="fixed: a 1 x 2 image at distance 1.5 from 'ana', threshold 0.7"),
        Case((np.array([[3.0, 4.0]]), "ana", db, flatten_encoder), {"threshold": 5.0},
             label="edge: distance exactly equal to the threshold (5.0)"),
        Case((probe, "person 2", rdb, flatten_encoder), {"threshold": 1.0}, label="random: 2 x 3 images, 4 people"),
    ]


def _verify(image, identity, database, model, threshold, dist_fn, decide):
    from utils.face_verification import encode

    enc = encode(np.asarray(image)[None], model)[0]
    d = dist_fn(enc, database[identity])
    return float(d), bool(decide(d, threshold))


def _norm(a, b):
    return float(np.linalg.norm(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)))


def _verify_gt(image, identity, database, model, threshold=0.7):
    return _verify(image, identity, database, model, threshold, _norm, lambda d, t: d > t)


def _verify_le(image, identity, database, model, threshold=0.7):
    return _verify(image, identity, database, model, threshold, _norm, lambda d, t: d <= t)


def _verify_squared(image, identity, database, model, threshold=0.7):
    return _verify(image, identity, database, model, threshold, _dist_squared, lambda d, t: d < t)


def _who_cases(rng: np.random.Generator) -> list[Case]:
    db = _db(ana=[0.0, 0.0], ben=[1.0, 1.0], cai=[3.0, 4.0])
    rdb = {f"person {k}": rng.normal(0, 1, 4) for k in range(5)}
    probe = rdb["person 4"].reshape(2, 2) + rng.normal(0, 0.1, (2, 2))
    return [
        Case((np.array([[0.9, 1.2]]), db, flatten_encoder), label="fixed: a 1 x 2 image closest to 'ben'"),
        Case((probe, rdb, flatten_encoder), label="random: 2 x 2 images, 5 people, the closest is the last entry"),
        Case((np.array([[2.0, 2.0]]), _db(ana=[0.0, 0.0]), flatten_encoder), label="edge: a database of one"),
    ]


def _who(image, database, model, dist_fn=_norm, pick=np.argmin):
    from utils.face_verification import encode

    enc = encode(np.asarray(image)[None], model)[0]
    names = list(database)
    dists = [dist_fn(enc, database[n]) for n in names]
    i = int(pick(dists))
    return float(dists[i]), names[i], i


def _who_index(image, database, model):
    d, _, i = _who(image, database, model)
    return d, i


def _who_farthest(image, database, model):
    d, name, _ = _who(image, database, model, pick=np.argmax)
    return d, name


def _who_swapped(image, database, model):
    d, name, _ = _who(image, database, model)
    return name, d


def _who_squared(image, database, model):
    d, name, _ = _who(image, database, model, dist_fn=_dist_squared)
    return d, name


# ============================================================================ the exercises
EXERCISES = [
    # ---- week 3, notebook 1: localization and sliding windows
    Exercise("detection.localization_loss", W31, _localization_loss_cases, [
        Mistake("box and class loss counted when there is no object",
                "When p_c = 0 only (y_hat_1 - y_1)^2 counts: the box and class entries of a background label are "
                "'don't care' (NaN), so summing all entries gives NaN. Use np.where(y[:, 0] == 1, <sum over all "
                "entries>, <the p_c term only>).", _loc_sum_all),
        Mistake("'don't care' entries compared as zeros",
                "Replacing the NaN entries by 0 still charges the network for its box and class on a background "
                "image. When p_c = 0 the loss is only (y_hat_1 - y_1)^2.", _loc_nan_as_zero),
        Mistake("only p_c counted, even with an object",
                "With an object (p_c = 1) the loss sums (y_hat_i - y_i)^2 over all 5 + C entries, box and "
                "class included; only a background example uses the p_c term alone.", _loc_pc_only),
        Mistake("mean instead of sum over the entries",
                "The lecture's loss adds the squared errors of the entries (np.sum over axis 1), it does not "
                "average them.", _loc_mean),
    ]),
    Exercise("detection.sliding_windows", W31, _sliding_windows_cases, [
        Mistake("off-by-one in the loop range: the last window is missing",
                "A window may start at H - window (it then ends exactly at the border): loop over "
                "range(0, H - window + 1, stride), and the same for W.", _sw_off_by_one),
        Mistake("stride ignored",
                "Consecutive windows start `stride` pixels apart: use range(0, H - window + 1, stride).",
                _sw_no_stride),
        Mistake("positions stored as (x, y) instead of (row, col)",
                "Each position is the window's top-left corner as (row, col) = (top, left), in that order.",
                _sw_xy),
    ]),
    # ---- week 3, notebook 2: YOLO
    Exercise("detection.iou", W32, _iou_cases, [
        Mistake("union without subtracting the intersection",
                "The intersection lies in both boxes, so the sum of the two areas counts it twice: "
                "union_area = box1_area + box2_area - inter_area.", _iou_no_subtract),
        Mistake("clipped the product instead of each side",
                "For boxes apart along both x and y, both sides are negative and their product is positive. "
                "Clip each side at 0 first: inter_width = max(xi2 - xi1, 0), inter_height = max(yi2 - yi1, 0).",
                _iou_clip_product),
        Mistake("forgot to clip the intersection at 0 for disjoint boxes",
                "When the boxes do not overlap, xi2 - xi1 (or yi2 - yi1) is negative: the intersection is empty, "
                "so use max(xi2 - xi1, 0) and max(yi2 - yi1, 0).", _iou_no_clip),
        Mistake("min and max swapped for the intersection's corners",
                "The intersection starts at the LARGER of the two x1 (and y1) and ends at the SMALLER of the two "
                "x2 (and y2): xi1 = max(...), xi2 = min(...).", _iou_min_max_swapped),
    ]),
    Exercise("detection.yolo_boxes_to_corners", W32, _corners_cases, [
        Mistake("forgot the halves",
                "The midpoint is in the middle of the box: the corners are xy - wh / 2 and xy + wh / 2.",
                _corners_no_halves),
        Mistake("(y, x) order of the course's TensorFlow version",
                "Here the corners are (x1, y1, x2, y2), x first (the course's TF version returns "
                "(y1, x1, y2, x2) for tf.image.non_max_suppression).", _corners_yx),
        Mistake("width and height swapped",
                "box_wh holds (w, h): w goes with x, h with y.", _corners_wh_swapped),
    ]),
    Exercise("detection.encode_yolo_labels", W32, _encode_cases, [
        Mistake("sizes in image units",
                "b_h and b_w are in cell units: multiply the box's height and width (image units) by S.",
                _encode_image_units),
        Mistake("midpoint offset not taken inside its cell",
                "b_x, b_y are the midpoint's position inside its cell, in [0, 1): x * S - col and y * S - row.",
                _encode_no_offset),
        Mistake("rows and columns swapped",
                "The label is indexed y[row, col, anchor]: the row comes from the midpoint's y, the column from "
                "its x.", _encode_rc),
        Mistake("b_h and b_w swapped",
                "The layout is (p_c, b_x, b_y, b_h, b_w, classes): the height comes before the width.", _encode_hw),
        Mistake("the slot was not cleared for a later object",
                "When a later object takes the same cell and anchor it replaces the earlier one entirely: set "
                "y[r, c, b] = 0 before writing, or the earlier object's class stays set.", _encode_no_clear),
    ]),
    Exercise("detection.yolo_head", W32, _head_cases, [
        Mistake("forgot the sigmoid on the offsets",
                "The midpoint's offset inside its cell is sigmoid(t_x), sigmoid(t_y), in (0, 1): "
                "box_xy = (sigmoid(t_xy) + cell_xy) / S.", _head_no_sig_xy),
        Mistake("forgot to divide by S",
                "Cell index + offset is in cell units; divide by S to get image units in [0, 1].", _head_no_div),
        Mistake("cell offsets as (row, col) instead of (x, y)",
                "x goes with the column and y with the row: use cell_xy, which holds (col, row).", _head_rc),
        Mistake("sizes not scaled by the anchors",
                "box_wh = anchors * exp(t_wh): each slot's size is relative to its anchor's shape.",
                _head_no_anchors),
        Mistake("t_h and t_w swapped",
                "The layout is (t_o, t_x, t_y, t_h, t_w, ...) and the anchors are (w, h): multiply the anchors by "
                "exp of raw[..., [BW, BH]], width first.", _head_hw),
        Mistake("sigmoid instead of softmax for the classes",
                "The class probabilities are a softmax over the last axis (they sum to 1 in every slot).",
                _head_sigmoid_classes),
        Mistake("confidence without the sigmoid",
                "p_c = sigmoid(t_o), a probability in (0, 1).", _head_no_sig_conf),
    ]),
    Exercise("detection.yolo_filter_boxes", W32, _filter_cases, [
        Mistake("used the class probability only",
                "A box's score is p_c * c_i (box_confidence * box_class_probs), not c_i alone: a confident class "
                "in a cell that probably holds no object must get a low score.", _filter_class_only),
        Mistake("> instead of >=",
                "Keep a box when its score is at least the threshold: mask = box_class_scores >= threshold.",
                _filter_strict),
        Mistake("filtered on p_c instead of the score",
                "Compare the best score p_c * c_i with the threshold, not the objectness p_c alone.", _filter_on_pc),
    ]),
    Exercise("detection.non_max_suppression", W32, _nms_cases, [
        Mistake("kept the boxes with IoU above the threshold",
                "Suppress (drop) the boxes that overlap the chosen box by MORE than iou_threshold; keep the others.",
                _nms_inverted),
        Mistake("didn't sort by score",
                "Take the boxes from the highest score down: order = np.argsort(-scores).", _nms_unsorted),
        Mistake(">= instead of >",
                "A box is suppressed when its IoU with the chosen box is strictly greater than iou_threshold "
                "(as tf.image.non_max_suppression).", _nms_ge),
        Mistake("suppressed boxes not skipped",
                "A box that a better box has suppressed must not be chosen later: skip it in the loop "
                "(if suppressed[i]: continue).", _nms_no_skip),
        Mistake("max_boxes ignored", "Stop once `max_boxes` boxes are kept.", _nms_no_cap),
        Mistake("returned the boxes, not their indices",
                "Return the indices of the kept boxes (best first), as tf.image.non_max_suppression does; "
                "yolo_non_max_suppression gathers the boxes with them.", _nms_boxes),
    ]),
    Exercise("detection.yolo_non_max_suppression", W32, _yolo_nms_cases, [
        Mistake("max_boxes not passed on",
                "Pass max_boxes (and iou_threshold) to non_max_suppression; its default keeps up to 10.",
                _ynms_no_max),
        Mistake("iou_threshold not passed on",
                "Pass iou_threshold to non_max_suppression; its default is 0.5.", _ynms_no_threshold),
        Mistake("returned (boxes, scores, classes)",
                "The course's order is (scores, boxes, classes).", _ynms_order),
        Mistake("classes not gathered",
                "Index scores, boxes AND classes with the kept indices.", _ynms_classes_kept),
    ]),
    # ---- week 4: face verification
    Exercise("face_verification.triplet_loss", W41, _triplet_cases, [
        Mistake("alpha left out of the triplet loss",
                "The loss is max(||f(A) - f(P)||^2 - ||f(A) - f(N)||^2 + alpha, 0): without the margin alpha "
                "the network can satisfy it with f = 0.", _triplet_no_alpha),
        Mistake("max(..., 0) taken after the sum instead of per triplet",
                "Apply tf.maximum(basic_loss, 0.0) to each triplet's loss first, then tf.reduce_sum: an easy "
                "triplet must contribute 0, not a negative amount.", _triplet_max_after_sum),
        Mistake("distances not squared",
                "Use squared distances: tf.reduce_sum(tf.square(anchor - positive), axis=-1), not their square "
                "roots.", _triplet_not_squared),
        Mistake("mean instead of sum over the batch",
                "The course's loss is the SUM over the triplets (tf.reduce_sum), not the mean.", _triplet_mean),
        Mistake("positive and negative swapped",
                "It is d(A, P) - d(A, N) + alpha: the positive distance first, the negative subtracted.",
                _triplet_swapped),
        Mistake("forgot the sum over the batch",
                "Return one number: tf.reduce_sum of the per-triplet losses.", _triplet_per_example),
    ], rtol=1e-5, atol=1e-6, outcome=_as_float),
    Exercise("face_verification.distance", W41, _distance_cases, [
        Mistake("squared distance (no square root)",
                "d = ||enc1 - enc2||_2 = np.linalg.norm(enc1 - enc2), the square root of the sum of squares.",
                _dist_squared),
        Mistake("sum of absolute differences (L1)",
                "The course's distance is the Euclidean (L2) norm: np.linalg.norm(enc1 - enc2).", _dist_l1),
    ]),
    Exercise("face_verification.verify", W41, _verify_cases, [
        Mistake("used > instead of <",
                "The same person gives a SMALL distance: same = dist < threshold.", _verify_gt),
        Mistake("<= instead of <",
                "At exactly the threshold the answer is 'not the same': same = dist < threshold.", _verify_le),
        Mistake("squared distance",
                "Compare the distance itself, ||f(image) - database[identity]|| (use distance or np.linalg.norm), "
                "not its square.", _verify_squared),
    ]),
    Exercise("face_verification.who_is_it", W41, _who_cases, [
        Mistake("returned the index, not the name",
                "Return the database's key (the person's name) for the smallest distance, not its position.",
                _who_index),
        Mistake("the largest distance instead of the smallest",
                "The person is the database entry CLOSEST to the encoding: keep the minimum (argmin).",
                _who_farthest),
        Mistake("returned (identity, min_dist)",
                "The course returns (min_dist, identity): the distance first.", _who_swapped),
        Mistake("squared distance",
                "min_dist is the distance ||f(image) - encoding||, not its square (use distance or "
                "np.linalg.norm).", _who_squared),
    ]),
]
