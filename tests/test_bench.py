"""The benchmark's own machinery (no timing is asserted here: speed is measured by `make bench`)."""

import json
from pathlib import Path

import pytest

from bench import report
from bench.timing import median_time


def test_median_time_runs_warmup_and_repeats():
    calls = []
    t = median_time(lambda: calls.append(1), repeat=5, warmup=2)
    assert len(calls) == 7 and t >= 0
    with pytest.raises(ValueError, match="repeat"):
        median_time(lambda: None, repeat=0)


def _fake_run(gpus=()):
    return {"date": "2026-01-01 00:00 UTC",
            "machine": {"cpu": "test cpu", "cores": 2, "gpus": list(gpus), "python": "3.11", "versions": {"numpy": "2"}},
            "notebooks": [{"notebook": "course1_nn/w1_a.ipynb", "seconds": 12.0, "peak_mb": 300.0, "heavy": False,
                           "error": None, "widget_latency": [{"panel": 0, "control": "lr", "latencies": [0.1, 0.3]}]},
                          {"notebook": "course4_cnn/w2_b.ipynb", "seconds": 200.0, "peak_mb": 900.0, "heavy": True,
                           "error": None, "widget_latency": []}],
            "recorded": [{"name": "planar acc", "value": 90.5, "reference": 90.75, "unit": " %", "source": "x"}],
            "kernels": {"deep_training_step": {"numpy_over_keras": 1.5, "numpy_over_torch": 2.0, "numpy_gflops": 5.0},
                        "matmul": {"matmul_gflops_float64": 10.0}}}


def test_report_writes_markdown_json_and_figures_with_verdicts(tmp_path):
    md = report.write(tmp_path, _fake_run()).read_text()
    assert "| course1_nn/w1_a.ipynb | 12.0 | 60 | 300 | met |" in md
    assert "| course4_cnn/w2_b.ipynb | 200.0 | 180 | 900 | **not met** |" in md
    assert "200 ms / 300 ms" in md and "| planar acc | 90.5 % | 90.75 % | x |" in md
    assert "within 2x | met" in md and "(50 %)" in md
    saved = json.loads((tmp_path / "bench" / "results" / "results-cpu.json").read_text())
    assert saved["machine"]["cpu"] == "test cpu"
    assert (tmp_path / "bench" / "results" / "notebook_times.png").stat().st_size > 1000


def test_report_marks_browser_latencies_measured_beside_other_test_workers(tmp_path):
    folder = tmp_path / "test-artifacts" / "widget_latency"
    folder.mkdir(parents=True)
    for name, workers, latencies in (("course1_nn/w1_a.ipynb", 1, [0.2, 0.45]), ("course4_cnn/w2_b.ipynb", 2, [0.7])):
        (folder / f"{Path(name).stem}.json").write_text(json.dumps(
            {"notebook": name, "conditions": {"test_workers": workers},
             "sliders": [{"latency_s": x} for x in latencies] + [{"latency_s": None}]}))
    assert report.browser_measurements(tmp_path)["course4_cnn/w2_b.ipynb"] == ([0.7], 2)
    md = report.write(tmp_path, _fake_run()).read_text()
    assert "| course1_nn/w1_a.ipynb | 200 ms / 300 ms | 325 ms / 450 ms |" in md  # alone: no mark
    assert "| course4_cnn/w2_b.ipynb | n/a | 700 ms / 700 ms * |" in md
    assert "Measured alone: the worst move of any panel took 450 ms; every panel's worst move is within 0.5 s." in md


def test_report_compares_gpu_and_cpu_heavy_notebooks(tmp_path):
    report.write(tmp_path, _fake_run())
    gpu = _fake_run(gpus=["/physical_device:GPU:0"])
    gpu["notebooks"][1]["seconds"] = 20.0
    md = report.write(tmp_path, gpu).read_text()
    assert "| course4_cnn/w2_b.ipynb | 200.0 | 20.0 | 10.0x |" in md


def test_report_puts_the_face_detector_beside_the_cascade_with_verdicts(tmp_path):
    run = _fake_run()
    one = {"false_boxes_per_photo": {"coffee": 0, "grass": 1}, "false_boxes_per_image": 0.25,
           "face_top_hits": {"astronaut": 1.0, "grace_hopper": 0.8}, "face_top_hit_rate": 0.9, "scene_ap": 0.8,
           "seconds_512": 0.4}
    run["face_detector"] = {"version": "face-detector-test", "threshold": 0.99, "rounds": [{}, {}, {}],
                            "info": {"target_dev_false_boxes": 0.05, "dev_false_boxes": 0.03, "dev_recall": 0.8},
                            "targets": {"false_boxes_per_image": 0.1, "face_top_hit_rate": 0.9, "seconds_512": 1.5},
                            "cnn": one, "cascade": {**one, "false_boxes_per_image": 0.0, "seconds_512": 0.2}}
    md = report.write(tmp_path, run).read_text()
    assert "2 rounds of hard-negative mining" in md
    assert "| 0.25 | 0.00 | at most 0.1 | **not met** |" in md
    assert "| 90% | 90% | at least 90% | met |" in md
    assert "grass 1 / 1" in md


def test_without_a_gpu_run_the_gpu_section_says_plainly_that_none_has_run(tmp_path):
    md = report.write(tmp_path, _fake_run()).read_text()
    section = md.split("## On a GPU", 1)[1]
    assert "**Not run on a GPU yet.**" in section and "make bench-gpu" in section and "exits 2" in section


def test_a_bench_gpu_run_rewrites_only_the_gpu_section_beside_the_last_cpu_run(tmp_path):
    cpu = _fake_run()
    before = report.write(tmp_path, cpu).read_text().split("## On a GPU")[0]
    cpu_file = tmp_path / "bench" / "results" / "results-cpu.json"
    saved = json.loads(cpu_file.read_text())
    saved["kernels"]["conv_and_pool"] = {"tf_s": 0.010, "torch_s": 0.020}  # the CPU run's conv times
    cpu_file.write_text(json.dumps(saved))
    gpu_run = {"date": "2026-01-02 00:00 UTC", "bench_gpu": True, "budget_s": 600, "replicas": 2,
               "machine": {**cpu["machine"], "gpus": ["/physical_device:GPU:0", "/physical_device:GPU:1"]},
               "notebooks": [{**cpu["notebooks"][1], "seconds": 20.0, "replicas": 2}],
               "skipped": ["faceapp/01_c.ipynb"],
               "kernels_gpu": {"shape": "A (16, 32, 32, 16)", "tf_gpu_s": 0.001, "torch_gpu_s": 0.0005}}
    (tmp_path / "bench" / "results" / "results-gpu.json").write_text(json.dumps(gpu_run))
    md = report.write_gpu_section(tmp_path).read_text()
    head, section = md.split("## On a GPU")
    assert head == before and md.count("## On a GPU") == 1
    assert "Measured by `make bench-gpu` on 2026-01-02 00:00 UTC" in section and "2 replica(s)" in section
    assert "the CPU run of 2026-01-01 00:00 UTC (test cpu, 2 cores)" in section
    assert "| course4_cnn/w2_b.ipynb | 200.0 | 20.0 | 10.0x | 2 |" in section
    assert "course1_nn/w1_a.ipynb" not in section  # light notebooks are not part of the GPU run
    assert "| tf.nn.conv2d | 10.00 | 1.00 | 10.0x |" in section and "| torch conv2d | 20.00 | 0.50 | 40.0x |" in section
    assert "Not run, the 600 s budget being spent: faceapp/01_c.ipynb." in section
    assert report.write_gpu_section(tmp_path).read_text() == md  # rewriting is idempotent


def test_bench_gpu_picks_the_heavy_notebooks_and_refuses_without_a_gpu(tmp_path, capsys):
    from bench import gpu
    from utils.notebook import ROOT

    heavy = [p.relative_to(ROOT).as_posix() for p in gpu.heavy_notebooks(ROOT)]
    assert "course4_cnn/w2_2_resnets.ipynb" in heavy and "faceapp/01_diy_faceapp.ipynb" in heavy
    assert not any(n.startswith(("course1_nn/", "course3_strategy/")) for n in heavy)
    assert gpu.main(tmp_path, tag={"gpus": [], "torch_cuda": None, "cpu": "test cpu"}) == gpu.EXIT_NO_GPU
    assert "no GPU here" in capsys.readouterr().err and not (tmp_path / "BENCHMARKS.md").exists()
    assert gpu.has_gpu({"gpus": ["/physical_device:GPU:0"], "torch_cuda": "NVIDIA H200"})
    only_torch = {"gpus": [], "torch_cuda": "NVIDIA H200"}  # tensorflow-cpu beside a CUDA torch: not a GPU run
    assert not gpu.has_gpu(only_torch) and gpu.main(tmp_path, tag=only_torch) == gpu.EXIT_NO_GPU
    assert "TF_EXTRA=gpu" in capsys.readouterr().err


def test_make_bench_gpu_on_a_machine_without_a_gpu_exits_2_with_its_message_and_writes_nothing():
    import os
    import subprocess
    import sys

    from utils.notebook import ROOT

    before = (ROOT / "BENCHMARKS.md").read_bytes()
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "bench", "--gpu"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "make bench-gpu: no GPU here" in proc.stderr and "BENCHMARKS.md is unchanged" in proc.stderr
    assert (ROOT / "BENCHMARKS.md").read_bytes() == before


def test_report_rows_for_the_conv_dtypes_name_dtype_layer_and_verdict():
    layer = {"layer": "stride 2, non-divisible", "shape": "A (1, 5, 5, 1)", "float64_over_tf": 1.8,
             "float32_over_tf": 1.6, "cpu_float64_over_tf": 1.7, "cpu_float32_over_tf": 1.2}
    rows = report.kernel_rows({"conv_dtypes": {"layers": [layer], "blas_threads": 1}})
    assert rows[0][0].startswith("conv fwd+bwd stride 2, non-divisible, numpy float64, 1 BLAS thread as in the "
                                 "notebooks / eager tf.nn.conv2d float32") and rows[0][3] == "met"
    assert rows[0][1] == "1.80x the time (CPU time 1.70x)" and rows[0][2] == "within 2x"
    assert rows[1][2] == "within 1.5x" and rows[1][3] == "**not met**"
