# %% [markdown]
# # Gradient checking
#
# > Two-sided differences in one and N dimensions verify backprop: a correct backward scores below 2e-7, a planted bug scores orders of magnitude higher, and dropout makes the check meaningless.
#
# ## Introduction
#
# Backpropagation is easy to get subtly wrong: a missing factor, a transposed matrix, and the network
# still trains, only worse. Gradient checking compares the analytic gradient with a numerical one,
#
# $$\frac{\partial J}{\partial \theta_i} \approx \frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2\varepsilon},$$
#
# (two-sided: its error is O(eps^2), against O(eps) for the one-sided difference), and summarizes the
# comparison by the relative difference
#
# $$\text{difference} = \frac{\lVert \text{grad} - \text{gradapprox} \rVert_2}{\lVert \text{grad} \rVert_2 + \lVert \text{gradapprox} \rVert_2}.$$
#
# Below about 2e-7: correct. Above 1e-3: almost surely a bug. The course's functions (`gradient_check`,
# `gradient_check_n`, `dictionary_to_vector`, ...) live in `utils.gradient_checking`, on top of the one
# checker every backward pass of this workbook is tested with, `utils.gradcheck`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import time

import matplotlib.pyplot as plt
import numpy as np

from utils.deep_nn import L_model_backward, L_model_forward, compute_cost
from utils.gradcheck import numerical_gradient
from utils.exercises import show_solution
from utils.gradient_checking import (PLANTED_BUGS, backward_propagation, backward_with_bug, check_step_resolves,
                                     dictionary_to_vector, difference_curve, forward_propagation, gradient_check,
                                     gradient_check_cost, gradient_check_n, gradients_to_vector, numerical_gradients,
                                     plot_errors_by_parameter, verdict, vector_to_dictionary)
from utils.regularization import backward_propagation_with_dropout, forward_propagation_with_dropout
from utils.widgets import SliderPanel

# %% [markdown]
# ## One dimension
#
# The course's warm-up: J(theta) = theta * x. Its forward pass computes J:

# %%
show_solution(forward_propagation)

# %% [markdown]
# and its backward pass the derivative dJ/dtheta = x:

# %%
show_solution(backward_propagation)

# %% [markdown]
# `gradient_check` approximates the derivative with the two-sided difference
# gradapprox = (J(theta + epsilon) - J(theta - epsilon)) / (2 epsilon), then compares it with the backward
# pass's `grad` by the relative difference ||grad - gradapprox|| / (||grad|| + ||gradapprox||), which does not
# depend on the scale of the gradient:

# %%
show_solution(gradient_check)

# %% [markdown]
# One-sided and two-sided differences against the true derivative, for a non-linear J as well
# (J = theta^3 x, derivative 3 theta^2 x), where the one-sided error is visibly larger:

# %%
print(f"J(theta = 4, x = 2) = {forward_propagation(2.0, 4.0):g}, dJ/dtheta = {backward_propagation(2.0, 4.0):g}")
x, theta, eps = 2.0, 4.0, 1e-7
difference_1d = gradient_check(x, theta, epsilon=eps)
print(f"J = theta * x: difference = {difference_1d:.2e}")
for h in (1e-2, 1e-4):
    one_sided = ((theta + h) ** 3 * x - theta ** 3 * x) / h
    two_sided = ((theta + h) ** 3 * x - (theta - h) ** 3 * x) / (2 * h)
    true = 3 * theta ** 2 * x
    print(f"J = theta^3 x, h = {h:g}: one-sided error {abs(one_sided - true):.1e}, two-sided {abs(two_sided - true):.1e}")

# %%
# NBVAL_CHECK_OUTPUT
assert difference_1d < 2e-7
print("1-D check: the derivative x is correct (difference below 2e-7)")

# %% [markdown]
# ## N dimensions
#
# For a network, every W and b is flattened into one long vector theta (`dictionary_to_vector`), each
# entry is nudged by +-epsilon, the cost J is recomputed, and the result is compared with the backprop
# gradients flattened the same way (`gradients_to_vector`). The network: Course 1's [4, 5, 3, 1]
# (ReLU, ReLU, sigmoid) with random weights and biases on three examples, as in the course.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.RandomState(1)
dims = [4, 5, 3, 1]
parameters = {}
for l in range(1, len(dims)):
    parameters[f"W{l}"] = rng.randn(dims[l], dims[l - 1])
    parameters[f"b{l}"] = rng.randn(dims[l], 1)
X = rng.randn(4, 3)
Y = np.array([[1, 1, 0]])
theta, names = dictionary_to_vector(parameters)
print(f"theta: {theta.shape[0]} parameters, first entries from {names[0]}, last from {names[-1]}")

# %% [markdown]
# `gradient_check_n` is the same loop over every entry i of theta: copy theta, nudge entry i by +epsilon
# (J_plus[i]) and by -epsilon (J_minus[i]), each time turning the vector back into a parameters dict and
# computing the cost with `forward_propagation_n`; then the same relative difference, with 2-norms of vectors:

# %%
show_solution(gradient_check_n)

# %%
AL, caches = L_model_forward(X, parameters)
grads = L_model_backward(AL, Y, caches)
difference_ok = gradient_check_n(parameters, grads, X, Y, epsilon=1e-7)
print(f"correct backward: difference = {difference_ok:.2e}")

# %% [markdown]
# Now plant the course's bugs: `dW2` computed with a stray factor 2 and `db1` with 4 / m instead of 1 / m.

# %%
buggy = dict(grads)
buggy["dW2"] = 2 * grads["dW2"]
buggy["db1"] = 4 * grads["db1"]
difference_bug = gradient_check_n(parameters, buggy, X, Y, epsilon=1e-7)
print(f"buggy backward:   difference = {difference_bug:.2e} ({difference_bug / difference_ok:.0e} times larger)")

# %%
# NBVAL_CHECK_OUTPUT
assert difference_ok < 2e-7 and difference_bug > 1e-3
print(f"correct backward below 2e-7: {difference_ok < 2e-7}; buggy backward above 1e-3: {difference_bug > 1e-3}")

# %% [markdown]
# The single number says *that* something is wrong; comparing entry by entry says *where*. The
# numerical gradient (`utils.gradcheck.numerical_gradient`, the same two-sided difference) against the
# buggy backward, entry by entry, coloured by the parameter each entry belongs to: only `b1` and `W2` are off.

# %%
cost_of_theta = lambda t: compute_cost(L_model_forward(X, vector_to_dictionary(t, parameters))[0], Y)
gradapprox = numerical_gradient(cost_of_theta, theta, h=1e-7).ravel()
error = gradients_to_vector(buggy).ravel() - gradapprox
plot_errors_by_parameter(error, names, title="|backprop - numerical| per entry of theta (buggy backward)")
plt.show()

# %% [markdown]
# ## Play: the choice of epsilon, and a bug to catch
#
# The two-sided difference has two errors that pull epsilon in opposite directions. **Truncation**: the
# difference quotient is exact only in the limit; its error grows like epsilon^2 (the O(eps^2) above).
# **Round-off**: J is computed in float64 with a relative error of about 1e-16, and dividing by 2 epsilon
# magnifies it like 1e-16 / epsilon. Their sum, plotted against epsilon on log axes, is a **V**: the check is
# only trustworthy near its bottom.
#
# The panel's network is [4, 5, 5, 1] with small random weights (standard deviation 0.5, so no sigmoid
# saturates and every layer's gradient counts) on three examples; its W2 is square, so a transposed dW2 has
# the right shape and no shape error gives it away. `backward_with_bug` plants one of these bugs in
# `L_model_backward` (`PLANTED_BUGS`, printed below). The V of the correct backward is computed once here
# (`numerical_gradients` for 61 epsilons from 1e-15 to 1); the panel only redoes one check per move.

# %%
rng = np.random.RandomState(1)
panel_params = {}
for l, (n, n_prev) in enumerate(zip([5, 5, 1], [4, 5, 5]), start=1):
    panel_params[f"W{l}"] = 0.5 * rng.randn(n, n_prev)
    panel_params[f"b{l}"] = 0.5 * rng.randn(n, 1)
X_panel, Y_panel = rng.randn(4, 3), np.array([[1, 1, 0]])
panel_cost = lambda p: compute_cost(L_model_forward(X_panel, p)[0], Y_panel)
AL_panel, caches_panel = L_model_forward(X_panel, panel_params)
bug_grads = {bug: backward_with_bug(AL_panel, Y_panel, caches_panel, bug) for bug in PLANTED_BUGS}
sweep_eps = 10.0 ** np.arange(-15, 0.01, 0.25)
sweep = numerical_gradients(panel_cost, panel_params, sweep_eps)
curves = {bug: difference_curve(g, sweep) for bug, g in bug_grads.items()}
best = int(np.argmin(curves["none"]))
print(f"correct backward: smallest difference {curves['none'][best]:.0e} at epsilon = {sweep_eps[best]:.0e}")
for bug, line in PLANTED_BUGS.items():
    print(f"{bug:26s} {line}")

# %% [markdown]
# What the panel shows, checked on the precomputed curves: the bottom of the V lies between 1e-8 and 1e-4;
# at epsilon = 1e-7 every bug fails the check except the 1 % one, which is only suspicious; at epsilon = 1e-2
# (past a ReLU kink) the correct backward fails too and scores the same as the 1 % bug; and below about 1e-16
# the step is lost in rounding.

# %%
# NBVAL_CHECK_OUTPUT
at = lambda eps: int(np.argmin(np.abs(np.log10(sweep_eps / eps))))
assert 1e-8 <= sweep_eps[best] <= 1e-4 and curves["none"][best] < 1e-9
at_1e7 = {bug: curves[bug][at(1e-7)] for bug in PLANTED_BUGS}
assert at_1e7["none"] < 2e-7 and 2e-7 < at_1e7["one entry 1 % off"] < 1e-3
assert all(d > 1e-3 for bug, d in at_1e7.items() if bug not in ("none", "one entry 1 % off"))
assert curves["none"][at(1e-3)] < 1e-5 < 1e-3 < curves["none"][at(1e-2)]  # the kink between 1e-3 and 1e-2
assert abs(np.log10(curves["one entry 1 % off"][at(1e-2)] / curves["none"][at(1e-2)])) < 0.3
check_step_resolves(panel_params, 2e-16)
try:
    check_step_resolves(panel_params, 1e-16)
    raise AssertionError("epsilon = 1e-16 should be lost in rounding")
except ValueError:
    pass
print("at epsilon = 1e-7: " + ", ".join(f"{bug} {verdict(d).split(' (')[0]}" for bug, d in at_1e7.items()))
print(f"at epsilon = 1e-2: correct backward {verdict(curves['none'][at(1e-2)]).split(' (')[0]}, "
      f"1 % bug {verdict(curves['one entry 1 % off'][at(1e-2)]).split(' (')[0]}: the same score within a factor 2")

# %% [markdown]
# Move `epsilon` from the default 1e-7 towards 1e-13 and watch the grey V of the correct backward climb its
# left arm (round-off); then towards 1e-1 (truncation; past about 2e-3 a ReLU kink falls inside the step and
# the difference jumps). Then pick a `bug`: its curve (red) sits far above the 1e-3 line at every sensible
# epsilon and the printed difference jumps, while the bars on the right show which parameter is wrong. The
# subtle one, `one entry 1 % off`, scores about 1e-4 (suspicious) and is visible only where the V of the
# correct backward lies below it: at epsilon = 1e-2 the check cannot tell it from a correct backward. Below
# about 1e-16, theta + epsilon rounds back to theta and the panel says so instead of checking.

# %%
# NBVAL_IGNORE_OUTPUT
panel_names = dictionary_to_vector(panel_params)[1]


def draw_check(fig, epsilon, bug):
    check_step_resolves(panel_params, epsilon)
    gradapprox = numerical_gradients(panel_cost, panel_params, [epsilon])
    difference = difference_curve(bug_grads[bug], gradapprox)[0]
    difference_ok = difference_curve(bug_grads["none"], gradapprox)[0]
    ax_v, ax_e = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    ax_v.loglog(sweep_eps, curves["none"], color="0.5", lw=2, label="correct backward")
    if bug != "none":
        ax_v.loglog(sweep_eps, curves[bug], color="C3", label=f"bug: {bug}")
    for level, text in ((2e-7, "2e-7: passes below"), (1e-3, "1e-3: fails above")):
        ax_v.axhline(level, color="k", ls=":", lw=1)
        ax_v.annotate(text, (1e-15, level * 1.6), fontsize=8)
    ax_v.axvline(epsilon, color="C1", lw=1)
    ax_v.scatter([epsilon], [difference], color="C1", zorder=3, label=f"epsilon = {epsilon:.0e}")
    ax_v.annotate("round-off ~ 1e-16 / eps", (2e-15, 1e-10), fontsize=8, color="0.4")
    ax_v.annotate("truncation ~ eps^2,\nthen a ReLU kink", (1e-4, 1e-11), fontsize=8, color="0.4")
    ax_v.set(title="The V: difference against epsilon", xlabel="epsilon (log)", ylabel="difference (log)",
             ylim=(1e-12, 3), xticks=10.0 ** np.arange(-15, 1, 3), yticks=10.0 ** np.arange(-12, 1, 3))
    ax_v.minorticks_off()
    ax_v.legend(loc="upper center", fontsize=8)
    errors = gradients_to_vector(bug_grads[bug]).ravel() - gradapprox[0]
    plot_errors_by_parameter(errors, panel_names, ax=ax_e, title=f"Per entry at epsilon = {epsilon:.0e}")
    return (f"bug: {bug} ({PLANTED_BUGS[bug]})\nepsilon = {epsilon:.1e}: difference = {difference:.2e}, "
            f"the check {verdict(difference)}.\nThe correct backward scores {difference_ok:.2e} here")


check_panel = SliderPanel(draw_check, {"epsilon": ("log", 1e-17, 1.0, 1e-7), "bug": list(PLANTED_BUGS)},
                          figsize=(11, 4))
assert not check_panel.message.value, check_panel.message.value
check_panel

# %% [markdown]
# ## Why not with dropout
#
# With dropout, every evaluation of J draws new masks: J is not a function of theta alone, and the two
# evaluations J(theta + eps) and J(theta - eps) differ by much more than eps times the gradient. A correct
# dropout backward then fails the check. Freeze the masks (same random seed at every evaluation) and it
# passes; in practice, check with `keep_prob = 1`, then switch dropout on.

# %%
A3, cache = forward_propagation_with_dropout(X, parameters, 0.7, np.random.RandomState(3))
grads_dropout = backward_propagation_with_dropout(X, Y, cache, 0.7)
frozen = lambda p: compute_cost(forward_propagation_with_dropout(X, p, 0.7, np.random.RandomState(3))[0], Y)
fresh = lambda p: compute_cost(forward_propagation_with_dropout(X, p, 0.7)[0], Y)
print(f"J twice at the same theta with fresh masks: {fresh(parameters):.4f}, {fresh(parameters):.4f}")
difference_frozen = gradient_check_cost(frozen, parameters, grads_dropout)
difference_fresh = gradient_check_cost(fresh, parameters, grads_dropout)
print(f"dropout backward, masks frozen: {difference_frozen:.2e}; fresh masks: {difference_fresh:.2e}")

# %%
# NBVAL_CHECK_OUTPUT
assert difference_frozen < 2e-7 and difference_fresh > 1e-3
print("with frozen masks the dropout backward passes; with fresh masks the check is meaningless")

# %% [markdown]
# ## Why only for debugging
#
# The numerical gradient needs two forward passes per parameter; backprop needs one backward pass for all
# of them. Even on this tiny network the difference is large, and it grows with the number of parameters
# (timings of this machine, printed):

# %%
start = time.perf_counter()
numerical_gradient(cost_of_theta, theta, h=1e-7)
t_numeric = time.perf_counter() - start
start = time.perf_counter()
AL_timed, caches_timed = L_model_forward(X, parameters)  # one forward and one backward pass
L_model_backward(AL_timed, Y, caches_timed)
t_backprop = time.perf_counter() - start
print(f"{theta.shape[0]} parameters: numerical gradient {t_numeric * 1e3:.1f} ms, backprop {t_backprop * 1e3:.2f} ms "
      f"({t_numeric / t_backprop:.0f} times slower)")

# %% [markdown]
# ## Conclusion
#
# The course's practical advice:
#
# - use gradient checking to debug, not during training (it is slow);
# - if it fails, look at the entries that differ (as above) to find the faulty layer;
# - remember the regularization term: check the gradient of the *regularized* cost
#   (`tests/test_regularization.py` does, for L2);
# - it does not work with dropout (fresh masks make J random): check with `keep_prob = 1`;
# - run it at random initialization, and perhaps again after some training.
#
# Next: optimization algorithms (`w2_optimization`).
