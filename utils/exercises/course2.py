"""Course 2 exercises (improving deep neural networks): initialization, regularization, gradient checking,
optimizers, batch normalization and softmax, X of shape (n_x, m) (examples are columns).

Each mistake is a small wrong implementation with the reference's signature that makes exactly one common
mistake; the checker names it when it reproduces a learner's result. The wrong implementations share one
parameterized copy of each function (``variant`` selects the mistake), written like the reference.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from utils.exercises.core import Case, Exercise, Mistake

W1_1 = "course2_tuning/w1_1_setup_and_initialization.ipynb"
W1_2 = "course2_tuning/w1_2_regularization.ipynb"
W1_3 = "course2_tuning/w1_3_gradient_checking.ipynb"
W2 = "course2_tuning/w2_optimization.ipynb"
W3 = "course2_tuning/w3_tuning_batchnorm_tensorflow.ipynb"


def _params(rng: np.random.Generator, dims: list[int], bias_scale: float = 1.0) -> dict[str, np.ndarray]:
    """Random parameters W1, b1, ... for layer sizes ``dims`` (biases nonzero, so forgetting them shows)."""
    out = {}
    for l in range(1, len(dims)):
        out[f"W{l}"] = rng.normal(0, 1, (dims[l], dims[l - 1]))
        out[f"b{l}"] = rng.normal(0, bias_scale, (dims[l], 1))
    return out


def _course_params(seed: int, dims: list[int]) -> dict[str, np.ndarray]:
    """Parameters drawn the course's way: np.random.seed(seed), then randn for W1, b1, W2, b2, ... in order."""
    r = np.random.RandomState(seed)
    out = {}
    for l in range(1, len(dims)):
        out[f"W{l}"] = r.randn(dims[l], dims[l - 1])
        out[f"b{l}"] = r.randn(dims[l], 1)
    return out


def _labels(rng: np.random.Generator, m: int) -> np.ndarray:
    Y = (rng.random((1, m)) > 0.5).astype(float)
    Y[0, 0], Y[0, -1] = 1.0, 0.0  # both classes present
    return Y


# ============================================================================================ initialization
def _init_cases(rng: np.random.Generator, fixed: list[int], extra: list[Case] = ()) -> list[Case]:
    dims = [int(n) for n in rng.integers(1, 6, size=4)]
    return [Case(([*fixed],), label=f"fixed: the course's layers_dims {fixed}", seed=0),
            Case((dims,), label="random", seed=1),
            Case(([4, 1],), label="edge: one layer", seed=2),
            Case(([3, 5, 5, 4, 2, 1],), label="edge: five layers", seed=3), *extra]


def _init_zeros_cases(rng):
    return _init_cases(rng, [3, 2, 1])


def _init_random_cases(rng):
    return _init_cases(rng, [3, 2, 1], [Case(([2, 3, 1],), {"scale": 0.5, "seed": 7}, label="edge: scale 0.5, seed 7",
                                             seed=4)])


def _init_he_cases(rng):
    return _init_cases(rng, [2, 4, 1], [Case(([3, 2, 1],), {"seed": 5}, label="edge: seed 5", seed=4)])


def _init(layers_dims, scale=10.0, seed=3, kind="zeros", variant=""):
    """initialize_parameters_{zeros,random,he} with one mistake (``variant``)."""
    dims = list(layers_dims)
    rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        shape = (n_prev, n) if variant == "transposed" else (n, n_prev)
        draw = np.random.randn if variant == "global" else rng.randn
        if variant == "skip_last" and l == len(dims) - 1:
            break
        if kind == "zeros":
            W = np.zeros(shape)
        elif kind == "random":
            factor = {"no_scale": 1.0, "hard_10": 10.0}.get(variant, scale)
            W = draw(*shape) * factor
        else:
            factor = {"xavier": np.sqrt(1 / n_prev), "wrong_layer": np.sqrt(2 / n), "no_sqrt": 2 / n_prev}.get(
                variant, np.sqrt(2 / n_prev))
            W = draw(*shape) * factor
        parameters["W" + str(l)] = W
        parameters["b" + str(l)] = np.zeros((n,)) if variant == "flat_b" else np.zeros((n, 1))
    return parameters


def _zeros_variant(variant):
    return lambda layers_dims: _init(layers_dims, kind="zeros", variant=variant)


def _random_variant(variant):
    return lambda layers_dims, scale=10.0, seed=3: _init(layers_dims, scale, seed, "random", variant)


def _he_variant(variant):
    return lambda layers_dims, seed=3: _init(layers_dims, seed=seed, kind="he", variant=variant)


_TRANSPOSED = ("W of shape (n_{l-1}, n_l)", "Wl maps layer l-1's n_{l-1} units to layer l's n_l units: its shape "
               "is (layers_dims[l], layers_dims[l - 1]), so that W @ A_prev works.")
_GLOBAL = ("np.random.randn instead of rng.randn", "Draw with the generator the function made, `rng.randn(...)`: it "
           "is seeded with `seed`, numpy's global np.random is not.")

INITIALIZATION = [
    Exercise("initialization.initialize_parameters_zeros", W1_1, _init_zeros_cases, [
        Mistake(*_TRANSPOSED, _zeros_variant("transposed")),
        Mistake("b of shape (n_l,)", "Each bias is a column vector: np.zeros((layers_dims[l], 1)), so that it "
                "broadcasts over the m columns of Z.", _zeros_variant("flat_b")),
        Mistake("the last layer is missing", "The loop must run over l = 1, ..., L - 1 with L = len(layers_dims): "
                "range(1, L), the output layer included.", _zeros_variant("skip_last")),
    ]),
    Exercise("initialization.initialize_parameters_random", W1_1, _init_random_cases, [
        Mistake("forgot the * scale", "The course's large initialization multiplies randn by `scale` (10 by "
                "default): rng.randn(n_l, n_{l-1}) * scale.", _random_variant("no_scale")),
        Mistake("10 typed in instead of scale", "Use the argument `scale` (10 by default), not the number 10.",
                _random_variant("hard_10")),
        Mistake(*_GLOBAL, _random_variant("global")),
        Mistake(*_TRANSPOSED, _random_variant("transposed")),
    ]),
    Exercise("initialization.initialize_parameters_he", W1_1, _init_he_cases, [
        Mistake("Xavier's sqrt(1 / n_{l-1}) instead of He's sqrt(2 / n_{l-1})", "He initialization (for ReLU) "
                "scales by np.sqrt(2 / layers_dims[l - 1]): a 2, not a 1, in the numerator.", _he_variant("xavier")),
        Mistake("n of the wrong layer", "The scale uses the number of INPUTS of layer l, n_{l-1} = "
                "layers_dims[l - 1], not its own size layers_dims[l].", _he_variant("wrong_layer")),
        Mistake("forgot the square root", "Var(W) = 2 / n_{l-1}, so multiply randn by its square root, "
                "np.sqrt(2 / layers_dims[l - 1]).", _he_variant("no_sqrt")),
        Mistake(*_GLOBAL, _he_variant("global")),
        Mistake(*_TRANSPOSED, _he_variant("transposed")),
    ]),
]


# ============================================================================================ regularization
def _course_cost_case() -> Case:
    """The course's compute_cost_with_regularization_test_case (expected cost 1.78648594516)."""
    r = np.random.RandomState(1)
    Y = np.array([[1.0, 1.0, 0.0, 1.0, 0.0]])
    shapes = [(2, 3), (2, 1), (3, 2), (3, 1), (1, 3), (1, 1)]
    names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    parameters = {n: r.randn(*s) for n, s in zip(names, shapes)}
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    return Case((A3, Y, parameters, 0.1), label="fixed: the course's example (cost 1.786)")


def _cost_reg_cases(rng):
    params = _params(rng, [4, 3, 2, 1])
    m = 6
    A3 = rng.uniform(0.05, 0.95, (1, m))
    one = _params(rng, [3, 1])
    return [_course_cost_case(),
            Case((A3, _labels(rng, m), params, 0.7), label="random"),
            Case((A3, _labels(rng, m), params, 0.0), label="edge: lambd = 0"),
            Case((np.array([[0.3]]), np.array([[1.0]]), one, 2.0), label="edge: m = 1, one layer")]


def _cost_reg(A3, Y, parameters, lambd, variant=""):
    from utils.deep_nn import compute_cost, num_layers

    Y = np.asarray(Y, dtype=float)
    L, m = num_layers(parameters), Y.shape[1]
    weights = [parameters["W" + str(l)] for l in range(1, L + 1)]
    if variant == "biases":
        weights += [parameters["b" + str(l)] for l in range(1, L + 1)]
    total = sum(np.sum(W) if variant == "not_squared" else np.sum(np.square(W)) for W in weights)
    factor = {"no_m": lambd / 2, "no_half": lambd / m}.get(variant, lambd / (2 * m))
    return float(compute_cost(A3, Y) + factor * total)


def _dropout_net_case(rng, dims, m, keep_prob, label, seed_rng=1, case_seed=0):
    X = rng.normal(0, 1, (dims[0], m))
    return Case((X, _params(rng, dims, 0.5), keep_prob, np.random.RandomState(seed_rng)), label=label,
                seed=case_seed)


def _forward_cache(X, parameters, keep_prob=1.0, seed=1):
    from utils.regularization import forward_propagation_with_dropout

    return forward_propagation_with_dropout(X, parameters, keep_prob, np.random.RandomState(seed))[1]


def _backward_reg_cases(rng):
    r = np.random.RandomState(1)  # the course's backward_propagation_with_regularization_test_case's sizes
    X, Y = r.randn(3, 5), np.array([[1.0, 1.0, 0.0, 1.0, 0.0]])
    course = _course_params(1, [3, 2, 3, 1])
    out = [Case((X, Y, _forward_cache(X, course), 0.7), label="fixed: the course's sizes, lambd = 0.7")]
    X2 = rng.normal(0, 1, (4, 7))
    p2 = _params(rng, [4, 5, 3, 1])
    out.append(Case((X2, _labels(rng, 7), _forward_cache(X2, p2), 0.3), label="random"))
    X3 = rng.normal(0, 1, (2, 1))
    p3 = _params(rng, [2, 1])
    out.append(Case((X3, np.array([[1.0]]), _forward_cache(X3, p3), 1.5), label="edge: m = 1, one layer"))
    out.append(Case((X2, _labels(rng, 7), _forward_cache(X2, p2), 0.0), label="edge: lambd = 0"))
    return out


def _backward_reg(X, Y, cache, lambd, variant=""):
    from utils.regularization import backward_propagation_with_dropout

    AL, caches, masks, keep_prob = cache
    m, L = X.shape[1], len(caches)
    grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)
    factor = {"no_m": lambd, "half": lambd / (2 * m), "double": 2 * lambd / m}.get(variant, lambd / m)
    for l in range(1, L + 1):
        (A_prev, W, b), Z = caches[l - 1]
        grads["dW" + str(l)] = grads["dW" + str(l)] + factor * W
        if variant == "biases":
            grads["db" + str(l)] = grads["db" + str(l)] + factor * b
    return grads


def _dropout_forward_cases(rng):
    r = np.random.RandomState(1)
    X = r.randn(3, 5)
    course = _course_params(1, [3, 2, 3, 1])
    return [Case((X, course, 0.7, np.random.RandomState(1)), label="fixed: the course's sizes, keep_prob = 0.7",
                 seed=0),
            _dropout_net_case(rng, [4, 5, 5, 1], 6, 0.5, "random", seed_rng=2, case_seed=3),
            _dropout_net_case(rng, [3, 4, 4, 3, 1], 3, 0.8, "edge: three hidden layers", seed_rng=3, case_seed=4),
            Case((X, course, 0.6), label="edge: no rng given (numpy's global generator)", seed=5),
            _dropout_net_case(rng, [3, 4, 1], 4, 1.0, "edge: keep_prob = 1 (no dropout)")]


def _dropout_outcome(result, args, kwargs):
    """A3, the masks as 0/1 floats (a bool or an int mask is fine) and every layer's input after dropout."""
    try:
        A3, (_, caches, masks, keep_prob) = result
    except (TypeError, ValueError):
        return result  # not (A3, cache): compared as it is, so the message names the difference
    return (A3, [None if D is None else np.asarray(D, dtype=float) for D in masks],
            [linear_cache[0] for linear_cache, _ in caches], keep_prob)


def _dropout_forward(X, parameters, keep_prob=0.5, rng=None, variant=""):
    from scipy.special import expit

    from utils.deep_nn import num_layers

    L = num_layers(parameters)
    rng = np.random if rng is None or variant == "global" else rng
    A, caches, masks = X, [], []
    for l in range(1, L + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = W @ A + b
        caches.append(((A, W, b), Z))
        A = np.maximum(Z, 0.0) if l < L else expit(Z)
        D = None
        if l < L and keep_prob < 1:
            D = rng.rand(A.shape[0], A.shape[1])
            D = D > keep_prob if variant == "greater" else D < keep_prob
            A = A * D
            if variant == "times":
                A = A * keep_prob
            elif variant != "no_scale":
                A = A / keep_prob
        masks.append(D)
    return A, (A, caches, masks, keep_prob)


def _dropout_backward_cases(rng):
    r = np.random.RandomState(1)
    X, Y = r.randn(3, 5), np.array([[1.0, 1.0, 0.0, 1.0, 0.0]])
    course = _course_params(1, [3, 2, 3, 1])
    out = [Case((X, Y, _forward_cache(X, course, 0.8, 1), 0.8), label="fixed: the course's sizes, keep_prob = 0.8")]
    X2 = rng.normal(0, 1, (4, 6))
    p2 = _params(rng, [4, 5, 5, 1], 0.5)
    out.append(Case((X2, _labels(rng, 6), _forward_cache(X2, p2, 0.5, 2), 0.5), label="random"))
    X3 = rng.normal(0, 1, (3, 3))
    p3 = _params(rng, [3, 4, 4, 3, 1], 0.5)
    out.append(Case((X3, _labels(rng, 3), _forward_cache(X3, p3, 0.7, 3), 0.7), label="edge: three hidden layers"))
    out.append(Case((X2, _labels(rng, 6), _forward_cache(X2, p2, 1.0), 1.0), label="edge: keep_prob = 1 (no masks)"))
    return out


def _dropout_backward(X, Y, cache, keep_prob, variant=""):
    AL, caches, masks, _ = cache
    L, m = len(caches), AL.shape[1]
    grads = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        grads["dW" + str(l)] = dZ @ A_prev.T / m
        grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
        dA = W.T @ dZ
        grads["dA" + str(l - 1)] = dA
        if l > 1:
            D = masks[l - 2]
            if D is not None:
                if variant != "no_mask":
                    dA = dA * D
                if variant == "times":
                    dA = dA * keep_prob
                elif variant != "no_scale":
                    dA = dA / keep_prob
            dZ = np.where(caches[l - 2][1] > 0, dA, 0.0)
    return grads


def _v(fn, variant):
    """``fn`` with the mistake ``variant`` and the reference's signature (``variant`` as a keyword)."""
    return partial(fn, variant=variant)


REGULARIZATION = [
    Exercise("regularization.compute_cost_with_regularization", W1_2, _cost_reg_cases, [
        Mistake("forgot the 1/m", "The penalty is lambd / (2 * m) times the sum of the squared weights: divide by "
                "m = Y.shape[1] as well.", _v(_cost_reg, "no_m")),
        Mistake("forgot the 1/2", "The penalty is lambd / (2 * m) * sum(||W_l||^2): the 2 in the denominator makes "
                "its gradient lambd / m * W.", _v(_cost_reg, "no_half")),
        Mistake("penalized the biases too", "L2 regularization sums the squares of the weights W1, ..., WL only, "
                "not of the biases b.", _v(_cost_reg, "biases")),
        Mistake("forgot to square the weights", "Sum the SQUARED entries: np.sum(np.square(W)) for each W.",
                _v(_cost_reg, "not_squared")),
    ]),
    Exercise("regularization.backward_propagation_with_regularization", W1_2, _backward_reg_cases, [
        Mistake("forgot the 1/m", "The gradient of lambd / (2 m) * ||W||^2 is lambd / m * W: divide by m.",
                _v(_backward_reg, "no_m")),
        Mistake("lambd / (2m) * W instead of lambd / m * W", "Differentiating W**2 gives 2 W, which cancels the 2 "
                "of lambd / (2 m): the term is lambd / m * W.", _v(_backward_reg, "half")),
        Mistake("2 * lambd / m * W", "The 2 from W**2 cancels the 2 in lambd / (2 m): add lambd / m * W.",
                _v(_backward_reg, "double")),
        Mistake("regularized db too", "Only the weights are penalized: add lambd / m * W to dW and leave db as "
                "it is.", _v(_backward_reg, "biases")),
    ]),
    Exercise("regularization.forward_propagation_with_dropout", W1_2, _dropout_forward_cases, [
        Mistake("no 1/keep_prob scaling", "After A = A * D, divide by keep_prob (inverted dropout): that keeps the "
                "expected value of A, so nothing changes at test time.", _v(_dropout_forward, "no_scale")),
        Mistake("mask with > instead of <", "Keep a unit when its random number is BELOW keep_prob: D = D < "
                "keep_prob keeps a fraction keep_prob of the units.", _v(_dropout_forward, "greater")),
        Mistake("multiplied by keep_prob instead of dividing", "Inverted dropout scales the kept units UP: "
                "A = A / keep_prob.", _v(_dropout_forward, "times")),
        Mistake("np.random.rand instead of rng.rand", "Draw the mask with the generator given to the function, "
                "rng.rand(A.shape[0], A.shape[1]), so the masks are reproducible.", _v(_dropout_forward, "global")),
    ], outcome=_dropout_outcome, mutates=("rng",)),
    Exercise("regularization.backward_propagation_with_dropout", W1_2, _dropout_backward_cases, [
        Mistake("no 1/keep_prob scaling", "The forward pass divided the kept units by keep_prob, so the backward "
                "pass divides dA by keep_prob too: dA = dA * D / keep_prob.", _v(_dropout_backward, "no_scale")),
        Mistake("forgot the mask", "Apply the same mask D as in the forward pass first (dA = dA * D): units that "
                "were shut down get no gradient.", _v(_dropout_backward, "no_mask")),
        Mistake("multiplied by keep_prob instead of dividing", "Scale as in the forward pass: dA = dA / keep_prob.",
                _v(_dropout_backward, "times")),
    ]),
]


# ======================================================================================= gradient checking
def _scalar_cases(rng, fixed):
    x, theta = (float(v) for v in rng.normal(0, 3, 2))
    return [Case(fixed, label=f"fixed: the course's x = {fixed[0]:g}, theta = {fixed[1]:g}"),
            Case((x, theta), label="random"),
            Case((-1.5, 0.0), label="edge: theta = 0, x < 0")]


def _grad_check_1d(x, theta, epsilon=1e-7, print_msg=False, variant=""):
    from utils.gradient_checking import backward_propagation, forward_propagation

    J_plus, J_minus = forward_propagation(x, theta + epsilon), forward_propagation(x, theta - epsilon)
    gradapprox = {"eps": (J_plus - J_minus) / epsilon, "no_div": J_plus - J_minus}.get(
        variant, (J_plus - J_minus) / (2 * epsilon))
    grad = backward_propagation(x, theta)
    numerator = np.linalg.norm(grad - gradapprox)
    if variant == "no_denominator":
        return float(numerator)
    return float(numerator / (np.linalg.norm(grad) + np.linalg.norm(gradapprox)))


def _grad_check_1d_cases(rng):
    x, theta = (float(v) for v in rng.normal(0, 3, 2))
    return [Case((3.0, 4.0), label="fixed: the course's x = 3, theta = 4"),
            Case((x, theta), label="random"),
            Case((2.0, -1.0), {"epsilon": 1e-3}, label="edge: epsilon = 1e-3"),
            Case((1e4, 4.0), label="edge: large x = 1e4")]


def _gradient_check_n_case(rng_or_seed, dims, m, bug, epsilon, label):
    from utils.deep_nn import L_model_backward, L_model_forward

    r = np.random.RandomState(rng_or_seed)
    X = r.randn(dims[0], m)
    Y = (r.rand(1, m) > 0.5).astype(float)
    parameters = _course_params(rng_or_seed, dims)
    AL, caches = L_model_forward(X, parameters)
    grads = L_model_backward(AL, Y, caches)
    gradients = {k: v for k, v in grads.items() if not k.startswith("dA")}
    if bug:  # the course's two deliberate bugs: dW2 twice too large, db1 four times
        gradients["dW2"] = gradients["dW2"] * 2
        gradients["db1"] = gradients["db1"] * 4
    return Case((parameters, gradients, X, Y), {"epsilon": epsilon}, label=label)


def _gradient_check_n_cases(rng):
    seed = int(rng.integers(0, 1000))
    course = "fixed: the course's network [4, 5, 3, 1], m = 3, with its two bugs in the gradients"
    return [_gradient_check_n_case(1, [4, 5, 3, 1], 3, True, 1e-7, course),
            _gradient_check_n_case(2, [4, 5, 3, 1], 3, False, 1e-2, "edge: correct gradients, epsilon = 1e-2"),
            _gradient_check_n_case(seed, [3, 4, 2, 1], 5, True, 1e-7, "random"),
            _gradient_check_n_case(seed + 1, [2, 3, 1], 1, False, 1e-7, "edge: m = 1, correct gradients")]


def _gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False, variant=""):
    from utils.deep_nn import L_model_forward, compute_cost
    from utils.gradient_checking import dictionary_to_vector, gradients_to_vector, vector_to_dictionary

    def cost(theta):
        return compute_cost(L_model_forward(X, vector_to_dictionary(theta, parameters))[0], Y)

    values, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    n = values.shape[0]
    gradapprox = np.zeros((n, 1))
    for i in range(n):
        theta_plus = values if variant == "no_copy" else np.copy(values)
        theta_plus[i] = theta_plus[i] + epsilon
        J_plus = cost(theta_plus)
        if variant == "one_sided":
            gradapprox[i] = (J_plus - cost(values)) / epsilon
            continue
        theta_minus = values if variant == "no_copy" else np.copy(values)
        theta_minus[i] = theta_minus[i] - epsilon
        gradapprox[i] = (J_plus - cost(theta_minus)) / (2 * epsilon)
    if variant == "l1":
        norm = lambda a: np.sum(np.abs(a))  # noqa: E731
    else:
        norm = np.linalg.norm
    numerator = norm(grad - gradapprox)
    if variant == "no_denominator":
        return float(numerator)
    return float(numerator / (norm(grad) + norm(gradapprox)))


def _forward_1d_cases(rng):
    return _scalar_cases(rng, (2.0, 4.0))


def _backward_1d_cases(rng):
    return _scalar_cases(rng, (3.0, 4.0))


_NO_DENOMINATOR = ("forgot the denominator", "difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||): "
                   "divide by the sum of the two norms, so the difference does not depend on the gradient's scale.")

GRADIENT_CHECKING = [
    Exercise("gradient_checking.forward_propagation", W1_3, _forward_1d_cases, [
        Mistake("returned the derivative x instead of J", "The forward pass computes the cost J = theta * x; its "
                "derivative is backward_propagation's job.", lambda x, theta: x),
        Mistake("theta + x instead of theta * x", "J(theta) = theta * x, a product.", lambda x, theta: theta + x),
    ]),
    Exercise("gradient_checking.backward_propagation", W1_3, _backward_1d_cases, [
        Mistake("returned theta (the derivative with respect to x)", "J = theta * x, so dJ/dtheta = x.",
                lambda x, theta: theta),
        Mistake("returned J instead of its derivative", "dJ/dtheta of theta * x is x, not theta * x.",
                lambda x, theta: theta * x),
    ]),
    Exercise("gradient_checking.gradient_check", W1_3, _grad_check_1d_cases, [
        Mistake("divided by epsilon instead of 2 * epsilon", "The two-sided difference spans 2 epsilon: gradapprox "
                "= (J_plus - J_minus) / (2 * epsilon).", _v(_grad_check_1d, "eps")),
        Mistake("forgot to divide by 2 * epsilon", "gradapprox = (J_plus - J_minus) / (2 * epsilon): the slope, "
                "not the difference of the costs.", _v(_grad_check_1d, "no_div")),
        Mistake(*_NO_DENOMINATOR, _v(_grad_check_1d, "no_denominator")),
    ]),
    Exercise("gradient_checking.gradient_check_n", W1_3, _gradient_check_n_cases, [
        Mistake("one-sided difference", "Use the two-sided difference (J_plus[i] - J_minus[i]) / (2 * epsilon): "
                "its error shrinks like epsilon**2, the one-sided (J(theta + eps) - J(theta)) / eps only like "
                "epsilon.", _v(_gradient_check_n, "one_sided")),
        Mistake("forgot np.copy (perturbed theta in place)", "theta_plus = np.copy(parameters_values): without the "
                "copy, theta_plus and theta_minus are the same array, and the +epsilon and -epsilon cancel.",
                _v(_gradient_check_n, "no_copy")),
        Mistake(*_NO_DENOMINATOR, _v(_gradient_check_n, "no_denominator")),
        Mistake("sum of absolute values instead of the 2-norm", "Use np.linalg.norm (the Euclidean norm) in the "
                "numerator and the denominator.", _v(_gradient_check_n, "l1")),
    ]),
]


# ============================================================================================== optimizers
def _course_gd_case() -> Case:
    """The course's update_parameters_with_gd_test_case: np.random.seed(2), W1 (2, 3), b1 (2, 1), W2 (3, 3), ..."""
    r = np.random.RandomState(2)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 3), "b2": (3, 1)}
    parameters = {k: r.randn(*s) for k, s in shapes.items()}
    grads = {"d" + k: r.randn(*s) for k, s in shapes.items()}
    return Case((parameters, grads, 0.01), label="fixed: the course's example, learning_rate = 0.01")


def _param_grads(rng, dims=(3, 4, 1)):
    parameters = _params(rng, list(dims))
    grads = {"d" + k: rng.normal(0, 1, v.shape) for k, v in parameters.items()}
    return parameters, grads


def _gd_cases(rng):
    parameters, grads = _param_grads(rng)
    theta = {"theta": rng.normal(0, 1, (2, 2))}
    return [_course_gd_case(),
            Case((parameters, grads, 0.1), label="random"),
            Case((theta, {"dtheta": rng.normal(0, 1, (2, 2))}, 0.5), label="edge: a parameter named theta")]


def _gd(parameters, grads, learning_rate, variant=""):
    sign = 1 if variant == "plus" else -1
    lr = 1.0 if variant == "no_lr" else learning_rate
    return {k: w + sign * lr * grads["d" + k] for k, w in parameters.items()}


def _mini_batch_cases(rng):
    m = int(rng.integers(5, 20))
    X_fixed = np.arange(30, dtype=float).reshape(3, 10)
    Y_fixed = (np.arange(10) % 2).reshape(1, 10).astype(float)
    return [Case((X_fixed, Y_fixed, 4, 0), label="fixed: m = 10 examples in batches of 4"),
            Case((rng.normal(0, 1, (4, m)), rng.normal(0, 1, (2, m)), int(rng.integers(2, 6)), 3), label="random"),
            Case((X_fixed[:, :8], Y_fixed[:, :8], 4, 1), label="edge: m a multiple of the batch size"),
            Case((X_fixed[:, :3], Y_fixed[:, :3], 64, 2), label="edge: one batch, smaller than mini_batch_size"),
            Case((X_fixed[:, :4], Y_fixed[:, :4], 1, 5), label="edge: batches of one example")]


def _mini_batches(X, Y, mini_batch_size=64, seed=0, variant=""):
    m = X.shape[1]
    permutation = np.arange(m) if variant == "no_shuffle" else np.random.RandomState(seed).permutation(m)
    sX, sY = X[:, permutation], Y[:, permutation]
    size, batches = mini_batch_size, []
    n_complete = m // size
    for k in range(n_complete):
        cols = slice(k * size, (k + 1) * size)
        if variant == "rows":
            batches.append((sX[cols], sY[cols]))
        else:
            batches.append((sX[:, cols], sY[:, cols]))
    if variant != "drop_last" and (m % size != 0 or variant == "empty_last"):
        batches.append((sX[:, n_complete * size:], sY[:, n_complete * size:]))
    return batches


def _course_velocity_params():
    r = np.random.RandomState(1)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 3), "b2": (3, 1)}
    return {k: r.randn(*s) for k, s in shapes.items()}


def _init_state_cases(rng):
    return [Case((_course_velocity_params(),), label="fixed: the course's parameters W1 (2, 3) ... b2 (3, 1)"),
            Case((_params(rng, [2, 5, 3, 1]),), label="random"),
            Case(({"theta": rng.normal(0, 1, (4,))},), label="edge: one parameter named theta")]


def _zeros_state(parameters, variant=""):
    if variant == "param_keys":
        return {k: np.zeros(np.shape(w)) for k, w in parameters.items()}
    if variant == "weights_only":
        return {"d" + k: np.zeros(np.shape(w)) for k, w in parameters.items() if not k.startswith("b")}
    return {"d" + k: np.zeros(np.shape(w)) for k, w in parameters.items()}


def _velocity(parameters, variant=""):
    return _zeros_state(parameters, variant)


def _adam_init(parameters, variant=""):
    return _zeros_state(parameters, variant), _zeros_state(parameters, variant)


def _course_momentum_case() -> Case:
    r = np.random.RandomState(1)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 3), "b2": (3, 1)}
    parameters = {k: r.randn(*s) for k, s in shapes.items()}
    grads = {"d" + k: r.randn(*s) for k, s in shapes.items()}
    v = {"d" + k: np.zeros(s) for k, s in shapes.items()}
    return Case((parameters, grads, v, 0.9, 0.01), label="fixed: the course's example, v = 0, beta = 0.9")


def _momentum_cases(rng):
    parameters, grads = _param_grads(rng)
    v = {k: rng.normal(0, 1, g.shape) for k, g in grads.items()}
    return [_course_momentum_case(),
            Case((parameters, grads, v, 0.8, 0.1), label="random (v not zero)"),
            Case((parameters, grads, v, 0.0, 0.1), label="edge: beta = 0 (plain gradient descent)")]


def _momentum(parameters, grads, v, beta, learning_rate, variant=""):
    new_v, new = {}, {}
    for k in parameters:
        g = grads["d" + k]
        if variant == "swapped":
            new_v["d" + k] = (1 - beta) * v["d" + k] + beta * g
        elif variant == "no_one_minus":
            new_v["d" + k] = beta * v["d" + k] + g
        else:
            new_v["d" + k] = beta * v["d" + k] + (1 - beta) * g
        step = g if variant == "grad_step" else new_v["d" + k]
        new[k] = parameters[k] + learning_rate * step if variant == "plus" else parameters[k] - learning_rate * step
    return new, new_v


def _adam_cases(rng):
    r = np.random.RandomState(1)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 3), "b2": (3, 1)}
    parameters = {k: r.randn(*s) for k, s in shapes.items()}
    grads = {"d" + k: r.randn(*s) for k, s in shapes.items()}
    v = {"d" + k: np.zeros(s) for k, s in shapes.items()}
    s = {"d" + k: np.zeros(sh) for k, sh in shapes.items()}
    p2, g2 = _param_grads(rng)
    v2 = {k: rng.normal(0, 0.5, g.shape) for k, g in g2.items()}
    s2 = {k: rng.uniform(0.01, 1.0, g.shape) for k, g in g2.items()}
    return [Case((parameters, grads, v, s, 2), {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.888, "epsilon": 1e-2},
                 label="fixed: the course's example, t = 2, epsilon = 1e-2"),
            Case((p2, g2, v2, s2, 5), label="random (v, s not zero), t = 5, default hyperparameters"),
            Case((p2, g2, v2, s2, 1), {"epsilon": 0.5}, label="edge: t = 1, epsilon = 0.5"),
            Case((p2, g2, v2, s2, 1000), label="edge: t = 1000")]


def _adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8, variant=""):
    new, nv, ns, vc, sc = {}, {}, {}, {}, {}
    for k in parameters:
        g = grads["d" + k]
        nv["d" + k] = beta1 * v["d" + k] + (1 - beta1) * g
        ns["d" + k] = beta2 * s["d" + k] + (1 - beta2) * (g if variant == "no_square" else g ** 2)
        if variant == "no_correction":
            vc["d" + k], sc["d" + k] = nv["d" + k], ns["d" + k]
        elif variant == "power_wrong":
            vc["d" + k], sc["d" + k] = nv["d" + k] / (1 - beta1) ** t, ns["d" + k] / (1 - beta2) ** t
        else:
            vc["d" + k], sc["d" + k] = nv["d" + k] / (1 - beta1 ** t), ns["d" + k] / (1 - beta2 ** t)
        if variant == "eps_inside":
            new[k] = parameters[k] - learning_rate * vc["d" + k] / np.sqrt(sc["d" + k] + epsilon)
        elif variant == "uncorrected_step":
            new[k] = parameters[k] - learning_rate * nv["d" + k] / (np.sqrt(ns["d" + k]) + epsilon)
        else:
            new[k] = parameters[k] - learning_rate * vc["d" + k] / (np.sqrt(sc["d" + k]) + epsilon)
    return new, nv, ns, vc, sc


def _update_lr_cases(rng):
    return [Case((0.5, 2, 1.0), label="fixed: the course's learning_rate0 = 0.5, epoch_num = 2, decay_rate = 1"),
            Case((float(rng.uniform(0.01, 1)), int(rng.integers(1, 50)), float(rng.uniform(0.1, 2))), label="random"),
            Case((0.1, 0, 0.3), label="edge: epoch 0 (the initial rate)"),
            Case((0.1, 10, 0.0), label="edge: decay_rate = 0 (no decay)")]


def _update_lr(learning_rate0, epoch_num, decay_rate, variant=""):
    if variant == "no_one":
        return learning_rate0 / (decay_rate * epoch_num)
    if variant == "times":
        return learning_rate0 * (1 + decay_rate * epoch_num)
    return learning_rate0 / (1 + decay_rate) * epoch_num  # variant "precedence"


def _schedule_cases(rng):
    return [Case((0.5, 150, 1.0, 100), label="fixed: learning_rate0 = 0.5, epoch 150, decay_rate 1, every 100 epochs"),
            Case((0.5, 100, 1.0, 100), label="fixed: the course's epoch 100, time_interval 100"),
            Case((float(rng.uniform(0.01, 1)), int(rng.integers(0, 5000)), float(rng.uniform(0.1, 2))),
                 label="random (time_interval 1000)"),
            Case((0.3, 99, 2.0, 100), label="edge: one epoch before the first step")]


def _schedule(learning_rate0, epoch_num, decay_rate, time_interval=1000, variant=""):
    if variant == "no_floor":
        return learning_rate0 / (1 + decay_rate * epoch_num / time_interval)
    if variant == "no_interval":
        return learning_rate0 / (1 + decay_rate * epoch_num)
    return learning_rate0 / (1 + decay_rate * np.ceil(epoch_num / time_interval))  # variant "ceil"


_NAMES_LIKE_GRADS = ("keys named like the parameters (W1) instead of the gradients (dW1)", "The optimizer state is "
                     "keyed like the gradients: v['d' + name] for parameters[name], e.g. v['dW1'].")
_WEIGHTS_ONLY = ("only the weights, no entries for the biases", "Loop over every parameter, the biases b1, b2, ... "
                 "too: `for name in parameters:`.")
_PLUS = ("update with + instead of -", "Gradient descent steps AGAINST the gradient: W = W - learning_rate * ....")

OPTIMIZERS = [
    Exercise("optimizers.update_parameters_with_gd", W2, _gd_cases, [
        Mistake(*_PLUS, _v(_gd, "plus")),
        Mistake("forgot the learning rate", "Each step is W - learning_rate * dW: multiply the gradient by "
                "learning_rate.", _v(_gd, "no_lr")),
    ]),
    Exercise("optimizers.random_mini_batches", W2, _mini_batch_cases, [
        Mistake("last batch dropped", "When m is not a multiple of mini_batch_size, the m % mini_batch_size "
                "examples left over form one last, smaller mini-batch: add it after the loop.",
                _v(_mini_batches, "drop_last")),
        Mistake("forgot to shuffle", "Reorder the COLUMNS (examples) with the permutation first: shuffled_X = "
                "X[:, permutation], and the same for Y.", _v(_mini_batches, "no_shuffle")),
        Mistake("sliced the rows instead of the columns", "Examples are columns: a mini-batch is "
                "shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size] (note the `:, `).",
                _v(_mini_batches, "rows")),
        Mistake("an empty last batch when m is a multiple of mini_batch_size", "Add the last, smaller batch only "
                "when m % mini_batch_size != 0.", _v(_mini_batches, "empty_last")),
    ]),
    Exercise("optimizers.initialize_velocity", W2, _init_state_cases, [
        Mistake(*_NAMES_LIKE_GRADS, _v(_velocity, "param_keys")),
        Mistake(*_WEIGHTS_ONLY, _v(_velocity, "weights_only")),
    ]),
    Exercise("optimizers.update_parameters_with_momentum", W2, _momentum_cases, [
        Mistake("beta and 1 - beta swapped", "v = beta * v + (1 - beta) * dW: beta (e.g. 0.9) weighs the OLD "
                "velocity, 1 - beta the new gradient.", _v(_momentum, "swapped")),
        Mistake("forgot (1 - beta)", "v = beta * v + (1 - beta) * dW: the new gradient is weighted by (1 - beta).",
                _v(_momentum, "no_one_minus")),
        Mistake("stepped with the gradient instead of v", "Momentum steps with the velocity: W = W - learning_rate "
                "* v['dW'], using the v you just updated.", _v(_momentum, "grad_step")),
        Mistake(*_PLUS, _v(_momentum, "plus")),
    ]),
    Exercise("optimizers.initialize_adam", W2, _init_state_cases, [
        Mistake(*_NAMES_LIKE_GRADS, _v(_adam_init, "param_keys")),
        Mistake(*_WEIGHTS_ONLY, _v(_adam_init, "weights_only")),
    ]),
    Exercise("optimizers.update_parameters_with_adam", W2, _adam_cases, [
        Mistake("no bias correction in Adam", "Divide the moving averages by (1 - beta1**t) and (1 - beta2**t): "
                "v_corrected = v / (1 - beta1 ** t), s_corrected = s / (1 - beta2 ** t).",
                _v(_adam, "no_correction")),
        Mistake("epsilon inside the square root", "The update divides by (np.sqrt(s_corrected) + epsilon): epsilon "
                "is added AFTER the square root.", _v(_adam, "eps_inside")),
        Mistake("(1 - beta1)**t instead of 1 - beta1**t", "Bias correction divides by 1 - beta1 ** t (beta1 to the "
                "power t, then subtracted from 1).", _v(_adam, "power_wrong")),
        Mistake("stepped with the uncorrected v and s", "Compute v_corrected and s_corrected, then use THEM in the "
                "update: W - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon).",
                _v(_adam, "uncorrected_step")),
        Mistake("forgot to square the gradient in s", "s averages the SQUARED gradients: s = beta2 * s + "
                "(1 - beta2) * dW ** 2.", _v(_adam, "no_square")),
    ]),
    Exercise("optimizers.update_lr", W2, _update_lr_cases, [
        Mistake("forgot the 1 +", "learning_rate = learning_rate0 / (1 + decay_rate * epoch_num): at epoch 0 it is "
                "learning_rate0.", _v(_update_lr, "no_one")),
        Mistake("multiplied instead of divided", "The rate decays: divide learning_rate0 by "
                "(1 + decay_rate * epoch_num).", _v(_update_lr, "times")),
        Mistake("missing parentheses", "Divide by the whole (1 + decay_rate * epoch_num): learning_rate0 / "
                "(1 + decay_rate * epoch_num).", _v(_update_lr, "precedence")),
    ]),
    Exercise("optimizers.schedule_lr_decay", W2, _schedule_cases, [
        Mistake("floor of epoch_num / time_interval forgotten", "The rate drops in steps, once every time_interval "
                "epochs: use np.floor(epoch_num / time_interval).", _v(_schedule, "no_floor")),
        Mistake("time_interval ignored", "Decay once every time_interval epochs: decay_rate * np.floor(epoch_num / "
                "time_interval), not decay_rate * epoch_num.", _v(_schedule, "no_interval")),
        Mistake("ceil instead of floor", "The first step comes AFTER time_interval epochs: np.floor, not np.ceil.",
                _v(_schedule, "ceil")),
    ]),
]


# ============================================================================================== batch norm
def _bn_param(n, rng=None, mode="train", **kw):
    p = {"mode": mode, **kw}
    if rng is not None:
        p["running_mean"] = rng.normal(0, 1, (n, 1))
        p["running_var"] = rng.uniform(0.5, 2, (n, 1))
    return p


def _bn_forward_cases(rng):
    r = np.random.RandomState(1)
    x = r.randn(3, 4) * 2 + 1
    gamma, beta = r.rand(3, 1) + 0.5, r.randn(3, 1)
    x2 = rng.normal(3, 2, (5, 8))
    x_const = rng.normal(0, 1, (2, 6))
    x_const[1] = 4.0
    return [Case((x, gamma, beta, {"mode": "train"}), label="fixed: x (3, 4), a fresh bn_param"),
            Case((x2, rng.uniform(0.5, 2, (5, 1)), rng.normal(0, 1, (5, 1)), _bn_param(5, rng, momentum=0.7)),
                 label="random, with running averages"),
            Case((x_const, np.ones((2, 1)), np.zeros((2, 1)), {"mode": "train"}),
                 label="edge: a unit with the same value in every example (variance 0)"),
            Case((x2[:, :3], rng.uniform(0.5, 2, (5, 1)), rng.normal(0, 1, (5, 1)), _bn_param(5, rng, mode="test")),
                 label="edge: test mode (running averages)")]


def _bn_forward(x, gamma, beta, bn_param, variant=""):
    n = x.shape[0]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros((n, 1)))
    running_var = bn_param.get("running_var", np.ones((n, 1)))
    if bn_param.get("mode", "train") == "train" or variant == "batch_stats_in_test":
        axis = 0 if variant == "axis0" else 1
        mu = np.mean(x, axis=axis, keepdims=True)
        var = np.var(x, axis=axis, keepdims=True, ddof=1 if variant == "ddof" and x.shape[1] > 1 else 0)
        x_hat = (x - mu) / (np.sqrt(var) if variant == "no_eps" else np.sqrt(var + eps))
        out = gamma * x_hat + beta
        if bn_param.get("mode", "train") == "test":
            return out, None
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
        return out, (x_hat, x - mu, 1.0 / np.sqrt(var + eps), gamma, eps)
    x_hat = (x - running_mean) / np.sqrt(running_var + eps)
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return gamma * x_hat + beta, None


def _bn_backward_case(seed, n, m, label):
    from utils.batchnorm import batchnorm_forward

    r = np.random.RandomState(seed)
    x = r.randn(n, m) * 2 + 1
    gamma, beta = r.rand(n, 1) + 0.5, r.randn(n, 1)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    return Case((r.randn(n, m), cache), label=label)


def _bn_backward_cases(rng):
    seed = int(rng.integers(0, 1000))
    return [_bn_backward_case(1, 3, 4, "fixed: x (3, 4)"),
            _bn_backward_case(seed, 5, 7, "random"),
            _bn_backward_case(seed + 1, 4, 2, "edge: m = 2 examples")]


def _bn_backward(dout, cache, variant=""):
    x_hat, xc, inv_std, gamma, eps = cache
    m = dout.shape[1]
    axis = 0 if variant == "axis0" else 1
    dbeta = np.sum(dout, axis=axis, keepdims=True)
    dgamma = dbeta if variant == "no_xhat" else np.sum(dout * x_hat, axis=axis, keepdims=True)
    dx_hat = dout * gamma
    if variant == "local_only":
        return dx_hat * inv_std, dgamma, dbeta
    dx = inv_std / m * (m * dx_hat - np.sum(dx_hat, axis=axis, keepdims=True)
                        - x_hat * np.sum(dx_hat * x_hat, axis=axis, keepdims=True))
    return dx, dgamma, dbeta


_AXIS0 = ("normalized over the wrong axis (axis=0)", "Batch norm normalizes each unit (row) over the examples "
          "(columns): np.mean(x, axis=1, keepdims=True), and the same for the variance.")

BATCHNORM = [
    Exercise("batchnorm.batchnorm_forward", W3, _bn_forward_cases, [
        Mistake(*_AXIS0, _v(_bn_forward, "axis0")),
        Mistake("variance without eps", "Divide by np.sqrt(var + eps): without eps a unit whose values are all "
                "equal (var = 0) divides 0 by 0.", _v(_bn_forward, "no_eps")),
        Mistake("unbiased variance (ddof=1)", "Batch norm uses the biased variance, the mean of (x - mu)**2 over the "
                "m examples (divide by m, not m - 1).", _v(_bn_forward, "ddof")),
        Mistake("test mode used the batch's statistics", "In test mode normalize with the running averages: "
                "(x - running_mean) / np.sqrt(running_var + eps).", _v(_bn_forward, "batch_stats_in_test")),
    ], mutates=("bn_param",)),
    # (The running averages are given code outside the solution markers: an ``outcome`` sees the reference's
    # inputs as they were before its call, so it could not compare what the reference wrote into bn_param.)
    Exercise("batchnorm.batchnorm_backward", W3, _bn_backward_cases, [
        Mistake("dgamma without x_hat", "out = gamma * x_hat + beta, so dgamma = np.sum(dout * x_hat, axis=1, "
                "keepdims=True); only dbeta is the plain sum of dout.", _v(_bn_backward, "no_xhat")),
        Mistake("dx ignores the paths through the mean and the variance", "mu and var depend on every x too: "
                "dx = inv_std / m * (m * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat)), sums over axis 1.",
                _v(_bn_backward, "local_only")),
        Mistake("summed over the units (axis 0) instead of the examples", "gamma and beta have one entry per unit "
                "(row): sum over the examples, axis=1, keepdims=True.", _v(_bn_backward, "axis0")),
    ]),
]


# ================================================================================================= softmax
def _softmax_cases(rng):
    big_small = np.array([[-1000.0, 1000.0], [-1001.0, 999.0], [-999.0, 1002.0]])
    return [Case((np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 0.0]]),), label="fixed: Z (3, 2)"),
            Case((rng.normal(0, 3, (4, 5)),), label="random"),
            Case((np.array([[1000.0], [1001.0], [1002.0]]),), label="edge: large logits (exp(1000) overflows)"),
            Case((big_small,), label="edge: one column near -1000, one near +1000"),
            Case((rng.normal(0, 1, (1, 3)),), label="edge: one class (C = 1)")]


def _softmax(Z, variant=""):
    Z = np.asarray(Z, dtype=float)
    axis = 1 if variant == "axis1" else 0
    if variant == "no_shift":
        t = np.exp(Z)
    elif variant == "global_max":
        t = np.exp(Z - np.max(Z))
    else:
        t = np.exp(Z - np.max(Z, axis=axis, keepdims=True))
    return t / np.sum(t, axis=axis, keepdims=True)


def _one_hot_cases(rng):
    m = int(rng.integers(3, 9))
    return [Case((np.array([1, 2, 3, 0, 2, 1]), 4), label="fixed: the course's labels [1, 2, 3, 0, 2, 1], C = 4"),
            Case((rng.integers(0, 5, m), 5), label="random"),
            Case((np.array([[0, 2, 1]]), 3), label="edge: labels of shape (1, m)"),
            Case((np.array([2]), 6), label="edge: m = 1, some classes never seen")]


def _one_hot(labels, C, variant=""):
    labels = np.asarray(labels).reshape(-1).astype(int)
    m = labels.size
    if variant == "transposed":
        return np.eye(C)[labels]
    Y = np.zeros((C, m))
    Y[labels] = 1.0  # variant "rows": sets whole rows
    return Y


def _softmax_cost_cases(rng):
    from utils.softmax import one_hot, softmax

    AL = softmax(np.array([[1.0, 2.0, 0.5], [3.0, 4.0, 0.2], [5.0, 0.0, 0.1]]))
    Y = one_hot(np.array([2, 1, 0]), 3)
    C, m = 4, 6
    AL2 = softmax(rng.normal(0, 2, (C, m)))
    Y2 = one_hot(rng.integers(0, C, m), C)
    return [Case((AL, Y), label="fixed: 3 classes, m = 3"),
            Case((AL2, Y2), label="random"),
            Case((AL2[:, :1], Y2[:, :1]), label="edge: m = 1")]


def _softmax_cost(AL, Y, variant=""):
    m = AL.shape[1]
    total = np.sum(Y * np.log(AL))
    if variant == "no_m":
        return float(-total)
    if variant == "no_minus":
        return float(total / m)
    return float(-total / AL.size)  # variant "mean": np.mean over all C * m entries


SOFTMAX = [
    Exercise("softmax.softmax", W3, _softmax_cases, [
        Mistake("no max shift (exp overflows for large logits)", "Subtract each column's maximum before np.exp: "
                "t = np.exp(Z - np.max(Z, axis=0, keepdims=True)). The result is the same, and exp never "
                "overflows.", _v(_softmax, "no_shift")),
        Mistake("normalized over the rows (axis=1) instead of the columns", "Each column is one example: take the "
                "max and the sum over the classes, axis=0, keepdims=True.", _v(_softmax, "axis1")),
        Mistake("subtracted the max of the whole matrix, not of each column", "np.max(Z, axis=0, keepdims=True): "
                "with one global max, a column whose logits are all far below it underflows to 0 / 0.",
                _v(_softmax, "global_max")),
    ]),
    Exercise("softmax.one_hot", W3, _one_hot_cases, [
        Mistake("one row per example: shape (m, C)", "In Courses 1-2 examples are columns: Y has shape (C, m), "
                "with Y[labels[i], i] = 1.", _v(_one_hot, "transposed")),
        Mistake("Y[labels] = 1 sets whole rows", "Give the column of each 1 too: Y[labels, np.arange(m)] = 1.",
                _v(_one_hot, "rows")),
    ]),
    Exercise("softmax.softmax_cost", W3, _softmax_cost_cases, [
        Mistake("forgot the 1/m", "The cost is the MEAN over the m examples: divide the sum by m = AL.shape[1].",
                _v(_softmax_cost, "no_m")),
        Mistake("forgot the minus sign", "log of a probability is negative: J = -1/m * sum(Y * log(AL)) is "
                "positive.", _v(_softmax_cost, "no_minus")),
        Mistake("averaged over all C * m entries", "Sum over the classes, average over the examples only: "
                "divide by m, not by C * m (np.mean divides by C * m).", _v(_softmax_cost, "mean")),
    ]),
]

EXERCISES = INITIALIZATION + REGULARIZATION + GRADIENT_CHECKING + OPTIMIZERS + BATCHNORM + SOFTMAX
