"""Tests for utils.face_db: the SQLite face database (concurrent writers, killed writers, migration, refusals)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from utils import face_db
from utils.faceapp import FACE_SIZE, DatabaseError, FaceApp, FaceDatabase, FaceModels

ROOT = Path(__file__).resolve().parent.parent


def unit(rng: np.random.Generator, n: int, d: int = 32) -> np.ndarray:
    e = rng.normal(size=(n, d))
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def filled(path: Path, rng: np.random.Generator, n: int = 3) -> face_db.SQLiteFaceDatabase:
    db = face_db.open_database(path)
    for i, e in enumerate(unit(rng, n)):
        db.enroll(["ada", "bob"][i % 2], e, rng.uniform(size=(FACE_SIZE, FACE_SIZE)), photo=f"photo{i}.png")
    return db


def python(code: str) -> subprocess.Popen:
    """A child Python running ``code`` with the repository importable."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_enrollments_rename_and_forget_are_in_the_file_at_once(rng, tmp_path):
    path = tmp_path / "faces.sqlite"
    db = filled(path, rng)
    again = FaceDatabase.open(path)
    assert isinstance(again, face_db.SQLiteFaceDatabase) and again == db
    assert again.names == ["ada", "bob", "ada"] and again.photos == ["photo0.png", "photo1.png", "photo2.png"]
    np.testing.assert_array_equal(again.encodings, db.encodings)
    assert db.rename("ada", "Ada L.") == 2 and FaceDatabase.load(path).identities() == ["Ada L.", "bob"]
    assert db.rename("bob", "Ada L.") == 1 and FaceDatabase.load(path).names == ["Ada L."] * 3  # merged
    with pytest.raises(KeyError, match="nobody"):
        db.rename("carol", "dan")
    with pytest.raises(ValueError, match="empty"):
        db.enroll("  ", unit(rng, 1)[0])
    assert db.forget("Ada L.") == 3 and len(FaceDatabase.load(path)) == 0
    assert again.refresh() is None and len(again) == 0  # another handle sees the change


def test_the_file_is_in_wal_mode_with_our_schema_version(rng, tmp_path):
    path = tmp_path / "faces.sqlite"
    filled(path, rng)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == face_db.SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM people").fetchone()[0] == 2


def test_two_processes_enrolling_50_faces_each_into_one_file_end_with_all_100(tmp_path):
    path = tmp_path / "faces.sqlite"
    face_db.open_database(path)
    code = """
        import sys, numpy as np
        from utils.face_db import open_database
        who = sys.argv[1] if len(sys.argv) > 1 else "{who}"
        db = open_database("{path}")
        rng = np.random.default_rng(len(who))
        for i in range(50):
            e = rng.normal(size=32)
            db.enroll(f"person {{i % 10}}", e / np.linalg.norm(e), rng.uniform(size=(25, 25)), photo=f"{{who}}-{{i}}")
        print("done")
    """
    children = [python(code.format(who=who, path=path)) for who in ("a", "bb")]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0 and out.strip() == "done", err
    db = FaceDatabase.open(path)
    assert len(db) == 100 and len(db.identities()) == 10
    assert sorted(db.photos) == sorted(f"{w}-{i}" for w in ("a", "bb") for i in range(50))


def test_a_writer_killed_inside_its_transaction_leaves_the_previous_state_readable(rng, tmp_path):
    path = tmp_path / "faces.sqlite"
    before = filled(path, rng)
    # the child dies between inserting the person and the enrollment, inside BEGIN IMMEDIATE
    child = python(f"""
        import os, numpy as np
        from utils import face_db
        db = face_db.open_database("{path}")
        calls = []
        def die():
            calls.append(1)
            if len(calls) == 2:
                os._exit(3)
            return "now"
        face_db._now = die
        db.enroll("mallory", np.ones(32) / np.sqrt(32), np.zeros((25, 25)))
    """)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 3, err
    after = FaceDatabase.open(path)
    assert after == before and "mallory" not in after.identities()
    assert after.enroll("carol", unit(rng, 1)[0]) == 1 and len(FaceDatabase.open(path)) == 4  # not locked


def test_the_npz_migration_keeps_every_enrollment_and_the_npz(rng, tmp_path):
    npz = tmp_path / "faces.npz"
    old = FaceDatabase(path=npz, encoder_version="enc-1")
    for i, e in enumerate(unit(rng, 7)):
        old.enroll(f"p{i % 3}", e, rng.uniform(size=(FACE_SIZE, FACE_SIZE)))
    old.save()
    data = npz.read_bytes()
    db = FaceDatabase.open(tmp_path / "faces.sqlite")
    assert isinstance(db, face_db.SQLiteFaceDatabase) and db.migrated_from == str(npz)
    assert db.names == old.names and db.encoder_version == "enc-1"
    np.testing.assert_array_equal(db.encodings, old.encodings)
    np.testing.assert_array_equal(db.faces, old.faces)
    assert npz.read_bytes() == data  # kept, untouched, as the backup
    db.enroll("new", unit(rng, 1)[0])
    assert len(FaceDatabase.open(tmp_path / "faces.sqlite")) == 8 and npz.read_bytes() == data
    with pytest.raises(FileExistsError):
        face_db.migrate_npz(npz, tmp_path / "faces.sqlite")


def foreign_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('hello')")
    conn.close()


@pytest.mark.parametrize("kind", ["text", "empty", "foreign sqlite", "truncated", "garbled"])
def test_a_truncated_or_foreign_file_is_refused_and_left_byte_identical(rng, tmp_path, kind):
    path = tmp_path / "faces.sqlite"
    if kind == "text":
        path.write_text("name,encoding\nada,0.1\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "foreign sqlite":
        foreign_sqlite(path)
    else:
        filled(tmp_path / "good.sqlite", rng, n=20)
        data = (tmp_path / "good.sqlite").read_bytes()
        assert len(data) > 8192
        if kind == "truncated":
            data = data[:len(data) // 2]
        else:
            data = data[:len(data) // 2] + bytes(4096) + data[len(data) // 2 + 4096:]
        path.write_bytes(data)
    data = path.read_bytes()
    with pytest.raises(DatabaseError, match="left untouched"):
        FaceDatabase.open(path)
    with pytest.raises(DatabaseError):
        face_db.open_database(path)
    assert path.read_bytes() == data


def test_a_file_of_a_newer_schema_is_refused(rng, tmp_path):
    path = tmp_path / "faces.sqlite"
    filled(path, rng)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(DatabaseError, match="schema version 99"):
        FaceDatabase.open(path)


def test_a_database_of_another_encoder_is_re_encoded_from_its_crops(rng, tmp_path):
    path = tmp_path / "faces.sqlite"
    db = filled(path, rng)
    db.encoder_version = "an-older-encoder"
    db.save()

    def encoder(x):  # a stand-in encoder: the crop's first 32 pixels, normalized
        flat = np.asarray(x).reshape(len(x), -1)[:, :32]
        return flat / np.linalg.norm(flat, axis=1, keepdims=True)

    models = FaceModels(None, None, encoder, 0.5, version="enc-new")
    app = FaceApp(models, FaceDatabase.open(path))
    assert "re-encoded" in app.notice
    again = FaceDatabase.open(path)
    assert again.encoder_version == "enc-new" and np.allclose(again.encodings, app.db.encodings)
    assert not np.allclose(again.encodings, db.encodings)
    with pytest.raises(DatabaseError, match="encoder"):
        db.enroll("eve", unit(rng, 1)[0])  # db still speaks the older encoder: refused, not mixed in
