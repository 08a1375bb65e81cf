"""Write BENCHMARKS.md, two figures and the raw JSON from one benchmark run."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np

LIGHT_S, HEAVY_S, TOTAL_S, PEAK_MB = 60, 180, 600, 3072


def _ok(flag: bool) -> str:
    return "met" if flag else "**not met**"


def kernel_rows(k: dict) -> list[tuple[str, str, str, str]]:
    """(comparison, measured, target, verdict) rows for the from-scratch vs frameworks table."""
    rows = []
    lv = k.get("loop_vs_vectorized")
    if lv:
        rows.append((f"Course 1 propagate, Python loops vs numpy ({lv['shape']})",
                     f"numpy {lv['speedup']:.0f}x faster", "(shown in the notebook)", ""))
    d = k.get("deep_training_step")
    if d:
        rows.append(("L-layer step [12288, 20, 7, 5, 1] on 209 examples: numpy (float64) / Keras (float32)",
                     f"{d['numpy_over_keras']:.2f}x the time", "within 2x", _ok(d["numpy_over_keras"] <= 2)))
        rows.append(("same step: numpy (float64) / PyTorch (float32)", f"{d['numpy_over_torch']:.2f}x the time",
                     "(reported)", ""))
        m = k.get("matmul", {})
        if m:
            frac = d["numpy_gflops"] / m["matmul_gflops_float64"]
            rows.append(("numpy network's dense throughput vs numpy matmul (float64)",
                         f"{d['numpy_gflops']:.1f} of {m['matmul_gflops_float64']:.1f} GFLOP/s ({100 * frac:.0f} %)",
                         "(ceiling)", ""))
    c = k.get("conv_and_pool")
    if c:
        rows.append((f"conv fwd+bwd, naive loops / vectorized numpy ({c['small_shape']})",
                     f"vectorized {c['naive_over_vectorized']:.0f}x faster", "at least 50x",
                     _ok(c["naive_over_vectorized"] >= 50)))
        rows.append((f"conv fwd+bwd, vectorized numpy / tf.nn.conv2d ({c['shape']})",
                     f"{c['numpy_over_tf']:.1f}x the time", "within 3x", _ok(c["numpy_over_tf"] <= 3)))
        rows.append(("same conv: numpy / fastest framework "
                     f"({'TensorFlow' if c['tf_s'] <= c['torch_s'] else 'PyTorch'})",
                     f"{c['numpy_over_fastest']:.1f}x the time", "(reported)", ""))
        rows.append(("max-pool 2x2/2 fwd+bwd, numpy / tf.nn.max_pool2d", f"{c['pool_numpy_over_tf']:.2f}x the time",
                     "within 1.5x", _ok(c["pool_numpy_over_tf"] <= 1.5)))
    cd = k.get("conv_dtypes", {})
    threads = cd.get("blas_threads")
    blas = f", {threads} BLAS thread{'s' if threads != 1 else ''} as in the notebooks" if threads else ""
    for r in cd.get("layers", []):
        for dtype, target in (("float64", 2.0), ("float32", 1.5)):
            ratio = r[f"{dtype}_over_tf"]
            cpu = r.get(f"cpu_{dtype}_over_tf")
            rows.append((f"conv fwd+bwd {r['layer']}, numpy {dtype}{blas} / eager tf.nn.conv2d float32 "
                         f"({r['shape']})",
                         f"{ratio:.2f}x the time" + (f" (CPU time {cpu:.2f}x)" if cpu is not None else ""),
                         f"within {target:g}x", _ok(ratio <= target)))
    return rows


def _latency_summary(samples: list[float]) -> str:
    return f"{1000 * statistics.median(samples):.0f} ms / {1000 * max(samples):.0f} ms" if samples else "n/a"


def browser_measurements(root: Path) -> dict[str, tuple[list[float], int]]:
    """Per notebook: the browser test's latencies and how many test workers ran at the time (1: it ran alone,
    as ``make bench-browser`` runs it; 0 when the record predates that field)."""
    out: dict[str, tuple[list[float], int]] = {}
    for f in sorted((root / "test-artifacts" / "widget_latency").glob("*.json")):
        data = json.loads(f.read_text())
        out[data["notebook"]] = ([s["latency_s"] for s in data["sliders"] if s.get("latency_s") is not None],
                                 int(data.get("conditions", {}).get("test_workers", 0)))
    return out


def write(root: Path, run: dict) -> Path:
    """Write BENCHMARKS.md, bench/results/results-<kind>.json and the figures; return the .md path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from utils.plotting import use_style

    use_style()
    results_dir = root / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    kind = "gpu" if run["machine"]["gpus"] else "cpu"
    (results_dir / f"results-{kind}.json").write_text(json.dumps(run, indent=1, default=float))
    m = run["machine"]
    lines = ["# Benchmarks", "",
             f"Measured by `make bench` on {run['date']}: {m['cpu']}, {m['cores']} cores, "
             f"{'GPU: ' + ', '.join(m['gpus']) if m['gpus'] else 'no GPU'}; Python {m['python']}, "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
             "Timings are medians of several runs; every comparison is a ratio measured in the same run. "
             "Raw figures: [`bench/results/`](bench/results/).", ""]
    nbs = run.get("notebooks", [])
    if nbs:
        total = sum(r["seconds"] for r in nbs)
        lines += ["## The workbook itself", "",
                  f"Each notebook top to bottom in a fresh kernel. Targets: under {LIGHT_S} s (heavy CNN notebooks, "
                  f"those that train through `utils.training` or the FaceApp's cached models: under {HEAVY_S} s), no kernel above "
                  f"{PEAK_MB / 1024:.0f} GB, the whole workbook under {TOTAL_S // 60} minutes.", "",
                  "| notebook | time (s) | target | peak memory (MB) | verdict |", "| --- | ---: | ---: | ---: | --- |"]
        for r in nbs:
            target = HEAVY_S if r["heavy"] else LIGHT_S
            ok = r["seconds"] <= target and r["peak_mb"] <= PEAK_MB and not r["error"]
            verdict = _ok(ok) + (f" (error: {r['error'][:80]})" if r["error"] else "")
            lines.append(f"| {r['notebook']} | {r['seconds']:.1f} | {target} | {r['peak_mb']:.0f} | {verdict} |")
        lines += ["", f"Whole workbook: **{total / 60:.1f} minutes** (target {TOTAL_S // 60}): {_ok(total <= TOTAL_S)}.", ""]
        fig, ax = plt.subplots(figsize=(8, 0.28 * len(nbs) + 1.2))
        names = [r["notebook"] for r in nbs][::-1]
        secs = [r["seconds"] for r in nbs][::-1]
        colors = ["#d62728" if s > (HEAVY_S if r["heavy"] else LIGHT_S) else "#1f77b4" for s, r in zip(secs, nbs[::-1])]
        ax.barh(names, secs, color=colors)
        ax.axvline(LIGHT_S, color="k", ls="--", lw=1, label=f"{LIGHT_S} s target")
        ax.axvline(HEAVY_S, color="gray", ls=":", lw=1, label=f"{HEAVY_S} s target (heavy CNN)")
        ax.set(title="Notebook execution time (fresh kernel)", xlabel="seconds", ylabel="notebook")
        ax.tick_params(axis="y", labelsize=7)
        ax.legend()
        fig.savefig(results_dir / "notebook_times.png")
        plt.close(fig)
        lines += ["![Notebook execution times](bench/results/notebook_times.png)", ""]
    k = run.get("kernels")
    if k:
        lines += ["## From scratch vs frameworks", "",
                  "Same shapes, same machine, same run. numpy runs in float64 for Course 1 code (as the course does) "
                  "and float32 for the conv comparisons, except the dtype rows (float64, the course's dtype, and "
                  "float32, their timings interleaved with eager TensorFlow's); Keras and PyTorch run in float32.", "",
                  "| comparison | measured | target | verdict |", "| --- | --- | --- | --- |"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in kernel_rows(k)]
        lines.append("")
        c = k.get("conv_and_pool")
        if c:
            fig, ax = plt.subplots(figsize=(7, 3))
            labels = ["numpy conv", "TF conv", "torch conv", "numpy pool", "TF pool", "torch pool"]
            vals = [c["numpy_s"], c["tf_s"], c["torch_s"], c["pool_numpy_s"], c["pool_tf_s"], c["pool_torch_s"]]
            ax.bar(labels, np.array(vals) * 1000, color=["#1f77b4", "#ff7f0e", "#2ca02c"] * 2)
            ax.set_yscale("log")
            ax.set(title="Forward + backward time, same inputs", xlabel="implementation", ylabel="milliseconds (log)")
            fig.savefig(results_dir / "from_scratch_vs_frameworks.png")
            plt.close(fig)
            lines += ["![From scratch vs frameworks](bench/results/from_scratch_vs_frameworks.png)", ""]
    f = run.get("face_detector")
    if f:
        from bench.face_detector import rows

        lines += ["## The FaceApp's face detector beside the LBP cascade", "",
                  f"`{f['version']}`, trained on {f.get('trained_on', 'lfw_subset')}: "
                  + (f"the mean logit of {f['info']['members']} detectors trained from seeds "
                     f"{', '.join(map(str, f['info']['member_seeds']))}, each " if f['info'].get('members') else "")
                  + f"trained with {len(f['rounds']) - 1} rounds of hard-negative mining; threshold "
                  f"{f['threshold']:.5f}, calibrated for at most {f['info']['target_dev_false_boxes']} false boxes per "
                  f"face-free dev image (it gives {f['info']['dev_false_boxes']:.3f} there, and finds "
                  f"{f['info']['dev_recall']:.0%} of the dev scenes' faces). Every figure below is on evaluation "
                  "images no training or calibration step saw (`utils.face_detector.BACKGROUNDS['eval']`, "
                  "`EVAL_FACE_PHOTOS`, the eval lfw_subset faces), the cascade run by the same code on the same images.",
                  "", "| measure | our CNN | LBP cascade | target | verdict |", "| --- | ---: | ---: | --- | --- |"]
        lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows(f)]
        lines += ["", "False boxes per eval photo (plain + mirrored), CNN / cascade: "
                  + ", ".join(f"{n} {f['cnn']['false_boxes_per_photo'][n]} / {f['cascade']['false_boxes_per_photo'][n]}"
                              for n in f["cnn"]["false_boxes_per_photo"]) + ".", ""]
    if nbs:
        browser = browser_measurements(root)
        lines += ["## Widget latency", "",
                  "Slider move to redrawn figure, median / worst. Kernel side: the benchmark moves each panel's first "
                  "control back and forth after running the notebook. Browser: recorded by `tests/test_browser.py` "
                  "(key press to new image in headless Chromium, every control of every panel moved once) when it "
                  "last ran here; `make bench-browser` runs it alone, as a learner's JupyterLab runs, and a figure "
                  "marked * was measured while other test workers shared the CPU (`make test`). Aim: under 0.5 s.",
                  "", "| notebook | kernel side | browser |", "| --- | --- | --- |"]
        for r in nbs:
            samples = [x for p in r["widget_latency"] for x in p["latencies"]]
            seen, workers = browser.get(r["notebook"], ([], 1))
            if samples or seen:
                lines.append(f"| {r['notebook']} | {_latency_summary(samples)} | "
                             f"{_latency_summary(seen)}{' *' if seen and workers != 1 else ''} |")
        worst = [max(v) for v, w in browser.values() if v and w == 1]
        if worst:
            over = [n for n, (v, w) in browser.items() if v and w == 1 and max(v) > 0.5]
            lines += ["", f"Measured alone: the worst move of any panel took {1000 * max(worst):.0f} ms; "
                      + (f"over 0.5 s in {', '.join(over)}." if over else "every panel's worst move is within 0.5 s.")]
        lines.append("")
    rec = run.get("recorded", [])
    if rec:
        lines += ["## The course's numbers, reproduced", "",
                  "Recorded by the notebooks as they ran (`utils.results.record`), beside the course's figure or "
                  "the baseline they must beat.", "", "| result | workbook | reference | notebook |",
                  "| --- | ---: | ---: | --- |"]
        for r in rec:
            ref = r["reference"]
            ref_s = f"{ref:g}{r['unit']}" if isinstance(ref, (int, float)) else (str(ref) if ref is not None else "")
            lines.append(f"| {r['name']} | {r['value']:.4g}{r['unit']} | {ref_s} | {r['source']} |")
        lines.append("")
    lines += gpu_section(results_dir)
    md = root / "BENCHMARKS.md"
    md.write_text("\n".join(lines))
    return md


GPU_HEADING = "## On a GPU"


def gpu_section(results_dir: Path) -> list[str]:
    """The "On a GPU" section's lines: the last GPU run (results-gpu.json) beside the last CPU run
    (results-cpu.json): per heavy notebook, both times, their ratio and the replicas; the conv kernels on the GPU.
    Without a GPU run it says plainly that none has run yet."""
    gpu_file, cpu_file = results_dir / "results-gpu.json", results_dir / "results-cpu.json"
    lines = [GPU_HEADING, ""]
    if not gpu_file.exists():
        return lines + ["**Not run on a GPU yet.** Every figure above is from a CPU: no machine with a GPU has run "
                        "this workbook's benchmark so far. `make bench-gpu` (`python -m bench --gpu`) on a machine "
                        "with an NVIDIA GPU runs, within a 10-minute budget, the heavy notebooks' training at GPU scale and "
                        "the conv kernels on the GPU, and writes this section: per heavy notebook, its time on the GPU "
                        "beside the last CPU run's, their ratio and the replicas used. Without a GPU it exits 2 and "
                        "writes nothing.", ""]
    g = json.loads(gpu_file.read_text())
    c = json.loads(cpu_file.read_text()) if cpu_file.exists() else {}
    gm = g.get("machine", {})
    gpus = ", ".join(gm.get("gpus") or []) or gm.get("torch_cuda") or "a GPU"
    replicas = g.get("replicas", max(1, len(gm.get("gpus") or [])))
    cm = c.get("machine", {})
    cpu_label = f"the CPU run of {c['date']} ({cm.get('cpu')}, {cm.get('cores')} cores)" if c else "no CPU run yet"
    lines += [f"Measured by `make bench-gpu` on {g.get('date', '?')}: {gpus}; {replicas} replica(s). CPU times from "
              f"{cpu_label}. The heavy notebooks pick larger settings on a GPU (`scale_for_device`), so a ratio "
              "compares whole notebook runs, not epochs.", "",
              "| heavy notebook | CPU (s) | GPU (s) | CPU / GPU | replicas |", "| --- | ---: | ---: | ---: | ---: |"]
    cpu_s = {r["notebook"]: r["seconds"] for r in c.get("notebooks", []) if r["heavy"]}
    for r in g.get("notebooks", []):
        if not r["heavy"]:
            continue
        n, s = r["notebook"], r["seconds"]
        cs = cpu_s.get(n)
        err = f" (error: {r['error'][:60]})" if r.get("error") else ""
        lines.append(f"| {n} | {f'{cs:.1f}' if cs else 'n/a'} | {s:.1f}{err} | {f'{cs / s:.1f}x' if cs else 'n/a'} | "
                     f"{r.get('replicas', replicas)} |")
    if g.get("skipped"):
        lines += ["", f"Not run, the {g.get('budget_s', 600):.0f} s budget being spent: "
                  + ", ".join(g["skipped"]) + "."]
    kg, kc = g.get("kernels_gpu"), c.get("kernels", {}).get("conv_and_pool", {})
    if kg:
        lines += ["", f"Conv forward + backward on the GPU ({kg['shape']}):", "",
                  "| kernel | CPU (ms) | GPU (ms) | CPU / GPU |", "| --- | ---: | ---: | ---: |"]
        for label, cpu_key, gpu_key in (("tf.nn.conv2d", "tf_s", "tf_gpu_s"),
                                        ("torch conv2d", "torch_s", "torch_gpu_s")):
            if gpu_key in kg:
                cs, gs = kc.get(cpu_key), kg[gpu_key]
                lines.append(f"| {label} | {f'{1000 * cs:.2f}' if cs else 'n/a'} | {1000 * gs:.2f} | "
                             f"{f'{cs / gs:.1f}x' if cs else 'n/a'} |")
    return lines + [""]


def write_gpu_section(root: Path) -> Path:
    """Rewrite only the "On a GPU" section of ``root``/BENCHMARKS.md (the last section) from bench/results/."""
    md = root / "BENCHMARKS.md"
    text = md.read_text() if md.exists() else "# Benchmarks\n\n"
    head = text.split(f"\n{GPU_HEADING}\n", 1)[0].rstrip("\n")
    md.write_text(head + "\n\n" + "\n".join(gpu_section(root / "bench" / "results")))
    return md
