"""Tests for utils.faceapp: the detector-encoder pipeline on the shipped photos, the face database, uploads."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from utils import faceapp as fa
from utils.detection import iou
from utils.faceapp import (FACE_SIZE, UNKNOWN, DatabaseError, FaceApp, FaceDatabase, PhotoError, crop_face,
                           face_swap, open_app_database, open_set_rates, read_upload, sniff_format, summarize,
                           upload_bytes)


def image_bytes(array: np.ndarray, fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, fmt)
    return buf.getvalue()


def unit(rng: np.random.Generator, n: int, d: int = 32) -> np.ndarray:
    e = rng.normal(size=(n, d))
    return e / np.linalg.norm(e, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def models():
    """The app's models, trained once and shared through the weights cache (the notebook uses the same key)."""
    from utils.notebook import setup

    setup(seed=1)
    return fa.load_models()


@pytest.fixture(scope="module")
def astronaut(models):
    return FaceApp(models, FaceDatabase()).analyze_offline("astronaut")


# --- the pipeline on the shipped photos -----------------------------------------------------------------

def test_astronaut_yields_one_cnn_face_box_overlapping_the_cascade_by_iou_above_half(astronaut):
    assert len(astronaut.cascade) == 1
    overlaps = [iou(f.box, astronaut.cascade[0].box) for f in astronaut.cnn]
    assert sum(o > 0.5 for o in overlaps) == 1, overlaps


def test_faces_are_cropped_to_25x25_grayscale_and_encoded_as_unit_vectors(astronaut, models):
    for f in astronaut.cnn + astronaut.cascade:
        assert f.crop.shape == (FACE_SIZE, FACE_SIZE) and 0 <= f.crop.min() and f.crop.max() <= 1
        assert f.encoding.shape == (32,)
        assert np.isclose(np.linalg.norm(f.encoding), 1, atol=1e-4)
    # the encoding is the encoder's output on the crop
    from utils.face_verification import encode

    f = astronaut.cnn[0]
    np.testing.assert_allclose(encode(f.crop[None].astype(np.float32), models.encoder)[0], f.encoding, atol=1e-5)


def test_the_same_face_twice_is_nearer_than_two_different_faces(astronaut, models):
    from utils.face_detector import lfw_split
    from utils.face_verification import encode

    cnn_face = max(astronaut.cnn, key=lambda f: iou(f.box, astronaut.cascade[0].box))
    same = np.linalg.norm(cnn_face.encoding - astronaut.cascade[0].encoding)
    others = encode(lfw_split("eval")[0].astype(np.float32), models.encoder)
    assert same < np.median(np.linalg.norm(others - cnn_face.encoding, axis=1))


def test_only_the_detectors_faces_are_recognized_and_a_face_free_photo_has_none(models, rng):
    from utils.face_detector import load_gray_photo

    app = FaceApp(models, FaceDatabase())
    app.db.enroll("someone", unit(rng, 1)[0], np.zeros((FACE_SIZE, FACE_SIZE)))
    brick = app.analyze((load_gray_photo("brick") * 255).astype(np.uint8), "brick")
    assert brick.faces == [] and app.recognize(brick, 2.0) == []
    assert app.detector_threshold is None and models.detector_threshold > 0.5  # the calibrated one is used


def test_a_non_face_far_from_every_enrolled_face_is_unknown(models, astronaut):
    from utils.face_detector import make_texture
    from utils.face_verification import encode

    db = FaceDatabase()
    face = astronaut.cnn[0]
    db.enroll("Eileen", face.encoding, face.crop)
    texture = encode(make_texture(5, FACE_SIZE, "stripes")[None, ..., None].astype(np.float32), models.encoder)[0]
    assert db.recognize(texture, models.recognition_threshold).name == UNKNOWN


def test_a_photo_with_no_face_gets_a_clear_message_not_an_error(models):
    app = FaceApp(models, FaceDatabase())
    blank = app.analyze_upload(image_bytes(np.full((240, 320, 3), 128, np.uint8), "PNG"), "grey.png")
    assert blank.cnn == [] and blank.cascade == []
    assert "no face found" in summarize(blank, [], 0.8)
    with pytest.raises(PhotoError, match="no face was found"):
        app.enroll("nobody", blank, 1)


def test_app_enroll_saves_the_database_and_recognizes_the_same_face(models, astronaut, tmp_path):
    app = FaceApp(models, FaceDatabase(path=tmp_path / "db.npz"))
    msg = app.enroll("Eileen", astronaut, 1)
    assert "saved to" in msg and (tmp_path / "db.npz").exists()
    assert FaceDatabase.load(tmp_path / "db.npz") == app.db
    rec = app.recognize(astronaut, 0.5)[0]
    assert rec.name == "Eileen" and rec.distance < 1e-6
    with pytest.raises(ValueError, match="face number"):
        app.enroll("Eileen", astronaut, len(astronaut.cnn) + 1)


def test_crop_face_resizes_inside_boxes_and_pads_boxes_that_leave_the_photo():
    gray = np.zeros((100, 100))
    gray[20:70, 30:80] = 1.0
    np.testing.assert_allclose(crop_face(gray, (30, 20, 80, 70)), np.ones((25, 25)), atol=1e-9)
    out = crop_face(gray, (-20, -20, 30, 30))  # the edge pixels repeat outside the photo
    assert out.shape == (25, 25) and np.isfinite(out).all()
    with pytest.raises(ValueError, match="corners"):
        crop_face(gray, (50, 50, 40, 60))


# --- the database ---------------------------------------------------------------------------------------

def make_db(rng, path=None) -> FaceDatabase:
    db = FaceDatabase(path=path)
    E = unit(rng, 3)
    for name, e in zip(["ada", "bob", "ada"], E):
        db.enroll(name, e, rng.uniform(size=(FACE_SIZE, FACE_SIZE)))
    return db


def test_database_round_trip_write_reload_equal(rng, tmp_path):
    db = make_db(rng, tmp_path / "faces.npz")
    db.save()
    again = FaceDatabase.load(tmp_path / "faces.npz")
    assert again == db and again.names == ["ada", "bob", "ada"]
    np.testing.assert_array_equal(again.encodings, db.encodings)
    assert FaceDatabase.open(tmp_path / "faces.npz") == db


def test_two_enrollments_under_one_name_are_kept(rng, tmp_path):
    db = make_db(rng, tmp_path / "faces.npz")
    assert db.names.count("ada") == 2 and db.identities() == ["ada", "bob"]
    db.save()
    assert FaceDatabase.load(db.path).names.count("ada") == 2
    assert db.remove("ada") == 2 and db.names == ["bob"]


def test_a_truncated_database_file_is_rejected_with_a_clear_error_and_left_untouched(rng, tmp_path):
    path = tmp_path / "faces.npz"
    make_db(rng, path).save()
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        path.write_bytes(data[:cut])
        with pytest.raises(DatabaseError, match="corrupted or truncated.*left untouched"):
            FaceDatabase.load(path)
        with pytest.raises(DatabaseError):
            FaceDatabase.open(path)  # never silently replaced by an empty database
        assert path.read_bytes() == data[:cut]


def test_the_app_reports_a_corrupted_database_and_keeps_working_in_memory(tmp_path):
    path = tmp_path / "faces.npz"
    path.write_bytes(b"not a database at all")
    db, problem = open_app_database(path)
    assert "corrupted" in problem and db.path is None and len(db) == 0
    assert path.read_bytes() == b"not a database at all"


def test_an_npz_that_is_not_a_face_database_is_rejected(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.arange(3))
    with pytest.raises(DatabaseError, match="corrupted|not a face database"):
        FaceDatabase.load(path)
    np.savez(path, format=np.array("something-else"))
    with pytest.raises(DatabaseError, match="not a face database"):
        FaceDatabase.load(path)


def test_save_is_atomic_a_failed_write_leaves_the_old_file_and_no_temporary_file(rng, tmp_path, monkeypatch):
    path = tmp_path / "faces.npz"
    db = make_db(rng, path)
    db.save()
    before = path.read_bytes()
    db.enroll("carol", unit(rng, 1)[0])

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fa.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        db.save()
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["faces.npz"]
    db.save()
    assert FaceDatabase.load(path).names[-1] == "carol"


def test_enroll_rejects_bad_names_and_encodings(rng):
    db = FaceDatabase()
    e = unit(rng, 1)[0]
    for bad in ("", "   ", "Unknown"):
        with pytest.raises(ValueError, match="name|unknown"):
            db.enroll(bad, e)
    with pytest.raises(ValueError, match=r"\(32,\)"):
        db.enroll("ada", e[:10])
    with pytest.raises(ValueError, match="finite"):
        db.enroll("ada", np.full(32, np.nan))
    with pytest.raises(ValueError, match="face"):
        db.enroll("ada", e, np.zeros((10, 10)))


def test_recognize_names_the_nearest_identity_below_the_threshold_and_unknown_beyond(rng):
    db = make_db(rng)
    probe = db.encodings[1] + 0.01 * unit(rng, 1)[0]
    d = float(np.linalg.norm(probe - db.encodings[1]))
    rec = db.recognize(probe, threshold=d + 1e-3)
    assert rec.name == "bob" and rec.nearest == "bob" and rec.distance == pytest.approx(d)
    assert [n for n, _ in rec.ranking][0] == "bob" and len(rec.ranking) == 2
    rec = db.recognize(probe, threshold=d - 1e-3)
    assert rec.name == UNKNOWN and rec.nearest == "bob" and not rec.known
    with pytest.raises(ValueError, match="empty"):
        FaceDatabase().recognize(probe, 0.5)


def test_recognize_uses_the_closest_of_several_enrollments(rng):
    db = make_db(rng)
    rec = db.recognize(db.encodings[2], threshold=1e-6 + 1e-9)
    assert rec.name == "ada" and rec.distance == pytest.approx(0.0, abs=1e-12)


def test_as_course_database_works_with_the_courses_who_is_it(rng):
    from utils.face_verification import who_is_it

    db = make_db(rng)
    course_db = db.as_course_database()
    assert sorted(course_db) == ["ada", "bob"]
    assert np.isclose(np.linalg.norm(course_db["ada"]), 1)
    flat = lambda x: np.asarray(x).reshape(len(x), -1)  # noqa: E731 - the "images" are encodings here
    dist, name = who_is_it(db.encodings[1].reshape(32, 1), course_db, flat)
    assert name == "bob" and dist == pytest.approx(0.0, abs=1e-6)  # float32 inside encode


def test_open_set_rates_count_named_people_and_rejected_strangers(rng):
    db = make_db(rng)
    probes = np.stack([db.encodings[0], db.encodings[1], -db.encodings[0]])
    truth = np.array(["ada", "bob", UNKNOWN])
    known, unknown = open_set_rates(db, probes, truth, [0.0, 0.5, 3.0])
    np.testing.assert_allclose(known, [0.0, 1.0, 1.0])
    np.testing.assert_allclose(unknown, [1.0, 1.0, 0.0])


def test_open_set_rates_agree_with_recognize_when_a_distance_equals_the_threshold(rng):
    db = make_db(rng)
    probes = np.stack([db.encodings[1] + 0.1, -db.encodings[0]])
    truth = np.array(["bob", UNKNOWN])
    at = [db.recognize(p, 1.0).distance for p in probes]  # thresholds exactly at each probe's nearest distance
    known, unknown = open_set_rates(db, probes, truth, at)
    for i, t in enumerate(at):
        answers = [db.recognize(p, t).name for p in probes]
        assert known[i] == float(answers[0] == "bob") and unknown[i] == float(answers[1] == UNKNOWN)
    assert known[0] == 0.0 and unknown[1] == 1.0  # "not below" the threshold: unknown


def test_choose_recognition_threshold_takes_the_smallest_of_tied_candidates(rng):
    db = make_db(rng)
    probes = np.stack([db.encodings[0], -db.encodings[0]])  # distance 0 for ada, about 1.4 or more for the stranger
    truth = np.array(["ada", UNKNOWN])
    # every candidate up to the stranger's distance names ada and turns the stranger away: the first one wins
    assert fa.choose_recognition_threshold(db, probes, truth) == pytest.approx(0.05)


# --- uploads ----------------------------------------------------------------------------------------------

def test_read_upload_accepts_png_and_jpeg_as_rgb_uint8():
    rgb = np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    np.testing.assert_array_equal(read_upload(image_bytes(rgb, "PNG")), rgb)
    jpg = read_upload(image_bytes(rgb, "JPEG"))
    assert jpg.shape == (60, 80, 3) and jpg.dtype == np.uint8
    gray = read_upload(image_bytes(rgb[..., 0], "PNG"))
    assert gray.shape == (60, 80, 3)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_read_upload_rejects_other_image_formats_by_content(fmt):
    data = image_bytes(np.zeros((60, 60, 3), np.uint8), fmt)
    with pytest.raises(PhotoError, match="JPEG or PNG"):
        read_upload(data)


def test_read_upload_rejects_files_that_are_not_images_whatever_their_name():
    for data in (b"Dear diary, today I trained a CNN.", b"%PDF-1.4 ...", b"\xff\xd8"):
        with pytest.raises(PhotoError, match="JPEG or PNG|damaged"):
            read_upload(data)
    with pytest.raises(PhotoError, match="empty"):
        read_upload(b"")


def test_read_upload_rejects_truncated_or_damaged_png_and_jpeg():
    rgb = np.random.default_rng(0).integers(0, 255, (80, 80, 3), dtype=np.uint8)
    for fmt in ("PNG", "JPEG"):
        data = image_bytes(rgb, fmt)
        with pytest.raises(PhotoError, match="damaged or truncated"):
            read_upload(data[: len(data) // 3])


def test_read_upload_rejects_images_too_large_in_bytes_or_pixels_and_too_small():
    with pytest.raises(PhotoError, match="MB"):
        read_upload(b"\x89PNG\r\n\x1a\n" + bytes(100), max_bytes=50)
    big = image_bytes(np.zeros((300, 400), np.uint8), "PNG")
    with pytest.raises(PhotoError, match="megapixels"):
        read_upload(big, max_pixels=100_000)
    with pytest.raises(PhotoError, match="at least"):
        read_upload(image_bytes(np.zeros((20, 400), np.uint8), "PNG"))


def test_sniff_format_and_upload_bytes_read_both_ipywidgets_forms():
    assert sniff_format(b"\x89PNG\r\n\x1a\nrest") == "PNG" and sniff_format(b"GIF89a") == "GIF"
    assert upload_bytes(()) is None and upload_bytes({}) is None
    assert upload_bytes(({"name": "me.png", "content": memoryview(b"abc")},)) == ("me.png", b"abc")
    assert upload_bytes({"me.jpg": {"metadata": {}, "content": b"xyz"}}) == ("me.jpg", b"xyz")


# --- the fun effect ---------------------------------------------------------------------------------------

def test_face_swap_changes_only_the_face_boxes_and_skips_excluded_names(rng):
    db = make_db(rng)
    photo = rng.integers(60, 200, (100, 120, 3)).astype(np.uint8)
    face = fa.Face(np.array([20.0, 30.0, 60.0, 70.0]), "cnn", 0.9, np.zeros((25, 25)), db.encodings[0])
    out = face_swap(photo, [face], db)
    changed = np.any(out != photo, axis=2)
    assert changed.any() and not changed[:30].any() and not changed[:, :20].any() and not changed[71:].any()
    np.testing.assert_array_equal(face_swap(photo, [face], db, exclude=["ada", "bob"]), photo)
    np.testing.assert_array_equal(face_swap(photo, [face], FaceDatabase()), photo)


def test_default_database_path_is_under_the_cache_dir_not_the_repository(monkeypatch, tmp_path):
    monkeypatch.setenv("FACEAPP_DATA", str(tmp_path))
    monkeypatch.delenv("FACEAPP_DB", raising=False)
    path = fa.default_database_path()
    assert Path(tmp_path) in path.parents
    assert not str(path).startswith(str(Path(__file__).resolve().parent.parent))
    assert os.path.basename(path) == "faces.sqlite"


def test_gallery_mosaic_shows_each_face_with_its_nearest_enrollments_framed_green_below_threshold(rng):
    db = make_db(rng)
    face = fa.Face(np.zeros(4), "cnn", 0.9, np.full((25, 25), 0.5), db.encodings[1])
    mosaic, captions = fa.gallery_mosaic([face, face], db, threshold=1e-3, k=2, gap=14)
    assert mosaic.shape == (2 * 39, 3 * 39, 3)
    texts = [c[2] for c in captions]
    assert texts[:3] == ["face #1", "bob 0.00", texts[2]] and texts[2].startswith("ada")
    assert [c[3] for c in captions[:3]] == [False, True, False]  # only bob is below the threshold
    green = (mosaic[..., 1] > 0.5) & (mosaic[..., 0] < 0.1)
    assert green[:, 39:78].any() and not green[:, 78:].any() and not green[:, :39].any()
    _, empty = fa.gallery_mosaic([face], FaceDatabase(), 0.5)
    assert [c[2] for c in empty] == ["face #1", "database empty"]


def test_read_upload_converts_rgba_and_16_bit_png_to_rgb_uint8():
    rgba = np.zeros((60, 60, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 255
    out = read_upload(image_bytes(rgba, "PNG"))
    assert out.shape == (60, 60, 3) and out[0, 0, 0] == 200
    deep = (np.arange(60 * 60, dtype=np.uint16).reshape(60, 60) * 18)
    out = read_upload(image_bytes(deep, "PNG"))
    assert out.shape == (60, 60, 3) and out.dtype == np.uint8 and out.min() == 0 and out.max() == 255


def test_work_copy_shrinks_large_photos_and_keeps_small_ones():
    small = np.zeros((100, 150, 3), np.uint8)
    out, f = fa.work_copy(small)
    assert f == 1.0 and out.shape == (100, 150, 3)
    out, f = fa.work_copy(np.zeros((1000, 2000), np.uint8), max_side=500)
    assert out.shape == (250, 500, 3) and f == pytest.approx(0.25) and out.dtype == np.uint8
    with pytest.raises(PhotoError, match="shape"):
        fa.work_copy(np.zeros((10, 10, 2)))


def test_open_set_split_enrolls_half_the_people_and_probes_every_other_view():
    images = np.arange(4 * 3 * 25 * 25, dtype=np.float32).reshape(12, 25, 25) / (12 * 625)
    labels = np.repeat(np.arange(4), 3)
    flat = lambda x: np.asarray(x).reshape(len(x), -1)[:, :32]  # noqa: E731 - a stand-in encoder
    db, probes, truth, probe_images = fa.open_set_split(images, labels, flat, n_enroll_views=2)
    assert db.names == ["person 0", "person 0", "person 1", "person 1"]
    assert truth.tolist() == ["person 0", "person 1", UNKNOWN, UNKNOWN]
    assert probes.shape == (4, 32) and probe_images.shape == (4, 25, 25)
    np.testing.assert_array_equal(probe_images[0], images[2])


def test_choose_recognition_threshold_lies_between_known_and_stranger_distances(rng):
    db = make_db(rng)
    probes = np.stack([db.encodings[0], db.encodings[1], -db.encodings[0], -db.encodings[1]])
    truth = np.array(["ada", "bob", UNKNOWN, UNKNOWN])
    t = fa.choose_recognition_threshold(db, probes, truth)
    stranger = min(db.recognize(p, 0.5).distance for p in probes[2:])
    assert 0 < t <= stranger
    k, u = open_set_rates(db, probes, truth, [t])
    assert k[0] == 1.0 and u[0] == 1.0


def test_draw_detections_draws_every_box_and_labels_the_recognized_ones(rng):
    import matplotlib.pyplot as plt

    db = make_db(rng)
    faces = [fa.Face(np.array([10.0, 10.0, 40.0, 40.0]), "cnn", 0.9, np.zeros((25, 25)), db.encodings[1]),
             fa.Face(np.array([50.0, 10.0, 80.0, 40.0]), "cnn", 0.8, np.zeros((25, 25)), -db.encodings[1])]
    ref = [fa.Face(np.array([12.0, 12.0, 42.0, 42.0]), "cascade", float("nan"), np.zeros((25, 25)), db.encodings[1])]
    recs = [db.recognize(f.encoding, 0.5) for f in faces]
    fig, ax = plt.subplots()
    draw_detections = fa.draw_detections
    draw_detections(ax, np.zeros((60, 100, 3), np.uint8), faces, ref, recs)
    assert len(ax.patches) == 3 and ax.patches[0].get_linestyle() == "--"
    texts = [t.get_text() for t in ax.texts]
    assert "#1 bob 0.00" in texts and any(t.startswith("#2 unknown") for t in texts)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert fa.match_to_reference(faces, ref)[0] > 0.7 and fa.match_to_reference(faces, ref)[1] == 0


def test_the_app_models_choose_a_stricter_threshold_for_recognition_than_for_verification(models):
    assert 0 < models.recognition_threshold < models.threshold < 2
    assert models.info["dev_auc"] > 0.85
    det = models.info["detector"]
    assert det["dev_false_boxes"] <= det["target_dev_false_boxes"] and models.detector_threshold == det["threshold"]


def test_the_app_re_encodes_a_database_saved_with_another_encoder(models, astronaut, tmp_path):
    db = FaceDatabase(path=tmp_path / "db.npz", encoder_version="an-older-encoder")
    f = astronaut.cnn[0]
    db.enroll("someone", np.roll(f.encoding, 1), f.crop)  # stale encoding from "another encoder"
    db.save()
    app = FaceApp(models, FaceDatabase.load(tmp_path / "db.npz"))
    assert "re-encoded" in app.notice
    np.testing.assert_allclose(app.db.encodings[0], f.encoding, atol=1e-5)
    again = FaceDatabase.load(tmp_path / "db.npz")
    assert again.encoder_version == models.version and np.allclose(again.encodings, app.db.encodings)
    assert FaceApp(models, again).notice == ""


def test_an_empty_database_and_unicode_names_survive_the_round_trip(rng, tmp_path):
    empty = FaceDatabase(path=tmp_path / "empty.npz")
    empty.save()
    assert FaceDatabase.load(tmp_path / "empty.npz") == empty
    db = FaceDatabase(path=tmp_path / "u.npz")
    db.enroll("Zoë Ångström-李", unit(rng, 1)[0])
    db.save()
    assert FaceDatabase.load(tmp_path / "u.npz").names == ["Zoë Ångström-李"]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels, with no pixel data (as a decompression bomb starts)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [5000, 20000])
def test_read_upload_refuses_huge_images_from_the_header_before_decoding(side):
    with pytest.raises(PhotoError, match="megapixels"):
        read_upload(png_header_only(side, side))


def test_the_database_env_var_points_the_app_and_the_command_line_at_another_file(monkeypatch, tmp_path):
    from utils.faceapp_cli import main as cli

    monkeypatch.setenv("FACEAPP_DB", str(tmp_path / "other.sqlite"))
    assert fa.default_database_path() == tmp_path / "other.sqlite"
    assert cli(["list"]) == 0 and (tmp_path / "other.sqlite").exists()  # the command line opens that file


def test_upload_files_reads_every_file_of_both_ipywidgets_forms():
    assert fa.upload_files(()) == [] and fa.upload_files({}) == []
    files = tuple({"name": n, "content": memoryview(b)} for n, b in (("a.png", b"1"), ("b.png", b"2")))
    assert fa.upload_files(files) == [("a.png", b"1"), ("b.png", b"2")]
    assert fa.upload_files({"a.jpg": {"metadata": {}, "content": b"x"}}) == [("a.jpg", b"x")]


def test_encoder_cached_says_whether_load_models_will_train(monkeypatch, tmp_path):
    monkeypatch.setenv("FACEAPP_DATA", str(tmp_path))
    assert not fa.encoder_cached()
    folder = fa.model_dir() / "enc8-seed0"
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text("{}")
    assert fa.encoder_cached() and not fa.encoder_cached(encoder_rounds=4)
