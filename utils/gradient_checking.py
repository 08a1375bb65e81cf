"""Course 2 week 1: gradient checking, the course's functions on top of ``utils.gradcheck``.

``utils.gradcheck`` is the workbook's one numerical-gradient checker (two-sided differences,
``relative_difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||)``); this module gives it the
course's interface: a 1-D example J(theta) = theta * x, and the N-dimensional check that flattens every
parameter into one vector theta, perturbs each entry by +-epsilon and compares with backprop's gradients.
``gradient_check`` and ``gradient_check_n`` write the course's loops out (they are learner-mode exercises);
``gradient_check_cost`` does the same for any cost function with ``utils.gradcheck``.

The course's thresholds: a difference below about 2e-7 means the backward pass is right; above 1e-3 it
is almost surely wrong. Gradient checking does not work with dropout on (each evaluation of J draws
new masks, so J is not a function of theta alone): check with keep_prob = 1, then switch dropout on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from utils.gradcheck import numerical_gradient, relative_difference
from utils.validation import as_array, check_number, check_range

Parameters = dict[str, np.ndarray]


# --- one dimension -------------------------------------------------------------------------------------------

def forward_propagation(x: float, theta: float) -> float:
    """The 1-D example's cost J(theta) = theta * x. Inputs: x, theta (numbers). Returns: J, a number."""
    check_number(x, "x"), check_number(theta, "theta")
    ### BEGIN SOLUTION
    J = theta * x
    ### END SOLUTION
    return J


def backward_propagation(x: float, theta: float) -> float:
    """The 1-D example's derivative dJ/dtheta of J(theta) = theta * x. Returns: dtheta, a number."""
    check_number(x, "x"), check_number(theta, "theta")
    ### BEGIN SOLUTION
    dtheta = x
    ### END SOLUTION
    return dtheta


def gradient_check(x: float, theta: float, epsilon: float = 1e-7, print_msg: bool = False) -> float:
    """Compare dJ/dtheta from ``backward_propagation`` with (J(theta + eps) - J(theta - eps)) / (2 eps).

    Inputs: x, theta (numbers); epsilon > 0, the two-sided step; print_msg: print the verdict.
    Returns: difference = |grad - gradapprox| / (|grad| + |gradapprox|), a float (np.linalg.norm of a
    number is its absolute value).
    """
    epsilon = check_range(epsilon, "epsilon", 0, None, low_inclusive=False)
    ### BEGIN SOLUTION
    theta_plus = theta + epsilon
    theta_minus = theta - epsilon
    J_plus = forward_propagation(x, theta_plus)
    J_minus = forward_propagation(x, theta_minus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator
    ### END SOLUTION
    if print_msg:
        _report(difference)
    return float(difference)


# --- N dimensions --------------------------------------------------------------------------------------------

def _layer_keys(mapping: Mapping[str, np.ndarray], prefix: str = "") -> list[str]:
    """W1, b1, W2, b2, ... (with ``prefix``), in layer order, for as many layers as ``mapping`` holds."""
    keys, l = [], 1
    while f"{prefix}W{l}" in mapping or f"{prefix}b{l}" in mapping:
        for name in (f"{prefix}W{l}", f"{prefix}b{l}"):
            if name not in mapping:
                raise ValueError(f"missing {name}: expected {prefix}W1, {prefix}b1, ..., layer by layer")
            keys.append(name)
        l += 1
    if not keys:
        raise ValueError(f"expected keys {prefix}W1, {prefix}b1, ..., got {sorted(mapping)}")
    return keys


def dictionary_to_vector(parameters: Mapping[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Flatten W1, b1, W2, b2, ... (each in row-major order) into one column vector.

    Returns: (theta (n, 1), keys), ``keys[i]`` naming the parameter that theta[i] comes from.
    """
    keys = _layer_keys(parameters)
    theta = np.concatenate([np.asarray(parameters[k], dtype=np.float64).reshape(-1, 1) for k in keys], axis=0)
    names = [k for k in keys for _ in range(np.size(parameters[k]))]
    return theta, names


def vector_to_dictionary(theta: np.ndarray, template: Mapping[str, np.ndarray]) -> Parameters:
    """Undo ``dictionary_to_vector``: cut theta (n, 1) into arrays shaped like ``template``'s W1, b1, ...

    (The course hard-codes the shapes of its 3-layer net; here they come from ``template``.)
    """
    keys = _layer_keys(template)
    sizes = [int(np.size(template[k])) for k in keys]
    theta = as_array(theta, "theta")
    if theta.size != sum(sizes):
        raise ValueError(f"theta has {theta.size} entries but the parameters need {sum(sizes)}")
    flat, out, offset = theta.reshape(-1), {}, 0
    for k, size in zip(keys, sizes):
        out[k] = flat[offset:offset + size].reshape(np.shape(template[k]))
        offset += size
    return out


def gradients_to_vector(gradients: Mapping[str, np.ndarray]) -> np.ndarray:
    """Flatten dW1, db1, dW2, db2, ... (ignoring dA, dZ entries) into a column vector (n, 1)."""
    keys = _layer_keys(gradients, prefix="d")
    return np.concatenate([np.asarray(gradients[k], dtype=np.float64).reshape(-1, 1) for k in keys], axis=0)


def _check_matching(parameters: Mapping[str, np.ndarray], gradients: Mapping[str, np.ndarray]) -> None:
    keys = _layer_keys(parameters)
    missing = ["d" + k for k in keys if "d" + k not in gradients]
    if missing:
        raise ValueError(f"gradients is missing {missing} for parameters {keys}")
    extra = [k for k in _layer_keys(gradients, prefix="d") if k[1:] not in parameters]
    if extra:
        raise ValueError(f"gradients has {extra} but parameters has no {[k[1:] for k in extra]}")
    for k in keys:
        if np.shape(gradients["d" + k]) != np.shape(parameters[k]):
            raise ValueError(f"gradients['d{k}'] has shape {np.shape(gradients['d' + k])} but parameters['{k}'] has "
                             f"shape {np.shape(parameters[k])}")


def gradient_check_cost(cost: Callable[[Parameters], float], parameters: Mapping[str, np.ndarray],
                        gradients: Mapping[str, np.ndarray], epsilon: float = 1e-7) -> float:
    """The N-dimensional check for any cost J(parameters): two-sided differences on every entry of theta.

    Inputs: cost, called with a parameters dict; parameters W1, b1, ...; gradients dW1, db1, ... (same
    shapes; extra dA/dZ entries are ignored); epsilon > 0.
    Returns: difference = ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2).
    """
    _check_matching(parameters, gradients)
    eps = check_range(epsilon, "epsilon", 0, None, low_inclusive=False)
    theta, _ = dictionary_to_vector(parameters)
    gradapprox = numerical_gradient(lambda t: cost(vector_to_dictionary(t, parameters)), theta, h=eps)
    return relative_difference(gradients_to_vector(gradients), gradapprox)


def forward_propagation_n(X: np.ndarray, Y: np.ndarray, parameters: Mapping[str, np.ndarray]) -> tuple[float, list]:
    """The cost of ``utils.deep_nn``'s network on (X, Y) with ``parameters``.

    Returns: (J, caches), J = ``compute_cost(L_model_forward(X, parameters)[0], Y)`` (a float) and the caches.
    """
    from utils.deep_nn import L_model_forward, compute_cost

    AL, caches = L_model_forward(X, parameters)
    return compute_cost(AL, Y), caches


def gradient_check_n(parameters: Mapping[str, np.ndarray], gradients: Mapping[str, np.ndarray], X: np.ndarray,
                     Y: np.ndarray, epsilon: float = 1e-7, print_msg: bool = False) -> float:
    """The course's check of backprop for ``utils.deep_nn``'s network (ReLU hidden layers, sigmoid output).

    J(theta) = ``forward_propagation_n(X, Y, vector_to_dictionary(theta, parameters))[0]`` for a column vector
    theta (n, 1) of all the parameters (``dictionary_to_vector``). For every entry i, the two-sided
    difference (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps) approximates the gradient's entry i.
    Inputs: parameters W1, b1, ...; gradients from the backward pass to check (dW1, db1, ...); X (n_x, m);
    Y (1, m); epsilon > 0; print_msg: print the verdict.
    Returns: difference = ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2) (below ~2e-7: correct).
    """
    _check_matching(parameters, gradients)
    epsilon = check_range(epsilon, "epsilon", 0, None, low_inclusive=False)
    parameters_values, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    num_parameters = parameters_values.shape[0]
    J_plus = np.zeros((num_parameters, 1))
    J_minus = np.zeros((num_parameters, 1))
    gradapprox = np.zeros((num_parameters, 1))
    ### BEGIN SOLUTION
    for i in range(num_parameters):
        theta_plus = np.copy(parameters_values)
        theta_plus[i] = theta_plus[i] + epsilon
        J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus, parameters))
        theta_minus = np.copy(parameters_values)
        theta_minus[i] = theta_minus[i] - epsilon
        J_minus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus, parameters))
        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator
    ### END SOLUTION
    if print_msg:
        _report(difference)
    return float(difference)


def verdict(difference: float) -> str:
    """The course's reading of a difference: "passes" below 2e-7, "fails" above 1e-3, else "suspicious"."""
    difference = float(difference)
    if not np.isfinite(difference) or difference < 0:
        raise ValueError(f"a difference is a number >= 0, got {difference}")
    if difference < 2e-7:
        return "passes (below 2e-7)"
    if difference > 1e-3:
        return "fails (above 1e-3): almost surely a bug"
    return "suspicious (between 2e-7 and 1e-3): look closer"


def _report(difference: float) -> None:
    if difference > 2e-7:
        print(f"\033[93mThere is a mistake in the backward propagation! difference = {difference:.3g}\033[0m")
    else:
        print(f"\033[92mYour backward propagation works perfectly fine! difference = {difference:.3g}\033[0m")


# --- the choice of epsilon and a planted bug (the notebook's panel) -----------------------------------------

#: Bugs a backward pass can have and still return gradients of the right shapes: name -> the buggy line.
PLANTED_BUGS: dict[str, str] = {
    "none": "the correct backward pass (utils.deep_nn.L_model_backward)",
    "wrong sign": "dW1 = -dZ1 A0^T / m: a minus sign lost in layer 1",
    "missing factor": "db2 = sum(dZ2): the 1/m forgotten",
    "swapped transpose": "dW = A_prev dZ^T / m in the first layer with a square W: the transpose of the right dW",
    "ReLU derivative forgotten": "dZ = dA in every hidden layer, as if the activation were linear",
    "one entry 1 % off": "dW1[0, 0] 1 % too large: a bug small enough to hide under a bad epsilon",
}


def backward_with_bug(AL: np.ndarray, Y: np.ndarray, caches: list, bug: str = "none") -> Parameters:
    """``utils.deep_nn.L_model_backward`` with one of ``PLANTED_BUGS`` planted in it.

    Inputs: AL (1, m) and caches from ``L_model_forward`` (ReLU hidden layers), Y (1, m), bug: a key of
    ``PLANTED_BUGS``. Returns: grads dW1, db1, ... of the right shapes (and dA0, ...), wrong as the bug says.
    "swapped transpose" needs a layer whose W is square (else the shapes would give the bug away).
    """
    from utils.deep_nn import L_model_backward

    if bug not in PLANTED_BUGS:
        raise ValueError(f"unknown bug {bug!r}; choose one of {list(PLANTED_BUGS)}")
    if bug == "ReLU derivative forgotten":
        return L_model_backward(AL, Y, caches, hidden_activation="linear")
    grads = L_model_backward(AL, Y, caches)
    m = np.shape(AL)[-1]
    if bug == "wrong sign":
        grads["dW1"] = -grads["dW1"]
    elif bug == "missing factor":
        grads["db2"] = m * grads["db2"]
    elif bug == "one entry 1 % off":
        grads["dW1"] = grads["dW1"].copy()
        grads["dW1"][0, 0] *= 1.01
    elif bug == "swapped transpose":
        square = [l for l in range(1, len(caches) + 1) if grads[f"dW{l}"].shape[0] == grads[f"dW{l}"].shape[1]]
        if not square:
            shapes = [grads[f"dW{l}"].shape for l in range(1, len(caches) + 1)]
            raise ValueError(f"a swapped transpose needs a square W (it would change the shape otherwise), "
                             f"got {shapes}")
        grads[f"dW{square[0]}"] = grads[f"dW{square[0]}"].T.copy()
    return grads


def numerical_gradients(cost: Callable[[Parameters], float], parameters: Mapping[str, np.ndarray],
                        epsilons: np.ndarray) -> np.ndarray:
    """The two-sided numerical gradient of ``cost`` for each step in ``epsilons``.

    Inputs: cost, called with a parameters dict; parameters W1, b1, ...; epsilons (k,) all > 0.
    Returns: gradapprox of shape (k, n), row i taken with step epsilons[i], entries in the order of
    ``dictionary_to_vector``.
    """
    epsilons = np.atleast_1d(as_array(epsilons, "epsilons"))
    if epsilons.ndim != 1 or np.any(~(epsilons > 0)):
        raise ValueError(f"epsilons must be a 1-D array of positive steps, got {epsilons}")
    theta, _ = dictionary_to_vector(parameters)
    f = lambda t: cost(vector_to_dictionary(t, parameters))
    return np.stack([numerical_gradient(f, theta, h=float(eps)).ravel() for eps in epsilons])


def difference_curve(gradients: Mapping[str, np.ndarray], gradapproxes: np.ndarray) -> np.ndarray:
    """The course's relative difference of ``gradients`` (dW1, db1, ...) against each row of ``gradapproxes``.

    Inputs: gradients; gradapproxes (k, n) from ``numerical_gradients``. Returns: differences (k,).
    """
    grad = gradients_to_vector(gradients).ravel()
    gradapproxes = np.atleast_2d(as_array(gradapproxes, "gradapproxes"))
    if gradapproxes.shape[1] != grad.size:
        raise ValueError(f"gradapproxes has {gradapproxes.shape[1]} entries per row but the gradients have {grad.size}")
    return np.array([relative_difference(grad, row) for row in gradapproxes])


def check_step_resolves(parameters: Mapping[str, np.ndarray], epsilon: float) -> None:
    """Raise ``ValueError`` when theta + epsilon rounds back to theta for some entry (float64), so the
    two-sided difference of that entry measures nothing (0 / (2 epsilon))."""
    theta, _ = dictionary_to_vector(parameters)
    lost = (theta + epsilon == theta).ravel()
    if lost.any():
        worst = float(np.abs(theta).max())
        raise ValueError(f"epsilon = {epsilon:.1e} is below float64's resolution: theta + epsilon == theta for "
                         f"{int(lost.sum())} of {lost.size} parameters (the spacing of floats near {worst:.2g} is "
                         f"{np.spacing(worst):.1e}), so their numerical gradient is 0: take a larger epsilon")


def plot_errors_by_parameter(errors: np.ndarray, names: list[str], ax: plt.Axes | None = None,
                             title: str = "") -> plt.Axes:
    """Bars (thick lines) of |backprop - numerical| per entry of theta, one colour per parameter, on a log axis.

    Inputs: errors (n,); names (n,) from ``dictionary_to_vector``; ax to draw on (a new figure if None).
    """
    errors = np.abs(as_array(errors, "errors")).ravel()
    if errors.size != len(names):
        raise ValueError(f"errors has {errors.size} entries but names has {len(names)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    ax.set_yscale("log")
    for k, key in enumerate(dict.fromkeys(names)):  # one thick line per entry, one collection per parameter: fast
        idx = [i for i, n in enumerate(names) if n == key]
        ax.vlines(idx, 1e-13, errors[idx] + 1e-12, colors=f"C{k}", linewidth=5, label=key)
    ax.set(title=title or "|backprop - numerical| per entry of theta", xlabel="index in theta",
           ylabel="absolute error (log)", ylim=(1e-13, 1e4), yticks=10.0 ** np.arange(-12, 4, 3))
    ax.minorticks_off()  # few tick labels: a panel redraws this axis on every move
    ax.legend(ncol=6, fontsize=8)
    return ax
