# %% [markdown]
# # Localization and sliding windows
#
# > The label vector (p_c, b_x, b_y, b_h, b_w, c) and its "don't care" loss; sliding windows vs the convolutional implementation (identical outputs, measured cost); a face detector slid over the astronaut beside OpenCV's LBP cascade.
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
# 3. trains a small face / non-face CNN (the Course 1 task, on scikit-image's LFW subset), turns it
#    convolutional, slides it over a real photograph at a few scales, merges the boxes with non-max
#    suppression, and puts the result beside scikit-image's LBP frontal-face cascade.

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
from utils.detection import (cascade_faces, detect_faces, detection_heatmaps, draw_boxes, fc_to_conv, iou_matrix,
                             localization_label, localization_loss, multiply_adds, network_stride, sliding_windows,
                             train_face_detector)
from utils.exercises import show_solution
from utils.scenes import CLASS_NAMES, make_scenes
from utils.training import scale_for_device

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
# ## 3. A real detector: faces in a photograph
#
# The Course 1 task, face vs non-face on 25 x 25 grayscale images (scikit-image's LFW subset), now with a
# small CNN whose layers `fc_to_conv` can convert. `train_face_detector` trains it on `utils.training`
# (the GPU when there is one) with:
#
# - positives: 8 mildly shifted, scaled, rotated, mirrored views of each training face;
# - negatives: the subset's non-faces plus random windows of faceless photos (coffee, cat, palace, flower)
#   at several scales, since a detector sees mostly background.
#
# The test set is the subset's held-out split (25 faces, 25 non-faces).

# %%
scale = scale_for_device(cpu_epochs=15, gpu_epochs=30, batch_size=32)
print(scale)
classifier, face_conv, fit = train_face_detector(epochs=scale.epochs, batch_size=scale.batch_size, seed=0)
print(fit.summary())
test_accuracy = fit.final("val_accuracy")
print(f"face / non-face test accuracy: {test_accuracy:.1%}")
assert test_accuracy > 0.85

# %% [markdown]
# The convolutional copy gives the classifier's score on a single 25 x 25 window, and on a larger image the
# score of every window, 4 pixels apart (two 2 x 2 poolings):

# %%
# NBVAL_CHECK_OUTPUT
from utils.data import load_faces  # noqa: E402

_, _, test_x, _, _ = load_faces()
windows = test_x[..., None].astype(np.float32)
diff = np.abs(np.asarray(classifier(windows)).ravel() - np.asarray(face_conv(windows)).ravel()).max()
print(f"detector stride: {network_stride(classifier)} pixels; classifier vs convolutional on the 50 test windows: "
      f"{'identical (below 1e-5)' if diff < 1e-5 else diff}")
assert diff < 1e-5

# %% [markdown]
# Its cost on the astronaut shrunk by 0.25 (a 128 x 128 image), counted as before:

# %%
# NBVAL_CHECK_OUTPUT
side = 128
n_win = ((side - 25) // 4 + 1) ** 2
per_window = multiply_adds(classifier, (25, 25, 1))
one_pass = multiply_adds(face_conv, (side, side, 1))
print(f"{side} x {side} image, {n_win} windows: sliding {n_win * per_window / 1e6:.1f} M multiply-adds, "
      f"convolutional {one_pass / 1e6:.1f} M ({n_win * per_window / one_pass:.0f} times fewer)")
assert one_pass * 5 < n_win * per_window

# %% [markdown]
# ### Sliding it over the astronaut
#
# A face in the photo is about a hundred pixels wide, and the detector's window is 25: so the photo is
# shrunk by a few factors (0.2, 0.25, 0.3) and the convolutional detector runs once per scale. Each map
# below is the face score of every window at that scale (bright = face).

# %%
photo = load_photo("astronaut")
gray = photo.mean(axis=2) / 255.0
scales = (0.2, 0.25, 0.3)
maps = detection_heatmaps(gray, face_conv, scales)
fig, axes = plt.subplots(1, len(scales), figsize=(9, 3), layout="constrained")
for ax, s, hm in zip(axes, scales, maps):
    ax.grid(False)
    im = ax.imshow(hm, vmin=0, vmax=1, cmap="magma")
    ax.set(title=f"scale {s}: {hm.shape[0]} x {hm.shape[1]} windows", xlabel="window column", ylabel="window row")
fig.colorbar(im, ax=axes, shrink=0.8, label="face score")
plt.show()

# %% [markdown]
# Every window scoring above 0.5, at every scale, becomes a box in the photo's pixels; non-max suppression
# (IoU threshold 0.3) keeps the best box of each cluster, and we keep the five best. Beside it, scikit-image's
# LBP frontal-face cascade (Viola-Jones style, trained by OpenCV on thousands of faces), which we use as the
# reference for where the face is.

# %%
boxes, scores = detect_faces(photo, face_conv, scales=scales, threshold=0.5, iou_threshold=0.3, max_boxes=5)
reference = cascade_faces(photo)
overlap = iou_matrix(boxes, reference).max(axis=1) if len(reference) else np.zeros(len(boxes))
rank = int(np.argmax(overlap >= 0.3)) + 1 if (overlap >= 0.3).any() else None

fig, axes = plt.subplots(1, 2, figsize=(9, 4.6))
for ax in axes:
    ax.grid(False)
axes[0].imshow(photo)
draw_boxes(axes[0], boxes, [f"#{k + 1} {s:.2f}" for k, s in enumerate(scores)],
           color=["lime" if o >= 0.3 else "orange" for o in overlap])
axes[0].set(title="our CNN, slid at 3 scales + NMS (top 5)", xlabel="x (pixels)", ylabel="y (pixels)")
axes[1].imshow(photo)
draw_boxes(axes[1], reference, ["LBP cascade"] * len(reference), color="deepskyblue")
axes[1].set(title="scikit-image's LBP face cascade", xlabel="x (pixels)", ylabel="y (pixels)")
plt.show()
print(f"cascade: {len(reference)} face(s); our top 5 boxes' IoU with it: {np.round(overlap, 2)}")
print(f"the face is our box #{rank}" if rank else "the face is not among our top 5 boxes")

# %%
assert len(reference) == 1, "the cascade should find the astronaut's one face"
assert rank is not None, "the CNN detector should put the face among its five best boxes"

# %% [markdown]
# Read the figure honestly. Our detector does find the face (green box, and its rank is printed above), but it
# also fires on other parts of the photo (orange boxes): it learned "face" from only 75 training faces,
# and its negatives never included a spacesuit or a flag. The cascade, trained on thousands of faces and
# non-faces, finds the face alone. The usual fixes are more data, **hard-negative mining** (add the
# false positives found on face-free photos to the negatives and retrain: `utils.detection.hard_negatives`
# does the mining), and a detector that also regresses the box instead of relying on a fixed window: YOLO,
# the next notebook.

# %% [markdown]
# ## Conclusion
#
# - The localization target y = (p_c, b_x, b_y, b_h, b_w, c_1..c_C) adds a box to the class; the loss
#   ignores the box and the class when p_c = 0 ("don't care"). Landmarks add 2 numbers per point.
# - Fully connected layers are convolutions whose filter covers the whole input volume. Turned into
#   convolutions, a classifier computes all sliding windows in one pass, with identical outputs; the
#   convolutions that overlapping windows share are computed once, so the saving is large when the
#   convolutions dominate the cost (the face detector) and modest when big FC layers do (the lecture net).
# - A small face classifier, convolutional and run at a few scales with non-max suppression, is already a
#   face detector, though a weak one next to a cascade trained on thousands of faces. The capstone reuses
#   `train_face_detector`, `detect_faces` and `cascade_faces` from `utils.detection`.
