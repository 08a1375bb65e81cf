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
from utils.gradient_checking import (backward_propagation, dictionary_to_vector, forward_propagation, gradient_check,
                                     gradient_check_cost, gradient_check_n, gradients_to_vector,
                                     vector_to_dictionary)
from utils.regularization import backward_propagation_with_dropout, forward_propagation_with_dropout

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
error = np.abs(gradients_to_vector(buggy).ravel() - gradapprox)
fig, ax = plt.subplots(figsize=(8, 3.2))
for key in dict.fromkeys(names):
    idx = [i for i, n in enumerate(names) if n == key]
    ax.bar(idx, error[idx] + 1e-12, label=key)
ax.set_yscale("log")
ax.set(title="|backprop - numerical| per entry of theta (buggy backward)", xlabel="index in theta",
       ylabel="absolute error (log)", ylim=(1e-13, 1e4))
ax.legend(ncol=6, fontsize=8)
plt.show()

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
