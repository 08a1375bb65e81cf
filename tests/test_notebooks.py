"""The workbook's notebook rules: paired scripts in sync, a uniform first cell, no network, an up-to-date index."""

import re

import nbformat
import pytest

from utils.notebook import ROOT, index_markdown, notebook_paths, pair_problems

NOTEBOOKS = notebook_paths()
IDS = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in the course folders"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_paired_with_its_script_and_in_sync(path):
    assert pair_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_follows_the_conventions(path):
    nb = nbformat.read(path, as_version=4)
    assert re.match(r"^(w\d|\d\d)_[a-z0-9_]+\.ipynb$", path.name), "name must sort in reading order"
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"^# .+", first_md.source, re.M) and re.search(r"^> .+", first_md.source, re.M), \
        "first markdown cell needs a '# Title' and a '> one-line summary' for the start page"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "setup(" in first_code.source, "first code cell must call utils.notebook.setup()"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"^\s*[!%]\s*pip|urlopen|requests\.get|wget|curl ", code, re.M), "no installs/downloads"
    assert any("NBVAL_CHECK_OUTPUT" in c.source for c in nb.cells if c.cell_type == "code"), \
        "at least one cell must have its output checked by nbval"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.get("execution_count") is not None, f"cell {i} has not been executed (run make refresh)"
            for out in cell.get("outputs", []):
                assert out.output_type != "error", f"cell {i} stores an error"
                text = out.get("text", "")
                assert "Traceback" not in text and "oneDNN" not in text, f"cell {i} stores log noise"


#: Notebooks that do not have a SliderPanel yet (issue 19), each with what its panel should turn. This list
#: may only shrink: a notebook added to the workbook, or one that gets a panel, must not appear here.
NO_PANEL_YET: dict[str, str] = {}  # empty: every notebook has a panel


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_a_slider_panel_unless_allowed(path):
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT).as_posix()
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    has_panel = re.search(r"\b(SliderPanel|FaceAppUI|MorphPanel)\(", code) is not None  # both build a SliderPanel
    if rel in NO_PANEL_YET:
        assert not has_panel, f"{rel} has a SliderPanel now: remove it from NO_PANEL_YET"
    else:
        assert has_panel, f"{rel} has no utils.widgets.SliderPanel: give it a knob that teaches its main idea"


#: Notebooks that truly have no figure, each with the reason. A figure is an image/png output stored in the
#: .ipynb or a SliderPanel (it draws one). Empty: every notebook has a picture.
NO_FIGURE = {}


def _has_figure(nb) -> bool:
    """A stored figure (an image/png output): what a reader sees without running anything. A SliderPanel's
    figure is drawn only in a live kernel, so a panel alone does not count."""
    return any("image/png" in out.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for out in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_a_figure_unless_allowed(path):
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT).as_posix()
    if rel in NO_FIGURE:
        assert not _has_figure(nb), f"{rel} has a figure now: remove it from NO_FIGURE"
    else:
        assert _has_figure(nb), (f"{rel} stores no figure (no image/png output; a SliderPanel's figure is not stored): draw its idea "
                                 f"with utils.plotting's style and refresh it")


def test_the_figure_rule_tells_a_picture_from_text_only():
    v4 = nbformat.v4
    text_only = v4.new_notebook(cells=[v4.new_code_cell("print(1)", outputs=[
        v4.new_output("stream", name="stdout", text="1\n")])])
    with_png = v4.new_notebook(cells=[v4.new_code_cell("plt.show()", outputs=[
        v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})])])
    with_panel = v4.new_notebook(cells=[v4.new_code_cell("panel = SliderPanel(draw, {'a': (0, 1, 1)})")])
    assert not _has_figure(text_only) and _has_figure(with_png) and not _has_figure(with_panel)


def test_the_no_figure_allow_list_names_only_existing_notebooks():
    assert set(NO_FIGURE) <= set(IDS), sorted(set(NO_FIGURE) - set(IDS))


def test_the_no_panel_allow_list_names_only_existing_notebooks():
    assert set(NO_PANEL_YET) <= set(IDS), sorted(set(NO_PANEL_YET) - set(IDS))


def test_index_lists_every_notebook_and_is_up_to_date():
    index = nbformat.read(ROOT / "index.ipynb", as_version=4)
    assert index.cells[0].source.strip() == index_markdown().strip(), "index.ipynb is stale: run `make index`"
    for rel in IDS:
        assert f"]({rel})" in index.cells[0].source
    for link in re.findall(r"\]\(([^)]+\.ipynb)\)", index.cells[0].source):
        assert (ROOT / link).exists(), f"the start page links to a missing notebook {link}"
