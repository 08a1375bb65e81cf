# %% [markdown]
# # Face verification with the triplet loss
#
# > One-shot learning through a similarity d(img1, img2) = ||f(img1) − f(img2)||; the triplet loss in numpy and TensorFlow; random vs semi-hard triplets; an encoder judged on held-out people by ROC/AUC against raw pixels and eigenfaces; verify, who_is_it, a widget and the Siamese variant.
#
# ## Introduction
#
# - **Face verification** (1:1): is this the person they claim to be? Input: an image and a name.
# - **Face recognition** (1:K): who is this, among the K people of a database (or nobody)?
#
# Both suffer from **one-shot learning**: a company's database holds one photo per employee, far too
# little to train a classifier with one output per person (and it would need retraining whenever someone
# joins). Instead we learn a **similarity function**: an encoder f maps a face to a vector f(x), and
# d(img1, img2) = ||f(img1) − f(img2)||₂ is small for the same person and large for different people.
# Verification is then "d < threshold", recognition "the database entry of smallest d".
#
# f is trained with the **triplet loss** on (anchor A, positive P, negative N) triplets, A and P the same
# person, N someone else:
#
# L(A, P, N) = max(||f(A) − f(P)||² − ||f(A) − f(N)||² + α, 0),
#
# summed over the batch; the margin α keeps the network from the trivial solution f = 0. This notebook
# builds it, trains a small encoder, and judges it on **people it never saw** in training.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import functools

import matplotlib.pyplot as plt
import numpy as np

from utils.datasets import describe_data
from utils.exercises import show_solution
from utils.face_verification import (auc, build_database, choose_threshold, distance, encode, evaluate_encoder,
                                     fit_eigenfaces, load_face_identities, make_pairs, pair_distances,
                                     raw_pixel_encode, roc_curve, select_triplets, split_identities, train_encoder,
                                     triplet_loss, triplet_loss_numpy, verification_accuracy, verify, who_is_it)
from utils.plotting import plot_image_grid
from utils.training import scale_for_device
from utils.widgets import SliderPanel

print(describe_data("lfw"))

# %% [markdown]
# ## The data: faces with identities
#
# Training a face encoder needs several photos of each person. The real set for this is **LFW**
# (Labeled Faces in the Wild: 13,000 photos of 5,700 people). `make data WHAT=lfw` fetches it once
# through scikit-learn's fetcher (over 200 MB, hash-checked) into the workbook's cache (`utils.data.cache_dir()`),
# and this notebook uses it **only when it is already there**: it never downloads by itself, nor do the tests.
#
# Otherwise it runs on an **offline stand-in**: scikit-image ships 100 LFW faces (25 x 25, no names), and
# each face becomes one identity with 10 views made by random rotation, scaling, shifts, mirroring,
# contrast, brightness, gamma and noise. The next cell says which set ran.

# %%
data = load_face_identities(use_lfw=True, n_views=10, seed=0)
n_ids = np.unique(data.labels).size
print(f"this run uses: {data.source}")
print(f"{data.images.shape[0]} images of {data.images.shape[1]} x {data.images.shape[2]} pixels, {n_ids} identities")

# %% [markdown]
# **Is the offline stand-in fair?** Partly, and it is worth being precise:
#
# - *Fair*: the faces are real photographs, the identities used for testing are **held out** (no view of a
#   test person is seen in training), and the nuisances (pose tilt, framing, lighting, mirror, noise) are
#   ones a real second photo brings, so the encoder must learn what stays constant across them.
# - *Limited*: a real second photo also changes expression, age, glasses, hair and the 3-D pose, which
#   no 2-D augmentation simulates; so the stand-in is **easier** than LFW and its numbers are not LFW
#   numbers. Also, scikit-image's 100 faces are an unnamed sample of LFW, so a few of them may show the
#   same person and then count as "different" identities (a little label noise).
#
# The claims checked below (the learned encoder beats raw pixels and eigenfaces on held-out people) hold
# on either set; the printed numbers depend on which one ran.
#
# People are split **by identity**: 60 % train the encoder, 20 % (dev) choose the threshold, 20 % (test)
# measure the result. Pairs are balanced: half the same person, half different.

# %%
train_mask, dev_mask, test_mask = split_identities(data.labels, (0.6, 0.2, 0.2), seed=0)
X_train, y_train = data.images[train_mask], data.labels[train_mask]
X_dev, y_dev = data.images[dev_mask], data.labels[dev_mask]
X_test, y_test = data.images[test_mask], data.labels[test_mask]
dev_pairs, dev_same = make_pairs(y_dev, 600, seed=1)
test_pairs, test_same = make_pairs(y_test, 600, seed=2)
dev, test = (X_dev, dev_pairs, dev_same), (X_test, test_pairs, test_same)
for name, y in (("train", y_train), ("dev", y_dev), ("test", y_test)):
    print(f"{name:>5}: {y.size} images of {np.unique(y).size} people")
assert not set(y_train) & set(y_test) and not set(y_train) & set(y_dev)

# %%
show = np.concatenate([np.flatnonzero(y_test == i)[:6] for i in np.unique(y_test)[:3]])
fig = plot_image_grid(X_test[show], titles=[f"person {y_test[i]}" for i in show], ncols=6,
                      title="Three held-out people, six images each")
plt.show()

# %% [markdown]
# ## The triplet loss, in numpy and in TensorFlow
#
# `triplet_loss(y_true, y_pred, alpha=0.2)` takes y_pred = (anchor, positive, negative), three (m, d)
# batches of encodings, and returns the sum over the batch (`y_true` is unused, as in the course, so it fits
# Keras's loss signature). It is the course's graded function, in TensorFlow, so Keras can train with it:
# the squared distances of each triplet, the margin, max(…, 0) per triplet, then the sum. The workbook's
# version (the exercise version of this notebook asks you to write it):

# %%
show_solution(triplet_loss)

# %% [markdown]
# First a case small enough to do by hand, then random batches: the numpy version (`triplet_loss_numpy`,
# the same formula) and the TensorFlow one agree.

# %%
# NBVAL_CHECK_OUTPUT
a = np.array([[0.0, 0.0], [1.0, 0.0]])
p = np.array([[0.3, 0.4], [1.0, 0.1]])   # ||a - p||^2 = 0.25 and 0.01
n = np.array([[0.6, 0.0], [1.0, 2.0]])   # ||a - n||^2 = 0.36 and 4
# by hand: max(0.25 - 0.36 + 0.2, 0) + max(0.01 - 4 + 0.2, 0) = 0.09 + 0 = 0.09
print(f"by hand 0.09; numpy {triplet_loss_numpy(None, (a, p, n)):.4f}; TensorFlow {float(triplet_loss(None, (a, p, n))):.4f}")
rng = np.random.default_rng(0)
worst = 0.0
for trial in range(20):
    batch = tuple(rng.normal(size=(16, 32)) for _ in range(3))
    ours, tf_value = triplet_loss_numpy(None, batch), float(triplet_loss(None, batch))
    worst = max(worst, abs(ours - tf_value) / max(abs(ours), 1e-12))
print(f"20 random batches of 16 triplets of 32-d encodings: numpy and TensorFlow agree "
      f"{'to better than 1e-5 (relative; TensorFlow computes in float32)' if worst < 1e-5 else f'only to {worst:.1e}'}")
assert np.isclose(triplet_loss_numpy(None, (a, p, n)), 0.09) and worst < 1e-5

# %% [markdown]
# ## Baselines: raw pixels and eigenfaces
#
# Any f gives a verifier. Two classic ones, with no triplet loss at all:
#
# - **raw pixels**: f(x) = the image itself (centred and scaled to unit length);
# - **eigenfaces**: f(x) = the coordinates of x on the 20 main principal components of the training faces
#   (Turk and Pentland, 1991), whitened.
#
# Each is scored on the dev pairs (which choose its threshold) and the test pairs.

# %%
eigenfaces = fit_eigenfaces(X_train, n_components=20)
results = {"raw pixels": evaluate_encoder(raw_pixel_encode, dev, test),
           "eigenfaces": evaluate_encoder(eigenfaces.encode, dev, test)}
for name, r in results.items():
    print(f"{name:>10}: test AUC {r['test_auc']:.3f}, threshold (from dev) {r['threshold']:.3f}, "
          f"test accuracy {r['test_accuracy']:.1%}")

# %% [markdown]
# ## Training an encoder: random vs semi-hard triplets
#
# `build_encoder`: two Conv-BatchNorm-ReLU-MaxPool blocks, a third convolution, a dense layer to 32 numbers,
# normalized to unit length (as FaceNet), so distances lie between 0 and 2. `train_encoder` runs on
# `utils.training` (the GPU when there is one) in rounds: encode the training faces, **select** triplets,
# fit one epoch on them.
#
# Which triplets? Picked at random, most of them are already "easy": d(A, N) > d(A, P) + α, the loss is 0
# and they teach nothing. FaceNet picks **semi-hard** negatives: farther from the anchor than the positive,
# but inside the margin (d(A, P) < d(A, N) < d(A, P) + α). The fraction of *active* triplets (loss > 0) at
# selection time, and the dev AUC after each round, measure the difference:

# %%
scale = scale_for_device(cpu_epochs=8, gpu_epochs=30, batch_size=64)
print(scale)
runs = {}
for strategy in ("random", "semi-hard"):
    runs[strategy] = train_encoder(X_train, y_train, rounds=scale.epochs, strategy=strategy,
                                   triplets_per_round=1500 if not scale.device.has_gpu else 4000,
                                   batch_size=scale.batch_size, alpha=0.2, seed=0, dev=dev)
    r = runs[strategy]
    print(f"{strategy:>9}: {r.seconds:.1f} s; active triplets per round {np.round(r.active, 2).tolist()}; "
          f"dev AUC per round {np.round(r.dev_auc, 3).tolist()}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
for strategy, r in runs.items():
    rounds = np.arange(1, len(r.active) + 1)
    axes[0].plot(rounds, r.active, marker="o", label=strategy)
    axes[1].plot(rounds, r.dev_auc, marker="o", label=strategy)
axes[0].set(title="Triplets with a positive loss", xlabel="round", ylabel="fraction active")
axes[1].set(title="Verification on dev people", xlabel="round", ylabel="dev AUC")
for ax in axes:
    ax.legend()
plt.show()
mean_active = {s: float(np.mean(r.active[1:])) for s, r in runs.items()}
print(f"mean fraction of active triplets after the first round: "
      f"{', '.join(f'{s} {v:.2f}' for s, v in mean_active.items())}")
assert mean_active["semi-hard"] > mean_active["random"]

# %% [markdown]
# Semi-hard selection keeps many more triplets active in every round: each epoch spends its gradient
# steps on examples that still carry information. Whether that also gives a better encoder at the end
# depends on the data and the budget: read the dev AUC curves above (on a small, easy set, random triplets
# can do about as well, because an untrained encoder makes plenty of triplets hard anyway). We keep the
# encoder with the better final dev AUC (chosen on dev, never on test).

# %%
best = max(runs, key=lambda s: runs[s].dev_auc[-1])
encoder = runs[best].encoder
results["triplet encoder"] = evaluate_encoder(lambda x: encode(x, encoder), dev, test)
print(f"kept: the {best} run")
for name, r in results.items():
    print(f"{name:>15}: test AUC {r['test_auc']:.3f}, threshold (from dev) {r['threshold']:.3f}, "
          f"test accuracy {r['test_accuracy']:.1%}")

# %% [markdown]
# ## Held-out people: ROC, AUC, threshold and accuracy
#
# The ROC curve plots, for every threshold, the fraction of same-person pairs accepted (true-positive rate)
# against the fraction of different-person pairs wrongly accepted (false-positive rate). Its area (AUC) is
# the probability that a random same-person pair is closer than a random different-person pair. The
# threshold is chosen on the dev pairs (best accuracy), then applied unchanged to the test pairs.

# %%
encoders = {"raw pixels": raw_pixel_encode, "eigenfaces": eigenfaces.encode,
            "triplet encoder": lambda x: encode(x, encoder)}
fig, ax = plt.subplots(figsize=(4.8, 4.2))
for name, fn in encoders.items():
    fpr, tpr, _ = roc_curve(pair_distances(fn(X_test), test_pairs), test_same)
    ax.plot(fpr, tpr, label=f"{name} (AUC {auc(fpr, tpr):.3f})")
ax.plot([0, 1], [0, 1], "k:", lw=1, label="chance")
ax.set(title="Verification ROC on held-out people", xlabel="false-positive rate", ylabel="true-positive rate")
ax.legend(loc="lower right", fontsize=8)
plt.show()

# %% [markdown]
# The claim, checked: on people never seen in training, the triplet-trained encoder beats both baselines,
# in AUC and in accuracy at the dev-chosen threshold.

# %%
enc_r = results["triplet encoder"]
for name in ("raw pixels", "eigenfaces"):
    assert enc_r["test_auc"] > results[name]["test_auc"] + 0.05, name
    assert enc_r["test_accuracy"] > results[name]["test_accuracy"], name
from utils.results import record  # extra code: the numbers for the benchmark report (prints nothing)
_ = record(f"face verification on {data.data_name}, held-out people: accuracy (reference: eigenfaces)",
           100 * enc_r["test_accuracy"], reference=round(100 * results["eigenfaces"]["test_accuracy"], 1), unit=" %")
_ = record(f"face verification on {data.data_name}, held-out people: AUC (reference: eigenfaces)", enc_r["test_auc"],
       reference=round(results["eigenfaces"]["test_auc"], 3))
print(f"triplet encoder: test AUC {enc_r['test_auc']:.3f} vs raw pixels {results['raw pixels']['test_auc']:.3f} "
      f"and eigenfaces {results['eigenfaces']['test_auc']:.3f}")

# %% [markdown]
# ## verify and who_is_it: one-shot, on new people
#
# The course's two functions. The database holds **one** image per held-out person (one-shot: the encoder
# never saw these people, and nothing is retrained). `verify(image, identity, database, model, threshold)`
# answers "is this `identity`?", `who_is_it(image, database, model)` returns the closest entry.
#
# Both rest on the distance between two encodings, d = ||f(img1) − f(img2)||₂:

# %%
show_solution(distance)

# %% [markdown]
# `verify` encodes the image (`encode` takes a batch, so the image goes in as a batch of one), measures its
# distance to the claimed person's database entry, and says "same" when the distance is below the threshold:

# %%
show_solution(verify)

# %% [markdown]
# `who_is_it` measures the distance to every entry of the database and returns the smallest one with its
# name (the caller decides "not in the database" when even that distance is above the threshold):

# %%
show_solution(who_is_it)

# %% [markdown]
# A probe of the first held-out person, and an impostor, against the one-shot database:

# %%
threshold = enc_r["threshold"]
test_ids = np.unique(y_test)
first = np.array([np.flatnonzero(y_test == i)[0] for i in test_ids])
database = build_database(X_test[first], [f"person {i}" for i in test_ids], encoder)
probe = np.flatnonzero(y_test == test_ids[0])[1]        # another image of the first person
other = np.flatnonzero(y_test == test_ids[1])[1]        # an image of someone else
for idx, claim in ((probe, f"person {test_ids[0]}"), (other, f"person {test_ids[0]}")):
    dist, same = verify(X_test[idx], claim, database, encoder, threshold)
    print(f"image of person {y_test[idx]} claims to be {claim}: distance {dist:.3f} -> "
          f"{'welcome' if same else 'rejected'}")
min_dist, identity = who_is_it(X_test[probe], database, encoder)
print(f"who_is_it(image of person {y_test[probe]}) -> {identity} (distance {min_dist:.3f})")

# %% [markdown]
# Recognition over all the other images of the held-out people (rank-1 accuracy: the closest of the
# database's one-shot entries is the right person), for the encoder and for raw pixels through the same
# function (any callable encoder works):

# %%
probes = np.setdiff1d(np.arange(y_test.size), first)
raw_db = build_database(X_test[first], [f"person {i}" for i in test_ids], raw_pixel_encode)
for name, model, db in (("triplet encoder", encoder, database), ("raw pixels", raw_pixel_encode, raw_db)):
    hits = np.mean([who_is_it(X_test[k], db, model)[1] == f"person {y_test[k]}" for k in probes])
    print(f"{name:>15}: {hits:.1%} of {probes.size} probes recognized among {test_ids.size} people "
          f"(chance {1 / test_ids.size:.1%})")

# %% [markdown]
# ## Pick two faces (widget)
#
# Choose two held-out images and a threshold: the distance between their encodings, and the decision. The
# encodings are computed once; moving the threshold only changes the decision.


# %%
# NBVAL_IGNORE_OUTPUT
@functools.lru_cache(maxsize=1)
def test_encodings():
    return encode(X_test, encoder)


def draw_pair(fig, face_a=0, face_b=1, threshold=round(threshold, 2)):
    E = test_encodings()
    d = float(np.linalg.norm(E[face_a] - E[face_b]))
    same_person = y_test[face_a] == y_test[face_b]
    decision = d < threshold
    axes = fig.subplots(1, 2)
    for ax, k in zip(axes, (face_a, face_b)):
        ax.imshow(X_test[k], cmap="gray", vmin=0, vmax=1)
        ax.grid(False)
        ax.set(title=f"image {k}: person {y_test[k]}", xlabel="x (pixels)", ylabel="y (pixels)")
    verdict = "same person" if decision else "different people"
    right = "correct" if decision == same_person else "WRONG"
    fig.suptitle(f"d = {d:.3f} {'<' if decision else '>='} {threshold:.2f}: {verdict} ({right})", fontweight="bold")
    return f"distance {d:.3f}; threshold {threshold:.2f}; truth: {'same' if same_person else 'different'}"


panel = SliderPanel(draw_pair, {"face_a": (0, len(X_test) - 1, 1, 0), "face_b": (0, len(X_test) - 1, 1, 1),
                                "threshold": (0.05, 2.0, 0.01, round(threshold, 2))}, figsize=(6, 3.4))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## The Siamese binary variant, briefly
#
# Instead of a threshold on a distance, the lecture's other option treats verification as **binary
# classification** on a pair: the two images go through the same (Siamese) encoder, and a logistic unit
# reads the element-wise differences: ŷ = σ(Σ_k w_k |f(x_i)_k − f(x_j)_k| + b). Here the encoder is kept
# fixed and only the logistic unit is trained, on the dev pairs; the test pairs score it.

# %%
from sklearn.linear_model import LogisticRegression  # noqa: E402


def pair_features(E, pairs):
    return np.abs(E[pairs[:, 0]] - E[pairs[:, 1]])


siamese = LogisticRegression(max_iter=1000).fit(pair_features(encode(X_dev, encoder), dev_pairs), dev_same)
siamese_acc = siamese.score(pair_features(encode(X_test, encoder), test_pairs), test_same)
print(f"Siamese logistic head on |f(x_i) - f(x_j)|: test accuracy {siamese_acc:.1%} "
      f"(distance + threshold: {enc_r['test_accuracy']:.1%})")

# %% [markdown]
# Both readings of the same encoder do about equally well here; the binary head can weight the encoding's
# dimensions, the distance treats them alike. In a deployed system, as the lecture notes, the database
# stores the **encodings** (precomputed), not the images, so checking a new face costs one forward pass.
#
# ## Conclusion
#
# - Verification and recognition become one-shot problems once a network learns a similarity
#   d(img1, img2) = ||f(img1) − f(img2)||.
# - The triplet loss (numpy and TensorFlow agree) pulls anchor and positive together and pushes the
#   negative beyond a margin α. Random triplets quickly become inactive; semi-hard ones keep teaching.
# - Judged on people it never saw, with the threshold chosen on separate dev people, the small encoder
#   beats raw pixels and eigenfaces (printed above, asserted). The offline set is an easier stand-in for
#   LFW: with LFW cached, the same cells run on real photos.
# - The capstone reuses `build_encoder`, `train_encoder`, `encode`, `verify` and `who_is_it` from
#   `utils.face_verification`.
