"""The FaceApp's face database in one SQLite file (the standard library's ``sqlite3``).

``SQLiteFaceDatabase`` is a ``utils.faceapp.FaceDatabase`` (the same ``names`` / ``encodings`` / ``faces`` arrays,
``enroll``, ``recognize``, ``distances``, ...) whose every change is committed to the file at once, in its own
transaction (``BEGIN IMMEDIATE``), after which the arrays are re-read from the file, so they also show what
other processes enrolled. The file is in WAL mode and every connection waits (busy timeout) for the others'
transactions: two app pages, or the app and the command line, can enroll at the same time and nothing is lost.
A writer killed in the middle of a transaction leaves the previous state.

Schema (``PRAGMA user_version`` = ``SCHEMA_VERSION``, ``PRAGMA application_id`` = ``APPLICATION_ID``):

- ``meta(key, value)``: ``encoder_version`` (the ``FaceModels.version`` the encodings belong to), ``dim``,
  ``created``, and ``migrated_from`` when the file was made from an ``.npz`` database;
- ``people(id, name UNIQUE, created)``;
- ``enrollments(id, person_id -> people, encoding BLOB (dim float64), face BLOB (25 x 25 float32), photo, created)``.

``open_database(path)`` opens a file, creates a new one (atomically: written beside it, then linked into place,
so two processes creating it at once agree), or, when ``path`` is missing and an ``.npz`` database of the same
stem is beside it, migrates that one (the ``.npz`` is kept, untouched, as the backup). A file that is not a
face database (another SQLite file, a text file), a truncated or corrupted one, or one of a newer schema raises
``DatabaseError`` and is never modified.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from utils.faceapp import FACE_SIZE, DatabaseError, FaceDatabase

#: The schema this module writes (``PRAGMA user_version``); files of a newer schema are refused.
SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of a face database ("FACE" in ASCII): other SQLite files are refused.
APPLICATION_ID = 0x46414345
#: File name endings opened as SQLite face databases.
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
#: How long (seconds) a connection waits for another process's transaction before giving up.
BUSY_TIMEOUT = 30.0

_HEADER = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    encoding BLOB NOT NULL,
    face BLOB NOT NULL,
    photo TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);
CREATE INDEX enrollments_person ON enrollments(person_id);
"""
_TABLES = {"meta", "people", "enrollments"}


def _now() -> str:
    """The current time, UTC, ISO 8601 (the ``created`` columns)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def is_sqlite_path(path: str | Path) -> bool:
    """Whether ``path``'s ending names an SQLite face database (``SQLITE_SUFFIXES``) rather than an ``.npz``."""
    return Path(path).suffix.lower() in SQLITE_SUFFIXES


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), waiting ``BUSY_TIMEOUT`` for locks."""
    uri = path.resolve().as_uri() + ("?mode=ro" if readonly else "?mode=rw")
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def check_database_file(path: str | Path) -> None:
    """Refuse (DatabaseError, with the reason) a file that is not an intact face database of a known schema.

    Reads only: the header bytes, then a read-only connection (``PRAGMA application_id``, ``user_version``,
    the tables, ``PRAGMA quick_check``). The file is never modified.
    """
    path = Path(path)
    hint = f"the file {path} was left untouched: move or delete it to start a new database"
    with open(path, "rb") as fh:
        head = fh.read(100)
    if not head.startswith(_HEADER):
        raise DatabaseError(f"{path} is not a face database (not an SQLite file); {hint}")
    if len(head) < 100:
        raise DatabaseError(f"the face database {path} is corrupted or truncated ({len(head)} bytes); {hint}")
    try:
        with contextlib.closing(_connect(path, readonly=True)) as conn:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise DatabaseError(f"{path} is an SQLite database but not a face database "
                                    f"(application id {app_id:#x}, expected {APPLICATION_ID:#x}); {hint}")
            schema = conn.execute("PRAGMA user_version").fetchone()[0]
            if schema > SCHEMA_VERSION:
                raise DatabaseError(f"{path} has schema version {schema}, newer than this code's "
                                    f"{SCHEMA_VERSION}: update the workbook; {hint}")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not _TABLES <= tables:
                raise DatabaseError(f"the face database {path} lacks the tables {sorted(_TABLES - tables)}; {hint}")
            problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise DatabaseError(f"the face database {path} is corrupted or truncated ({problems[0]}); {hint}")
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"the face database {path} is corrupted or truncated ({exc}); {hint}") from None


def _create_file(path: Path, source: FaceDatabase, migrated_from: str = "") -> bool:
    """Write a new face database holding ``source``'s enrollments beside ``path``, then link it into place.

    Returns True when this call created ``path``, False when another process created it first (its file is
    kept; this one is discarded). Creating through a link never replaces a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        with contextlib.closing(_connect(tmp_path)) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)
            meta = {"encoder_version": source.encoder_version, "dim": str(source.dim), "created": _now()}
            if migrated_from:
                meta["migrated_from"] = migrated_from
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            photos = getattr(source, "photos", [""] * len(source))
            for name, e, f, photo in zip(source.names, source.encodings, source.faces, photos):
                _insert(conn, name, e, f, photo)
            conn.execute("COMMIT")
        try:
            os.link(tmp_path, path)
        except FileExistsError:
            return False
        return True
    finally:
        for leftover in (tmp_path, Path(tmp + "-wal"), Path(tmp + "-shm")):
            leftover.unlink(missing_ok=True)


def _insert(conn: sqlite3.Connection, name: str, encoding: np.ndarray, face: np.ndarray, photo: str) -> None:
    """Insert one enrollment (and its person, when new) inside the caller's transaction."""
    now = _now()
    conn.execute("INSERT OR IGNORE INTO people (name, created) VALUES (?, ?)", (name, now))
    (person,) = conn.execute("SELECT id FROM people WHERE name = ?", (name,)).fetchone()
    conn.execute("INSERT INTO enrollments (person_id, encoding, face, photo, created) VALUES (?, ?, ?, ?, ?)",
                 (person, np.asarray(encoding, "<f8").tobytes(), np.asarray(face, "<f4").tobytes(), photo, _now()))


class SQLiteFaceDatabase(FaceDatabase):
    """A FaceDatabase kept in an SQLite file: every change is its own committed transaction.

    Attributes (besides FaceDatabase's): ids (each enrollment's row id), migrated_from (the ``.npz`` this file
    was made from, or ""). Make one with ``open_database``.
    """

    def __init__(self, path: str | Path):
        super().__init__(path=path)
        self.ids: list[int] = []
        self.migrated_from = ""
        self.refresh()

    def __repr__(self) -> str:
        return f"SQLiteFaceDatabase({len(self)} enrollments of {len(self.identities())} people, file {self.path})"

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on an error), then the arrays are re-read."""
        conn = _connect(self.path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                self._read(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"the face database {self.path} could not be changed ({exc})") from exc
        finally:
            conn.close()

    def _read(self, conn: sqlite3.Connection) -> None:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        self.dim = int(meta.get("dim", 32))
        self.encoder_version = meta.get("encoder_version", "")
        self.migrated_from = meta.get("migrated_from", "")
        rows = conn.execute("SELECT e.id, p.name, e.encoding, e.face, e.photo FROM enrollments e "
                            "JOIN people p ON p.id = e.person_id ORDER BY e.id").fetchall()
        self.ids = [r[0] for r in rows]
        self.names = [r[1] for r in rows]
        self.photos = [r[4] for r in rows]
        try:
            self.encodings = np.array([np.frombuffer(r[2], "<f8") for r in rows]).reshape(len(rows), self.dim)
            self.faces = np.array([np.frombuffer(r[3], "<f4") for r in rows],
                                  dtype=np.float32).reshape(len(rows), FACE_SIZE, FACE_SIZE)
        except ValueError as exc:
            raise DatabaseError(f"the face database {self.path} holds enrollments of the wrong size ({exc}); "
                                f"the file was left untouched") from None

    def refresh(self) -> None:
        """Re-read every enrollment from the file (to see what other processes changed)."""
        conn = _connect(self.path)
        try:
            conn.execute("BEGIN")
            self._read(conn)
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"the face database {self.path} could not be read ({exc})") from None
        finally:
            conn.close()

    def enroll(self, name: str, encoding: Any, face: Any | None = None, photo: str = "") -> int:
        """Add one enrollment under ``name`` to the file (see ``FaceDatabase.enroll``). Returns the name's count.

        The file's encoder version is stamped from ``self.encoder_version`` when not set yet; an enrollment
        for another encoder than the file's raises DatabaseError (the file's encodings would not compare).
        """
        name, e, f = self._check_enrollment(name, encoding, face)
        mine = self.encoder_version
        with self._transaction() as conn:
            (stored,) = conn.execute("SELECT value FROM meta WHERE key = 'encoder_version'").fetchone()
            if mine and stored and mine != stored:
                raise DatabaseError(f"the face database {self.path} holds encodings of encoder {stored!r}, "
                                    f"not {mine!r}: open it again to re-encode it")
            if mine and not stored:
                conn.execute("UPDATE meta SET value = ? WHERE key = 'encoder_version'", (mine,))
            _insert(conn, name, e, f, str(photo))
        return self.names.count(name)

    def remove(self, name: str) -> int:
        """Forget ``name``: the person and every enrollment of theirs. Returns how many enrollments went."""
        with self._transaction() as conn:
            row = conn.execute("SELECT id FROM people WHERE name = ?", (str(name).strip(),)).fetchone()
            removed = 0
            if row is not None:
                removed = conn.execute("DELETE FROM enrollments WHERE person_id = ?", row).rowcount
                conn.execute("DELETE FROM people WHERE id = ?", row)
        return removed

    forget = remove

    def rename(self, old: str, new: str) -> int:
        """Rename person ``old`` to ``new`` (merged into ``new`` when that person exists). Returns the count moved."""
        old = str(old).strip()
        new = self.check_name(new)
        with self._transaction() as conn:
            row = conn.execute("SELECT id FROM people WHERE name = ?", (old,)).fetchone()
            if row is None:
                raise KeyError(f"nobody is enrolled as {old!r}")
            conn.execute("INSERT OR IGNORE INTO people (name, created) VALUES (?, ?)", (new, _now()))
            (target,) = conn.execute("SELECT id FROM people WHERE name = ?", (new,)).fetchone()
            if target == row[0]:
                return 0
            moved = conn.execute("UPDATE enrollments SET person_id = ? WHERE person_id = ?", (target, row[0])).rowcount
            conn.execute("DELETE FROM people WHERE id = ?", row)
        return moved

    def save(self, path: str | Path | None = None) -> Path:
        """Store what only changes in memory: ``encoder_version`` and the encodings (after ``FaceApp.reencode``).

        Enrollments are already in the file. When the encoder version changes, every enrollment in the file
        must be one of this object's (else DatabaseError: another process enrolled meanwhile; open it again).
        """
        if path is not None and Path(path) != self.path:
            raise ValueError(f"an SQLite face database is saved in its own file ({self.path}), not {path}")
        encodings = {i: np.asarray(e, "<f8").tobytes() for i, e in zip(self.ids, self.encodings)}
        with self._transaction() as conn:
            (stored,) = conn.execute("SELECT value FROM meta WHERE key = 'encoder_version'").fetchone()
            if stored != self.encoder_version:
                in_file = {r[0] for r in conn.execute("SELECT id FROM enrollments")}
                if not in_file <= set(encodings):
                    raise DatabaseError(f"the face database {self.path} changed while it was re-encoded: "
                                        f"open it again")
            conn.execute("UPDATE meta SET value = ? WHERE key = 'encoder_version'", (self.encoder_version,))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'dim'", (str(self.dim),))
            conn.executemany("UPDATE enrollments SET encoding = ? WHERE id = ? AND encoding != ?",
                             [(b, i, b) for i, b in encodings.items()])
        return self.path


def migrate_npz(npz: str | Path, path: str | Path) -> SQLiteFaceDatabase:
    """A new SQLite database at ``path`` holding every enrollment of the ``.npz`` database ``npz``.

    The ``.npz`` file is only read: it stays where it is, as the backup. Raises DatabaseError when ``npz`` is
    damaged, FileExistsError when ``path`` exists already.
    """
    npz, path = Path(npz), Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists already: it is not replaced by a migration")
    source = FaceDatabase.load(npz)
    if not _create_file(path, source, migrated_from=str(npz)):
        raise FileExistsError(f"{path} was created by another process during the migration")
    return SQLiteFaceDatabase(path)


def open_database(path: str | Path, dim: int = 32) -> SQLiteFaceDatabase:
    """The SQLite face database at ``path``, created when missing (migrated from ``path`` with ``.npz`` when
    that file exists: it is kept as the backup). Raises DatabaseError for a file that is not an intact face
    database; such a file is never modified."""
    path = Path(path)
    if not path.exists():
        npz = path.with_suffix(".npz")
        if npz.exists():
            with contextlib.suppress(FileExistsError):
                return migrate_npz(npz, path)
        else:
            _create_file(path, FaceDatabase(dim=dim))
    check_database_file(path)
    return SQLiteFaceDatabase(path)
