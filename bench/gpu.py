"""``make bench-gpu`` (``python -m bench --gpu``): the heavy notebooks' training and the conv kernels on a GPU.

Within ``BUDGET_S`` (10 minutes): the conv forward + backward of ``bench.kernels.conv_and_pool`` on the GPU
(TensorFlow on ``/GPU:0``, PyTorch on ``cuda``), then each heavy notebook top to bottom in a fresh kernel,
where ``utils.training.scale_for_device`` picks the GPU settings by itself. A notebook that would start
with under ``MIN_START_S`` left is listed as skipped. The run goes to ``bench/results/results-gpu.json`` and
the "On a GPU" section of BENCHMARKS.md is rewritten beside the last CPU run's figures; the rest of the file
is left as the CPU run wrote it. Without a GPU nothing is measured or written, and the exit status is 2.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

BUDGET_S = 600
MIN_START_S = 60
EXIT_NO_GPU = 2


def has_gpu(tag: dict) -> bool:
    """Whether ``bench.machine.machine_tag()`` saw a GPU through TensorFlow, which the heavy notebooks train with."""
    return bool(tag.get("gpus"))


def no_gpu_message(tag: dict) -> str:
    """What to say, and do, on a machine without a GPU (or with one that only PyTorch sees)."""
    if tag.get("torch_cuda"):
        return (f"make bench-gpu: PyTorch sees {tag['torch_cuda']} but TensorFlow lists no GPU, so the heavy "
                "notebooks would train on the CPU; nothing was measured and BENCHMARKS.md is unchanged. Install "
                "TensorFlow's GPU build (`make setup TF_EXTRA=gpu`) and run it again.")
    return ("make bench-gpu: no GPU here (TensorFlow lists no GPU and torch.cuda.is_available() is False on "
            f"{tag.get('cpu', 'this machine')}), so nothing was measured and BENCHMARKS.md is unchanged. Run it on "
            "a machine with an NVIDIA GPU and its driver (`nvidia-smi` works), where `make` installs "
            "tensorflow[and-cuda]; `make bench` measures this CPU.")


def heavy_notebooks(root: Path) -> list[Path]:
    """The notebooks ``make bench`` counts as heavy (they train CNNs), in reading order."""
    from bench.notebooks import is_heavy
    from utils.notebook import notebook_paths

    return [p for p in notebook_paths(root) if is_heavy(p.read_text())]


def conv_on_gpu(repeat: int = 20) -> dict:
    """Conv forward + backward on the GPU, the shape of ``bench.kernels.conv_and_pool``: TF and torch seconds."""
    import numpy as np

    from bench.kernels import _frameworks
    from bench.timing import median_time

    tf, torch = _frameworks()
    rng = np.random.default_rng(0)
    A = rng.standard_normal((16, 32, 32, 16)).astype(np.float32)
    W = rng.standard_normal((3, 3, 16, 32)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    out = {"shape": "A (16, 32, 32, 16), W (3, 3, 16, 32), stride 1, pad 1, float32"}
    if tf.config.list_physical_devices("GPU"):
        with tf.device("/GPU:0"):
            At, Wt, bt = tf.constant(A), tf.Variable(W), tf.Variable(b)

            @tf.function
            def tf_conv(x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    s = tf.reduce_sum(tf.nn.conv2d(x, Wt, strides=1, padding="SAME") + bt)
                return tape.gradient(s, [x, Wt, bt])

            out["tf_gpu_s"] = median_time(lambda: [g.numpy() for g in tf_conv(At)], repeat=repeat, warmup=3)
    if torch.cuda.is_available():
        dev = torch.device("cuda")
        Ap = torch.tensor(A.transpose(0, 3, 1, 2), device=dev, requires_grad=True)
        Wp = torch.tensor(W.transpose(3, 2, 0, 1), device=dev, requires_grad=True)
        bp = torch.tensor(b, device=dev, requires_grad=True)

        def torch_conv():
            torch.nn.functional.conv2d(Ap, Wp, bp, padding=1).sum().backward()
            torch.cuda.synchronize()

        out["torch_gpu_s"] = median_time(torch_conv, repeat=repeat, warmup=3)
    return out


def _replicas() -> int:
    """How many replicas ``utils.device.get_strategy`` mirrors over here (one per GPU TensorFlow sees)."""
    import tensorflow as tf

    return max(1, len(tf.config.list_physical_devices("GPU")))


def run(root: Path, tag: dict, budget_s: float = BUDGET_S, progress=print) -> dict:
    """Measure the GPU kernels and the heavy notebooks within ``budget_s``; return the run's record."""
    from bench.notebooks import run_notebook

    start = time.perf_counter()
    gpu_run: dict = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": tag,
                     "bench_gpu": True, "budget_s": budget_s, "replicas": _replicas(), "notebooks": [], "skipped": []}
    progress("bench-gpu: conv kernels on the GPU ...")
    gpu_run["kernels_gpu"] = conv_on_gpu()
    with tempfile.TemporaryDirectory() as tmp:
        for path in heavy_notebooks(root):
            left = budget_s - (time.perf_counter() - start)
            rel = path.relative_to(root).as_posix()
            if left < MIN_START_S:
                gpu_run["skipped"].append(rel)
                continue
            progress(f"bench-gpu: {rel} ...")
            record = run_notebook(path, root, Path(tmp) / "results.jsonl", timeout=int(left))
            record["replicas"] = gpu_run["replicas"]
            gpu_run["notebooks"].append(record)
    gpu_run["seconds"] = time.perf_counter() - start
    return gpu_run


def main(root: Path, tag: dict | None = None) -> int:
    """``python -m bench --gpu``: exit 2 without a GPU; else measure and rewrite BENCHMARKS.md's GPU section."""
    import json

    from bench import report
    from bench.machine import machine_tag

    tag = machine_tag() if tag is None else tag
    if not has_gpu(tag):
        print(no_gpu_message(tag), file=sys.stderr)
        return EXIT_NO_GPU
    gpu_run = run(root, tag)
    results = root / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "results-gpu.json").write_text(json.dumps(gpu_run, indent=1, default=float))
    print(f"wrote {report.write_gpu_section(root)}")
    return 0
