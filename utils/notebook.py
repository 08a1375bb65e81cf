"""The uniform first cell of every notebook, and the tooling that keeps notebooks paired and executed.

Every notebook starts with::

    from utils.notebook import setup
    setup(seed=1)          # silence TensorFlow, seed everything, apply the figure style

Command line (used by ``make``)::

    python -m utils.notebook refresh [NOTEBOOK.py ...]   # .py -> executed .ipynb with outputs (all: + index)
    python -m utils.notebook index                        # rewrite index.ipynb (the start page)
    python -m utils.notebook check                        # list out-of-sync pairs and index problems
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Notebook folders in reading order.
FOLDERS = ("course1_nn", "course2_tuning", "course3_strategy", "course4_cnn", "pytorch_blitz", "faceapp")
#: Notebooks that are apps, not lessons: ``faceapp/app.ipynb`` is the page ``make faceapp`` serves with Voilà. They
#: are left out of ``notebook_paths()`` (the start page, the lesson rules, the browser's lesson test) and out of
#: ``make test``'s nbval run; tests/test_faceapp_app.py and tests/test_browser_faceapp.py test the app.
APPS = ("faceapp/app.ipynb",)
KERNEL = {"name": "diy-faceapp", "display_name": "Python (DIY FaceApp)", "language": "python"}
FORMATS = "ipynb,py:percent"


def silence_tensorflow() -> None:
    """Set the environment so TensorFlow's C++ logs (and oneDNN notices) stay out of cell outputs.

    Must run before TensorFlow is imported; harmless afterwards.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)


def setup(seed: int = 0, blas_threads: int | None = 1) -> None:
    """The uniform first cell: silence TensorFlow, seed Python/numpy (and frameworks already imported),
    apply the workbook's figure style, and limit numpy's BLAS to ``blas_threads`` threads.

    The workbook's matrices are small: one BLAS thread runs them fastest and keeps two notebooks (or a
    notebook and a browser) from fighting over a 2-core CPU. ``blas_threads=None`` leaves BLAS alone.
    """
    silence_tensorflow()
    from utils.plotting import use_style
    from utils.reproducibility import set_seed

    use_style()
    set_seed(seed)
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        if isinstance(blas_threads, bool) or not isinstance(blas_threads, int) or blas_threads < 1:
            raise ValueError(f"blas_threads must be a positive integer or None, got {blas_threads!r}")
        threadpool_limits(blas_threads, user_api="blas")


# --- notebook tooling ---------------------------------------------------------------------------------

def notebook_paths(root: Path = ROOT) -> list[Path]:
    """All workbook notebooks (the lessons, not the ``APPS``) in reading order (folder order, then file name)."""
    paths: list[Path] = []
    for folder in FOLDERS:
        paths += sorted(p for p in (root / folder).glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
                        and p.relative_to(root).as_posix() not in APPS)
    return paths


def _code_and_markdown(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells if c.cell_type in ("code", "markdown")]


def pair_problems(ipynb: Path) -> list[str]:
    """Why ``ipynb`` and its paired ``.py`` differ (empty when in sync)."""
    import jupytext
    import nbformat

    py = ipynb.with_suffix(".py")
    if not py.exists():
        return [f"{ipynb.name}: no paired script {py.name}"]
    a = _code_and_markdown(nbformat.read(ipynb, as_version=4))
    b = _code_and_markdown(jupytext.read(py))
    if a == b:
        return []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return [f"{ipynb.name}: cell {i} differs from {py.name} (run `make refresh` or `jupytext --sync`)"]
    return [f"{ipynb.name}: {len(a)} cells but {py.name} has {len(b)}"]


def refresh(py: Path, timeout: int = 900) -> Path:
    """Build ``py``'s notebook, execute it in a fresh kernel in its folder, store outputs, re-sync the pair."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    py = Path(py).resolve()
    nb = jupytext.read(py)
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata.setdefault("jupytext", {})["formats"] = FORMATS
    silence_tensorflow()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(py.parent)}},
                            store_widget_state=True)
    client.execute()
    nb.metadata["kernelspec"] = dict(KERNEL)
    ipynb = py.with_suffix(".ipynb")
    nbformat.write(nb, ipynb)
    jupytext.write(nb, py, fmt="py:percent")
    return ipynb


def _summary(ipynb: Path) -> tuple[str, str]:
    """(title, one-line summary) from a notebook's first markdown cell: '# Title' then a '> summary' line."""
    import nbformat

    nb = nbformat.read(ipynb, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            title = re.search(r"^#\s+(.+)$", cell.source, re.M)
            summary = re.search(r"^>\s*(.+)$", cell.source, re.M)
            return (title.group(1).strip() if title else ipynb.stem,
                    summary.group(1).strip() if summary else "")
    return ipynb.stem, ""


SECTION_TITLES = {
    "course1_nn": "Course 1: Neural networks and deep learning",
    "course2_tuning": "Course 2: Improving deep neural networks (tuning, regularization, optimization)",
    "course3_strategy": "Course 3: Structuring machine learning projects",
    "course4_cnn": "Course 4: Convolutional neural networks",
    "pytorch_blitz": "PyTorch: the 60-minute blitz",
    "faceapp": "Capstone: the DIY FaceApp",
}


def index_markdown(root: Path = ROOT) -> str:
    """The start page's text: every notebook in reading order with its one-line summary."""
    from utils.exercises import notebooks_with_exercises

    with_exercises = set(notebooks_with_exercises())
    lines = ["# DIY FaceApp: the workbook", "",
             "From a single neuron to a face-verification app. Open the notebooks in this order; each one "
             "runs top to bottom in a fresh kernel (Kernel > Restart Kernel and Run All Cells).", "",
             "**Learner mode.** A notebook marked *write it yourself* has an exercise twin under `exercises/` "
             "(`make lab` writes the twins the first time; `make exercises FORCE=1` starts them afresh). There "
             "the from-scratch functions are left for you to write, and a check under each one compares your "
             "function with the workbook's and tells you what is wrong first.", ""]
    current = None
    for path in notebook_paths(root):
        folder = path.parent.name
        if folder != current:
            lines += ["", f"## {SECTION_TITLES[folder]}", ""]
            current = folder
        title, summary = _summary(path)
        rel = path.relative_to(root).as_posix()
        lines.append(f"1. [{title}]({rel})" + (f": {summary}" if summary else ""))
        if rel in with_exercises:
            lines[-1] += f" ([write it yourself](exercises/{rel}))"
    return "\n".join(lines).strip() + "\n"


def write_index(root: Path = ROOT) -> Path:
    """Write ``index.ipynb`` and its paired ``index.py`` (one markdown cell)."""
    import jupytext
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(index_markdown(root))]
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["jupytext"] = {"formats": FORMATS}
    nbformat.write(nb, root / "index.ipynb")
    jupytext.write(nb, root / "index.py", fmt="py:percent")
    return root / "index.ipynb"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("refresh", "index", "check"):
        print(__doc__)
        return 2
    if argv[0] == "refresh":
        targets = [Path(a) for a in argv[1:]] or [p.with_suffix(".py") for p in notebook_paths()]
        for py in targets:
            print(f"refreshing {py} ...", flush=True)
            refresh(py.with_suffix(".py"))
        if len(argv) == 1:  # a full refresh also rewrites the start page
            write_index()
        return 0
    if argv[0] == "index":
        print(f"wrote {write_index()}")
        return 0
    problems = [msg for p in notebook_paths() for msg in pair_problems(p)]
    print("\n".join(problems) or "all notebooks paired and in sync")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
