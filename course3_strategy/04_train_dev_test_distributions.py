# %% [markdown]
# # Train/dev/test distributions: the 8-regions experiment
# > Simulate data from 8 regions, select models on a dev set, and measure how well the dev ranking predicts the test ranking for a by-region split and a shuffled split; then size the dev and test sets.
#
# ## Introduction
#
# The course's cat classifier has data from 8 countries. Tempting split: dev set = 4 countries, test set =
# the other 4. The course says this is wrong: the team spends months aiming at the dev set, and then the
# test set, from another distribution, grades a different target. Shuffle all the data first, then split,
# so that dev and test come from the **same** distribution, the one you expect in the future.
#
# Here we do not take that on faith. `make_region_data` simulates 8 regions, each with its own input shift
# and its own tilt of the decision boundary. We train many candidate models, rank them on the dev set and
# on the test set, and measure the agreement of the two rankings with **Spearman's rank correlation**
# (+1: the dev set orders the models exactly as the test set does).

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import RidgeClassifier
from threadpoolctl import threadpool_limits

from utils.exercises import show_solution
from utils.metrics import spearman
from utils.strategy import (dev_test_sizes, make_region_data, prob_dev_picks_better, shuffled_split,
                            split_by_group)
from utils.widgets import SliderPanel

threadpool_limits(1)  # small matrices: one BLAS thread is faster on a shared 2-core CPU

# %% [markdown]
# ## The data: 8 regions
#
# 600 examples per region, 10 features. From every region, 200 examples go to training; the other 400
# per region (3,200 in all) are the pool that becomes dev and test.

# %%
# NBVAL_CHECK_OUTPUT
X, y, region = make_region_data(n_regions=8, n_per_region=600, n_features=10, shift=1.0, boundary_shift=1.0,
                                 label_noise=0.3, seed=0)
print("X", X.shape, "y", y.shape, "regions", np.unique(region).tolist())
print("positives per region (%):", [round(100 * y[region == k].mean()) for k in range(8)])


# %% [markdown]
# ## Candidate models
#
# A team tries many ideas; here each candidate is a linear classifier (ridge regression on the labels)
# that sees a random subset of the features with a random regularization strength. Candidates that rely on
# different features do well in different regions, because each region tilts the boundary differently.
#
# Two ways to cut the pool into dev and test: `split_by_group` (dev = regions 0-3, test = regions 4-7) and
# `shuffled_split`, which shuffles the indices first and then cuts them into parts of the requested sizes:

# %%
show_solution(shuffled_split)

# %% [markdown]
# One simulated project:

# %%
def candidate_predictions(seed, n_candidates=40):
    """One simulated project's candidates: which pool examples each gets right, and the pool's regions."""
    X, y, region = make_region_data(8, 600, 10, shift=1.0, boundary_shift=1.0, label_noise=0.3, seed=seed)
    rng = np.random.default_rng(seed)
    train = np.concatenate([rng.choice(np.flatnonzero(region == k), 200, replace=False) for k in range(8)])
    pool = np.setdiff1d(np.arange(y.size), train)
    correct = []
    for _ in range(n_candidates):
        feats = rng.choice(10, rng.integers(2, 9), replace=False)
        model = RidgeClassifier(alpha=10 ** rng.uniform(-1, 3.5)).fit(X[train][:, feats], y[train])
        correct.append(model.predict(X[pool][:, feats]) == y[pool])
    return np.array(correct), region[pool]                         # (n_candidates, pool size), (pool size,)


def run_experiment(seed, n_candidates=40):
    """One simulated project: data, candidates, and the dev/test accuracies under both splits."""
    correct, pool_region = candidate_predictions(seed, n_candidates)
    splits = {"by region (dev: 4 regions, test: the other 4)": split_by_group(pool_region, [0, 1, 2, 3]),
              "shuffled (dev and test from all 8)": shuffled_split(pool_region.size, (0.5, 0.5), seed=seed)}
    return {name: (correct[:, dev].mean(axis=1), correct[:, test].mean(axis=1)) for name, (dev, test) in splits.items()}


first = run_experiment(seed=0)


# %% [markdown]
# Every dot is one candidate model: its accuracy on the dev set (x) and on the test set (y); the red ring
# is the model you would ship (best on dev). With the by-region split the cloud is wider: the dev ranking
# says less about the test ranking, and whether the shipped model is also good on test is partly luck.

# %%
def plot_dev_vs_test(result):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (name, (dev, test)) in zip(axes, result.items()):
        ax.scatter(100 * dev, 100 * test, s=18)
        best = int(np.argmax(dev))
        ax.scatter(100 * dev[best], 100 * test[best], s=120, facecolors="none", edgecolors="r",
                   label="picked on dev")
        ax.set(title=f"{name.split(' (')[0]}: rank corr. {spearman(dev, test):.2f}",
               xlabel="dev accuracy (%)", ylabel="test accuracy (%)")
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("40 candidate models, one simulated project", fontweight="bold")
    return fig


_ = plot_dev_vs_test(first)
plt.show()

# %% [markdown]
# ## Over many simulated projects
#
# One project could be luck. We repeat the whole experiment for 12 seeds (new regions, new candidates
# each time) and compare the rank correlations, and the **regret**: how much test accuracy you lose by
# shipping the dev set's favourite instead of the model that is truly best on the test distribution.

# %%
# NBVAL_CHECK_OUTPUT
rho = {name: [] for name in first}
regret = {name: [] for name in first}
for seed in range(12):
    for name, (dev, test) in run_experiment(seed).items():
        rho[name].append(spearman(dev, test))
        regret[name].append(test.max() - test[np.argmax(dev)])
for name in rho:
    print(f"{name:46s} rank correlation: mean {np.mean(rho[name]):.2f}, min {np.min(rho[name]):.2f};"
          f"  regret: mean {100 * np.mean(regret[name]):.1f} points")
by_region, shuffled = (np.array(v) for v in rho.values())
print(f"the shuffled split agrees better in {np.sum(shuffled > by_region)} of {by_region.size} projects")
assert shuffled.mean() > by_region.mean() + 0.2 and np.mean(shuffled > by_region) >= 0.8

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.5))
low = min(0.0, min(min(v) for v in rho.values()))
ax.hist(list(rho.values()), bins=np.linspace(low, 1, 21), label=[n.split(" (")[0] for n in rho])
ax.set(title="Does the dev ranking predict the test ranking?", xlabel="Spearman rank correlation (dev vs test)",
       ylabel="simulated projects")
ax.legend()
plt.show()

# %% [markdown]
# The shuffled split's dev set ranks models almost as the test set does; its remaining disagreement is
# sampling noise, which a bigger dev set reduces. The by-region split's disagreement is systematic: dev and
# test are different targets, and no amount of data fixes that.
#
# How many countries to put in dev and how many in test? Any number gives the same problem. In the panel,
# dev gets regions 0 to `dev_regions` - 1 and test the rest (the pool's 400 examples per region); move it
# from 1 to 7 and compare with the shuffled split, and turn `project` to see other simulated projects. Look
# for: does the cloud of candidates (left) ever tighten onto the diagonal the way the shuffled split's does,
# and does any setting bring the rank correlation over all 12 projects (right, the band is the lowest and
# highest project) up to the shuffled split's line? At the extremes one side has a single region, which
# ranks the candidates by how they do there alone.

# %%
# NBVAL_IGNORE_OUTPUT
projects = [candidate_predictions(seed) for seed in range(12)]


def dev_test_accuracy(correct, pool_region, dev_regions):
    """Each candidate's accuracy on dev (regions < dev_regions) and on test (the other regions)."""
    dev, test = split_by_group(pool_region, list(range(dev_regions)))
    return correct[:, dev].mean(axis=1), correct[:, test].mean(axis=1)


rho_by_k = np.array([[spearman(*dev_test_accuracy(c, r, k)) for c, r in projects] for k in range(1, 8)])
shuffled_rho = np.array(rho[next(n for n in rho if n.startswith("shuffled"))])


def draw_countries(fig, dev_regions, project):
    ax1, ax2 = fig.subplots(1, 2)
    dev, test = dev_test_accuracy(*projects[project], dev_regions)
    best = int(np.argmax(dev))
    ax1.scatter(100 * dev, 100 * test, s=18)
    ax1.scatter(100 * dev[best], 100 * test[best], s=120, facecolors="none", edgecolors="r", label="picked on dev")
    ax1.set(title=f"project {project}: dev = {dev_regions} region(s), test = {8 - dev_regions}",
            xlabel="dev accuracy (%)", ylabel="test accuracy (%)")
    ax1.legend(loc="lower right", fontsize=8)
    ks = np.arange(1, 8)
    ax2.plot(ks, rho_by_k.mean(axis=1), "o-", label="by region (mean of 12 projects)")
    ax2.fill_between(ks, rho_by_k.min(axis=1), rho_by_k.max(axis=1), alpha=0.2)
    ax2.axhline(shuffled_rho.mean(), color="C1", label="shuffled (mean of 12 projects)")
    ax2.axvline(dev_regions, color="r", lw=1)
    ax2.set(title="Does the dev ranking predict the test ranking?", xlabel="regions in dev (the rest in test)",
            ylabel="Spearman rank correlation", ylim=(min(-0.2, rho_by_k.min() - 0.05), 1.02))
    ax2.legend(loc="lower right", fontsize=8)
    return (f"dev = regions 0-{dev_regions - 1}, test = regions {dev_regions}-7: rank correlation "
            f"{spearman(dev, test):.2f} here, {rho_by_k[dev_regions - 1].mean():.2f} on average "
            f"(shuffled: {shuffled_rho.mean():.2f}); the pick loses {100 * (test.max() - test[best]):.1f} test points")


panel = SliderPanel(draw_countries, {"dev_regions": (1, 7, 1, 4), "project": (0, 11, 1, 0)}, figsize=(10, 4))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## How big should dev and test be?
#
# The old rule of thumb (60/20/20 or 70/30) was made for a few thousand examples. With a million, 1 % each
# (10,000 examples) is enough, which leaves 98 % for training. `dev_test_sizes` encodes the course's rule:

# %%
show_solution(dev_test_sizes)

# %%
# NBVAL_CHECK_OUTPUT
for m in (1_000, 10_000, 1_000_000):
    n_train, n_dev, n_test = dev_test_sizes(m)
    print(f"m = {m:>9,}: train {n_train:>7,}  dev {n_dev:>6,}  test {n_test:>6,}"
          f"  ({100 * n_train / m:.0f} / {100 * n_dev / m:.0f} / {100 * n_test / m:.0f} %)")

# %% [markdown]
# Why 10,000 is "enough": a dev set must be big enough to tell apart the models you are choosing between.
# `prob_dev_picks_better` simulates how often a dev set of a given size ranks the truly better of two
# models first (0.5 = a coin flip), for models 1 point apart (91 % vs 90 %) and 0.1 point apart.

# %%
# NBVAL_CHECK_OUTPUT
sizes = [100, 1_000, 10_000, 100_000]
pick = {gap: [prob_dev_picks_better(0.90 + gap, 0.90, n, n_trials=20_000, seed=0) for n in sizes]
        for gap in (0.01, 0.001)}
for gap, probs in pick.items():
    print(f"{100 * gap:.1f}-point difference: " + ", ".join(f"n = {n:,}: {p:.2f}" for n, p in zip(sizes, probs)))
assert pick[0.01][2] > 0.95 and pick[0.01][0] < 0.75  # 10,000 examples separate 1 point; 100 do not
assert all(a <= b + 0.01 for a, b in zip(pick[0.001], pick[0.001][1:]))

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for gap, probs in pick.items():
    ax.plot(sizes, probs, marker="o", label=f"models {100 * gap:.1f} point apart")
ax.set(xscale="log", title="Can the dev set tell two models apart?", xlabel="dev set size (log scale)",
       ylabel="P(dev picks the better model)", ylim=(0.45, 1.02))
ax.legend()
plt.show()

# %% [markdown]
# ## Conclusion
#
# - Dev and test sets must come from the **same distribution**, the one you expect in the future and care
#   about: shuffle first, then split. In the simulation the by-region split's dev ranking predicts the test
#   ranking much worse (lower rank correlation, more test accuracy lost by the model you would ship).
# - Size dev and test to the decisions they support: big enough to separate the models you compare (10,000
#   separates 1-point differences; 0.1-point differences need far more), not a fixed percentage.
# - If the dev set or metric stops matching what you care about (the real world), change them: that is the
#   fourth knob of the orthogonalization notebook.
