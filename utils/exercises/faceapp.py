"""FaceApp exercises: the capstone's own from-scratch pieces in ``utils.faceapp`` (matching boxes to the
reference detector, open-set recognition rates, choosing the recognition threshold).

The cases build small face databases from made-up encodings (no trained model is needed), so every check runs
in milliseconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from utils.exercises.core import Case, Exercise, Mistake

NB = "faceapp/01_diy_faceapp.ipynb"


# ------------------------------------------------------------------------------------------ helpers
def _db(names: list[str], encodings: np.ndarray):
    from utils.faceapp import FaceDatabase

    db = FaceDatabase(dim=encodings.shape[1])
    for name, e in zip(names, encodings):
        db.enroll(name, e)
    return db


def _random_trial(rng: np.random.Generator, n_people: int, dim: int, n_probes: int, strangers: bool = True):
    names = [f"person {k}" for k in range(n_people) for _ in range(2)]
    db = _db(names, rng.normal(size=(len(names), dim)))
    pool = [f"person {k}" for k in range(n_people)] + (["unknown"] if strangers else [])
    truth = np.array([pool[i] for i in rng.integers(0, len(pool), size=n_probes)])
    probes = []
    for name in truth:  # enrolled people: near one of their enrollments; strangers: anywhere
        if name == "unknown":
            probes.append(rng.normal(size=dim))
        else:
            probes.append(db.encodings[names.index(name)] + rng.normal(0, 0.6, size=dim))
    return db, np.array(probes), truth


def _fixed_trial():
    """Two people in 2-D: ada enrolled at (0, 0) and (0.2, 0), bob at (1, 0). Probes: ada near her enrollments,
    bob near his, bob looking like ada (nearest enrollment: ada's), and two strangers."""
    db = _db(["ada", "ada", "bob"], np.array([[0.0, 0.0], [0.2, 0.0], [1.0, 0.0]]))
    probes = np.array([[0.1, 0.1], [1.0, 0.3], [0.3, 0.0], [0.5, 0.8], [3.0, 3.0]])
    truth = np.array(["ada", "bob", "bob", "unknown", "unknown"])
    return db, probes, truth


# --------------------------------------------------------------------------------------- open_set_rates
def _rates_cases(rng: np.random.Generator) -> list[Case]:
    db, probes, truth = _fixed_trial()
    r_db, r_probes, r_truth = _random_trial(rng, 3, 4, 10)
    d_min = np.array([r_db.distances(p).min() for p in r_probes])
    n_db, n_probes, n_truth = _random_trial(rng, 2, 3, 5, strangers=False)
    return [Case((db, probes, truth, np.array([0.05, 0.2, 0.5, 1.0, 5.0])),
                 label="fixed: ada and bob in 2-D, 3 probes of them and 2 strangers, 5 thresholds"),
            Case((r_db, r_probes, r_truth, np.linspace(0.2, 3.0, 8)), label="random: 3 people, 10 probes"),
            Case((r_db, r_probes, r_truth, np.sort(d_min)[::3]),
                 label="edge: thresholds exactly equal to probes' nearest distances"),
            Case((n_db, n_probes, n_truth, np.array([0.5, 1.5])), label="edge: no strangers among the probes"),
            Case((db, probes, truth, 0.25), label="edge: one threshold, a number")]


def _wrong_rates(kind: str):
    def fn(db, probes, truth, thresholds):
        truth = np.asarray(truth)
        t = np.asarray(thresholds, dtype=float).reshape(-1)
        known = truth != "unknown"
        D = np.stack([db.distances(e) for e in np.asarray(probes, dtype=float)])
        nearest = np.array(db.names)[np.argmin(D, axis=1)]
        d_min = D.min(axis=1)
        accept = {"reversed": d_min[None, :] > t[:, None],
                  "<=": d_min[None, :] <= t[:, None]}.get(kind, d_min[None, :] < t[:, None])
        named_right = accept if kind == "no name check" else accept & (nearest == truth)[None, :]
        rejected = accept if kind == "accepted strangers" else ~accept
        if kind == "all probes":
            return named_right.mean(axis=1), rejected.mean(axis=1)
        known_rate = named_right[:, known].mean(axis=1) if known.any() else np.ones(t.size)
        unknown_rate = rejected[:, ~known].mean(axis=1) if (~known).any() else np.ones(t.size)
        return known_rate, unknown_rate

    return fn


RATES = Exercise("faceapp.open_set_rates", NB, _rates_cases, [
    Mistake("threshold comparison reversed",
            "A face is recognized when its nearest enrollment is CLOSE: accept when the distance is below the "
            "threshold (d_min < t), call it unknown otherwise.", _wrong_rates("reversed")),
    Mistake("accepted unknown faces counted as rejected",
            "unknown_rate is the fraction of strangers the app turns away: count the strangers' probes that are "
            "NOT accepted (~accept), not those that are.", _wrong_rates("accepted strangers")),
    Mistake("named without checking the name",
            "Accepting an enrolled person is not enough: the nearest enrollment's name must also be the probe's "
            "true name (nearest == truth) to count in known_rate.", _wrong_rates("no name check")),
    Mistake("rates over all probes",
            "known_rate is over the enrolled people's probes only (truth != 'unknown'), unknown_rate over the "
            "strangers' only: select those columns before taking the mean.", _wrong_rates("all probes")),
    Mistake("<= instead of <",
            "A distance exactly equal to the threshold is \"not below\" it: the app calls that face unknown, as "
            "FaceDatabase.recognize does (d_min < t).", _wrong_rates("<=")),
])


# ------------------------------------------------------------------------------ choose_recognition_threshold
def _choose_cases(rng: np.random.Generator) -> list[Case]:
    db, probes, truth = _fixed_trial()
    return [Case((db, probes, truth), label="fixed: ada and bob in 2-D, 3 probes of them and 2 strangers"),
            Case(_random_trial(rng, 3, 4, 12), label="random: 3 people, 12 probes"),
            Case(_random_trial(rng, 4, 3, 16), label="random: 4 people, 16 probes")]


def _wrong_choice(kind: str):
    def fn(db, probes, truth):
        from utils.faceapp import open_set_rates

        candidates = np.linspace(0.05, 2.0, 196)
        known_rate, unknown_rate = open_set_rates(db, probes, truth, candidates)
        balanced = (known_rate + unknown_rate) / 2
        if kind == "argmin":
            return float(candidates[np.argmin(balanced)])
        if kind == "known only":
            return float(candidates[np.argmax(known_rate)])
        if kind == "score":
            return float(balanced.max())
        return float(candidates[len(balanced) - 1 - np.argmax(balanced[::-1])])  # the largest best candidate

    return fn


CHOOSE = Exercise("faceapp.choose_recognition_threshold", NB, _choose_cases, [
    Mistake("argmin instead of argmax",
            "The best threshold has the HIGHEST mean of the two rates: np.argmax, not np.argmin.",
            _wrong_choice("argmin")),
    Mistake("maximized the named rate only",
            "Naming enrolled people is half of the job: maximize the mean of known_rate and unknown_rate, or the "
            "app also names strangers.", _wrong_choice("known only")),
    Mistake("returned the best score, not the threshold",
            "np.max gives the best balanced accuracy; the function returns the candidate threshold where it is "
            "reached: candidates[np.argmax(balanced)].", _wrong_choice("score")),
    Mistake("the largest of the tied thresholds",
            "Several candidates can tie for the best score; take the first (smallest) one, which np.argmax "
            "returns.", _wrong_choice("last")),
])


# ----------------------------------------------------------------------------------- match_to_reference
def _faces(boxes: Any, source: str) -> list:
    from utils.faceapp import FACE_SIZE, Face

    return [Face(np.asarray(b, dtype=float), source, 0.9, np.zeros((FACE_SIZE, FACE_SIZE)), np.zeros(32))
            for b in boxes]


def _random_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    xy = rng.uniform(0, 60, size=(n, 2))
    wh = rng.uniform(10, 40, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


def _match_cases(rng: np.random.Generator) -> list[Case]:
    cnn = [[10, 10, 40, 40], [50, 10, 80, 40], [12, 60, 30, 80]]
    cascade = [[60, 12, 88, 42], [12, 12, 42, 42]]
    return [Case((_faces(cnn, "cnn"), _faces(cascade, "cascade")),
                 label="fixed: 3 CNN boxes, 2 cascade boxes (the first two overlap one each, the third none)"),
            Case((_faces(_random_boxes(rng, 4), "cnn"), _faces(_random_boxes(rng, 3), "cascade")),
                 label="random: 4 boxes against 3"),
            Case((_faces(cnn[:1], "cnn"), _faces(cascade, "cascade")), label="edge: one face"),
            Case((_faces(cnn, "cnn"), []), label="edge: no reference face")]


def _wrong_match(kind: str):
    def fn(faces, reference):
        from utils.detection import iou_matrix

        if not faces or not reference:
            return np.zeros(len(faces))
        ious = iou_matrix(np.stack([f.box for f in faces]), np.stack([f.box for f in reference]))
        return {"axis 0": lambda: ious.max(axis=0), "first": lambda: ious[:, 0],
                "mean": lambda: ious.mean(axis=1)}[kind]()

    return fn


MATCH = Exercise("faceapp.match_to_reference", NB, _match_cases, [
    Mistake("best match per reference face (wrong axis)",
            "iou_matrix(boxes, reference_boxes) has one ROW per face: take the max over axis=1, the reference "
            "faces, to get one number per face.", _wrong_match("axis 0")),
    Mistake("only the first reference face",
            "Compare each face with EVERY reference face and keep the largest IoU, not only the first column.",
            _wrong_match("first")),
    Mistake("mean IoU instead of the best",
            "A face matches the reference face it overlaps most: take the max over the reference faces, not the "
            "mean (most pairs do not overlap at all).", _wrong_match("mean")),
], mutates=("faces", "reference"))  # Faces hold arrays, which == cannot compare: the checker would report a change


EXERCISES = [MATCH, RATES, CHOOSE]
