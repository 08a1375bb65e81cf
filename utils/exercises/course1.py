"""Course 1 exercises (neural networks and deep learning): the course's graded functions, X of shape (n_x, m).

Each mistake is a small wrong implementation; the checker names it when it reproduces a learner's result.
"""

from __future__ import annotations

import numpy as np

from utils.exercises.core import Case, Exercise, Mistake

W1 = "course1_nn/w1_neural_networks.ipynb"
W2 = "course1_nn/w2_logistic_regression.ipynb"
W3 = "course1_nn/w3_shallow_network.ipynb"
W4 = "course1_nn/w4_deep_network.ipynb"


def _f(x):
    return np.asarray(x, dtype=float)


def _sig(z):
    return 1 / (1 + np.exp(-_f(z)))


def _labels(rng: np.random.Generator, m: int) -> np.ndarray:
    """Labels 0/1 of shape (1, m) with both classes present."""
    Y = rng.integers(0, 2, (1, m)).astype(float)
    Y[0, 0], Y[0, -1] = 1.0, 0.0
    return Y


# ============================================================================ week 1: relu, relu_backward
def _relu_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]]),), label="fixed: z from -2 to 2, with z = 0"),
            Case((rng.normal(0, 2, (3, 4)),), label="random"),
            Case((-1.5,), label="edge: a scalar")]


def _relu_minimum(z):
    return np.minimum(0, _f(z))


def _relu_derivative(z):
    return (_f(z) > 0).astype(float)


def _relu_leaky(z):
    z = _f(z)
    return np.where(z > 0, z, 0.01 * z)


def _relu_backward_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((np.array([[1.0, -2.0, 3.0, -4.0, 5.0]]), np.array([[-1.0, 0.0, 2.0, 3.0, -0.5]])),
                 label="fixed: Z with negative, zero and positive entries"),
            Case((rng.normal(size=(3, 4)), rng.normal(size=(3, 4))), label="random"),
            Case((rng.normal(size=(2, 3)), -rng.uniform(0.1, 1, (2, 3))), label="edge: every Z negative"),
            Case((rng.normal(size=(4, 1)), rng.normal(size=(4, 1))), label="edge: m = 1")]


def _relu_backward_times_a(dA, cache):
    return _f(dA) * np.maximum(0, _f(cache))


def _relu_backward_mask_da(dA, cache):
    dZ = np.array(dA, dtype=float)
    dZ[dZ <= 0] = 0
    return dZ


def _relu_backward_strict(dA, cache):
    dZ = np.array(dA, dtype=float)
    dZ[_f(cache) < 0] = 0
    return dZ


def _relu_backward_unchanged(dA, cache):
    return np.array(dA, dtype=float)


# ========================================================================= week 2: logistic regression
def _zeros_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((2,), label="fixed: the course's dim = 2"), Case((int(rng.integers(3, 10)),), label="random"),
            Case((1,), label="edge: dim = 1")]


def _zeros_flat(dim):
    return np.zeros(dim), 0.0


def _zeros_row(dim):
    return np.zeros((1, dim)), 0.0


def _zeros_int_b(dim):
    return np.zeros((dim, 1)), 0


def _logreg_data(rng: np.random.Generator, n_x: int, m: int) -> tuple:
    return rng.normal(size=(n_x, 1)), float(rng.normal()), rng.normal(size=(n_x, m)), _labels(rng, m)


COURSE_W, COURSE_B = np.array([[1.0], [2.0]]), 2.0
COURSE_X, COURSE_Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])


def _propagate_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((COURSE_W, COURSE_B, COURSE_X, COURSE_Y), label="fixed: the course's w = [[1], [2]], b = 2"),
            Case(_logreg_data(rng, 4, 6), label="random"),
            Case(_logreg_data(rng, 3, 1), label="edge: m = 1")]


def _propagate_variant(grad_m: bool = True, cost_m: bool = True, transposed: bool = False, flip: bool = False,
                       minus: bool = True):
    def propagate(w, b, X, Y):
        w, X, Y = _f(w), _f(X), _f(Y)
        m = X.shape[1]
        A = _sig(w.T @ X + b)
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) * (1 if minus else -1) / (m if cost_m else 1)
        dZ = Y - A if flip else A - Y
        dw = (dZ @ X.T if transposed else X @ dZ.T) / (m if grad_m else 1)
        db = np.sum(dZ) / (m if grad_m else 1)
        return {"dw": dw, "db": float(db)}, float(cost)
    return propagate


def _optimize_cases(rng: np.random.Generator) -> list[Case]:
    w, b, X, Y = _logreg_data(rng, 3, 5)
    return [Case((COURSE_W, COURSE_B, COURSE_X, COURSE_Y), {"num_iterations": 100, "learning_rate": 0.009},
                 label="fixed: the course's 100 iterations, learning rate 0.009"),
            Case((w, b, X, Y), {"num_iterations": 20, "learning_rate": 0.1, "record_every": 5}, label="random"),
            Case((w, b, X, Y), {"num_iterations": 1, "learning_rate": 0.5}, label="edge: one iteration")]


def _optimize_variant(step):
    def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False, record_every=100):
        from utils.logistic import propagate
        w, b = np.array(w, dtype=float), float(b)
        grads, costs = {}, []
        for i in range(num_iterations):
            grads, cost = propagate(w, b, X, Y)
            w, b = step(w, b, grads, learning_rate)
            if i % record_every == 0:
                costs.append(cost)
        return {"w": w, "b": b}, grads, costs
    return optimize


def _predict_lr_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((np.array([[0.1124579], [0.23106775]]), -0.3, np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])),
                 label="fixed: the course's w = [[0.112], [0.231]], b = -0.3"),
            Case((rng.normal(size=(3, 1)), float(rng.normal()), rng.normal(size=(3, 8))), label="random"),
            Case((np.array([[1.0], [-1.0]]), 0.0, np.array([[1.0, 2.0, 0.0], [1.0, 0.0, 3.0]])),
                 label="edge: A exactly 0.5 for the first example (w^T x + b = 0)")]


def _predict_lr_variant(kind: str):
    def predict(w, b, X):
        Z = _f(w).T @ _f(X) + b
        A = _sig(Z)
        return {">=": lambda: (A >= 0.5).astype(float), "z": lambda: (Z > 0.5).astype(float),
                "proba": lambda: A, "bool": lambda: A > 0.5}[kind]()
    return predict


# ========================================================================== week 3: one hidden layer
def _shallow_params(rng: np.random.Generator, n_x: int, n_h: int, n_y: int = 1) -> dict:
    return {"W1": rng.normal(size=(n_h, n_x)), "b1": rng.normal(size=(n_h, 1)),
            "W2": rng.normal(size=(n_y, n_h)), "b2": rng.normal(size=(n_y, 1))}


def _layer_sizes_cases(rng: np.random.Generator) -> list[Case]:
    m = int(rng.integers(2, 9))
    return [Case((rng.normal(size=(5, 3)), rng.normal(size=(2, 3))), label="fixed: the course's X (5, 3), Y (2, 3)"),
            Case((rng.normal(size=(int(rng.integers(2, 9)), m)), rng.normal(size=(int(rng.integers(1, 4)), m))),
                 label="random"),
            Case((rng.normal(size=(3, 6)), rng.normal(size=(1, 6))), {"n_h": 1}, label="edge: n_h = 1")]


def _layer_sizes_m(X, Y, n_h=4):
    return np.shape(X)[1], n_h, np.shape(Y)[1]


def _layer_sizes_swapped(X, Y, n_h=4):
    return np.shape(Y)[0], n_h, np.shape(X)[0]


def _init_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((2, 4, 1), label="fixed: the course's n_x = 2, n_h = 4, n_y = 1 (seed 2)"),
            Case((int(rng.integers(2, 6)), int(rng.integers(2, 6)), 2), {"seed": int(rng.integers(0, 100))},
                 label="random"),
            Case((3, 5, 1), {"seed": None}, label="edge: seed=None (numpy's global generator)", seed=1)]


def _init_variant(kind: str):
    def initialize_parameters(n_x, n_h, n_y, init="small", seed=2):
        rng = np.random.RandomState(seed) if seed is not None else np.random
        if kind == "transposed":
            W1, W2 = rng.randn(n_x, n_h) * 0.01, rng.randn(n_h, n_y) * 0.01
        elif kind == "zeros":
            W1, W2 = np.zeros((n_h, n_x)), np.zeros((n_y, n_h))
        else:
            scale = 1.0 if kind == "no_scale" else 0.01
            W1 = rng.randn(n_h, n_x) * scale
            W2 = rng.randn(n_y, n_h) * scale
        b1, b2 = (np.zeros(n_h), np.zeros(n_y)) if kind == "flat_b" else (np.zeros((n_h, 1)), np.zeros((n_y, 1)))
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return initialize_parameters


def _forward_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((rng.normal(size=(2, 3)), _shallow_params(rng, 2, 4)), label="fixed: the course's X (2, 3), n_h = 4"),
            Case((rng.normal(size=(3, 6)), _shallow_params(rng, 3, 5)), label="random"),
            Case((rng.normal(size=(2, 1)), _shallow_params(rng, 2, 3)), label="edge: m = 1")]


def _forward_variant(hidden=np.tanh, output=None, bias: bool = True, z_chain: bool = False):
    def forward_propagation(X, parameters, activation="tanh"):
        p = {k: _f(v) for k, v in parameters.items()}
        X = _f(X)
        Z1 = p["W1"] @ X + (p["b1"] if bias else 0)
        A1 = hidden(Z1)
        Z2 = p["W2"] @ (Z1 if z_chain else A1) + (p["b2"] if bias else 0)
        A2 = (output or _sig)(Z2)
        return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return forward_propagation


def _backward_case(rng: np.random.Generator, n_x: int, n_h: int, m: int, label: str) -> Case:
    from utils.shallow_nn import forward_propagation
    X, params = rng.normal(size=(n_x, m)), _shallow_params(rng, n_x, n_h)
    _, cache = forward_propagation(X, params)
    return Case((params, cache, X, _labels(rng, m) if m > 1 else np.ones((1, 1))), label=label)


def _random_cache_case(rng: np.random.Generator, n_x: int, n_h: int, m: int) -> Case:
    """As the course's own test: a cache of random arrays that no forward pass produced, bool labels."""
    cache = {"A1": rng.normal(size=(n_h, m)), "A2": rng.normal(size=(1, m)), "Z1": rng.normal(size=(n_h, m)),
             "Z2": rng.normal(size=(1, m))}
    return Case((_shallow_params(rng, n_x, n_h), cache, rng.normal(size=(n_x, m)), rng.normal(size=(1, m)) > 0),
                label="random cache (not from a forward pass): read A1 and A2, as the course's formula")


def _backward_shallow_cases(rng: np.random.Generator) -> list[Case]:
    return [_backward_case(rng, 2, 4, 3, "fixed: the course's X (2, 3), n_h = 4"),
            _backward_case(rng, 3, 5, 7, "random"), _backward_case(rng, 2, 3, 1, "edge: m = 1"),
            _random_cache_case(rng, 3, 9, 7)]


def _backward_variant(kind: str):
    def backward_propagation(parameters, cache, X, Y, activation="tanh"):
        X, Y, W2 = _f(X), _f(Y), _f(parameters["W2"])
        A1, A2 = cache["A1"], cache["A2"]
        m = 1 if kind == "no_m" else X.shape[1]
        dZ2 = Y - A2 if kind == "sign" else A2 - Y
        slope = {"1-A1": 1 - A1, "sigmoid": A1 * (1 - A1), "A1": A1}.get(kind, 1 - A1 ** 2)
        dZ1 = W2.T @ dZ2 * slope
        keep = kind != "no_keepdims"
        return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=keep) / m,
                "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=keep) / m}
    return backward_propagation


def _grads_like(rng: np.random.Generator, params: dict) -> dict:
    return {"d" + k: rng.normal(size=v.shape) for k, v in params.items()}


def _update_shallow_cases(rng: np.random.Generator) -> list[Case]:
    p1, p2, p3 = _shallow_params(rng, 2, 4), _shallow_params(rng, 3, 5), _shallow_params(rng, 2, 1)
    return [Case((p1, _grads_like(rng, p1)), label="fixed: the course's sizes, learning rate 1.2"),
            Case((p2, _grads_like(rng, p2)), {"learning_rate": 0.1}, label="random"),
            Case((p3, _grads_like(rng, p3)), {"learning_rate": 0.5}, label="edge: n_h = 1")]


def _update_variant(kind: str, default_lr: float):
    def update_parameters(parameters, grads, learning_rate=default_lr):
        new = {}
        for key, value in parameters.items():
            lr = 1.0 if kind == "no_lr" else learning_rate
            if kind == "no_b" and key.startswith("b"):
                new[key] = np.array(value, dtype=float)
            else:
                new[key] = value + lr * grads["d" + key] if kind == "plus" else value - lr * grads["d" + key]
        return new
    return update_parameters


def _predict_shallow_cases(rng: np.random.Generator) -> list[Case]:
    flat = _shallow_params(rng, 2, 3)
    flat["W2"], flat["b2"] = np.zeros((1, 3)), np.zeros((1, 1))
    return [Case((_shallow_params(rng, 2, 4), rng.normal(size=(2, 6))), label="fixed: n_h = 4, 6 points"),
            Case((_shallow_params(rng, 3, 5), rng.normal(size=(3, 10))), label="random"),
            Case((flat, rng.normal(size=(2, 4))), label="edge: A2 exactly 0.5 (W2 = 0, b2 = 0)")]


def _predict_shallow_variant(kind: str):
    def predict(parameters, X, activation="tanh"):
        from utils.shallow_nn import forward_propagation
        A2, cache = forward_propagation(X, parameters)
        return {">=": lambda: (A2 >= 0.5).astype(int), "bool": lambda: A2 > 0.5, "proba": lambda: A2,
                "z": lambda: (cache["Z2"] > 0.5).astype(int)}[kind]()
    return predict




# ------------------------------------------------------------------------------------------- sigmoid
def _sigmoid_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((np.array([0.0, 2.0]),), label="fixed: the course's sigmoid([0, 2])"),
            Case((rng.normal(0, 3, (3, 4)),), label="random"),
            Case((np.array([[-1000.0, 0.0, 1000.0]]),), label="edge: very large |z|"),
            Case((0.5,), label="edge: a scalar")]


def _sigmoid_no_minus(z):
    return 1 / (1 + np.exp(np.asarray(z, dtype=float)))


def _sigmoid_tanh(z):
    return np.tanh(np.asarray(z, dtype=float))


# ========================================================================== week 4: L-layer network
def _deep_params(rng: np.random.Generator, dims: list[int]) -> dict:
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.normal(size=(dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])
        params[f"b{l}"] = rng.normal(0, 0.5, size=(dims[l], 1))
    return params


def _init_deep_cases(rng: np.random.Generator) -> list[Case]:
    dims = [int(n) for n in rng.integers(1, 6, 4)]
    return [Case(([5, 4, 3],), {"init": "small", "seed": 3}, label="fixed: the course's layer_dims [5, 4, 3], "
                 "init='small', seed 3"),
            Case((dims,), {"init": "he", "seed": int(rng.integers(0, 100))}, label="random"),
            Case(([3, 1],), label="edge: one layer, the default init='sqrt'")]


def _init_deep_variant(kind: str):
    def initialize_parameters_deep(layer_dims, init="sqrt", seed=3):
        rng = np.random.RandomState(seed) if seed is not None else np.random
        params = {}
        for l in range(1, len(layer_dims)):
            n, n_prev = layer_dims[l], layer_dims[l - 1]
            scale = {"sqrt": 1 / np.sqrt(n_prev), "he": np.sqrt(2 / n_prev), "small": 0.01}[init]
            shape = (n_prev, n) if kind == "transposed" else (n, n_prev)
            params[f"W{l}"] = rng.randn(*shape) * (1.0 if kind == "no_scale" else scale)
            params[f"b{l}"] = np.zeros(n) if kind == "flat_b" else np.zeros((n, 1))
        return params
    return initialize_parameters_deep


def _linear_forward_cases(rng: np.random.Generator) -> list[Case]:
    course = np.random.RandomState(1)
    return [Case((course.randn(3, 2), course.randn(1, 3), course.randn(1, 1)),
                 label="fixed: the course's A (3, 2), W (1, 3), b (1, 1)"),
            Case((rng.normal(size=(4, 5)), rng.normal(size=(3, 4)), rng.normal(size=(3, 1))), label="random"),
            Case((rng.normal(size=(4, 1)), rng.normal(size=(2, 4)), rng.normal(size=(2, 1))), label="edge: m = 1")]


def _linear_forward_no_b(A, W, b):
    return _f(W) @ _f(A), (A, W, b)


def _linear_forward_relu(A, W, b):
    return np.maximum(0, _f(W) @ _f(A) + _f(b)), (A, W, b)


def _laf_cases(rng: np.random.Generator) -> list[Case]:
    def args(n_prev, n, m):
        return rng.normal(size=(n_prev, m)), rng.normal(size=(n, n_prev)), rng.normal(size=(n, 1))
    return [Case((*args(3, 2, 4), "relu"), label="fixed: ReLU"),
            Case((*args(3, 1, 4), "sigmoid"), label="fixed: sigmoid"),
            Case((*args(5, 4, 6), "relu"), label="random"), Case((*args(2, 3, 1), "sigmoid"), label="edge: m = 1")]


def _laf_variant(kind: str):
    def linear_activation_forward(A_prev, W, b, activation):
        from utils.activations import get_activation
        from utils.deep_nn import linear_forward
        Z, linear_cache = linear_forward(A_prev, W, b)
        if kind == "swapped":
            activation = {"relu": "sigmoid", "sigmoid": "relu"}.get(activation, activation)
        A = Z if kind == "no_activation" else get_activation(activation)[0](Z)
        return A, (linear_cache, Z)
    return linear_activation_forward


def _L_forward_cases(rng: np.random.Generator) -> list[Case]:
    course = np.random.RandomState(6)
    X = course.randn(5, 4)
    return [Case((X, _deep_params(course, [5, 4, 3, 1])), label="fixed: the course's X (5, 4), 2 hidden layers"),
            Case((rng.normal(size=(4, 6)), _deep_params(rng, [4, 5, 3, 2, 1])), label="random"),
            Case((rng.normal(size=(3, 5)), _deep_params(rng, [3, 1])), label="edge: one layer (no hidden layer)"),
            Case((rng.normal(size=(3, 1)), _deep_params(rng, [3, 2, 1])), label="edge: m = 1")]


def _L_forward_variant(hidden: str = "relu", output: str = "sigmoid", keep_hidden_caches: bool = True):
    def L_model_forward(X, parameters, hidden_activation="relu"):
        from utils.deep_nn import linear_activation_forward
        L = len(parameters) // 2
        A, caches = _f(X), []
        for l in range(1, L):
            A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], hidden)
            if keep_hidden_caches:
                caches.append(cache)
        AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], output)
        caches.append(cache)
        return AL, caches
    return L_model_forward


def _cost_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])),
                 label="fixed: the course's AL = [[0.8, 0.9, 0.4]]"),
            Case((rng.uniform(0.05, 0.95, (1, 6)), _labels(rng, 6)), label="random"),
            Case((np.array([[0.3]]), np.array([[1]])), label="edge: m = 1")]


def _cost_variant(kind: str):
    def compute_cost(AL, Y):
        AL, Y = _f(AL), _f(Y)
        m = Y.shape[1]
        terms = Y * np.log(AL) + (0 if kind == "no_y0" else (1 - Y) * np.log(1 - AL))
        cost = {"no_m": -np.sum(terms), "no_minus": np.sum(terms) / m}.get(kind, -np.sum(terms) / m)
        return float(cost)
    return compute_cost


def _linear_backward_cases(rng: np.random.Generator) -> list[Case]:
    course = np.random.RandomState(1)
    dZ, A, W, b = course.randn(3, 4), course.randn(5, 4), course.randn(3, 5), course.randn(3, 1)
    return [Case((dZ, (A, W, b)), label="fixed: the course's dZ (3, 4), A_prev (5, 4)"),
            Case((rng.normal(size=(2, 6)), (rng.normal(size=(4, 6)), rng.normal(size=(2, 4)), rng.normal(size=(2, 1)))),
                 label="random"),
            Case((rng.normal(size=(3, 1)), (rng.normal(size=(2, 1)), rng.normal(size=(3, 2)), rng.normal(size=(3, 1)))),
                 label="edge: m = 1")]


def _linear_backward_variant(kind: str):
    def linear_backward(dZ, cache):
        A_prev, W, b = (_f(x) for x in cache)
        dZ = _f(dZ)
        m = A_prev.shape[1]
        m_w = 1 if kind == "no_m" else m
        dW = dZ @ A_prev.T / m_w
        if kind == "no_keepdims":
            db = np.sum(dZ, axis=1) / m
        elif kind == "axis0":
            db = np.sum(dZ, axis=0, keepdims=True) / m
        else:
            db = np.sum(dZ, axis=1, keepdims=True) / m_w
        dA_prev = W.T @ dZ / (m if kind == "dA_m" else 1)
        return dA_prev, dW, db
    return linear_backward


def _lab_case(rng: np.random.Generator, n_prev: int, n: int, m: int, activation: str, label: str) -> Case:
    from utils.deep_nn import linear_activation_forward
    A, cache = linear_activation_forward(rng.normal(size=(n_prev, m)), rng.normal(size=(n, n_prev)),
                                         rng.normal(size=(n, 1)), activation)
    return Case((rng.normal(size=A.shape), cache, activation), label=label)


def _lab_cases(rng: np.random.Generator) -> list[Case]:
    return [_lab_case(rng, 3, 2, 4, "relu", "fixed: ReLU"), _lab_case(rng, 3, 1, 4, "sigmoid", "fixed: sigmoid"),
            _lab_case(rng, 5, 4, 6, "relu", "random"), _lab_case(rng, 2, 3, 1, "sigmoid", "edge: m = 1")]


def _lab_variant(kind: str):
    def linear_activation_backward(dA, cache, activation):
        from utils.activations import get_activation
        from utils.deep_nn import linear_backward
        linear_cache, Z = cache
        if kind == "swapped":
            activation = {"relu": "sigmoid", "sigmoid": "relu"}.get(activation, activation)
        forward, backward, _ = get_activation(activation)
        dZ = {"skipped": lambda: _f(dA), "times_a": lambda: _f(dA) * forward(Z)}.get(kind, lambda: backward(dA, Z))()
        return linear_backward(dZ, linear_cache)
    return linear_activation_backward


def _L_backward_case(rng: np.random.Generator, dims: list[int], m: int, label: str) -> Case:
    from utils.deep_nn import L_model_forward
    AL, caches = L_model_forward(rng.normal(size=(dims[0], m)), _deep_params(rng, dims))
    return Case((AL, _labels(rng, m) if m > 1 else np.ones((1, 1)), caches), label=label)


def _L_backward_random_caches(rng: np.random.Generator) -> Case:
    """As the course's own test: AL drawn with randn and caches of random arrays (Z not W A + b)."""
    caches = [((rng.normal(size=(4, 2)), rng.normal(size=(3, 4)), rng.normal(size=(3, 1))), rng.normal(size=(3, 2))),
              ((rng.normal(size=(3, 2)), rng.normal(size=(1, 3)), rng.normal(size=(1, 1))), rng.normal(size=(1, 2)))]
    return Case((rng.normal(size=(1, 2)), np.array([[1, 0]]), caches),
                label="random caches (not from a forward pass): dAL, then each layer's cached Z, as the course")


def _L_backward_cases(rng: np.random.Generator) -> list[Case]:
    return [_L_backward_case(rng, [4, 3, 1], 2, "fixed: the course's 2 layers, m = 2"),
            _L_backward_case(rng, [5, 4, 3, 1], 5, "random"),
            _L_backward_case(rng, [3, 1], 4, "edge: one layer (no hidden layer)"),
            _L_backward_case(rng, [3, 2, 1], 1, "edge: m = 1"), _L_backward_random_caches(rng)]


def _L_backward_variant(kind: str):
    def L_model_backward(AL, Y, caches, hidden_activation="relu"):
        from utils.deep_nn import linear_activation_backward
        AL, Y = _f(AL), _f(Y)
        L = len(caches)
        dAL = -(Y / AL - (1 - Y) / (1 - AL))
        grads = {}
        dA_prev, dW, db = linear_activation_backward(-dAL if kind == "sign" else dAL, caches[L - 1],
                                                     "relu" if kind == "relu_out" else "sigmoid")
        grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = dA_prev, dW, db
        for l in reversed(range(L - 1)):
            dA_prev, dW, db = linear_activation_backward(grads[f"dA{l + 1}"], caches[l],
                                                         "sigmoid" if kind == "sigmoid_hidden" else "relu")
            grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
        return grads
    return L_model_backward


def _update_deep_cases(rng: np.random.Generator) -> list[Case]:
    p1, p2, p3 = _deep_params(rng, [3, 4, 1]), _deep_params(rng, [4, 5, 3, 2]), _deep_params(rng, [3, 1])
    return [Case((p1, _grads_like(rng, p1), 0.1), label="fixed: 2 layers, learning rate 0.1"),
            Case((p2, _grads_like(rng, p2), 0.05), label="random"),
            Case((p3, _grads_like(rng, p3), 1.0), label="edge: one layer, learning rate 1")]


EXERCISES = [
    # ---------------------------------------------------------------------------------------- week 1
    Exercise("activations.relu", W1, _relu_cases, [
        Mistake("np.minimum instead of np.maximum",
                "ReLU keeps the positive part: np.maximum(0, z) (np.minimum keeps the negative part).", _relu_minimum),
        Mistake("returned the slope (z > 0) instead of max(0, z)",
                "relu returns the activation max(0, z) itself; the slope 1 where z > 0 belongs in relu_backward.",
                _relu_derivative),
        Mistake("leaky ReLU instead of ReLU",
                "The plain ReLU is exactly 0 for z <= 0: np.maximum(0, z), no 0.01 z slope.", _relu_leaky),
    ]),
    Exercise("activations.relu_backward", W1, _relu_backward_cases, [
        Mistake("dZ = dA * A instead of dA * g'(Z)",
                "dZ = dA * g'(Z), and the ReLU's slope g'(Z) is 1 where Z > 0 and 0 elsewhere, not the activation "
                "relu(Z) itself: copy dA and set the entries where Z <= 0 to 0.", _relu_backward_times_a),
        Mistake("mask taken from dA instead of Z",
                "Which entries pass depends on the forward input Z (the cache), not on the sign of the incoming "
                "gradient: dZ[Z <= 0] = 0.", _relu_backward_mask_da),
        Mistake("Z < 0 instead of Z <= 0",
                "At Z = 0 the course takes the ReLU's slope as 0: set dZ to 0 where Z <= 0.", _relu_backward_strict),
        Mistake("returned dA unchanged",
                "The gradient stops where the ReLU is flat: set dZ to 0 where Z <= 0 (on a copy of dA).",
                _relu_backward_unchanged),
    ]),
    # ---------------------------------------------------------------------------------------- week 2
    Exercise("activations.sigmoid", W2, _sigmoid_cases, [
        Mistake("exp(z) instead of exp(-z)", "The sigmoid is 1 / (1 + exp(-z)): note the minus sign.",
                _sigmoid_no_minus),
        Mistake("tanh instead of sigmoid", "tanh maps to (-1, 1); the sigmoid is 1 / (1 + np.exp(-z)).",
                _sigmoid_tanh),
    ]),
    Exercise("logistic.propagate", W2, _propagate_cases, [
        Mistake("forgot the 1/m in the gradients",
                "The gradients are averages over the m examples: dw = X @ (A - Y).T / m and db = np.sum(A - Y) / m.",
                _propagate_variant(grad_m=False)),
        Mistake("forgot the 1/m in the cost",
                "The cost is an average: -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m.",
                _propagate_variant(cost_m=False)),
        Mistake("forgot the 1/m",
                "The cost and both gradients are averages over the m examples: divide each sum by m.",
                _propagate_variant(grad_m=False, cost_m=False)),
        Mistake("dw transposed",
                "dw must have the shape of w, (n_x, 1): dw = X @ (A - Y).T / m, not (A - Y) @ X.T / m.",
                _propagate_variant(transposed=True)),
        Mistake("dZ = Y - A instead of A - Y",
                "Back-propagation through the sigmoid and the cross-entropy gives dZ = A - Y; with Y - A every "
                "gradient points uphill.", _propagate_variant(flip=True)),
        Mistake("cost without the minus sign",
                "The cost is -1/m sum(Y log A + (1 - Y) log(1 - A)): the logs are negative, the cost positive.",
                _propagate_variant(minus=False)),
    ]),
    Exercise("logistic.initialize_with_zeros", W2, _zeros_cases, [
        Mistake("w of shape (dim,) instead of (dim, 1)",
                "w must be a column vector of shape (dim, 1): np.zeros((dim, 1)), not np.zeros(dim).", _zeros_flat),
        Mistake("w of shape (1, dim), a row",
                "w has one row per feature: shape (dim, 1), so that w.T @ X works.", _zeros_row),
        Mistake("b = 0, an int", "Write b = 0.0: the bias is a float (the course checks its type).", _zeros_int_b),
    ]),
    Exercise("logistic.optimize", W2, _optimize_cases, [
        Mistake("update with + instead of -",
                "Gradient descent steps downhill: w = w - learning_rate * dw, b = b - learning_rate * db.",
                _optimize_variant(lambda w, b, g, lr: (w + lr * g["dw"], b + lr * g["db"]))),
        Mistake("learning rate left out",
                "Scale the step by the learning rate: w = w - learning_rate * grads[\"dw\"].",
                _optimize_variant(lambda w, b, g, lr: (w - g["dw"], b - g["db"]))),
        Mistake("b not updated", "Update the bias too: b = b - learning_rate * grads[\"db\"].",
                _optimize_variant(lambda w, b, g, lr: (w - lr * g["dw"], b))),
    ]),
    Exercise("logistic.predict", W2, _predict_lr_cases, [
        Mistake(">= 0.5 instead of > 0.5",
                "The course predicts 1 only when A > 0.5; at A = 0.5 exactly the label is 0.",
                _predict_lr_variant(">=")),
        Mistake("compared Z = w^T X + b with 0.5, not A",
                "Apply the sigmoid first: A = sigmoid(w.T @ X + b), then compare A with 0.5.",
                _predict_lr_variant("z")),
        Mistake("returned the probabilities A",
                "predict returns labels: (A > 0.5).astype(float), 1.0 or 0.0 per example.",
                _predict_lr_variant("proba")),
        Mistake("returned booleans", "A > 0.5 is an array of True/False: convert it with .astype(float).",
                _predict_lr_variant("bool")),
    ]),
    # ---------------------------------------------------------------------------------------- week 3
    Exercise("shallow_nn.layer_sizes", W3, _layer_sizes_cases, [
        Mistake("X.shape[1] (the number of examples m) instead of X.shape[0]",
                "Examples are columns: the layer sizes are the numbers of rows, n_x = X.shape[0], n_y = Y.shape[0].",
                _layer_sizes_m),
        Mistake("n_x and n_y swapped", "n_x comes from X (the input), n_y from Y (the output).", _layer_sizes_swapped),
    ]),
    Exercise("shallow_nn.initialize_parameters", W3, _init_cases, [
        Mistake("forgot the * 0.01",
                "Scale the random weights by 0.01 so tanh starts in its steep region: rng.randn(n_h, n_x) * 0.01.",
                _init_variant("no_scale")),
        Mistake("W1 and W2 transposed",
                "Each weight matrix has one row per unit of its layer: W1 (n_h, n_x), W2 (n_y, n_h).",
                _init_variant("transposed")),
        Mistake("weights initialized to zeros",
                "Zero weights make every hidden unit compute the same thing (symmetry is never broken): draw W1 "
                "and W2 with rng.randn(...) * 0.01; only the biases start at zero.", _init_variant("zeros")),
        Mistake("b1 of shape (n_h,)",
                "Biases are column vectors: np.zeros((n_h, 1)) and np.zeros((n_y, 1)).", _init_variant("flat_b")),
    ]),
    Exercise("shallow_nn.forward_propagation", W3, _forward_cases, [
        Mistake("sigmoid in the hidden layer instead of tanh",
                "The course's hidden layer uses tanh: A1 = np.tanh(Z1) (here g(Z1)); the sigmoid is for the output.",
                _forward_variant(hidden=_sig)),
        Mistake("tanh at the output instead of sigmoid",
                "The output is a probability in (0, 1): A2 = sigmoid(Z2).", _forward_variant(output=np.tanh)),
        Mistake("forgot the biases", "Z1 = W1 @ X + b1 and Z2 = W2 @ A1 + b2.", _forward_variant(bias=False)),
        Mistake("Z2 computed from Z1 instead of A1",
                "The output layer takes the hidden layer's activations: Z2 = W2 @ A1 + b2.",
                _forward_variant(z_chain=True)),
    ]),
    Exercise("shallow_nn.backward_propagation", W3, _backward_shallow_cases, [
        Mistake("forgot the 1/m",
                "Every gradient is averaged over the m examples: dW2 = dZ2 @ A1.T / m, db2 = np.sum(dZ2, axis=1, "
                "keepdims=True) / m, and the same for dW1, db1.", _backward_variant("no_m")),
        Mistake("dZ1 with 1 - A1 instead of 1 - A1 ** 2",
                "tanh'(z) = 1 - tanh(z)^2: dZ1 = W2.T @ dZ2 * (1 - np.power(A1, 2)).", _backward_variant("1-A1")),
        Mistake("dZ1 with the sigmoid's derivative A1 (1 - A1)",
                "The hidden layer is tanh, whose derivative is 1 - A1 ** 2; A1 (1 - A1) is the sigmoid's.",
                _backward_variant("sigmoid")),
        Mistake("dZ1 = dA1 * A1 instead of dA1 * g'(Z1)",
                "Multiply by the activation's derivative g'(Z1) = 1 - A1 ** 2, not by the activation A1.",
                _backward_variant("A1")),
        Mistake("db without keepdims",
                "np.sum(dZ1, axis=1, keepdims=True) keeps db1 a column of shape (n_h, 1), like b1.",
                _backward_variant("no_keepdims")),
        Mistake("dZ2 = Y - A2 instead of A2 - Y",
                "The sigmoid output with the cross-entropy cost gives dZ2 = A2 - Y.", _backward_variant("sign")),
    ]),
    Exercise("shallow_nn.update_parameters", W3, _update_shallow_cases, [
        Mistake("update with + instead of -",
                "Gradient descent steps downhill: W1 = W1 - learning_rate * dW1 (the same for b1, W2, b2).",
                _update_variant("plus", 1.2)),
        Mistake("learning rate left out", "Scale every step by the learning rate: W1 - learning_rate * dW1.",
                _update_variant("no_lr", 1.2)),
        Mistake("biases not updated", "Update b1 and b2 too: b1 = b1 - learning_rate * db1.",
                _update_variant("no_b", 1.2)),
    ]),
    Exercise("shallow_nn.predict", W3, _predict_shallow_cases, [
        Mistake(">= 0.5 instead of > 0.5",
                "Predict 1 only where A2 > 0.5; at A2 = 0.5 exactly the label is 0.", _predict_shallow_variant(">=")),
        Mistake("returned booleans", "A2 > 0.5 is an array of True/False: convert it with .astype(int).",
                _predict_shallow_variant("bool")),
        Mistake("returned the probabilities A2",
                "predict returns labels 0/1: threshold A2 at 0.5, (A2 > 0.5).astype(int).",
                _predict_shallow_variant("proba")),
        Mistake("compared Z2 (before the sigmoid) with 0.5",
                "Threshold the probability A2 = sigmoid(Z2), the first value forward_propagation returns.",
                _predict_shallow_variant("z")),
    ]),
    # ---------------------------------------------------------------------------------------- week 4
    Exercise("deep_nn.initialize_parameters_deep", W4, _init_deep_cases, [
        Mistake("W transposed",
                "W[l] has one row per unit of layer l: rng.randn(layer_dims[l], layer_dims[l - 1]).",
                _init_deep_variant("transposed")),
        Mistake("forgot * scale",
                "Multiply the random weights by `scale` (0.01 for init='small', 1 / sqrt(n[l-1]) for 'sqrt').",
                _init_deep_variant("no_scale")),
        Mistake("b of shape (n[l],)",
                "Biases are column vectors: np.zeros((layer_dims[l], 1)).", _init_deep_variant("flat_b")),
    ]),
    Exercise("deep_nn.linear_forward", W4, _linear_forward_cases, [
        Mistake("forgot the bias", "Z = W @ A + b (np.dot(W, A) + b): add the bias.", _linear_forward_no_b),
        Mistake("applied the activation in linear_forward",
                "linear_forward is only the linear part, Z = W @ A + b; the activation comes in "
                "linear_activation_forward.", _linear_forward_relu),
    ]),
    Exercise("deep_nn.linear_activation_forward", W4, _laf_cases, [
        Mistake("swapped activations",
                "Use the activation the argument names: g is relu for \"relu\" and sigmoid for \"sigmoid\".",
                _laf_variant("swapped")),
        Mistake("forgot the activation (A = Z)",
                "After Z, linear_cache = linear_forward(A_prev, W, b) apply the activation: A = g(Z).",
                _laf_variant("no_activation")),
    ]),
    Exercise("deep_nn.L_model_forward", W4, _L_forward_cases, [
        Mistake("sigmoid instead of ReLU in a hidden layer",
                "Layers 1 to L-1 use hidden_activation (ReLU by default); only layer L uses \"sigmoid\".",
                _L_forward_variant(hidden="sigmoid")),
        Mistake("ReLU at the output instead of sigmoid",
                "The last layer must output a probability: call linear_activation_forward with \"sigmoid\" for "
                "layer L.", _L_forward_variant(output="relu")),
        Mistake("hidden layers' caches not appended",
                "Append every layer's cache (caches.append(cache) inside the loop too): L_model_backward needs "
                "one cache per layer.", _L_forward_variant(keep_hidden_caches=False)),
    ]),
    Exercise("deep_nn.compute_cost", W4, _cost_cases, [
        Mistake("forgot the 1/m",
                "The cost is the average loss: divide the sum by m (-np.sum(...) / m).", _cost_variant("no_m")),
        Mistake("forgot the minus sign",
                "cost = -1/m sum(Y log AL + (1 - Y) log(1 - AL)): the logs are negative, the cost is positive.",
                _cost_variant("no_minus")),
        Mistake("left out the (1 - Y) log(1 - AL) term",
                "Examples with Y = 0 cost -log(1 - AL): add (1 - Y) * np.log(1 - AL).", _cost_variant("no_y0")),
    ]),
    Exercise("deep_nn.linear_backward", W4, _linear_backward_cases, [
        Mistake("forgot the 1/m",
                "dW and db are averages over the m examples: dW = dZ @ A_prev.T / m, db = np.sum(dZ, axis=1, "
                "keepdims=True) / m.", _linear_backward_variant("no_m")),
        Mistake("db without keepdims",
                "np.sum(dZ, axis=1, keepdims=True) / m keeps db a column of shape (n, 1), like b.",
                _linear_backward_variant("no_keepdims")),
        Mistake("db summed over axis 0",
                "Sum over the examples, the columns: np.sum(dZ, axis=1, keepdims=True) / m.",
                _linear_backward_variant("axis0")),
        Mistake("dA_prev divided by m",
                "dA_prev = W.T @ dZ has no 1/m: only dW and db are averaged over the examples.",
                _linear_backward_variant("dA_m")),
    ]),
    Exercise("deep_nn.linear_activation_backward", W4, _lab_cases, [
        Mistake("swapped activations",
                "Use the backward of the activation the argument names: relu_backward for \"relu\", "
                "sigmoid_backward for \"sigmoid\" (here g_backward).", _lab_variant("swapped")),
        Mistake("skipped the activation's backward (dZ = dA)",
                "First dZ = g_backward(dA, activation_cache), then linear_backward(dZ, linear_cache).",
                _lab_variant("skipped")),
        Mistake("dZ = dA * A instead of dA * g'(Z)",
                "dZ = dA * g'(Z): the activation's derivative at the cached Z, which g_backward(dA, Z) computes.",
                _lab_variant("times_a")),
    ]),
    Exercise("deep_nn.L_model_backward", W4, _L_backward_cases, [
        Mistake("dAL with the wrong sign",
                "dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)), so dZL = AL - Y; with the sign flipped every "
                "gradient points uphill.", _L_backward_variant("sign")),
        Mistake("sigmoid backward in the hidden layers",
                "Layers 1 to L-1 go backward through hidden_activation (ReLU): pass it to "
                "linear_activation_backward; only layer L is \"sigmoid\".", _L_backward_variant("sigmoid_hidden")),
        Mistake("ReLU backward at the output",
                "The output layer is a sigmoid: its dZL = AL - Y (sigmoid_backward of dAL).",
                _L_backward_variant("relu_out")),
    ]),
    Exercise("deep_nn.update_parameters", W4, _update_deep_cases, [
        Mistake("update with + instead of -",
                "Gradient descent steps downhill: parameters[key] - learning_rate * grads[\"d\" + key].",
                _update_variant("plus", 0.0075)),
        Mistake("learning rate left out",
                "Scale every step by the learning rate: parameters[key] - learning_rate * grads[\"d\" + key].",
                _update_variant("no_lr", 0.0075)),
        Mistake("biases not updated",
                "Update every parameter, the b's too: loop over all the keys of parameters.",
                _update_variant("no_b", 0.0075)),
    ]),
]
