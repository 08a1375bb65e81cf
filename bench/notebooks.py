"""Each notebook in a fresh kernel: wall time, peak memory, kernel-side widget latency, recorded results."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path

#: Run after a notebook's own cells: move every SliderPanel's controls back and forth, time each redraw.
PROBE = r'''
import gc as _gc, json as _json
from utils.widgets import SliderPanel as _SP
_out = []
def _is_panel(o):
    try:
        return isinstance(o, _SP)
    except Exception:  # some objects (lazy torch modules, proxies) raise on isinstance
        return False
for _i, _p in enumerate([o for o in _gc.get_objects() if _is_panel(o)]):
    _name, _c = next(iter(_p.controls.items()))
    _opts = getattr(_c, "options", None)
    _start = _c.value
    if _opts:
        _vals = [v[1] if isinstance(v, tuple) else v for v in _opts]
        _alt = _vals[(_vals.index(_start) + 1) % len(_vals)] if _start in _vals else _vals[0]
    elif hasattr(_c, "step") and hasattr(_c, "max"):
        _alt = _start - _c.step if _start + _c.step > _c.max else _start + _c.step
    else:
        _alt = not _start
    _n0 = len(_p.latencies)
    for _v in (_alt, _start, _alt, _start, _alt, _start):
        _c.value = _v
    _out.append({"panel": _i, "control": _name, "latencies": _p.latencies[_n0:]})
print("FACEAPP_PROBE" + _json.dumps(_out))
'''


class _PeakRSS(threading.Thread):
    """Samples the kernel process tree's resident memory every 0.1 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            self.stop.wait(0.1)


def run_notebook(path: Path, root: Path, results_file: Path, timeout: int = 900) -> dict:
    """Execute ``path`` in a fresh kernel; return time, peak memory, widget latencies and errors."""
    import nbformat
    from nbclient import NotebookClient

    from utils.notebook import silence_tensorflow

    silence_tensorflow()
    rel = path.relative_to(root).as_posix()
    os.environ["FACEAPP_RESULTS"] = str(results_file)
    os.environ["FACEAPP_NOTEBOOK"] = rel
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    record: dict = {"notebook": rel, "error": None, "widget_latency": []}
    start = time.perf_counter()
    with client.setup_kernel():
        sampler = _PeakRSS(client.km.provisioner.process.pid)
        sampler.start()
        try:
            try:
                for index, cell in enumerate(nb.cells[:-1]):
                    client.execute_cell(cell, index)
                record["seconds"] = time.perf_counter() - start
            except Exception as exc:  # noqa: BLE001 - a failing notebook is reported, the others still run
                record["error"] = f"{type(exc).__name__}: {str(exc)[-500:]}"
                record.setdefault("seconds", time.perf_counter() - start)
            if record["error"] is None:
                try:
                    client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
                    for out in nb.cells[-1].outputs:
                        for line in out.get("text", "").splitlines():
                            if line.startswith("FACEAPP_PROBE"):
                                record["widget_latency"] = json.loads(line[len("FACEAPP_PROBE"):])
                except Exception as exc:  # noqa: BLE001 - the latency probe failing is not the notebook failing
                    record["probe_error"] = f"{type(exc).__name__}: {str(exc)[-300:]}"
        finally:
            sampler.stop.set()
            sampler.join()
    record["peak_mb"] = sampler.peak / 2 ** 20
    record["heavy"] = is_heavy(path.read_text())
    return record


def is_heavy(text: str) -> bool:
    """Whether a notebook (its text) trains CNNs: through utils.training, or the FaceApp's detector and encoder
    (trained when not cached yet). Heavy notebooks have the 180 s budget and are what ``make bench-gpu`` runs."""
    return any(k in text for k in ("utils.training", "load_face_detector", "load_models"))


def run_all(root: Path, paths: list[Path], progress=print) -> tuple[list[dict], list[dict]]:
    """Run every notebook; return (per-notebook records, results the notebooks recorded)."""
    from utils.results import load

    records = []
    with tempfile.TemporaryDirectory() as tmp:
        results_file = Path(tmp) / "results.jsonl"
        for path in paths:
            progress(f"notebooks: {path.relative_to(root)} ...")
            rec = run_notebook(path, root, results_file)
            progress(f"    {rec['seconds']:.1f} s, peak {rec['peak_mb']:.0f} MB" + (f", ERROR {rec['error']}" if rec["error"] else ""))
            records.append(rec)
        recorded = load(results_file)
    for key in ("FACEAPP_RESULTS", "FACEAPP_NOTEBOOK"):
        os.environ.pop(key, None)
    return records, recorded
