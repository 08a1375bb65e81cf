"""The FaceApp's face detector beside scikit-image's LBP cascade, on the evaluation images only (issue 16)."""

from __future__ import annotations

import statistics
import time


def run_all() -> dict:
    """Evaluate the cached (or freshly trained) detector and the cascade with ``evaluate_face_detector``,
    and time both on the 512 x 512 astronaut (median of 5 runs, after a warm-up)."""
    from utils import face_detector as fd

    det = fd.load_face_detector(progress=False)
    ours = lambda img: fd.detect_faces(img, det.detector, det.threshold)  # noqa: E731
    out = {"version": fd.DETECTOR_VERSION, "trained_on": "lfw_subset + LFW" if fd.uses_lfw() else "lfw_subset",
           "threshold": det.threshold, "rounds": det.rounds, "info": det.info,
           "targets": {"false_boxes_per_image": fd.TARGET_EVAL_FALSE_BOXES, "face_top_hit_rate": 0.9,
                       "seconds_512": 1.5}}
    for name, fn in (("cnn", ours), ("cascade", fd.cascade_detect)):
        res = fd.evaluate_face_detector(fn)
        photo = fd.load_gray_photo("astronaut")
        fn(photo)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn(photo)
            times.append(time.perf_counter() - t0)
        res["seconds_512"] = statistics.median(times)
        out[name] = res
    return out


def rows(f: dict) -> list[tuple[str, str, str, str, str]]:
    """(measure, CNN, cascade, target, verdict) rows for BENCHMARKS.md."""
    c, r, t = f["cnn"], f["cascade"], f["targets"]

    def ok(flag: bool) -> str:
        return "met" if flag else "**not met**"

    return [
        ("false boxes per face-free eval photo (9 photos, each also mirrored)", f"{c['false_boxes_per_image']:.2f}",
         f"{r['false_boxes_per_image']:.2f}", f"at most {t['false_boxes_per_image']}",
         ok(c["false_boxes_per_image"] <= t["false_boxes_per_image"])),
        ("face photo variants whose top box is the face (IoU >= 0.5; 0.5x-1.5x, mirrored, brighter, darker)",
         f"{c['face_top_hit_rate']:.0%}", f"{r['face_top_hit_rate']:.0%}", f"at least {t['face_top_hit_rate']:.0%}",
         ok(c["face_top_hit_rate"] >= t["face_top_hit_rate"])),
        ("  of which: " + ", ".join(c["face_top_hits"]),
         " / ".join(f"{v:.0%}" for v in c["face_top_hits"].values()),
         " / ".join(f"{v:.0%}" for v in r["face_top_hits"].values()), "", ""),
        ("boxes not on the face, per face photo variant: " + ", ".join(c.get("face_photo_extra_boxes", {})),
         " / ".join(f"{v:.2f}" for v in c.get("face_photo_extra_boxes", {}).values()),
         " / ".join(f"{v:.2f}" for v in r.get("face_photo_extra_boxes", {}).values()), "(beside the cascade)", ""),
        ("average precision at IoU 0.5, composite eval scenes", f"{c['scene_ap']:.2f}", f"{r['scene_ap']:.2f}",
         "(beside the cascade)", ""),
        ("seconds for the 512 x 512 astronaut (median of 5)", f"{c['seconds_512']:.2f}", f"{r['seconds_512']:.2f}",
         f"at most {t['seconds_512']}", ok(c["seconds_512"] <= t["seconds_512"])),
    ]
