# %% [markdown]
# # A single-number evaluation metric
# > Precision, recall and F1 from a confusion matrix you compute yourself, the course's A-vs-B decision, then real face classifiers and an error averaged over regions.
#
# ## Introduction
#
# With two numbers per model (precision and recall) you cannot always say which of two models is better;
# with one number you can, and you iterate faster. The course's recipe:
#
# - **precision**: of the images the classifier calls "face", how many are faces: TP / (TP + FP);
# - **recall**: of the faces, how many it finds: TP / (TP + FN);
# - **F1 score**: their harmonic mean, 2 / (1/P + 1/R), one number that is high only when both are.
#
# When a product serves several groups (regions, countries), average the error over them to get one number.
# Everything is computed by `utils.metrics` (our own code, checked against `sklearn.metrics` below).

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import matplotlib.pyplot as plt
import numpy as np
import sklearn.metrics as skm
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from utils.data import load_faces
from utils.exercises import show_solution
from utils.metrics import (accuracy, average_group_error, confusion_matrix, error_rate, f1_from_precision_recall,
                           f1_score, fbeta_from_precision_recall, group_errors, precision, recall)
from utils.strategy import make_region_data, select_model
from utils.widgets import SliderPanel

threadpool_limits(1)  # small matrices: one BLAS thread is faster on a shared 2-core CPU

# %% [markdown]
# ## The course's example: A or B?
#
# Classifier A has precision 95 % and recall 90 %; B has 98 % and 85 %. B is better on precision, A on
# recall: two numbers cannot decide. F1 can. F1 is the harmonic mean 2 / (1/P + 1/R) = 2PR / (P + R),
# defined as 0 when P and R are both 0:

# %%
show_solution(f1_from_precision_recall)

# %%
# NBVAL_CHECK_OUTPUT
course = {"A": {"precision": 0.95, "recall": 0.90}, "B": {"precision": 0.98, "recall": 0.85}}
for name, m in course.items():
    m["F1"] = f1_from_precision_recall(m["precision"], m["recall"])
    print(f"{name}: precision {100 * m['precision']:.0f} %, recall {100 * m['recall']:.0f} %, F1 {100 * m['F1']:.1f} %")
best = select_model(course, "F1").chosen
print("best by F1:", best)
assert best == "A"

# %% [markdown]
# Why the harmonic mean and not the plain average? The harmonic mean is pulled towards the weaker of the
# two numbers, so a classifier cannot buy a high score with one excellent number and one poor one. Compare
# the two means for A and B:

# %%
# NBVAL_CHECK_OUTPUT
for name, m in course.items():
    print(f"{name}: arithmetic mean {100 * (m['precision'] + m['recall']) / 2:.2f} %, F1 {100 * m['F1']:.2f} %")

# %% [markdown]
# ## Precision and recall from a confusion matrix, on a real classifier
#
# The face/non-face images (200 grayscale 25x25 images from scikit-image's `lfw_subset`). A logistic
# regression on raw pixels; to have more than 50 test predictions, every image is predicted once by a model
# that did not train on it (5-fold cross-validation).
#
# The **confusion matrix** counts, for each true class (row) and each predicted class (column), how many
# examples fall there; for the classes [0, 1] it is [[TN, FP], [FN, TP]], sklearn's layout. `labels` fixes
# the order of the rows and columns; `index` maps each class to its row/column:

# %%
show_solution(confusion_matrix)

# %%
# NBVAL_CHECK_OUTPUT
train_x, train_y, test_x, test_y, classes = load_faces()
X = np.concatenate([train_x, test_x]).reshape(200, -1)
y = np.concatenate([train_y, test_y], axis=1).ravel()
folds = StratifiedKFold(5, shuffle=True, random_state=0)
y_hat = cross_val_predict(LogisticRegression(C=0.01, max_iter=2000), X, y, cv=folds)
C = confusion_matrix(y, y_hat)
print("X:", X.shape, " y:", y.shape, " classes:", classes.tolist())
print("confusion matrix (rows: true non-face, face; columns: predicted)\n", C)
(tn, fp), (fn, tp) = C
print(f"TP = {tp}, FP = {fp}, FN = {fn}, TN = {tn}")

# %% [markdown]
# `utils.metrics` computes precision and recall from the labels: count the true positives (predicted 1,
# labelled 1), the false positives (predicted 1, labelled 0) and the false negatives (predicted 0,
# labelled 1). When the denominator is 0 (nothing predicted positive, or no positive example), the metric
# is 0, as in scikit-learn with `zero_division=0`:

# %%
show_solution(precision)

# %%
show_solution(recall)

# %% [markdown]
# Precision and recall by hand from the four counts, then with `utils.metrics`, then with scikit-learn:
# all three must agree.

# %%
# NBVAL_CHECK_OUTPUT
by_hand = {"precision": tp / (tp + fp), "recall": tp / (tp + fn)}
ours = {"precision": precision(y, y_hat), "recall": recall(y, y_hat), "F1": f1_score(y, y_hat),
        "accuracy": accuracy(y, y_hat)}
sk = {"precision": skm.precision_score(y, y_hat), "recall": skm.recall_score(y, y_hat),
      "F1": skm.f1_score(y, y_hat), "accuracy": skm.accuracy_score(y, y_hat)}
for k in ours:
    assert abs(ours[k] - sk[k]) < 1e-12 and (k not in by_hand or abs(by_hand[k] - ours[k]) < 1e-12)
    print(f"{k:9s} {100 * ours[k]:.1f} %  (matches sklearn.metrics)")
assert np.array_equal(C, skm.confusion_matrix(y, y_hat))

# %% [markdown]
# ## Choosing among real classifiers with one number
#
# Five classifiers, each evaluated the same way. Which is best? Precision alone, recall alone and F1 may
# each name a different winner; we commit to F1 before looking.

# %%
# NBVAL_CHECK_OUTPUT
models = {
    "logistic regression": LogisticRegression(C=0.01, max_iter=2000),
    "3-nearest neighbours": KNeighborsClassifier(3),
    "SVM (RBF kernel)": SVC(C=1.0),
    "small network (16)": MLPClassifier((16,), alpha=1.0, max_iter=2000, random_state=0),
    "linear SVM, C = 1e-4": SVC(kernel="linear", C=1e-4),
}
scores = {}
for name, model in models.items():
    p = cross_val_predict(model, X, y, cv=folds)
    scores[name] = {"precision": precision(y, p), "recall": recall(y, p), "F1": f1_score(y, p)}
    print(f"{name:22s} " + "  ".join(f"{k} {100 * v:5.1f} %" for k, v in scores[name].items()))
for metric in ("precision", "recall", "F1"):
    print(f"best by {metric:9s}: {select_model(scores, metric).chosen}")


# %% [markdown]
# The same numbers as a picture: each classifier is a point in the precision/recall plane, and the
# curves are lines of equal F1. The best model by F1 sits on the highest curve.

# %%
def plot_pr(scores, ax=None):
    ax = ax or plt.subplots(figsize=(6, 4.2))[1]
    p = np.linspace(0.5, 1, 200)
    for f in (0.7, 0.8, 0.9, 0.95):
        r = f * p / (2 * p - f)
        ok = (r > 0) & (r <= 1)
        ax.plot(p[ok], r[ok], color="0.7", lw=0.8)
        ax.annotate(f"F1 = {f}", (p[ok][-1], r[ok][-1]), fontsize=7, color="0.4")
    for name, s in scores.items():
        ax.scatter(s["precision"], s["recall"], s=40, label=name, edgecolors="k", linewidths=0.4)
    ax.legend(loc="lower left", fontsize=8)
    ax.set(title="Face classifiers: precision vs recall", xlabel="precision", ylabel="recall",
           xlim=(0.6, 1.02), ylim=(0.6, 1.02))
    return ax


_ = plot_pr(scores)
plt.show()

# %% [markdown]
# F1 weighs precision and recall equally. When one matters more (a face unlock must not let strangers in:
# precision; a photo search must not miss faces: recall), the single number is **F-beta**, the weighted
# harmonic mean (1 + beta^2) P R / (beta^2 P + R) of `utils.metrics.fbeta_from_precision_recall`: recall
# counts beta times as much as precision. Move `beta` from 0.1 (almost pure precision) through 1 (F1) to 10
# (almost pure recall) and watch the curves of equal score tilt, the winner (ringed) change, and, in the text
# under the figure, the course's A or B change with them. The metric is a choice you make *before*
# comparing models; the knob shows how much that choice decides.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_fbeta(fig, beta):
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    b2 = beta ** 2
    p = np.linspace(0.5, 1, 300)
    for f in (0.7, 0.8, 0.9, 0.95):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = f * b2 * p / ((1 + b2) * p - f)
        ok = (r > 0) & (r <= 1.02)
        ax1.plot(p[ok], r[ok], color="0.7", lw=0.8)
        if ok.any():
            ax1.annotate(f"{f}", (p[ok][-1], r[ok][-1]), fontsize=7, color="0.4")
    fb = {name: fbeta_from_precision_recall(s["precision"], s["recall"], beta) for name, s in scores.items()}
    winner = max(fb, key=fb.get)
    for name, s in scores.items():
        ax1.scatter(s["precision"], s["recall"], s=40, label=name, edgecolors="k", linewidths=0.4)
    ax1.scatter(scores[winner]["precision"], scores[winner]["recall"], s=200, facecolors="none", edgecolors="k",
                linewidths=1.5, label="best by F-beta")
    ax1.set(title=f"Curves of equal F-beta, beta = {beta:.2g}", xlabel="precision", ylabel="recall",
            xlim=(0.6, 1.02), ylim=(0.6, 1.02))
    ax1.legend(loc="lower left", fontsize=7)
    names = list(fb)
    ax2.barh(names, [100 * fb[n] for n in names], color=[f"C{i}" for i in range(len(names))],
             edgecolor=["k" if n == winner else "none" for n in names], linewidth=1.5)
    ax2.set(title="F-beta of each classifier (best outlined)", xlabel="F-beta (%)", xlim=(50, 100))
    ax2.invert_yaxis()
    ab = {k: fbeta_from_precision_recall(m["precision"], m["recall"], beta) for k, m in course.items()}
    return (f"best by F-beta (beta = {beta:.2g}): {winner}; the course's example: A {100 * ab['A']:.1f} %, "
            f"B {100 * ab['B']:.1f} %, so {max(ab, key=ab.get)} wins")


panel = SliderPanel(draw_fbeta, {"beta": ("log", 0.1, 10.0, 1.0)}, figsize=(11, 4))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## One number over several groups
#
# The course's second example: a cat app used in the US, China, India and elsewhere, with an error rate
# per region. Keeping four numbers makes comparisons slow; their **average** is one number. We simulate four
# regions with `make_region_data` (each region shifts the inputs and tilts the decision boundary), train
# three models on data from every region, and compare them on held-out data. `group_errors` measures the
# error rate within each group (a dict group -> error):

# %%
show_solution(group_errors)

# %% [markdown]
# `average_group_error` takes those per-group errors and averages them, each group with weight 1 unless
# `weights` says otherwise:

# %%
show_solution(average_group_error)

# %% [markdown]
# The experiment:

# %%
# NBVAL_CHECK_OUTPUT
regions = ["US", "China", "India", "Other"]
Xr, yr, gr = make_region_data(n_regions=4, n_per_region=400, n_features=8, shift=1.0, boundary_shift=1.5, seed=2)
is_dev = np.random.default_rng(0).random(yr.size) < 0.5
region_models = {"logistic regression": LogisticRegression(max_iter=1000),
                 "5-nearest neighbours": KNeighborsClassifier(5),
                 "small network (32)": MLPClassifier((32,), alpha=1.0, max_iter=2000, random_state=0)}
table = {}
for name, model in region_models.items():
    pred = model.fit(Xr[~is_dev], yr[~is_dev]).predict(Xr[is_dev])
    per = group_errors(yr[is_dev], pred, gr[is_dev], names=range(4))
    table[name] = {**{regions[k]: v for k, v in per.items()},
                   "average": average_group_error(yr[is_dev], pred, gr[is_dev], names=range(4))}
print(f"{'dev error (%)':22s}" + "".join(f"{c:>9s}" for c in [*regions, "average"]))
for name, row in table.items():
    print(f"{name:22s}" + "".join(f"{100 * v:9.1f}" for v in row.values()))
winner = select_model(table, "average", maximize=False).chosen
print("best by average error:", winner)

# %% [markdown]
# Four numbers per model make every comparison a judgement call (and when no model wins every region the
# table alone cannot decide); the average is one number to sort by. The cell above prints the winner; below,
# the best model of each region, to see whether one model wins everywhere in this run. The average counts
# each region equally; pass `weights` (e.g. users per region) to `average_group_error` when
# some regions matter more. An empty region is an error, not a silent zero:

# %%
# NBVAL_CHECK_OUTPUT
for r in regions:
    print(f"best in {r:6s}: {min(table, key=lambda name: table[name][r])}")
try:
    average_group_error(yr[is_dev], pred, gr[is_dev], names=range(5))
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## Conclusion
#
# - Pick **one** evaluation number before comparing models: F1 when you care about precision and recall,
#   the average error when you care about several groups. It turns "which is better?" into a sort.
# - Our `utils.metrics` agrees exactly with `sklearn.metrics` on the confusion matrix, precision, recall,
#   F1 and accuracy.
# - The next notebook handles the case where one number is not enough (accuracy *and* speed): satisficing
#   and optimizing metrics.
