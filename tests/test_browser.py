"""End to end in a real browser: JupyterLab in headless Chromium, as a learner uses the workbook.

For every notebook with a ``SliderPanel``: run all cells, check that no cell errs and every widget
rendered, move every control of every panel (each slider one step, each dropdown to its next option), and
check that the figure (PNG bytes) changed each time and that the first control changed the printed values. Latencies go to ``test-artifacts/widget_latency/`` (the benchmark reports them), screenshots
to ``test-artifacts/browser/``. Skipped, with the reason, only where Chromium or playwright is missing.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from lab_driver import VIEWPORT, LabPage, LabServer, chromium_missing_reason
from utils.exercises import exercises_for, get_exercise, notebooks_with_exercises
from utils.exercises.generate import write_exercises
from utils.notebook import KERNEL, ROOT, notebook_paths

ARTIFACTS = ROOT / "test-artifacts"
WIDGET_NOTEBOOKS = [p for p in notebook_paths() if re.search(r"SliderPanel\(|FileUpload\(|FaceAppUI\(|MorphPanel\(", p.read_text())]
reason = chromium_missing_reason()
pytestmark = pytest.mark.skipif(reason is not None, reason=reason or "")


@pytest.fixture(scope="module")
def lab():
    with LabServer(ROOT) as server:
        yield server


def faceapp_upload_steps(page: LabPage, tmp: Path) -> list[str]:
    """The capstone as a learner uses it: a bad upload, a real photo, then the threshold from low to high."""
    import numpy as np
    from PIL import Image

    from utils.data import load_photo

    problems = []
    panel = page.page.locator(".faceapp-panel").first
    button = panel.locator(".widget-upload").first

    def upload(path: Path) -> None:  # as a learner does: click the button, pick a file in the dialog
        with page.page.expect_file_chooser() as chooser:
            button.click()
        chooser.value.set_files(str(path))

    bad = tmp / "notes.png"
    bad.write_bytes(b"this is a text file, not a photo")
    text = panel.locator(".faceapp-text").inner_text().strip()
    upload(bad)
    text, message = page.wait_for_panel_change(0, text, expect_message=True)
    if not message:
        problems.append("a text file uploaded as .png showed no message")
    good = tmp / "my_photo.jpg"
    Image.fromarray(np.ascontiguousarray(load_photo("astronaut")[::-1, ::-1][::-1])).save(good, quality=90)
    upload(good)
    text, message = page.wait_for_panel_change(0, text)
    if message or "CNN face" not in text:
        problems.append(f"the uploaded photo was not analysed (text {text!r}, message {message!r})")
    handle = panel.locator(".noUi-handle").first  # the threshold slider
    handle.focus()
    handle.press("Home")
    low, _ = page.wait_for_panel_change(0, text)
    handle.press("End")
    high, _ = page.wait_for_panel_change(0, low)
    if "unknown" not in low or low == high:
        problems.append(f"moving the threshold from lowest to highest did not change the decision "
                        f"({low!r} -> {high!r})")
    return problems


#: Extra learner steps for notebooks whose widgets do more than redraw on a slider.
EXTRA_STEPS = {"faceapp/01_diy_faceapp.ipynb": faceapp_upload_steps}


def exercise_notebook(browser, lab: LabServer, rel: str, shot: Path,
                      slider_timeout_s: float = 60) -> tuple[list[str], list[dict]]:
    """Open, run all, check widgets, move every control of every panel (waiting up to ``slider_timeout_s`` per
    press for the figure to change). Returns (problems, slider records)."""
    page = LabPage(browser, lab, rel)
    problems, records = [], []
    try:
        problems += page.run_all()
        problems += page.widget_problems()
        n_panels = page.page.locator(".faceapp-panel").count()
        if n_panels == 0:
            problems.append("no SliderPanel rendered")
        for i in range(n_panels):
            for k in range(max(page.control_count(i), 1)):
                result = page.move_control(i, k, timeout_s=slider_timeout_s)
                records.append(result.__dict__ | {"control_index": k})
                if not result.figure_changed:
                    problems.append(f"panel {i}: moving '{result.control}' did not change the figure"
                                    + (f" (message: {result.message})" if result.message else ""))
                elif k == 0 and result.text_before and not result.text_changed:
                    problems.append(f"panel {i}: moving '{result.control}' did not change the printed values "
                                    f"({result.text_before!r})")
        if rel in EXTRA_STEPS:
            problems += EXTRA_STEPS[rel](page, shot.parent)
        page.screenshot(shot)
    finally:
        page.close()
        lab.shutdown_kernels()
    return problems, records


@pytest.mark.parametrize("path", WIDGET_NOTEBOOKS, ids=[p.relative_to(ROOT).as_posix() for p in WIDGET_NOTEBOOKS])
def test_widgets_render_and_sliders_redraw_in_the_browser(browser, lab, path):
    rel = path.relative_to(ROOT).as_posix()
    problems, records = exercise_notebook(browser, lab, rel, ARTIFACTS / "browser" / f"{path.parent.name}__{path.stem}.png")
    out = ARTIFACTS / "widget_latency" / f"{path.parent.name}__{path.stem}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    # The conditions the latencies were measured in: alone (`make bench-browser`) or beside other test workers
    conditions = {"test_workers": int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")),
                  "load_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    out.write_text(json.dumps({"notebook": rel, "viewport": VIEWPORT, "conditions": conditions, "sliders": records},
                              indent=1))
    assert problems == [], f"{rel}: " + "; ".join(problems)


def test_start_page_links_open_existing_notebooks(browser, lab):
    from urllib.parse import unquote, urlparse

    write_exercises()  # as `make lab` does: the exercise twins that are missing
    page = LabPage(browser, lab, "index.ipynb")
    try:
        page.page.wait_for_selector(".jp-RenderedMarkdown a[href*='.ipynb']")
        hrefs = page.page.locator(".jp-RenderedMarkdown a[href*='.ipynb']").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))")
        # JupyterLab renders a relative link as <server>/files/<path>?_xsrf=...
        notebooks = [unquote(urlparse(h).path).split("/files/", 1)[-1].lstrip("/") for h in hrefs]
        twins = sorted(n for n in notebooks if n.startswith("exercises/"))
        solutions = sorted(n for n in notebooks if not n.startswith("exercises/"))
        assert solutions == sorted(p.relative_to(ROOT).as_posix() for p in notebook_paths())
        assert twins == sorted(f"exercises/{n}" for n in notebooks_with_exercises())
        missing = [link for link in notebooks if lab.api("GET", f"api/contents/{link}?content=0")[0] != 200]
        assert missing == [], f"the start page links to missing notebooks: {missing}"
        page.page.locator(".jp-RenderedMarkdown a[href*='.ipynb']").first.click()  # a learner's first click
        page.page.wait_for_function(
            "path => window.jupyterapp.shell.currentWidget?.context?.path === path", arg=notebooks[0])
    finally:
        page.close()
        lab.shutdown_kernels()


JS_ANSWER = """async ([needle, text]) => {
  const app = window.jupyterapp;
  const w = app.shell.currentWidget;
  const cells = w.content.widgets;
  const i = cells.findIndex(c => c.model.sharedModel.getSource().includes(needle));
  if (i < 0) return -1;
  cells[i].model.sharedModel.setSource(text);
  w.content.activeCellIndex = i;
  await app.commands.execute('notebook:run-cell-and-select-next');   // the learner's function
  await app.commands.execute('notebook:run-cell-and-select-next');   // the check under it
  return i;
}"""


def test_a_learner_writes_an_exercise_and_the_progress_table_updates(browser, lab):
    """Learner mode as a learner meets it: the twin runs with its stub unwritten, the check says so, and
    writing the function into the stub turns the check and the progress table at the top green."""
    ex = get_exercise("activations.sigmoid")
    folder = ARTIFACTS / "learner"
    [path] = write_exercises([ex.notebook], out=folder, force=True)
    nb = nbformat.read(path, as_version=4)  # this test keeps its own progress file
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        f"import os\nos.environ['FACEAPP_PROGRESS'] = {str(folder / 'progress.json')!r}"))
    nbformat.write(nb, path)
    (folder / "progress.json").unlink(missing_ok=True)
    page = LabPage(browser, lab, path.relative_to(ROOT).as_posix())
    try:
        assert page.run_all() == []
        n = len(exercises_for(ex.notebook))
        table = page.page.locator(".faceapp-progress").first  # read with textContent: the notebook may
        assert f"Exercises passed: 0 of {n}" in table.text_content()  # not be drawing cells off screen
        assert page.page.get_by_text("✗ `sigmoid` is not written yet").count() == 1
        stub = next(c.source for c in nb.cells if "def sigmoid(" in c.source)
        answer = stub.replace("# YOUR CODE HERE\n    raise NotImplementedError()", "s = 1 / (1 + np.exp(-z))")
        assert answer != stub and page.page.evaluate(JS_ANSWER, ["def sigmoid(", answer]) >= 0
        page.page.wait_for_function(f"t => t.textContent.includes('Exercises passed: 1 of {n}')",
                                    arg=table.element_handle(), timeout=60_000)
        assert page.page.get_by_text("✓ All checks passed for `sigmoid`").count() == 1
        page.page.evaluate("() => { const n = window.jupyterapp.shell.currentWidget.content;"
                           " n.activeCellIndex = 3; n.scrollToItem(3, 'start'); }")
        page.page.wait_for_timeout(500)
        page.screenshot(folder / "learner_mode.png")
    finally:
        page.close()
        lab.shutdown_kernels()


def write_test_notebook(name: str, source: str) -> Path:
    """A one-cell notebook under test-artifacts/broken/ (the workbook's kernel), for the checks of the check."""
    folder = ARTIFACTS / "broken"
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(source))])
    nb.metadata["kernelspec"] = dict(KERNEL)
    nbformat.write(nb, folder / f"{name}.ipynb")
    return folder / f"{name}.ipynb"


BROKEN = '''
from utils.notebook import setup
setup()
import numpy as np
from utils.widgets import SliderPanel

def frozen(fig, a):          # ignores its slider: the figure never changes
    fig.add_subplot().plot([0, 1])
    return f"a = {a}"

def crashing(fig, a):        # always fails: no figure is ever drawn
    raise RuntimeError("broken on purpose")

display(SliderPanel(frozen, {"a": (1, 5, 1, 2)}))
display(SliderPanel(crashing, {"a": (1, 5, 1, 2)}))
'''


def test_the_browser_check_catches_broken_widgets(browser, lab):
    """Break two panels on purpose: the same check that passes the workbook must flag both."""
    write_test_notebook("broken_widgets", BROKEN)
    problems, _ = exercise_notebook(browser, lab, "test-artifacts/broken/broken_widgets.ipynb",
                                    ARTIFACTS / "broken" / "broken_widgets.png",
                                    slider_timeout_s=10)  # its figure never changes: don't wait a minute a press
    text = "; ".join(problems)
    assert "panel 0: moving 'a' did not change the figure" in text
    assert "panel 1 shows no figure (message: " in text and "broken on purpose" in text


PUSHED_TOO_FAR = '''
from utils.notebook import setup
setup()
from utils.widgets import SliderPanel

def fragile(fig, a):         # works at a = 2, refuses any larger value
    if a > 2:
        raise ValueError(f"a = {a} is pushed too far")
    fig.add_subplot().plot([0, a])
    return f"a = {a}"

display(SliderPanel(fragile, {"a": (1, 5, 1, 2)}))
'''


def test_a_panel_pushed_too_far_shows_its_message_over_the_dimmed_last_figure(browser, lab):
    """The message replaces no figure: the last good one stays, dimmed in the page (not only in Python)."""
    folder = write_test_notebook("pushed_too_far", PUSHED_TOO_FAR).parent
    page = LabPage(browser, lab, "test-artifacts/broken/pushed_too_far.ipynb")
    try:
        assert page.run_all() == []
        figure = page.page.locator(".faceapp-panel .faceapp-figure").first
        assert float(figure.evaluate("e => getComputedStyle(e).opacity")) == 1.0
        result = page.move_first_control(0, max_presses=1, timeout_s=20)
        assert "pushed too far" in result.message and "Traceback" not in result.message
        page.page.wait_for_function("e => getComputedStyle(e).opacity < 0.5", arg=figure.element_handle(),
                                    timeout=10_000)
        page.screenshot(folder / "pushed_too_far.png")
    finally:
        page.close()
        lab.shutdown_kernels()
