# %% [markdown]
# # Bias, variance and human-level performance
# > A task whose Bayes error you set yourself (label noise), errors read as avoidable bias and variance, and the course's knobs for each, with a slider over noise level and network size.
#
# ## Introduction
#
# How good can a classifier get? The best possible error is the **Bayes error**; in practice we never know
# it and use **human-level error** (the best humans: a team of experts) as a proxy. The course's reading:
#
# - **avoidable bias** = training error - human-level error: reduce it with a bigger model, longer training
#   or a better optimizer, a better architecture;
# - **variance** = dev error - training error: reduce it with more data, regularization, a better architecture.
#
# Work on the larger of the two. Here the Bayes error is **known**: the clean label is a fixed function of
# the input, and we flip a fraction `noise` of the labels (training and dev alike). The best possible
# classifier, the clean rule itself, is then wrong on exactly the flipped labels: Bayes error = `noise`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import warnings
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from utils.exercises import show_solution
from utils.metrics import error_rate
from utils.plotting import plot_decision_boundary
from utils.strategy import diagnose_bias_variance, flip_labels
from utils.widgets import SliderPanel

threadpool_limits(1)  # small matrices: one BLAS thread is faster on a shared 2-core CPU
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %% [markdown]
# ## The course's two examples
#
# `diagnose_bias_variance` computes the two gaps; `_diagnose` then picks the larger one (or "none" when
# both are within `tolerance`) and lists the course's knobs for it:

# %%
show_solution(diagnose_bias_variance)

# %% [markdown]
# Same training error (8 %) and dev error (10 %), two different human levels, two different diagnoses:

# %%
# NBVAL_CHECK_OUTPUT
for human in (0.01, 0.075):
    print(diagnose_bias_variance(human_error=human, train_error=0.08, dev_error=0.10), "\n")


# %% [markdown]
# ## A task with a known Bayes error
#
# Points uniform in a square; the clean label says whether a point lies above the wave
# x2 = 0.6 sin(3 x1). 300 training examples, 5,000 dev examples (a large dev set, so dev error is measured
# precisely).

# %%
def clean_label(X):
    """The true rule: 1 above the wave x2 = 0.6 sin(3 x1). X: (m, 2). Returns (m,) in {0, 1}."""
    return (X[:, 1] > 0.6 * np.sin(3 * X[:, 0])).astype(int)


rng = np.random.default_rng(0)
X_train, X_dev = rng.uniform(-2, 2, (300, 2)), rng.uniform(-2, 2, (5000, 2))


def noisy_sets(noise):
    """Training and dev labels with a fraction ``noise`` flipped (different flips for each set)."""
    y_train, _ = flip_labels(clean_label(X_train), noise, seed=1)
    y_dev, _ = flip_labels(clean_label(X_dev), noise, seed=2)
    return y_train, y_dev


def bayes_error(noise):
    """The clean rule's error on the noisy dev labels: the best any classifier can do on this dev set."""
    return error_rate(noisy_sets(noise)[1], clean_label(X_dev))


# %% [markdown]
# Check the claim "Bayes error = noise": the clean rule's error on the noisy dev labels.

# %%
# NBVAL_CHECK_OUTPUT
for noise in (0.0, 0.05, 0.1, 0.2):
    bayes = bayes_error(noise)
    print(f"noise {noise:.2f}: error of the clean rule on the dev set {100 * bayes:.1f} %")
    assert abs(bayes - noise) < 0.015

# %% [markdown]
# ## Human-level error as a proxy for Bayes error
#
# Simulate three kinds of labelers who know the rule but slip on some examples: a typical person (slips on
# 6 % of the clean labels), an expert (2 %) and a team of experts who discuss hard cases (0.5 %). Their error
# on the noisy dev labels (noise 0.1):

# %%
# NBVAL_CHECK_OUTPUT
_, y_dev = noisy_sets(0.1)
human = {}
for k, (who, slip) in enumerate({"typical person": 0.06, "expert": 0.02, "team of experts": 0.005}.items()):
    answers, _ = flip_labels(clean_label(X_dev), slip, seed=10 + k)
    human[who] = error_rate(y_dev, answers)
    print(f"{who:16s} error {100 * human[who]:.1f} %")
print(f"Bayes error      {100 * bayes_error(0.1):.1f} %")

# %% [markdown]
# Every human error is above the Bayes error; the best one (the team) is the closest, so it is the proxy to
# use when the question is "how much avoidable bias is left?".

# %% [markdown]
# ## Network size: from avoidable bias to variance
#
# Train networks of growing size (two hidden layers of `h` units, no regularization) at noise 0.1, and read
# the two gaps off their errors.

# %%
@lru_cache(maxsize=None)
def train_eval(noise, hidden, alpha=1e-4):
    """Train on the noisy training set; return (net, train error, dev error)."""
    y_train, y_dev = noisy_sets(noise)
    net = MLPClassifier((hidden, hidden), alpha=alpha, solver="lbfgs", max_iter=1000, random_state=0)
    net.fit(X_train, y_train)
    return net, error_rate(y_train, net.predict(X_train)), error_rate(y_dev, net.predict(X_dev))


sizes = [1, 2, 4, 8, 16, 64]
curve = [train_eval(0.1, h)[1:] for h in sizes]
fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(sizes, [100 * t for t, _ in curve], marker="o", label="training error")
ax.plot(sizes, [100 * d for _, d in curve], marker="o", label="dev error")
ax.axhline(100 * bayes_error(0.1), color="k", ls="--", label="Bayes error (noise 0.1)")
ax.set(xscale="log", title="Errors vs network size (noise 0.1, 300 examples)", xlabel="hidden units per layer",
       ylabel="error (%)")
ax.legend()
plt.show()

# %% [markdown]
# Small networks sit far above the Bayes line on the training set (avoidable bias); big ones go *below*
# it on the training set: they memorize flipped labels, and the dev error rises (variance). Three points of
# that curve, diagnosed, with what the course would do next:

# %%
cases = {"tiny network (h = 1)": (1, 1e-4), "big network, no regularization (h = 64)": (64, 1e-4),
         "big network, L2 alpha = 1 (h = 64)": (64, 1.0)}
focus = {}
for name, (h, alpha) in cases.items():
    _, tr, dv = train_eval(0.1, h, alpha)
    d = diagnose_bias_variance(human_error=human["team of experts"], train_error=tr, dev_error=dv, tolerance=0.03)
    focus[name] = d.focus
    print(f"== {name}\n{d}\n")

# %% [markdown]
# The errors above move by a point or so from one CPU to another (lbfgs on a big network amplifies the last
# bits of the BLAS kernels); the diagnoses do not:

# %%
# NBVAL_CHECK_OUTPUT
for name, f in focus.items():
    print(f"{name}: {'both gaps within the tolerance' if f == 'none' else f}")
assert focus["tiny network (h = 1)"] == "avoidable bias"
assert focus["big network, no regularization (h = 64)"] == "variance"
assert focus["big network, L2 alpha = 1 (h = 64)"] == "none"


# %% [markdown]
# Human-level error here is the team of experts' measured error. The regularized big network is within
# the tolerance (3 points) on both gaps. Note the
# unregularized network's training error below human level: the diagnosis flags it, because once you beat
# the human proxy you no longer know how much bias is avoidable.
#
# ## Play: noise level and network size
#
# Move the noise (the Bayes error), the network size and the L2 strength. The left panel shows the learned
# boundary on the training data (dashed: the clean rule, the best possible boundary); the right panel the
# three errors; the text under the figure gives the two gaps, the diagnosis and the knobs to turn. (Each new setting trains one network, under a second; settings you have
# visited are cached.)

# %%
def draw(fig, noise, hidden_units, l2_alpha):
    net, tr, dv = train_eval(noise, hidden_units, l2_alpha)
    y_train, _ = noisy_sets(noise)
    ax1, ax2 = fig.subplots(1, 2)
    plot_decision_boundary(lambda P: net.predict(P.T), X_train.T, y_train, ax=ax1, resolution=120,
                           title=f"h = {hidden_units}, noise = {noise:.2f}")
    t = np.linspace(-2, 2, 200)
    ax1.plot(t, 0.6 * np.sin(3 * t), "k--", lw=1)  # the clean rule, the Bayes-optimal boundary
    bayes = bayes_error(noise)
    bars = ax2.bar(["Bayes", "train", "dev"], [100 * bayes, 100 * tr, 100 * dv],
                   color=["0.6", "tab:blue", "tab:orange"])
    ax2.bar_label(bars, fmt="%.1f")
    ax2.set(title="Errors", ylabel="error (%)", ylim=(0, 100 * max(0.5, dv + 0.05)))
    return str(diagnose_bias_variance(bayes, tr, dv, tolerance=0.02))


# %%
# NBVAL_IGNORE_OUTPUT
panel = SliderPanel(draw, {"noise": (0.0, 0.3, 0.05, 0.1), "hidden_units": [1, 2, 4, 8, 16, 64],
                           "l2_alpha": [1e-4, 0.1, 1.0, 3.0]}, figsize=(10, 4))
panel

# %% [markdown]
# ## Conclusion
#
# - Use the best human performance you can get (here: the team of experts) as the proxy for Bayes error.
# - Avoidable bias = train - human; variance = dev - train; work on the bigger one. The same training and
#   dev errors call for opposite actions depending on the human level (the course's 1 % vs 7.5 % example).
# - A model below human level on the training set is a warning sign: either it has surpassed humans (and
#   the usual tools to steer progress get weaker), or, as here, it memorizes label noise.
