# %% [markdown]
# # Error analysis and mismatched data
# > Count a face classifier's mistakes by measurable causes and compute the ceiling of each fix; measure how much mislabeled training examples hurt; tell variance from data mismatch with a train-dev set.
#
# ## Introduction
#
# Three lessons of the course's second week, each as an experiment:
#
# 1. **Error analysis.** Before spending a month on a fix, look at the dev-set mistakes, count them by
#    category, and compute the **ceiling** of each fix: if a category holds 5 % of the errors, fixing it
#    completely lowers a 10 % error to 9.5 % at best.
# 2. **Mislabeled examples.** Deep learning is fairly robust to *random* label errors in the training set,
#    much less to *systematic* ones. We measure both.
# 3. **Mismatched training and dev/test data.** When training data comes from elsewhere, a **train-dev**
#    set (held out from the training distribution) separates variance from data mismatch.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import warnings

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import gaussian_filter
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from utils.data import load_digits, load_faces
from utils.exercises import show_solution
from utils.metrics import error_rate
from utils.strategy import (diagnose_mismatch, error_analysis, fix_ceiling, flip_labels, image_properties, mix_sources,
                            tag_lowest)
from utils.widgets import SliderPanel

threadpool_limits(1)  # small matrices: one BLAS thread is faster on a shared 2-core CPU
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %% [markdown]
# ## 1. Error analysis on a face classifier
#
# First the planning number. If a category holds a fraction f of the mistakes, a fix that removes all of
# them leaves an error of error * (1 - f): the **ceiling** of that fix (the course's example: 10 % error,
# 5 % of the mistakes are dogs, so a perfect dog fix leaves 9.5 %).

# %%
show_solution(fix_ceiling)

# %% [markdown]
# The classifier: logistic regression on raw pixels (Course 1, week 2) for face vs non-face, trained on
# clean images. The dev set is what the app receives: the same kind of 25x25 images, but users' phones
# make some of them **dark**, some **low-contrast**, some **blurry** (we simulate this with a seeded
# degradation and then forget which is which: the analysis must find the causes from the pixels).
# To get 200 dev predictions from 200 images, each image is predicted by a model trained on the other
# four fifths (5-fold cross-validation).

# %%
# NBVAL_CHECK_OUTPUT
train_x, train_y, test_x, test_y, classes = load_faces()
images = np.concatenate([train_x, test_x])
y = np.concatenate([train_y, test_y], axis=1).ravel()
kind = np.random.default_rng(0).choice(["none", "dark", "low contrast", "blurry"], size=y.size)


def degrade(img, k):
    """What a user's phone does to a clean image (k: the hidden cause)."""
    if k == "dark":
        return 0.35 * img
    if k == "low contrast":
        return img.mean() + 0.3 * (img - img.mean())
    if k == "blurry":
        return gaussian_filter(img, 1.2)
    return img


phone = np.array([degrade(img, k) for img, k in zip(images, kind)])
folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(images, y))


def flat(imgs):
    return imgs.reshape(len(imgs), -1)


def cv_predict(dev_images, features=flat):
    """Train on clean images of 4 folds, predict the 5th fold's dev images; returns (m,) predictions."""
    pred = np.zeros(y.size, dtype=int)
    for tr, te in folds:
        model = LogisticRegression(C=0.01, max_iter=3000).fit(features(images[tr]), y[tr])
        pred[te] = model.predict(features(dev_images[te]))
    return pred


errors = cv_predict(phone) != y
print(f"error on clean images: {100 * error_rate(y, cv_predict(images)):.1f} %")
print(f"error on the app's images (dev): {100 * errors.mean():.1f} %  ({errors.sum()} mistakes of {y.size})")

# %% [markdown]
# The course's method is a spreadsheet: one row per mistake, one column per suspected cause. Our columns
# are measured by `image_properties`: brightness (mean pixel), contrast (standard deviation relative to
# the mean, so darkening alone does not change it) and sharpness (variance of the Laplacian relative to
# the pixel variance: blur lowers it). The spreadsheet knows each image's true label, so "dark" means
# darker than 98 % of the clean training images *of the same class* (non-faces include many naturally dark,
# flat images; a face that dark is unusual). Categories may overlap. `error_analysis` counts the
# mistakes in each category and computes the category's share of the mistakes, its error rate and the
# ceiling of a fix, largest category first:

# %%
show_solution(error_analysis)

# %% [markdown]
# The table for the app's images:

# %%
# NBVAL_CHECK_OUTPUT
props, ref = image_properties(phone), image_properties(images)


def tag(prop, fraction=0.02):
    """Images whose property is below the `fraction` quantile of the clean images of their true class."""
    out = np.zeros(y.size, dtype=bool)
    for c in (0, 1):
        out[y == c] = tag_lowest(props[prop][y == c], fraction, reference=ref[prop][y == c])
    return out


tags = {"dark": tag("brightness"), "low contrast": tag("contrast"), "blurry": tag("sharpness")}
overall, table = error_analysis(errors, tags)
print(f"{'category':14s} {'mistakes':>8s} {'% of mistakes':>14s} {'error rate in category':>23s} {'ceiling':>8s}")
for row in table:
    print(f"{row.name:14s} {row.count:8d} {100 * row.fraction_of_errors:13.0f}% {100 * row.error_rate:22.0f}%"
          f" {100 * row.ceiling:7.1f}%")
untagged = errors & ~np.any(list(tags.values()), axis=0)
print(f"mistakes in no category: {untagged.sum()}")

# %% [markdown]
# "ceiling" is the dev error if a fix removed every mistake of that category and nothing else. A look at
# some mistakes with their tags (the course insists on looking, not only counting):

# %%
wrong = np.flatnonzero(errors)[:16]
short = {"dark": "dark", "low contrast": "faded", "blurry": "blur"}
fig, axes = plt.subplots(2, 8, figsize=(10, 3.3))
for ax, i in zip(axes.ravel(), wrong):
    ax.imshow(phone[i], cmap="gray", vmin=0, vmax=1)  # fixed scale, so dark images look dark
    ax.set_title(("face" if y[i] else "non-face") + "\n" + ",".join(short[k] for k, t in tags.items() if t[i]),
                 fontsize=8, fontweight="normal")
    ax.axis("off")
fig.suptitle("Dev mistakes (true label, tags)", fontweight="bold")
plt.show()

# %% [markdown]
# Did the measured tags find the hidden causes? Fraction of each tag that really is that degradation
# (we kept `kind` aside for this check only):

# %%
# NBVAL_CHECK_OUTPUT
for name, t in tags.items():
    print(f"{name:14s} tagged {t.sum():3d} images, {100 * np.mean(kind[t] == name):.0f} % of them really {name}")

# %% [markdown]
# **Acting on it.** Dark images lead the table and low-contrast images follow (checked below); one fix
# addresses both:
# normalize each image (subtract its mean, divide by its standard deviation) before the classifier.
# Its ceiling is the error left if every mistake in the union of the two categories disappeared. We apply
# the fix and measure.

# %%
# NBVAL_CHECK_OUTPUT
assert [row.name for row in table[:2]] == ["dark", "low contrast"]
either = tags["dark"] | tags["low contrast"]
share = (errors & either).sum() / errors.sum()
ceiling = fix_ceiling(overall, share)


def normalized(imgs):
    flat_imgs = flat(imgs)
    return (flat_imgs - flat_imgs.mean(axis=1, keepdims=True)) / (flat_imgs.std(axis=1, keepdims=True) + 1e-8)


after = error_rate(y, cv_predict(phone, features=normalized))
print(f"dev error before: {100 * overall:.1f} %, ceiling of the fix: {100 * ceiling:.1f} %, "
      f"after the fix: {100 * after:.1f} %")
assert after < overall

# %% [markdown]
# The fix delivered most of what its ceiling promised (it can even beat the ceiling, because normalizing
# also helps some untagged images; or fall short, because it can break some that were right). The
# ceiling is a planning number: it tells you which fixes are *worth trying* before you spend the time.

# %% [markdown]
# ## 2. Mislabeled training examples: random vs systematic
#
# Handwritten digits (10 classes), 1,200 training images, 597 clean test images. We corrupt a fraction of
# the *training* labels in two ways: **random** (a wrong label drawn at random, as a tired labeler's slips)
# and **systematic** (the wrong label is always "the next digit", as a labeler who consistently confuses two
# digits would). Same number of wrong labels in both.

# %%
digits, labels = load_digits()
Xd = digits.reshape(len(digits), -1) / 16.0
perm = np.random.default_rng(0).permutation(len(Xd))
tr, te = perm[:1200], perm[1200:]
rates = [0.0, 0.1, 0.2, 0.3]
acc = {"random": [], "systematic": []}
for r in rates:
    y_random, flipped = flip_labels(labels[tr], r, n_classes=10, seed=3)
    y_system = np.where(flipped, (labels[tr] + 1) % 10, labels[tr])  # the same examples, always "+1"
    for name, y_noisy in (("random", y_random), ("systematic", y_system)):
        model = LogisticRegression(C=1.0, max_iter=1000).fit(Xd[tr], y_noisy)
        acc[name].append(model.score(Xd[te], labels[te]))

# %%
# NBVAL_CHECK_OUTPUT
for i, r in enumerate(rates):
    print(f"{100 * r:3.0f} % wrong training labels: test accuracy random {100 * acc['random'][i]:.1f} %, "
          f"systematic {100 * acc['systematic'][i]:.1f} %")
assert acc["random"][-1] > acc["systematic"][-1] + 0.05  # systematic errors hurt much more

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, a in acc.items():
    ax.plot([100 * r for r in rates], [100 * v for v in a], marker="o", label=f"{name} label errors")
ax.set(title="How much do wrong training labels hurt?", xlabel="wrong training labels (%)",
       ylabel="clean test accuracy (%)")
ax.legend()
plt.show()

# %% [markdown]
# Mislabeled **dev** examples are a category of the error analysis like any other: add a column
# "incorrectly labeled" to the spreadsheet, and fix the dev labels only when that column's ceiling matters
# compared with the others (and then fix the test labels too, so that dev and test stay one distribution).
#
# ## 3. Training and dev/test from different distributions: the train-dev set
#
# The app's users photograph digits with a phone: blurrier, fainter, noisier than the scanned digits we
# have many of. Training set: scanned digits. Dev/test: the phone's images. Carve a **train-dev** set out
# of the training distribution (not trained on), then read the errors (human-level error on digits is close
# to 0; we use 0 as the proxy). `diagnose_mismatch` splits the gap between human and dev error into
# avoidable bias, variance and data mismatch (and overfitting to dev when a test error is given):

# %%
show_solution(diagnose_mismatch)

# %%
def phone_digits(imgs, seed):
    """Simulated phone capture of 8x8 digits (values 0..16): blur, fade, sensor noise."""
    g = np.random.default_rng(seed)
    return np.clip(0.6 * gaussian_filter(imgs, (0, 0.8, 0.8)) + g.normal(0, 1.5, imgs.shape), 0, 16)


X_phone = phone_digits(digits, seed=5).reshape(len(digits), -1) / 16.0
train, train_dev, dev = perm[:1000], perm[1000:1300], perm[1300:]


def read_errors(X_train_dist, n_train=1000, hidden=64, alpha=1e-3):
    """Train on the training distribution; errors on train, train-dev (same dist.) and dev (phone)."""
    net = MLPClassifier((hidden,), alpha=alpha, max_iter=500, random_state=0)
    net.fit(X_train_dist[train[:n_train]], labels[train[:n_train]])
    return (1 - net.score(X_train_dist[train[:n_train]], labels[train[:n_train]]),
            1 - net.score(X_train_dist[train_dev], labels[train_dev]), 1 - net.score(X_phone[dev], labels[dev]))


# %% [markdown]
# Two projects with the same symptom (dev error much higher than training error) and different causes:
# (a) a big network on only 80 scanned digits, evaluated on scanned digits (no mismatch); (b) 1,000 scanned
# digits, evaluated on phone digits.

# %%
# NBVAL_CHECK_OUTPUT
tr_a, td_a, _ = read_errors(Xd, n_train=80, hidden=256, alpha=1e-5)
dev_a = 1 - MLPClassifier((256,), alpha=1e-5, max_iter=500, random_state=0).fit(
    Xd[train[:80]], labels[train[:80]]).score(Xd[dev], labels[dev])
diag_a = diagnose_mismatch(0.0, tr_a, td_a, dev_a)
print("(a) 80 examples, dev from the training distribution\n" + str(diag_a))
diag_b = diagnose_mismatch(0.0, *read_errors(Xd))
print("\n(b) 1,000 scanned digits, dev = phone images\n" + str(diag_b))
assert diag_a.focus == "variance" and diag_b.focus == "data mismatch"

# %% [markdown]
# Project (b) needs data like the dev set, not regularization. The course's fix when real phone images
# are scarce: **artificial data synthesis**. We apply our phone simulation (with a different random seed)
# to the scanned training images and train again. The train-dev set now comes from the synthesized
# training distribution.

# %%
# NBVAL_CHECK_OUTPUT
X_synth = phone_digits(digits, seed=7).reshape(len(digits), -1) / 16.0
diag_c = diagnose_mismatch(0.0, *read_errors(X_synth))
print("(c) 1,000 synthesized phone digits, dev = phone images\n" + str(diag_c))
assert diag_c.errors["dev"] < diag_b.errors["dev"] - 0.05
assert diag_c.gaps["data mismatch"] < diag_b.gaps["data mismatch"] / 2

# %% [markdown]
# The mismatch gap closed and the dev error dropped; what is left is mostly the harder task itself (phone
# images are harder to read, so bias and variance both grew). A caution from the course: if the synthesized
# data covers only a small corner of the real variation (say, one noise pattern repeated), the network can
# overfit to that corner while looking fine to you.

# %% [markdown]
# The other fix from the course: **collect** some data like the dev set and put it into the training set.
# How much does it take? The next cell trains the same network on 1,000 training digits of which a share
# `phone_share` are phone images (`utils.strategy.mix_sources`; the rest stay scanned), for six shares from 0
# to 1. The train-dev set is mixed the same way (it must come from the training distribution). Move the
# knob and look at the right-hand bars: the data-mismatch gap (dev - train-dev) shrinks as the share grows,
# while the train-dev error rises towards the dev error (the training distribution becomes the harder
# one). Where is most of the gap gone already?

# %%
phone_shares = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)
mix_diagnoses = {f: diagnose_mismatch(0.0, *read_errors(mix_sources(Xd, X_phone, f, seed=0)[0])) for f in phone_shares}
print("data mismatch (points) by phone share:",
      ", ".join(f"{f:g}: {100 * d.gaps['data mismatch']:.1f}" for f, d in mix_diagnoses.items()))

# %%
# NBVAL_IGNORE_OUTPUT
GAP_COLORS = {"avoidable bias": "C0", "variance": "C1", "data mismatch": "C3"}


def draw_mix(fig, phone_share):
    diag = mix_diagnoses[phone_share]
    ax1, ax2 = fig.subplots(1, 2)
    for name, color in (("train", "C0"), ("train-dev", "C1"), ("dev", "C3")):
        ax1.plot(phone_shares, [100 * d.errors[name] for d in mix_diagnoses.values()], "o-", color=color,
                 label=f"{name} error")
    ax1.axvline(phone_share, color="k", lw=1)
    ax1.set(title="Errors vs the share of phone images in training", xlabel="phone share of the training set",
            ylabel="error (%)")
    ax1.legend(fontsize=8)
    names = list(GAP_COLORS)
    ax2.bar(names, [100 * diag.gaps[n] for n in names], color=list(GAP_COLORS.values()))
    ax2.axhline(0, color="k", lw=0.8)
    top = max(100 * max(d.gaps[n] for n in names) for d in mix_diagnoses.values())
    ax2.set(title=f"The gaps with {100 * phone_share:.0f} % phone images", ylabel="percentage points",
            ylim=(min(0, 100 * min(diag.gaps.values())) - 1, top + 2))
    return f"phone share {phone_share:g}: focus on {diag.focus}; " + ", ".join(
        f"{n} {100 * v:.1f}" for n, v in diag.gaps.items())


panel = SliderPanel(draw_mix, {"phone_share": widgets.SelectionSlider(options=phone_shares, value=0.25,
                                                                     description="phone_share")},
                    figsize=(10, 3.8))
assert not panel.message.value, panel.message.value
panel
#
# ## Conclusion
#
# - Count before you fix: a measured error-analysis table and each fix's ceiling tell you where the time
#   is worth spending. Here normalizing images addressed the two largest categories at once.
# - Random label errors in the training set cost little; systematic ones cost a lot.
# - Training error, **train-dev** error, dev error (and test error) split the gap into avoidable bias,
#   variance, data mismatch (and overfitting to dev). Data mismatch calls for data like the dev set:
#   collect it, or synthesize it.
