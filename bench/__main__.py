"""``python -m bench [--only notebooks|kernels|face|browser] [NOTEBOOK ...]``: measure and write BENCHMARKS.md.

``--only browser`` (``make bench-browser``) runs the browser test alone (no other test worker sharing the CPU) and
rewrites the report with its slider-to-figure latencies, the other sections kept from the last run.

``python -m bench --gpu`` (``make bench-gpu``): the heavy notebooks and the conv kernels on a GPU, within 10 minutes,
written to the "On a GPU" section; without a GPU it says so and exits 2 (``bench.gpu``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path


def main() -> int:
    from utils.notebook import ROOT, notebook_paths, silence_tensorflow

    silence_tensorflow()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=["notebooks", "kernels", "face", "browser"], help="run one section only")
    parser.add_argument("--gpu", action="store_true", help="the GPU run only: heavy notebooks and conv kernels on "
                        "the GPU, written to BENCHMARKS.md's 'On a GPU' section (exit 2 without a GPU)")
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: all)")
    args = parser.parse_args()
    if args.gpu:
        from bench import gpu

        return gpu.main(ROOT)

    from bench import face_detector, kernels, notebooks, report
    from bench.machine import machine_tag

    run = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine_tag()}
    previous = ROOT / "bench" / "results" / f"results-{'gpu' if run['machine']['gpus'] else 'cpu'}.json"
    if args.only and previous.exists():  # keep the other section's last figures
        run.update({k: v for k, v in json.loads(previous.read_text()).items() if k not in ("date", "machine")})
    if args.only in (None, "notebooks"):
        paths = [Path(p).resolve() for p in args.notebooks] or notebook_paths()
        records, recorded = notebooks.run_all(ROOT, paths)
        if args.notebooks and previous.exists():  # re-measure some notebooks, keep the others' last figures
            old = json.loads(previous.read_text())
            rerun = {r["notebook"] for r in records}
            fresh = {r["notebook"]: r for r in records}
            order = [p.relative_to(ROOT).as_posix() for p in notebook_paths()]
            merged = {r["notebook"]: r for r in old.get("notebooks", [])} | fresh
            records = [merged[n] for n in order if n in merged]
            recorded = [r for r in old.get("recorded", []) if r["source"] not in rerun] + recorded
            run["kernels"] = old.get("kernels", run.get("kernels"))
        run["notebooks"], run["recorded"] = records, recorded
    if args.only in (None, "kernels"):
        run["kernels"] = kernels.run_all()
    if args.only in (None, "face"):
        run["face_detector"] = face_detector.run_all()
    if args.only == "browser":
        import subprocess
        import sys

        # -n 0: no xdist workers, so nothing else competes with the kernel and the browser for the 2 CPUs
        which = "widgets_render" + (f" and ({' or '.join(Path(n).stem for n in args.notebooks)})"
                                    if args.notebooks else "")
        code = subprocess.call([sys.executable, "-m", "pytest", "-n", "0", "-q", "tests/test_browser.py", "-k", which],
                               cwd=ROOT)
        if code:
            print(f"the browser test failed (exit {code}); BENCHMARKS.md shows the latencies it recorded")
    print(f"wrote {report.write(ROOT, run)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
