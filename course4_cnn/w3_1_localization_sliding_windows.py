# %% [markdown]
# # Localization and sliding windows
#
# > The label vector (p_c, b_x, b_y, b_h, b_w, c) and its "don't care" loss; sliding windows vs the convolutional implementation (identical outputs, measured cost); a face detector that works on photos it never saw: a train / dev / eval split, an image pyramid, error analysis and hard-negative mining, a calibrated threshold, beside OpenCV's LBP cascade.
#
# ## Introduction
#
# Classification says *what* is in an image. **Localization** also says *where*: the network outputs a
# bounding box beside the class. **Detection** finds every object, and the first way to do it is to run
# a classifier on many crops of the image (**sliding windows**). That is slow, because neighbouring crops
# share most of their pixels and the classifier recomputes the same features again and again. The
# lecture's fix: turn the fully connected layers into convolutions, so one forward pass over the whole
# image computes the classifier's output on *every* window at once.
#
# This notebook:
#
# 1. builds the localization target y and its squared-error loss, with the "don't care" entries when
#    there is no object;
# 2. checks numerically that the convolutional implementation gives exactly the sliding-window outputs,
#    and measures what each one costs;
# 3. builds a face detector that holds up on photos it never saw: a face / non-face CNN (the Course 1 task,
#    on scikit-image's LFW subset) turned convolutional and slid over an image pyramid, improved by Course 3's
#    error analysis and by hard-negative mining, with its threshold chosen on a dev set, and measured on held-out
#    photos beside scikit-image's LBP frontal-face cascade.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from utils.data import load_photo
from utils.detection import (draw_boxes, fc_to_conv, iou_matrix, localization_label, localization_loss,
                             multiply_adds, network_stride, sliding_windows)
from utils.datasets import describe_data
from utils.exercises import show_solution
from utils.scenes import CLASS_NAMES, make_scenes
from utils.widgets import SliderPanel

print(describe_data("lfw"))

# %% [markdown]
# ## 1. Classification with localization: the label vector
#
# With C classes the network outputs 5 + C numbers:
#
# y = (p_c, b_x, b_y, b_h, b_w, c_1, ..., c_C)
#
# - p_c: is there an object at all (1) or only background (0);
# - (b_x, b_y): the box's midpoint, (b_h, b_w): its height and width, in units of the image (0 to 1);
# - c_1..c_C: which class (one-hot).
#
# Two scenes from the generator of the next notebook, one with a single object and one that is pure
# background. Without an object the box and the class are meaningless: the course writes "?", we write NaN.

# %%
# NBVAL_CHECK_OUTPUT
one = make_scenes(1, min_objects=1, max_objects=1, seed=3)
empty = make_scenes(1, min_objects=1, max_objects=1, seed=4)
empty_image = empty.images[0].copy()
empty_image[:] = empty_image.mean(axis=(0, 1))  # the same photo statistics, no object
box, cls = one.relative_boxes()[0][0], int(one.classes[0][0])
y_obj = localization_label(box, cls, len(CLASS_NAMES))
y_bg = localization_label(None, None, len(CLASS_NAMES))
np.set_printoptions(precision=3, suppress=True)
print(f"object: a {CLASS_NAMES[cls]}; y = {y_obj}")
print(f"background:            y = {y_bg}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(6, 3))
for ax in axes:
    ax.grid(False)
axes[0].imshow(one.images[0])
draw_boxes(axes[0], one.boxes[0], [CLASS_NAMES[cls]])
axes[0].plot(y_obj[1] * 64 - 0.5, y_obj[2] * 64 - 0.5, "r+", ms=10)
axes[0].set(title="p_c = 1: box and class", xlabel="x (pixels)", ylabel="y (pixels)")
axes[1].imshow(empty_image)
axes[1].set(title="p_c = 0: the rest is 'don't care'", xlabel="x (pixels)", ylabel="y (pixels)")
plt.show()

# %% [markdown]
# ### The loss, and its "don't care" terms
#
# The lecture's squared-error loss:
#
# - if y_1 = p_c = 1: L(ŷ, y) = Σ_i (ŷ_i − y_i)², all 5 + C entries;
# - if p_c = 0: L(ŷ, y) = (ŷ_1 − y_1)², only p_c: whatever the network says about the box and the class
#   of a background image does not matter.
#
# (In practice one uses a logistic loss for p_c and a softmax loss for the classes; the squared error
# keeps the idea plain.)
#
# `localization_loss(y_hat, y)` computes it for a batch of m examples (rows). The "don't care" entries are
# NaN in the label, so a plain sum over all entries would give NaN for a background example: the loss picks,
# row by row, either the full sum (p_c = 1) or the p_c term alone (p_c = 0). The workbook's version (the
# exercise version of this notebook asks you to write it):

# %%
show_solution(localization_loss)

# %% [markdown]
# The same prediction ŷ costs very different amounts against the two labels:

# %%
# NBVAL_CHECK_OUTPUT
y_hat = np.array([0.8, 0.5, 0.5, 0.3, 0.3, 0.1, 0.8, 0.1])
losses = localization_loss(np.stack([y_hat, y_hat]), np.stack([y_obj, y_bg]))
print(f"loss against the object's label:     {losses[0]:.4f}")
print(f"loss against the background's label: {losses[1]:.4f}  (= 0.8^2: only p_c counts)")
assert np.isclose(losses[0], np.sum((y_hat - y_obj) ** 2))
assert np.isclose(losses[1], y_hat[0] ** 2)

# %% [markdown]
# ### Landmarks
#
# The same idea locates points instead of boxes: to find L landmarks on a face (corners of the eyes, the
# mouth, the jaw line) the network outputs 2L more numbers (l_1x, l_1y, ..., l_Lx, l_Ly), and the labels must
# list the landmarks in the *same order* on every training image. The lecture's 64 landmarks on a face:

# %%
# NBVAL_CHECK_OUTPUT
landmarks = np.zeros((64, 2))  # 64 (x, y) points; their values do not matter for the length
y_face = localization_label((0.3, 0.2, 0.7, 0.7), 0, 1, landmarks=landmarks)
print(f"face + box + 64 landmarks: y has {y_face.size} entries = 1 (p_c) + 4 (box) + 1 (class) + 2 x 64")
assert y_face.size == 1 + 4 + 1 + 2 * 64

# %% [markdown]
# ## 2. Sliding windows vs the convolutional implementation
#
# The lecture's classifier: a 14 x 14 x 3 window → 16 filters 5 x 5 → 2 x 2 max pooling → FC 400 → FC 400 →
# softmax over 4 classes. `fc_to_conv` copies it into a network with no fully connected layer:
#
# - the first FC layer, which sees a 5 x 5 x 16 volume, becomes **400 filters of 5 x 5 x 16**;
# - the second FC layer becomes **400 filters of 1 x 1 x 400**, the softmax layer 4 filters of 1 x 1.
#
# On a 14 x 14 window the result is a 1 x 1 x 4 volume: the classifier's output. On a larger image it is
# a grid of outputs, one per window, with a step of 2 pixels (the pooling's stride). Here is the check on
# the lecture's 28 x 28 x 3 image (8 x 8 windows), with random weights (the equivalence does not depend on
# training).
#
# First the slow way, written out: `sliding_windows(image, window, stride)` cuts every window x window crop,
# one every `stride` pixels, row by row, and records each crop's top-left corner (row, col). The last window
# may end exactly at the image's border:

# %%
show_solution(sliding_windows)

# %% [markdown]
# Now the check: every crop through the classifier, against one pass of the convolutional copy.

# %%
# NBVAL_CHECK_OUTPUT
keras.utils.set_random_seed(0)
lecture_net = keras.Sequential([
    keras.Input((14, 14, 3)),
    keras.layers.Conv2D(16, 5, activation="relu"), keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dense(400, activation="relu"), keras.layers.Dense(400, activation="relu"),
    keras.layers.Dense(4, activation="softmax"),
], name="lecture_classifier")
lecture_conv = fc_to_conv(lecture_net)
stride = network_stride(lecture_net)
for layer in lecture_conv.layers[1:]:
    print(f"{layer.name:>22}: output {layer.output.shape[1:]}")

image = np.random.default_rng(0).uniform(size=(28, 28, 3)).astype(np.float32)
crops, positions = sliding_windows(image, 14, stride)
out_windows = np.asarray(lecture_net(crops)).reshape(8, 8, 4)   # 64 separate forward passes (one batch)
out_conv = np.asarray(lecture_conv(image[None]))[0]             # one forward pass
max_diff = np.abs(out_windows - out_conv).max()
print(f"{len(crops)} windows of 14 x 14 with stride {stride}; convolutional output {out_conv.shape}")
print(f"largest difference between the two: {'below 1e-5' if max_diff < 1e-5 else max_diff}")
assert out_conv.shape == (8, 8, 4) and max_diff < 1e-5

# %% [markdown]
# Identical, up to float32 rounding. Now the cost, counted in multiply-adds. The windows overlap, so the
# sliding version recomputes the shared **convolutions** in every window, while the convolutional version
# computes each of them once. The layers that were fully connected, however, still run once per window
# in both versions (as 1 x 1 convolutions): in this lecture network, where two 400-unit FC layers hold
# most of the work, the saving is therefore modest. Watch how it depends on which layers dominate.

# %%
# NBVAL_CHECK_OUTPUT
for side in (16, 28, 64):
    n_win = ((side - 14) // stride + 1) ** 2
    per_window = multiply_adds(lecture_net, (14, 14, 3))
    one_pass = multiply_adds(lecture_conv, (side, side, 3))
    print(f"{side:>2} x {side} image, {n_win:>3} windows: sliding {n_win * per_window / 1e6:7.1f} M multiply-adds, "
          f"convolutional {one_pass / 1e6:6.1f} M ({n_win * per_window / one_pass:.1f} times fewer)")
    assert one_pass < n_win * per_window

# %% [markdown]
# The face detector below is the opposite case: its convolutions dominate, so sharing them pays much more.
#
# And the wall-clock time on this machine (best of 5 runs; the printed numbers vary from run to run). The
# sliding version gets every advantage: all windows go through the network as one batch.

# %%
big = np.random.default_rng(1).uniform(size=(64, 64, 3)).astype(np.float32)
big_crops, _ = sliding_windows(big, 14, stride)


def best_time(fn, repeat=5):
    fn()  # warm-up (graph tracing)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


t_slide = best_time(lambda: np.asarray(lecture_net(big_crops)))
t_conv = best_time(lambda: np.asarray(lecture_conv(big[None])))
print(f"64 x 64 image, {len(big_crops)} windows: sliding windows {t_slide * 1e3:.1f} ms, "
      f"convolutional {t_conv * 1e3:.1f} ms ({t_slide / t_conv:.1f} times faster)")

# %% [markdown]
# ## 3. A real detector: faces in photographs
#
# The Course 1 task, face vs non-face on 25 x 25 grayscale windows, now as a detector that must work on
# photos nobody trained it on. That takes four things the first two sections did not need, each from the
# course: a **split** of every image into train / dev / eval (Course 3), a **bigger CNN** with batch norm and
# dropout (Courses 2 and 4), an **image pyramid** so that a face of any size meets the 25-pixel window, and
# **error analysis** with **hard-negative mining** to fix what the detector gets wrong.
#
# ### 3.1 The data and its split
#
# Faces: scikit-image's `lfw_subset` faces, augmented as real photos vary (flips, small rotations, scale
# and shift jitter, brightness, contrast, gamma, blur, noise, and blends of two faces). Negatives: the
# subset's non-faces, windows of face-free photos at every scale, rendered documents, generated textures,
# badly framed faces, and later the detector's own mistakes. Every image has exactly one role, listed in
# `utils.face_detector`; the eval images are the photos the old detector fired on, and two portraits.

# %%
# NBVAL_CHECK_OUTPUT
from utils import face_detector as fd  # noqa: E402

fd.check_split()
print(f"{'role':<6} {'lfw faces':>9} {'lfw non-faces':>13}  face-free photos")
for role in fd.ROLES:
    print(f"{role:<6} {len(fd.LFW_FACES[role]):>9} {len(fd.LFW_NON_FACES[role]):>13}  {', '.join(fd.BACKGROUNDS[role])}")
print(f"eval photos with a face (hand-drawn box): {', '.join(fd.EVAL_FACE_PHOTOS)}")
print(f"generated documents + textures: train seeds {fd.GENERATED_SEEDS['train']}, dev seeds {fd.GENERATED_SEEDS['dev']}")
print(f"not used: {fd.NOT_USED}")

# %% [markdown]
# A few windows of each kind, as the classifier sees them:

# %%
train_faces, train_non_faces = fd.lfw_split("train")
photos = [img for _, _, img in fd.face_free_images("train", generated=False)]
kinds = {"augmented faces": fd.augmented_faces(train_faces[:4], 2, seed=0),
         "lfw non-faces": train_non_faces[:8],
         "photo windows": fd.random_windows(photos[:4], 2, seed=0),
         "documents": fd.random_windows([fd.render_document(s) for s in range(4)], 2, seed=0),
         "textures": fd.random_windows([fd.make_texture(s) for s in range(4)], 2, seed=0),
         "badly framed": fd.framing_negatives(train_faces[:4], photos, 2, seed=0)}
fig, axes = plt.subplots(len(kinds), 8, figsize=(8, 6.4))
for row, (kind, windows) in zip(axes, kinds.items()):
    for ax, w in zip(row, windows):
        ax.imshow(w, cmap="gray", vmin=0, vmax=1)
        ax.set(xticks=[], yticks=[])
        ax.grid(False)
    row[0].set_ylabel(kind, rotation=0, ha="right", va="center", fontsize=8)
fig.suptitle("Training windows, 25 x 25: faces (top row) and the kinds of non-faces")
plt.show()

# %% [markdown]
# ### 3.2 A model that can learn it
#
# The Course 4 classifier, grown: three Conv-BN-ReLU blocks, max pooling, dropout, a hidden dense layer and
# one logit. Still a `Sequential` of layers `fc_to_conv` converts, so the detector stays one convolutional
# pass per pyramid level, with windows 4 pixels apart.

# %%
# NBVAL_CHECK_OUTPUT
from utils.face_detector import build_face_classifier  # noqa: E402

probe = build_face_classifier()
probe_conv = fc_to_conv(probe)
for layer in probe.layers:
    print(f"{layer.name:>22}: output {tuple(layer.output.shape[1:])}")
print(f"parameters: {probe.count_params():,}; detector stride: {network_stride(probe)} pixels")
side = 128
n_win = ((side - 25) // 4 + 1) ** 2
per_window = multiply_adds(probe, (25, 25, 1))
one_pass = multiply_adds(probe_conv, (side, side, 1))
print(f"{side} x {side} image, {n_win} windows: sliding {n_win * per_window / 1e6:.1f} M multiply-adds, "
      f"convolutional {one_pass / 1e6:.1f} M ({n_win * per_window / one_pass:.0f} times fewer)")
assert one_pass * 5 < n_win * per_window

# %% [markdown]
# ### 3.3 Every scale: the image pyramid
#
# A face can be 25 pixels wide or fill the photo. `fd.pyramid` shrinks the photo by 2^(1/4) per level, from
# full size (the window sees 25-pixel faces) down to the size where the window covers the whole shorter side;
# the detector runs once per level and the boxes of all levels meet in one non-max suppression.

# %%
# NBVAL_CHECK_OUTPUT
for shape in ((512, 512), (600, 512), (240, 1000)):
    scales = fd.pyramid_scales(shape)
    print(f"{shape[0]} x {shape[1]}: {len(scales)} levels, faces of {25 / scales[0]:.0f} to "
          f"{25 / scales[-1]:.0f} pixels")

# %% [markdown]
# ### 3.4 Training, and error analysis of the naive detector
#
# `load_face_detector` loads the weights shipped with the workbook for `fd.DETECTOR_VERSION` (where they are
# missing, say with LFW fetched, it trains the detector once, a few minutes per seed on a 2-core CPU with a
# progress bar, and caches the weights). Round 0 is the **naive
# detector**: faces against the lfw non-faces and random windows of the train photos only, the recipe this
# notebook used before. Course 3's error analysis says: before fixing anything, look at the mistakes on the
# **dev** set and sort them into buckets. Here are the naive detector's false boxes on the face-free dev
# images (each also mirrored), by the kind of image they fired on:

# %%
det = fd.load_face_detector()
naive_conv = fc_to_conv(det.naive)
dev = fd.face_free_images("dev")
buckets: dict[str, list] = {}
for name, kind, img in dev:
    for view in (img, img[:, ::-1]):
        boxes, scores = fd.detect_faces(view, naive_conv, threshold=0.5, max_boxes=100)
        for b, s in zip(boxes, scores):
            buckets.setdefault(kind, []).append((s, name, view, b))
total = sum(len(v) for v in buckets.values())
print(f"naive detector, {2 * len(dev)} face-free dev images: {total} false boxes at score >= 0.5 "
      f"({total / (2 * len(dev)):.1f} per image)")
print(f"{'bucket':<10} {'false boxes':>11} {'share':>6}   images")
for kind, items in sorted(buckets.items(), key=lambda kv: -len(kv[1])):
    names = sorted({n for _, n, _, _ in items})
    print(f"{kind:<10} {len(items):>11} {len(items) / total:>6.0%}   {', '.join(names[:4])}{' ...' if len(names) > 4 else ''}")
assert total > 0

# %% [markdown]
# The highest-scoring false boxes of each bucket, cut out of their images:

# %%
from utils.faceapp import crop_face  # noqa: E402

order = sorted(buckets, key=lambda k: -len(buckets[k]))
fig, axes = plt.subplots(len(order), 8, figsize=(8, 1.1 * len(order) + 0.6), squeeze=False)
for row, kind in zip(axes, order):
    worst = sorted(buckets[kind], key=lambda t: -t[0])[:8]
    for ax in row:
        ax.axis("off")
    for ax, (s, name, view, b) in zip(row, worst):
        ax.imshow(crop_face(view, b), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{s:.2f}", fontsize=7)
    row[0].text(-0.15, 0.5, kind, transform=row[0].transAxes, ha="right", va="center", fontsize=8)
fig.suptitle("The naive detector's worst false positives on the dev images, by bucket (score above)")
plt.show()

# %% [markdown]
# The buckets say what to add: documents and textures (generated, since the dev and eval photos must stay
# out of training), badly framed faces (so the best box is the well-framed one), and, for everything else,
# the detector's own mistakes: **hard-negative mining** (Sung and Poggio's bootstrapping, used by Viola-Jones
# and Dalal-Triggs). Round 1 adds the new kinds of negatives; every round from 1 on runs the detector over
# the face-free *train* images (turned, inverted and mirrored too), adds every window it fires on to the
# negatives, and trains on. The false boxes per face-free dev image and the share of dev-scene faces found,
# round by round, at score 0.5 (the detector trained from seed 0):

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'round':>5} {'negatives':>9} {'mined':>6} {'dev false boxes / image':>24} {'dev faces found':>16}")
for r in det.rounds:
    print(f"{r['round']:>5} {r['negatives']:>9} {r['mined']:>6} {r['dev_false_boxes_at_0.5']:>24.2f} "
          f"{r['dev_recall_at_0.5']:>16.0%}")
assert det.rounds[-1]["dev_false_boxes_at_0.5"] < det.rounds[0]["dev_false_boxes_at_0.5"]

# %% [markdown]
# **Three seeds, averaged.** The same recipe trained from another seed ends with about as few dev false
# boxes, but its mistakes fall on other textures, and the threshold each run calibrates for itself differs a
# lot. Faces, on the other hand, all of them find. So the app's detector is an **ensemble** (bagging's idea):
# three detectors trained alike from the seeds in `fd.ENSEMBLE_SEEDS`, whose logits `fd.combine_detectors`
# averages. A texture now has to fool all three at once; the price is three passes over each photo.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{len(det.members)} detectors, seeds {det.info['member_seeds']}; each one's own calibrated threshold: "
      + ", ".join(f"{t:.5f}" for t in det.info["member_thresholds"]))
assert len(det.members) == len(fd.ENSEMBLE_SEEDS)

# %% [markdown]
# ### 3.5 The operating point, chosen on the dev set
#
# Which score makes a box a face (the ensemble's score: the sigmoid of the mean logit)? Not a typed number:
# `fd.calibrate_threshold` takes the smallest threshold
# at which the face-free dev images get at most `fd.TARGET_DEV_FALSE_BOXES` false boxes per image, and the
# dev scenes (dev faces pasted into dev photos) say what that costs in faces missed.

# %%
# NBVAL_CHECK_OUTPUT
print(f"threshold {det.threshold:.5f} (log-odds {np.log(det.threshold / (1 - det.threshold)):.2f}): "
      f"{det.info['dev_false_boxes']:.3f} false boxes per face-free dev image "
      f"(target at most {fd.TARGET_DEV_FALSE_BOXES}), {det.info['dev_recall']:.0%} of the dev scenes' faces found")
dev_scores = fd.false_box_scores([img for _, _, img in dev], det.detector)
t_again, _ = fd.calibrate_threshold(dev_scores)
print(f"recalibrated from the dev images now: {'the same threshold' if abs(t_again - det.threshold) < 1e-6 else t_again}")
assert abs(t_again - det.threshold) < 1e-6

# %% [markdown]
# Near 1 the scores crowd together, so the figure's axis is the threshold's log-odds, log(p / (1 - p)): 0 is
# a score of 0.5, 10 a score of 0.99995.

# %%
log_odds = np.linspace(0, 14, 281)
grid = 1 / (1 + np.exp(-log_odds))
dev_scenes = fd.dev_face_scenes("dev")
scene_hits = [fd.detect_faces(img, det.detector, threshold=0.5, max_boxes=20) for img, _ in dev_scenes]
recall = fd.recall_curve(dev_scenes, scene_hits, grid)
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(log_odds, [fd.false_boxes_per_image(dev_scores, t) for t in grid], label="false boxes per face-free dev image")
ax.plot(log_odds, recall, label="dev scene faces found (IoU >= 0.5)")
t_log_odds = np.log(det.threshold / (1 - det.threshold))
ax.axvline(t_log_odds, color="gray", ls="--", label=f"calibrated threshold {det.threshold:.5f} (log-odds {t_log_odds:.1f})")
ax.axhline(fd.TARGET_DEV_FALSE_BOXES, color="gray", ls=":", lw=1)
ax.set(yscale="symlog", title="Choosing the operating point on the dev set",
       xlabel="score threshold, as log-odds log(p / (1 - p))", ylabel="rate (symlog)")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ### 3.6 Sliding it over the astronaut, at every scale
#
# Each map below is the face score of every window of one pyramid level (bright = face): the face lights
# up at the level where it is about 25 pixels wide, and the levels above and below see it too large or too
# small.

# %%
photo = load_photo("astronaut")
gray = photo.mean(axis=2) / 255.0
levels = fd.pyramid(gray)
show = [k for k, (sy, _, _) in enumerate(levels) if 0.15 < sy < 0.45][::2][:4]
fig, axes = plt.subplots(1, len(show), figsize=(10, 3), layout="constrained")
for ax, k in zip(axes, show):
    sy, sx, level = levels[k]
    hm = fd.window_scores(level, det.detector)
    ax.grid(False)
    im = ax.imshow(hm, vmin=0, vmax=1, cmap="magma")
    ax.set(title=f"level {k}: faces of {25 / sy:.0f} px", xlabel="window column", ylabel="window row")
fig.colorbar(im, ax=axes, shrink=0.8, label="face score")
plt.show()

# %% [markdown]
# ### 3.7 The final detector beside the cascade, on photos it never saw
#
# The evaluation photos: nine face-free ones (the very photos the naive detector used to fire on), each also
# mirrored, and two portraits with a hand-drawn face box. Beside it, scikit-image's LBP frontal-face cascade
# (Viola-Jones style, trained by OpenCV on thousands of faces), run by the same code on the same images.

# %%
# NBVAL_CHECK_OUTPUT
ours = lambda img: fd.detect_faces(img, det.detector, det.threshold)  # noqa: E731
print(f"{'face-free eval photo':<22} {'our CNN':>8} {'cascade':>8}   (false boxes, plain + mirrored)")
counts = {"cnn": 0, "cascade": 0}
evals = fd.face_free_images("eval", max_side=640, generated=False)
for name, kind, img in evals:
    a = sum(len(ours(v)[0]) for v in (img, img[:, ::-1]))
    b = sum(len(fd.cascade_detect(v)[0]) for v in (img, img[:, ::-1]))
    counts["cnn"] += a
    counts["cascade"] += b
    print(f"{name + ' (' + kind + ')':<22} {a:>8} {b:>8}")
per_image = {k: v / (2 * len(evals)) for k, v in counts.items()}
print(f"{'per image':<22} {per_image['cnn']:>8.2f} {per_image['cascade']:>8.2f}   "
      f"(target at most {fd.TARGET_EVAL_FALSE_BOXES})")

# %%
fig, axes = plt.subplots(1, len(fd.EVAL_FACE_PHOTOS), figsize=(10, 5))
firsts = {}
for ax, (name, hand) in zip(axes, fd.EVAL_FACE_PHOTOS.items()):
    g = fd.load_gray_photo(name)
    boxes, scores = ours(g)
    ref, _ = fd.cascade_detect(g)
    firsts[name] = float(iou_matrix(boxes[:1], np.array([hand]))[0, 0]) if len(boxes) else 0.0
    ax.imshow(g, cmap="gray")
    ax.grid(False)
    draw_boxes(ax, np.array([hand]), ["hand-drawn"], color="white", linewidth=1)
    draw_boxes(ax, ref, ["cascade"] * len(ref), color="deepskyblue", linewidth=1)
    draw_boxes(ax, boxes, [f"#{k + 1} log-odds {np.log(s / (1 - s)):.1f}" for k, s in enumerate(scores)], color="lime")
    ax.set(title=f"{name}: our top box's IoU with the face {firsts[name]:.2f}", xlabel="x (pixels)", ylabel="y (pixels)")
plt.show()
print({k: round(v, 2) for k, v in firsts.items()})

# %% [markdown]
# The claims, checked: on the held-out photos our detector boxes no more non-faces than the cascade, and the
# portraits' faces are its first boxes. Whether it meets the target of `fd.TARGET_EVAL_FALSE_BOXES` false
# boxes per face-free photo is printed, not assumed:

# %%
# NBVAL_CHECK_OUTPUT
met = per_image["cnn"] <= fd.TARGET_EVAL_FALSE_BOXES
print(f"false boxes per face-free eval photo: ours {per_image['cnn']:.2f}, the cascade's {per_image['cascade']:.2f}; "
      f"target at most {fd.TARGET_EVAL_FALSE_BOXES}: {'met' if met else 'not met yet'}")
print(f"first box on the face (IoU >= 0.5): " + ", ".join(f"{k} {v >= 0.5}" for k, v in firsts.items()))
assert per_image["cnn"] <= per_image["cascade"], per_image
assert all(v >= 0.5 for v in firsts.values()), firsts

# %% [markdown]
# `make bench` measures more on the same held-out images (each face photo at five sizes, mirrored, brighter
# and darker; average precision on composite scenes; the time for a 512 x 512 photo) and writes it, beside
# the cascade's figures, to BENCHMARKS.md.
#
# ### Play: threshold and smallest face
#
# Choose an evaluation photo, move the score threshold (as log-odds; the calibrated one is in the title) and the smallest face
# the pyramid searches. Below the calibrated threshold the false boxes come back; a larger smallest face
# drops the fine pyramid levels, which is faster, and misses small faces. The detections are computed once
# per photo and smallest face (at score 0.5: this cell computes them for the smallest face of 25 pixels), so
# a move only filters them.

# %%
from functools import lru_cache  # noqa: E402

panel_photos = list(fd.EVAL_FACE_PHOTOS) + list(fd.BACKGROUNDS["eval"])


@lru_cache(maxsize=128)
def detections_at_half(name, min_face):
    g = fd.load_gray_photo(name, max_side=512)
    start = time.perf_counter()
    boxes, scores = fd.detect_faces(g, det.detector, threshold=0.5, min_face=min_face, max_boxes=30)
    return g, boxes, scores, time.perf_counter() - start


for name in panel_photos:
    detections_at_half(name, 25)


def draw_detector(fig, photo=0, log_odds=10.0, min_face=25):
    name = panel_photos[int(photo)]
    g, boxes, scores, seconds = detections_at_half(name, int(min_face))
    z = np.log(scores / (1 - scores))
    keep = z >= log_odds
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(g, cmap="gray")
    ax.grid(False)
    if keep.any():
        draw_boxes(ax, boxes[keep][:10], [f"{v:.1f}" for v in z[keep][:10]], color="lime")
    ax.set(title=f"{name}: {int(keep.sum())} box(es) at log-odds {log_odds:.1f} (calibrated {t_log_odds:.1f})",
           xlabel="x (pixels)", ylabel="y (pixels)")
    return f"{name}: pyramid from {int(min_face)}-pixel faces took {seconds:.2f} s (once; moves only filter)"


# %%
# NBVAL_IGNORE_OUTPUT
panel = SliderPanel(draw_detector, {"photo": (0, len(panel_photos) - 1, 1, 0),
                                    "log_odds": (0.0, 14.0, 0.1, round(float(t_log_odds), 1)),
                                    "min_face": (25, 150, 25, 25)}, figsize=(5.5, 5))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## Conclusion
#
# - The localization target y = (p_c, b_x, b_y, b_h, b_w, c_1..c_C) adds a box to the class; the loss
#   ignores the box and the class when p_c = 0 ("don't care"). Landmarks add 2 numbers per point.
# - Fully connected layers are convolutions whose filter covers the whole input volume. Turned into
#   convolutions, a classifier computes all sliding windows in one pass, with identical outputs; the
#   convolutions that overlapping windows share are computed once, so the saving is large when the
#   convolutions dominate the cost (the face detector) and modest when big FC layers do (the lecture net).
# - A detector is judged on images it never saw. Split every image into train / dev / eval in code, choose
#   the threshold on dev for a stated false-positive rate, and measure on eval beside a reference.
# - A face can have any size: an image pyramid (four levels per octave, from 25-pixel faces to the whole
#   photo) with one non-max suppression across the levels finds them all.
# - Error analysis on the dev set sorts the false positives into buckets; the fix for the biggest ones is
#   more of the right negatives, and above all the detector's own mistakes: hard-negative mining.
# - One training run's false positives depend on its seed; averaging the logits of three runs (an ensemble)
#   keeps the faces they all find and drops the textures only one of them was fooled by.
# - The capstone uses this detector (`utils.face_detector.load_face_detector`, `detect_faces` at the
#   calibrated threshold) and keeps the cascade (`cascade_faces`) beside it as the reference.
