"""From-scratch numpy against TensorFlow and PyTorch, loop against vectorized: ratios from one run."""

from __future__ import annotations

import numpy as np

from bench.timing import median_time


def _frameworks():
    from utils.notebook import silence_tensorflow

    silence_tensorflow()
    import tensorflow as tf
    import torch

    return tf, torch


def loop_vs_vectorized() -> dict:
    """Course 1: logistic regression's propagate as Python loops and as numpy, on the face data."""
    from utils.data import load_faces
    from utils.logistic import initialize_with_zeros, propagate, propagate_loop

    train_x, train_y, *_ = load_faces()
    X = train_x.reshape(train_x.shape[0], -1).T
    w, b = initialize_with_zeros(X.shape[0])
    w = w + 0.01
    loop = median_time(lambda: propagate_loop(w, b, X, train_y), repeat=3)
    vec = median_time(lambda: propagate(w, b, X, train_y), repeat=15, min_time=0.01)
    return {"shape": f"X {X.shape}", "loop_s": loop, "vectorized_s": vec, "speedup": loop / vec}


def deep_training_step() -> dict:
    """One gradient step of the course's [12288, 20, 7, 5, 1] network on 209 examples: numpy vs Keras vs torch."""
    tf, torch = _frameworks()
    import keras

    from utils.deep_nn import L_model_backward, L_model_forward, initialize_parameters_deep, update_parameters

    dims, m = [12288, 20, 7, 5, 1], 209
    rng = np.random.default_rng(0)
    X = rng.random((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(np.float64)
    params = initialize_parameters_deep(dims)

    def numpy_step():
        AL, caches = L_model_forward(X, params)
        grads = L_model_backward(AL, Y, caches)
        update_parameters(params, grads, 0.0075)

    numpy_s = median_time(numpy_step, repeat=15)

    model = keras.Sequential([keras.Input((dims[0],))] + [keras.layers.Dense(n, activation="relu") for n in dims[1:-1]]
                             + [keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.0075), loss="binary_crossentropy")
    Xk, Yk = X.T.astype(np.float32), Y.T.astype(np.float32)
    keras_s = median_time(lambda: model.train_on_batch(Xk, Yk), repeat=15, warmup=3)

    torch.manual_seed(0)
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1], torch.nn.Sigmoid())
    opt = torch.optim.SGD(net.parameters(), lr=0.0075)
    Xt, Yt = torch.from_numpy(Xk), torch.from_numpy(Yk)
    loss_fn = torch.nn.BCELoss()

    def torch_step():
        opt.zero_grad()
        loss_fn(net(Xt), Yt).backward()
        opt.step()

    torch_s = median_time(torch_step, repeat=15, warmup=3)
    flops = 6 * m * sum(a * b for a, b in zip(dims[:-1], dims[1:]))  # forward 2mn, backward 4mn
    return {"numpy_float64_s": numpy_s, "keras_float32_s": keras_s, "torch_float32_s": torch_s,
            "numpy_over_keras": numpy_s / keras_s, "numpy_over_torch": numpy_s / torch_s,
            "numpy_gflops": flops / numpy_s / 1e9}


def conv_and_pool() -> dict:
    """Conv forward+backward and max-pool forward+backward: numpy naive, numpy vectorized, TF, torch."""
    tf, torch = _frameworks()
    from utils.conv import (conv_backward, conv_backward_naive, conv_forward, conv_forward_naive, pool_backward,
                            pool_forward)

    rng = np.random.default_rng(0)
    out: dict = {}
    # naive vs vectorized on a shape the naive loops finish quickly
    A_s, W_s, b_s = rng.standard_normal((2, 12, 12, 4)), rng.standard_normal((3, 3, 4, 8)), rng.standard_normal((1, 1, 1, 8))
    hp = {"stride": 1, "pad": 1}

    def naive():
        Z, cache = conv_forward_naive(A_s, W_s, b_s, hp)
        conv_backward_naive(np.ones_like(Z), cache)

    def vect_small():
        Z, cache = conv_forward(A_s, W_s, b_s, hp)
        conv_backward(np.ones_like(Z), cache)

    out["naive_s"] = median_time(naive, repeat=3)
    out["vectorized_small_s"] = median_time(vect_small, repeat=15, min_time=0.01)
    out["naive_over_vectorized"] = out["naive_s"] / out["vectorized_small_s"]
    out["small_shape"] = "A (2, 12, 12, 4), W (3, 3, 4, 8), stride 1, pad 1"

    # vectorized numpy vs frameworks on a CNN-sized layer, float32 everywhere
    A = rng.standard_normal((16, 32, 32, 16)).astype(np.float32)
    W = rng.standard_normal((3, 3, 16, 32)).astype(np.float32)
    b = rng.standard_normal((1, 1, 1, 32)).astype(np.float32)
    out["shape"] = "A (16, 32, 32, 16), W (3, 3, 16, 32), stride 1, pad 1, float32"

    def numpy_conv():
        Z, cache = conv_forward(A, W, b, hp)
        conv_backward(np.ones_like(Z), cache)

    At, Wt, bt = tf.constant(A), tf.Variable(W), tf.Variable(b.reshape(-1))

    @tf.function
    def tf_conv(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            z = tf.nn.conv2d(x, Wt, strides=1, padding="SAME") + bt
            s = tf.reduce_sum(z)
        return tape.gradient(s, [x, Wt, bt])

    Ap = torch.tensor(A.transpose(0, 3, 1, 2), requires_grad=True)
    Wp = torch.tensor(W.transpose(3, 2, 0, 1), requires_grad=True)
    bp = torch.tensor(b.reshape(-1), requires_grad=True)

    def torch_conv():
        z = torch.nn.functional.conv2d(Ap, Wp, bp, padding=1)
        z.sum().backward()

    out["numpy_s"] = median_time(numpy_conv, repeat=7)
    out["tf_s"] = median_time(lambda: tf_conv(At), repeat=7, warmup=2)
    out["torch_s"] = median_time(torch_conv, repeat=7, warmup=2)
    out["numpy_over_tf"] = out["numpy_s"] / out["tf_s"]
    out["numpy_over_fastest"] = out["numpy_s"] / min(out["tf_s"], out["torch_s"])

    hpp = {"stride": 2, "f": 2}

    def numpy_pool():
        P, cache = pool_forward(A, hpp, mode="max")
        pool_backward(np.ones_like(P), cache, mode="max")

    @tf.function
    def tf_pool(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            s = tf.reduce_sum(tf.nn.max_pool2d(x, 2, 2, "VALID"))
        return tape.gradient(s, x)

    Ap2 = torch.tensor(A.transpose(0, 3, 1, 2), requires_grad=True)

    def torch_pool():
        torch.nn.functional.max_pool2d(Ap2, 2, 2).sum().backward()

    out["pool_numpy_s"] = median_time(numpy_pool, repeat=7)
    out["pool_tf_s"] = median_time(lambda: tf_pool(At), repeat=7, warmup=2)
    out["pool_torch_s"] = median_time(torch_pool, repeat=7, warmup=2)
    out["pool_numpy_over_tf"] = out["pool_numpy_s"] / out["pool_tf_s"]
    return out


def _paired_medians(fns: dict, repeat: int = 9, warmup: int = 2) -> tuple[dict, dict]:
    """Median wall-clock and median CPU seconds (all threads of this process) of each function, their runs
    interleaved (a, b, a, b, ...) so that on a shared machine a burst of load slows every contender alike.

    The CPU time is the work done whatever the load: on a busy machine a multi-threaded BLAS call waits for
    its threads and the wall-clock ratios swing, the CPU-time ratios much less.
    """
    import statistics
    import time

    for fn in fns.values():
        for _ in range(warmup):
            fn()
    wall: dict = {k: [] for k in fns}
    cpu: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[k].append(time.perf_counter() - start)
            cpu[k].append(time.process_time() - start_cpu)
    return ({k: statistics.median(v) for k, v in wall.items()}, {k: statistics.median(v) for k, v in cpu.items()})


#: The layers of the dtype comparison: (name, A_prev shape, W shape, stride, pad). The second one's
#: n_H_prev - f = 23 is not a multiple of the stride: the floor drops the last row and column.
CONV_DTYPE_LAYERS = [("stride 1, 'same'", (16, 32, 32, 16), (3, 3, 16, 32), 1, 1),
                     ("stride 2, non-divisible", (16, 28, 28, 16), (5, 5, 16, 32), 2, 0)]


def conv_dtypes(repeat: int = 9, blas_threads: int | None = 1) -> dict:
    """Vectorized conv forward+backward in float64 (the course's dtype) and float32 against eager
    ``tf.nn.conv2d`` float32 forward+backward (GradientTape), same inputs, timings interleaved in one run.

    numpy runs as in the workbook's notebooks: ``utils.notebook.setup()`` limits its BLAS to
    ``blas_threads`` = 1 thread (None: BLAS's default); TensorFlow keeps its own default thread pool.
    """
    from threadpoolctl import threadpool_limits

    tf, _ = _frameworks()
    from utils.conv import conv_backward, conv_forward

    rng = np.random.default_rng(0)
    rows = []
    for name, a_shape, w_shape, stride, pad in CONV_DTYPE_LAYERS:
        A = rng.standard_normal(a_shape)
        W = rng.standard_normal(w_shape)
        b = rng.standard_normal((1, 1, 1, w_shape[3]))
        hp = {"stride": stride, "pad": pad}
        padding = "SAME" if pad == (w_shape[0] - 1) // 2 and stride == 1 else "VALID"
        if padding == "VALID" and pad:
            raise ValueError(f"layer {name!r}: only pad 0 (VALID) or stride-1 'same' layers are compared")
        At = tf.constant(A.astype(np.float32))
        Wt, bt = tf.Variable(W.astype(np.float32)), tf.Variable(b.reshape(-1).astype(np.float32))

        def tf_eager():
            with tf.GradientTape() as tape:
                tape.watch(At)
                s = tf.reduce_sum(tf.nn.conv2d(At, Wt, strides=stride, padding=padding) + bt)
            return [g.numpy() for g in tape.gradient(s, [At, Wt, bt])]

        fns = {"tf_float32_s": tf_eager}
        for dtype in (np.float64, np.float32):
            Ad, Wd, bd = A.astype(dtype), W.astype(dtype), b.astype(dtype)
            dZ = np.ones_like(conv_forward(Ad, Wd, bd, hp)[0])

            def numpy_fb(Ad=Ad, Wd=Wd, bd=bd, dZ=dZ):
                _, cache = conv_forward(Ad, Wd, bd, hp)
                return conv_backward(dZ, cache)

            fns[f"numpy_{np.dtype(dtype).name}_s"] = numpy_fb
        with threadpool_limits(blas_threads, user_api="blas"):
            t, cpu = _paired_medians(fns, repeat=repeat)
        rows.append({"layer": name, "shape": f"A {a_shape}, W {w_shape}, stride {stride}, pad {pad}", **t,
                     "float64_over_tf": t["numpy_float64_s"] / t["tf_float32_s"],
                     "float32_over_tf": t["numpy_float32_s"] / t["tf_float32_s"],
                     "cpu_float64_over_tf": cpu["numpy_float64_s"] / cpu["tf_float32_s"],
                     "cpu_float32_over_tf": cpu["numpy_float32_s"] / cpu["tf_float32_s"]})
    return {"layers": rows, "blas_threads": blas_threads}


def matmul_ceiling() -> dict:
    """This machine's numpy matmul GFLOP/s (float64 and float32, 1024 x 1024): the practical ceiling."""
    rng = np.random.default_rng(0)
    res = {}
    for dtype in (np.float64, np.float32):
        a = rng.standard_normal((1024, 1024)).astype(dtype)
        t = median_time(lambda: a @ a, repeat=7, warmup=2)
        res[f"matmul_gflops_{np.dtype(dtype).name}"] = 2 * 1024 ** 3 / t / 1e9
    return res


def run_all(progress=print) -> dict:
    results = {}
    for name, fn in [("loop_vs_vectorized", loop_vs_vectorized), ("matmul", matmul_ceiling),
                     ("deep_training_step", deep_training_step), ("conv_and_pool", conv_and_pool),
                     ("conv_dtypes", conv_dtypes)]:
        progress(f"kernels: {name} ...")
        results[name] = fn()
    return results
