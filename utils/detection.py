"""Object detection from scratch: boxes, IoU, non-max suppression, YOLO labels and outputs, mAP, sliding windows.

Conventions (Course 4, week 3):

- A box in corner form is ``(x1, y1, x2, y2)`` with ``x1 <= x2`` and ``y1 <= y2`` (x to the right, y down).
  YOLO code works in *relative* image units (the image spans [0, 1] x [0, 1]); the sliding-window
  detector works in pixels. IoU does not care which, as long as both boxes use the same units.
- The localization label of the lecture is ``y = (p_c, b_x, b_y, b_h, b_w, c_1, ..., c_C)``; YOLO's label
  has one such vector per grid cell and anchor: shape ``(S, S, B, 5 + C)``, where ``b_x, b_y`` are the
  midpoint's offset inside its cell (in [0, 1)) and ``b_h, b_w`` the box size in cell units (may exceed 1).
- Anchors are ``(w, h)`` pairs in relative image units, shape ``(B, 2)``.
- A raw YOLO network output has the label's layout: ``(t_o, t_x, t_y, t_h, t_w, class logits)``, decoded by
  ``yolo_head``: ``p_c = sigmoid(t_o)``, offsets ``sigmoid(t_x), sigmoid(t_y)``, sizes ``anchor * exp(t)``,
  class probabilities ``softmax(logits)``.

TensorFlow/Keras are imported inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from utils.activations import sigmoid
from utils.validation import as_array, check_positive_int, check_probabilities, check_range

#: Positions of the label vector's entries.
PC, BX, BY, BH, BW = 0, 1, 2, 3, 4


# --- boxes and IoU ------------------------------------------------------------------------------------

def check_boxes(boxes: Any, name: str = "boxes", allow_empty: bool = True, any_corners: bool = False) -> np.ndarray:
    """Return ``boxes`` as a float array of shape (k, 4) in corner form, checking x1 <= x2 and y1 <= y2.

    A single box of shape (4,) becomes (1, 4). Raises ``ValueError`` for another shape, non-finite values,
    inverted corners, or an empty set when ``allow_empty`` is False. With ``any_corners``, a box may be any
    diagonal pair of corners (as ``tf.image.non_max_suppression`` accepts): it is returned normalized to
    (min x, min y, max x, max y) instead of refused.
    """
    arr = as_array(boxes, name)
    if arr.ndim == 1 and arr.size == 4:
        arr = arr.reshape(1, 4)
    if arr.ndim == 1 and arr.size == 0:
        arr = arr.reshape(0, 4)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name} must have shape (k, 4) with corners (x1, y1, x2, y2), got shape {arr.shape}")
    if arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} is empty: need at least one box of shape (4,) = (x1, y1, x2, y2)")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite coordinates")
    if any_corners:
        return np.concatenate([np.minimum(arr[:, :2], arr[:, 2:]), np.maximum(arr[:, :2], arr[:, 2:])], axis=1)
    bad = (arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}[{i}] = {arr[i].tolist()} has x2 < x1 or y2 < y1: corners must be "
                         f"(x1, y1, x2, y2) with x1 <= x2 and y1 <= y2")
    return arr


def iou(box1: Any, box2: Any) -> float:
    """Intersection over union of two boxes in corner form.

    Inputs:
    - box1, box2: (x1, y1, x2, y2), with x1 <= x2 and y1 <= y2.
    Returns: IoU in [0, 1]; 0 when the boxes do not overlap or merely touch, or when both are empty.
    """
    b1 = check_boxes(box1, "box1", allow_empty=False)
    b2 = check_boxes(box2, "box2", allow_empty=False)
    if b1.shape[0] != 1 or b2.shape[0] != 1:
        raise ValueError(f"iou compares two single boxes of shape (4,); use iou_matrix for sets, "
                         f"got {b1.shape[0]} and {b2.shape[0]} boxes")
    (box1_x1, box1_y1, box1_x2, box1_y2) = b1[0]
    (box2_x1, box2_y1, box2_x2, box2_y2) = b2[0]
    ### BEGIN SOLUTION
    # the intersection: the larger of the top-left corners, the smaller of the bottom-right ones
    xi1, yi1 = max(box1_x1, box2_x1), max(box1_y1, box2_y1)
    xi2, yi2 = min(box1_x2, box2_x2), min(box1_y2, box2_y2)
    inter_width = max(xi2 - xi1, 0.0)   # 0 when the boxes do not overlap along x
    inter_height = max(yi2 - yi1, 0.0)
    inter_area = inter_width * inter_height
    # the union: both areas, minus the intersection (which both contain)
    box1_area = (box1_x2 - box1_x1) * (box1_y2 - box1_y1)
    box2_area = (box2_x2 - box2_x1) * (box2_y2 - box2_y1)
    union_area = box1_area + box2_area - inter_area
    iou = inter_area / union_area if union_area > 0 else 0.0  # two empty boxes: 0
    ### END SOLUTION
    return float(iou)


def iou_matrix(boxes1: Any, boxes2: Any) -> np.ndarray:
    """Pairwise IoU of two sets of boxes.

    Inputs: boxes1 (n, 4), boxes2 (k, 4) in corner form. Returns: (n, k) array of IoUs.
    """
    a = check_boxes(boxes1, "boxes1")
    b = check_boxes(boxes2, "boxes2")
    xi1 = np.maximum(a[:, None, 0], b[None, :, 0])
    yi1 = np.maximum(a[:, None, 1], b[None, :, 1])
    xi2 = np.minimum(a[:, None, 2], b[None, :, 2])
    yi2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(xi2 - xi1, 0, None) * np.clip(yi2 - yi1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def yolo_boxes_to_corners(box_xy: Any, box_wh: Any) -> np.ndarray:
    """Convert midpoints and sizes to corners.

    Inputs: box_xy (..., 2) midpoints (x, y); box_wh (..., 2) sizes (w, h), non-negative.
    Returns: (..., 4) corners (x1, y1, x2, y2).
    """
    xy = as_array(box_xy, "box_xy")
    wh = as_array(box_wh, "box_wh")
    if xy.shape != wh.shape or xy.ndim == 0 or xy.shape[-1] != 2:
        raise ValueError(f"box_xy and box_wh must both have shape (..., 2), got {xy.shape} and {wh.shape}")
    if (wh < 0).any():
        raise ValueError("box_wh must be non-negative (widths and heights)")
    ### BEGIN SOLUTION
    corners = np.concatenate([xy - wh / 2, xy + wh / 2], axis=-1)  # (x1, y1) and (x2, y2)
    ### END SOLUTION
    return corners


def corners_to_center(boxes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of ``yolo_boxes_to_corners``: boxes (k, 4) -> midpoints (k, 2) and sizes (k, 2) = (w, h)."""
    b = check_boxes(boxes)
    return (b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]


# --- filtering and non-max suppression ----------------------------------------------------------------

def yolo_filter_boxes(boxes: Any, box_confidence: Any, box_class_probs: Any,
                      threshold: float = 0.6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the boxes whose best class score p_c * c_i is at least ``threshold``.

    Inputs:
    - boxes: (..., 4) corners, one per grid cell and anchor, e.g. (S, S, B, 4).
    - box_confidence: (..., 1) objectness p_c.
    - box_class_probs: (..., C) class probabilities.
    - threshold: keep a box when its best score >= threshold.
    Returns: scores (k,), boxes (k, 4), classes (k,) int, for the k boxes kept.
    """
    boxes = as_array(boxes, "boxes")
    conf = as_array(box_confidence, "box_confidence")
    probs = as_array(box_class_probs, "box_class_probs")
    check_range(threshold, "threshold", 0, 1)
    lead = boxes.shape[:-1]
    if boxes.shape[-1:] != (4,) or conf.shape != lead + (1,) or probs.shape[:-1] != lead or probs.ndim < 1:
        raise ValueError(f"expected boxes (..., 4), box_confidence (..., 1), box_class_probs (..., C) with the same "
                         f"leading shape; got {boxes.shape}, {conf.shape}, {probs.shape}")
    ### BEGIN SOLUTION
    box_scores = conf * probs                     # (..., C): p_c * c_i for every class
    box_classes = np.argmax(box_scores, axis=-1)  # (...,): the best class of each box
    box_class_scores = np.max(box_scores, axis=-1)
    mask = box_class_scores >= threshold
    scores, boxes, classes = box_class_scores[mask], boxes[mask], box_classes[mask]
    ### END SOLUTION
    return scores, boxes.reshape(-1, 4), classes.astype(np.int64)


def non_max_suppression(boxes: Any, scores: Any, max_boxes: int = 10, iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy non-max suppression, the algorithm of ``tf.image.non_max_suppression``.

    Repeatedly take the highest-scoring remaining box and discard every remaining box whose IoU with it
    exceeds ``iou_threshold``; stop after ``max_boxes``.
    Inputs: boxes (k, 4), each any diagonal pair of corners (x1, y1, x2, y2) or (x2, y2, x1, y1), ... as
    ``tf.image.non_max_suppression`` accepts (normalized before the IoUs); scores (k,).
    Returns: indices (at most max_boxes,) into boxes, best first.
    """
    boxes = check_boxes(boxes, any_corners=True)
    scores = as_array(scores, "scores", ndim=1)
    if scores.size != boxes.shape[0]:
        raise ValueError(f"scores must have shape ({boxes.shape[0]},), one per box, got {scores.shape}")
    max_boxes = check_positive_int(max_boxes, "max_boxes")
    check_range(iou_threshold, "iou_threshold", 0, 1)
    ### BEGIN SOLUTION
    order = np.argsort(-scores, kind="stable")  # indices of the boxes, best score first
    keep = []
    suppressed = np.zeros(boxes.shape[0], dtype=bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(int(i))
        if len(keep) == max_boxes:
            break
        ious = iou_matrix(boxes[i], boxes)[0]  # IoU of box i with every box, shape (k,)
        suppressed = suppressed | (ious > iou_threshold)
    ### END SOLUTION
    return np.array(keep, dtype=np.int64)


def yolo_non_max_suppression(scores: Any, boxes: Any, classes: Any, max_boxes: int = 10,
                             iou_threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The course's NMS step: keep at most ``max_boxes`` boxes, none overlapping a better one by IoU > threshold.

    Inputs: scores (k,), boxes (k, 4), classes (k,), as returned by ``yolo_filter_boxes``; a box may be any
    diagonal pair of corners (as ``tf.image.non_max_suppression`` accepts; the course's tests draw them at random).
    Returns: scores, boxes, classes of the kept boxes, best first (as ``tf.image.non_max_suppression``
    followed by a gather: the kept boxes as given). Class-agnostic, like the course.
    """
    check_boxes(boxes, any_corners=True)
    boxes = as_array(boxes, "boxes").reshape(-1, 4)
    classes = np.asarray(classes).reshape(-1)
    if classes.size != boxes.shape[0]:
        raise ValueError(f"classes must have shape ({boxes.shape[0]},), one per box, got {classes.shape}")
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    ### BEGIN SOLUTION
    keep = non_max_suppression(boxes, scores, max_boxes, iou_threshold)  # indices, best first
    scores, boxes, classes = scores[keep], boxes[keep], classes[keep]
    ### END SOLUTION
    return scores, boxes, classes


# --- anchors, grid cells and YOLO labels --------------------------------------------------------------

def check_anchors(anchors: Any) -> np.ndarray:
    """Anchors as a (B, 2) array of positive (w, h) sizes."""
    a = as_array(anchors, "anchors", shape=(None, 2))
    if a.shape[0] == 0 or (a <= 0).any():
        raise ValueError(f"anchors must be a non-empty (B, 2) array of positive (w, h), got {a.tolist()}")
    return a


def wh_iou(wh: Any, anchors: Any) -> np.ndarray:
    """IoU of boxes and anchors placed on a common midpoint (only the shapes matter).

    Inputs: wh (k, 2) box sizes (w, h); anchors (B, 2). Returns: (k, B).
    """
    wh = as_array(wh, "wh", shape=(None, 2))
    anchors = check_anchors(anchors)
    inter = np.minimum(wh[:, None, 0], anchors[None, :, 0]) * np.minimum(wh[:, None, 1], anchors[None, :, 1])
    union = (wh[:, 0] * wh[:, 1])[:, None] + (anchors[:, 0] * anchors[:, 1])[None, :] - inter
    return inter / np.maximum(union, 1e-12)


def kmeans_anchors(wh: Any, k: int, iterations: int = 50, seed: int = 0) -> np.ndarray:
    """Anchor shapes by k-means on box sizes with the distance 1 - IoU (as YOLOv2), sorted by area.

    Inputs: wh (n, 2) box sizes (w, h), n >= k. Returns: anchors (k, 2).
    """
    wh = as_array(wh, "wh", shape=(None, 2))
    k = check_positive_int(k, "k")
    if wh.shape[0] < k or (wh <= 0).any():
        raise ValueError(f"need at least k = {k} positive box sizes, got {wh.shape[0]}")
    rng = np.random.default_rng(seed)
    centres = wh[rng.choice(wh.shape[0], k, replace=False)]
    for _ in range(check_positive_int(iterations, "iterations")):
        assign = np.argmax(wh_iou(wh, centres), axis=1)
        new = np.array([np.median(wh[assign == j], axis=0) if (assign == j).any() else centres[j] for j in range(k)])
        if np.allclose(new, centres):
            break
        centres = new
    return centres[np.argsort(centres[:, 0] * centres[:, 1])]


def assign_anchors(boxes: Any, anchors: Any) -> np.ndarray:
    """The anchor of highest IoU with each box's shape. Inputs: boxes (k, 4), anchors (B, 2). Returns (k,) ints."""
    _, wh = corners_to_center(boxes)
    if wh.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.argmax(wh_iou(wh, anchors), axis=1).astype(np.int64)


def grid_cell(xy: Any, grid_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The midpoint rule: the cell (row, col) of an S x S grid that owns each midpoint.

    Inputs: xy (k, 2) midpoints (x, y) in relative units [0, 1]; grid_size S.
    Returns: rows (k,), cols (k,) ints in [0, S); a midpoint on the far edge (1.0) belongs to the last cell.
    """
    xy = as_array(xy, "xy")
    if xy.ndim == 1:
        xy = xy.reshape(1, -1)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"xy must have shape (k, 2), got {xy.shape}")
    S = check_positive_int(grid_size, "grid_size")
    if ((xy < 0) | (xy > 1)).any():
        raise ValueError("xy must hold midpoints inside the image, relative coordinates in [0, 1]")
    cols = np.minimum((xy[:, 0] * S).astype(np.int64), S - 1)
    rows = np.minimum((xy[:, 1] * S).astype(np.int64), S - 1)
    return rows, cols


def encode_yolo_labels(boxes: Any, classes: Any, grid_size: int, anchors: Any, n_classes: int) -> np.ndarray:
    """Build the (S, S, B, 5 + C) YOLO label of one image.

    Inputs:
    - boxes: (k, 4) corners in relative units (inside [0, 1]); classes: (k,) ints in [0, C).
    - grid_size S; anchors (B, 2) relative (w, h); n_classes C.
    Returns: y of shape (S, S, B, 5 + C): for the cell owning each midpoint and the anchor of highest IoU,
    (p_c=1, b_x, b_y, b_h, b_w, one-hot class) with b_x, b_y the offsets in the cell and b_h, b_w in
    cell units; zeros elsewhere. When two objects claim the same cell and anchor, the later one wins
    (as in the course); ``count_collisions`` tells how often that happens.
    """
    boxes = check_boxes(boxes)
    anchors = check_anchors(anchors)
    S = check_positive_int(grid_size, "grid_size")
    C = check_positive_int(n_classes, "n_classes")
    classes = np.asarray(classes).reshape(-1)
    if classes.size != boxes.shape[0]:
        raise ValueError(f"classes must have shape ({boxes.shape[0]},), one per box, got {classes.shape}")
    if classes.size and (classes.min() < 0 or classes.max() >= C or not np.issubdtype(classes.dtype, np.integer)):
        raise ValueError(f"classes must be integers in [0, {C}), got {classes.tolist()}")
    y = np.zeros((S, S, anchors.shape[0], 5 + C))
    if boxes.shape[0] == 0:
        return y
    ### BEGIN SOLUTION
    xy, wh = corners_to_center(boxes)      # midpoints (k, 2) and sizes (k, 2) in image units
    rows, cols = grid_cell(xy, S)          # the cell owning each midpoint
    best = assign_anchors(boxes, anchors)  # the anchor of highest IoU with each box's shape
    for k in range(boxes.shape[0]):
        r, c, b = rows[k], cols[k], best[k]
        y[r, c, b] = 0                     # a later object in the same slot replaces the earlier one
        y[r, c, b, PC] = 1
        y[r, c, b, BX] = xy[k, 0] * S - c  # the midpoint's offset inside its cell, in [0, 1)
        y[r, c, b, BY] = xy[k, 1] * S - r
        y[r, c, b, BH] = wh[k, 1] * S      # the size in cell units
        y[r, c, b, BW] = wh[k, 0] * S
        y[r, c, b, 5 + classes[k]] = 1
    ### END SOLUTION
    return y


def count_collisions(boxes: Any, grid_size: int, anchors: Any) -> int:
    """How many objects of one image lose their (cell, anchor) slot to another object."""
    boxes = check_boxes(boxes)
    if boxes.shape[0] == 0:
        return 0
    xy, _ = corners_to_center(boxes)
    rows, cols = grid_cell(xy, grid_size)
    slots = set(zip(rows.tolist(), cols.tolist(), assign_anchors(boxes, anchors).tolist()))
    return boxes.shape[0] - len(slots)


def decode_yolo_labels(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of ``encode_yolo_labels``: y (S, S, B, 5 + C) -> boxes (k, 4) relative corners, classes (k,)."""
    y = as_array(y, "y", ndim=4)
    if y.shape[0] != y.shape[1] or y.shape[3] < 6:
        raise ValueError(f"y must have shape (S, S, B, 5 + C) with C >= 1, got {y.shape}")
    S = y.shape[0]
    rows, cols, bs = np.nonzero(y[..., PC] > 0.5)
    v = y[rows, cols, bs]
    xy = np.stack([(cols + v[:, BX]) / S, (rows + v[:, BY]) / S], axis=1)
    wh = np.stack([v[:, BW] / S, v[:, BH] / S], axis=1)
    return yolo_boxes_to_corners(xy, wh).reshape(-1, 4), np.argmax(v[:, 5:], axis=1).astype(np.int64)


def _to_numpy(t: Any) -> np.ndarray:
    """A framework tensor (or array) as a numpy array."""
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def yolo_head(raw: Any, anchors: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode a raw network output into boxes, as the course's ``yolo_head``.

    Inputs: raw (..., S, S, B, 5 + C) in the label's layout (t_o, t_x, t_y, t_h, t_w, logits); anchors (B, 2)
    as (w, h).
    Returns, in relative image units:
    - box_xy (..., S, S, B, 2): midpoints (x, y) = (cell's (col, row) + sigmoid(t_x, t_y)) / S;
    - box_wh (..., S, S, B, 2): sizes (w, h) = anchor (w, h) * exp(t_w, t_h);
    - box_confidence (..., S, S, B, 1): p_c = sigmoid(t_o);
    - box_class_probs (..., S, S, B, C): softmax of the logits.
    """
    raw = as_array(raw, "raw")
    anchors = check_anchors(anchors)
    if raw.ndim < 4 or raw.shape[-4] != raw.shape[-3] or raw.shape[-2] != anchors.shape[0] or raw.shape[-1] < 6:
        raise ValueError(f"raw must have shape (..., S, S, B, 5 + C) with B = {anchors.shape[0]} anchors, "
                         f"got {raw.shape}")
    S = raw.shape[-4]
    rows, cols = np.meshgrid(np.arange(S), np.arange(S), indexing="ij")
    cell_xy = np.stack([cols, rows], axis=-1)[:, :, None, :]  # (S, S, 1, 2): each cell's (x, y) = (col, row)
    ### BEGIN SOLUTION
    box_confidence = sigmoid(raw[..., PC:PC + 1])
    box_xy = (sigmoid(raw[..., [BX, BY]]) + cell_xy) / S
    box_wh = anchors * np.exp(np.clip(raw[..., [BW, BH]], -10, 10))  # clipped: exp overflows for large t
    logits = raw[..., 5:]
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))  # softmax over the classes (last axis)
    box_class_probs = e / e.sum(axis=-1, keepdims=True)
    ### END SOLUTION
    return box_xy, box_wh, box_confidence, box_class_probs


def yolo_eval(raw: Any, anchors: Any, score_threshold: float = 0.6, iou_threshold: float = 0.5,
              max_boxes: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image's raw output (S, S, B, 5 + C) -> its final (scores, boxes, classes): head, filter, NMS."""
    box_xy, box_wh, conf, probs = yolo_head(raw, anchors)
    if box_xy.ndim != 4:
        raise ValueError(f"yolo_eval takes one image's output (S, S, B, 5 + C), got {np.shape(raw)}")
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    score_threshold = check_range(score_threshold, "score_threshold", 0, 1)
    scores, boxes, classes = yolo_filter_boxes(boxes, conf, probs, score_threshold)
    return yolo_non_max_suppression(scores, boxes, classes, max_boxes, iou_threshold)


# --- mean average precision ---------------------------------------------------------------------------

def average_precision(recall: Any, precision: Any) -> float:
    """Area under the precision-recall curve with the all-point interpolation (PASCAL VOC 2010+).

    Inputs: recall (n,) non-decreasing, precision (n,), as accumulated over detections sorted by score.
    Returns: sum over recall steps of the step's width times the best precision at that recall or beyond.
    """
    r = as_array(recall, "recall", ndim=1)
    p = as_array(precision, "precision", ndim=1)
    if r.shape != p.shape:
        raise ValueError(f"recall and precision must have the same shape, got {r.shape} and {p.shape}")
    if r.size and (np.any(np.diff(r) < 0) or r.min() < 0 or r.max() > 1 or not np.all(np.isfinite(r))):
        raise ValueError(f"recall must be non-decreasing values in [0, 1] (accumulated over detections sorted by "
                         f"score), got {r[:8].tolist()}")
    check_probabilities(p, "precision")
    r = np.concatenate([[0.0], r, [r[-1] if r.size else 0.0]])
    p = np.concatenate([[0.0], p, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]  # the precision envelope
    steps = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def mean_average_precision(pred_boxes: Sequence[Any], pred_scores: Sequence[Any], pred_classes: Sequence[Any],
                           true_boxes: Sequence[Any], true_classes: Sequence[Any], n_classes: int,
                           iou_threshold: float = 0.5) -> tuple[float, np.ndarray]:
    """Mean average precision at an IoU threshold (mAP@0.5 by default) over a set of images.

    Inputs (lists with one entry per image):
    - pred_boxes[i] (k_i, 4), pred_scores[i] (k_i,), pred_classes[i] (k_i,): the detections.
    - true_boxes[i] (g_i, 4), true_classes[i] (g_i,): the ground truth.
    - n_classes C; iou_threshold: a detection is a true positive when it overlaps a not-yet-matched
      ground-truth box of its class in its image with IoU >= threshold (best-IoU match, detections taken
      in decreasing score over all images); otherwise a false positive.
    Returns: (mAP, ap) with ap (C,) the average precision of each class (NaN for a class without any
    ground truth; the mean skips those).
    """
    n_img = len(true_boxes)
    if not (len(pred_boxes) == len(pred_scores) == len(pred_classes) == len(true_classes) == n_img):
        raise ValueError("pred_boxes, pred_scores, pred_classes, true_boxes and true_classes need one entry per image")
    C = check_positive_int(n_classes, "n_classes")
    check_range(iou_threshold, "iou_threshold", 0, 1, low_inclusive=False)
    gts = [(check_boxes(b, f"true_boxes[{i}]"), np.asarray(c, dtype=np.int64).reshape(-1))
           for i, (b, c) in enumerate(zip(true_boxes, true_classes))]
    if sum(g[0].shape[0] for g in gts) == 0:
        raise ValueError("there is no ground-truth box at all: average precision is undefined")
    dets = []
    for i in range(n_img):
        b = check_boxes(pred_boxes[i], f"pred_boxes[{i}]")
        s = np.asarray(pred_scores[i], dtype=np.float64).reshape(-1)
        c = np.asarray(pred_classes[i], dtype=np.int64).reshape(-1)
        if not (s.size == c.size == b.shape[0]) or gts[i][1].size != gts[i][0].shape[0]:
            raise ValueError(f"image {i}: boxes, scores and classes must have one entry per box")
        dets += [(s[j], i, c[j], b[j]) for j in range(b.shape[0])]
    dets.sort(key=lambda d: -d[0])
    ap = np.full(C, np.nan)
    for cls in range(C):
        n_true = sum(int((g[1] == cls).sum()) for g in gts)
        if n_true == 0:
            continue
        matched = [np.zeros(g[0].shape[0], dtype=bool) for g in gts]
        tp = []
        for _, i, c, box in dets:
            if c != cls:
                continue
            cand = np.flatnonzero((gts[i][1] == cls) & ~matched[i])
            hit = False
            if cand.size:
                ious = iou_matrix(box[None], gts[i][0][cand])[0]
                best = int(np.argmax(ious))
                if ious[best] >= iou_threshold:
                    matched[i][cand[best]] = True
                    hit = True
            tp.append(hit)
        if not tp:
            ap[cls] = 0.0
            continue
        tp = np.array(tp, dtype=np.float64)
        cum_tp = np.cumsum(tp)
        recall = cum_tp / n_true
        precision = cum_tp / np.arange(1, tp.size + 1)
        ap[cls] = average_precision(recall, precision)
    return float(np.nanmean(ap)), ap


# --- localization: the label vector and its loss -------------------------------------------------------

def localization_label(box: Any | None, class_id: int | None, n_classes: int,
                       landmarks: Any | None = None) -> np.ndarray:
    """The lecture's target y = (p_c, b_x, b_y, b_h, b_w, c_1..c_C [, l_1x, l_1y, ...]).

    Inputs: box (x1, y1, x2, y2) in relative units or None for "no object"; class_id in [0, C); optional
    landmarks (L, 2) relative (x, y) points. Without an object, every entry but p_c = 0 is NaN:
    the "don't care" entries (the course's "?").
    Returns: y of shape (5 + C,) or (5 + C + 2L,).
    """
    C = check_positive_int(n_classes, "n_classes")
    n_land = 0 if landmarks is None else as_array(landmarks, "landmarks", shape=(None, 2)).shape[0]
    y = np.full(5 + C + 2 * n_land, np.nan)
    y[PC] = 0.0
    if box is None:
        return y
    b = check_boxes(box, "box", allow_empty=False)[0]
    if class_id is None or not 0 <= int(class_id) < C:
        raise ValueError(f"class_id must be an integer in [0, {C}), got {class_id!r}")
    y[PC] = 1.0
    y[BX], y[BY] = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    y[BH], y[BW] = b[3] - b[1], b[2] - b[0]
    y[5:5 + C] = 0.0
    y[5 + int(class_id)] = 1.0
    if n_land:
        y[5 + C:] = as_array(landmarks, "landmarks").reshape(-1)
    return y


def localization_loss(y_hat: Any, y: Any) -> np.ndarray:
    """The lecture's squared-error loss with "don't care" terms, one value per example.

    Inputs: y_hat (m, n) predictions, y (m, n) labels from ``localization_label``.
    Returns: (m,) losses: sum over all n entries of (y_hat - y)^2 when p_c = 1, only (y_hat_1 - y_1)^2 when
    p_c = 0 (the other entries are "don't care").
    """
    y_hat = as_array(y_hat, "y_hat", ndim=2)
    y = as_array(y, "y", ndim=2)
    if y.shape != y_hat.shape or y.shape[1] < 6:
        raise ValueError(f"y_hat and y must have the same shape (m, 5 + C), got {y_hat.shape} and {y.shape}")
    if not np.isin(y[:, PC], (0.0, 1.0)).all():
        raise ValueError("y[:, 0] (p_c) must be 0 or 1")
    ### BEGIN SOLUTION
    squares = (y_hat - y) ** 2                # NaN where y is "don't care"
    has_object = y[:, PC] == 1
    loss = np.where(has_object, np.sum(squares, axis=1), squares[:, PC])
    ### END SOLUTION
    return loss


# --- sliding windows and their convolutional implementation ------------------------------------------

def sliding_windows(image: Any, window: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Every window x window crop of ``image`` taken every ``stride`` pixels.

    Inputs: image (H, W) or (H, W, C); window and stride in pixels.
    Returns: crops (k, window, window[, C]) and their top-left corners (k, 2) as (row, col), row-major.
    """
    img = np.asarray(image)
    if img.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (H, W, C), got {img.shape}")
    window = check_positive_int(window, "window")
    stride = check_positive_int(stride, "stride")
    H, W = img.shape[:2]
    if window > min(H, W):
        raise ValueError(f"window {window} is larger than the image ({H} x {W})")
    ### BEGIN SOLUTION
    crops, positions = [], []
    for top in range(0, H - window + 1, stride):
        for left in range(0, W - window + 1, stride):
            crops.append(img[top:top + window, left:left + window])
            positions.append((top, left))
    ### END SOLUTION
    return np.stack(crops), np.array(positions, dtype=np.int64)


def network_stride(model: Any) -> int:
    """The product of the strides of a Keras model's Conv2D and pooling layers (the step between windows)."""
    stride = 1
    for layer in model.layers:
        s = getattr(layer, "strides", None)
        if s is not None:
            stride *= int(s[0])
    return stride


def fc_to_conv(model: Any, channels: int | None = None) -> Any:
    """Turn a Keras ``Sequential`` classifier (Conv2D / pooling / Flatten / Dense) into a fully
    convolutional model that accepts any image size (the lecture's "FC layers as convolutions").

    The first Dense after Flatten becomes a Conv2D with the flattened feature map's size as its kernel;
    later Dense layers become 1 x 1 convolutions. Weights are copied, so on a window-sized input the new
    model gives the classifier's output, and on a larger image it gives the classifier's output on every
    window at once, spaced ``network_stride(model)`` pixels apart.
    Inputs: model (trained, with a known input shape (h, w, c)); channels overrides c.
    Returns: a Keras model mapping (m, H, W, c) to (m, H', W', units of the last Dense).
    """
    import keras

    in_shape = model.inputs[0].shape[1:]
    c = channels or int(in_shape[-1])
    x = inp = keras.Input((None, None, c))
    feat_shape = None
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Flatten):
            feat_shape = tuple(int(s) for s in layer.input.shape[1:])
            continue
        if isinstance(layer, keras.layers.Dense):
            W, b = layer.get_weights()
            if feat_shape is not None:  # first Dense after Flatten: a conv with the feature map's size
                kh, kw, kc = feat_shape
                kernel = W.reshape(kh, kw, kc, W.shape[1])
                feat_shape = None
            else:
                kernel = W.reshape(1, 1, W.shape[0], W.shape[1])
            conv = keras.layers.Conv2D(W.shape[1], kernel.shape[:2], activation=layer.activation,
                                       name=f"{layer.name}_as_conv")
            x = conv(x)
            conv.set_weights([kernel, b])
            continue
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D,
                              keras.layers.Activation, keras.layers.ReLU, keras.layers.BatchNormalization,
                              keras.layers.Dropout)):
            clone = layer.__class__.from_config(layer.get_config())
            x = clone(x)
            clone.set_weights(layer.get_weights())
            continue
        raise ValueError(f"fc_to_conv handles Conv2D, pooling, Flatten and Dense layers, not {type(layer).__name__}")
    return keras.Model(inp, x, name=f"{model.name}_convolutional")


def heatmap_to_boxes(heatmap: Any, window: int, stride: int, threshold: float = 0.5,
                     scale: float | tuple[float, float] = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Boxes of the windows whose score passes ``threshold``, in the original image's pixels.

    Inputs: heatmap (H', W') scores from the convolutional model on an image resized by ``scale`` (one factor,
    or (scale_y, scale_x) when the rounding of the resized size makes them differ); window and stride in the
    resized image's pixels.
    Returns: boxes (k, 4) corners (x1, y1, x2, y2) and scores (k,).
    """
    hm = as_array(heatmap, "heatmap", ndim=2)
    window, stride = check_positive_int(window, "window"), check_positive_int(stride, "stride")
    threshold = check_range(threshold, "threshold")
    if np.ndim(scale) not in (0, 1) or np.size(scale) not in (1, 2):
        raise ValueError(f"scale must be one factor or (scale_y, scale_x), got {scale!r}")
    sy, sx = (scale, scale) if np.ndim(scale) == 0 else scale
    check_range(sy, "scale", 0, None, low_inclusive=False)
    check_range(sx, "scale", 0, None, low_inclusive=False)
    rows, cols = np.nonzero(hm >= threshold)
    x1 = cols * stride / sx
    y1 = rows * stride / sy
    boxes = np.stack([x1, y1, x1 + window / sx, y1 + window / sy], axis=1).reshape(-1, 4).astype(np.float64)
    return boxes, hm[rows, cols].astype(np.float64)


# --- a small YOLO-style detector in Keras -------------------------------------------------------------

def build_yolo_model(input_size: int = 64, grid_size: int = 4, n_anchors: int = 2, n_classes: int = 3,
                     width: int = 32) -> Any:
    """A small fully convolutional YOLO-style network: (m, H, W, 3) -> raw (m, S, S, B, 5 + C).

    Conv-BN-ReLU blocks, each followed by 2 x 2 max pooling until the map is S x S, then a 3 x 3 conv and a
    1 x 1 conv with B * (5 + C) channels (one label vector per anchor). ``input_size`` must be
    ``grid_size * 2^k``.
    """
    import keras

    S = check_positive_int(grid_size, "grid_size")
    size = check_positive_int(input_size, "input_size")
    n_pool = int(round(np.log2(size / S)))
    if S * 2 ** n_pool != size:
        raise ValueError(f"input_size must be grid_size * 2^k, got input_size={size}, grid_size={S}")
    B, C = check_positive_int(n_anchors, "n_anchors"), check_positive_int(n_classes, "n_classes")
    inp = keras.Input((size, size, 3))
    x = inp
    for k in range(n_pool):
        x = keras.layers.Conv2D(min(width * 2 ** (k // 2), 4 * width), 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(4 * width, 3, padding="same", activation="relu")(x)
    bias = np.zeros((B, 5 + C), dtype=np.float32)
    bias[:, PC] = np.log(0.05 / 0.95)  # start from "few slots hold an object", so early training is not wasted
    x = keras.layers.Conv2D(B * (5 + C), 1, dtype="float32",
                            bias_initializer=keras.initializers.Constant(bias.reshape(-1)))(x)
    out = keras.layers.Reshape((S, S, B, 5 + C), dtype="float32")(x)
    return keras.Model(inp, out, name="tiny_yolo")


def yolo_loss(anchors: Any, lambda_coord: float = 5.0, lambda_noobj: float = 0.5) -> Any:
    """A YOLO loss for raw outputs in the label's layout, as a Keras loss ``loss(y_true, y_pred)``.

    For the (cell, anchor) slots that own an object (p_c = 1): squared error on the midpoint offsets
    (sigmoid(t_x), sigmoid(t_y)) and on the log-sizes (t_w, t_h vs log(b / anchor)), weighted by
    ``lambda_coord``, plus the class cross-entropy. Objectness: binary cross-entropy on every slot, the
    empty ones weighted by ``lambda_noobj``. Summed over the grid, averaged over the batch.
    Inputs: anchors (B, 2) relative (w, h); y_true and y_pred of shape (m, S, S, B, 5 + C).
    """
    import tensorflow as tf

    anchors = check_anchors(anchors)

    def loss(y_true, y_pred):
        y_pred = tf.cast(y_pred, tf.float32)
        y_true = tf.cast(y_true, tf.float32)
        S = tf.cast(tf.shape(y_true)[1], tf.float32)
        anchor_hw = tf.constant(anchors[:, ::-1], tf.float32) * S  # (B, 2) as (h, w) in cell units
        obj = y_true[..., PC]
        bce = tf.nn.sigmoid_cross_entropy_with_logits(labels=obj, logits=y_pred[..., PC])
        obj_loss = tf.reduce_sum(bce * (obj + lambda_noobj * (1 - obj)), axis=[1, 2, 3])
        xy_err = tf.reduce_sum(tf.square(tf.sigmoid(y_pred[..., BX:BY + 1]) - y_true[..., BX:BY + 1]), axis=-1)
        target_log_hw = tf.math.log(tf.maximum(y_true[..., BH:BW + 1], 1e-6) / anchor_hw)
        hw_err = tf.reduce_sum(tf.square(y_pred[..., BH:BW + 1] - target_log_hw), axis=-1)
        cls = tf.nn.softmax_cross_entropy_with_logits(labels=y_true[..., 5:], logits=y_pred[..., 5:])
        box_loss = tf.reduce_sum(obj * (lambda_coord * (xy_err + hw_err) + cls), axis=[1, 2, 3])
        return tf.reduce_mean(obj_loss + box_loss)

    return loss


def prior_baseline_raw(y_train: Any, anchors: Any) -> np.ndarray:
    """A detector that ignores the image: for every image, the same raw output (S, S, B, 5 + C) built
    from the training labels' statistics (objectness rate per slot, mean offsets and sizes, class
    frequencies). Its mAP is the baseline a trained detector must beat.
    """
    y = as_array(y_train, "y_train", ndim=5)
    anchors = check_anchors(anchors)
    S = y.shape[1]
    obj = y[..., PC]
    rate = np.clip(obj.mean(axis=0), 1e-4, 1 - 1e-4)
    raw = np.zeros(y.shape[1:])
    raw[..., PC] = np.log(rate / (1 - rate))
    w = obj[..., None] / np.maximum(obj.sum(axis=0)[..., None], 1)
    mean = (y * w).sum(axis=0)  # per-slot mean of the owning objects' entries
    off = np.clip(np.where(obj.sum(axis=0)[..., None] > 0, mean[..., BX:BY + 1], 0.5), 1e-3, 1 - 1e-3)
    raw[..., BX:BY + 1] = np.log(off / (1 - off))
    hw = np.where(obj.sum(axis=0)[..., None] > 0, mean[..., BH:BW + 1], anchors[:, ::-1] * S)
    raw[..., BH:BW + 1] = np.log(np.maximum(hw, 1e-6) / (anchors[:, ::-1] * S))
    freq = (y[..., 5:] * obj[..., None]).sum(axis=(0, 1, 2, 3)) + 1
    raw[..., 5:] = np.log(freq / freq.sum())
    return raw


def multiply_adds(model: Any, input_shape: tuple[int, ...]) -> int:
    """Multiply-adds of one forward pass of a Keras model made of Conv2D and Dense layers (others are free).

    Inputs: input_shape (H, W, C) without the batch axis. Returns: the count (an int).
    """
    import keras

    total = 0
    shape = (1, *input_shape)
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        out = layer.compute_output_shape(shape)
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            total += int(np.prod(out[1:])) * kh * kw * int(shape[-1])
        elif isinstance(layer, keras.layers.Dense):
            total += int(np.prod(out[1:])) * int(shape[-1])
        shape = out
    return int(total)


# --- drawing ------------------------------------------------------------------------------------------

def draw_boxes(ax: Any, boxes: Any, labels: Sequence[str] | None = None, color: str | Sequence[str] = "lime",
               linewidth: float = 1.5, fontsize: int = 7, pixel_offset: float = -0.5) -> Any:
    """Draw corner boxes (k, 4) on a matplotlib axes (over an ``imshow``), each with an optional label.

    ``pixel_offset`` shifts the corners by half a pixel so a box drawn over ``imshow`` covers its pixels.
    ``color`` is one colour or one per box. Returns ax.
    """
    import matplotlib.patches as patches

    b = check_boxes(boxes)
    colors = [color] * b.shape[0] if isinstance(color, str) else list(color)
    if labels is not None and len(labels) != b.shape[0]:
        raise ValueError(f"got {len(labels)} labels for {b.shape[0]} boxes")
    if len(colors) != b.shape[0]:
        raise ValueError(f"got {len(colors)} colours for {b.shape[0]} boxes")
    for k, (x1, y1, x2, y2) in enumerate(b + pixel_offset):
        ax.add_patch(patches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colors[k],
                                       linewidth=linewidth))
        if labels is not None:
            ax.text(x1, y1, labels[k], color="black", fontsize=fontsize, va="bottom",
                    bbox=dict(facecolor=colors[k], alpha=0.8, pad=1, edgecolor="none"))
    return ax


# --- faces: the reference detector (the workbook's own is ``utils.face_detector``) ----------------------

def _gray01(image: Any) -> np.ndarray:
    from skimage.color import rgb2gray

    img = np.asarray(image)
    integers = np.issubdtype(img.dtype, np.integer)
    if img.ndim == 3:
        img = rgb2gray(img[..., :3])  # uint8 in, floats in [0, 1] out
        integers = False
    elif img.ndim != 2:
        raise ValueError(f"image must have shape (H, W) or (H, W, 3), got {img.shape}")
    img = img.astype(np.float64)
    return img / 255.0 if integers or img.max() > 1 else img


def cascade_faces(image: Any, min_size: int = 60, max_size: int = 300) -> np.ndarray:
    """Faces found by scikit-image's LBP frontal-face cascade (trained by OpenCV on thousands of faces).

    Returns: boxes (k, 4) corners in pixels.
    """
    import skimage.data
    import skimage.feature

    detector = skimage.feature.Cascade(skimage.data.lbp_frontal_face_cascade_filename())
    img = np.asarray(image)
    if img.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (H, W, 3), got {img.shape}")
    found = detector.detect_multi_scale(img=img, scale_factor=1.2, step_ratio=1,
                                        min_size=(min_size, min_size), max_size=(max_size, max_size))
    return np.array([[f["c"], f["r"], f["c"] + f["width"], f["r"] + f["height"]] for f in found],
                    dtype=np.float64).reshape(-1, 4)
