"""Convolution and pooling layers from scratch in numpy (Course 4, week 1).

Course 4 stacks examples first, channels last: an activation has shape (m, n_H, n_W, n_C).
The course's contract, kept exactly:

- ``zero_pad(X, pad)``, ``conv_single_step(a_slice_prev, W, b)``
- ``conv_forward(A_prev, W, b, hparameters) -> (Z, cache)`` with ``hparameters = {"stride", "pad"}``
- ``conv_backward(dZ, cache) -> (dA_prev, dW, db)``
- ``pool_forward(A_prev, hparameters, mode="max") -> (A, cache)`` with ``hparameters = {"stride", "f"}``,
  mode "max" or "average"; ``pool_backward(dA, cache, mode="max") -> dA_prev``
- ``create_mask_from_window(x)``, ``distribute_value(dz, shape)``

Naive and fast versions sit side by side, cs231n style: ``conv_forward_naive`` loops over examples,
output pixels and channels exactly as the course writes it; ``conv_forward`` gathers every window at
once with numpy stride tricks (``sliding_window_view``, an im2col without copies) and does one matrix
product. Both take and return the same arguments and caches, so either backward accepts either cache.
In learner mode the loop versions are the exercises: the course's ``conv_forward``, ``conv_backward``,
``pool_forward`` and ``pool_backward`` are the ``*_naive`` functions here, and the rest of the workbook
calls the vectorized ones.

Output sizes follow ``conv_output_size``, the course's floor: n_H = int((n_H_prev - f + 2 * pad) / stride) + 1,
as TensorFlow's and PyTorch's ``VALID`` convolutions and poolings compute it. When the stride does not fit
the (padded) input exactly, the last rows and columns that no window reaches are dropped, and backward gives
them a zero gradient (dA_prev always has the input's full shape). Only what cannot be computed is refused:
a filter larger than the padded input, a stride < 1, a negative pad.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from utils.validation import as_array, check_choice, check_keys

MODES = ("max", "average")
#: The keys of a convolution's and a pooling layer's hparameters: another key (a "pad" given to a pooling
#: layer, which has no padding; a misspelt "strides") is refused, never silently ignored.
CONV_HPARAMETERS = ("stride", "pad")
POOL_HPARAMETERS = ("stride", "f")


# --- sizes and checks -----------------------------------------------------------------------------------

def conv_output_size(n: int, f: int, pad: int = 0, stride: int = 1, exact: bool = False) -> int:
    """Output size of a convolution or pooling window along one axis: floor((n + 2*pad - f) / stride) + 1.

    The floor is the course's formula and what TensorFlow's and PyTorch's ``VALID`` layers compute: when
    stride does not divide n + 2*pad - f, the last (n + 2*pad - f) % stride rows are never reached by a window.
    Inputs:
    - n: input size (height or width), >= 1.
    - f: filter (window) size, >= 1.
    - pad: zero padding on each side, >= 0.
    - stride: step between two windows, >= 1.
    - exact: opt-in strictness (the layers never use it): if True, raise when stride does not divide
      n + 2*pad - f instead of returning the floor.
    Returns: the output size, an int >= 1.
    Raises ValueError when f is larger than the padded input n + 2*pad, for a bad argument, or (exact only)
    when the windows do not fit exactly.
    """
    for value, name, low in ((n, "n", 1), (f, "f", 1), (pad, "pad", 0), (stride, "stride", 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    padded = n + 2 * pad
    if f > padded:
        raise ValueError(f"f must be at most the padded input size n + 2*pad = {n} + 2*{pad} = {padded}: filter size "
                         f"f={f} is larger than the padded input")
    if exact and (padded - f) % stride:
        raise ValueError(f"exact=True: stride={stride} must divide n + 2*pad - f = {n} + 2*{pad} - {f} = {padded - f}; "
                         f"with exact=False the output size is the floor, {(padded - f) // stride + 1}")
    ### BEGIN SOLUTION
    n_out = (n + 2 * pad - f) // stride + 1  # // is the floor of the division, an int
    ### END SOLUTION
    return n_out


def _hparam(hparameters: Mapping[str, Any], key: str, low: int) -> int:
    if not isinstance(hparameters, Mapping) or key not in hparameters:
        raise ValueError(f"hparameters must be a dict with key {key!r}, got {hparameters!r}")
    value = hparameters[key]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"hparameters[{key!r}] must be an integer >= {low}, got {value!r}")
    return int(value)


def _float_dtype(*xs: Any) -> type:
    """float32 when every input already is float32 (the frameworks' precision), float64 otherwise."""
    return np.float32 if all(getattr(x, "dtype", None) == np.float32 for x in xs) else np.float64


def _output_hw(A_prev: np.ndarray, f: int, pad: int, stride: int, f_name: str) -> tuple[int, int]:
    """(n_H, n_W), the floor sizes of a layer on A_prev; refuses an empty input or a window that cannot fit."""
    n_H_prev, n_W_prev = A_prev.shape[1], A_prev.shape[2]
    if n_H_prev < 1 or n_W_prev < 1:
        raise ValueError(f"A_prev must have n_H_prev >= 1 and n_W_prev >= 1, got shape {A_prev.shape}")
    if f > min(n_H_prev, n_W_prev) + 2 * pad:
        raise ValueError(f"{f_name} must be at most the padded input size: f={f} is larger than the padded input, "
                         f"A_prev of shape {A_prev.shape} padded with pad={pad} is "
                         f"{n_H_prev + 2 * pad} x {n_W_prev + 2 * pad}")
    return conv_output_size(n_H_prev, f, pad, stride), conv_output_size(n_W_prev, f, pad, stride)


def _check_conv(A_prev: Any, W: Any, b: Any, hparameters: Mapping[str, Any], dtype: type = np.float64):
    """Validate a convolution's inputs; return (A_prev, W, b, stride, pad, n_H, n_W), arrays of ``dtype``."""
    A_prev = as_array(A_prev, "A_prev", shape=(None, None, None, None), dtype=dtype)
    W = as_array(W, "W", shape=(None, None, None, None), dtype=dtype)
    b = as_array(b, "b", dtype=dtype)
    f, f2, n_C_prev_w, n_C = W.shape
    if f != f2:
        raise ValueError(f"W must hold square filters, shape (f, f, n_C_prev, n_C), got {W.shape}")
    if n_C_prev_w != A_prev.shape[3]:
        raise ValueError(f"wrong channel count: A_prev of shape {A_prev.shape} has n_C_prev = {A_prev.shape[3]} "
                         f"channels but W of shape {W.shape} expects n_C_prev = {n_C_prev_w}")
    if b.shape != (1, 1, 1, n_C):
        raise ValueError(f"b must have shape (1, 1, 1, n_C) = (1, 1, 1, {n_C}), got {b.shape}")
    stride, pad = _hparam(hparameters, "stride", 1), _hparam(hparameters, "pad", 0)
    check_keys(hparameters, "hparameters", allowed=CONV_HPARAMETERS)
    n_H, n_W = _output_hw(A_prev, f, pad, stride, f"W (shape {W.shape}): its filter size")
    return A_prev, W, b, stride, pad, n_H, n_W


def _check_pool(A_prev: Any, hparameters: Mapping[str, Any], mode: str, dtype: type = np.float64):
    """Validate a pooling layer's inputs; return (A_prev, f, stride, n_H, n_W), A_prev of ``dtype``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    A_prev = as_array(A_prev, "A_prev", shape=(None, None, None, None), dtype=dtype)
    f, stride = _hparam(hparameters, "f", 1), _hparam(hparameters, "stride", 1)
    check_keys(hparameters, "hparameters", allowed=POOL_HPARAMETERS)
    n_H, n_W = _output_hw(A_prev, f, 0, stride, "hparameters['f']")
    return A_prev, f, stride, n_H, n_W


def _check_upstream(d: Any, name: str, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
    d = as_array(d, name, dtype=dtype)
    if d.shape != shape:
        raise ValueError(f"{name} must have the shape of the forward output {shape}, got {d.shape}")
    return d


def check_conv_inputs(A_prev: Any, W: Any, b: Any, hparameters: Mapping[str, Any]) -> tuple[np.ndarray, ...]:
    """Validate a convolution's inputs (shapes, channels, a filter that fits); return A_prev, W, b as float arrays."""
    return _check_conv(A_prev, W, b, hparameters)[:3]


def check_conv_backward_inputs(dZ: Any, cache: tuple) -> tuple[np.ndarray, tuple]:
    """Validate conv_backward's inputs; return dZ and the cache (A_prev, W, b, hparameters) as float arrays."""
    A_prev, W, b, hparameters = cache
    A_prev, W, b, _, _, n_H, n_W = _check_conv(A_prev, W, b, hparameters)
    dZ = _check_upstream(dZ, "dZ", (A_prev.shape[0], n_H, n_W, W.shape[3]))
    return dZ, (A_prev, W, b, hparameters)


def check_pool_inputs(A_prev: Any, hparameters: Mapping[str, Any], mode: str) -> np.ndarray:
    """Validate a pooling layer's inputs (mode, shape, a window that fits); return A_prev as floats."""
    return _check_pool(A_prev, hparameters, mode)[0]


def check_pool_backward_inputs(dA: Any, cache: tuple, mode: str) -> tuple[np.ndarray, tuple]:
    """Validate pool_backward's inputs; return dA and the cache (A_prev, hparameters)."""
    A_prev, hparameters = cache
    A_prev, _, _, n_H, n_W = _check_pool(A_prev, hparameters, mode)
    dA = _check_upstream(dA, "dA", (A_prev.shape[0], n_H, n_W, A_prev.shape[3]))
    return dA, (A_prev, hparameters)


# --- the course's building blocks -----------------------------------------------------------------------

def zero_pad(X: Any, pad: int) -> np.ndarray:
    """Pad every image of X with zeros around its height and width.

    Inputs:
    - X: images, shape (m, n_H, n_W, n_C).
    - pad: number of zeros added on each side, an integer >= 0.
    Returns: X_pad of shape (m, n_H + 2*pad, n_W + 2*pad, n_C).
    """
    X = as_array(X, "X", shape=(None, None, None, None))
    if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)) or pad < 0:
        raise ValueError(f"pad must be an integer >= 0, got {pad!r}")
    ### BEGIN SOLUTION
    # one (before, after) pair per axis: (m, n_H, n_W, n_C); only n_H and n_W get zeros
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=(0, 0))
    ### END SOLUTION
    return X_pad


def conv_single_step(a_slice_prev: Any, W: Any, b: Any) -> float:
    """One step of a convolution: the filter W applied to one slice of the previous activation.

    Inputs:
    - a_slice_prev: the window, shape (f, f, n_C_prev).
    - W: one filter, shape (f, f, n_C_prev).
    - b: its bias, shape (1, 1, 1) (any array holding one number).
    Returns: Z, a number (not an array): sum(a_slice_prev * W) + b.
    """
    a_slice_prev = as_array(a_slice_prev, "a_slice_prev", ndim=3)
    W = as_array(W, "W", ndim=3)
    b = as_array(b, "b")
    if a_slice_prev.shape != W.shape:
        raise ValueError(f"a_slice_prev {a_slice_prev.shape} and W {W.shape} must have the same shape (f, f, n_C_prev)")
    if b.size != 1:
        raise ValueError(f"b must hold one number, shape (1, 1, 1), got shape {b.shape}")
    ### BEGIN SOLUTION
    s = a_slice_prev * W  # element-wise product, shape (f, f, n_C_prev)
    Z = np.sum(s)         # sum over the whole volume
    Z = Z + b.item()      # add the bias; b.item() is b as a number, so Z stays a number
    ### END SOLUTION
    return Z


def create_mask_from_window(x: Any) -> np.ndarray:
    """Mask of the maximum of a max-pool window: True where x equals its max (ties: every maximum).

    Inputs: x, an array of shape (f, f). Returns: mask, a boolean array of shape (f, f).
    """
    x = as_array(x, "x", ndim=2)
    ### BEGIN SOLUTION
    mask = x == np.max(x)
    ### END SOLUTION
    return mask


def distribute_value(dz: float, shape: tuple[int, int]) -> np.ndarray:
    """Spread the gradient dz of an average-pool output evenly over its (n_H, n_W) window.

    Inputs: dz, a number; shape, the window size (n_H, n_W). Returns: a, an array of that shape, each
    entry dz / (n_H * n_W).
    """
    if len(shape) != 2 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in shape):
        raise ValueError(f"shape must be (n_H, n_W) with positive integers, got {shape!r}")
    ### BEGIN SOLUTION
    (n_H, n_W) = shape
    average = dz / (n_H * n_W)     # every input of the window counted 1 / (n_H * n_W)
    a = np.ones(shape) * average
    ### END SOLUTION
    return a


# --- naive loop versions (the course's code) ------------------------------------------------------------

def conv_forward_naive(A_prev: Any, W: Any, b: Any, hparameters: Mapping[str, Any]) -> tuple[np.ndarray, tuple]:
    """Forward pass of a convolution layer, with four nested loops as in the course (the course's
    ``conv_forward``; the vectorized ``conv_forward`` below computes the same, faster).

    Inputs:
    - A_prev: activations of the previous layer, shape (m, n_H_prev, n_W_prev, n_C_prev).
    - W: filters, shape (f, f, n_C_prev, n_C).
    - b: biases, shape (1, 1, 1, n_C).
    - hparameters: {"stride": s, "pad": p}.
    Returns:
    - Z: shape (m, n_H, n_W, n_C) with n_H = floor((n_H_prev + 2p - f) / s) + 1 (same for n_W).
    - cache: (A_prev, W, b, hparameters) for conv_backward.
    """
    A_prev, W, b = check_conv_inputs(A_prev, W, b, hparameters)
    ### BEGIN SOLUTION
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):                          # loop over the examples
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):                    # over the output rows
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):                # over the output columns
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):            # over the filters (output channels)
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    ### END SOLUTION
    cache = (A_prev, W, b, dict(hparameters))
    return Z, cache


def conv_backward_naive(dZ: Any, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a convolution layer, with the course's loops (the course's ``conv_backward``).

    Inputs:
    - dZ: gradient of the cost with respect to Z, shape (m, n_H, n_W, n_C).
    - cache: (A_prev, W, b, hparameters) from conv_forward or conv_forward_naive.
    Returns:
    - dA_prev: shape (m, n_H_prev, n_W_prev, n_C_prev); dW: shape (f, f, n_C_prev, n_C);
      db: shape (1, 1, 1, n_C).
    """
    dZ, (A_prev, W, b, hparameters) = check_conv_backward_inputs(dZ, cache)
    ### BEGIN SOLUTION
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    # every window that saw an input sends gradient back to it: accumulate with +=
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        # drop the padding (pad:pad + n_H_prev rather than pad:-pad, which is empty when pad = 0)
        dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    ### END SOLUTION
    return dA_prev, dW, db


def pool_forward_naive(A_prev: Any, hparameters: Mapping[str, Any], mode: str = "max") -> tuple[np.ndarray, tuple]:
    """Forward pass of a pooling layer (no padding), with the course's loops (the course's ``pool_forward``).

    Inputs:
    - A_prev: shape (m, n_H_prev, n_W_prev, n_C).
    - hparameters: {"f": window size, "stride": s}.
    - mode: "max" or "average".
    Returns:
    - A: shape (m, n_H, n_W, n_C) with n_H = floor((n_H_prev - f) / s) + 1 (same for n_W).
    - cache: (A_prev, hparameters) for pool_backward.
    """
    A_prev = check_pool_inputs(A_prev, hparameters, mode)
    ### BEGIN SOLUTION
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    n_C = n_C_prev
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):            # pooling works on each channel separately
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)
    ### END SOLUTION
    cache = (A_prev, dict(hparameters))
    return A, cache


def pool_backward_naive(dA: Any, cache: tuple, mode: str = "max") -> np.ndarray:
    """Backward pass of a pooling layer, with the course's loops (the course's ``pool_backward``).

    Max: the gradient goes to the window's maximum (create_mask_from_window); average: it is spread
    evenly over the window (distribute_value).
    Inputs:
    - dA: gradient with respect to the pooling output, shape (m, n_H, n_W, n_C).
    - cache: (A_prev, hparameters) from pool_forward or pool_forward_naive.
    - mode: "max" or "average".
    Returns: dA_prev, shape (m, n_H_prev, n_W_prev, n_C).
    """
    dA, (A_prev, hparameters) = check_pool_backward_inputs(dA, cache, mode)
    ### BEGIN SOLUTION
    stride = hparameters["stride"]
    f = hparameters["f"]
    (m, n_H, n_W, n_C) = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = vert_start + f
                    horiz_start = w * stride
                    horiz_end = horiz_start + f
                    # windows can overlap: accumulate with +=
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    elif mode == "average":
                        da = dA[i, h, w, c]
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))
    ### END SOLUTION
    return dA_prev


# --- fast vectorized versions (stride tricks / im2col) --------------------------------------------------

def _windows(X: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """Every f x f window of X (m, H, W, C) as a read-only view of shape (m, n_H, n_W, f, f, C).

    Channels stay last (innermost), as in X: copying the windows (im2col) then moves contiguous runs.
    """
    view = np.lib.stride_tricks.sliding_window_view(X, (f, f), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3)
    return view[:, : (n_H - 1) * stride + 1: stride, : (n_W - 1) * stride + 1: stride]


def _scatter_windows(d_windows: np.ndarray, out_shape: tuple[int, ...], stride: int) -> np.ndarray:
    """The adjoint of ``_windows`` (col2im): add d_windows (m, n_H, n_W, f, f, C) back into an array of out_shape."""
    m, n_H, n_W, f, _, _ = d_windows.shape
    out = np.zeros(out_shape, dtype=d_windows.dtype)
    for di in range(f):  # f*f vectorized adds instead of m*n_H*n_W*n_C small ones
        for dj in range(f):
            out[:, di: di + (n_H - 1) * stride + 1: stride, dj: dj + (n_W - 1) * stride + 1: stride, :] += \
                d_windows[:, :, :, di, dj, :]
    return out


def _col2im_product(dZ_col: np.ndarray, W: np.ndarray, out_shape: tuple[int, ...], stride: int, n_H: int,
                    n_W: int) -> np.ndarray:
    """col2im of d_cols = dZ_col @ W_col.T (the gradient of every window), one filter tap (di, dj) at a time.

    The product dZ_col (m*n_H*n_W, n_C) @ W_col.T (n_C, f*f*n_C_prev) is done in its f*f column blocks,
    block (di, dj) = dZ_col @ W[di, dj].T, and each block is added into its shifted, strided place at once:
    the same sums as ``_scatter_windows`` on the whole d_cols, through one contiguous buffer of
    m*n_H*n_W x n_C_prev. The whole d_cols (19 MB in float64 for a 16 x 32 x 32 x 16 input and 3 x 3 filters),
    alive next to the im2col columns of the same size, was a fresh allocation on every call: its first-touch
    page faults, and the strided reads back out of it, not the matrix products, were most of float64's extra
    time in the backward pass (measured with one BLAS thread, the workbook's setting: utils.notebook.setup).
    """
    f, _, n_C_prev, _ = W.shape
    m = out_shape[0]
    out = np.zeros(out_shape, dtype=dZ_col.dtype)
    buf = np.empty((dZ_col.shape[0], n_C_prev), dtype=dZ_col.dtype)
    row_end, col_end = (n_H - 1) * stride + 1, (n_W - 1) * stride + 1
    for di in range(f):
        for dj in range(f):
            np.matmul(dZ_col, W[di, dj].T, out=buf)                      # d_cols[:, di, dj, :]
            out[:, di: di + row_end: stride, dj: dj + col_end: stride, :] += buf.reshape(m, n_H, n_W, n_C_prev)
    return out


def _tiles(X: np.ndarray, f: int, n_H: int, n_W: int) -> np.ndarray:
    """Non-overlapping f x f windows (stride f) of X (m, H, W, C): (m, n_H, f, n_W, f, C).

    A reshape of X (no copy) when they tile X exactly; otherwise of X without the last rows and columns that
    no window reaches (the floor).
    """
    m, _, _, C = X.shape
    return X[:, : n_H * f, : n_W * f].reshape(m, n_H, f, n_W, f, C)


def _pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Zero padding of height and width, keeping X's dtype (no copy when pad is 0)."""
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0))) if pad else X


def conv_forward(A_prev: Any, W: Any, b: Any, hparameters: Mapping[str, Any]) -> tuple[np.ndarray, tuple]:
    """Forward pass of a convolution layer, vectorized: all windows at once, one matrix product (im2col).

    Same contract as conv_forward_naive. Inputs:
    - A_prev: shape (m, n_H_prev, n_W_prev, n_C_prev); W: (f, f, n_C_prev, n_C); b: (1, 1, 1, n_C);
      hparameters: {"stride": s, "pad": p}.
    Returns: Z of shape (m, n_H, n_W, n_C) and cache (A_prev, W, b, hparameters).
    """
    A_prev, W, b, stride, pad, n_H, n_W = _check_conv(A_prev, W, b, hparameters, _float_dtype(A_prev, W, b))
    m, f, n_C_prev, n_C = A_prev.shape[0], W.shape[0], W.shape[2], W.shape[3]
    cols = _windows(_pad(A_prev, pad), f, stride, n_H, n_W)              # (m, n_H, n_W, f, f, C_prev)
    cols = cols.reshape(m * n_H * n_W, f * f * n_C_prev)                  # im2col (copies once)
    Z = (cols @ W.reshape(f * f * n_C_prev, n_C)).reshape(m, n_H, n_W, n_C)  # W is (f, f, C_prev) first too
    Z += b  # in place: no second output-sized array
    return Z, (A_prev, W, b, dict(hparameters))


def conv_backward(dZ: Any, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a convolution layer, vectorized (im2col transposed, then col2im).

    Inputs: dZ of shape (m, n_H, n_W, n_C); cache (A_prev, W, b, hparameters) from either forward.
    Returns: dA_prev (m, n_H_prev, n_W_prev, n_C_prev), dW (f, f, n_C_prev, n_C), db (1, 1, 1, n_C).
    """
    A_prev, W, b, hparameters = cache
    dtype = _float_dtype(dZ, A_prev, W, b)
    A_prev, W, b, stride, pad, n_H, n_W = _check_conv(A_prev, W, b, hparameters, dtype)
    m, f, n_C_prev, n_C = A_prev.shape[0], W.shape[0], W.shape[2], W.shape[3]
    dZ = _check_upstream(dZ, "dZ", (m, n_H, n_W, n_C), dtype)
    A_prev_pad = _pad(A_prev, pad)
    cols = _windows(A_prev_pad, f, stride, n_H, n_W).reshape(m * n_H * n_W, f * f * n_C_prev)
    dZ_col = dZ.reshape(m * n_H * n_W, n_C)
    db = dZ_col.sum(axis=0).reshape(1, 1, 1, n_C)
    dW = (cols.T @ dZ_col).reshape(f, f, n_C_prev, n_C)
    dA_prev_pad = _col2im_product(dZ_col, W, A_prev_pad.shape, stride, n_H, n_W)
    dA_prev = dA_prev_pad[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :]
    return dA_prev, dW, db


def pool_forward(A_prev: Any, hparameters: Mapping[str, Any], mode: str = "max") -> tuple[np.ndarray, tuple]:
    """Forward pass of a pooling layer, vectorized with a strided view of all windows.

    Same contract as pool_forward_naive: A_prev (m, n_H_prev, n_W_prev, n_C), hparameters {"f", "stride"},
    mode "max" or "average". Returns A (m, n_H, n_W, n_C) and cache (A_prev, hparameters).
    """
    A_prev, f, stride, n_H, n_W = _check_pool(A_prev, hparameters, mode, _float_dtype(A_prev))
    if stride == f:  # windows side by side, no overlap: a reshape, no strided view
        win, axes = _tiles(A_prev, f, n_H, n_W), (2, 4)                      # (m, n_H, f, n_W, f, C)
    else:
        win, axes = _windows(A_prev, f, stride, n_H, n_W), (3, 4)            # (m, n_H, n_W, f, f, C)
    A = win.max(axis=axes) if mode == "max" else win.mean(axis=axes)
    return A, (A_prev, dict(hparameters))


def pool_backward(dA: Any, cache: tuple, mode: str = "max") -> np.ndarray:
    """Backward pass of a pooling layer, vectorized (same rule as pool_backward_naive, ties included).

    Inputs: dA (m, n_H, n_W, n_C); cache (A_prev, hparameters) from either forward; mode "max" or "average".
    Returns: dA_prev, shape (m, n_H_prev, n_W_prev, n_C).
    """
    A_prev, hparameters = cache
    dtype = _float_dtype(dA, A_prev)
    A_prev, f, stride, n_H, n_W = _check_pool(A_prev, hparameters, mode, dtype)
    m, n_C = A_prev.shape[0], A_prev.shape[3]
    dA = _check_upstream(dA, "dA", (m, n_H, n_W, n_C), dtype)
    if stride == f:  # windows side by side, no overlap: the gradient is a reshape, no scatter
        win, d_out = _tiles(A_prev, f, n_H, n_W), dA[:, :, None, :, None, :]
        d_win = (win == win.max(axis=(2, 4), keepdims=True)) * d_out if mode == "max" else \
            np.broadcast_to(d_out / (f * f), win.shape)
        d_win = np.ascontiguousarray(d_win, dtype=dtype).reshape(m, n_H * f, n_W * f, n_C)
        if d_win.shape == A_prev.shape:
            return d_win
        dA_prev = np.zeros(A_prev.shape, dtype=dtype)  # rows and columns no window reaches get no gradient
        dA_prev[:, : n_H * f, : n_W * f] = d_win
        return dA_prev
    win = _windows(A_prev, f, stride, n_H, n_W)                              # (m, n_H, n_W, f, f, C)
    d_out = dA[:, :, :, None, None, :]
    if mode == "max":
        d_win = (win == win.max(axis=(3, 4), keepdims=True)) * d_out
    else:
        d_win = np.broadcast_to(d_out / (f * f), win.shape)
    return _scatter_windows(d_win, A_prev.shape, stride)


# --- references and demos -------------------------------------------------------------------------------

def conv_forward_tf(A_prev: Any, W: Any, b: Any, hparameters: Mapping[str, Any]) -> np.ndarray:
    """The same convolution computed by TensorFlow (explicit zero padding, then ``tf.nn.conv2d`` VALID).

    Inputs as conv_forward. Returns Z of shape (m, n_H, n_W, n_C) as float64 numpy.
    """
    A_prev, W, b, stride, pad, _, _ = _check_conv(A_prev, W, b, hparameters)
    import tensorflow as tf
    Z = tf.nn.conv2d(tf.constant(zero_pad(A_prev, pad)), tf.constant(W), strides=stride, padding="VALID") + b
    return np.asarray(Z, dtype=np.float64)


def pool_forward_tf(A_prev: Any, hparameters: Mapping[str, Any], mode: str = "max") -> np.ndarray:
    """The same pooling computed by TensorFlow (``tf.nn.max_pool2d`` or ``tf.nn.avg_pool2d``, VALID)."""
    A_prev, f, stride, _, _ = _check_pool(A_prev, hparameters, mode)
    import tensorflow as tf
    op = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    return np.asarray(op(tf.constant(A_prev), ksize=f, strides=stride, padding="VALID"), dtype=np.float64)


#: Hand-made 3x3 edge filters from the lecture (vertical, horizontal) and the Sobel pair.
EDGE_FILTERS: dict[str, np.ndarray] = {
    "vertical": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float64),
    "horizontal": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], dtype=np.float64),
    "sobel vertical": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64),
    "sobel horizontal": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float64),
}


def detect_edges(image: Any, kind: str = "vertical") -> np.ndarray:
    """Convolve a grayscale image with one of ``EDGE_FILTERS`` using conv_forward (stride 1, pad 1).

    Inputs: image of shape (H, W) (or (H, W, 3): converted to gray by averaging); kind, a key of EDGE_FILTERS.
    Returns: the filter response, shape (H, W) (positive: light-to-dark edge, negative: dark-to-light).
    """
    check_choice(kind, "kind", EDGE_FILTERS, "an edge filter")
    img = as_array(image, "image")
    if img.ndim == 3 and img.shape[-1] in (3, 4):
        img = img[..., :3].mean(axis=-1)
    if img.ndim != 2:
        raise ValueError(f"image must have shape (H, W) or (H, W, 3), got {np.shape(image)}")
    W = EDGE_FILTERS[kind].reshape(3, 3, 1, 1)
    Z, _ = conv_forward(img[None, :, :, None], W, np.zeros((1, 1, 1, 1)), {"stride": 1, "pad": 1})
    return Z[0, :, :, 0]


def draw_sliding_window(ax, image: np.ndarray, f: int, pad: int, stride: int, step: int = 0) -> str:
    """Draw a grayscale image with its zero padding, the filter window at output position ``step``
    (row-major), and the corners of every window; return a one-line summary of the output size.

    Inputs: ax, a matplotlib axes; image (n_H, n_W); f, pad, stride as in conv_output_size (floor allowed:
    uncovered rows and columns are shaded red); step, the flat index of the output pixel to show.
    """
    from matplotlib.patches import Rectangle

    img = as_array(image, "image", ndim=2)
    n_H, n_W = img.shape
    out_H = conv_output_size(n_H, f, pad, stride, exact=False)
    out_W = conv_output_size(n_W, f, pad, stride, exact=False)
    padded = np.pad(img, pad, constant_values=0)
    ax.imshow(padded, cmap="gray", extent=(-0.5, padded.shape[1] - 0.5, padded.shape[0] - 0.5, -0.5))
    if pad:
        ax.add_patch(Rectangle((pad - 0.5, pad - 0.5), n_W, n_H, fill=False, ec="#1f77b4", lw=1, ls="--"))
    used_H, used_W = (out_H - 1) * stride + f, (out_W - 1) * stride + f
    if used_H < padded.shape[0]:
        ax.axhspan(used_H - 0.5, padded.shape[0] - 0.5, color="#d62728", alpha=0.3)
    if used_W < padded.shape[1]:
        ax.axvspan(used_W - 0.5, padded.shape[1] - 0.5, color="#d62728", alpha=0.3)
    step = int(step) % (out_H * out_W)
    h, w = divmod(step, out_W)
    ax.add_patch(Rectangle((w * stride - 0.5, h * stride - 0.5), f, f, fill=False, ec="#ff7f0e", lw=2.5))
    ys, xs = np.meshgrid(np.arange(out_H) * stride, np.arange(out_W) * stride, indexing="ij")
    ax.scatter(xs.ravel() - 0.5, ys.ravel() - 0.5, s=4, c="#ff7f0e")
    ax.set(title=f"{f}x{f} window, pad {pad}, stride {stride}: output {out_H} x {out_W}",
           xlabel="column (padded input)", ylabel="row (padded input)")
    ax.grid(False)
    exact = (n_H + 2 * pad - f) % stride == 0 and (n_W + 2 * pad - f) % stride == 0
    return (f"n_H: floor(({n_H} + 2*{pad} - {f}) / {stride}) + 1 = {out_H};  n_W: floor(({n_W} + 2*{pad} - {f}) / "
            f"{stride}) + 1 = {out_W}" + ("" if exact else "  (not exact: the red rows/columns are never covered)"))
