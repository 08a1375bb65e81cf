"""Course 4, weeks 1-2 exercises (convolutions and CNN architectures): examples first, channels last,
activations of shape (m, n_H, n_W, n_C).

The numpy layers are the course's loop versions (``conv.conv_forward_naive`` is the course's
``conv_forward``; the vectorized ``conv.conv_forward`` is what the rest of the workbook calls). The Keras
builders are compared through a summary (layer classes, key settings, output shapes) and their output on a
fixed input after every weight is set to a fixed pattern, so two equal architectures give equal results
whatever their random initialization. Keras is imported only inside the functions that need it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.exercises.core import Case, Exercise, Mistake

W1_1 = "course4_cnn/w1_1_why_convolutions.ipynb"
W1_2 = "course4_cnn/w1_2_convolution_step_by_step.ipynb"
W1_3 = "course4_cnn/w1_3_first_cnn_keras.ipynb"
W2_1 = "course4_cnn/w2_1_classic_networks.ipynb"
W2_2 = "course4_cnn/w2_2_resnets.ipynb"
W2_3 = "course4_cnn/w2_3_inception_and_transfer.ipynb"


def _course_rng() -> np.random.RandomState:
    """The course's test data come from ``np.random.seed(1)`` followed by ``np.random.randn`` calls."""
    return np.random.RandomState(1)


# ====================================================================================== parameter counts
def _dense_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((64 * 64 * 3, 1000), label="fixed: a 64x64x3 image into 1,000 units"),
            Case((int(rng.integers(2, 500)), int(rng.integers(2, 50))), label="random"),
            Case((12288, 1), label="edge: one unit (logistic regression)")]


def _dense_no_bias(n_in, n_out):
    return n_in * n_out


def _dense_bias_per_input(n_in, n_out):
    return n_in * n_out + n_in


def _conv_params_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((3, 3, 10), label="fixed: the course's 10 filters of 3x3x3"),
            Case((int(rng.choice([3, 5, 7])), int(rng.integers(2, 64)), int(rng.integers(2, 64))), label="random"),
            Case((1, 192, 16), label="edge: a 1x1 convolution")]


def _conv_params_no_bias(f, n_C_in, n_C_out):
    return f * f * n_C_in * n_C_out


def _conv_params_2d_filter(f, n_C_in, n_C_out):
    return (f * f + 1) * n_C_out


# ============================================================================================ numpy layers
def _conv_output_size_cases(rng: np.random.Generator) -> list[Case]:
    stride, f = int(rng.integers(2, 4)), int(rng.choice([3, 5]))
    pad = stride + int(rng.integers(1, 3))  # pad > stride: each common mistake gives its own wrong size
    n = stride * int(rng.integers(4, 10)) + f - 2 * pad  # so that the stride fits exactly
    return [Case((63, 7, 0, 2), label="fixed: the course's 63x63 input, 7x7 filters, stride 2"),
            Case((n, f, pad, stride), label="random"),
            Case((6, 3, 1, 1), label="edge: 'same' padding, p = (f - 1) / 2"),
            Case((8, 3, 0, 2), label="edge: the stride does not fit (the floor drops the last row)")]


def _size_no_plus_one(n, f, pad=0, stride=1, exact=False):
    return (n + 2 * pad - f) // stride


def _size_no_stride(n, f, pad=0, stride=1, exact=False):
    return n + 2 * pad - f + 1


def _size_pad_once(n, f, pad=0, stride=1, exact=False):
    return (n + pad - f) // stride + 1


def _size_true_division(n, f, pad=0, stride=1, exact=False):
    return (n + 2 * pad - f) / stride + 1


# ---------------------------------------------------------------------------------------------- zero_pad
def _zero_pad_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((_course_rng().randn(4, 3, 3, 2), 3), label="fixed: the course's x (4, 3, 3, 2), pad 3"),
            Case((rng.standard_normal((2, 3, 4, 3)), 2), label="random"),
            Case((rng.standard_normal((2, 3, 3, 2)), 0), label="edge: pad 0"),
            Case((rng.standard_normal((1, 2, 2, 1)), 1), label="edge: m = 1, one channel")]


def _pad_every_axis(X, pad):
    return np.pad(X, pad)


def _pad_batch_axis(X, pad):
    return np.pad(X, ((pad, pad), (pad, pad), (0, 0), (0, 0)))


def _pad_channel_axis(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (pad, pad)))


def _pad_one_side(X, pad):
    return np.pad(X, ((0, 0), (0, pad), (0, pad), (0, 0)))


# -------------------------------------------------------------------------------------- conv_single_step
def _single_step_cases(rng: np.random.Generator) -> list[Case]:
    r = _course_rng()
    course = (r.randn(4, 4, 3), r.randn(4, 4, 3), r.randn(1, 1, 1))
    return [Case(course, label="fixed: the course's a_slice_prev (4, 4, 3), W (4, 4, 3), b (1, 1, 1)"),
            Case((rng.standard_normal((3, 3, 2)), rng.standard_normal((3, 3, 2)), rng.standard_normal((1, 1, 1))),
                 label="random"),
            Case((rng.standard_normal((1, 1, 1)), rng.standard_normal((1, 1, 1)), rng.standard_normal((1, 1, 1))),
                 label="edge: f = 1, one channel")]


def _step_no_bias(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W)


def _step_array_bias(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + b


def _step_no_sum(a_slice_prev, W, b):
    return a_slice_prev * W + b.item()


# ------------------------------------------------------------------------------------------ conv_forward
def _conv_loop(A_prev, W, b, hparameters, in_window=True, out_stride=True, plus_one=1):
    """The course's conv_forward with switches for its common mistakes (stride used in the window position,
    stride used in the output size, the + 1 of the output size)."""
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    s_out = stride if out_stride else 1
    s_win = stride if in_window else 1
    n_H = (n_H_prev + 2 * pad - f) // s_out + plus_one
    n_W = (n_W_prev + 2 * pad - f) // s_out + plus_one
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            window = A_pad[:, h * s_win:h * s_win + f, w * s_win:w * s_win + f, :]
            Z[:, h, w, :] = np.tensordot(window, W, axes=([1, 2, 3], [0, 1, 2])) + b[0, 0, 0]
    return Z, (A_prev, W, b, dict(hparameters))


def _conv_forward_cases(rng: np.random.Generator) -> list[Case]:
    r = _course_rng()
    course = (r.randn(2, 5, 7, 4), r.randn(3, 3, 4, 8), r.randn(1, 1, 1, 8), {"pad": 1, "stride": 2})
    return [Case(course, label="fixed: the course's A_prev (2, 5, 7, 4), W (3, 3, 4, 8), pad 1, stride 2"),
            Case((rng.standard_normal((2, 4, 4, 3)), rng.standard_normal((2, 2, 3, 2)),
                  rng.standard_normal((1, 1, 1, 2)), {"pad": 0, "stride": 1}), label="random"),
            Case((rng.standard_normal((1, 3, 4, 1)), rng.standard_normal((3, 3, 1, 3)),
                  rng.standard_normal((1, 1, 1, 3)), {"pad": 2, "stride": 1}), label="edge: m = 1, pad 2"),
            Case((rng.standard_normal((1, 7, 4, 2)), rng.standard_normal((1, 1, 2, 2)),
                  rng.standard_normal((1, 1, 1, 2)), {"pad": 0, "stride": 3}), label="edge: 1x1 filters, stride 3"),
            Case((rng.standard_normal((1, 6, 5, 2)), rng.standard_normal((3, 3, 2, 2)),
                  rng.standard_normal((1, 1, 1, 2)), {"pad": 0, "stride": 2}),
                 label="edge: the stride does not fit 6 rows (the floor drops the last one)")]


def _conv_stride_ignored(A_prev, W, b, hparameters):
    return _conv_loop(A_prev, W, b, hparameters, in_window=False)


def _conv_stride_one(A_prev, W, b, hparameters):
    return _conv_loop(A_prev, W, b, hparameters, in_window=False, out_stride=False)


def _conv_no_plus_one(A_prev, W, b, hparameters):
    return _conv_loop(A_prev, W, b, hparameters, plus_one=0)


# ----------------------------------------------------------------------------------------- conv_backward
def _conv_backward_loop(dZ, cache, in_window=True, accumulate=True, unpad=True, minus_pad=False):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    s = stride if in_window else 1
    f, n_C = W.shape[0], W.shape[3]
    m, n_H, n_W, _ = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_pad, dW, db = np.zeros(A_pad.shape), np.zeros(W.shape), np.zeros(b.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    rows, cols = slice(h * s, h * s + f), slice(w * s, w * s + f)
                    if accumulate:
                        dA_pad[i, rows, cols, :] += W[:, :, :, c] * dZ[i, h, w, c]
                        dW[:, :, :, c] += A_pad[i, rows, cols, :] * dZ[i, h, w, c]
                        db[:, :, :, c] += dZ[i, h, w, c]
                    else:
                        dA_pad[i, rows, cols, :] = W[:, :, :, c] * dZ[i, h, w, c]
                        dW[:, :, :, c] = A_pad[i, rows, cols, :] * dZ[i, h, w, c]
                        db[:, :, :, c] = dZ[i, h, w, c]
    if minus_pad:  # the course's da_prev_pad[pad:-pad, pad:-pad, :], empty when pad = 0
        dA_prev = np.zeros(A_prev.shape)
        for i in range(m):
            dA_prev[i, :, :, :] = dA_pad[i, pad:-pad, pad:-pad, :]
        return dA_prev, dW, db
    dA_prev = dA_pad[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :] if unpad else dA_pad
    return dA_prev, dW, db


def _conv_backward_cases(rng: np.random.Generator) -> list[Case]:
    from utils.conv import conv_forward

    def case(A_prev, W, b, hp, label, dZ=None):
        Z, cache = conv_forward(A_prev, W, b, hp)
        return Case((Z if dZ is None else dZ(Z.shape), cache), label=label)

    r = _course_rng()
    course = (r.randn(10, 4, 4, 3), r.randn(2, 2, 3, 8), r.randn(1, 1, 1, 8), {"pad": 2, "stride": 2})
    return [case(*course, "fixed: the course's test, dZ = Z of A_prev (10, 4, 4, 3), W (2, 2, 3, 8), pad 2, stride 2"),
            case(rng.standard_normal((2, 4, 3, 2)), rng.standard_normal((3, 3, 2, 3)), rng.standard_normal((1, 1, 1, 3)),
                 {"pad": 1, "stride": 1}, "random (overlapping windows)", dZ=rng.standard_normal),
            case(rng.standard_normal((1, 5, 5, 2)), rng.standard_normal((3, 3, 2, 2)), rng.standard_normal((1, 1, 1, 2)),
                 {"pad": 0, "stride": 2}, "edge: pad 0, stride 2",
                 dZ=rng.standard_normal),
            case(rng.standard_normal((1, 6, 7, 2)), rng.standard_normal((3, 3, 2, 2)), rng.standard_normal((1, 1, 1, 2)),
                 {"pad": 1, "stride": 3}, "edge: the stride does not fit (the last rows get zero gradient)",
                 dZ=rng.standard_normal)]


def _conv_back_stride_ignored(dZ, cache):
    return _conv_backward_loop(dZ, cache, in_window=False)


def _conv_back_assign(dZ, cache):
    return _conv_backward_loop(dZ, cache, accumulate=False)


def _conv_back_padded(dZ, cache):
    return _conv_backward_loop(dZ, cache, unpad=False)


def _conv_back_minus_pad(dZ, cache):
    return _conv_backward_loop(dZ, cache, minus_pad=True)


# ------------------------------------------------------------------------------------------- pool_forward
def _pool_loop(A_prev, hparameters, mode="max", in_window=True, per_channel=True, plus_one=1):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    s = stride if in_window else 1
    n_H, n_W = (n_H_prev - f) // stride + plus_one, (n_W_prev - f) // stride + plus_one
    reduce = np.max if mode == "max" else np.mean
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = A_prev[i, h * s:h * s + f, w * s:w * s + f]
                    A[i, h, w, c] = reduce(window[..., c] if per_channel else window)
    return A, (A_prev, dict(hparameters))


def _pool_forward_cases(rng: np.random.Generator) -> list[Case]:
    A_course = _course_rng().randn(2, 5, 5, 3)
    return [Case((A_course, {"stride": 1, "f": 3}), {"mode": "max"},
                 label="fixed: the course's A_prev (2, 5, 5, 3), f 3, stride 1, max"),
            Case((A_course, {"stride": 1, "f": 3}), {"mode": "average"}, label="fixed: the same, average"),
            Case((A_course, {"stride": 2, "f": 3}), {"mode": "max"}, label="fixed: the same, stride 2, max"),
            Case((rng.standard_normal((2, 4, 6, 2)), {"stride": 2, "f": 2}), {"mode": "average"},
                 label="random (average, stride 2)"),
            Case((rng.standard_normal((1, 3, 2, 1)), {"stride": 1, "f": 1}), {"mode": "max"},
                 label="edge: m = 1, f = 1"),
            Case((rng.standard_normal((1, 5, 5, 2)), {"stride": 2, "f": 2}), {"mode": "max"},
                 label="edge: 5x5, f 2, stride 2 (the floor drops the last row and column)")]


def _swap_mode(mode):
    return "average" if mode == "max" else "max"


def _pool_modes_swapped(A_prev, hparameters, mode="max"):
    return _pool_loop(A_prev, hparameters, _swap_mode(mode))


def _pool_stride_ignored(A_prev, hparameters, mode="max"):
    return _pool_loop(A_prev, hparameters, mode, in_window=False)


def _pool_all_channels(A_prev, hparameters, mode="max"):
    return _pool_loop(A_prev, hparameters, mode, per_channel=False)


def _pool_no_plus_one(A_prev, hparameters, mode="max"):
    return _pool_loop(A_prev, hparameters, mode, plus_one=0)


# ------------------------------------------------------------------------------- pool backward and helpers
def _mask_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((_course_rng().randn(2, 3),), label="fixed: the course's x (2, 3)"),
            Case((rng.standard_normal((3, 3)),), label="random"),
            Case((np.array([[1.0, 3.0], [3.0, 2.0]]),), label="edge: two maxima (both get the gradient)"),
            Case((np.array([[-2.0]]),), label="edge: a 1x1 window")]


def _mask_argmax(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask[np.unravel_index(np.argmax(x), x.shape)] = True
    return mask


def _mask_axis0(x):
    return x == np.max(x, axis=0)


def _mask_max_value(x):
    return np.max(x)


def _distribute_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((2, (2, 2)), label="fixed: the course's distribute_value(2, (2, 2))"),
            Case((float(rng.normal()), (2, 3)), label="random"),
            Case((3, (1, 1)), label="edge: a 1x1 window")]


def _distribute_no_division(dz, shape):
    return np.ones(shape) * dz


def _distribute_floor_division(dz, shape):
    return np.ones(shape) * (dz // (shape[0] * shape[1]))


def _pool_back_loop(dA, cache, mode="max", in_window=True, accumulate=True):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    s = stride if in_window else 1
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    rows, cols = slice(h * s, h * s + f), slice(w * s, w * s + f)
                    if mode == "max":
                        window = A_prev[i, rows, cols, c]
                        grad = (window == np.max(window)) * dA[i, h, w, c]
                    else:
                        grad = np.ones((f, f)) * dA[i, h, w, c] / (f * f)
                    if accumulate:
                        dA_prev[i, rows, cols, c] += grad
                    else:
                        dA_prev[i, rows, cols, c] = grad
    return dA_prev


def _pool_backward_cases(rng: np.random.Generator) -> list[Case]:
    from utils.conv import pool_forward

    def case(A_prev, hp, mode, label, dA=None):
        A, cache = pool_forward(A_prev, hp, mode)
        return Case((dA if dA is not None else rng.standard_normal(A.shape), cache), {"mode": mode}, label=label)

    r = _course_rng()
    A_course = r.randn(5, 5, 3, 2)
    dA_course = r.randn(5, 4, 2, 2)
    hp_course = {"stride": 1, "f": 2}
    ties = rng.integers(0, 3, (1, 4, 4, 2)).astype(float)
    return [case(A_course, hp_course, "max", "fixed: the course's A_prev (5, 5, 3, 2), f 2, stride 1, max", dA_course),
            case(A_course, hp_course, "average", "fixed: the same, average", dA_course),
            case(rng.standard_normal((2, 5, 5, 2)), {"stride": 2, "f": 3}, "max", "random (max, f 3, stride 2)"),
            case(rng.standard_normal((2, 5, 5, 2)), {"stride": 2, "f": 3}, "average", "random (average, f 3, stride 2)"),
            case(ties, {"stride": 2, "f": 2}, "max", "edge: ties in a window (every maximum gets the gradient)"),
            case(rng.standard_normal((1, 5, 5, 2)), {"stride": 2, "f": 2}, "average",
                 "edge: 5x5, f 2, stride 2 (the last row and column get zero gradient)")]


def _pool_back_modes_swapped(dA, cache, mode="max"):
    return _pool_back_loop(dA, cache, _swap_mode(mode))


def _pool_back_stride_ignored(dA, cache, mode="max"):
    return _pool_back_loop(dA, cache, mode, in_window=False)


def _pool_back_assign(dA, cache, mode="max"):
    return _pool_back_loop(dA, cache, mode, accumulate=False)


# ============================================================================================ Keras models
def _weight_pattern(shape: tuple[int, ...], kind: str) -> np.ndarray:
    """A fixed, varied value for every weight, so that equal architectures compute equal outputs."""
    k = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    if kind == "kernel":
        fan_in = int(np.prod(shape[:-1])) or 1
        return np.sin(0.7 * k + 0.3) * 1.5 / np.sqrt(fan_in)
    if kind == "gamma":
        return 1.0 + 0.2 * np.sin(k + 1.0)
    if kind == "moving_variance":
        return 1.0 + 0.5 * np.abs(np.sin(k + 2.0))
    return 0.1 * np.cos(1.3 * k + {"bias": 0.0, "beta": 0.5, "moving_mean": 1.0}.get(kind, 2.0))


_ACTIVATION_LAYERS = {"ReLU": "relu", "Softmax": "softmax"}


def _layer_text(layer) -> tuple[str, str]:
    """(short name, description with key settings) of one Keras layer."""
    cls = type(layer).__name__
    cfg = layer.get_config()
    if cls in _ACTIVATION_LAYERS or cls == "Activation":
        act = cfg.get("activation", _ACTIVATION_LAYERS.get(cls))
        return f"Activation({act})", f"Activation({act})"
    if cls in ("Conv2D", "Conv2DTranspose", "DepthwiseConv2D"):
        k, s = tuple(cfg["kernel_size"]), tuple(cfg["strides"])
        return cls, (f"{cls}({cfg.get('filters')} filters, kernel {k[0]}x{k[1]}, strides {s}, padding "
                     f"{cfg['padding']!r}, activation {cfg['activation']!r})")
    if "Pooling2D" in cls and "Global" not in cls:
        return cls, f"{cls}(pool_size {tuple(cfg['pool_size'])}, strides {tuple(cfg['strides'])}, padding {cfg['padding']!r})"
    if cls == "Dense":
        return cls, f"Dense({cfg['units']} units, activation {cfg['activation']!r})"
    if cls == "ZeroPadding2D":
        return cls, f"ZeroPadding2D(padding {tuple(map(tuple, cfg['padding']))})"
    return cls, cls


def _graph_inputs(tensor) -> list:
    """The Keras inputs a Keras tensor was computed from (walking back through its graph)."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        op, node_index, _ = t._keras_history
        node = op._inbound_nodes[node_index]
        if node.is_input:
            found.append(t)
        else:
            stack.extend(node.input_tensors)
    return found


def _unreadable(why: str) -> dict[str, Any]:
    return {"layers": f"({why})", "layer details": [], "output on a fixed input": None}


def _ordered_layers(model) -> list:
    """The layers of a model in an order that does not depend on the order they were created in: by their
    distance from the input (the longest path), layers at the same distance (parallel branches) by description."""
    import keras

    by_depth = getattr(model, "_operations_by_depth", None)
    nodes = getattr(model, "_nodes", None)
    if isinstance(model, keras.Sequential) or not by_depth or not nodes:
        return list(model.layers)
    level: dict[int, int] = {}
    for depth in sorted(by_depth, reverse=True):  # depth 0 is the output: parents come first
        for op in by_depth[depth]:
            parents = [t._keras_history.operation for i, node in enumerate(op._inbound_nodes)
                       if node in nodes or f"{id(op)}_ib-{i}" in nodes  # keras keeps node keys
                       for t in node.input_tensors]
            level[id(op)] = 1 + max((level.get(id(p), 0) for p in parents), default=-1)
    ops = [op for depth in by_depth.values() for op in depth]
    return sorted(ops, key=lambda op: (level[id(op)], _layer_text(op)[1], str(op.output.shape)))


def keras_summary(model) -> dict[str, Any]:
    """What a Keras builder's result is judged on: ``{"layers": "Conv2D, MaxPooling2D, ...", "layer details":
    ["Conv2D(8 filters, kernel 3x3, ...) -> output (25, 25, 8)", ...], "output on a fixed input": array}``.

    An Activation layer right after a Conv2D or Dense without activation is folded into it (``Conv2D(...,
    activation="relu")`` and ``Conv2D`` + ``ReLU()`` are the same). Every weight is set to a fixed pattern
    before the output on a fixed input (two examples, values in [-1, 1]) is computed in inference mode.
    ``model`` may be a Keras tensor: the model from its Keras inputs to it is judged.
    """
    import keras

    if not isinstance(model, keras.Model):
        if model is None:
            return _unreadable("got None: did you forget the `return` at the end?")
        if not isinstance(model, keras.KerasTensor):
            return _unreadable(f"not a Keras model or tensor: got {type(model).__name__}")
        inputs = _graph_inputs(model)
        model = keras.Model(inputs[0] if len(inputs) == 1 else inputs, model)
    entries: list[list[Any]] = []  # [layer, short, detail]
    for layer in _ordered_layers(model):
        if type(layer).__name__ == "InputLayer":
            continue
        short, detail = _layer_text(layer)
        prev = entries[-1] if entries else None
        if (short.startswith("Activation(") and prev is not None and prev[1] in ("Conv2D", "Dense")
                and "activation 'linear'" in prev[2] and layer.input is prev[0].output):
            prev[2] = prev[2].replace("activation 'linear'", f"activation {short[11:-1]!r}")
            prev[0] = layer
            continue
        entries.append([layer, short, detail])
    rows = [f"{detail} -> output {tuple(layer.output.shape[1:])}" for layer, _, detail in entries]
    for w in model.weights:
        kind = w.path.rsplit("/", 1)[-1]
        w.assign(_weight_pattern(tuple(w.shape), kind).astype(w.dtype))
    shape = (2, *model.inputs[0].shape[1:])
    x = np.sin(np.arange(int(np.prod(shape)), dtype=np.float64) * 0.37).reshape(shape).astype("float32")
    out = np.asarray(model(x, training=False), dtype=np.float32)
    return {"layers": ", ".join(short for _, short, _ in entries), "layer details": rows,
            "output on a fixed input": out}


def _model_outcome(result, args, kwargs):
    try:
        return keras_summary(result)
    except Exception as exc:  # noqa: BLE001 - a broken result is reported as a difference, not raised
        return _unreadable(f"could not read the model: {type(exc).__name__}: {exc}")


def _block_outcome(result, args, kwargs):
    try:
        return keras_summary(result)
    except Exception as exc:  # noqa: BLE001
        return _unreadable(f"could not read the block: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------------------- lenet5
def _lenet5_cases(rng: np.random.Generator) -> list[Case]:
    side = int(rng.integers(28, 37))
    return [Case((), label="fixed: the course's LeNet-5, 32x32x1 -> 10 classes"),
            Case(((side, side, int(rng.integers(1, 4))),), {"n_classes": int(rng.integers(3, 8))}, label="random"),
            Case(((28, 28, 1),), {"n_classes": 2}, label="edge: 28x28 input, 2 classes")]


def _lenet(input_shape=(32, 32, 1), n_classes=10, pool="avg", activation="tanh", padding="valid"):
    import keras

    from utils.cnn_models import _softmax_head

    L = keras.layers
    Pool = L.AveragePooling2D if pool == "avg" else L.MaxPooling2D
    inputs = keras.Input(tuple(input_shape))
    x = L.Conv2D(6, 5, activation=activation, padding=padding)(inputs)
    x = Pool(2)(x)
    x = L.Conv2D(16, 5, activation=activation, padding=padding)(x)
    x = Pool(2)(x)
    x = L.Flatten()(x)
    x = L.Dense(120, activation=activation)(x)
    x = L.Dense(84, activation=activation)(x)
    return keras.Model(inputs, _softmax_head(x, n_classes), name="lenet5")


def _lenet_max(input_shape=(32, 32, 1), n_classes=10):
    return _lenet(input_shape, n_classes, pool="max")


def _lenet_relu(input_shape=(32, 32, 1), n_classes=10):
    return _lenet(input_shape, n_classes, activation="relu")


def _lenet_same(input_shape=(32, 32, 1), n_classes=10):
    return _lenet(input_shape, n_classes, padding="same")


# ------------------------------------------------------------------------------------------------ first_cnn
def _first_cnn_cases(rng: np.random.Generator) -> list[Case]:
    side = int(rng.integers(4, 8)) * 2
    filters = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    return [Case(((25, 25, 1),), {"n_classes": 2, "filters": (8, 16), "kernel_size": 5},
                 label="fixed: the notebook's faces model"),
            Case(((side, side, 3),), {"n_classes": int(rng.integers(3, 6)), "filters": filters, "kernel_size": 3},
                 label="random"),
            Case(((6, 6, 1),), {"n_classes": 2, "filters": (3,), "kernel_size": 3}, label="edge: one conv block")]


def _cnn(input_shape=(25, 25, 1), n_classes=2, filters=(8, 16), kernel_size=3, name="first_cnn", pool=2,
         pool_strides=None, padding="same", activation="relu", flatten=True, out="softmax"):
    import keras
    from keras.layers import Conv2D, Dense, Flatten, MaxPooling2D

    model = keras.Sequential(name=name)
    model.add(keras.Input(tuple(input_shape)))
    for n in filters:
        model.add(Conv2D(n, kernel_size, padding=padding, activation=activation))
        model.add(MaxPooling2D(pool, strides=pool_strides))
    if flatten:
        model.add(Flatten())
    model.add(Dense(n_classes, activation=out))
    return model


def _cnn_pool_3(input_shape=(25, 25, 1), n_classes=2, filters=(8, 16), kernel_size=3, name="first_cnn"):
    return _cnn(input_shape, n_classes, filters, kernel_size, name, pool=3)


def _cnn_pool_stride_1(input_shape=(25, 25, 1), n_classes=2, filters=(8, 16), kernel_size=3, name="first_cnn"):
    return _cnn(input_shape, n_classes, filters, kernel_size, name, pool_strides=1)


def _cnn_valid(input_shape=(25, 25, 1), n_classes=2, filters=(8, 16), kernel_size=3, name="first_cnn"):
    return _cnn(input_shape, n_classes, filters, kernel_size, name, padding="valid")


def _cnn_no_relu(input_shape=(25, 25, 1), n_classes=2, filters=(8, 16), kernel_size=3, name="first_cnn"):
    return _cnn(input_shape, n_classes, filters, kernel_size, name, activation=None)


def _cnn_no_flatten(input_shape=(25, 25, 1), n_classes=2, filters=(8, 16), kernel_size=3, name="first_cnn"):
    return _cnn(input_shape, n_classes, filters, kernel_size, name, flatten=False)


def _cnn_sigmoid(input_shape=(25, 25, 1), n_classes=2, filters=(8, 16), kernel_size=3, name="first_cnn"):
    return _cnn(input_shape, n_classes, filters, kernel_size, name, out="sigmoid")


# ------------------------------------------------------------------------------------------- ResNet blocks
def _block(X, f, filters, s=1, shortcut="conv", add=True, relu_before_add=False, bn_c=True, stride_on_b=False):
    """A ResNet block with switches for the common mistakes; shortcut is "conv", "conv_no_bn" or "identity"."""
    from keras.layers import Activation, Add, BatchNormalization, Conv2D

    F1, F2, F3 = filters
    X_shortcut = X
    X = Conv2D(F1, 1, strides=1 if stride_on_b else s)(X)
    X = Activation("relu")(BatchNormalization()(X))
    X = Conv2D(F2, f, strides=s if stride_on_b else 1, padding="same")(X)
    X = Activation("relu")(BatchNormalization()(X))
    X = Conv2D(F3, 1)(X)
    if bn_c:
        X = BatchNormalization()(X)
    if shortcut != "identity":
        X_shortcut = Conv2D(F3, 1, strides=s)(X_shortcut)
        if shortcut == "conv":
            X_shortcut = BatchNormalization()(X_shortcut)
    if relu_before_add:
        return Add()([Activation("relu")(X), X_shortcut])
    if add:
        X = Add()([X, X_shortcut])
    return Activation("relu")(X)


def _block_cases(rng: np.random.Generator, conv: bool) -> list[Case]:
    import keras

    n, c = int(rng.integers(3, 6)), int(rng.integers(2, 5))
    F1, F2 = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    if not conv:
        return [Case((keras.Input((4, 4, 3)), 2, (4, 4, 3)), label="fixed: the course's X (m, 4, 4, 3), f = 2, "
                     "filters (4, 4, 3)"),
                Case((keras.Input((n, n, c)), 3, (F1, F2, c)), label="random"),
                Case((keras.Input((3, 5, 2)), 1, (2, 2, 2)), label="edge: f = 1, non-square input")]
    F3 = int(rng.integers(2, 6))
    return [Case((keras.Input((4, 4, 3)), 2, (2, 2, 3)), {"s": 1},
                 label="edge: s = 1 and F3 = n_C (the shortcut still gets its 1x1 conv and BN)"),
            Case((keras.Input((4, 4, 3)), 2, (2, 4, 6)), {"s": 2},
                 label="fixed: the course's X (m, 4, 4, 3), f = 2, filters (2, 4, 6), s = 2"),
            Case((keras.Input((2 * n, 2 * n, c)), 3, (F1, F2, F3)), {"s": 2}, label="random")]


def _identity_cases(rng: np.random.Generator) -> list[Case]:
    return _block_cases(rng, conv=False)


def _convolutional_cases(rng: np.random.Generator) -> list[Case]:
    return _block_cases(rng, conv=True)


def _id_no_add(X, f, filters, name="id"):
    return _block(X, f, filters, shortcut="identity", add=False)


def _id_relu_before_add(X, f, filters, name="id"):
    return _block(X, f, filters, shortcut="identity", relu_before_add=True)


def _id_no_last_bn(X, f, filters, name="id"):
    return _block(X, f, filters, shortcut="identity", bn_c=False)


def _cb_identity_shortcut(X, f, filters, s=2, name="conv"):
    return _block(X, f, filters, s, shortcut="identity")


def _cb_shortcut_no_bn(X, f, filters, s=2, name="conv"):
    return _block(X, f, filters, s, shortcut="conv_no_bn")


def _cb_no_add(X, f, filters, s=2, name="conv"):
    return _block(X, f, filters, s, add=False)


def _cb_relu_before_add(X, f, filters, s=2, name="conv"):
    return _block(X, f, filters, s, relu_before_add=True)


def _cb_stride_on_b(X, f, filters, s=2, name="conv"):
    return _block(X, f, filters, s, stride_on_b=True)


# ---------------------------------------------------------------------------------------- inception_module
#: Inception 3a's branch sizes divided by 16 (rounded, at least 1), for small and fast checks.
_SMALL_3A = {"1x1": 4, "3x3_reduce": 6, "3x3": 8, "5x5_reduce": 1, "5x5": 2, "pool_proj": 2}


def _inception_cases(rng: np.random.Generator) -> list[Case]:
    import keras

    sizes = {k: int(rng.integers(1, 5)) for k in _SMALL_3A}
    return [Case((keras.Input((8, 8, 12)), dict(_SMALL_3A)),
                 label="fixed: inception 3a's branch sizes / 16 on an 8x8x12 input"),
            Case((keras.Input((6, 6, int(rng.integers(2, 6)))), sizes), label="random"),
            Case((keras.Input((3, 5, 2)), dict(_SMALL_3A)), label="edge: a small non-square input")]


def _inception(X, filters, name="inception", bottleneck=True, pool_proj=True, pool_same=True, relu="relu",
               axis=-1):
    from keras.layers import Concatenate, Conv2D, MaxPooling2D

    def conv(x, n, f):
        return Conv2D(n, f, padding="same", activation=relu)(x)

    b1 = conv(X, filters["1x1"], 1)
    b2 = conv(conv(X, filters["3x3_reduce"], 1) if bottleneck else X, filters["3x3"], 3)
    b3 = conv(conv(X, filters["5x5_reduce"], 1) if bottleneck else X, filters["5x5"], 5)
    b4 = MaxPooling2D(3, strides=1, padding="same")(X) if pool_same else MaxPooling2D(3)(X)
    if pool_proj:
        b4 = conv(b4, filters["pool_proj"], 1)
    return Concatenate(axis=axis)([b1, b2, b3, b4])


def _inc_no_bottleneck(X, filters=_SMALL_3A, name="inception"):
    return _inception(X, filters, bottleneck=False)


def _inc_no_pool_proj(X, filters=_SMALL_3A, name="inception"):
    return _inception(X, filters, pool_proj=False)


def _inc_no_relu(X, filters=_SMALL_3A, name="inception"):
    return _inception(X, filters, relu=None)


def _inc_pool_shrinks(X, filters=_SMALL_3A, name="inception"):
    return _inception(X, filters, pool_same=False)


def _inc_wrong_axis(X, filters=_SMALL_3A, name="inception"):
    return _inception(X, filters, axis=1)


# =============================================================================================== the list
_BN_RELU_ORDER = ("The main path ends CONV 1x1 -> BatchNormalization (no ReLU); add the shortcut first, "
                  "then apply the last ReLU: X = Add()([X, X_shortcut]); X = Activation('relu')(X).")

EXERCISES = [
    # --- w1_1: why convolutions
    Exercise("cnn_models.dense_params", W1_1, _dense_cases, [
        Mistake("forgot the biases", "A dense layer has n_in * n_out weights AND one bias per unit: add n_out.",
                _dense_no_bias),
        Mistake("one bias per input instead of per unit",
                "Each of the n_out units has one bias, so the biases add n_out (not n_in).", _dense_bias_per_input),
    ]),
    Exercise("cnn_models.conv_params", W1_1, _conv_params_cases, [
        Mistake("forgot the biases", "Each of the n_C_out filters has one bias: (f * f * n_C_in + 1) * n_C_out.",
                _conv_params_no_bias),
        Mistake("filter without its depth",
                "A filter spans every input channel: it holds f * f * n_C_in weights, not f * f.",
                _conv_params_2d_filter),
    ]),
    # --- w1_2: convolution step by step
    Exercise("conv.zero_pad", W1_2, _zero_pad_cases, [
        Mistake("padded every axis", "np.pad(X, pad) pads all four axes, the examples and channels too: give one "
                "(before, after) pair per axis, ((0, 0), (pad, pad), (pad, pad), (0, 0)).", _pad_every_axis),
        Mistake("padded the batch axis", "X has shape (m, n_H, n_W, n_C): the zeros go on axes 1 and 2 (height and "
                "width), not on axis 0 (the examples).", _pad_batch_axis),
        Mistake("padded the channel axis", "Only the height and width get zeros: use (0, 0) for the last axis "
                "(the channels).", _pad_channel_axis),
        Mistake("padded one side only", "pad zeros go on BOTH sides: (pad, pad), so each size grows by 2 * pad.",
                _pad_one_side),
    ]),
    Exercise("conv.conv_single_step", W1_2, _single_step_cases, [
        Mistake("forgot the bias", "Z = sum(a_slice_prev * W) + b: add the bias after the sum.", _step_no_bias),
        Mistake("bias added as an array", "b has shape (1, 1, 1); adding it turns Z into an array. Add b.item() "
                "(or float(b)) so that Z is a number.", _step_array_bias),
        Mistake("forgot the sum", "One step of a convolution gives ONE number: sum the element-wise product over "
                "the whole window (np.sum) before adding the bias.", _step_no_sum),
    ]),
    Exercise("conv.conv_output_size", W1_2, _conv_output_size_cases, [
        Mistake("forgot the + 1", "There is one window more than strides: n_out = (n + 2 * pad - f) // stride + 1.",
                _size_no_plus_one),
        Mistake("stride ignored", "The window jumps by `stride` pixels: divide by the stride, "
                "(n + 2 * pad - f) // stride + 1.", _size_no_stride),
        Mistake("padding counted once", "pad zeros are added on BOTH sides: the padded size is n + 2 * pad.",
                _size_pad_once),
        Mistake("true division", "`/` gives a float; the size is the floor of the division, an int: use `//` "
                "(or int(...)).", _size_true_division),
    ]),
    Exercise("conv.conv_forward_naive", W1_2, _conv_forward_cases, [
        Mistake("stride ignored", "The window of output pixel (h, w) starts at row h * stride and column w * stride: "
                "vert_start = h * stride, vert_end = vert_start + f (the same for the columns).",
                _conv_stride_ignored),
        Mistake("stride ignored everywhere", "You computed a stride-1 convolution: use the stride both in the output "
                "size n_H = (n_H_prev + 2 * pad - f) // stride + 1 and in the window start vert_start = h * stride.",
                _conv_stride_one),
        Mistake("wrong output size", "n_H = (n_H_prev + 2 * pad - f) // stride + 1 (and the same for n_W): check "
                "the + 1 and the 2 * pad.", _conv_no_plus_one),
    ]),
    Exercise("conv.pool_forward_naive", W1_2, _pool_forward_cases, [
        Mistake("max and average swapped", 'mode == "max" takes np.max of the window; mode == "average" takes '
                "np.mean.", _pool_modes_swapped),
        Mistake("stride ignored", "The window of output pixel (h, w) starts at row h * stride and column "
                "w * stride, not at h and w.", _pool_stride_ignored),
        Mistake("pooled over all channels at once", "Pooling works on each channel separately: slice "
                "A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c], with the channel index c.",
                _pool_all_channels),
        Mistake("wrong output size", "Pooling has no padding: n_H = (n_H_prev - f) // stride + 1 (do not forget "
                "the + 1).", _pool_no_plus_one),
    ]),
    Exercise("conv.conv_backward_naive", W1_2, _conv_backward_cases, [
        Mistake("stride ignored", "Use the same windows as the forward pass: vert_start = h * stride and "
                "horiz_start = w * stride.", _conv_back_stride_ignored),
        Mistake("= instead of +=", "Every output pixel and every filter adds to the gradients: accumulate "
                "da_prev_pad[...], dW[...] and db[...] with += (windows overlap, and all filters see the same "
                "window).", _conv_back_assign),
        Mistake("returned the padded dA_prev", "dA_prev must have the shape of A_prev: cut the padding off, "
                "da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :].", _conv_back_padded),
        Mistake("a[pad:-pad] is empty when pad = 0", "With pad = 0, pad:-pad is 0:0, an empty slice: cut the "
                "padding off with da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :].", _conv_back_minus_pad),
    ]),
    Exercise("conv.create_mask_from_window", W1_2, _mask_cases, [
        Mistake("argmax marks one maximum only", "np.argmax gives the first maximum only; the course's mask is "
                "x == np.max(x), True at every maximum.", _mask_argmax),
        Mistake("max per column", "np.max(x, axis=0) is the maximum of each column; the mask needs the maximum "
                "of the whole window, np.max(x).", _mask_axis0),
        Mistake("returned the maximum, not a mask", "Return a boolean array of the window's shape: "
                "mask = (x == np.max(x)).", _mask_max_value),
    ]),
    Exercise("conv.distribute_value", W1_2, _distribute_cases, [
        Mistake("forgot to divide by the window size", "Each of the n_H * n_W inputs gets an equal share: "
                "average = dz / (n_H * n_W).", _distribute_no_division),
        Mistake("integer division", "`//` rounds down (2 // 4 == 0): use true division, dz / (n_H * n_W).",
                _distribute_floor_division),
    ]),
    Exercise("conv.pool_backward_naive", W1_2, _pool_backward_cases, [
        Mistake("max and average swapped", 'mode == "max" routes dA through create_mask_from_window; '
                'mode == "average" spreads it with distribute_value.', _pool_back_modes_swapped),
        Mistake("stride ignored", "Use the same windows as the forward pass: vert_start = h * stride and "
                "horiz_start = w * stride.", _pool_back_stride_ignored),
        Mistake("= instead of +=", "Windows can overlap, so an input can get gradient from several outputs: "
                "accumulate with dA_prev[...] += ...", _pool_back_assign),
    ]),
    # --- w1_3: a first CNN in Keras
    Exercise("cnn_models.first_cnn", W1_3, _first_cnn_cases, [
        Mistake("wrong pool size", "Each MaxPooling2D is 2x2: MaxPooling2D(2) (its stride defaults to the pool "
                "size, so it halves the height and width).", _cnn_pool_3),
        Mistake("pool with stride 1", "MaxPooling2D(2, strides=1) barely shrinks the image: leave the strides out "
                "(they default to the pool size, 2).", _cnn_pool_stride_1),
        Mistake("'valid' instead of 'same' padding", 'The convolutions keep the height and width: '
                'Conv2D(..., padding="same").', _cnn_valid),
        Mistake("forgot the ReLU", 'Each convolution is followed by a ReLU: Conv2D(..., activation="relu").',
                _cnn_no_relu),
        Mistake("forgot the Flatten", "Dense on a 4-D tensor works on the last axis only: add Flatten() before "
                "the softmax layer.", _cnn_no_flatten),
        Mistake("sigmoid instead of softmax", 'The output layer gives class probabilities that sum to 1: '
                'Dense(n_classes, activation="softmax").', _cnn_sigmoid),
    ], rtol=1e-4, atol=1e-6, outcome=_model_outcome),
    # --- w2_2: ResNets
    Exercise("cnn_models.lenet5", W2_1, _lenet5_cases, [
        Mistake("max pooling instead of average pooling", "LeNet-5 predates max pooling: its subsampling layers "
                "average each 2x2 window (AveragePooling2D(2)).", _lenet_max),
        Mistake("ReLU instead of tanh", 'LeNet-5 (1998) uses tanh (and sigmoid): activation="tanh" in the conv '
                "and hidden dense layers.", _lenet_relu),
        Mistake("'same' padding in the convolutions", "LeNet-5's 5x5 convolutions have no padding ('valid'): "
                "the image shrinks 32 -> 28 and 14 -> 10.", _lenet_same),
    ], outcome=_model_outcome),
    Exercise("cnn_models.identity_block", W2_2, _identity_cases, [
        Mistake("forgot the shortcut Add", "The skip connection is the point of the block: "
                "X = Add()([X, X_shortcut]) before the last ReLU.", _id_no_add),
        Mistake("ReLU before the Add", _BN_RELU_ORDER, _id_relu_before_add),
        Mistake("forgot the last BatchNormalization", "Each of the three convolutions is followed by "
                "BatchNormalization, the third one too (before the Add).", _id_no_last_bn),
    ], rtol=1e-4, atol=1e-6, outcome=_block_outcome, mutates=("X",)),
    Exercise("cnn_models.convolutional_block", W2_2, _convolutional_cases, [
        Mistake("shortcut without the 1x1 conv and BN", "In the convolutional block the shortcut is resized: "
                "X_shortcut = Conv2D(F3, 1, strides=s)(X_shortcut), then BatchNormalization, even when the shapes "
                "already match.", _cb_identity_shortcut),
        Mistake("shortcut without BatchNormalization", "The shortcut's 1x1 conv is followed by BatchNormalization "
                "too, like every conv of the main path.", _cb_shortcut_no_bn),
        Mistake("forgot the shortcut Add", "Add the (resized) shortcut to the main path before the last ReLU: "
                "X = Add()([X, X_shortcut]).", _cb_no_add),
        Mistake("ReLU before the Add", _BN_RELU_ORDER, _cb_relu_before_add),
        Mistake("stride on the f x f conv", "The stride s goes on the FIRST 1x1 conv of the main path (and on the "
                "shortcut's conv); the f x f conv keeps strides 1.", _cb_stride_on_b),
    ], rtol=1e-4, atol=1e-6, outcome=_block_outcome, mutates=("X",)),
    # --- w2_3: Inception
    Exercise("cnn_models.inception_module", W2_3, _inception_cases, [
        Mistake("no 1x1 bottleneck", "The 3x3 and 5x5 branches start with a 1x1 convolution to "
                'filters["3x3_reduce"] and filters["5x5_reduce"] channels: that is what makes the module cheap.',
                _inc_no_bottleneck),
        Mistake("pool branch without its 1x1 conv", "After the max pool (which keeps all n_C channels), a 1x1 "
                'convolution to filters["pool_proj"] channels.', _inc_no_pool_proj),
        Mistake("forgot the ReLU", 'Every convolution of the module has activation="relu".', _inc_no_relu),
        Mistake("the max pool shrinks the image", "The branches are stacked, so each must keep n_H x n_W: "
                'MaxPooling2D(3, strides=1, padding="same").', _inc_pool_shrinks),
        Mistake("concatenated on the wrong axis", "The branches are stacked along the channels, the last axis: "
                "Concatenate(axis=-1).", _inc_wrong_axis),
    ], rtol=1e-4, atol=1e-6, outcome=_block_outcome, mutates=("X",)),
]
