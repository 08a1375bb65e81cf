# %% [markdown]
# # Autograd: the backward pass you no longer write
# > requires_grad, the recorded graph, backward and .grad, vector-Jacobian products, no_grad and detach; then autograd's gradients of the Course 1 L-layer network equal your numpy L_model_backward to float64 precision.
#
# ## Introduction
#
# In Course 1 every layer came in two halves: a forward function that saved a `cache`, and a backward function
# that used the cache to turn `dA` into `dA_prev`, `dW` and `db`. Course 2 then checked those backward
# functions against a numerical gradient. PyTorch's **autograd** does the second half for you: while the
# forward pass runs, it records every operation in a graph; `loss.backward()` walks that graph backwards
# with the chain rule and stores each gradient in the `.grad` of the tensor it belongs to.
#
# This notebook follows the blitz's autograd part, then checks autograd against the numpy network of
# Course 1 week 4 (`utils.deep_nn`) on the same weights.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup

setup(seed=0)
import matplotlib.pyplot as plt
import numpy as np
import torch

from utils.deep_nn import L_model_backward, L_model_forward, compute_cost, initialize_parameters_deep
from utils.exercises import show_solution
from utils.gradcheck import numerical_gradient, rel_error
from utils.torch_figures import draw_autograd_curve, draw_autograd_graph, small_graph
from utils.torch_nets import chain_rule_example, chain_rule_example_gradient
from utils.widgets import SliderPanel

_ = torch.manual_seed(0)

# %% [markdown]
# ## requires_grad, the graph and backward
#
# A tensor created with `requires_grad=True` is a **leaf** whose gradient we want. Every result computed from
# it remembers the function that made it in `grad_fn`; following the `next_functions` of each `grad_fn` walks
# the graph back to the leaves. Take $y = \sum_i (x_i^2 + 3 x_i)$, whose gradient is $2x + 3$.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
y = (x ** 2 + 3 * x).sum()
print("x is a leaf:", x.is_leaf, "| y.grad_fn:", type(y.grad_fn).__name__)


def walk(fn, depth=0):
    """Print the backward graph below ``fn``, one node per line."""
    print("  " * depth + type(fn).__name__)
    for child, _ in fn.next_functions:
        if child is not None:
            walk(child, depth + 1)


walk(y.grad_fn)

# %% [markdown]
# `AccumulateGrad` is where the walk ends: it adds the arriving gradient into `x.grad`. Before `backward`
# there is no gradient; after it, `x.grad` holds $\partial y / \partial x$.

# %%
# NBVAL_CHECK_OUTPUT
print("before backward:", x.grad)
y.backward()
print("after backward: ", x.grad.tolist(), "| 2x + 3 =", (2 * x.detach() + 3).tolist())
assert torch.equal(x.grad, 2 * x.detach() + 3)

# %% [markdown]
# **Gradients accumulate.** A second `backward` *adds* to `.grad` (which is what lets a gradient flow into one
# weight from several places). That is why every training loop calls `optimizer.zero_grad()` before
# `loss.backward()`. Also, the graph is freed after `backward` unless you ask to keep it.

# %%
# NBVAL_CHECK_OUTPUT
y = (x ** 2 + 3 * x).sum()
y.backward()
print("after a second backward:", x.grad.tolist(), "(twice 2x + 3)")
x.grad.zero_()
print("after x.grad.zero_():  ", x.grad.tolist())
try:
    y.backward()
except RuntimeError as err:
    print("backward through a freed graph -> RuntimeError:", str(err).split(".")[0])

# %% [markdown]
# ## A graph you can move
#
# One neuron and a squared error: $u = w x$, $z = u + b$, $a = \tanh(z)$, $L = (a - y)^2$ with $y = 0.5$.
# `small_graph` runs it forward in PyTorch, keeps the intermediate gradients (`retain_grad()`) and calls
# `L.backward()`; the figure shows every node's value and its gradient $\partial L / \partial \text{node}$,
# with the backward node (`grad_fn`) autograd recorded for it. First a check against the chain rule by hand:
# $\partial L / \partial w = 2(a - y)(1 - a^2)\, x$.

# %%
# NBVAL_CHECK_OUTPUT
nodes = small_graph(w=0.8, x=1.5, b=-0.3)
a = np.tanh(0.8 * 1.5 - 0.3)
by_hand = 2 * (a - 0.5) * (1 - a ** 2) * 1.5
print(f"dL/dw: autograd {nodes['w']['grad']:.6f}, by hand {by_hand:.6f}")
assert abs(nodes["w"]["grad"] - by_hand) < 1e-12

# %% [markdown]
# Move the inputs. What to look for:
#
# - the gradient flows right to left and each node multiplies it by its local derivative: the add node passes it
#   unchanged to `u` and `b`, the multiply node hands `w` the gradient times `x` and `x` the gradient times `w`;
# - set `x` to 0: `w` gets no gradient at all (its weight did not matter for this input);
# - push `w`, `x` and `b` to large values: $\tanh$ saturates, $1 - a^2 \approx 0$, and every gradient left of
#   it vanishes (the summary line says so): the vanishing gradient of Course 1's sigmoid and tanh networks;
# - make $a = y$ (e.g. `w` = 0.5, `x` = 1, `b` = 0.05): the loss is at its minimum and every gradient is 0.

# %%
# NBVAL_IGNORE_OUTPUT
def draw_graph(fig, w, x, b):
    return draw_autograd_graph(fig, small_graph(w, x, b))


graph_panel = SliderPanel(draw_graph, {"w": (-3.0, 3.0, 0.1, 0.8), "x": (-3.0, 3.0, 0.1, 1.5),
                                       "b": (-3.0, 3.0, 0.05, -0.3)}, figsize=(10, 3.8))
assert not graph_panel.message.value, graph_panel.message.value
graph_panel

# %% [markdown]
# ## Autograd against a gradient by hand and the numerical gradient of Course 2
#
# Take $f(\theta) = \sum_i \theta_i \tanh(\theta_i^2)$. In Course 1 you would derive its gradient by hand,
# with the **product rule** ($\theta$ times $u = \tanh(v)$) and the **chain rule** ($u$ depends on $\theta$
# through $v = \theta^2$):
#
# $$\frac{\partial f}{\partial \theta} = \tanh(v) + \theta \cdot \underbrace{(1 - \tanh^2(v))}_{\tanh'(v)}
# \cdot \underbrace{2\theta}_{dv/d\theta}.$$
#
# Written the way the course writes backward passes, one factor per line:

# %%
show_solution(chain_rule_example_gradient)

# %% [markdown]
# Autograd derives the same thing from the recorded graph, and Course 2's gradient check
# $\frac{f(\theta + \varepsilon) - f(\theta - \varepsilon)}{2 \varepsilon}$ (`utils.gradcheck.numerical_gradient`)
# estimates it from $f$ alone. All three must agree: autograd and the formula to round-off, the numerical estimate
# to about $\varepsilon^2$.

# %%
# NBVAL_CHECK_OUTPUT
rng = np.random.default_rng(1)
theta0 = rng.normal(size=(3, 4))
theta = torch.tensor(theta0, requires_grad=True)            # float64, like numpy
(theta * torch.tanh(theta ** 2)).sum().backward()           # autograd
by_hand = chain_rule_example_gradient(theta0)               # product rule and chain rule, by hand
numeric = numerical_gradient(chain_rule_example, theta0)    # Course 2's two-sided difference
err_hand, err_num = rel_error(theta.grad.numpy(), by_hand), rel_error(theta.grad.numpy(), numeric)
print(f"autograd vs by hand: relative error < 1e-12: {err_hand < 1e-12}")
print(f"autograd vs numerical gradient: relative error < 1e-7: {err_num < 1e-7}")
assert err_hand < 1e-12 and err_num < 1e-7

# %% [markdown]
# The same agreement over a whole range of $\theta$, as a picture. One `backward()` of the sum fills the derivative
# at all 201 points at once: each $f(\theta_i)$ depends on $\theta_i$ alone, so $\partial (\sum_j f(\theta_j)) /
# \partial \theta_i = f'(\theta_i)$. Autograd's curve (thick) and the one by hand (dashed) lie on each other.

# %%
# NBVAL_CHECK_OUTPUT
fig = plt.figure(figsize=(10, 3.4))
summary = draw_autograd_curve(fig, lambda t: t * torch.tanh(t ** 2), chain_rule_example_gradient)
plt.show()
largest = float(summary.rsplit(" ", 1)[1])
print(f"autograd and the derivative by hand agree to 1e-12 at every point: {largest < 1e-12}")
assert largest < 1e-12

# %% [markdown]
# ## Vector-Jacobian products
#
# When the output is a vector $\vec y = f(\vec x)$ rather than a scalar, its derivative is a Jacobian matrix
# $J$ with $J_{ij} = \partial y_i / \partial x_j$. Autograd never builds $J$: `y.backward(v)` computes the
# **vector-Jacobian product** $v^\top J$, the gradient of $v \cdot \vec y$. This is exactly Course 1's
# backward step: given $dA$ (the $v$) it returns $dA_{prev}$, without forming the Jacobian of the layer.
# Below we build $J$ anyway, to check.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)


def g(x):
    """A vector function R^3 -> R^2."""
    return torch.stack([x[0] * x[1] ** 2, torch.sin(x[2]) + x[0]])


v = torch.tensor([1.0, 0.1], dtype=torch.float64)
g(x).backward(v)                                            # v^T J, no Jacobian formed
J = torch.autograd.functional.jacobian(g, x.detach())       # the full (2, 3) Jacobian, for the check
print("J =", J.round(decimals=4).tolist())
print("x.grad = v^T J:", x.grad.round(decimals=4).tolist())
torch.testing.assert_close(x.grad, v @ J)

# %% [markdown]
# ## Stopping the tape: no_grad and detach
#
# Recording costs memory and time. Under `torch.no_grad()` nothing is recorded: use it for evaluation and for
# updating weights. `t.detach()` returns a tensor that shares `t`'s data but is cut off from the graph (the
# gradient stops there, and you may convert it to numpy).

# %%
# NBVAL_CHECK_OUTPUT
w = torch.ones(2, requires_grad=True)
print("recorded:", (w * 2).requires_grad)
with torch.no_grad():
    print("under no_grad:", (w * 2).requires_grad)
d = w.detach()
print("detach: requires_grad", d.requires_grad, "| shares memory", d.data_ptr() == w.data_ptr())
z = (w * w.detach()).sum()                 # the detached factor counts as a constant
z.backward()
print("d/dw sum(w * const) =", w.grad.tolist(), "(not 2w: the detached copy gets no gradient)")

# %% [markdown]
# ## The Course 1 L-layer network, by autograd
#
# Now the real check. `utils.deep_nn` holds the week-4 network: `[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID`,
# with `L_model_forward` saving caches and `L_model_backward` returning `dW1..dWL`, `db1..dbL` and `dA0..dA{L-1}`.
# We take the course's initialization (`seed=3`) for layer sizes [12, 7, 5, 1], a random batch of 20 examples
# as columns, and compute the gradients twice: by the numpy backward pass, and by autograd through the same
# forward pass written in PyTorch (in float64, numpy's precision).

# %%
# NBVAL_CHECK_OUTPUT
layer_dims = [12, 7, 5, 1]
parameters = initialize_parameters_deep(layer_dims, seed=3)
rng = np.random.default_rng(2)
X = rng.normal(size=(layer_dims[0], 20))
Y = (rng.random((1, 20)) < 0.5).astype(float)

AL, caches = L_model_forward(X, parameters)          # numpy, Course 1
grads = L_model_backward(AL, Y, caches)
cost_np = compute_cost(AL, Y)
print("numpy:", "AL", AL.shape, "| grads", sorted(grads))

# %%
# NBVAL_CHECK_OUTPUT
params_t = {k: torch.tensor(v, requires_grad=True) for k, v in parameters.items()}
X_t = torch.tensor(X, requires_grad=True)            # to get dA0 as well
Y_t = torch.tensor(Y)
L = len(layer_dims) - 1
A = X_t
for l in range(1, L + 1):                            # the same forward pass, in PyTorch
    Z = params_t[f"W{l}"] @ A + params_t[f"b{l}"]
    A = torch.relu(Z) if l < L else torch.sigmoid(Z)
cost = -(Y_t * torch.log(A) + (1 - Y_t) * torch.log(1 - A)).mean()
cost.backward()                                      # autograd does L_model_backward's work
print(f"costs agree: {abs(cost.item() - cost_np) < 1e-12}")
for l in range(1, L + 1):
    for name in (f"W{l}", f"b{l}"):
        err = rel_error(params_t[name].grad.numpy(), grads["d" + name])
        print(f"d{name}: shape {tuple(params_t[name].grad.shape)}, relative error < 1e-10: {err < 1e-10}")
        assert err < 1e-10, (name, err)

# %% [markdown]
# Every weight and bias gradient agrees to float64 round-off. One detail is worth seeing: the course's
# `dA` values are **not** the gradient of the cost. The backward pass starts from $dZ^{[L]} = A^{[L]} - Y$,
# the gradient of each example's *own* loss, and divides by $m$ only when it forms `dW` and `db`. So
# `grads["dA0"]` is $m$ times the gradient of the averaged cost with respect to $X$, which autograd put in `X_t.grad`.

# %%
# NBVAL_CHECK_OUTPUT
m = X.shape[1]
err_dA0 = rel_error(m * X_t.grad.numpy(), grads["dA0"])
print(f"m * X.grad vs grads['dA0']: relative error < 1e-10: {err_dA0 < 1e-10}")
assert err_dA0 < 1e-10
print(f"X.grad vs grads['dA0'] without the factor m: equal? {np.allclose(X_t.grad.numpy(), grads['dA0'])}")

# %% [markdown]
# ## Conclusion
#
# - `requires_grad=True` makes PyTorch record a graph of `grad_fn` nodes; `backward()` applies the chain rule
#   through it and accumulates into `.grad` (zero it between steps). Its gradient equals the one derived by hand
#   with the product and chain rules, and Course 2's numerical estimate.
# - For a vector output, `backward(v)` gives the vector-Jacobian product $v^\top J$, the same quantity as
#   Course 1's `dA_prev` from `dA`, without ever building $J$.
# - `torch.no_grad()` and `detach()` stop the recording (evaluation, weight updates, constants).
# - On the Course 1 L-layer network, autograd's `dW` and `db` equal `L_model_backward`'s to float64 round-off;
#   the course's `dA` terms are the per-example gradients, $m$ times the gradient of the averaged cost.
#
# Next: stacking layers into an `nn.Module` and training it.
