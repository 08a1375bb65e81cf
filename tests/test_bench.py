"""The benchmark's own machinery (no timing is asserted here: speed is measured by `make bench`)."""

import json

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


def test_report_rows_for_the_conv_dtypes_name_dtype_layer_and_verdict():
    layer = {"layer": "stride 2, non-divisible", "shape": "A (1, 5, 5, 1)", "float64_over_tf": 1.8,
             "float32_over_tf": 1.6, "cpu_float64_over_tf": 1.7, "cpu_float32_over_tf": 1.2}
    rows = report.kernel_rows({"conv_dtypes": {"layers": [layer], "blas_threads": 1}})
    assert rows[0][0].startswith("conv fwd+bwd stride 2, non-divisible, numpy float64, 1 BLAS thread as in the "
                                 "notebooks / eager tf.nn.conv2d float32") and rows[0][3] == "met"
    assert rows[0][1] == "1.80x the time (CPU time 1.70x)" and rows[0][2] == "within 2x"
    assert rows[1][2] == "within 1.5x" and rows[1][3] == "**not met**"
