"""``diy-faceapp``: the FaceApp from the command line, in the shape of face_recognition's.

    diy-faceapp enroll NAME PHOTO...      enroll the most face-like face of each photo under NAME
    diy-faceapp recognize PHOTO...        one line per face: photo, box (x1,y1,x2,y2), name or unknown, distance
    diy-faceapp list                      the enrolled people and their number of enrollments
    diy-faceapp forget NAME               forget a person and every enrollment of theirs
    diy-faceapp rename OLD NEW            rename (or merge) a person

``--db PATH`` (any subcommand): the SQLite database (default: ``utils.faceapp.default_database_path()``, i.e.
``$FACEAPP_DB`` or the app's own file, the one ``make faceapp`` uses; an
``.npz`` database of the same name beside it is migrated and kept). ``recognize --json`` prints a JSON list,
``--threshold`` defaults to the models' ``recognition_threshold``. Photos are JPEG or PNG, read by content
(``utils.faceapp.read_upload``). Exit status: 0 success, 1 a photo had no face, 2 bad usage or a bad file
(the reason on stderr). Also ``python -m utils.faceapp_cli``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

OK, NO_FACE, BAD = 0, 1, 2


class UsageError(Exception):
    """Bad usage or a bad file: the message goes to stderr, the exit status is 2."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="PATH",
                        help="the face database (.sqlite); default: the app's database")
    parser = argparse.ArgumentParser(prog="diy-faceapp", parents=[common],
                                     description="Enroll and recognize faces with the workbook's DIY FaceApp.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("enroll", parents=[common], help="enroll the face of each photo under NAME")
    p.add_argument("name")
    p.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
    p = sub.add_parser("recognize", parents=[common], help="name the faces in each photo")
    p.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
    p.add_argument("--threshold", type=float, default=None,
                   help="recognition distance threshold (default: the models' recognition_threshold)")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per face")
    p = sub.add_parser("list", parents=[common], help="the enrolled people")
    p.add_argument("--json", action="store_true", help="print a JSON object: name -> enrollments")
    p = sub.add_parser("forget", parents=[common], help="forget a person")
    p.add_argument("name")
    p = sub.add_parser("rename", parents=[common], help="rename (or merge) a person")
    p.add_argument("old")
    p.add_argument("new")
    return parser


def _open_db(path: Path | None) -> Any:
    from utils.face_db import is_sqlite_path, open_database
    from utils.faceapp import DatabaseError, default_database_path

    path = default_database_path() if path is None else path
    if not is_sqlite_path(path):
        raise UsageError(f"--db {path}: the command line uses an SQLite database (.sqlite or .db); "
                         f"an .npz beside it of the same name is migrated on the first use")
    try:
        return open_database(path)
    except (DatabaseError, OSError) as exc:
        raise UsageError(str(exc)) from None


def _analyze(app: Any, photo: Path) -> tuple[Any, float]:
    """The photo through the app's pipeline, and the factor from its boxes back to the photo's pixels."""
    from utils.faceapp import PhotoError, read_upload

    try:
        img = read_upload(photo.read_bytes())
    except OSError as exc:
        raise UsageError(f"{photo}: cannot read it ({exc.strerror or exc})") from None
    except PhotoError as exc:
        raise UsageError(f"{photo}: {exc}") from None
    analysis = app.analyze(img, f"file:{photo}", str(photo))
    return analysis, max(img.shape[:2]) / max(analysis.photo.shape[:2])


def _app(db: Any) -> Any:
    from utils.faceapp import FaceApp, load_models

    app = FaceApp(load_models(), db)
    if app.notice:
        print(app.notice, file=sys.stderr)
    return app


def _for_each_photo(photos: Sequence[Path], work: Any) -> int:
    """Run ``work(photo)`` on every photo; the worst status wins (a bad file: 2, a photo without a face: 1)."""
    status = OK
    for photo in photos:
        try:
            status = max(status, work(photo))
        except UsageError as exc:
            print(f"diy-faceapp: {exc}", file=sys.stderr)
            status = BAD
    return status


def _enroll(args: argparse.Namespace) -> int:
    db = _open_db(args.db)
    try:
        db.check_name(args.name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    app = _app(db)

    def one(photo: Path) -> int:
        analysis, _ = _analyze(app, photo)
        if not analysis.faces:
            print(f"diy-faceapp: {photo}: no face found, nothing enrolled", file=sys.stderr)
            return NO_FACE
        if len(analysis.faces) > 1:
            print(f"diy-faceapp: {photo}: {len(analysis.faces)} faces, enrolling the most face-like",
                  file=sys.stderr)
        print(app.enroll(args.name, analysis, 1))
        return OK

    return _for_each_photo(args.photos, one)


def _recognize(args: argparse.Namespace) -> int:
    app = _app(_open_db(args.db))
    threshold = app.models.recognition_threshold if args.threshold is None else args.threshold
    if not math.isfinite(threshold) or threshold < 0:
        raise UsageError(f"--threshold must be a distance >= 0, got {threshold}")
    records: list[dict] = []

    def one(photo: Path) -> int:
        analysis, factor = _analyze(app, photo)
        if not analysis.faces:
            print(f"diy-faceapp: {photo}: no face found", file=sys.stderr)
            return NO_FACE
        for face, rec in zip(analysis.faces, app.recognize(analysis, threshold)):
            box = [int(round(v * factor)) for v in face.box]
            records.append({"photo": str(photo), "box": box, "name": rec.name if rec else "unknown",
                            "nearest": rec.nearest if rec else None,
                            "distance": round(rec.distance, 4) if rec else None, "threshold": threshold})
            if not args.json:
                distance = f"{rec.distance:.3f}" if rec else "-"
                print(f"{photo}\t{','.join(map(str, box))}\t{records[-1]['name']}\t{distance}")
        return OK

    status = _for_each_photo(args.photos, one)
    if args.json:
        print(json.dumps(records, indent=1))
    return status


def _list(args: argparse.Namespace) -> int:
    db = _open_db(args.db)
    counts = {name: db.names.count(name) for name in db.identities()}
    if args.json:
        print(json.dumps(counts, indent=1))
    else:
        for name, n in counts.items():
            print(f"{name}\t{n} enrollment(s)")
    return OK


def _forget(args: argparse.Namespace) -> int:
    removed = _open_db(args.db).forget(args.name)
    if not removed:
        raise UsageError(f"nobody is enrolled as {args.name!r}")
    print(f"forgot {args.name!r} ({removed} enrollment(s))")
    return OK


def _rename(args: argparse.Namespace) -> int:
    try:
        moved = _open_db(args.db).rename(args.old, args.new)
    except (KeyError, ValueError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None
    print(f"renamed {args.old!r} to {args.new!r} ({moved} enrollment(s))")
    return OK


_COMMANDS = {"enroll": _enroll, "recognize": _recognize, "list": _list, "forget": _forget, "rename": _rename}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``). Returns the exit status (0, 1 or 2)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or bad usage (2, its message already on stderr)
        return int(exc.code or 0)
    from utils.faceapp import DatabaseError
    from utils.notebook import silence_tensorflow

    silence_tensorflow()
    args.db = getattr(args, "db", None)
    try:
        return _COMMANDS[args.command](args)
    except (UsageError, DatabaseError) as exc:
        print(f"diy-faceapp: {exc}", file=sys.stderr)
        return BAD


if __name__ == "__main__":
    sys.exit(main())
