"""Tests for utils.faceapp_cli, the ``diy-faceapp`` command line: enroll, recognize, list, forget, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image

from utils import faceapp as fa
from utils.faceapp_cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def models():
    """The app's models, loaded once from the weights cache (``load_models`` keeps them for the session)."""
    from utils.notebook import setup

    setup(seed=1)
    return fa.load_models()


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """PNGs of the shipped astronaut, a darkened copy, a face-free brick wall, and a text file."""
    folder = tmp_path_factory.mktemp("photos")
    astronaut = skimage.data.astronaut()
    Image.fromarray(astronaut).save(folder / "astronaut.png")
    Image.fromarray((astronaut * 0.7).astype(np.uint8)).save(folder / "darker.png")
    Image.fromarray(skimage.data.brick()).save(folder / "brick.png")
    (folder / "notes.png").write_text("not a photo, whatever its name says")
    return folder


def run(capsys, *argv) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_enroll_then_recognize_names_the_enrolled_person(models, photos, tmp_path, capsys):
    db = tmp_path / "faces.sqlite"
    status, out, _ = run(capsys, "enroll", "--db", db, "Eileen", photos / "astronaut.png")
    assert status == 0 and "Eileen" in out
    status, out, _ = run(capsys, "recognize", "--db", db, photos / "darker.png")
    assert status == 0
    photo, box, name, distance = out.strip().splitlines()[0].split("\t")
    assert photo.endswith("darker.png") and name == "Eileen" and float(distance) < models.recognition_threshold
    assert len(box.split(",")) == 4
    status, out, _ = run(capsys, "recognize", "--db", db, "--threshold", "0", photos / "darker.png")
    assert status == 0 and out.split("\t")[2] == "unknown"  # nobody is nearer than 0


def test_recognize_json_parses_and_list_and_forget_work(models, photos, tmp_path, capsys):
    db = tmp_path / "faces.sqlite"
    assert run(capsys, "--db", db, "enroll", "Eileen", photos / "astronaut.png", photos / "darker.png")[0] == 0
    status, out, _ = run(capsys, "recognize", "--json", "--db", db, photos / "astronaut.png")
    records = json.loads(out)
    assert status == 0 and records[0]["name"] == "Eileen" and records[0]["distance"] < 1e-3
    assert records[0]["threshold"] == models.recognition_threshold and len(records[0]["box"]) == 4
    assert run(capsys, "list", "--db", db)[1] == "Eileen\t2 enrollment(s)\n"
    assert json.loads(run(capsys, "list", "--json", "--db", db)[1]) == {"Eileen": 2}
    assert run(capsys, "rename", "--db", db, "Eileen", "Eileen C.")[0] == 0
    status, out, _ = run(capsys, "forget", "--db", db, "Eileen C.")
    assert status == 0 and "2 enrollment" in out and run(capsys, "list", "--db", db)[1] == ""
    status, _, err = run(capsys, "forget", "--db", db, "nobody")
    assert status == 2 and "nobody is enrolled" in err


def test_exit_status_1_for_a_photo_without_a_face_and_2_for_a_bad_file_or_usage(models, photos, tmp_path, capsys):
    db = tmp_path / "faces.sqlite"
    status, _, err = run(capsys, "enroll", "--db", db, "Eileen", photos / "brick.png")
    assert status == 1 and "no face" in err
    status, _, err = run(capsys, "recognize", "--db", db, photos / "brick.png")
    assert status == 1 and "no face" in err
    status, _, err = run(capsys, "recognize", "--db", db, photos / "notes.png", photos / "brick.png")
    assert status == 2 and "JPEG or PNG" in err
    assert run(capsys, "recognize", "--db", db, tmp_path / "missing.png")[0] == 2
    assert run(capsys, "enroll", "--db", db, "unknown", photos / "astronaut.png")[0] == 2
    assert run(capsys, "recognize", "--db", db, "--threshold", "-1", photos / "astronaut.png")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2 and run(capsys, "recognize")[0] == 2
    assert run(capsys, "list", "--db", tmp_path / "faces.npz")[0] == 2
    bad = tmp_path / "bad.sqlite"
    bad.write_text("hello")
    status, _, err = run(capsys, "list", "--db", bad)
    assert status == 2 and "not a face database" in err and bad.read_text() == "hello"


def test_the_default_database_is_the_apps_sqlite_file(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("FACEAPP_DATA", str(tmp_path))
    assert run(capsys, "list") == (0, "", "")
    assert fa.default_database_path().exists() and fa.default_database_path().suffix == ".sqlite"


def test_the_console_script_is_declared_and_the_module_runs_in_a_subprocess(tmp_path):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["diy-faceapp"] == "utils.faceapp_cli:main"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FACEAPP_DATA": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "utils.faceapp_cli", "list", "--db", str(tmp_path / "x.sqlite")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "", done.stderr
    done = subprocess.run([sys.executable, "-m", "utils.faceapp_cli", "forget"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "usage: diy-faceapp" in done.stderr
