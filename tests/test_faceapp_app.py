"""Tests for utils.faceapp_app: the FaceApp's widgets, the web app's page and its Voilà command, without a browser
(tests/test_browser_faceapp.py drives the served page in Chromium)."""

from __future__ import annotations

import html
import io
import re
import sys
from datetime import datetime, timezone

import numpy as np
import pytest
from PIL import Image

from utils import faceapp as fa
from utils import faceapp_app as app_mod
from utils.face_db import open_database
from utils.faceapp import FaceApp, open_app_database
from utils.faceapp_app import FaceAppPage, FaceAppUI, voila_command


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def uploaded(*files: tuple[str, bytes]) -> tuple[dict, ...]:
    """A FileUpload value as ipywidgets 8 sets it."""
    return tuple({"name": n, "type": "image/png", "size": len(b), "content": memoryview(b),
                  "last_modified": datetime.now(timezone.utc)}
                 for n, b in files)


@pytest.fixture(scope="module")
def models():
    from utils.notebook import setup

    setup(seed=1)
    return fa.load_models()


@pytest.fixture(scope="module")
def astronaut_png() -> bytes:
    return png(fa.load_offline_photo("astronaut"))


@pytest.fixture
def ui(models, tmp_path) -> FaceAppUI:
    db, problem = open_app_database(tmp_path / "faces.sqlite")
    assert problem is None
    return FaceAppUI(FaceApp(models, db))


def text(widget) -> str:
    """An HTML widget's text as the page shows it (entities decoded)."""
    return html.unescape(widget.value)


def test_the_ui_starts_on_a_shipped_photo_with_an_empty_database(ui):
    assert ui.panel.values["photo"] == "astronaut" and ui.panel.message.value == ""
    assert "database empty: enroll someone" in text(ui.panel.text)
    assert "Nobody is enrolled yet" in text(ui.people) and list(ui.person.options) == []
    assert ui.upload in ui.panel.widget.children[0].children  # the upload button sits with the panel's controls


def test_an_uploaded_png_is_offered_shown_and_its_face_found(ui, astronaut_png):
    ui.upload.value = uploaded(("me.png", astronaut_png))
    assert ui.panel.values["photo"] == "me.png (uploaded)"
    assert re.search(r"me\.png: [1-9]\d* CNN face\(s\)", text(ui.panel.text)) and ui.panel.message.value == ""
    assert ui.upload.value == ()  # cleared, ready for the next files
    assert len(ui.panel.latencies) == 2  # one redraw for the upload, not one per dropdown change


def test_several_uploads_at_once_are_all_offered_and_a_bad_one_is_a_message(ui, astronaut_png):
    coffee = png(fa.load_offline_photo("coffee"))
    ui.upload.value = uploaded(("a.png", astronaut_png), ("notes.png", b"this is a text file"), ("b.png", coffee))
    options = list(ui.panel.controls["photo"].options)
    assert options[-2:] == ["a.png (uploaded)", "b.png (uploaded)"] and ui.panel.values["photo"] == "b.png (uploaded)"
    assert "notes.png: this is not an image the app knows: please upload a JPEG or PNG photo" in ui.panel.message.value
    assert "b.png:" in text(ui.panel.text)  # the good upload is shown, not dimmed
    assert not ui.panel.stale


def test_only_bad_uploads_leave_the_photo_and_show_why(ui):
    gif = io.BytesIO()
    Image.fromarray(np.zeros((60, 60), np.uint8)).save(gif, "GIF")
    ui.upload.value = uploaded(("cat.png", gif.getvalue()), ("big.png", png(np.zeros((4000, 5000), np.uint8))))
    assert ui.panel.values["photo"] == "astronaut"
    msg = ui.panel.message.value
    assert "cat.png: this is a GIF file" in msg and "big.png: the photo is 5000 x 4000 pixels" in msg


def test_enroll_saves_to_the_database_and_the_face_is_then_recognized_by_name(ui, astronaut_png, tmp_path):
    ui.upload.value = uploaded(("me.png", astronaut_png))
    ui.name.value = "Eileen Collins"
    ui.enroll_button.click()
    assert "enrolled face #1 of me.png as 'Eileen Collins'" in text(ui.status) and "faceapp-ok" in text(ui.status)
    assert "1 people, 1 enrollments" in text(ui.people) and list(ui.person.options) == ["Eileen Collins"]
    assert "-> Eileen Collins (nearest Eileen Collins" in text(ui.panel.text)
    ui.enroll_button.click()  # a second photo of the same person: two enrollments under one name
    assert "(2 enrollment(s))" in text(ui.status)
    # the file holds them: a new page (another kernel) sees them
    again = FaceAppUI(FaceApp(ui.app.models, open_database(tmp_path / "faces.sqlite")))
    assert "Eileen Collins (2)" in text(again.people)
    assert "-> Eileen Collins" in text(again.panel.text)  # the shipped astronaut photo: the same face


def test_the_threshold_decides_between_the_name_and_unknown(ui):
    ui.name.value = "astro"
    ui.enroll_button.click()
    ui.panel.set(photo="coffee")  # no face: a message in the summary, not an error
    assert "no face found" in text(ui.panel.text)
    second = fa.load_offline_photo("astronaut")[:, ::-1]
    ui.upload.value = uploaded(("mirrored.png", png(np.ascontiguousarray(second))))
    ui.panel.set(threshold=0.1)
    assert "-> unknown (nearest astro" in text(ui.panel.text)
    ui.panel.set(threshold=2.0)
    assert "-> astro (nearest astro" in text(ui.panel.text)


@pytest.mark.parametrize("name, face, expected", [("  ", 1, "the name is empty"),
                                                  ("unknown", 1, "is the app's answer for strangers"),
                                                  ("Ann", 9, "face number must be between 1 and ")])
def test_enroll_refusals_are_messages(ui, name, face, expected):
    ui.name.value, ui.face_number.value = name, face
    ui.enroll_button.click()
    assert expected in text(ui.status) and "faceapp-warning" in text(ui.status)
    assert len(ui.app.db) == 0


def test_enrolling_from_a_photo_without_a_face_is_refused(ui):
    ui.panel.set(photo="coffee")
    ui.name.value = "Ann"
    ui.enroll_button.click()
    assert "no face was found in coffee: nothing to enroll" in text(ui.status)


def test_rename_and_forget_a_person(ui):
    ui.name.value = "Ann"
    ui.enroll_button.click()
    ui.rename_button.click()  # no new name
    assert "the name is empty" in text(ui.status)
    ui.new_name.value = "Eileen"
    ui.rename_button.click()
    assert "renamed 'Ann' to 'Eileen' (1 enrollment(s))" in text(ui.status)
    assert list(ui.person.options) == ["Eileen"] and "-> Eileen" in text(ui.panel.text)
    ui.forget_button.click()
    assert "forgot 'Eileen' (1 enrollment(s))" in text(ui.status)
    assert len(ui.app.db) == 0 and "Nobody is enrolled yet" in text(ui.people)
    ui.forget_button.click()
    assert "nobody is enrolled yet: there is no one to forget" in text(ui.status)
    ui.rename_button.click()
    assert "nobody is enrolled yet" in text(ui.status)


def test_face_swap_draws_the_swapped_photo(ui):
    mirrored = np.ascontiguousarray(fa.load_offline_photo("astronaut")[:, ::-1])
    ui.upload.value = uploaded(("mirrored.png", png(mirrored)))
    ui.name.value = "Ann"
    ui.enroll_button.click()  # another crop than the astronaut's own (the same crop is never swapped in)
    ui.panel.set(photo="astronaut")
    before = bytes(ui.panel.image.value)
    ui.panel.set(effect="face swap")
    assert ui.panel.message.value == "" and bytes(ui.panel.image.value) != before


def test_the_page_loads_in_the_background_and_then_shows_the_app(models, tmp_path):
    page = FaceAppPage(tmp_path / "faces.sqlite", models=models)
    assert page.wait(120) and page.error is None
    assert page.ui is not None and page.widget.children[0] is page.ui.widget
    assert page.progress.value == page.progress.max
    assert str(tmp_path / "faces.sqlite") in page.widget.children[1].value


def test_the_page_loads_the_models_itself_with_a_progress_bar(tmp_path, models, monkeypatch):
    seen = []
    monkeypatch.setattr(FaceAppPage, "_show_step", lambda self, i, detail="": seen.append(i))
    page = FaceAppPage(tmp_path / "faces.sqlite")  # load_models is cached for the session: no training here
    assert page.wait(300) and page.error is None and seen == [0, 1, 2, 3]


def test_a_page_that_cannot_start_says_why_instead_of_raising(tmp_path):
    broken = tmp_path / "faces.sqlite"
    broken.write_text("not a database")

    class NoModels(FaceAppPage):
        def _load_models(self):
            raise OSError("the weights file is unreadable")

    page = NoModels(broken)
    assert page.wait(30) and page.ui is None
    assert "The app could not start: OSError: the weights file is unreadable" in page.step.value
    assert page.progress.bar_style == "danger"


def test_a_damaged_database_is_reported_in_the_page_and_left_untouched(models, tmp_path):
    broken = tmp_path / "faces.sqlite"
    broken.write_text("not a database")
    page = FaceAppPage(broken, models=models)
    assert page.wait(60) and page.ui is not None
    assert "faceapp-warning" in page.ui.status.value and "faces.sqlite" in page.ui.status.value
    assert broken.read_text() == "not a database"


def test_voila_serves_the_app_on_localhost_only_with_a_token_and_no_code_or_tracebacks():
    cmd = voila_command(port=8871)
    assert cmd[:3] == [sys.executable, "-m", "voila"] and cmd[3].endswith("faceapp/app.ipynb")
    for flag in ("--Voila.ip=127.0.0.1", "--Voila.port=8871", "--Voila.port_retries=0", "--Voila.auto_token=True",
                 "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False",
                 "--no-browser"):
        assert flag in cmd
    assert not any(c.startswith("--Voila.token") or "token=" in c.lower() and "auto_token" not in c.lower() for c in cmd)  # the token travels in the environment, not in `ps`
    with pytest.raises(ValueError, match="port must be between 1 and 65535"):
        voila_command(port=70000)


def test_main_prints_the_url_with_the_token_and_passes_token_and_database_to_voila(monkeypatch, capsys, tmp_path):
    calls = []
    monkeypatch.setattr(app_mod.os, "execve", lambda path, argv, env: calls.append((path, argv, env)))
    monkeypatch.setenv("FACEAPP_TOKEN", "abc123")
    assert app_mod.main(["--port", "8872", "--db", str(tmp_path / "t.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8872/?token=abc123" in out and str(tmp_path / "t.sqlite") in out
    (path, argv, env), = calls
    assert env["JUPYTER_TOKEN"] == "abc123" and env["FACEAPP_DB"] == str(tmp_path / "t.sqlite")
    monkeypatch.delenv("FACEAPP_TOKEN")
    calls.clear()
    app_mod.main([])
    token = calls[0][2]["JUPYTER_TOKEN"]
    assert len(token) == 48 and f"?token={token}" in capsys.readouterr().out  # a fresh random token


def test_the_page_opens_the_database_faceapp_db_names(monkeypatch, tmp_path):
    monkeypatch.setenv("FACEAPP_DB", str(tmp_path / "other.sqlite"))
    assert FaceAppPage(start=False).db_path == tmp_path / "other.sqlite"
    assert FaceAppPage(tmp_path / "mine.sqlite", start=False).db_path == tmp_path / "mine.sqlite"


def test_the_app_notebook_is_short_paired_and_builds_only_the_page():
    import nbformat

    from utils.notebook import APPS, ROOT, notebook_paths, pair_problems

    path = ROOT / "faceapp" / "app.ipynb"
    assert APPS == ("faceapp/app.ipynb",) and path not in notebook_paths()  # the app, not a lesson
    assert pair_problems(path) == []
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert nb.metadata["kernelspec"]["name"] == "diy-faceapp"
    assert len(code) == 1 and code[0].strip().endswith("FaceAppPage()") and len(code[0].splitlines()) <= 6
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # Voilà runs it afresh


def test_prefetch_analyses_every_shipped_photo_so_choosing_one_only_redraws(ui, monkeypatch):
    assert ui.prefetch() >= 0
    assert all(f"photo:{p}" in ui.app._cache for p in ui.panel.controls["photo"].options)

    def no_detector(*args, **kwargs):
        raise AssertionError("the detector ran again on a prefetched photo")

    monkeypatch.setattr(fa, "find_faces", no_detector)
    for photo in ui.panel.controls["photo"].options:
        ui.panel.set(photo=photo)
        assert ui.panel.message.value == "", ui.panel.message.value
