# %% [markdown]
# # YOLO: grid cells, anchors, IoU and non-max suppression
#
# > The midpoint rule on an S x S grid (a widget), IoU, non-max suppression checked against TensorFlow, anchor boxes, the (S, S, B, 5 + C) output, and a small YOLO-style detector trained on generated scenes, scored by mAP@0.5.
#
# ## Introduction
#
# YOLO ("you only look once") detects every object in one forward pass. It cuts the image into an S x S
# grid; each cell predicts B boxes, one per **anchor** shape, each with the localization vector of the
# previous notebook (p_c, b_x, b_y, b_h, b_w, c_1..c_C). So the output is a volume of shape
# (S, S, B, 5 + C). An object belongs to the one cell that contains its **midpoint**, and to the anchor
# whose shape overlaps it best (**IoU**). At test time, boxes with a low score are dropped and
# **non-max suppression** removes the duplicates.
#
# We build every piece in numpy (`utils.detection`), check NMS against TensorFlow's, train a small
# YOLO-style network in Keras on generated scenes (discs, squares and triangles on real-photo
# backgrounds, `utils.scenes`), and score it with our own mean average precision (mAP) at IoU 0.5.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import functools

import keras
import matplotlib.pyplot as plt
import numpy as np

from utils.detection import (PC, assign_anchors, build_yolo_model, corners_to_center, count_collisions,
                             decode_yolo_labels, draw_boxes, encode_yolo_labels, grid_cell, iou, kmeans_anchors,
                             mean_average_precision, non_max_suppression, prior_baseline_raw, wh_iou,
                             yolo_boxes_to_corners, yolo_eval, yolo_filter_boxes, yolo_head, yolo_loss,
                             yolo_non_max_suppression)
from utils.exercises import show_solution
from utils.plotting import plot_history
from utils.scenes import CLASS_NAMES, make_scenes
from utils.training import fit_model, scale_for_device
from utils.widgets import SliderPanel

# %% [markdown]
# ## The data: generated scenes
#
# Each 64 x 64 scene holds two to four objects of three classes (disc, square, triangle), of random
# colour, size (10 to 28 pixels) and aspect ratio, on a random crop of one of the workbook's photographs.
# The generator is seeded, so the training scenes and the held-out test scenes (another seed) are the
# same on every run.

# %%
# NBVAL_CHECK_OUTPUT
SIZE, S, C = 64, 4, len(CLASS_NAMES)
info_scale = scale_for_device(cpu_epochs=12, gpu_epochs=40, batch_size=64)
n_train = 8000 if info_scale.device.has_gpu else 2000
train = make_scenes(n_train, size=SIZE, seed=0)
test = make_scenes(300, size=SIZE, seed=1)
print(f"test scenes: {test.images.shape}, {sum(len(b) for b in test.boxes)} objects, "
      f"classes {dict(zip(CLASS_NAMES, np.bincount(np.concatenate(test.classes)).tolist()))}")

# %%
fig, axes = plt.subplots(1, 6, figsize=(10, 2.2))
for ax, img, boxes, classes in zip(axes, test.images, test.boxes, test.classes):
    ax.imshow(img)
    ax.grid(False)
    draw_boxes(ax, boxes, [CLASS_NAMES[c] for c in classes])
    ax.set(xticks=[], yticks=[], xlabel="x", ylabel="y")
fig.suptitle("Held-out test scenes with their ground-truth boxes", fontweight="bold")
plt.show()

# %% [markdown]
# ## Intersection over union
#
# IoU = area of the intersection / area of the union of two boxes given by their corners (x1, y1, x2, y2).
# It is 1 for identical boxes and 0 for boxes that do not overlap; boxes that only *touch* have an empty
# intersection, so their IoU is 0 too.
#
# The intersection is itself a box: its top-left corner is the larger of the two top-left corners, its
# bottom-right corner the smaller of the two bottom-right ones. When the boxes are apart, that "box" has a
# negative width or height, so each side is clipped at 0. The union is the two areas minus the intersection
# (which both contain). The workbook's `iou` (the exercise version of this notebook asks you to write it):

# %%
show_solution(iou)

# %% [markdown]
# The course's example is the first line:

# %%
# NBVAL_CHECK_OUTPUT
cases = {"course example": ((2, 1, 4, 3), (1, 2, 3, 4)),
         "no overlap": ((1, 2, 3, 4), (5, 6, 7, 8)),
         "touching at a corner": ((1, 1, 2, 2), (2, 2, 3, 3)),
         "touching along an edge": ((1, 1, 3, 3), (2, 3, 3, 4)),
         "one inside the other": ((0, 0, 4, 4), (1, 1, 3, 3))}
for name, (b1, b2) in cases.items():
    print(f"{name:>24}: iou({b1}, {b2}) = {iou(b1, b2):.4f}")
assert np.isclose(iou(*cases["course example"]), 1 / 7)

# %% [markdown]
# A box with x2 < x1 is not a box: every function of `utils.detection` refuses it with a message.

# %%
# NBVAL_CHECK_OUTPUT
try:
    iou((3, 1, 2, 4), (0, 0, 1, 1))
except ValueError as err:
    print(f"ValueError: {err}")

# %% [markdown]
# ## Midpoints and corners
#
# YOLO describes a box by its midpoint (x, y) and its size (w, h); IoU, drawing and non-max suppression want
# corners (x1, y1, x2, y2). `yolo_boxes_to_corners` converts a whole volume of boxes at once, whatever its
# leading shape (one box, a list of boxes, or the (S, S, B) boxes of a grid):

# %%
show_solution(yolo_boxes_to_corners)

# %%
# NBVAL_CHECK_OUTPUT
corners = yolo_boxes_to_corners(np.array([0.5, 0.4]), np.array([0.2, 0.4]))
print(f"midpoint (0.5, 0.4), size 0.2 x 0.4 -> corners (x1, y1, x2, y2) = {np.round(corners, 3).tolist()}")
xy_back, wh_back = corners_to_center(corners)  # and back
assert np.allclose(xy_back[0], [0.5, 0.4]) and np.allclose(wh_back[0], [0.2, 0.4])

# %% [markdown]
# ## Anchor boxes
#
# A cell may hold objects of different shapes; with B anchors, each cell has B slots, and an object goes to
# the slot whose anchor shape has the highest IoU with its box (both centred on the same point). Rather
# than guessing the anchors, YOLOv2 clusters the training boxes' sizes with k-means, using 1 − IoU as the
# distance. Two anchors for our scenes (sizes in image units):

# %%
# NBVAL_CHECK_OUTPUT
train_rel = train.relative_boxes()
all_wh = np.concatenate([corners_to_center(b)[1] for b in train_rel])
anchors = kmeans_anchors(all_wh, k=2, seed=0)
B = len(anchors)
used = np.bincount(np.concatenate([assign_anchors(b, anchors) for b in train_rel]), minlength=B)
print(f"anchors (w, h) in image units: {np.round(anchors, 2).tolist()}")
print(f"training objects per anchor: {used.tolist()}; mean best IoU with an anchor: "
      f"{wh_iou(all_wh, anchors).max(axis=1).mean():.2f}")

# %% [markdown]
# ## Grid cells and the midpoint rule (widget)
#
# Move the box and change the grid: the cell holding the box's **midpoint** (red dot) owns it, whatever
# other cells the box covers; the anchor drawn in the owning cell is the one with the best IoU with the box's
# shape. The text gives the label entries that cell and anchor would hold: b_x, b_y are the midpoint's
# offsets inside the cell (0 to 1), b_h and b_w the box's size in cell units (they can exceed 1).


# %%
# NBVAL_IGNORE_OUTPUT
def draw_grid(fig, grid=4, x=0.45, y=0.55, w=0.4, h=0.25):
    ax = fig.add_subplot(111)
    box = yolo_boxes_to_corners(np.array([x, y]), np.array([w, h])).clip(0, 1)
    xy, wh = corners_to_center(box)
    row, col = (int(v[0]) for v in grid_cell(xy, grid))
    best = int(assign_anchors(box, anchors)[0])
    ax.imshow(test.images[0], extent=(0, 1, 1, 0))
    ax.grid(False)
    for k in range(1, grid):
        ax.axhline(k / grid, color="white", lw=1)
        ax.axvline(k / grid, color="white", lw=1)
    ax.add_patch(plt.Rectangle((col / grid, row / grid), 1 / grid, 1 / grid, color="yellow", alpha=0.35))
    draw_boxes(ax, box, ["object"], color="lime", pixel_offset=0)
    anchor_box = yolo_boxes_to_corners(xy[0], anchors[best])
    draw_boxes(ax, anchor_box, [f"anchor {best}"], color="deepskyblue", pixel_offset=0)
    ax.plot(*xy[0], "ro")
    ax.set(xlim=(0, 1), ylim=(1, 0), title=f"{grid} x {grid} grid: cell (row {row}, col {col}) owns the box",
           xlabel="x (image units)", ylabel="y (image units)")
    ious = wh_iou(wh, anchors)[0]
    return (f"midpoint ({xy[0, 0]:.2f}, {xy[0, 1]:.2f}) -> cell (row {row}, col {col}); anchor IoUs "
            f"{np.round(ious, 2).tolist()} -> anchor {best}; label: b_x = {xy[0, 0] * grid - col:.2f}, "
            f"b_y = {xy[0, 1] * grid - row:.2f}, b_h = {wh[0, 1] * grid:.2f}, b_w = {wh[0, 0] * grid:.2f}")


panel = SliderPanel(draw_grid, {"grid": (2, 8, 1, 4), "x": (0.0, 1.0, 0.01, 0.45), "y": (0.0, 1.0, 0.01, 0.55),
                                "w": (0.05, 0.8, 0.01, 0.4), "h": (0.05, 0.8, 0.01, 0.25)}, figsize=(4.5, 4.5))
assert not panel.message.value, panel.message.value  # the drawing raised no error
panel

# %% [markdown]
# ## The (S, S, B, 5 + C) label
#
# `encode_yolo_labels` writes each object's vector into its cell and anchor; every other slot is zero
# (p_c = 0: "don't care" for the rest). For each object: find its midpoint and size, the cell that owns the
# midpoint (`grid_cell`) and the anchor that fits its shape best (`assign_anchors`), then write
# (1, b_x, b_y, b_h, b_w, one-hot class) into that slot, with b_x, b_y the offsets inside the cell and
# b_h, b_w in cell units. The workbook's version:

# %%
show_solution(encode_yolo_labels)

# %% [markdown]
# With S = 4, B = 2 anchors and C = 3 classes, each image's label has shape (4, 4, 2, 8). Decoding gives the
# boxes back exactly:

# %%
# NBVAL_CHECK_OUTPUT
y0 = encode_yolo_labels(test.relative_boxes()[0], test.classes[0], S, anchors, C)
rows, cols, slots = np.nonzero(y0[..., PC])
owners = list(zip(rows.tolist(), cols.tolist(), slots.tolist()))
print(f"label shape {y0.shape}; objects in (row, col, anchor): {owners}")
for r, c, b in zip(rows, cols, slots):
    print(f"  y[{r}, {c}, {b}] = {np.round(y0[r, c, b], 2)}")
boxes_back, classes_back = decode_yolo_labels(y0)
assert np.allclose(np.sort(boxes_back, axis=0), np.sort(test.relative_boxes()[0], axis=0))


# %% [markdown]
# Two objects of one image can claim the same cell and anchor; the label then keeps only one (as in the
# course). With a 4 x 4 grid and two anchors that is rare in our scenes:

# %%
# NBVAL_CHECK_OUTPUT
def encode_all(scenes):
    return np.stack([encode_yolo_labels(b, c, S, anchors, C) for b, c in zip(scenes.relative_boxes(), scenes.classes)])


y_train, y_test = encode_all(train), encode_all(test)
lost = sum(count_collisions(b, S, anchors) for b in test.relative_boxes())
n_objects = sum(len(b) for b in test.boxes)
print(f"y_test: {y_test.shape}; test objects that lose their slot to another: {lost} of {n_objects}")

# %% [markdown]
# ## From the network's output to boxes: the course's three steps
#
# The network outputs raw numbers t in the label's layout; `yolo_head` turns them into boxes as YOLOv2 does:
# p_c = σ(t_o), midpoint = (cell + σ(t_x, t_y)) / S, size = anchor · exp(t_w, t_h), class probabilities =
# softmax. The cell's position is its (column, row), so that it adds to (x, y); the sigmoid keeps each
# midpoint inside its own cell:

# %%
show_solution(yolo_head)

# %% [markdown]
# Then:
#
# 1. `yolo_boxes_to_corners`: midpoints and sizes → corners;
# 2. `yolo_filter_boxes`: score = p_c · c_i for the best class i; drop the boxes whose score is below a
#    threshold;
# 3. `yolo_non_max_suppression`: take the best box, drop every box overlapping it with IoU > a threshold,
#    repeat.
#
# Step 1 is `yolo_boxes_to_corners` above. Step 2 in code: the scores p_c · c_i of every class, the best class
# of each box and its score, and a mask that keeps the boxes scoring at least the threshold:

# %%
show_solution(yolo_filter_boxes)

# %% [markdown]
# Step 3 in two parts. `non_max_suppression(boxes, scores, max_boxes, iou_threshold)` is the greedy
# algorithm: go through the boxes from the best score down; keep a box unless a box kept before it has
# suppressed it; each kept box suppresses every box overlapping it by more than `iou_threshold`; stop at
# `max_boxes`. It returns the indices of the kept boxes, best first, as TensorFlow's does:

# %%
show_solution(non_max_suppression)

# %% [markdown]
# `yolo_non_max_suppression`, the course's function, applies it to the boxes `yolo_filter_boxes` kept and
# gathers their scores, boxes and classes (like the course, it ignores the classes when suppressing):

# %%
show_solution(yolo_non_max_suppression)

# %% [markdown]
# Our NMS follows `tf.image.non_max_suppression` exactly. Checked on 200 random sets of boxes, scores,
# thresholds and box limits:

# %%
# NBVAL_CHECK_OUTPUT
import tensorflow as tf  # noqa: E402

rng = np.random.default_rng(0)
same = 0
for trial in range(200):
    n = int(rng.integers(1, 40))
    boxes = yolo_boxes_to_corners(rng.uniform(0, 1, (n, 2)), rng.uniform(0.05, 0.5, (n, 2)))
    scores = rng.uniform(size=n)
    max_boxes, thr = int(rng.integers(1, 15)), float(rng.uniform(0.1, 0.9))
    ours = non_max_suppression(boxes, scores, max_boxes, thr)
    theirs = tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]].astype(np.float32), scores.astype(np.float32),
                                          max_boxes, thr).numpy()  # TensorFlow wants (y1, x1, y2, x2)
    same += np.array_equal(ours, theirs)
print(f"our NMS selects the same boxes, in the same order, as TensorFlow's on {same} of 200 random sets")
assert same == 200

# %% [markdown]
# ## Mean average precision, checked by hand
#
# A detector is scored per class by **average precision**: sort its detections by score; each one is a
# true positive if it overlaps a not-yet-matched ground-truth box of its class with IoU ≥ 0.5, otherwise a
# false positive (a duplicate counts as false); AP is the area under the precision-recall curve (with the
# precision made non-increasing). The mean over classes is the **mAP@0.5**. A small case worked by hand:
#
# - class 0 has three true boxes (A and B in image 0, C in image 1). The detections, by score: A (true
#   positive), A again (false: A is already matched), nothing (false), C (true). Precision 1, 1/2, 1/3, 1/2
#   at recall 1/3, 1/3, 1/3, 2/3, so AP = 1/3 · 1 + 1/3 · 1/2 = 1/2 (B is never found).
# - class 1 has one true box, found exactly: AP = 1. Class 2 has no true box: it is left out.
# - mAP = (1/2 + 1) / 2 = 3/4.

# %%
# NBVAL_CHECK_OUTPUT
true_boxes = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([[0, 0, 10, 10], [40, 0, 50, 10]])]
true_classes = [np.array([0, 0]), np.array([0, 1])]
pred_boxes = [np.array([[0, 0, 10, 10], [0, 0, 10, 10]]),
              np.array([[50, 50, 60, 60], [0, 0, 10, 9], [40, 0, 50, 10], [5, 5, 6, 6]])]
pred_scores = [np.array([0.9, 0.8]), np.array([0.7, 0.6, 0.5, 0.4])]
pred_classes = [np.array([0, 0]), np.array([0, 0, 1, 2])]
mAP, ap = mean_average_precision(pred_boxes, pred_scores, pred_classes, true_boxes, true_classes, 3)
print(f"AP per class: {np.round(ap, 4).tolist()}, mAP = {mAP:.4f}")
assert np.isclose(ap[0], 0.5) and np.isclose(ap[1], 1.0) and np.isclose(mAP, 0.75)

# %% [markdown]
# ## A small YOLO-style detector
#
# `build_yolo_model`: four Conv-BatchNorm-ReLU-MaxPool blocks take the 64 x 64 scene to a 4 x 4 grid, then a
# 3 x 3 and a 1 x 1 convolution output B · (5 + C) = 16 numbers per cell, reshaped to (4, 4, 2, 8).
# `yolo_loss`: binary cross-entropy on p_c everywhere (the empty slots weighted 0.5), and, only in the
# slots that own an object, squared errors on the midpoint offsets and the log-sizes (weighted 5) plus the
# class cross-entropy. Trained on `utils.training` (more scenes and epochs on a GPU):

# %%
print(info_scale)
print(f"training scenes: {n_train}")
fit = fit_model(lambda: build_yolo_model(SIZE, S, B, C, width=16),
                {"optimizer": lambda: keras.optimizers.Adam(3e-3), "loss": yolo_loss(anchors)},
                (train.images, y_train.astype(np.float32)), None,
                epochs=info_scale.epochs, batch_size=info_scale.batch_size, seed=0)
print(fit.summary())
detector = fit.model
print(f"parameters: {detector.count_params():,}")
_ = plot_history(fit.history, metrics=("loss",), title="YOLO training loss")
plt.show()

# %% [markdown]
# ## mAP@0.5 on the held-out scenes
#
# For AP we keep every box with a score above 0.05 (AP itself sweeps the score threshold), then NMS at IoU 0.5.
# The baseline is a "detector" that never looks at the image: for every scene it outputs the same raw
# volume, built from the training labels' statistics (how often each slot holds an object, the average
# offsets and sizes, the class frequencies). Its mAP is what knowing the data's statistics alone buys.

# %%
raw_test = np.asarray(detector.predict(test.images, verbose=0))


def detections(raws, score_threshold=0.05, iou_threshold=0.5):
    found = [yolo_eval(r, anchors, score_threshold, iou_threshold, max_boxes=10) for r in raws]
    return [f[1] for f in found], [f[0] for f in found], [f[2] for f in found]


boxes_p, scores_p, classes_p = detections(raw_test)
mAP, ap = mean_average_precision(boxes_p, scores_p, classes_p, test.relative_boxes(), test.classes, C)
prior = prior_baseline_raw(y_train, anchors)
base_mAP, _ = mean_average_precision(*detections([prior] * len(test)), test.relative_boxes(), test.classes, C)
print(f"mAP@0.5 on {len(test)} held-out scenes: {mAP:.3f}  (per class: "
      f"{', '.join(f'{n} {a:.3f}' for n, a in zip(CLASS_NAMES, ap))})")
print(f"baseline that ignores the image: mAP@0.5 = {base_mAP:.3f}")

# %% [markdown]
# The claim, checked: the trained detector beats the image-blind baseline by far, and reaches an mAP@0.5
# of at least 0.5 on scenes it never saw (on a 2-core CPU, with a few minutes of training at most).

# %%
assert mAP > 0.5, f"mAP@0.5 = {mAP:.3f} is below the stated target 0.5"
assert mAP > base_mAP + 0.4
from utils.results import record  # extra code: the numbers for the benchmark report (prints nothing)
_ = record("YOLO-style detector: mAP@0.5 on held-out scenes (reference: image-blind baseline)", mAP, reference=round(base_mAP, 3))

# %% [markdown]
# ## Before and after filtering (widget)
#
# Left: every one of the S · S · B = 32 predicted boxes whose score p_c · c_i passes 0.01, drawn with a
# line width that grows with the score. Right: after the score threshold and non-max suppression, with the
# boxes NMS suppressed in thin grey. Raise the IoU threshold towards 1 and duplicates survive NMS; lower the
# score threshold and false positives appear.

# %%
# NBVAL_IGNORE_OUTPUT
@functools.lru_cache(maxsize=None)
def scene_boxes(index):
    xy, wh, conf, probs = yolo_head(raw_test[index], anchors)
    return yolo_filter_boxes(yolo_boxes_to_corners(xy, wh), conf, probs, threshold=0.01)


def draw_filtering(fig, scene=0, score_threshold=0.6, iou_threshold=0.5):
    scores, boxes, classes = scene_boxes(scene)
    axes = fig.subplots(1, 2)
    for ax in axes:
        ax.imshow(test.images[scene], extent=(0, 1, 1, 0))
        ax.grid(False)
        ax.set(xlabel="x (image units)", ylabel="y (image units)")
    for s, b in zip(scores, boxes):
        draw_boxes(axes[0], b, color="orange", linewidth=0.5 + 2.5 * s, pixel_offset=0)
    axes[0].set_title(f"before: {len(scores)} boxes with score > 0.01")
    keep = scores >= score_threshold
    s2, b2, c2 = yolo_non_max_suppression(scores[keep], boxes[keep], classes[keep], 10, iou_threshold)
    suppressed = np.ones(keep.sum(), bool)
    suppressed[non_max_suppression(boxes[keep], scores[keep], 10, iou_threshold)] = False  # the indices NMS kept
    draw_boxes(axes[1], boxes[keep][suppressed], color="grey", linewidth=0.6, pixel_offset=0)
    draw_boxes(axes[1], b2, [f"{CLASS_NAMES[c]} {s:.2f}" for c, s in zip(c2, s2)], pixel_offset=0)
    axes[1].set_title(f"score >= {score_threshold:.2f}, NMS at IoU {iou_threshold:.2f}:\n"
                      f"{len(s2)} kept, {int(suppressed.sum())} suppressed (grey)", fontsize=9)
    truth = ", ".join(CLASS_NAMES[c] for c in test.classes[scene])
    return f"ground truth: {truth}; kept: {', '.join(CLASS_NAMES[c] for c in c2) or 'nothing'}"


panel = SliderPanel(draw_filtering, {"scene": (0, len(test) - 1, 1, 0), "score_threshold": (0.01, 0.99, 0.01, 0.6),
                                     "iou_threshold": (0.05, 1.0, 0.05, 0.5)}, figsize=(8, 4))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# A grid of held-out scenes with the final detections (score ≥ 0.5, NMS at 0.5), for a look at what the
# detector gets right and wrong:

# %%
fig, axes = plt.subplots(2, 5, figsize=(10, 4.4))
for ax, k in zip(axes.ravel(), range(10)):
    s, b, c = yolo_eval(raw_test[k], anchors, 0.5, 0.5)
    ax.imshow(test.images[k], extent=(0, 1, 1, 0))
    ax.grid(False)
    draw_boxes(ax, b, [CLASS_NAMES[i] for i in c], pixel_offset=0, fontsize=6)
    ax.set(xticks=[], yticks=[], xlabel="x", ylabel="y")
fig.suptitle("Detections on held-out scenes (score >= 0.5, NMS IoU 0.5)", fontweight="bold")
plt.show()

# %% [markdown]
# ## Conclusion
#
# - YOLO splits the image into S x S cells; an object belongs to the cell that holds its midpoint and to the
#   anchor whose shape it overlaps best, so the label (and the output) is an (S, S, B, 5 + C) volume.
# - IoU measures overlap (0 for disjoint or merely touching boxes); non-max suppression keeps the best of
#   overlapping boxes, and ours matches TensorFlow's exactly.
# - A small network trained for a minute or two on generated scenes reaches the mAP@0.5 printed above on
#   held-out scenes, far above a baseline that ignores the image. Real YOLO is the same recipe with a
#   deeper network, a 19 x 19 grid, 5 anchors and 80 classes.
