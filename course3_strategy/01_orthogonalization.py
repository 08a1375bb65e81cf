# %% [markdown]
# # Orthogonalization: one knob per goal
# > Turn each of the course's tuning knobs on a real network and measure which goal it moves: most move one, early stopping moves two.
#
# ## Introduction
#
# Your network does badly on the test set and you have ten ideas: more data, train longer, Adam, dropout, a
# bigger network... The course's answer is **orthogonalization**: a chain of four goals, each with its own
# knobs, so that turning one knob fixes one problem without disturbing the others.
#
# | goal | measured here as | knobs (course) |
# | --- | --- | --- |
# | 1. fit the training set | train error | bigger network, better optimizer |
# | 2. fit the dev set | dev error - train error (on fresh dev data) | regularization, more training data |
# | 3. fit the test set | test error - dev error of the model you picked | bigger dev set |
# | 4. perform in the real world | real-world error - test error | change the dev/test set (or the cost function) |
#
# We turn each knob on a small scikit-learn network (`MLPClassifier`) trained on the course's noisy
# half-moons, measure all four numbers, and check which one moves. Then we do the same with **early
# stopping**, which the course calls a less orthogonal knob.
#
# **Where the course notes land in this folder** (Course 3, in the notes' order):
#
# | the notes say | measured in |
# | --- | --- |
# | many ideas to improve a model (more data, train longer, Adam, dropout...), some of them a waste of time | this notebook (each knob's effect), `06` (the ceiling of a fix before you try it) |
# | orthogonalization: one change, one metric | this notebook |
# | bad on the training set: deeper network, Adam instead of gradient descent | this notebook (goal 1), `05` (avoidable bias) |
# | good on training, bad on dev: dropout, L2 regularization | this notebook (goal 2), `05` (variance) |
# | a single-number evaluation metric to choose among 10-15 models | `02` |
# | satisficing and optimizing: A 80 ms, B 95 ms, C 1,500 ms; at most 100 ms, then the most accurate | `03` |
# | 8 countries: dev = 4 countries, test = the other 4 is bad; shuffle, then split | `04` |
#
# The course's later lessons (human-level performance, error analysis, mismatched data, transfer,
# multi-task and end-to-end learning) are notebooks `05` to `07`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from utils.exercises import show_solution
from utils.metrics import error_rate, error_rate_interval
from utils.widgets import SliderPanel

threadpool_limits(1)  # tiny matrices: one BLAS thread is many times faster than several fighting for 2 cores
warnings.filterwarnings("ignore", category=ConvergenceWarning)  # early stopping stops before convergence on purpose

# %% [markdown]
# The data: two half-moons with input noise 0.3 (the classes overlap, so even the best classifier makes
# mistakes). The training set is the first `n` of 1,000 examples; `X_fresh` is a large fresh sample from the
# same distribution that measures how well a model really generalizes. In the **real world**, a quarter of
# what users send is of a kind the team never collected (say, sketches instead of photos); for those the
# inputs tell nothing about the label, which we simulate with random labels.

# %%
# NBVAL_CHECK_OUTPUT
X_train, y_train = make_moons(1000, noise=0.3, random_state=1)
X_fresh, y_fresh = make_moons(4000, noise=0.3, random_state=2)
X_pool, y_pool = make_moons(20000, noise=0.3, random_state=3)      # dev/test candidates, same distribution
X_real, y_real = make_moons(20000, noise=0.3, random_state=4)      # what users actually send...
new_kind = np.random.default_rng(4).random(20000) < 0.25            # ...a quarter of a kind never seen before
y_real[new_kind] = np.random.default_rng(5).integers(0, 2, new_kind.sum())
print("train", X_train.shape, "fresh", X_fresh.shape, "pool", X_pool.shape, "real world", X_real.shape)

# %% [markdown]
# Every number below is an **error rate**: the fraction of examples a model gets wrong, for labels of
# shape (m,) or the Course 1 layout (1, m). `utils.metrics.error_rate` (the exercise version of this
# notebook asks you to write it):

# %%
show_solution(error_rate)


# %%
def fit(hidden=(16,), n=1000, alpha=1e-4, max_iter=500, seed=0):
    """A small network trained with L-BFGS on the first n training examples."""
    net = MLPClassifier(hidden, alpha=alpha, solver="lbfgs", max_iter=max_iter, random_state=seed)
    return net.fit(X_train[:n], y_train[:n])


GOALS = ["1. train error", "2. dev - train", "3. test - dev", "4. real world - test"]


def goals(net, n, dev=None, test=None):
    """The four numbers of the chain for one trained model (dev/test default: large fresh samples)."""
    train = error_rate(y_train[:n], net.predict(X_train[:n]))
    fresh = error_rate(y_fresh, net.predict(X_fresh))
    dev_err = fresh if dev is None else dev
    test_err = error_rate(y_pool[:5000], net.predict(X_pool[:5000])) if test is None else test
    real = error_rate(y_real[:5000], net.predict(X_real[:5000]))
    return dict(zip(GOALS, [train, fresh - train, test_err - dev_err, real - test_err]))


# %% [markdown]
# ## Knobs for goal 1: a bigger network, a better optimizer
#
# With plenty of data (1,000 examples), grow the hidden layer from 1 unit (almost a linear classifier) to 32.

# %%
results = {}
sizes = [1, 4, 8, 32]
results["bigger network (hidden units)"] = (sizes, [goals(fit((h,), n=1000, seed=1), 1000) for h in sizes])

# %% [markdown]
# The other goal-1 knob is a better optimizer. The same network (two layers of 32 units) trained for 150
# full-batch epochs with plain gradient descent, with momentum, and with Adam (learning rate 0.01 for all):

# %%
optimizers = {"GD": dict(solver="sgd", momentum=0.0),
              "momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
              "Adam": dict(solver="adam")}
rows = []
for kw in optimizers.values():
    net = MLPClassifier((32, 32), learning_rate_init=0.01, batch_size=1000, max_iter=150, random_state=0, **kw)
    rows.append(goals(net.fit(X_train, y_train), 1000))
results["better optimizer (150 epochs)"] = (list(optimizers), rows)

# %% [markdown]
# ## Knobs for goal 2: regularization and more data
#
# A big network (two layers of 64 units) on only 60 examples overfits: zero training error, a large gap.
# L2 regularization (`alpha`) and more training examples are the knobs for that gap.

# %%
alphas = [1e-4, 0.03, 0.1, 0.3, 1.0]
results["L2 regularization (alpha)"] = (alphas, [goals(fit((64, 64), n=60, alpha=a), 60) for a in alphas])
ns = [60, 100, 250, 500, 1000]
results["more training data (m)"] = (ns, [goals(fit((64, 64), n=n), n) for n in ns])

# %% [markdown]
# ## Knob for goal 3: a bigger dev set
#
# Train 20 candidate models (different sizes, regularization and seeds), pick the one with the lowest dev
# error, and compare its dev error with its test error. A small dev set flatters the winner: its dev error
# is low partly by luck, and the test set does not repeat the luck. We average over 200 random dev sets of
# each size, drawn from the pool; the test set is 5,000 other pool examples.

# %%
rng = np.random.default_rng(0)
cands = [fit((h,), n=300, alpha=a, seed=s) for h in (8, 16) for a in (1e-4, 0.1) for s in range(5)]
pool_wrong = np.array([c.predict(X_pool) != y_pool for c in cands])          # (20, 20000)
cand_goals = [goals(c, 300) for c in cands]
dev_sizes = [20, 50, 200, 1000, 5000]
rows = []
for n_dev in dev_sizes:
    trials = []
    for _ in range(200):
        dev_idx = 5000 + rng.choice(15000, n_dev, replace=False)
        dev_err = pool_wrong[:, dev_idx].mean(axis=1)
        best = int(np.argmin(dev_err))
        trials.append(goals_best := dict(cand_goals[best]))
        goals_best[GOALS[2]] = pool_wrong[best, :5000].mean() - dev_err[best]
    rows.append({g: float(np.mean([t[g] for t in trials])) for g in GOALS})
results["bigger dev set (examples)"] = (dev_sizes, rows)

# %% [markdown]
# Why a small dev set flatters the winner: its error rate is measured on few examples, so it comes with a
# wide **confidence interval** (the 95 % Wilson interval of `utils.metrics.error_rate_interval`, whose width
# shrinks as 1 / sqrt(n)). Move `dev_size` from 20 to 15,000 and watch the bars: with 20 or 50 examples the
# 20 candidates' intervals all overlap, the dev set cannot tell them apart, and its error for the one it picks
# (red) is well below that candidate's test error (the orange curve: a few points, on average).
# From a few thousand examples on, the intervals are a point or two wide: enough to set the weak ones apart
# (not the seventeen within a point of each other, which are about equally good anyway), and the pick's dev
# error agrees with its test error. `dev_draw` draws another dev set of the same size: at small sizes the pick
# and its error jump from draw to draw (luck), at large sizes they barely move.

# %%
# NBVAL_IGNORE_OUTPUT
test_err_cands = pool_wrong[:, :5000].mean(axis=1)  # the 20 candidates' errors on the 5,000 test examples
order = np.argsort(test_err_cands)


def draw_dev_size(fig, dev_size, dev_draw):
    n = int(round(dev_size))
    dev_idx = 5000 + np.random.default_rng(dev_draw).choice(15000, n, replace=False)
    dev_err = pool_wrong[:, dev_idx].mean(axis=1)
    low, high = np.array([error_rate_interval(e, n) for e in dev_err]).T
    best = int(np.argmin(dev_err))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    pos = np.arange(len(order))
    ax1.errorbar(pos, 100 * dev_err[order], yerr=100 * np.abs(np.array([low, high])[:, order] - dev_err[order]),
                 fmt="o", ms=4, capsize=2, label="dev error, 95 % interval")
    ax1.scatter(pos, 100 * test_err_cands[order], marker="x", color="k", zorder=3, label="test error")
    ax1.scatter(np.flatnonzero(order == best), 100 * dev_err[best], s=120, facecolors="none", edgecolors="r",
                zorder=4, label="picked on dev")
    ax1.set(title=f"20 candidates, dev set of {n:,} examples", xlabel="candidate, ranked by test error",
            ylabel="error (%)", ylim=(0, 35), xticks=pos[::2], xticklabels=pos[::2] + 1)
    ax1.legend(loc="upper left", fontsize=8)
    sizes = np.logspace(np.log10(20), np.log10(15000), 60)
    p = float(np.median(test_err_cands))
    widths = [100 * np.subtract(*error_rate_interval(p, int(m))[::-1]) for m in sizes]
    ax2.plot(sizes, widths, label=f"width of the 95 % interval (error {100 * p:.0f} %)")
    ax2.plot(dev_sizes, [100 * r[GOALS[2]] for r in results["bigger dev set (examples)"][1]], "o-", ms=4,
             label="test - dev of the pick (mean of 200 draws)")
    ax2.axvline(n, color="r", lw=1)
    ax2.set(xscale="log", title="What a dev set of this size can resolve", xlabel="dev set size (log scale)",
            ylabel="percentage points")
    ax2.legend(fontsize=8)
    regret = 100 * (test_err_cands[best] - test_err_cands.min())
    rank = int(np.flatnonzero(order == best)[0])
    return (f"picked the candidate ranked {rank + 1} of 20 on test: dev error {100 * dev_err[best]:.1f} % (95 % interval "
            f"{100 * low[best]:.1f}-{100 * high[best]:.1f} %), test error {100 * test_err_cands[best]:.1f} %; "
            f"the best on test has {100 * test_err_cands.min():.1f} % ({regret:.1f} points lost)")


panel = SliderPanel(draw_dev_size, {"dev_size": ("log", 20, 15000, 50), "dev_draw": (0, 9, 1, 0)},
                    figsize=(11, 4))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## Knob for goal 4: change the dev/test set
#
# The team's test error looks fine but users are unhappy: the test set does not look like what users send.
# The knob is to draw the dev and test sets from the real-world distribution. We move a growing fraction of
# the dev set (1,000 examples) and the test set (4,000) to real-world data and pick among the same 20 candidates.

# %%
real_wrong = np.array([c.predict(X_real) != y_real for c in cands])
fractions = [0.0, 0.25, 0.5, 0.75, 1.0]
rows = []
for f in fractions:
    k, t = int(f * 1000), int(f * 4000)
    dev_err = np.c_[real_wrong[:, 5000:5000 + k], pool_wrong[:, 5000:6000 - k]].mean(axis=1)
    test_err = np.c_[real_wrong[:, 10000:10000 + t], pool_wrong[:, 10000:14000 - t]].mean(axis=1)
    best = int(np.argmin(dev_err))
    rows.append(goals(cands[best], 300, dev=dev_err[best], test=test_err[best]))
results["dev/test from real world (fraction)"] = (fractions, rows)

# %% [markdown]
# ## Early stopping: a knob that moves two goals
#
# Stopping the big network's training after fewer iterations keeps it from overfitting (goal 2) but also
# stops it before it fits the training set (goal 1).

# %%
iters = [300, 50, 20, 10]
results["early stopping (iterations, fewer ->)"] = (iters, [goals(fit((64, 64), n=60, max_iter=i), 60) for i in iters])


# %% [markdown]
# ## One figure: which goal does each knob move?
#
# Each panel turns one knob from left to right and plots the four goal numbers (in %). An orthogonal knob
# moves one line and leaves the others flat.

# %%
def plot_knobs(results):
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.5), layout="constrained")
    for ax, (knob, (xs, rows)) in zip(axes.ravel(), results.items()):
        pos = np.arange(len(xs))
        for g in GOALS:
            ax.plot(pos, [100 * r[g] for r in rows], marker="o", ms=3, label=g)
        ax.set_xticks(pos, [x if isinstance(x, str) else f"{x:g}" for x in xs])
        ax.set(title=knob, xlabel="knob setting", ylabel="error / gap (%)")
    axes[-1, -1].axis("off")
    axes[-1, -1].legend(*axes[0, 0].get_legend_handles_labels(), loc="center", title="goal numbers")
    fig.suptitle("Each knob and the four goals it could move", fontweight="bold")
    return fig


_ = plot_knobs(results)
plt.show()

# %% [markdown]
# The change of each goal number from the knob's first to its last setting, in percentage points:

# %%
changes = {knob: {g: 100 * (rows[-1][g] - rows[0][g]) for g in GOALS} for knob, (_, rows) in results.items()}
print(f"{'knob':40s}" + "".join(f"{g:>22s}" for g in GOALS))
for knob, ch in changes.items():
    print(f"{knob:40s}" + "".join(f"{ch[g]:+22.1f}" for g in GOALS))

# %% [markdown]
# The claim, checked: each knob moves its own goal more than any other; early stopping moves goals 1 and 2
# both by a large amount (each at least half of the bigger one).

# %%
# NBVAL_CHECK_OUTPUT
own = {"bigger network (hidden units)": GOALS[0], "better optimizer (150 epochs)": GOALS[0],
       "L2 regularization (alpha)": GOALS[1],
       "more training data (m)": GOALS[1], "bigger dev set (examples)": GOALS[2],
       "dev/test from real world (fraction)": GOALS[3]}
for knob, goal in own.items():
    moved = max(GOALS, key=lambda g: abs(changes[knob][g]))
    print(f"{knob:38s} moves mainly: {moved}")
    assert moved == goal, (knob, changes[knob])
es = changes["early stopping (iterations, fewer ->)"]
assert min(abs(es[GOALS[0]]), abs(es[GOALS[1]])) > 0.5 * max(abs(es[GOALS[0]]), abs(es[GOALS[1]]))
print("early stopping moves both:", GOALS[0], "and", GOALS[1])

# %% [markdown]
# ## Conclusion
#
# - Diagnose first, then turn the knob for the goal that fails: a bigger network for training error,
#   regularization or data for the dev-train gap, a bigger dev set when the test set disagrees with the dev
#   set, a different dev/test set (or cost function) when the test set disagrees with the real world.
# - Look at the off-diagonal lines too: regularization and more data also raise training error a little
#   (the network stops memorizing the training set's noise). That is a side effect, not their purpose.
#   Likewise the real-world gap grows a little when the goal-1 knobs improve the model: on the quarter of
#   real-world inputs that no model can get right, the error stays at chance, so the better the model is on
#   the test set, the larger the gap. The fix for that gap is still the goal-4 knob.
# - Early stopping couples goals 1 and 2: stopping earlier trades training error for a smaller gap. The
#   course prefers knobs you can reason about one at a time (e.g. L2 with training run to convergence).
